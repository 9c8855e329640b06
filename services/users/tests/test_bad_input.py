"""Whatever an outsider sends, users answers a 4xx problem and stores nothing: never a 500.

Every string users accepts is refused with NUL (Postgres cannot store it) or a lone
surrogate (UTF-8 cannot encode it, so neither hashing nor the driver could take it). JSON
can carry both as escapes; forms and query strings percent-decode invalid UTF-8 into U+FFFD,
which is storable, so there only NUL is refused. Oversized and odd values of every other
input (lengths, page bounds, ids, enums, media types) are 4xx too.
"""

import json
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from users_testing import API, STRONG_PASSWORD
from users_testing.accounts import NewAccount, RegisteredAccount, log_in

NUL = "a\u0000b"
LONE_SURROGATE = "a\ud800b"
UNSTORABLE = [pytest.param(NUL, id="nul"), pytest.param(LONE_SURROGATE, id="lone-surrogate")]
ADMIN = f"{API}/admin/users"


def _raw_json(body: dict[str, Any]) -> dict[str, Any]:
    """Request arguments carrying `body` as JSON text with \\u escapes, as any client may send
    it (httpx itself would refuse to encode a lone surrogate)."""
    return {"content": json.dumps(body), "headers": {"Content-Type": "application/json"}}


def _assert_client_error(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def _accounts(database: asyncpg.Connection) -> int:
    count: int = await database.fetchval("SELECT count(*) FROM users.users")
    return count


@pytest.fixture
async def admin(new_account: NewAccount) -> RegisteredAccount:
    return await new_account(role="admin")


# --- registration ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["email", "username", "password", "full_name"])
@pytest.mark.parametrize("value", UNSTORABLE)
async def test_registration_refuses_unstorable_text_and_stores_nothing(
    client: httpx.AsyncClient, database: asyncpg.Connection, field: str, value: str
) -> None:
    body = {
        "email": "ada@example.com",
        "username": "ada_l",
        "password": STRONG_PASSWORD,
        "full_name": "Ada",
    }
    body[field] = value if field != "password" else f"{STRONG_PASSWORD} {value}"

    response = await client.post(f"{API}/auth/register", **_raw_json(body))

    assert response.status_code == 422
    _assert_client_error(response)
    assert await _accounts(database) == 0


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"email": "a" * 310 + "@example.com"}, id="email-too-long"),
        pytest.param({"full_name": "x" * 201}, id="full-name-too-long"),
        pytest.param({"full_name": "   "}, id="full-name-blank"),
        pytest.param({"username": 12345}, id="username-a-number"),
        pytest.param({"password": ["a", "list"]}, id="password-a-list"),
        pytest.param({"full_name": {"first": "Ada"}}, id="full-name-an-object"),
        pytest.param({"is_active": False}, id="unknown-field"),
    ],
)
async def test_registration_refuses_odd_values_and_stores_nothing(
    client: httpx.AsyncClient, database: asyncpg.Connection, body: dict[str, Any]
) -> None:
    valid = {"email": "ada@example.com", "username": "ada_l", "password": STRONG_PASSWORD}

    response = await client.post(f"{API}/auth/register", json={**valid, **body})

    assert response.status_code == 422
    _assert_client_error(response)
    assert await _accounts(database) == 0


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        pytest.param(b"email=ada@example.com", "application/x-www-form-urlencoded", id="form"),
        pytest.param(b'{"email": "ada@example.com"', "application/json", id="truncated-json"),
        pytest.param(b"\xff\xfe{}", "application/json", id="not-utf-8"),
        pytest.param(b"[]", "application/json", id="an-array"),
    ],
)
async def test_registration_refuses_what_is_no_json_object(
    client: httpx.AsyncClient, database: asyncpg.Connection, content: bytes, content_type: str
) -> None:
    response = await client.post(
        f"{API}/auth/register", content=content, headers={"Content-Type": content_type}
    )

    _assert_client_error(response)
    assert await _accounts(database) == 0


# --- login, refresh, logout -----------------------------------------------------------------


@pytest.mark.parametrize("field", ["username", "password"])
async def test_login_refuses_nul(
    client: httpx.AsyncClient, new_account: NewAccount, field: str
) -> None:
    account = await new_account()
    form = {"username": account.username, "password": account.password}
    form[field] = NUL

    response = await client.post(f"{API}/auth/login", data=form)

    assert response.status_code == 422
    _assert_client_error(response)


@pytest.mark.parametrize("field", ["username", "password"])
async def test_login_with_bytes_that_are_no_utf_8_is_just_a_wrong_login(
    client: httpx.AsyncClient, new_account: NewAccount, field: str
) -> None:
    account = await new_account()
    form = {"username": account.username, "password": account.password}
    form[field] = "%ED%A0%80%FF"  # an encoded surrogate and a stray byte: decoded as U+FFFD
    content = "&".join(f"{key}={value}" for key, value in form.items())

    response = await client.post(
        f"{API}/auth/login",
        content=content.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 401
    assert response.json()["code"] == "invalid-credentials"


@pytest.mark.parametrize(
    "form",
    [
        pytest.param({"username": "u" * 321, "password": "whatever it is"}, id="login-too-long"),
        pytest.param({"username": "someone", "password": "p" * 1025}, id="password-too-long"),
        pytest.param({"username": "", "password": "whatever it is"}, id="login-empty"),
        pytest.param(
            {"username": "someone", "password": "whatever", "grant_type": "client_credentials"},
            id="another-grant",
        ),
    ],
)
async def test_login_refuses_odd_forms(client: httpx.AsyncClient, form: dict[str, str]) -> None:
    response = await client.post(f"{API}/auth/login", data=form)

    assert response.status_code == 422
    _assert_client_error(response)


async def test_login_takes_the_password_grant_and_ignores_other_oauth_fields(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    account = await new_account()

    response = await client.post(
        f"{API}/auth/login",
        data={
            "grant_type": "password",
            "username": account.username,
            "password": account.password,
            "scope": "",
            "client_id": "swagger",
        },
    )

    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/auth/refresh", "/auth/logout"])
@pytest.mark.parametrize(
    "token", [*UNSTORABLE, pytest.param("t" * 201, id="too-long"), pytest.param("", id="empty")]
)
async def test_refresh_and_logout_refuse_unstorable_or_oversized_tokens(
    client: httpx.AsyncClient, path: str, token: str
) -> None:
    response = await client.post(f"{API}{path}", **_raw_json({"refresh_token": token}))

    assert response.status_code == 422
    _assert_client_error(response)


# --- the caller's own account ---------------------------------------------------------------


@pytest.mark.parametrize("field", ["full_name", "bio", "email"])
@pytest.mark.parametrize("value", UNSTORABLE)
async def test_profile_changes_refuse_unstorable_text_and_change_nothing(
    client: httpx.AsyncClient, new_account: NewAccount, field: str, value: str
) -> None:
    account = await new_account(full_name="Ada Lovelace")
    before = (await client.get(f"{API}/me", headers=account.headers)).json()

    response = await client.patch(
        f"{API}/me",
        content=json.dumps({field: value}),
        headers={**account.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 422
    _assert_client_error(response)
    assert (await client.get(f"{API}/me", headers=account.headers)).json() == before


@pytest.mark.parametrize("field", ["current_password", "new_password"])
@pytest.mark.parametrize("value", UNSTORABLE)
async def test_password_change_refuses_unstorable_text_and_changes_nothing(
    client: httpx.AsyncClient, new_account: NewAccount, field: str, value: str
) -> None:
    account = await new_account()
    body = {"current_password": account.password, "new_password": "a brand new passphrase"}
    body[field] = f"a long passphrase {value}"

    response = await client.post(
        f"{API}/me/password",
        content=json.dumps(body),
        headers={**account.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 422
    _assert_client_error(response)
    assert (await log_in(client, account.username, account.password)).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"password": NUL}, id="nul"),
        pytest.param({"password": LONE_SURROGATE}, id="lone-surrogate"),
        pytest.param({"password": "p" * 129}, id="too-long"),
        pytest.param({"password": ""}, id="empty"),
        pytest.param({"password": 12345678}, id="a-number"),
        pytest.param({}, id="missing"),
        pytest.param({"password": STRONG_PASSWORD, "force": True}, id="unknown-field"),
    ],
)
async def test_erasure_refuses_odd_confirmations_and_erases_nothing(
    client: httpx.AsyncClient,
    new_account: NewAccount,
    database: asyncpg.Connection,
    body: dict[str, Any],
) -> None:
    account = await new_account(password=STRONG_PASSWORD)

    response = await client.post(
        f"{API}/me/erasure",
        content=json.dumps(body),
        headers={**account.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 422
    _assert_client_error(response)
    assert await _accounts(database) == 1


# --- admin ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"search": NUL}, id="search-nul"),
        pytest.param({"search": "s" * 101}, id="search-too-long"),
        pytest.param({"search": ""}, id="search-empty"),
        pytest.param({"role": NUL}, id="role-nul"),
        pytest.param({"role": "ADMIN"}, id="role-unknown"),
        pytest.param({"is_active": "maybe"}, id="is-active-no-bool"),
        pytest.param({"is_active": NUL}, id="is-active-nul"),
        pytest.param({"limit": NUL}, id="limit-nul"),
        pytest.param({"limit": "1e3"}, id="limit-float-notation"),
        pytest.param({"limit": "2.5"}, id="limit-fraction"),
        pytest.param({"limit": "9" * 40}, id="limit-huge"),
        pytest.param({"offset": str(1_000_001)}, id="offset-too-far"),
        pytest.param({"offset": "9" * 40}, id="offset-huge"),
        pytest.param({"offset": "-1"}, id="offset-negative"),
    ],
)
async def test_account_list_refuses_odd_filters(
    client: httpx.AsyncClient, admin: RegisteredAccount, params: dict[str, str]
) -> None:
    response = await client.get(ADMIN, headers=admin.headers, params=params)

    assert response.status_code == 422
    _assert_client_error(response)


async def test_a_search_with_bytes_that_are_no_utf_8_finds_nothing(
    client: httpx.AsyncClient, admin: RegisteredAccount
) -> None:
    response = await client.get(f"{ADMIN}?search=%ED%A0%80%FF", headers=admin.headers)

    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.parametrize(
    "user_id",
    ["%00", "not-a-uuid", "1" * 5000, "00000000-0000-0000-0000-00000000000g", "%ED%A0%80"],
)
@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", ""),
        ("POST", "/deactivate"),
        ("POST", "/reactivate"),
        ("PUT", "/role"),
        ("POST", "/erasure"),
    ],
)
async def test_account_endpoints_refuse_odd_ids(
    client: httpx.AsyncClient,
    admin: RegisteredAccount,
    database: asyncpg.Connection,
    method: str,
    suffix: str,
    user_id: str,
) -> None:
    response = await client.request(
        method, f"{ADMIN}/{user_id}{suffix}", headers=admin.headers, json={"role": "admin"}
    )

    assert response.status_code == 422
    _assert_client_error(response)
    assert await database.fetchval("SELECT count(*) FROM users.users WHERE role = 'admin'") == 1


@pytest.mark.parametrize("role", [*UNSTORABLE, pytest.param("root", id="unknown"), 1])
async def test_role_change_refuses_odd_roles(
    client: httpx.AsyncClient, admin: RegisteredAccount, new_account: NewAccount, role: object
) -> None:
    customer = await new_account()

    response = await client.put(
        f"{ADMIN}/{customer.id}/role",
        content=json.dumps({"role": role}),
        headers={**admin.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 422
    _assert_client_error(response)
    assert (await client.get(f"{ADMIN}/{customer.id}", headers=admin.headers)).json()[
        "role"
    ] == "customer"


async def test_an_id_nobody_has_is_a_404(
    client: httpx.AsyncClient, admin: RegisteredAccount
) -> None:
    response = await client.get(f"{ADMIN}/{uuid.UUID(int=0)}", headers=admin.headers)

    assert response.status_code == 404
