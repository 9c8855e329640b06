"""The caller's own account: read it, change the profile, change the password."""

import asyncpg
import httpx
import pytest

from testing_kit.tokens import SigningKey, bearer
from users_testing import API
from users_testing.accounts import NewAccount, log_in


async def test_me_is_the_callers_account(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account(full_name="Ada Lovelace")

    response = await client.get(f"{API}/me", headers=account.headers)

    assert response.status_code == 200
    assert response.json()["id"] == str(account.id)
    assert response.json()["username"] == account.username
    assert response.json()["full_name"] == "Ada Lovelace"
    assert "password_hash" not in response.json()


async def test_me_needs_a_bearer_token(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{API}/me")

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_token_not_signed_by_users_is_refused(client: httpx.AsyncClient) -> None:
    forged = SigningKey("made-up-key").sign()

    response = await client.get(f"{API}/me", headers=bearer(forged))

    assert response.status_code == 401
    assert response.json()["code"] == "invalid-token"


async def test_a_deactivated_accounts_token_no_longer_reads_me(
    client: httpx.AsyncClient, new_account: NewAccount, database: asyncpg.Connection
) -> None:
    account = await new_account()
    await database.execute("UPDATE users.users SET is_active = false WHERE id = $1", account.id)

    response = await client.get(f"{API}/me", headers=account.headers)

    assert response.status_code == 401
    assert response.json()["code"] == "account-inactive"


async def test_profile_fields_change_and_others_stay(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account(full_name="Ada Lovelace")

    response = await client.patch(
        f"{API}/me", headers=account.headers, json={"bio": "Wrote the first program."}
    )

    assert response.status_code == 200
    assert response.json()["bio"] == "Wrote the first program."
    assert response.json()["full_name"] == "Ada Lovelace"
    assert (await client.get(f"{API}/me", headers=account.headers)).json()["bio"] == (
        "Wrote the first program."
    )


async def test_null_clears_full_name(client: httpx.AsyncClient, new_account: NewAccount) -> None:
    account = await new_account(full_name="Ada Lovelace")

    response = await client.patch(f"{API}/me", headers=account.headers, json={"full_name": None})

    assert response.json()["full_name"] is None


async def test_email_changes_normalized(client: httpx.AsyncClient, new_account: NewAccount) -> None:
    account = await new_account()

    response = await client.patch(
        f"{API}/me", headers=account.headers, json={"email": "New.Address@Example.com"}
    )

    assert response.status_code == 200
    assert response.json()["email"] == "new.address@example.com"
    relogin = await log_in(client, "new.address@example.com", account.password)
    assert relogin.status_code == 200


async def test_email_of_another_account_is_a_conflict(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()
    other = await new_account()

    response = await client.patch(
        f"{API}/me", headers=account.headers, json={"email": other.email.upper()}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "email-taken"
    assert (await client.get(f"{API}/me", headers=account.headers)).json()["email"] == (
        account.email
    )


@pytest.mark.parametrize(
    "body",
    [
        {"email": None},
        {"email": "not-an-email"},
        {"full_name": "x" * 201},
        {"bio": "x" * 2001},
        {"username": "renamed"},
        {"role": "admin"},
    ],
)
async def test_invalid_profile_changes_are_refused(
    client: httpx.AsyncClient, new_account: NewAccount, body: dict[str, object]
) -> None:
    account = await new_account()

    response = await client.patch(f"{API}/me", headers=account.headers, json=body)

    assert response.status_code == 422
    assert response.json()["code"] == "validation-error"


async def _change_password(
    client: httpx.AsyncClient, headers: dict[str, str], current: str, new: str
) -> httpx.Response:
    return await client.post(
        f"{API}/me/password",
        headers=headers,
        json={"current_password": current, "new_password": new},
    )


async def test_changed_password_replaces_the_old_one(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()

    response = await _change_password(
        client, account.headers, account.password, "a brand new passphrase"
    )

    assert response.status_code == 204
    assert (await log_in(client, account.username, account.password)).status_code == 401
    assert (await log_in(client, account.username, "a brand new passphrase")).status_code == 200


async def test_changing_the_password_ends_every_login(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()
    other_login = (await log_in(client, account.username, account.password)).json()

    await _change_password(client, account.headers, account.password, "a brand new passphrase")

    for refresh_token in (account.refresh_token, other_login["refresh_token"]):
        response = await client.post(f"{API}/auth/refresh", json={"refresh_token": refresh_token})
        assert response.status_code == 401


async def test_password_change_needs_the_current_password(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()

    response = await _change_password(
        client, account.headers, "not my password", "a brand new passphrase"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "wrong-current-password"
    assert (await log_in(client, account.username, account.password)).status_code == 200


async def test_password_change_keeps_the_policy(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()

    response = await _change_password(client, account.headers, account.password, "password1")

    assert response.status_code == 422
    assert response.json()["code"] == "weak-password"
    assert "password1" not in response.text


async def test_password_change_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await _change_password(client, {}, "whatever it was", "a brand new passphrase")

    assert response.status_code == 401
