"""Registration: who may sign up, with what, and what is stored."""

import asyncio
import uuid

import asyncpg
import httpx
import pytest

from users_testing import API, STRONG_PASSWORD


def _registration(**overrides: str) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    return {
        "email": f"ada-{suffix}@example.com",
        "username": f"ada_{suffix}",
        "password": STRONG_PASSWORD,
        "full_name": "Ada Lovelace",
        **overrides,
    }


async def test_registration_creates_an_active_customer(client: httpx.AsyncClient) -> None:
    body = _registration()

    response = await client.post(f"{API}/auth/register", json=body)

    assert response.status_code == 201
    account = response.json()
    assert account["email"] == body["email"]
    assert account["username"] == body["username"]
    assert account["full_name"] == "Ada Lovelace"
    assert account["role"] == "customer"
    assert account["is_active"] is True
    uuid.UUID(account["id"])


async def test_registration_answer_holds_neither_password_nor_hash(
    client: httpx.AsyncClient, database: asyncpg.Connection
) -> None:
    response = await client.post(f"{API}/auth/register", json=_registration())

    stored_hash = await database.fetchval(
        "SELECT password_hash FROM users.users WHERE id = $1", uuid.UUID(response.json()["id"])
    )
    assert STRONG_PASSWORD not in response.text
    assert stored_hash not in response.text
    assert "password" not in response.json()


async def test_password_is_stored_as_an_argon2id_hash(
    client: httpx.AsyncClient, database: asyncpg.Connection
) -> None:
    response = await client.post(f"{API}/auth/register", json=_registration())

    stored_hash = await database.fetchval(
        "SELECT password_hash FROM users.users WHERE id = $1", uuid.UUID(response.json()["id"])
    )
    assert stored_hash.startswith("$argon2id$")
    assert STRONG_PASSWORD not in stored_hash


async def test_email_is_stored_in_lower_case(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/register", json=_registration(email="Grace.Hopper@Example.COM")
    )

    assert response.json()["email"] == "grace.hopper@example.com"


async def test_email_is_unique_regardless_of_case(client: httpx.AsyncClient) -> None:
    await client.post(f"{API}/auth/register", json=_registration(email="grace@example.com"))

    response = await client.post(
        f"{API}/auth/register", json=_registration(email="GRACE@example.com")
    )

    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "email-taken"
    assert response.json()["field"] == "email"


async def test_username_is_unique_regardless_of_case(client: httpx.AsyncClient) -> None:
    await client.post(f"{API}/auth/register", json=_registration(username="grace_h"))

    response = await client.post(f"{API}/auth/register", json=_registration(username="Grace_H"))

    assert response.status_code == 409
    assert response.json()["code"] == "username-taken"


async def test_username_keeps_the_case_it_was_registered_with(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/auth/register", json=_registration(username="GraceH"))

    assert response.json()["username"] == "GraceH"


async def test_racing_registrations_of_one_email_create_one_account(
    client: httpx.AsyncClient, database: asyncpg.Connection
) -> None:
    email = "race@example.com"

    responses = await asyncio.gather(
        *(client.post(f"{API}/auth/register", json=_registration(email=email)) for _ in range(6))
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201, 409, 409, 409, 409, 409]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"email-taken"}
    assert await database.fetchval("SELECT count(*) FROM users.users WHERE email = $1", email) == 1


async def test_racing_registrations_of_one_username_create_one_account(
    client: httpx.AsyncClient,
) -> None:
    register = [
        client.post(f"{API}/auth/register", json=_registration(username=name))
        for name in ("racer", "Racer", "RACER", "racer", "rAcEr")
    ]

    responses = await asyncio.gather(*register)

    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"username-taken"}


@pytest.mark.parametrize(
    "email", ["not-an-email", "two@@example.com", "@example.com", "a@localhost", ""]
)
async def test_invalid_email_is_refused(client: httpx.AsyncClient, email: str) -> None:
    response = await client.post(f"{API}/auth/register", json=_registration(email=email))

    assert response.status_code == 422
    assert response.json()["code"] == "validation-error"
    assert ["body", "email"] in [error["location"] for error in response.json()["errors"]]


@pytest.mark.parametrize(
    "username", ["ab", "a" * 51, "with space", "dash-ed", "dot.ted", "at@sign", "ünï"]
)
async def test_username_outside_the_rules_is_refused(
    client: httpx.AsyncClient, username: str
) -> None:
    response = await client.post(f"{API}/auth/register", json=_registration(username=username))

    assert response.status_code == 422
    assert ["body", "username"] in [error["location"] for error in response.json()["errors"]]


@pytest.mark.parametrize("username", ["abc", "A_1", "x" * 50])
async def test_username_within_the_rules_is_accepted(
    client: httpx.AsyncClient, username: str
) -> None:
    response = await client.post(f"{API}/auth/register", json=_registration(username=username))

    assert response.status_code == 201


@pytest.mark.parametrize("password", ["Sh0rt!x", "x1y2z3w4" * 16 + "a"])
async def test_password_length_outside_8_to_128_is_refused_without_echoing_it(
    client: httpx.AsyncClient, password: str
) -> None:
    response = await client.post(f"{API}/auth/register", json=_registration(password=password))

    assert response.status_code == 422
    assert ["body", "password"] in [error["location"] for error in response.json()["errors"]]
    assert password not in response.text


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Password123", "most commonly used"),
        ("qwertyuiop", "most commonly used"),
        ("aaaaaaaaaaaa", "different characters"),
        ("abab1abab1ab", "different characters"),
        ("my name is ada_weak!", "username"),
        ("ada.weak@example.com rules", "username or the email"),
    ],
)
async def test_weak_password_is_refused_with_the_reasons(
    client: httpx.AsyncClient, password: str, reason: str
) -> None:
    body = _registration(username="ada_weak", email="ada.weak@example.com", password=password)

    response = await client.post(f"{API}/auth/register", json=body)

    assert response.status_code == 422
    assert response.json()["code"] == "weak-password"
    assert any(reason in text for text in response.json()["reasons"])
    assert password not in response.text


async def test_a_three_letter_username_inside_a_word_is_no_objection(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        f"{API}/auth/register", json=_registration(username="ops", password="bus stops at nine")
    )

    assert response.status_code == 201


async def test_a_long_passphrase_without_symbols_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/register", json=_registration(password="purple monkey dishwasher")
    )

    assert response.status_code == 201


async def test_full_name_is_optional(client: httpx.AsyncClient) -> None:
    body = _registration()
    del body["full_name"]

    response = await client.post(f"{API}/auth/register", json=body)

    assert response.status_code == 201
    assert response.json()["full_name"] is None


async def test_role_cannot_be_chosen_at_registration(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/auth/register", json={**_registration(), "role": "admin"})

    assert response.status_code == 422
