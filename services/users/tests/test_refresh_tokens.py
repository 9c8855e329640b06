"""Refresh tokens: single use, rotated, a reused one ends its whole login; logout ends it too."""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import httpx
import jwt
import pytest

from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import serve, truncate_schema
from users.main import create_app
from users.settings import UsersSettings
from users_testing import API
from users_testing.accounts import NewAccount, RegisteredAccount, log_in


async def _refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post(f"{API}/auth/refresh", json={"refresh_token": refresh_token})


def _assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.json()["code"] == "invalid-refresh-token"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_refresh_returns_a_new_pair(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()

    response = await _refresh(client, account.refresh_token)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    pair = response.json()
    assert pair["refresh_token"] != account.refresh_token
    assert pair["access_token"] != account.access_token
    me = await client.get(f"{API}/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.json()["id"] == str(account.id)


async def test_the_new_refresh_token_refreshes_again(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()
    second = (await _refresh(client, account.refresh_token)).json()["refresh_token"]

    response = await _refresh(client, second)

    assert response.status_code == 200


async def test_a_used_refresh_token_is_refused(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()
    await _refresh(client, account.refresh_token)

    _assert_refused(await _refresh(client, account.refresh_token))


async def test_reusing_a_refresh_token_revokes_its_whole_family(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()
    legitimate = (await _refresh(client, account.refresh_token)).json()["refresh_token"]

    await _refresh(client, account.refresh_token)  # a stolen copy of the first token

    _assert_refused(await _refresh(client, legitimate))


async def test_reuse_ends_only_the_login_it_belongs_to(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()
    other_login = (await log_in(client, account.username, account.password)).json()
    await _refresh(client, account.refresh_token)

    await _refresh(client, account.refresh_token)

    assert (await _refresh(client, other_login["refresh_token"])).status_code == 200


async def test_concurrent_refreshes_with_one_token_succeed_once(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()

    responses = await asyncio.gather(*(_refresh(client, account.refresh_token) for _ in range(5)))

    assert sorted(response.status_code for response in responses) == [200, 401, 401, 401, 401]
    # The race itself was a reuse: the winner's new token is revoked with its family.
    winner = next(response for response in responses if response.status_code == 200)
    _assert_refused(await _refresh(client, winner.json()["refresh_token"]))


async def test_an_unknown_refresh_token_is_refused(client: httpx.AsyncClient) -> None:
    _assert_refused(await _refresh(client, "not-a-token-we-issued"))
    _assert_refused(await _refresh(client, "A" * 43))  # shaped like ours, never issued


async def test_an_expired_refresh_token_is_refused(
    client: httpx.AsyncClient, new_account: NewAccount, database: asyncpg.Connection
) -> None:
    account = await new_account()
    await database.execute("UPDATE users.refresh_tokens SET expires_at = now() - interval '1s'")

    _assert_refused(await _refresh(client, account.refresh_token))


async def test_a_deactivated_account_cannot_refresh(
    client: httpx.AsyncClient, new_account: NewAccount, database: asyncpg.Connection
) -> None:
    account = await new_account()
    await database.execute("UPDATE users.users SET is_active = false WHERE id = $1", account.id)

    _assert_refused(await _refresh(client, account.refresh_token))


async def test_refresh_carries_the_current_role(
    client: httpx.AsyncClient, new_account: NewAccount, database: asyncpg.Connection
) -> None:
    account = await new_account()
    await database.execute("UPDATE users.users SET role = 'admin' WHERE id = $1", account.id)

    token = (await _refresh(client, account.refresh_token)).json()["access_token"]

    assert jwt.decode(token, options={"verify_signature": False})["role"] == "admin"


async def test_refresh_needs_a_token_in_the_body(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/auth/refresh", json={})

    assert response.status_code == 422


async def _logout(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post(f"{API}/auth/logout", json={"refresh_token": refresh_token})


async def test_logout_revokes_the_refresh_token(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()

    response = await _logout(client, account.refresh_token)

    assert response.status_code == 204
    _assert_refused(await _refresh(client, account.refresh_token))


async def test_logout_with_an_earlier_token_of_the_login_ends_it(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()
    current = (await _refresh(client, account.refresh_token)).json()["refresh_token"]

    await _logout(client, account.refresh_token)

    _assert_refused(await _refresh(client, current))


async def test_logout_leaves_other_logins_alone(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account: RegisteredAccount = await new_account()
    other_login = (await log_in(client, account.username, account.password)).json()

    await _logout(client, account.refresh_token)

    assert (await _refresh(client, other_login["refresh_token"])).status_code == 200


async def test_logout_is_idempotent(client: httpx.AsyncClient, new_account: NewAccount) -> None:
    account = await new_account()
    await _logout(client, account.refresh_token)

    again = await _logout(client, account.refresh_token)
    unknown = await _logout(client, "never-issued")

    assert again.status_code == 204
    assert unknown.status_code == 204


@pytest.fixture
async def short_logins_client(
    settings: UsersSettings, database_stack: DatabaseStack
) -> AsyncIterator[httpx.AsyncClient]:
    """Logins end an hour after they start, however often they are refreshed."""
    short = settings.model_copy(update={"refresh_token_absolute_lifetime_seconds": 3600})
    async with serve(create_app(short)) as client:
        yield client
    await truncate_schema(database_stack.direct_dsn("users"), "users")


async def test_a_refresh_token_never_outlives_its_login(
    short_logins_client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()

    login = await log_in(short_logins_client, account.username, account.password)
    refreshed = await _refresh(short_logins_client, login.json()["refresh_token"])

    # Sliding lifetime 14 days, absolute one hour: the hour wins, from the login on.
    assert login.json()["refresh_token_expires_in"] == 3600
    assert 3500 < refreshed.json()["refresh_token_expires_in"] <= 3600


async def _start_login_ago(database: asyncpg.Connection, seconds: int) -> None:
    """Move every login's start back in time; its tokens keep their own expiry."""
    await database.execute(
        "UPDATE users.refresh_token_families SET created_at = now() - make_interval(secs => $1)",
        seconds,
    )


async def test_a_login_past_its_absolute_lifetime_cannot_refresh(
    client: httpx.AsyncClient, new_account: NewAccount, database: asyncpg.Connection
) -> None:
    account = await new_account()
    await _start_login_ago(database, 30 * 86_400 + 1)

    _assert_refused(await _refresh(client, account.refresh_token))


async def test_a_refresh_near_the_end_of_its_login_gets_only_the_time_left(
    client: httpx.AsyncClient, new_account: NewAccount, database: asyncpg.Connection
) -> None:
    account = await new_account()
    await _start_login_ago(database, 30 * 86_400 - 600)

    response = await _refresh(client, account.refresh_token)

    assert response.status_code == 200
    assert 0 < response.json()["refresh_token_expires_in"] <= 600
    # The token the refresh issued expires with its login, not 14 days from now.
    lifetime = await database.fetchval(
        "SELECT t.expires_at - f.created_at FROM users.refresh_tokens t"
        " JOIN users.refresh_token_families f ON f.id = t.family_id WHERE t.used_at IS NULL"
    )
    assert lifetime.total_seconds() == pytest.approx(30 * 86_400, abs=5)


async def test_lowering_the_absolute_lifetime_ends_older_logins(
    short_logins_client: httpx.AsyncClient, new_account: NewAccount, database: asyncpg.Connection
) -> None:
    account = await new_account()  # a 14-day token, issued under the 30-day default
    await _start_login_ago(database, 3601)

    _assert_refused(await _refresh(short_logins_client, account.refresh_token))
