"""Erasing an account: by its owner with the password re-entered, or by an admin once it is
deactivated. Its personal data and every login are gone, its id stays (orders keep it), and
its username and email are refused to new accounts until the retention period is over.
"""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from service_kit.database import Database
from service_kit.problems import PROBLEM_CONTENT_TYPE
from users.accounts.jobs import release_erased_names
from users.settings import UsersSettings
from users_testing import API, STRONG_PASSWORD
from users_testing.accounts import NewAccount, RegisteredAccount, log_in
from users_testing.erasure import erase_me, hold_names_until_the_past, personal_rows

ADMIN = f"{API}/admin/users"


@pytest.fixture
async def admin(new_account: NewAccount) -> RegisteredAccount:
    return await new_account(role="admin")


@pytest.fixture
async def users_database(settings: UsersSettings) -> AsyncIterator[Database]:
    database = Database.from_settings(settings)
    yield database
    await database.dispose()


async def _register(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    body = {"email": "ada@example.com", "username": "ada_l", "password": STRONG_PASSWORD}
    return await client.post(f"{API}/auth/register", json={**body, **fields})


async def _erased_by_admin(
    client: httpx.AsyncClient, admin: RegisteredAccount, account: RegisteredAccount
) -> httpx.Response:
    await client.post(f"{ADMIN}/{account.id}/deactivate", headers=admin.headers)
    return await client.post(f"{ADMIN}/{account.id}/erasure", headers=admin.headers)


# --- the owner's erasure --------------------------------------------------------------------


async def test_erasure_deletes_the_personal_data_and_keeps_the_id_role_and_dates(
    client: httpx.AsyncClient, new_account: NewAccount, database: asyncpg.Connection
) -> None:
    account = await new_account(full_name="Ada Lovelace")
    await client.patch(f"{API}/me", headers=account.headers, json={"bio": "First programmer"})
    created_at = await database.fetchval(
        "SELECT created_at FROM users.users WHERE id = $1", account.id
    )

    response = await erase_me(client, account)

    assert response.status_code == 204
    assert response.content == b""
    assert await database.fetchval("SELECT count(*) FROM users.users") == 0
    erased = await database.fetchrow(
        "SELECT id, role, created_at, erased_by, erased_at FROM users.erased_accounts"
    )
    assert erased is not None
    assert (erased["id"], erased["role"], erased["erased_by"]) == (account.id, "customer", "owner")
    assert erased["created_at"] == created_at
    # Nowhere in the schema is anything of the account left but its id and dates.
    assert await personal_rows(database, account.email, account.username, "Ada Lovelace") == []


async def test_erasure_ends_every_login_and_no_login_or_refresh_works_after_it(
    client: httpx.AsyncClient, new_account: NewAccount, database: asyncpg.Connection
) -> None:
    account = await new_account()
    other_login = (await log_in(client, account.email, account.password)).json()

    assert (await erase_me(client, account)).status_code == 204

    assert await database.fetchval("SELECT count(*) FROM users.refresh_token_families") == 0
    assert await database.fetchval("SELECT count(*) FROM users.refresh_tokens") == 0
    for login in (account.username, account.email):
        refused = await log_in(client, login, account.password)
        assert refused.status_code == 401
        assert refused.json()["code"] == "invalid-credentials"
    for token in (account.refresh_token, other_login["refresh_token"]):
        refresh = await client.post(f"{API}/auth/refresh", json={"refresh_token": token})
        assert refresh.status_code == 401
        assert refresh.json()["code"] == "invalid-refresh-token"


async def test_the_access_token_of_an_erased_account_no_longer_reaches_it(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()
    await erase_me(client, account)

    me = await client.get(f"{API}/me", headers=account.headers)
    again = await erase_me(client, account)

    assert (me.status_code, me.json()["code"]) == (401, "account-inactive")
    assert (again.status_code, again.json()["code"]) == (401, "account-inactive")


async def test_a_wrong_password_erases_nothing(
    client: httpx.AsyncClient, new_account: NewAccount, database: asyncpg.Connection
) -> None:
    account = await new_account()

    response = await erase_me(client, account, password="not the password at all")

    assert response.status_code == 403
    assert response.json()["code"] == "wrong-current-password"
    assert response.headers["content-type"].startswith(PROBLEM_CONTENT_TYPE)
    assert await database.fetchval("SELECT count(*) FROM users.erased_accounts") == 0
    assert (await client.get(f"{API}/me", headers=account.headers)).status_code == 200
    assert (await log_in(client, account.username, account.password)).status_code == 200


async def test_an_admin_cannot_erase_their_own_account(
    client: httpx.AsyncClient, admin: RegisteredAccount
) -> None:
    response = await erase_me(client, admin)

    assert response.status_code == 409
    assert response.json()["code"] == "admin-account-erasure"
    assert (await client.get(f"{API}/me", headers=admin.headers)).status_code == 200


async def test_a_deactivated_account_cannot_erase_itself(
    client: httpx.AsyncClient, admin: RegisteredAccount, new_account: NewAccount
) -> None:
    account = await new_account()
    await client.post(f"{ADMIN}/{account.id}/deactivate", headers=admin.headers)

    response = await erase_me(client, account)

    assert (response.status_code, response.json()["code"]) == (401, "account-inactive")


# --- the names, during and after the retention ----------------------------------------------


async def test_the_email_and_username_are_refused_during_the_retention_like_taken_ones(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    live = await new_account()
    erased = await new_account()
    await erase_me(client, erased)

    email_of_erased = await _register(client, email=erased.email.upper())
    username_of_erased = await _register(client, username=erased.username.upper())
    email_of_live = await _register(client, email=live.email)
    username_of_live = await _register(client, username=live.username.upper())

    assert email_of_erased.status_code == username_of_erased.status_code == 409
    # The same answer, word for word, as for a live account's: nothing tells of the erasure.
    assert _without_instance(email_of_erased) == _without_instance(email_of_live)
    assert _without_instance(username_of_erased) == _without_instance(username_of_live)
    assert email_of_erased.json()["code"] == "email-taken"
    assert username_of_erased.json()["code"] == "username-taken"


def _without_instance(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    body.pop("instance", None)
    body.pop("request_id", None)
    return body


async def test_an_email_change_to_an_address_still_held_is_refused(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    erased = await new_account()
    other = await new_account()
    await erase_me(client, erased)

    response = await client.patch(f"{API}/me", headers=other.headers, json={"email": erased.email})

    assert (response.status_code, response.json()["code"]) == (409, "email-taken")
    assert (await client.get(f"{API}/me", headers=other.headers)).json()["email"] == other.email


async def test_the_names_are_free_again_once_the_retention_is_over(
    client: httpx.AsyncClient, new_account: NewAccount, database: asyncpg.Connection
) -> None:
    erased = await new_account()
    await erase_me(client, erased)
    await hold_names_until_the_past(database)  # the clock moved in the database

    response = await _register(client, email=erased.email, username=erased.username)

    assert response.status_code == 201, response.text
    assert uuid.UUID(response.json()["id"]) != erased.id
    assert (await log_in(client, erased.username, STRONG_PASSWORD)).status_code == 200


async def test_the_names_are_held_for_the_configured_retention(
    client: httpx.AsyncClient,
    new_account: NewAccount,
    database: asyncpg.Connection,
    settings: UsersSettings,
) -> None:
    account = await new_account()
    await erase_me(client, account)

    held = await database.fetch(
        "SELECT n.kind, n.held_until - a.erased_at AS held_for"
        " FROM users.erased_names n CROSS JOIN users.erased_accounts a ORDER BY n.kind"
    )

    assert [row["kind"] for row in held] == ["email", "username"]
    assert {row["held_for"].total_seconds() for row in held} == {
        settings.erased_names_retention_seconds
    }


async def test_the_release_job_deletes_only_the_names_whose_time_is_up(
    client: httpx.AsyncClient,
    new_account: NewAccount,
    database: asyncpg.Connection,
    users_database: Database,
) -> None:
    long_ago, recently = await new_account(), await new_account()
    await erase_me(client, long_ago)
    await hold_names_until_the_past(database)
    await erase_me(client, recently)

    released = await release_erased_names(database=users_database)

    assert released == 2
    assert await database.fetchval("SELECT count(*) FROM users.erased_names") == 2
    assert (await _register(client, email=long_ago.email)).status_code == 201
    assert (await _register(client, email="x@example.com", username=recently.username)).json()[
        "code"
    ] == "username-taken"


# --- the admin's erasure --------------------------------------------------------------------


async def test_an_admin_erases_a_deactivated_account(
    client: httpx.AsyncClient,
    admin: RegisteredAccount,
    new_account: NewAccount,
    database: asyncpg.Connection,
) -> None:
    account = await new_account(full_name="Ada Lovelace")

    response = await _erased_by_admin(client, admin, account)

    assert response.status_code == 204
    assert (
        await database.fetchval(
            "SELECT erased_by FROM users.erased_accounts WHERE id = $1", account.id
        )
        == "admin"
    )
    assert await personal_rows(database, account.email, account.username, "Ada Lovelace") == []
    assert (await log_in(client, account.username, account.password)).status_code == 401
    assert (await _register(client, username=account.username)).json()["code"] == "username-taken"


async def test_an_admin_cannot_erase_an_active_account(
    client: httpx.AsyncClient, admin: RegisteredAccount, new_account: NewAccount
) -> None:
    account = await new_account()

    response = await client.post(f"{ADMIN}/{account.id}/erasure", headers=admin.headers)
    own = await client.post(f"{ADMIN}/{admin.id}/erasure", headers=admin.headers)

    assert (response.status_code, response.json()["code"]) == (409, "account-active")
    assert (own.status_code, own.json()["code"]) == (409, "account-active")
    assert (await client.get(f"{API}/me", headers=account.headers)).status_code == 200


async def test_erasing_an_erased_account_again_is_a_204_and_an_unknown_one_a_404(
    client: httpx.AsyncClient, admin: RegisteredAccount, new_account: NewAccount
) -> None:
    account = await new_account()
    assert (await _erased_by_admin(client, admin, account)).status_code == 204

    again = await client.post(f"{ADMIN}/{account.id}/erasure", headers=admin.headers)
    unknown = await client.post(f"{ADMIN}/{uuid.uuid4()}/erasure", headers=admin.headers)

    assert again.status_code == 204
    assert (unknown.status_code, unknown.json()["code"]) == (404, "account-not-found")


async def test_an_erased_account_is_gone_from_the_list_and_its_id_says_it_was_erased(
    client: httpx.AsyncClient, admin: RegisteredAccount, new_account: NewAccount
) -> None:
    account = await new_account()
    await erase_me(client, account)

    listed = (await client.get(ADMIN, headers=admin.headers)).json()
    read = await client.get(f"{ADMIN}/{account.id}", headers=admin.headers)
    reactivated = await client.post(f"{ADMIN}/{account.id}/reactivate", headers=admin.headers)

    assert [item["id"] for item in listed["items"]] == [str(admin.id)]
    assert listed["total"] == 1
    for response in (read, reactivated):
        assert response.status_code == 404
        assert response.json()["code"] == "account-erased"
        assert "erased_at" in response.json()


async def test_a_customer_cannot_erase_another_account(
    client: httpx.AsyncClient, admin: RegisteredAccount, new_account: NewAccount
) -> None:
    customer, other = await new_account(), await new_account()
    await client.post(f"{ADMIN}/{other.id}/deactivate", headers=admin.headers)

    response = await client.post(f"{ADMIN}/{other.id}/erasure", headers=customer.headers)

    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert (await client.get(f"{ADMIN}/{other.id}", headers=admin.headers)).status_code == 200


async def test_statistics_count_erased_accounts_apart_and_keep_their_sign_ups(
    client: httpx.AsyncClient, admin: RegisteredAccount, new_account: NewAccount
) -> None:
    erased = await new_account()
    await new_account()
    await erase_me(client, erased)

    stats = (await client.get(f"{ADMIN}/stats", headers=admin.headers)).json()

    # The admin and the other customer are accounts; the erased one is counted apart...
    assert (stats["total"], stats["active"], stats["inactive"], stats["erased"]) == (2, 2, 0, 1)
    assert stats["by_role"] == {"customer": 1, "admin": 1}
    # ...and its sign-up today still happened.
    assert stats["signups_per_day"][-1]["count"] == 3


# --- the documents --------------------------------------------------------------------------


def _documented_codes(document: dict[str, Any], path: str, status: int) -> list[str]:
    response = document["paths"][path]["post"]["responses"][str(status)]
    schema = response["content"][PROBLEM_CONTENT_TYPE]["schema"]
    codes: list[str] = schema["allOf"][1]["properties"]["code"]["enum"]
    return codes


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        (f"{API}/me/erasure", 401, "account-inactive"),
        (f"{API}/me/erasure", 403, "wrong-current-password"),
        (f"{API}/me/erasure", 409, "credentials-changed"),
        (f"{API}/me/erasure", 409, "admin-account-erasure"),
        (f"{API}/me/erasure", 422, "validation-error"),
        (f"{ADMIN}/{{user_id}}/erasure", 404, "account-not-found"),
        (f"{ADMIN}/{{user_id}}/erasure", 409, "account-active"),
        (f"{ADMIN}/{{user_id}}/erasure", 403, "forbidden"),
        (f"{ADMIN}/{{user_id}}/erasure", 422, "validation-error"),
        (f"{ADMIN}/{{user_id}}/reactivate", 404, "account-erased"),
    ],
)
async def test_the_api_document_names_every_problem_of_erasure(
    client: httpx.AsyncClient, path: str, status: int, code: str
) -> None:
    document = (await client.get(f"{API}/openapi.json")).json()

    assert code in _documented_codes(document, path, status)


async def test_the_api_document_names_the_hashing_queue_among_the_erasure_s_503s(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get(f"{API}/openapi.json")).json()

    # A 503 may carry any code (the database's or a dependency's trouble): named by title.
    unavailable = document["paths"][f"{API}/me/erasure"]["post"]["responses"]["503"]
    assert "Too many password checks at once" in unavailable["description"]
    assert "Retry-After" in unavailable["headers"]
