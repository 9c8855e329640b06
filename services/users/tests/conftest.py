import asyncio
import threading
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import migrate_to_head, serve, truncate_schema
from testing_kit.statement_meter import StatementMeter
from testing_kit.tokens import bearer
from testing_kit.waiting import eventually
from users.accounts.passwords import PasswordHasher
from users.keys.key_ring import private_key_pem
from users.main import create_app
from users.settings import UsersSettings

SERVICE_DIR = Path(__file__).resolve().parents[1]
API = "/api/users"
STRONG_PASSWORD = "correct horse battery staple"
# How long a test waits for a condition (or a held hash) before it fails.
DEADLINE_SECONDS = 10.0

# Argon2 at its cheapest (these tests are about behaviour, not cost); the tests about cost
# and timing set their own parameters.
CHEAP_HASHING = {
    "password_hash_time_cost": 1,
    "password_hash_memory_kib": 8 * 1024,
    "password_hash_parallelism": 1,
}


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


@dataclass(frozen=True)
class RegisteredAccount:
    id: uuid.UUID
    email: str
    username: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)


NewAccount = Callable[..., Awaitable[RegisteredAccount]]


async def log_in(client: httpx.AsyncClient, login: str, password: str) -> httpx.Response:
    return await client.post(f"{API}/auth/login", data={"username": login, "password": password})


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


_Result = TypeVar("_Result")


class HeldPasswordHasher(PasswordHasher):
    """Real Argon2id, but a hash the test asked to hold waits in its worker thread until the
    test lets it go: so a test can act, and look at the database, while a request is inside
    a hash, in a fixed order instead of a timed one."""

    def __init__(self, **parameters: int) -> None:
        super().__init__(**parameters)
        self._holds: deque[threading.Event] = deque()
        self.entered = asyncio.Semaphore(0)  # released once per held hash that started

    def hold_next(self) -> threading.Event:
        """Hold the next hash to be asked for; `.set()` the answer to let it go."""
        gate = threading.Event()
        self._holds.append(gate)
        return gate

    async def wait_until_inside(self) -> None:
        """Until a held hash is running (it holds its slot and waits for its gate)."""
        await asyncio.wait_for(self.entered.acquire(), timeout=DEADLINE_SECONDS)

    async def _compute(self, function: Callable[..., _Result], *args: str) -> _Result:
        if not self._holds:
            return await super()._compute(function, *args)
        gate = self._holds.popleft()
        loop = asyncio.get_running_loop()

        def held(*arguments: str) -> _Result:
            loop.call_soon_threadsafe(self.entered.release)
            gate.wait(timeout=DEADLINE_SECONDS)
            return function(*arguments)

        return await super()._compute(held, *args)


def hold_hashes(app: FastAPI, settings: UsersSettings) -> HeldPasswordHasher:
    """Give the app a HeldPasswordHasher with the settings' parameters."""
    held = HeldPasswordHasher(
        time_cost=settings.password_hash_time_cost,
        memory_kib=settings.password_hash_memory_kib,
        parallelism=settings.password_hash_parallelism,
        concurrency=settings.password_hash_concurrency,
        queue_limit=settings.password_hash_queue_limit,
    )
    app.state.password_hasher = held
    return held


class ConnectionWatch:
    """How many database connections the app holds now, and the most it held at once."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.open = 0
        self.peak = 0
        event.listen(engine.sync_engine, "checkout", self._checked_out)
        event.listen(engine.sync_engine, "checkin", self._checked_in)

    def _checked_out(self, *_: Any) -> None:
        self.open += 1
        self.peak = max(self.peak, self.open)

    def _checked_in(self, *_: Any) -> None:
        self.open -= 1


async def after_the_first_pruning(app: FastAPI) -> tuple[StatementMeter, ConnectionWatch]:
    """Meter and watch the app's database use, from when the refresh-token pruning's first
    round (it runs right after start-up, and its task has not run yet when serve() returns)
    has ended: so that no test counts it with a request."""
    engine = app.state.database.engine
    meter, connections = StatementMeter(engine), ConnectionWatch(engine)
    async with meter.counting() as tally:

        async def pruned() -> bool:
            deleted = sum(statement.startswith("DELETE") for statement in tally.statements)
            return deleted == 2 and connections.open == 0

        assert await eventually(pruned, within_seconds=DEADLINE_SECONDS)
    return meter, connections


@dataclass(frozen=True)
class HeldApp:
    client: httpx.AsyncClient
    hasher: HeldPasswordHasher
    connections: ConnectionWatch


@pytest.fixture
async def held_app(
    settings: UsersSettings, database_stack: DatabaseStack
) -> AsyncIterator[HeldApp]:
    """The app with hashes a test can hold and its database connections watched."""
    app = create_app(settings)
    hasher = hold_hashes(app, settings)
    async with serve(app) as client:
        _, connections = await after_the_first_pruning(app)
        yield HeldApp(client=client, hasher=hasher, connections=connections)
    await truncate_schema(database_stack.direct_dsn("users"), "users")
