"""Identity through the gateway: accounts, tokens, the JWKS, roles and the auth rate limit."""

import secrets

import httpx
import jwt
import pytest

from e2e_testing.customers import Customer, RegisterCustomer
from e2e_testing.stack import E2E_RATE_LIMIT_HEADER, E2E_SIGNING_KEY
from testing_kit.tokens import bearer

USERS = "/api/users"


def _refresh(gateway: httpx.Client, refresh_token: str) -> httpx.Response:
    return gateway.post(f"{USERS}/auth/refresh", json={"refresh_token": refresh_token})


def test_register_login_me_refresh_reuse_and_logout(gateway: httpx.Client) -> None:
    suffix = secrets.token_hex(5)
    email, username, password = f"flow-{suffix}@example.com", f"flow_{suffix}", "a long flow pass"

    registered = gateway.post(
        f"{USERS}/auth/register",
        json={"email": email, "username": username, "password": password},
    )
    assert registered.status_code == 201

    login = gateway.post(f"{USERS}/auth/login", data={"username": email, "password": password})
    assert login.status_code == 200
    first = login.json()

    me = gateway.get(f"{USERS}/me", headers=bearer(first["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == registered.json()["id"]

    refreshed = _refresh(gateway, first["refresh_token"])
    assert refreshed.status_code == 200
    second = refreshed.json()
    me_again = gateway.get(f"{USERS}/me", headers=bearer(second["access_token"]))
    assert me_again.status_code == 200

    # The old refresh token is used up; presenting it again ends the whole login.
    reused = _refresh(gateway, first["refresh_token"])
    assert reused.status_code == 401
    assert reused.json()["code"] == "invalid-refresh-token"
    assert _refresh(gateway, second["refresh_token"]).status_code == 401

    # A new login, then logout: its refresh token stops working.
    third = gateway.post(
        f"{USERS}/auth/login", data={"username": username, "password": password}
    ).json()
    logout = gateway.post(f"{USERS}/auth/logout", json={"refresh_token": third["refresh_token"]})
    assert logout.status_code == 204
    assert _refresh(gateway, third["refresh_token"]).status_code == 401


def test_a_customer_calling_an_admin_endpoint_gets_403(
    gateway: httpx.Client, register_customer: RegisterCustomer
) -> None:
    customer = register_customer()

    response = gateway.get(f"{USERS}/admin/users", headers=customer.headers)

    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_first_admin_made_with_the_cli_manages_accounts(
    gateway: httpx.Client, admin_token: str, register_customer: RegisterCustomer
) -> None:
    customer = register_customer()
    admin = bearer(admin_token)

    found = gateway.get(f"{USERS}/admin/users", headers=admin, params={"search": customer.email})
    deactivated = gateway.post(f"{USERS}/admin/users/{customer.id}/deactivate", headers=admin)

    assert [item["id"] for item in found.json()["items"]] == [customer.id]
    assert deactivated.json()["is_active"] is False
    refused = gateway.post(
        f"{USERS}/auth/login", data={"username": customer.username, "password": customer.password}
    )
    assert refused.status_code == 401


def test_the_jwks_at_the_gateway_verifies_users_tokens(
    gateway: httpx.Client, register_customer: RegisterCustomer
) -> None:
    # What catalog and orders do with every bearer token (service_kit.auth.TokenVerifier).
    customer: Customer = register_customer()

    at_root = gateway.get("/.well-known/jwks.json")
    at_users = gateway.get(f"{USERS}/.well-known/jwks.json")

    assert at_root.status_code == 200
    assert at_root.json() == at_users.json()
    header = jwt.get_unverified_header(customer.access_token)
    key = jwt.PyJWKSet.from_dict(at_root.json())[header["kid"]]
    claims = jwt.decode(
        customer.access_token, key.key, algorithms=["EdDSA"], audience="shop", issuer="shop-users"
    )
    assert claims["sub"] == customer.id
    assert claims["role"] == "customer"
    # The key users was configured with, not one it made up.
    assert key.key.public_bytes_raw() == E2E_SIGNING_KEY.public_key().public_bytes_raw()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", f"{USERS}/auth/login"),
        ("POST", f"{USERS}/auth/register"),
        ("POST", f"{USERS}/me/password"),
        ("POST", f"{USERS}/me/erasure"),
    ],
)
def test_auth_endpoints_are_rate_limited_per_client(
    gateway: httpx.Client, method: str, path: str
) -> None:
    # Production's figures (10 a minute, burst 5); the header makes this test its own client.
    client_key = {E2E_RATE_LIMIT_HEADER: secrets.token_hex(8)}
    statuses: list[int] = []
    limited: httpx.Response | None = None
    for _ in range(30):  # bounded: far more than rate plus burst
        response = gateway.request(method, path, headers=client_key, data={})
        statuses.append(response.status_code)
        if response.status_code == 429:
            limited = response
            break

    assert limited is not None, statuses
    assert 5 <= len(statuses) - 1 <= 10, statuses
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert limited.json()["code"] == "too-many-requests"
    assert int(limited.headers["retry-after"]) > 0


def test_refresh_is_not_in_the_auth_rate_limit(gateway: httpx.Client) -> None:
    client_key = {E2E_RATE_LIMIT_HEADER: secrets.token_hex(8)}

    statuses = {
        gateway.post(
            f"{USERS}/auth/refresh", headers=client_key, json={"refresh_token": "unknown"}
        ).status_code
        for _ in range(15)
    }

    assert statuses == {401}


def test_catalog_and_orders_accept_users_tokens_and_refuse_forged_ones(
    gateway: httpx.Client, register_customer: RegisterCustomer, admin_token: str
) -> None:
    customer = register_customer()
    admin = bearer(admin_token)
    # The admin's claims under the customer's signature: an attempt to escalate privileges.
    header, _, signature = customer.access_token.split(".")
    admin_claims = admin_token.split(".")[1]
    forged = bearer(f"{header}.{admin_claims}.{signature}")

    own_orders = gateway.get("/api/orders/orders", headers=customer.headers)
    catalog_admin = gateway.get("/api/catalog/reports/low-stock", headers=admin)
    orders_admin = gateway.get("/api/orders/admin/stats", headers=admin)

    assert own_orders.status_code == 200
    assert catalog_admin.status_code == 200
    assert orders_admin.status_code == 200
    for path in ("/api/orders/orders", "/api/catalog/reports/low-stock"):
        refused = gateway.get(path, headers=forged)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
