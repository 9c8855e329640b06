"""No login escapes a revocation: a login, refresh, password change or erasure racing a
password change, a deactivation or an erasure, with the steps interleaved in a fixed order.

Two ways to stop a request mid-way without timing: a hash held in its worker thread
(HeldPasswordHasher), and a revocation left uncommitted in a transaction of the test's own,
which the request must wait for (seen in pg_stat_activity) before the test commits it.
"""

import asyncio
import hashlib
import secrets
import uuid

import asyncpg
import httpx

from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import sessions_waiting_for_locks
from testing_kit.waiting import eventually
from users_testing import API, DEADLINE_SECONDS
from users_testing.accounts import NewAccount, RegisteredAccount, log_in
from users_testing.erasure import erase_me
from users_testing.held_hashing import HeldApp

NEW_PASSWORD = "a brand new passphrase"


async def _live_logins(database: asyncpg.Connection, user_id: uuid.UUID) -> int:
    count: int = await database.fetchval(
        "SELECT count(*) FROM users.refresh_token_families f JOIN users.users u"
        " ON u.id = f.user_id"
        " WHERE f.user_id = $1 AND f.revoked_at IS NULL"
        " AND f.credentials_version = u.credentials_version",
        user_id,
    )
    return count


async def _change_password(
    client: httpx.AsyncClient, account: RegisteredAccount, new_password: str = NEW_PASSWORD
) -> httpx.Response:
    return await client.post(
        f"{API}/me/password",
        headers=account.headers,
        json={"current_password": account.password, "new_password": new_password},
    )


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(f"{API}/auth/refresh", json={"refresh_token": token})


async def test_a_login_that_checked_the_old_password_while_it_changed_gets_no_login(
    held_app: HeldApp,
    client: httpx.AsyncClient,
    new_account: NewAccount,
    database: asyncpg.Connection,
) -> None:
    account = await new_account()
    gate = held_app.hasher.hold_next()
    login = asyncio.create_task(log_in(held_app.client, account.username, account.password))
    await held_app.hasher.wait_until_inside()  # the old password is being verified

    assert (await _change_password(client, account)).status_code == 204
    gate.set()
    response = await asyncio.wait_for(login, timeout=DEADLINE_SECONDS)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid-credentials"
    assert await _live_logins(database, account.id) == 0


async def test_a_login_racing_a_deactivation_gets_no_login(
    held_app: HeldApp,
    client: httpx.AsyncClient,
    new_account: NewAccount,
    database: asyncpg.Connection,
) -> None:
    admin = await new_account(role="admin")
    account = await new_account()
    gate = held_app.hasher.hold_next()
    login = asyncio.create_task(log_in(held_app.client, account.username, account.password))
    await held_app.hasher.wait_until_inside()

    deactivated = await client.post(
        f"{API}/admin/users/{account.id}/deactivate", headers=admin.headers
    )
    gate.set()
    response = await asyncio.wait_for(login, timeout=DEADLINE_SECONDS)

    assert deactivated.status_code == 200
    assert response.status_code == 401
    # Reactivated, the account still has no login from before its deactivation.
    await client.post(f"{API}/admin/users/{account.id}/reactivate", headers=admin.headers)
    assert await _live_logins(database, account.id) == 0


async def test_a_password_change_racing_another_changes_nothing(
    held_app: HeldApp, client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()
    gate = held_app.hasher.hold_next()  # the held change's check of the current password
    held_change = asyncio.create_task(
        _change_password(held_app.client, account, "the loser's pick")
    )
    await held_app.hasher.wait_until_inside()

    assert (await _change_password(client, account, "the winner's pick")).status_code == 204
    gate.set()
    response = await asyncio.wait_for(held_change, timeout=DEADLINE_SECONDS)

    assert response.status_code == 409
    assert response.json()["code"] == "credentials-changed"
    assert (await log_in(client, account.username, "the winner's pick")).status_code == 200
    assert (await log_in(client, account.username, "the loser's pick")).status_code == 401


async def _waits_for_a_lock(stack: DatabaseStack) -> bool:
    return await sessions_waiting_for_locks(stack, "users") > 0


async def _revoke_all_logins_uncommitted(
    database: asyncpg.Connection, user_id: uuid.UUID
) -> asyncpg.transaction.Transaction:
    """What a password change or deactivation writes, in a transaction left open."""
    transaction = database.transaction()
    await transaction.start()
    await database.execute(
        "UPDATE users.users SET credentials_version = credentials_version + 1 WHERE id = $1",
        user_id,
    )
    await database.execute(
        "UPDATE users.refresh_token_families SET revoked_at = now(),"
        " revoked_reason = 'password-changed' WHERE user_id = $1 AND revoked_at IS NULL",
        user_id,
    )
    return transaction


async def test_a_login_meeting_a_revocation_in_progress_waits_for_it_and_fails(
    client: httpx.AsyncClient,
    new_account: NewAccount,
    database: asyncpg.Connection,
    database_stack: DatabaseStack,
) -> None:
    account = await new_account()
    revocation = await _revoke_all_logins_uncommitted(database, account.id)

    login = asyncio.create_task(log_in(client, account.username, account.password))
    assert await eventually(
        lambda: _waits_for_a_lock(database_stack), within_seconds=DEADLINE_SECONDS
    )
    await revocation.commit()
    response = await asyncio.wait_for(login, timeout=DEADLINE_SECONDS)

    assert response.status_code == 401
    assert await _live_logins(database, account.id) == 0


async def test_a_refresh_meeting_a_revocation_in_progress_waits_for_it_and_fails(
    client: httpx.AsyncClient,
    new_account: NewAccount,
    database: asyncpg.Connection,
    database_stack: DatabaseStack,
) -> None:
    account = await new_account()
    revocation = await _revoke_all_logins_uncommitted(database, account.id)

    refresh = asyncio.create_task(_refresh(client, account.refresh_token))
    assert await eventually(
        lambda: _waits_for_a_lock(database_stack), within_seconds=DEADLINE_SECONDS
    )
    await revocation.commit()
    response = await asyncio.wait_for(refresh, timeout=DEADLINE_SECONDS)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid-refresh-token"


async def test_a_login_granted_under_older_credentials_cannot_refresh(
    client: httpx.AsyncClient, new_account: NewAccount, database: asyncpg.Connection
) -> None:
    account = await new_account()
    # The credentials moved on and no revocation saw this login: the version still ends it.
    await database.execute(
        "UPDATE users.users SET credentials_version = credentials_version + 1 WHERE id = $1",
        account.id,
    )

    response = await _refresh(client, account.refresh_token)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid-refresh-token"


# --- erasure --------------------------------------------------------------------------------


async def test_a_login_that_checked_the_password_while_the_account_was_erased_gets_no_login(
    held_app: HeldApp,
    client: httpx.AsyncClient,
    new_account: NewAccount,
    database: asyncpg.Connection,
) -> None:
    account = await new_account()
    gate = held_app.hasher.hold_next()
    login = asyncio.create_task(log_in(held_app.client, account.username, account.password))
    await held_app.hasher.wait_until_inside()

    assert (await erase_me(client, account)).status_code == 204
    gate.set()
    response = await asyncio.wait_for(login, timeout=DEADLINE_SECONDS)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid-credentials"
    assert await database.fetchval("SELECT count(*) FROM users.refresh_token_families") == 0


async def test_an_erasure_whose_password_check_straddles_a_password_change_erases_nothing(
    held_app: HeldApp, client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()
    gate = held_app.hasher.hold_next()
    erasure = asyncio.create_task(erase_me(held_app.client, account))
    await held_app.hasher.wait_until_inside()  # the old password is being verified

    assert (await _change_password(client, account)).status_code == 204
    gate.set()
    response = await asyncio.wait_for(erasure, timeout=DEADLINE_SECONDS)

    assert response.status_code == 409
    assert response.json()["code"] == "credentials-changed"
    assert (await log_in(client, account.username, NEW_PASSWORD)).status_code == 200


async def test_an_erasure_racing_a_deactivation_erases_nothing(
    held_app: HeldApp, client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    admin = await new_account(role="admin")
    account = await new_account()
    gate = held_app.hasher.hold_next()
    erasure = asyncio.create_task(erase_me(held_app.client, account))
    await held_app.hasher.wait_until_inside()

    deactivated = await client.post(
        f"{API}/admin/users/{account.id}/deactivate", headers=admin.headers
    )
    gate.set()
    response = await asyncio.wait_for(erasure, timeout=DEADLINE_SECONDS)

    assert deactivated.status_code == 200
    assert (response.status_code, response.json()["code"]) == (409, "credentials-changed")
    read = await client.get(f"{API}/admin/users/{account.id}", headers=admin.headers)
    assert read.json()["is_active"] is False


async def test_an_erasure_meeting_a_refresh_in_progress_waits_for_it_and_ends_its_token_too(
    client: httpx.AsyncClient,
    new_account: NewAccount,
    database: asyncpg.Connection,
    database_stack: DatabaseStack,
) -> None:
    account = await new_account()
    # What a refresh writes, left uncommitted: the family locked, the next token added.
    next_token = secrets.token_urlsafe(32)
    refresh = database.transaction()
    await refresh.start()
    await database.execute(
        "SELECT 1 FROM users.refresh_token_families WHERE user_id = $1 FOR NO KEY UPDATE",
        account.id,
    )
    await database.execute(
        "INSERT INTO users.refresh_tokens (id, family_id, token_hash, expires_at)"
        " SELECT gen_random_uuid(), id, $2, now() + interval '1 day'"
        " FROM users.refresh_token_families WHERE user_id = $1",
        account.id,
        hashlib.sha256(next_token.encode()).digest(),
    )

    erasure = asyncio.create_task(erase_me(client, account))
    assert await eventually(
        lambda: _waits_for_a_lock(database_stack), within_seconds=DEADLINE_SECONDS
    )
    await refresh.commit()
    response = await asyncio.wait_for(erasure, timeout=DEADLINE_SECONDS)

    assert response.status_code == 204
    assert (await _refresh(client, next_token)).status_code == 401
    assert await database.fetchval("SELECT count(*) FROM users.refresh_tokens") == 0
