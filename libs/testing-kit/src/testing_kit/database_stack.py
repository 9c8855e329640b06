"""A real Postgres behind a real PgBouncer, as the services run in production."""

import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network
from testcontainers.core.wait_strategies import ExecWaitStrategy

from testing_kit.images import project_image

SERVICES = ("users", "catalog", "orders")
DATABASE = "shop"
STARTUP_TIMEOUT_SECONDS = 90


@dataclass(frozen=True)
class DatabaseStack:
    host: str
    postgres_port: int
    pgbouncer_port: int
    passwords: dict[str, str]

    def role(self, service: str) -> str:
        return f"{service}_svc"

    def direct_url(self, service: str) -> str:
        """Straight to Postgres, as migration jobs connect."""
        return self._url(service, self.postgres_port)

    def pooled_url(self, service: str) -> str:
        """Through PgBouncer, as services connect."""
        return self._url(service, self.pgbouncer_port)

    def direct_dsn(self, service: str) -> str:
        """The same as direct_url, in the form asyncpg itself takes."""
        return self.direct_url(service).replace("postgresql+asyncpg://", "postgresql://")

    def _url(self, service: str, port: int) -> str:
        return (
            f"postgresql+asyncpg://{self.role(service)}:{self.passwords[service]}"
            f"@{self.host}:{port}/{DATABASE}"
        )


def postgres_environment(superuser_password: str, passwords: dict[str, str]) -> dict[str, str]:
    return {
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": superuser_password,
        "POSTGRES_DB": DATABASE,
        **{f"{service.upper()}_DB_PASSWORD": passwords[service] for service in SERVICES},
    }


def pgbouncer_environment(postgres_host: str, passwords: dict[str, str]) -> dict[str, str]:
    return {
        "DB_HOST": postgres_host,
        "DB_NAME": DATABASE,
        "PGBOUNCER_USERS": " ".join(f"{s}_svc:{passwords[s]}" for s in SERVICES),
    }


def postgres_container(network: Network, passwords: dict[str, str]) -> DockerContainer:
    return (
        DockerContainer(project_image("postgres"))
        .with_envs(**postgres_environment(secrets.token_hex(16), passwords))
        .with_network(network)
        .with_network_aliases("postgres")
        .with_exposed_ports(5432)
        # TCP, not the socket: the entrypoint's init-time server listens on the socket only.
        .waiting_for(
            ExecWaitStrategy(
                ["pg_isready", "-h", "127.0.0.1", "-U", "postgres", "-d", DATABASE]
            ).with_startup_timeout(STARTUP_TIMEOUT_SECONDS)
        )
    )


def pgbouncer_container(network: Network, passwords: dict[str, str]) -> DockerContainer:
    return (
        DockerContainer(project_image("pgbouncer"))
        .with_envs(**pgbouncer_environment("postgres", passwords))
        .with_network(network)
        .with_network_aliases("pgbouncer")
        .with_exposed_ports(6432)
        .waiting_for(
            ExecWaitStrategy(
                ["pg_isready", "-h", "127.0.0.1", "-p", "6432", "-d", DATABASE]
            ).with_startup_timeout(STARTUP_TIMEOUT_SECONDS)
        )
    )


@contextmanager
def running_database_stack() -> Iterator[DatabaseStack]:
    """Start Postgres (with the per-service roles and schemas) and PgBouncer; remove both after."""
    passwords = {service: secrets.token_hex(16) for service in SERVICES}
    with ExitStack() as stack:
        network = stack.enter_context(Network())
        postgres = stack.enter_context(postgres_container(network, passwords))
        pgbouncer = stack.enter_context(pgbouncer_container(network, passwords))
        yield DatabaseStack(
            host=postgres.get_container_host_ip(),
            postgres_port=int(postgres.get_exposed_port(5432)),
            pgbouncer_port=int(pgbouncer.get_exposed_port(6432)),
            passwords=passwords,
        )
