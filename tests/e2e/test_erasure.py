"""Deleting my data through the gateway: the customer erases their account, the shop keeps
their orders with the customer id only, and the names are held back."""

from collections.abc import Callable

import httpx

from e2e_testing import Json
from e2e_testing.customers import Customer, RegisterCustomer
from e2e_testing.ordering import ORDERS, place_order

USERS = "/api/users"


def _refused_login(gateway: httpx.Client, login: str, password: str) -> httpx.Response:
    return gateway.post(f"{USERS}/auth/login", data={"username": login, "password": password})


def _register_again(gateway: httpx.Client, customer: Customer, **fields: str) -> httpx.Response:
    body = {"email": customer.email, "username": customer.username, **fields}
    return gateway.post(
        f"{USERS}/auth/register", json={**body, "password": "a passphrase of my own"}
    )


def test_a_customer_erases_their_account_and_their_order_stays_with_the_id_only(
    gateway: httpx.Client,
    register_customer: RegisterCustomer,
    admin_headers: dict[str, str],
    new_product: Callable[..., Json],
) -> None:
    product = new_product(stock=5, price="9.90")
    customer = register_customer()
    order = place_order(gateway, customer, product, 2)
    assert order.status_code == 201, order.text

    wrong = gateway.post(
        f"{USERS}/me/erasure", headers=customer.headers, json={"password": "not my password"}
    )
    assert (wrong.status_code, wrong.json()["code"]) == (403, "wrong-current-password")

    erased = gateway.post(
        f"{USERS}/me/erasure", headers=customer.headers, json={"password": customer.password}
    )
    assert erased.status_code == 204, erased.text

    # Nobody logs in or refreshes as them any more.
    for login in (customer.username, customer.email):
        refused = _refused_login(gateway, login, customer.password)
        assert (refused.status_code, refused.json()["code"]) == (401, "invalid-credentials")
    refresh = gateway.post(f"{USERS}/auth/refresh", json={"refresh_token": customer.refresh_token})
    assert refresh.status_code == 401

    # The order is still there for the admin, lines and total intact, with the id alone.
    kept = gateway.get(f"{ORDERS}/{order.json()['id']}", headers=admin_headers)
    assert kept.status_code == 200, kept.text
    assert kept.json()["customer_id"] == customer.id
    assert kept.json()["total"] == "19.80"
    assert [(line["sku"], line["quantity"]) for line in kept.json()["lines"]] == [
        (product["sku"], 2)
    ]
    listed = gateway.get(
        "/api/orders/admin/orders", headers=admin_headers, params={"customer_id": customer.id}
    )
    assert [item["id"] for item in listed.json()["items"]] == [order.json()["id"]]
    # ...and users tells the admin what became of the account.
    account = gateway.get(f"{USERS}/admin/users/{customer.id}", headers=admin_headers)
    assert (account.status_code, account.json()["code"]) == (404, "account-erased")

    # The names are held back, with the answer a taken name gets.
    email_again = _register_again(gateway, customer, username=f"{customer.username}_new")
    username_again = _register_again(gateway, customer, email=f"new-{customer.email}")
    assert (email_again.status_code, email_again.json()["code"]) == (409, "email-taken")
    assert (username_again.status_code, username_again.json()["code"]) == (409, "username-taken")


def test_an_admin_erases_a_deactivated_account(
    gateway: httpx.Client, register_customer: RegisterCustomer, admin_headers: dict[str, str]
) -> None:
    customer = register_customer()
    account = f"{USERS}/admin/users/{customer.id}"

    still_active = gateway.post(f"{account}/erasure", headers=admin_headers)
    assert (still_active.status_code, still_active.json()["code"]) == (409, "account-active")

    assert gateway.post(f"{account}/deactivate", headers=admin_headers).status_code == 200
    assert gateway.post(f"{account}/erasure", headers=admin_headers).status_code == 204
    assert gateway.post(f"{account}/erasure", headers=admin_headers).status_code == 204

    assert gateway.get(account, headers=admin_headers).json()["code"] == "account-erased"
    assert _refused_login(gateway, customer.username, customer.password).status_code == 401
