"""Refresh tokens: single use, rotated, a reused one ends its whole login; logout ends it too."""

import asyncio

import asyncpg
import httpx
import jwt
from conftest import API, NewAccount, RegisteredAccount, log_in


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
