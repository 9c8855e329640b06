"""Fixtures of the end-to-end tests: the whole shop (e2e_testing.stack), a client of its
gateway, an admin, customers and products made through the API."""

import secrets
from collections.abc import Callable, Iterator

import httpx
import pytest

from e2e_testing import Json
from e2e_testing.customers import Customer, RegisterCustomer, log_in
from e2e_testing.stack import Shop, running_shop
from orders.settings import OrdersSettings
from testing_kit.tokens import bearer


@pytest.fixture(scope="session")
def shop() -> Iterator[Shop]:
    with running_shop() as shop:
        yield shop


@pytest.fixture(scope="session")
def orders_settings(shop: Shop) -> OrdersSettings:
    """What orders runs with in this shop (compose.e2e.yml, else its defaults)."""
    return shop.settings("orders", OrdersSettings)


@pytest.fixture
def gateway(shop: Shop) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shop.gateway_url, timeout=10) as client:
        yield client


# --- Identity: accounts and tokens through the gateway --------------------------------------
# admin_token: an access token of an admin made once per session with the users CLI, as an
# operator makes the first admin. register_customer(): a fresh customer, registered and
# logged in through the gateway. Neither counts against the login rate limit.


@pytest.fixture(scope="session")
def admin_token(shop: Shop) -> str:
    suffix = secrets.token_hex(4)
    username, password = f"admin_{suffix}", secrets.token_urlsafe(24)
    users = shop.replicas("users")[0]  # any replica: they share one database
    exit_code, output = users.exec_run(
        f"python -m users.cli create-admin --email {username}@example.com --username {username}",
        environment={"ADMIN_PASSWORD": password},
    )
    assert exit_code == 0, output.decode(errors="replace")
    with httpx.Client(base_url=shop.gateway_url, timeout=30) as client:
        return log_in(client, username, password)["access_token"]


@pytest.fixture
def admin_headers(admin_token: str) -> dict[str, str]:
    return bearer(admin_token)


@pytest.fixture
def register_customer(shop: Shop) -> Iterator[RegisterCustomer]:
    with httpx.Client(base_url=shop.gateway_url, timeout=30) as client:

        def register() -> Customer:
            suffix = secrets.token_hex(6)
            email, username = f"customer-{suffix}@example.com", f"customer_{suffix}"
            password = secrets.token_urlsafe(18)
            registered = client.post(
                "/api/users/auth/register",
                json={"email": email, "username": username, "password": password},
            )
            assert registered.status_code == 201, registered.text
            tokens = log_in(client, username, password)
            return Customer(
                id=registered.json()["id"],
                email=email,
                username=username,
                password=password,
                access_token=tokens["access_token"],
                refresh_token=tokens["refresh_token"],
            )

        yield register


@pytest.fixture
def new_product(gateway: httpx.Client, admin_headers: dict[str, str]) -> Callable[..., Json]:
    """A product in a category of its own, created through catalog's admin API."""

    def create(*, stock: int = 10, price: str = "12.50") -> Json:
        suffix = secrets.token_hex(4)
        category = gateway.post(
            "/api/catalog/categories", json={"name": f"E2E shelf {suffix}"}, headers=admin_headers
        )
        assert category.status_code == 201, category.text
        product = gateway.post(
            "/api/catalog/products",
            json={
                "name": f"E2E mug {suffix}",
                "sku": f"E2E-{suffix.upper()}",
                "price": price,
                "category_id": category.json()["id"],
                "stock": stock,
            },
            headers=admin_headers,
        )
        assert product.status_code == 201, product.text
        body: Json = {**product.json(), "category_slug": category.json()["slug"]}
        return body

    return create


@pytest.fixture
def stock_of(
    gateway: httpx.Client, admin_headers: dict[str, str]
) -> Callable[[Json], tuple[int, ...]]:
    """(available, held, committed) of a product, as catalog accounts them."""

    def levels(product: Json) -> tuple[int, ...]:
        response = gateway.get(
            f"/api/catalog/products/{product['id']}/stock", headers=admin_headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return body["available"], body["held"], body["committed"]

    return levels
