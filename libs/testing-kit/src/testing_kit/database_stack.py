"""A real Postgres with a real PgBouncer beside each service, as the services run in production.

They are docker-compose.yml's own `postgres` and `pgbouncer-*` services (images, settings,
healthchecks, secrets as files), with compose.database.yml on top for what tests need:
Postgres on a free loopback port, and each PgBouncer's socket directory on this machine, so
tests connect exactly as the service does: over the socket, with SCRAM. Every password and
secret is made for the run.
"""

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from service_kit.scram import scram_sha256_secret
from testing_kit.compose_project import running_compose_project

SERVICES = ("users", "catalog", "orders")
DATABASE = "shop"
PGBOUNCER_PORT = 6432
# Random 256-bit passwords need no key stretching (docs/architecture.md), as in compose.
SECRET_ITERATIONS = 1
COMPOSE_OVERRIDE = Path(__file__).with_name("compose.database.yml")


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

    def compose_variables(self, secrets_dir: Path) -> dict[str, str]:
        """These credentials as docker-compose.yml takes them (the variables .env.example
        names): passwords as values, SCRAM secrets as files written into `secrets_dir`, and a
        superuser password of the run's own."""
        variables = {"POSTGRES_PASSWORD": secrets.token_urlsafe(32)}
        for service in SERVICES:
            prefix = service.upper()
            variables[f"{prefix}_DB_PASSWORD"] = self.passwords[service]
            variables[f"{prefix}_DB_OWNER_PASSWORD"] = self.owner_passwords[service]
            for variable, secret in (
                (f"{prefix}_DB_SCRAM_SECRET_FILE", self.secrets[service]),
                (f"{prefix}_DB_OWNER_SCRAM_SECRET_FILE", self.owner_secrets[service]),
            ):
                path = secrets_dir / f"{variable.lower()}.scram"
                path.write_text(secret + "\n")
                path.chmod(0o644)  # read inside the containers, by their own users
                variables[variable] = str(path)
        return variables


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


def service_database_url(service: str, password: str, *, socket_dir: str) -> str:
    """The DATABASE_URL of a service: its role, to its own PgBouncer's socket."""
    return (
        f"postgresql+asyncpg://{service}_svc:{password}@/{DATABASE}"
        f"?host={socket_dir}&port={PGBOUNCER_PORT}"
    )


def migration_database_url(service: str, owner_password: str, *, host: str, port: int) -> str:
    """The DATABASE_URL of a service's migration job: the schema's owner, straight to Postgres."""
    return f"postgresql+asyncpg://{service}_owner:{owner_password}@{host}:{port}/{DATABASE}"


@contextmanager
def running_database_stack() -> Iterator[DatabaseStack]:
    """Start Postgres (roles and schemas per service) and each service's PgBouncer."""
    credentials = DatabaseCredentials.generate()
    # PgBouncer's sockets (owned by its user) may outlive a failed start-up: never an error.
    with tempfile.TemporaryDirectory(
        prefix="shop-database-stack-", ignore_cleanup_errors=True
    ) as workdir:
        socket_dirs = {service: Path(workdir, f"{service}-db-socket") for service in SERVICES}
        for socket_dir in socket_dirs.values():
            socket_dir.mkdir()
            socket_dir.chmod(0o777)  # PgBouncer and the tests run as different users
        variables = {
            **credentials.compose_variables(Path(workdir)),
            **{f"{s.upper()}_DB_SOCKET_DIR": str(d) for s, d in socket_dirs.items()},
        }
        with running_compose_project(
            name_prefix="shop-database",
            override_files=[COMPOSE_OVERRIDE],
            variables=variables,
            services=["postgres", *(f"pgbouncer-{service}" for service in SERVICES)],
        ) as project:
            yield DatabaseStack(
                host="127.0.0.1",
                postgres_port=project.published_port("postgres", 5432),
                socket_dirs=socket_dirs,
                credentials=credentials,
            )
