import secrets
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import migrate_to_head, own_database_stack, serve, truncate_schema
from users.keys.key_ring import private_key_pem
from users.main import create_app
from users.settings import UsersSettings
from users_testing import API, CHEAP_HASHING, SERVICE_DIR, STRONG_PASSWORD
from users_testing.accounts import NewAccount, RegisteredAccount, log_in
from users_testing.connection_watch import after_the_first_job_rounds
from users_testing.held_hashing import HeldApp, hold_hashes

database_stack = own_database_stack()


@pytest.fixture(scope="session")
def signing_key_pem() -> str:
    return private_key_pem(Ed25519PrivateKey.generate()).decode()


@pytest.fixture(scope="session")
def settings(database_stack: DatabaseStack, signing_key_pem: str) -> UsersSettings:
    migrate_to_head(SERVICE_DIR, database_stack.direct_url("users"))
    return UsersSettings(
        database_url=database_stack.pooled_url("users"),
        environment="test",
        jwt_private_key=signing_key_pem,
        erased_names_key=secrets.token_urlsafe(32),
        **CHEAP_HASHING,
    )


@pytest.fixture
async def client(
    settings: UsersSettings, database_stack: DatabaseStack
) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(create_app(settings)) as client:
        yield client
    await truncate_schema(database_stack.direct_dsn("users"), "users")


@pytest.fixture
async def database(database_stack: DatabaseStack) -> AsyncIterator[asyncpg.Connection]:
    """Straight to the users schema, to look at rows or set up what the API cannot."""
    connection = await asyncpg.connect(database_stack.direct_dsn("users"))
    yield connection
    await connection.close()


@pytest.fixture
def new_account(client: httpx.AsyncClient, database: asyncpg.Connection) -> NewAccount:
    """Register an account through the API (an admin: promoted in the database), log it in."""

    async def create(
        *, role: str = "customer", password: str = STRONG_PASSWORD, **fields: str
    ) -> RegisteredAccount:
        suffix = uuid.uuid4().hex[:10]
        body = {"email": f"user-{suffix}@example.com", "username": f"user_{suffix}", **fields}
        registered = await client.post(f"{API}/auth/register", json={**body, "password": password})
        assert registered.status_code == 201, registered.text
        account_id = uuid.UUID(registered.json()["id"])
        if role != "customer":
            await database.execute(
                "UPDATE users.users SET role = $1 WHERE id = $2", role, account_id
            )
        tokens = await log_in(client, body["username"], password)
        assert tokens.status_code == 200, tokens.text
        return RegisteredAccount(
            id=account_id,
            email=registered.json()["email"],
            username=body["username"],
            password=password,
            access_token=tokens.json()["access_token"],
            refresh_token=tokens.json()["refresh_token"],
        )

    return create


@pytest.fixture
async def held_app(
    settings: UsersSettings, database_stack: DatabaseStack
) -> AsyncIterator[HeldApp]:
    """The app with hashes a test can hold and its database connections watched."""
    app = create_app(settings)
    hasher = hold_hashes(app, settings)
    async with serve(app) as client:
        _, connections = await after_the_first_job_rounds(app)
        yield HeldApp(client=client, hasher=hasher, connections=connections)
    await truncate_schema(database_stack.direct_dsn("users"), "users")
