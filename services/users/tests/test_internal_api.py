"""Users' internal API: other services (orders) look accounts' contacts up by id, with a
service key; nobody else may."""

import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import serve, truncate_schema
from testing_kit.tokens import bearer
from users.main import create_app
from users.settings import UsersSettings
from users_testing import API
from users_testing.accounts import NewAccount

CONTACTS = f"{API}/internal/users"
ORDERS_KEY = "orders-key-of-the-users-tests"
ORDERS = bearer(ORDERS_KEY)


@pytest.fixture
async def client(
    settings: UsersSettings, database_stack: DatabaseStack
) -> AsyncIterator[httpx.AsyncClient]:
    """Users with orders' key among its INTERNAL_API_KEYS (new_account registers through it)."""
    with_keys = UsersSettings(
        **{**settings.model_dump(), "internal_api_keys": f"orders:{ORDERS_KEY} audit:{'a' * 16}"}
    )
    async with serve(create_app(with_keys)) as client:
        yield client
    await truncate_schema(database_stack.direct_dsn("users"), "users")


def _ids(*ids: uuid.UUID) -> list[tuple[str, str]]:
    return [("id", str(each)) for each in ids]


async def test_contacts_of_the_accounts_asked_for(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    ada, bob = await new_account(), await new_account()
    await new_account()  # not asked for

    response = await client.get(CONTACTS, params=_ids(ada.id, bob.id), headers=ORDERS)

    assert response.status_code == 200, response.text
    assert sorted(response.json()["items"], key=lambda item: item["username"]) == sorted(
        [
            {"id": str(ada.id), "username": ada.username, "email": ada.email, "is_active": True},
            {"id": str(bob.id), "username": bob.username, "email": bob.email, "is_active": True},
        ],
        key=lambda item: str(item["username"]),
    )


async def test_ids_without_an_account_are_absent(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    ada = await new_account()

    response = await client.get(CONTACTS, params=_ids(uuid.uuid4(), ada.id), headers=ORDERS)
    nobody = await client.get(CONTACTS, params=_ids(uuid.uuid4()), headers=ORDERS)

    assert [item["id"] for item in response.json()["items"]] == [str(ada.id)]
    assert nobody.status_code == 200
    assert nobody.json() == {"items": []}


async def test_a_deactivated_account_is_found_and_says_so(
    client: httpx.AsyncClient, new_account: NewAccount, database: asyncpg.Connection
) -> None:
    ada = await new_account()
    await database.execute("UPDATE users.users SET is_active = false WHERE id = $1", ada.id)

    response = await client.get(CONTACTS, params=_ids(ada.id), headers=ORDERS)

    assert [item["is_active"] for item in response.json()["items"]] == [False]


async def test_an_id_asked_twice_is_answered_once(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    ada = await new_account()

    response = await client.get(CONTACTS, params=_ids(ada.id, ada.id), headers=ORDERS)

    assert [item["id"] for item in response.json()["items"]] == [str(ada.id)]


async def test_every_configured_caller_may_ask(client: httpx.AsyncClient) -> None:
    response = await client.get(CONTACTS, params=_ids(uuid.uuid4()), headers=bearer("a" * 16))

    assert response.status_code == 200


async def test_a_hundred_ids_are_answered_and_more_are_refused(client: httpx.AsyncClient) -> None:
    hundred = _ids(*(uuid.uuid4() for _ in range(100)))

    answered = await client.get(CONTACTS, params=hundred, headers=ORDERS)
    refused = await client.get(
        CONTACTS, params=[*hundred, ("id", str(uuid.uuid4()))], headers=ORDERS
    )

    assert answered.status_code == 200
    assert refused.status_code == 422
    assert refused.json()["code"] == "validation-error"


@pytest.mark.parametrize(
    "params",
    [[], [("id", "not-a-uuid")], [("id", "")], [("id", str(uuid.uuid4())), ("id", "42")]],
    ids=["no-id", "not-a-uuid", "empty", "one-bad-among-good"],
)
async def test_bad_ids_are_a_validation_error(
    client: httpx.AsyncClient, params: list[tuple[str, str]]
) -> None:
    response = await client.get(CONTACTS, params=params, headers=ORDERS)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "validation-error"


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("not-a-key-anyone-was-given"), {"Authorization": f"Basic {ORDERS_KEY}"}],
    ids=["no-key", "wrong-key", "not-bearer"],
)
async def test_a_missing_or_wrong_service_key_is_refused(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get(CONTACTS, params=_ids(uuid.uuid4()), headers=headers)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid-service-credential"
    assert response.headers["www-authenticate"] == 'Bearer realm="internal"'


async def test_a_customers_access_token_is_not_a_service_key(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    ada = await new_account()

    response = await client.get(CONTACTS, params=_ids(ada.id), headers=ada.headers)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid-service-credential"


async def test_without_internal_api_keys_nobody_may_ask(
    settings: UsersSettings, database_stack: DatabaseStack
) -> None:
    assert settings.internal_api_keys == ""
    async with serve(create_app(settings)) as client:
        response = await client.get(CONTACTS, params=_ids(uuid.uuid4()), headers=ORDERS)

    assert response.status_code == 401


async def test_the_internal_api_is_not_in_the_public_openapi_document(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get(f"{API}/openapi.json")).json()

    assert not [path for path in document["paths"] if "/internal" in path]
