"""Login: the OAuth2 password flow, the access token it issues, and what it never reveals."""

import statistics
import time
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import jwt
import pytest

from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import serve, truncate_schema
from users.main import create_app
from users.settings import UsersSettings
from users_testing import API, STRONG_PASSWORD
from users_testing.accounts import NewAccount, log_in


def _problem_shape(response: httpx.Response) -> dict[str, object]:
    body = response.json()
    return {key: value for key, value in body.items() if key not in {"request_id", "instance"}}


async def test_login_returns_a_bearer_token_pair(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()

    response = await log_in(client, account.username, account.password)

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["refresh_token_expires_in"] == 14 * 86_400
    assert body["access_token"].count(".") == 2
    assert len(body["refresh_token"]) >= 40
    assert response.headers["cache-control"] == "no-store"


async def test_access_token_carries_the_claims_and_verifies_against_the_jwks(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()
    jwks = (await client.get(f"{API}/.well-known/jwks.json")).json()

    token = (await log_in(client, account.username, account.password)).json()["access_token"]

    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    key = jwt.PyJWKSet.from_dict(jwks)[header["kid"]]
    claims = jwt.decode(token, key.key, algorithms=["EdDSA"], audience="shop", issuer="shop-users")
    assert claims["sub"] == str(account.id)
    assert claims["role"] == "customer"
    assert claims["exp"] - claims["iat"] == 900
    assert abs(claims["iat"] - time.time()) < 60
    assert len(claims["jti"]) >= 16


async def test_every_token_has_its_own_id(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()

    first = (await log_in(client, account.username, account.password)).json()
    second = (await log_in(client, account.username, account.password)).json()

    assert (
        jwt.decode(first["access_token"], options={"verify_signature": False})["jti"]
        != (jwt.decode(second["access_token"], options={"verify_signature": False})["jti"])
    )
    assert first["refresh_token"] != second["refresh_token"]


async def test_an_admin_token_says_admin(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account(role="admin")

    claims = jwt.decode(account.access_token, options={"verify_signature": False})

    assert claims["role"] == "admin"


@pytest.mark.parametrize("login_case", [str.lower, str.upper])
async def test_login_by_email_in_any_case(
    client: httpx.AsyncClient, new_account: NewAccount, login_case: type[str]
) -> None:
    account = await new_account()

    response = await log_in(client, login_case(account.email), account.password)

    assert response.status_code == 200


async def test_login_by_username_in_any_case(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()

    response = await log_in(client, account.username.upper(), account.password)

    assert response.status_code == 200


async def test_wrong_password_unknown_account_and_deactivated_account_look_the_same(
    client: httpx.AsyncClient, new_account: NewAccount, database: asyncpg.Connection
) -> None:
    account = await new_account()
    deactivated = await new_account()
    await database.execute("UPDATE users.users SET is_active = false WHERE id = $1", deactivated.id)

    wrong_password = await log_in(client, account.username, "not the password at all")
    unknown = await log_in(client, "nobody_here", STRONG_PASSWORD)
    unknown_email = await log_in(client, "nobody@example.com", STRONG_PASSWORD)
    inactive = await log_in(client, deactivated.username, deactivated.password)

    for response in (wrong_password, unknown, unknown_email, inactive):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert _problem_shape(response) == _problem_shape(wrong_password)
    assert wrong_password.json()["code"] == "invalid-credentials"


async def test_a_password_longer_than_any_allowed_is_refused(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()

    response = await log_in(client, account.username, account.password + "x" * 200)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid-credentials"


async def test_login_needs_the_form_fields(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/auth/login", data={"username": "someone"})

    assert response.status_code == 422
    assert ["body", "password"] in [error["location"] for error in response.json()["errors"]]


async def test_login_takes_a_form_not_json(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()

    response = await client.post(
        f"{API}/auth/login", json={"username": account.username, "password": account.password}
    )

    assert response.status_code == 415
    assert response.headers["accept-post"] == "application/x-www-form-urlencoded"


@pytest.fixture
async def costly_client(
    settings: UsersSettings, database_stack: DatabaseStack
) -> AsyncIterator[httpx.AsyncClient]:
    # Hashing costly enough to dominate a database round trip, as it does in production.
    costly = settings.model_copy(
        update={"password_hash_memory_kib": 19 * 1024, "password_hash_time_cost": 2}
    )
    async with serve(create_app(costly)) as client:
        yield client
    # Like the `client` fixture: the account this registers must not leak into other tests.
    await truncate_schema(database_stack.direct_dsn("users"), "users")


async def _login_seconds(client: httpx.AsyncClient, login: str, password: str) -> float:
    # CPU time of this process (the app runs in it, Argon2's worker threads included), not wall
    # time: other processes loading the machine cannot tip the comparison either way.
    started = time.process_time()
    response = await log_in(client, login, password)
    assert response.status_code == 401
    return time.process_time() - started


async def test_an_unknown_account_costs_as_much_as_a_wrong_password(
    costly_client: httpx.AsyncClient,
) -> None:
    suffix = uuid.uuid4().hex[:8]
    registered = await costly_client.post(
        f"{API}/auth/register",
        json={
            "email": f"t-{suffix}@example.com",
            "username": f"t_{suffix}",
            "password": STRONG_PASSWORD,
        },
    )
    assert registered.status_code == 201
    wrong_password, unknown = [], []
    for _ in range(7):  # interleaved, so load on the machine hits both alike
        wrong_password.append(await _login_seconds(costly_client, f"t_{suffix}", "wrong pass"))
        unknown.append(await _login_seconds(costly_client, f"nobody_{suffix}", "wrong pass"))

    ratio = statistics.median(unknown) / statistics.median(wrong_password)

    # Without the decoy verification an unknown account answers several times faster.
    assert 0.6 < ratio < 1.7, (wrong_password, unknown)


async def test_a_hash_with_outdated_parameters_is_replaced_at_login(
    client: httpx.AsyncClient,
    settings: UsersSettings,
    new_account: NewAccount,
    database: asyncpg.Connection,
) -> None:
    account = await new_account()
    old_hash = await database.fetchval(
        "SELECT password_hash FROM users.users WHERE id = $1", account.id
    )
    stronger = settings.model_copy(update={"password_hash_time_cost": 2})

    async with serve(create_app(stronger)) as upgraded:
        response = await log_in(upgraded, account.username, account.password)

    new_hash = await database.fetchval(
        "SELECT password_hash FROM users.users WHERE id = $1", account.id
    )
    assert response.status_code == 200
    assert ",t=1," in old_hash
    assert ",t=2," in new_hash
    assert (await log_in(client, account.username, account.password)).status_code == 200


async def test_a_current_hash_is_left_alone_at_login(
    client: httpx.AsyncClient, new_account: NewAccount, database: asyncpg.Connection
) -> None:
    account = await new_account()
    query = "SELECT password_hash FROM users.users WHERE id = $1"
    before = await database.fetchval(query, account.id)

    await log_in(client, account.username, account.password)

    assert await database.fetchval(query, account.id) == before
