"""The whole shop, from the real images, on two private networks: what `make up` runs.

On the database network: Postgres, each service's PgBouncer (sharing only a socket directory
with its service) and the three one-shot migration jobs (each must exit 0). On the backend
network: the three services (waited for by their image's HEALTHCHECK) and the gateway, whose
port 80 is published on loopback. No service can reach Postgres. Everything is removed
afterwards, also when a test or the start-up itself fails; on a failed start-up the
containers' logs are printed first.
"""

import secrets
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network
from testcontainers.core.wait_strategies import HealthcheckWaitStrategy, HttpWaitStrategy

from testing_kit.database_stack import (
    SERVICES,
    SOCKET_DIR,
    DatabaseCredentials,
    migration_database_url,
    postgres_container,
    running_pgbouncer,
    service_database_url,
)
from testing_kit.images import project_image
from testing_kit.tokens import bearer

MIGRATION_TIMEOUT_SECONDS = 120
STARTUP_TIMEOUT_SECONDS = 120

# Users signs with a key made for this run only, and every other secret is made for this run
# too: never one from the repository.
E2E_SIGNING_KEY = Ed25519PrivateKey.generate()
ORDERS_CATALOG_SERVICE_KEY = secrets.token_urlsafe(32)

# Settings of each service beyond its database, as compose gives them (test values).
SERVICE_ENVIRONMENT: dict[str, dict[str, str]] = {
    "users": {
        "JWT_PRIVATE_KEY": E2E_SIGNING_KEY.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        # The session-scoped admin_token must outlive a slow run.
        "ACCESS_TOKEN_TTL_SECONDS": "3600",
        # OWASP's minimum Argon2id (19 MiB, 2 passes) instead of production's 64 MiB x 3:
        # suites register dozens of customers; docs/auth.md has the production figures.
        "PASSWORD_HASH_MEMORY_KIB": "19456",
        "PASSWORD_HASH_TIME_COST": "2",
        "PASSWORD_HASH_PARALLELISM": "1",
    },
    "catalog": {
        "INTERNAL_API_KEYS": f"orders:{ORDERS_CATALOG_SERVICE_KEY}",
        "CURSOR_SIGNING_KEY": secrets.token_urlsafe(32),
        # Expired holds come back within a second, so tests can wait for them.
        "RESERVATION_SWEEP_INTERVAL_SECONDS": "0.5",
    },
    "orders": {
        "CATALOG_BASE_URL": "http://catalog:8000",
        "CATALOG_SERVICE_KEY": ORDERS_CATALOG_SERVICE_KEY,
        # Generous: 80 placements at once on a small CI machine queue for seconds at catalog,
        # and test_orders.py wants them answered, not cut off. Catalog down is still fast.
        "CATALOG_READ_TIMEOUT_SECONDS": "8",
        "CATALOG_CALL_DEADLINE_SECONDS": "10",
        "RESERVATION_TTL_SECONDS": "300",
        # Placements whose outcome is unknown are released within seconds, not minutes.
        "RECONCILER_INTERVAL_SECONDS": "0.5",
        "RECONCILER_MIN_AGE_SECONDS": "11",
        # Production's caps, spelled out for test_order_limits.py; suites that place many
        # orders register a customer for each.
        "MAX_PENDING_ORDERS_PER_CUSTOMER": "5",
        "MAX_HELD_UNITS_PER_CUSTOMER": "100",
        # Pending orders whose hold ran out are cancelled within a second.
        "HOLD_EXPIRY_INTERVAL_SECONDS": "0.5",
    },
}


@dataclass(frozen=True)
class Shop:
    gateway_url: str
    containers: dict[str, DockerContainer]


def _run_migration(network: Network, service: str, owner_password: str) -> None:
    job = (
        DockerContainer(project_image(service))
        .with_network(network)
        .with_env("DATABASE_URL", migration_database_url(service, owner_password))
        .with_command("alembic upgrade head")
    )
    job.start()
    try:
        outcome = job.get_wrapped_container().wait(timeout=MIGRATION_TIMEOUT_SECONDS)
        if outcome["StatusCode"] != 0:
            stdout, stderr = job.get_logs()
            raise RuntimeError(
                f"migrate-{service} exited {outcome['StatusCode']}:\n"
                f"{stdout.decode()}{stderr.decode()}"
            )
    finally:
        job.stop()


def _service_container(
    network: Network, service: str, password: str, socket_dir: str
) -> DockerContainer:
    return (
        DockerContainer(project_image(service))
        .with_network(network)
        .with_network_aliases(service)
        .with_volume_mapping(socket_dir, SOCKET_DIR, "rw")
        .with_env("ENVIRONMENT", "test")
        .with_env("DATABASE_URL", service_database_url(service, password))
        .with_envs(**SERVICE_ENVIRONMENT[service])
        .waiting_for(HealthcheckWaitStrategy().with_startup_timeout(STARTUP_TIMEOUT_SECONDS))
    )


# Production's rate limits, except that the `auth` zone (login, registration, password
# change) only counts requests that carry an X-E2E-Rate-Limit-Key header: nginx does not
# account requests whose key is empty. So suites may register any number of customers, and
# test_auth.py checks production's auth figures with a key of its own.
E2E_RATE_LIMIT_HEADER = "X-E2E-Rate-Limit-Key"
_PRODUCTION_AUTH_ZONE = "limit_req_zone $binary_remote_addr zone=auth:"


def _e2e_rate_limits() -> bytes:
    production = (
        Path(__file__).resolve().parents[2] / "deploy" / "gateway" / "rate-limits.conf"
    ).read_text()
    assert _PRODUCTION_AUTH_ZONE in production, "rate-limits.conf changed: update conftest"
    return production.replace(
        _PRODUCTION_AUTH_ZONE, "limit_req_zone $http_x_e2e_rate_limit_key zone=auth:"
    ).encode()


def _gateway_container(network: Network) -> DockerContainer:
    return (
        DockerContainer(project_image("gateway"))
        .with_network(network)
        .with_copy_into_container(_e2e_rate_limits(), "/etc/nginx/rate-limits.conf")
        .with_exposed_ports(80)
        .waiting_for(HttpWaitStrategy(80, "/healthz").with_startup_timeout(STARTUP_TIMEOUT_SECONDS))
    )


def _print_logs(containers: dict[str, DockerContainer]) -> None:
    for name, container in containers.items():
        try:
            stdout, stderr = container.get_logs()
        except Exception as error:  # the container may not exist at all
            print(f"--- {name}: no logs ({error})")
            continue
        print(f"--- {name}\n{stdout.decode(errors='replace')}{stderr.decode(errors='replace')}")


@pytest.fixture(scope="session")
def shop() -> Iterator[Shop]:
    credentials = DatabaseCredentials.generate()
    containers: dict[str, DockerContainer] = {}
    with ExitStack() as stack:
        try:
            database_network = stack.enter_context(Network())
            backend_network = stack.enter_context(Network())
            containers["postgres"] = stack.enter_context(
                postgres_container(database_network, credentials)
            )
            socket_dirs = {}
            for service in SERVICES:
                pgbouncer = stack.enter_context(
                    running_pgbouncer(database_network, service, credentials)
                )
                containers[f"pgbouncer-{service}"] = pgbouncer.container
                socket_dirs[service] = str(pgbouncer.socket_dir)
            for service in SERVICES:
                _run_migration(database_network, service, credentials.owner_passwords[service])
            for service in SERVICES:
                containers[service] = stack.enter_context(
                    _service_container(
                        backend_network,
                        service,
                        credentials.passwords[service],
                        socket_dirs[service],
                    )
                )
            containers["gateway"] = stack.enter_context(_gateway_container(backend_network))
        except BaseException:
            _print_logs(containers)
            raise
        gateway = containers["gateway"]
        yield Shop(
            gateway_url=f"http://{gateway.get_container_host_ip()}:{gateway.get_exposed_port(80)}",
            containers=containers,
        )


@pytest.fixture
def gateway(shop: Shop) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=shop.gateway_url, timeout=10) as client:
        yield client


# --- Identity: accounts and tokens through the gateway --------------------------------------
# admin_token: an access token of an admin made once per session with the users CLI, as an
# operator makes the first admin. register_customer(): a fresh customer, registered and
# logged in through the gateway. Neither counts against the login rate limit.


@dataclass(frozen=True)
class Customer:
    id: str
    email: str
    username: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)


RegisterCustomer = Callable[[], Customer]
Json = dict[str, Any]


def _log_in(client: httpx.Client, login: str, password: str) -> dict[str, str]:
    response = client.post("/api/users/auth/login", data={"username": login, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


@pytest.fixture(scope="session")
def admin_token(shop: Shop) -> str:
    suffix = secrets.token_hex(4)
    username, password = f"admin_{suffix}", secrets.token_urlsafe(24)
    users = shop.containers["users"].get_wrapped_container()
    exit_code, output = users.exec_run(
        f"python -m users.cli create-admin --email {username}@example.com --username {username}",
        environment={"ADMIN_PASSWORD": password},
    )
    assert exit_code == 0, output.decode(errors="replace")
    with httpx.Client(base_url=shop.gateway_url, timeout=30) as client:
        return _log_in(client, username, password)["access_token"]


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
            tokens = _log_in(client, username, password)
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


ORDERS = "/api/orders/orders"


def order_body(product: Json, quantity: int) -> Json:
    return {"lines": [{"product_id": product["id"], "quantity": quantity}]}


def place_order(
    gateway: httpx.Client,
    customer: Customer,
    product: Json,
    quantity: int,
    *,
    idempotency_key: str | None = None,
) -> httpx.Response:
    """One line of `quantity` units of `product`, placed by `customer` through the gateway."""
    headers = dict(customer.headers)
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return gateway.post(ORDERS, json=order_body(product, quantity), headers=headers)
