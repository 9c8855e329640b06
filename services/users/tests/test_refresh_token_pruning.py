"""Ended logins and expired refresh tokens are deleted; live logins and reuse detection stay."""

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import httpx
import pytest

from service_kit.database import Database
from users.auth.jobs import prune_refresh_tokens
from users.settings import UsersSettings
from users_testing import API
from users_testing.accounts import NewAccount

DAY = timedelta(days=1)


@pytest.fixture
async def users_database(settings: UsersSettings) -> AsyncIterator[Database]:
    database = Database.from_settings(settings)
    yield database
    await database.dispose()


async def _families(database: asyncpg.Connection, user_id: uuid.UUID) -> int:
    count: int = await database.fetchval(
        "SELECT count(*) FROM users.refresh_token_families WHERE user_id = $1", user_id
    )
    return count


async def _tokens(database: asyncpg.Connection, user_id: uuid.UUID) -> int:
    count: int = await database.fetchval(
        "SELECT count(*) FROM users.refresh_tokens t"
        " JOIN users.refresh_token_families f ON f.id = t.family_id WHERE f.user_id = $1",
        user_id,
    )
    return count


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(f"{API}/auth/refresh", json={"refresh_token": token})


async def test_live_logins_and_used_unexpired_tokens_survive_and_reuse_is_still_caught(
    client: httpx.AsyncClient,
    new_account: NewAccount,
    database: asyncpg.Connection,
    users_database: Database,
) -> None:
    account = await new_account()
    current = (await _refresh(client, account.refresh_token)).json()["refresh_token"]

    deleted = await prune_refresh_tokens(database=users_database, retention=DAY)

    assert deleted == 0
    assert (await _families(database, account.id), await _tokens(database, account.id)) == (1, 2)
    # The used first token is still known: presenting it again ends the login.
    assert (await _refresh(client, account.refresh_token)).status_code == 401
    assert (await _refresh(client, current)).status_code == 401


async def test_logins_ended_and_tokens_expired_longer_ago_than_retention_are_deleted(
    client: httpx.AsyncClient,
    new_account: NewAccount,
    database: asyncpg.Connection,
    users_database: Database,
) -> None:
    logged_out = await new_account()
    expired = await new_account()
    recent_logout = await new_account()
    for account in (logged_out, recent_logout):
        await client.post(f"{API}/auth/logout", json={"refresh_token": account.refresh_token})
    await database.execute(
        "UPDATE users.refresh_token_families SET revoked_at = now() - interval '2 days'"
        " WHERE user_id = $1",
        logged_out.id,
    )
    await database.execute(
        "UPDATE users.refresh_token_families SET created_at = now() - interval '20 days'"
        " WHERE user_id = $1",
        expired.id,
    )
    await database.execute(
        "UPDATE users.refresh_tokens SET expires_at = now() - interval '2 days' WHERE family_id"
        " IN (SELECT id FROM users.refresh_token_families WHERE user_id = $1)",
        expired.id,
    )

    deleted = await prune_refresh_tokens(database=users_database, retention=DAY)

    # expired's token; then logged_out's family (its token goes with it) and expired's, empty.
    assert deleted == 3
    assert await _families(database, logged_out.id) == 0
    assert await _families(database, expired.id) == 0
    # Ended a moment ago: kept for the retention period, like any live login.
    assert await _families(database, recent_logout.id) == 1
