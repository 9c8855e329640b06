"""What the load needs in each shop: a customer's token, a product with a million units, and
one order to read back."""

import json
import os
import secrets
import subprocess
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

from harness.stack import service_container

STOCK = 1_000_000


@dataclass(frozen=True)
class Fixture:
    product_id: str
    token: str
    order_id: str
    order_body: str  # one line, quantity 1, of that product
    login_body: str = ""  # the customer's login form (the shop only)


def prepare_shop(gateway: httpx.Client, project: str) -> Fixture:
    """An admin (through users' CLI), a customer, a category, a product, one order."""
    suffix = uuid.uuid4().hex[:8]
    admin, admin_password = f"bench_admin_{suffix}", secrets.token_urlsafe(18)
    users = service_container(project, "users")
    subprocess.run(  # noqa: S603  (the local docker CLI, fixed arguments)
        [  # noqa: S607
            "docker",
            "exec",
            "-e",
            "ADMIN_PASSWORD",  # the value comes from our environment, never from argv
            users.id,
            "python",
            "-m",
            "users.cli",
            "create-admin",
            "--email",
            f"{admin}@example.com",
            "--username",
            admin,
        ],
        env={**os.environ, "ADMIN_PASSWORD": admin_password},
        capture_output=True,
        check=True,
        timeout=60,
    )
    admin_headers = {"Authorization": "Bearer " + _login(gateway, admin, admin_password)}
    customer, password = f"bench_{suffix}", secrets.token_urlsafe(18)
    gateway.post(
        "/api/users/auth/register",
        json={"email": f"{customer}@example.com", "username": customer, "password": password},
    ).raise_for_status()
    category = gateway.post(
        "/api/catalog/categories", json={"name": f"Bench {suffix}"}, headers=admin_headers
    )
    category.raise_for_status()
    product = gateway.post(
        "/api/catalog/products",
        json={
            "name": f"Bench mug {suffix}",
            "sku": f"BENCH-{suffix}",
            "price": "12.50",
            "description": "A mug for benchmarks.",
            "category_id": category.json()["id"],
            "stock": STOCK,
        },
        headers=admin_headers,
    )
    product.raise_for_status()
    product_id = str(product.json()["id"])
    token = _login(gateway, customer, password)
    body = _order_body(product_id)
    order = gateway.post(
        "/api/orders/orders",
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    order.raise_for_status()
    login = urlencode({"username": customer, "password": password})
    return Fixture(product_id, token, str(order.json()["id"]), body, login)


def prepare_baseline(baseline: httpx.Client, project: str) -> Fixture:
    """A product seeded and a token minted by the baseline's own CLI, then one order."""
    container = service_container(project, "baseline")

    def cli(*arguments: str) -> str:
        completed = subprocess.run(  # noqa: S603  (the local docker CLI, fixed arguments)
            ["docker", "exec", container.id, "python", "-m", "shop_baseline.cli", *arguments],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return completed.stdout.strip()

    product_id = str(json.loads(cli("seed-product", "--stock", str(STOCK)))["id"])
    token = cli("mint-token", "--customer", "bench-" + uuid.uuid4().hex[:8])
    body = _order_body(product_id, as_int=True)
    order = baseline.post(
        "/orders",
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    order.raise_for_status()
    return Fixture(product_id, token, str(order.json()["id"]), body)


def _order_body(product_id: str, *, as_int: bool = False) -> str:
    line = {"product_id": int(product_id) if as_int else product_id, "quantity": 1}
    return json.dumps({"lines": [line]})


def _login(gateway: httpx.Client, username: str, password: str) -> str:
    response = gateway.post(
        "/api/users/auth/login", data={"username": username, "password": password}
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token
