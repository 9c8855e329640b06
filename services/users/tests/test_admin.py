"""What admins do to accounts, and that nobody else can."""

import uuid

import asyncpg
import httpx
import jwt
import pytest

from users_testing import API
from users_testing.accounts import NewAccount, RegisteredAccount, log_in

ADMIN = f"{API}/admin/users"


@pytest.fixture
async def admin(new_account: NewAccount) -> RegisteredAccount:
    return await new_account(role="admin")


async def test_a_customer_is_forbidden_the_admin_endpoints(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    customer = await new_account()

    for method, path in [
        ("GET", ADMIN),
        ("GET", f"{ADMIN}/{customer.id}"),
        ("POST", f"{ADMIN}/{customer.id}/deactivate"),
        ("POST", f"{ADMIN}/{customer.id}/reactivate"),
    ]:
        response = await client.request(method, path, headers=customer.headers)
        assert response.status_code == 403, path
        assert response.json()["code"] == "forbidden"
    promote = await client.put(
        f"{ADMIN}/{customer.id}/role", headers=customer.headers, json={"role": "admin"}
    )
    assert promote.status_code == 403


async def test_admin_endpoints_need_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get(ADMIN)

    assert response.status_code == 401


async def test_an_admin_demoted_since_the_token_was_issued_is_forbidden(
    client: httpx.AsyncClient, admin: RegisteredAccount, database: asyncpg.Connection
) -> None:
    await database.execute("UPDATE users.users SET role = 'customer' WHERE id = $1", admin.id)

    response = await client.get(ADMIN, headers=admin.headers)

    assert response.status_code == 403


async def test_list_pages_through_every_account_once(
    client: httpx.AsyncClient, admin: RegisteredAccount, new_account: NewAccount
) -> None:
    created = {str((await new_account()).id) for _ in range(4)} | {str(admin.id)}

    seen: list[str] = []
    for offset in range(0, 6, 2):
        page = (
            await client.get(ADMIN, headers=admin.headers, params={"limit": 2, "offset": offset})
        ).json()
        assert page["total"] == 5
        assert page["limit"] == 2
        assert page["offset"] == offset
        seen += [item["id"] for item in page["items"]]

    assert len(seen) == 5
    assert set(seen) == created


async def test_list_defaults_to_twenty_per_page(
    client: httpx.AsyncClient, admin: RegisteredAccount
) -> None:
    page = (await client.get(ADMIN, headers=admin.headers)).json()

    assert page["limit"] == 20
    assert page["offset"] == 0


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}])
async def test_page_bounds_are_enforced(
    client: httpx.AsyncClient, admin: RegisteredAccount, params: dict[str, int]
) -> None:
    response = await client.get(ADMIN, headers=admin.headers, params=params)

    assert response.status_code == 422


@pytest.mark.parametrize("term", ["ADA.SEARCH@", "searchable_ada", "lovelace"])
async def test_search_matches_email_username_or_name_in_any_case(
    client: httpx.AsyncClient, admin: RegisteredAccount, new_account: NewAccount, term: str
) -> None:
    target = await new_account(
        email="ada.search@example.com", username="Searchable_Ada", full_name="Ada Lovelace"
    )
    await new_account(full_name="Someone Else")

    page = (await client.get(ADMIN, headers=admin.headers, params={"search": term})).json()

    assert [item["id"] for item in page["items"]] == [str(target.id)]
    assert page["total"] == 1


async def test_search_treats_wildcards_literally(
    client: httpx.AsyncClient, admin: RegisteredAccount, new_account: NewAccount
) -> None:
    await new_account(full_name="Percent Less")

    page = (await client.get(ADMIN, headers=admin.headers, params={"search": "%"})).json()

    assert page["items"] == []


async def test_filters_by_role_and_activity(
    client: httpx.AsyncClient,
    admin: RegisteredAccount,
    new_account: NewAccount,
    database: asyncpg.Connection,
) -> None:
    active = await new_account()
    inactive = await new_account()
    await database.execute("UPDATE users.users SET is_active = false WHERE id = $1", inactive.id)

    admins = (await client.get(ADMIN, headers=admin.headers, params={"role": "admin"})).json()
    customers = (await client.get(ADMIN, headers=admin.headers, params={"role": "customer"})).json()
    deactivated = (
        await client.get(ADMIN, headers=admin.headers, params={"is_active": "false"})
    ).json()

    assert [item["id"] for item in admins["items"]] == [str(admin.id)]
    assert {item["id"] for item in customers["items"]} == {str(active.id), str(inactive.id)}
    assert [item["id"] for item in deactivated["items"]] == [str(inactive.id)]


async def test_an_unknown_role_filter_is_refused(
    client: httpx.AsyncClient, admin: RegisteredAccount
) -> None:
    response = await client.get(ADMIN, headers=admin.headers, params={"role": "root"})

    assert response.status_code == 422


async def test_get_one_account(
    client: httpx.AsyncClient, admin: RegisteredAccount, new_account: NewAccount
) -> None:
    customer = await new_account()

    response = await client.get(f"{ADMIN}/{customer.id}", headers=admin.headers)

    assert response.status_code == 200
    assert response.json()["email"] == customer.email


async def test_an_unknown_account_is_a_404(
    client: httpx.AsyncClient, admin: RegisteredAccount
) -> None:
    response = await client.get(f"{ADMIN}/{uuid.uuid4()}", headers=admin.headers)

    assert response.status_code == 404
    assert response.json()["code"] == "account-not-found"


async def test_the_404_names_the_id_asked_for(
    client: httpx.AsyncClient, admin: RegisteredAccount
) -> None:
    unknown = uuid.uuid4()

    response = await client.get(f"{ADMIN}/{unknown}", headers=admin.headers)

    assert str(unknown) in response.json()["detail"]


async def test_a_malformed_account_id_is_a_422(
    client: httpx.AsyncClient, admin: RegisteredAccount
) -> None:
    response = await client.get(f"{ADMIN}/not-a-uuid", headers=admin.headers)

    assert response.status_code == 422


async def test_deactivation_stops_login_and_ends_every_login(
    client: httpx.AsyncClient, admin: RegisteredAccount, new_account: NewAccount
) -> None:
    customer = await new_account()

    response = await client.post(f"{ADMIN}/{customer.id}/deactivate", headers=admin.headers)

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert (await log_in(client, customer.username, customer.password)).status_code == 401
    refreshed = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": customer.refresh_token}
    )
    assert refreshed.status_code == 401


async def test_reactivation_allows_login_but_not_the_old_logins(
    client: httpx.AsyncClient, admin: RegisteredAccount, new_account: NewAccount
) -> None:
    customer = await new_account()
    await client.post(f"{ADMIN}/{customer.id}/deactivate", headers=admin.headers)

    response = await client.post(f"{ADMIN}/{customer.id}/reactivate", headers=admin.headers)

    assert response.status_code == 200
    assert response.json()["is_active"] is True
    assert (await log_in(client, customer.username, customer.password)).status_code == 200
    refreshed = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": customer.refresh_token}
    )
    assert refreshed.status_code == 401


async def test_deactivation_is_idempotent(
    client: httpx.AsyncClient, admin: RegisteredAccount, new_account: NewAccount
) -> None:
    customer = await new_account()
    await client.post(f"{ADMIN}/{customer.id}/deactivate", headers=admin.headers)

    again = await client.post(f"{ADMIN}/{customer.id}/deactivate", headers=admin.headers)

    assert again.status_code == 200
    assert again.json()["is_active"] is False


async def test_an_admin_cannot_deactivate_themselves(
    client: httpx.AsyncClient, admin: RegisteredAccount
) -> None:
    response = await client.post(f"{ADMIN}/{admin.id}/deactivate", headers=admin.headers)

    assert response.status_code == 409
    assert response.json()["code"] == "own-account-deactivation"


async def test_deactivating_an_unknown_account_is_a_404(
    client: httpx.AsyncClient, admin: RegisteredAccount
) -> None:
    response = await client.post(f"{ADMIN}/{uuid.uuid4()}/deactivate", headers=admin.headers)

    assert response.status_code == 404


async def test_role_change_reaches_the_next_token(
    client: httpx.AsyncClient, admin: RegisteredAccount, new_account: NewAccount
) -> None:
    customer = await new_account()

    response = await client.put(
        f"{ADMIN}/{customer.id}/role", headers=admin.headers, json={"role": "admin"}
    )

    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    promoted = (await log_in(client, customer.username, customer.password)).json()
    listing = await client.get(
        ADMIN, headers={"Authorization": f"Bearer {promoted['access_token']}"}
    )
    assert listing.status_code == 200


async def test_a_role_is_stored_and_signed_as_its_name(
    client: httpx.AsyncClient,
    admin: RegisteredAccount,
    new_account: NewAccount,
    database: asyncpg.Connection,
) -> None:
    customer = await new_account()

    await client.put(f"{ADMIN}/{customer.id}/role", headers=admin.headers, json={"role": "admin"})

    stored = await database.fetchval("SELECT role FROM users.users WHERE id = $1", customer.id)
    assert stored == "admin"
    promoted = (await log_in(client, customer.username, customer.password)).json()
    assert jwt.decode(promoted["access_token"], options={"verify_signature": False})["role"] == (
        "admin"
    )


async def test_an_admin_cannot_remove_their_own_admin_role(
    client: httpx.AsyncClient, admin: RegisteredAccount
) -> None:
    response = await client.put(
        f"{ADMIN}/{admin.id}/role", headers=admin.headers, json={"role": "customer"}
    )

    assert response.status_code == 409
    assert response.json()["code"] == "own-admin-role"
    assert (await client.get(ADMIN, headers=admin.headers)).status_code == 200


async def test_an_admin_can_demote_another_admin(
    client: httpx.AsyncClient, admin: RegisteredAccount, new_account: NewAccount
) -> None:
    other_admin = await new_account(role="admin")

    response = await client.put(
        f"{ADMIN}/{other_admin.id}/role", headers=admin.headers, json={"role": "customer"}
    )

    assert response.status_code == 200
    assert response.json()["role"] == "customer"


async def test_an_unknown_role_is_refused(
    client: httpx.AsyncClient, admin: RegisteredAccount, new_account: NewAccount
) -> None:
    customer = await new_account()

    response = await client.put(
        f"{ADMIN}/{customer.id}/role", headers=admin.headers, json={"role": "superuser"}
    )

    assert response.status_code == 422
