"""The whole shop, from the real images, on a private network: what `make up` runs.

Postgres and PgBouncer, the three one-shot migration jobs (each must exit 0), the three
services (waited for by their image's HEALTHCHECK) and the gateway, whose port 80 is
published on loopback. Everything is removed afterwards, also when a test or the start-up
itself fails; on a failed start-up the containers' logs are printed first.
"""

import secrets
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import httpx
import pytest
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network
from testcontainers.core.wait_strategies import HealthcheckWaitStrategy, HttpWaitStrategy

from testing_kit.database_stack import SERVICES, pgbouncer_container, postgres_container
from testing_kit.images import project_image

MIGRATION_TIMEOUT_SECONDS = 120
STARTUP_TIMEOUT_SECONDS = 120

# Settings of each service beyond its database, as compose gives them (test values).
SERVICE_ENVIRONMENT: dict[str, dict[str, str]] = {
    "users": {},
    "catalog": {},
    "orders": {"CATALOG_BASE_URL": "http://catalog:8000"},
}


@dataclass(frozen=True)
class Shop:
    gateway_url: str
    containers: dict[str, DockerContainer]


def _database_url(service: str, password: str, host: str, port: int) -> str:
    return f"postgresql+asyncpg://{service}_svc:{password}@{host}:{port}/shop"


def _run_migration(network: Network, service: str, password: str) -> None:
    job = (
        DockerContainer(project_image(service))
        .with_network(network)
        .with_env("DATABASE_URL", _database_url(service, password, "postgres", 5432))
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


def _service_container(network: Network, service: str, password: str) -> DockerContainer:
    return (
        DockerContainer(project_image(service))
        .with_network(network)
        .with_network_aliases(service)
        .with_env("ENVIRONMENT", "test")
        .with_env("DATABASE_URL", _database_url(service, password, "pgbouncer", 6432))
        .with_envs(**SERVICE_ENVIRONMENT[service])
        .waiting_for(HealthcheckWaitStrategy().with_startup_timeout(STARTUP_TIMEOUT_SECONDS))
    )


def _gateway_container(network: Network) -> DockerContainer:
    return (
        DockerContainer(project_image("gateway"))
        .with_network(network)
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
    passwords = {service: secrets.token_hex(16) for service in SERVICES}
    containers: dict[str, DockerContainer] = {}
    with ExitStack() as stack:
        try:
            network = stack.enter_context(Network())
            containers["postgres"] = stack.enter_context(postgres_container(network, passwords))
            containers["pgbouncer"] = stack.enter_context(pgbouncer_container(network, passwords))
            for service in SERVICES:
                _run_migration(network, service, passwords[service])
            for service in SERVICES:
                containers[service] = stack.enter_context(
                    _service_container(network, service, passwords[service])
                )
            containers["gateway"] = stack.enter_context(_gateway_container(network))
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
