"""Argon2id never runs while a database connection is held, and its queue is bounded.

Each test holds a real hash in its worker thread (HeldPasswordHasher) and looks at the app
while the request is inside it: no timing, a fixed order of steps.
"""

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import httpx
import pytest

from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import serve, truncate_schema
from testing_kit.waiting import eventually
from users.main import create_app
from users.settings import UsersSettings
from users_testing import API, DEADLINE_SECONDS, STRONG_PASSWORD
from users_testing.accounts import NewAccount, log_in
from users_testing.erasure import erase_me
from users_testing.held_hashing import HeldApp, HeldPasswordHasher, hold_hashes


async def _no_connection_while_hashing(
    held_app: HeldApp,
    send: Callable[[], Coroutine[Any, Any, httpx.Response]],
    *,
    hashes: int,
) -> httpx.Response:
    """Send a request whose next `hashes` hashes are held; let them go one by one, checking
    each time that the app holds no database connection while the hash runs."""
    gates = [held_app.hasher.hold_next() for _ in range(hashes)]
    request = asyncio.create_task(send())
    for gate in gates:
        await held_app.hasher.wait_until_inside()
        assert held_app.connections.open == 0
        gate.set()
    return await asyncio.wait_for(request, timeout=DEADLINE_SECONDS)


async def test_login_verifies_the_password_with_no_connection_held(
    held_app: HeldApp, new_account: NewAccount
) -> None:
    account = await new_account()

    response = await _no_connection_while_hashing(
        held_app, lambda: log_in(held_app.client, account.username, account.password), hashes=1
    )

    assert response.status_code == 200


async def test_an_unknown_login_spends_its_decoy_hash_with_no_connection_held(
    held_app: HeldApp,
) -> None:
    response = await _no_connection_while_hashing(
        held_app, lambda: log_in(held_app.client, "nobody_here", STRONG_PASSWORD), hashes=1
    )

    assert response.status_code == 401


async def test_registration_hashes_with_no_connection_held(held_app: HeldApp) -> None:
    body = {"email": "held@example.com", "username": "held", "password": STRONG_PASSWORD}

    response = await _no_connection_while_hashing(
        held_app, lambda: held_app.client.post(f"{API}/auth/register", json=body), hashes=1
    )

    assert response.status_code == 201


async def test_a_password_change_hashes_with_no_connection_held(
    held_app: HeldApp, new_account: NewAccount
) -> None:
    account = await new_account()
    body = {"current_password": account.password, "new_password": "a brand new passphrase"}

    # Two hashes: the current password's verification, the new password's hash.
    response = await _no_connection_while_hashing(
        held_app,
        lambda: held_app.client.post(f"{API}/me/password", headers=account.headers, json=body),
        hashes=2,
    )

    assert response.status_code == 204


async def test_an_erasure_verifies_the_password_with_no_connection_held(
    held_app: HeldApp, new_account: NewAccount
) -> None:
    account = await new_account()

    response = await _no_connection_while_hashing(
        held_app, lambda: erase_me(held_app.client, account), hashes=1
    )

    assert response.status_code == 204


@pytest.fixture
async def narrow(
    settings: UsersSettings, database_stack: DatabaseStack
) -> AsyncIterator[tuple[httpx.AsyncClient, HeldPasswordHasher]]:
    """One hash at a time, and one more may wait for it."""
    narrow = settings.model_copy(
        update={"password_hash_concurrency": 1, "password_hash_queue_limit": 1}
    )
    app = create_app(narrow)
    hasher = hold_hashes(app, narrow)
    async with serve(app) as client:
        yield client, hasher
    await truncate_schema(database_stack.direct_dsn("users"), "users")


async def test_a_login_beyond_the_hashing_queue_is_answered_at_once_with_a_503(
    narrow: tuple[httpx.AsyncClient, HeldPasswordHasher], new_account: NewAccount
) -> None:
    client, hasher = narrow
    account = await new_account()
    running, waiting = hasher.hold_next(), hasher.hold_next()
    first = asyncio.create_task(log_in(client, account.username, "a wrong guess"))
    await hasher.wait_until_inside()
    second = asyncio.create_task(log_in(client, account.username, "another wrong guess"))

    async def queue_full() -> bool:
        return hasher.pending == 2

    assert await eventually(queue_full, within_seconds=DEADLINE_SECONDS)

    refused = await log_in(client, account.username, account.password)

    assert refused.status_code == 503
    assert refused.json()["code"] == "password-hashing-busy"
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["content-type"].startswith("application/problem+json")
    running.set()
    waiting.set()
    assert [r.status_code for r in await asyncio.gather(first, second)] == [401, 401]
    # The queue drained: the same login now goes through.
    assert hasher.pending == 0
    assert (await log_in(client, account.username, account.password)).status_code == 200


async def test_registration_beyond_the_hashing_queue_is_a_503_and_stores_nothing(
    narrow: tuple[httpx.AsyncClient, HeldPasswordHasher], new_account: NewAccount
) -> None:
    client, hasher = narrow
    account = await new_account()
    running, waiting = hasher.hold_next(), hasher.hold_next()
    logins = [
        asyncio.create_task(log_in(client, account.username, f"wrong guess {n}")) for n in range(2)
    ]
    await hasher.wait_until_inside()

    async def queue_full() -> bool:
        return hasher.pending == 2

    assert await eventually(queue_full, within_seconds=DEADLINE_SECONDS)
    body = {"email": "late@example.com", "username": "late", "password": STRONG_PASSWORD}

    refused = await client.post(f"{API}/auth/register", json=body)

    running.set()
    waiting.set()
    await asyncio.gather(*logins)
    assert refused.status_code == 503
    assert refused.json()["code"] == "password-hashing-busy"
    assert (await log_in(client, "late", STRONG_PASSWORD)).status_code == 401


async def test_an_erasure_beyond_the_hashing_queue_is_a_503_and_erases_nothing(
    narrow: tuple[httpx.AsyncClient, HeldPasswordHasher], new_account: NewAccount
) -> None:
    client, hasher = narrow
    account = await new_account()
    running, waiting = hasher.hold_next(), hasher.hold_next()
    logins = [
        asyncio.create_task(log_in(client, account.username, f"wrong guess {n}")) for n in range(2)
    ]
    await hasher.wait_until_inside()

    async def queue_full() -> bool:
        return hasher.pending == 2

    assert await eventually(queue_full, within_seconds=DEADLINE_SECONDS)

    refused = await erase_me(client, account)

    running.set()
    waiting.set()
    await asyncio.gather(*logins)
    assert refused.status_code == 503
    assert refused.json()["code"] == "password-hashing-busy"
    assert refused.headers["retry-after"] == "1"
    assert (await client.get(f"{API}/me", headers=account.headers)).status_code == 200
