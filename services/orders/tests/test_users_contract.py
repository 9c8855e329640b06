"""The contract with users, checked against the real users app (in-process, real database).

Orders' own client and its own model of users' contacts talk to users' real internal API
here, so a change on either side that breaks docs/contracts/users-internal-api.md fails this
file. Every test runs twice, against the real users and against the fake users the other
tests use, with the same assertions: that is what keeps the fake honest.
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from pydantic import SecretStr

from orders.settings import OrdersSettings
from orders.users_client.client import UsersClient, create_users_client
from orders.users_client.errors import UsersUnreachable
from orders_testing import SERVICE_DIR, USERS_SERVICE_KEY
from orders_testing.fake_users import FakeUsers
from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import migrate_to_head, serve, truncate_schema
from users.keys.key_ring import private_key_pem
from users.main import create_app as create_users_app
from users.settings import UsersSettings

USERS_DIR = SERVICE_DIR.parent / "users"
# A customer as the test knows it: (id, username, email).
Customer = tuple[uuid.UUID, str, str]
NewCustomer = Callable[[], Awaitable[Customer]]


@pytest.fixture(scope="session")
def users_settings(database_stack: DatabaseStack) -> UsersSettings:
    migrate_to_head(USERS_DIR, database_stack.direct_url("users"))
    return UsersSettings(
        database_url=database_stack.pooled_url("users"),
        environment="test",
        jwt_private_key=private_key_pem(Ed25519PrivateKey.generate()).decode(),
        internal_api_keys=f"orders:{USERS_SERVICE_KEY}",
        # Cheapest Argon2: these tests register customers, they do not measure hashing.
        password_hash_time_cost=1,
        password_hash_memory_kib=8 * 1024,
        password_hash_parallelism=1,
    )


@pytest.fixture
async def users_app(
    users_settings: UsersSettings, database_stack: DatabaseStack
) -> AsyncIterator[FastAPI]:
    app = create_users_app(users_settings)
    async with serve(app):
        yield app
    await truncate_schema(database_stack.direct_dsn("users"), "users")


@pytest.fixture(params=["real-users", "fake-users"])
def real(request: pytest.FixtureRequest) -> bool:
    """Which users the tests talk to: the real app, or orders_testing/fake_users.py."""
    return bool(request.param == "real-users")


@pytest.fixture
def users_transport(
    real: bool, request: pytest.FixtureRequest, fake_users: FakeUsers
) -> httpx.AsyncBaseTransport:
    if real:
        return httpx.ASGITransport(app=request.getfixturevalue("users_app"))
    return fake_users.transport


@pytest.fixture
async def users(
    settings: OrdersSettings, users_transport: httpx.AsyncBaseTransport
) -> AsyncIterator[UsersClient]:
    """Orders' client of the users under test."""
    client = create_users_client(settings, transport=users_transport)
    yield client
    await client.aclose()


@pytest.fixture
def new_customer(real: bool, request: pytest.FixtureRequest, fake_users: FakeUsers) -> NewCustomer:
    async def register_for_real() -> Customer:
        suffix = uuid.uuid4().hex[:10]
        username, email = f"Customer_{suffix}", f"customer-{suffix}@example.com"
        transport = httpx.ASGITransport(app=request.getfixturevalue("users_app"))
        async with httpx.AsyncClient(transport=transport, base_url="http://users") as public:
            registered = await public.post(
                "/api/users/auth/register",
                json={"username": username, "email": email, "password": "a strong passphrase"},
            )
        assert registered.status_code == 201, registered.text
        return uuid.UUID(registered.json()["id"]), username, email

    async def add_to_the_fake() -> Customer:
        suffix = uuid.uuid4().hex[:10]
        username, email = f"Customer_{suffix}", f"customer-{suffix}@example.com"
        return fake_users.add_account(username, email), username, email

    return register_for_real if real else add_to_the_fake


async def test_contacts_are_answered_by_customer_id(
    users: UsersClient, new_customer: NewCustomer
) -> None:
    ada, bob = await new_customer(), await new_customer()

    contacts = await users.contacts([ada[0], bob[0]])

    assert {
        customer_id: (contact.id, contact.username, contact.email)
        for customer_id, contact in contacts.items()
    } == {ada[0]: ada, bob[0]: bob}


async def test_customers_without_an_account_are_left_out(
    users: UsersClient, new_customer: NewCustomer
) -> None:
    ada = await new_customer()

    contacts = await users.contacts([ada[0], uuid.uuid4()])

    assert list(contacts) == [ada[0]]


async def test_no_ids_asks_nothing(users: UsersClient) -> None:
    assert await users.contacts([]) == {}


async def test_more_ids_than_one_lookup_takes_are_asked_in_batches(
    users: UsersClient, new_customer: NewCustomer
) -> None:
    ada = await new_customer()
    strangers = [uuid.uuid4() for _ in range(230)]

    contacts = await users.contacts([*strangers, ada[0]])

    assert list(contacts) == [ada[0]]


async def test_a_wrong_service_key_is_unreachable(
    settings: OrdersSettings, users_transport: httpx.AsyncBaseTransport
) -> None:
    impostor = create_users_client(
        settings.model_copy(update={"users_service_key": SecretStr("not-the-orders-key")}),
        transport=users_transport,
    )
    try:
        with pytest.raises(UsersUnreachable, match="401"):
            await impostor.contacts([uuid.uuid4()])
    finally:
        await impostor.aclose()
