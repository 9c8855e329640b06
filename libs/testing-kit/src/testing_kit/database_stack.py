"""A real Postgres with a real PgBouncer beside each service, as the services run in production.

Each service's PgBouncer knows only that service's role, holds only its SCRAM secret and
listens only on a Unix socket. Here the socket's directory is a temporary directory of the
test machine mounted into that PgBouncer's container, so tests connect exactly as the service
does in its pod: over the socket, with SCRAM.
"""

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network
from testcontainers.core.wait_strategies import ExecWaitStrategy

from service_kit.scram import scram_sha256_secret
from testing_kit.images import project_image

SERVICES = ("users", "catalog", "orders")
DATABASE = "shop"
SOCKET_DIR = "/var/run/pgbouncer"
PGBOUNCER_PORT = 6432
STARTUP_TIMEOUT_SECONDS = 90
# Random 256-bit passwords need no key stretching (docs/architecture.md), as in compose.
SECRET_ITERATIONS = 1


def _scram_secrets(passwords: dict[str, str]) -> dict[str, str]:
    return {
        service: scram_sha256_secret(password, iterations=SECRET_ITERATIONS)
        for service, password in passwords.items()
    }


@dataclass(frozen=True)
class DatabaseCredentials:
    """Each service's two roles: passwords (the service's, the migration job's) and SCRAM
    secrets (Postgres', and the runtime role's also PgBouncer's).

    A secret is made once: PgBouncer logs in with it only if Postgres holds the same one.
    """

    passwords: dict[str, str]
    secrets: dict[str, str]
    owner_passwords: dict[str, str]
    owner_secrets: dict[str, str]

    @classmethod
    def generate(cls) -> "DatabaseCredentials":
        passwords = {service: secrets.token_urlsafe(32) for service in SERVICES}
        owner_passwords = {service: secrets.token_urlsafe(32) for service in SERVICES}
        return cls(
            passwords=passwords,
            secrets=_scram_secrets(passwords),
            owner_passwords=owner_passwords,
            owner_secrets=_scram_secrets(owner_passwords),
        )


@dataclass(frozen=True)
class DatabaseStack:
    host: str
    postgres_port: int
    socket_dirs: dict[str, Path]
    credentials: DatabaseCredentials

    def direct_url(self, service: str) -> str:
        """Straight to Postgres as the schema's owner, as migration jobs connect (tests use it
        to look at rows and to empty tables)."""
        return migration_database_url(
            service,
            self.credentials.owner_passwords[service],
            host=self.host,
            port=self.postgres_port,
        )

    def pooled_url(self, service: str) -> str:
        """Through the service's PgBouncer, over its Unix socket, as the service connects."""
        return service_database_url(
            service, self.credentials.passwords[service], socket_dir=str(self.socket_dirs[service])
        )

    def pooled_dsn(self, service: str) -> str:
        """The same as pooled_url, in the form asyncpg itself takes: the service's own role,
        which alone sees what the service's sessions are doing (pg_stat_activity)."""
        return self.pooled_url(service).replace("postgresql+asyncpg://", "postgresql://")

    def direct_dsn(self, service: str) -> str:
        """The same as direct_url, in the form asyncpg itself takes."""
        return self.direct_url(service).replace("postgresql+asyncpg://", "postgresql://")


def service_database_url(service: str, password: str, *, socket_dir: str = SOCKET_DIR) -> str:
    """The DATABASE_URL of a service: its role, to its own PgBouncer's socket."""
    return (
        f"postgresql+asyncpg://{service}_svc:{password}@/{DATABASE}"
        f"?host={socket_dir}&port={PGBOUNCER_PORT}"
    )


def migration_database_url(
    service: str, owner_password: str, *, host: str = "postgres", port: int = 5432
) -> str:
    """The DATABASE_URL of a service's migration job: the schema's owner, straight to Postgres."""
    return f"postgresql+asyncpg://{service}_owner:{owner_password}@{host}:{port}/{DATABASE}"


def postgres_environment(credentials: DatabaseCredentials) -> dict[str, str]:
    return {
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": secrets.token_urlsafe(32),
        "POSTGRES_DB": DATABASE,
        **{f"{s.upper()}_DB_SCRAM_SECRET": credentials.secrets[s] for s in SERVICES},
        **{f"{s.upper()}_DB_OWNER_SCRAM_SECRET": credentials.owner_secrets[s] for s in SERVICES},
    }


def postgres_container(network: Network, credentials: DatabaseCredentials) -> DockerContainer:
    return (
        DockerContainer(project_image("postgres"))
        .with_envs(**postgres_environment(credentials))
        .with_network(network)
        .with_network_aliases("postgres")
        .with_exposed_ports(5432)
        # TCP, not the socket: the entrypoint's init-time server listens on the socket only.
        .waiting_for(
            ExecWaitStrategy(
                ["pg_isready", "-h", "127.0.0.1", "-U", "health-probe", "-d", DATABASE]
            ).with_startup_timeout(STARTUP_TIMEOUT_SECONDS)
        )
    )


def _pgbouncer_container(
    network: Network, service: str, credentials: DatabaseCredentials
) -> DockerContainer:
    return (
        DockerContainer(project_image("pgbouncer"))
        .with_envs(
            DB_HOST="postgres",
            DB_NAME=DATABASE,
            PGBOUNCER_USER=f"{service}_svc",
            PGBOUNCER_AUTH_SECRET=credentials.secrets[service],
        )
        .with_network(network)
        .with_network_aliases(f"pgbouncer-{service}")
        .waiting_for(
            ExecWaitStrategy(
                ["pg_isready", "-h", SOCKET_DIR, "-p", str(PGBOUNCER_PORT), "-d", DATABASE]
            ).with_startup_timeout(STARTUP_TIMEOUT_SECONDS)
        )
    )


@dataclass(frozen=True)
class RunningPgBouncer:
    container: DockerContainer
    # On this machine; mount it at SOCKET_DIR into the service's container.
    socket_dir: Path


@contextmanager
def running_pgbouncer(
    network: Network, service: str, credentials: DatabaseCredentials
) -> Iterator[RunningPgBouncer]:
    """The PgBouncer beside `service`, its socket in a temporary directory of this machine."""
    socket_dir = Path(tempfile.mkdtemp(prefix=f"shop-{service}-db-socket-"))
    socket_dir.chmod(0o777)  # PgBouncer and the service run as different users
    try:
        container = _pgbouncer_container(network, service, credentials).with_volume_mapping(
            str(socket_dir), SOCKET_DIR, "rw"
        )
        with container:
            yield RunningPgBouncer(container=container, socket_dir=socket_dir)
    finally:
        shutil.rmtree(socket_dir, ignore_errors=True)


@contextmanager
def running_database_stack() -> Iterator[DatabaseStack]:
    """Start Postgres (roles and schemas per service) and each service's PgBouncer."""
    credentials = DatabaseCredentials.generate()
    with ExitStack() as stack:
        network = stack.enter_context(Network())
        postgres = stack.enter_context(postgres_container(network, credentials))
        pgbouncers = {
            service: stack.enter_context(running_pgbouncer(network, service, credentials))
            for service in SERVICES
        }
        yield DatabaseStack(
            host=postgres.get_container_host_ip(),
            postgres_port=int(postgres.get_exposed_port(5432)),
            socket_dirs={service: it.socket_dir for service, it in pgbouncers.items()},
            credentials=credentials,
        )
