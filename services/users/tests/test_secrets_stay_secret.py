"""No response, log line or error carries a password or a password hash."""

import logging

import asyncpg
import httpx
import pytest

from users_testing import API
from users_testing.accounts import NewAccount, log_in


async def test_no_log_line_holds_a_password_or_hash(
    client: httpx.AsyncClient,
    new_account: NewAccount,
    database: asyncpg.Connection,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    account = await new_account(password="a secret nobody may log")
    await log_in(client, account.username, "a wrong guess nobody may log")
    await client.post(
        f"{API}/auth/register",
        json={"email": account.email, "username": "dup_user", "password": "another secret here"},
    )
    await client.post(
        f"{API}/me/password",
        headers=account.headers,
        json={"current_password": "a secret nobody may log", "new_password": "tiny"},
    )
    stored_hash = await database.fetchval(
        "SELECT password_hash FROM users.users WHERE id = $1", account.id
    )

    logged = "\n".join(record.getMessage() + repr(record.__dict__) for record in caplog.records)

    assert logged
    for secret in (
        "a secret nobody may log",
        "a wrong guess nobody may log",
        "another secret here",
        stored_hash,
        account.refresh_token,
    ):
        assert secret not in logged
