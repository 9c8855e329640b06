"""Refreshes and logouts take turns at the database, a bounded number wait, the rest get 503.

A refresh is held inside its turn by a revocation the test leaves uncommitted (the refresh
waits for its lock), so every step happens in a fixed order, without timing.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest

from service_kit.bulkhead import Bulkhead
from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import serve, truncate_schema
from testing_kit.waiting import eventually
from users.main import create_app
from users.settings import UsersSettings
from users_testing import API, DEADLINE_SECONDS
from users_testing.accounts import NewAccount, log_in

MADE_UP_TOKEN = "A" * 43


@dataclass(frozen=True)
class OneAtATime:
    client: httpx.AsyncClient
    turns: Bulkhead


@pytest.fixture
async def one_at_a_time(
    settings: UsersSettings, database_stack: DatabaseStack
) -> AsyncIterator[OneAtATime]:
    """One refresh or logout at the database at a time, and one more may wait."""
    app = create_app(
        settings.model_copy(update={"refresh_concurrency": 1, "refresh_queue_limit": 1})
    )
    async with serve(app) as client:
        yield OneAtATime(client=client, turns=app.state.refresh_turns)
    await truncate_schema(database_stack.direct_dsn("users"), "users")


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(f"{API}/auth/refresh", json={"refresh_token": token})


async def _lock_the_login(
    database: asyncpg.Connection, user_id: uuid.UUID
) -> asyncpg.transaction.Transaction:
    """Lock the account's logins in a transaction left open, as a revocation does."""
    transaction = database.transaction()
    await transaction.start()
    await database.execute(
        "SELECT 1 FROM users.refresh_token_families WHERE user_id = $1 FOR UPDATE", user_id
    )
    return transaction


async def _hold_a_refresh_in_its_turn(
    one_at_a_time: OneAtATime, new_account: NewAccount, database: asyncpg.Connection
) -> tuple[asyncpg.transaction.Transaction, asyncio.Task[httpx.Response]]:
    account = await new_account()
    lock = await _lock_the_login(database, account.id)
    held = asyncio.create_task(_refresh(one_at_a_time.client, account.refresh_token))

    async def holding_its_turn() -> bool:
        return one_at_a_time.turns.pending == 1

    assert await eventually(holding_its_turn, within_seconds=DEADLINE_SECONDS)
    return lock, held


async def test_a_refresh_beyond_the_queue_is_answered_at_once_with_a_503(
    one_at_a_time: OneAtATime, new_account: NewAccount, database: asyncpg.Connection
) -> None:
    lock, held = await _hold_a_refresh_in_its_turn(one_at_a_time, new_account, database)
    waiting = asyncio.create_task(_refresh(one_at_a_time.client, MADE_UP_TOKEN))

    async def queue_full() -> bool:
        return one_at_a_time.turns.pending == 2

    assert await eventually(queue_full, within_seconds=DEADLINE_SECONDS)

    refused = await _refresh(one_at_a_time.client, MADE_UP_TOKEN)
    logout = await one_at_a_time.client.post(
        f"{API}/auth/logout", json={"refresh_token": MADE_UP_TOKEN}
    )

    for response in (refused, logout):
        assert response.status_code == 503
        assert response.json()["code"] == "refresh-busy"
        assert response.headers["retry-after"] == "1"
    await lock.commit()
    held_response, waiting_response = await asyncio.wait_for(
        asyncio.gather(held, waiting), timeout=DEADLINE_SECONDS
    )
    assert held_response.status_code == 200  # the lock was no revocation after all
    assert waiting_response.status_code == 401
    assert one_at_a_time.turns.pending == 0


async def test_a_login_is_not_held_up_by_refreshes_waiting_for_their_turn(
    one_at_a_time: OneAtATime, new_account: NewAccount, database: asyncpg.Connection
) -> None:
    lock, held = await _hold_a_refresh_in_its_turn(one_at_a_time, new_account, database)
    waiting = asyncio.create_task(_refresh(one_at_a_time.client, MADE_UP_TOKEN))
    customer = await new_account()

    login = await asyncio.wait_for(
        log_in(one_at_a_time.client, customer.username, customer.password),
        timeout=DEADLINE_SECONDS,
    )

    assert login.status_code == 200
    await lock.commit()
    await asyncio.wait_for(asyncio.gather(held, waiting), timeout=DEADLINE_SECONDS)
