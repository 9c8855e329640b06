"""The whole shop from the real images: docker-compose.yml with tests/e2e/compose.e2e.yml on top.

Exactly what `make up` runs (the two networks, the PgBouncer beside each service, the
migration jobs, the gateway), under a compose project of the run's own, with what differs in
tests in compose.e2e.yml and every secret made for the run. Every service runs
SERVICE_REPLICAS replicas, as in production. Only the gateway is published, on
a free loopback port. The shop is up once every container is healthy and every service is
ready through the gateway; it is removed with its volumes at the end, also when start-up
fails (then every container's log is printed first).
"""

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from docker.models.containers import Container
from pydantic_settings import BaseSettings

from testing_kit import otlp_receiver
from testing_kit.compose_project import (
    REPOSITORY,
    ComposeError,
    ComposeProject,
    running_compose_project,
)
from testing_kit.database_stack import SERVICES, DatabaseCredentials
from testing_kit.waiting import eventually_sync

COMPOSE_OVERRIDE = Path(__file__).resolve().parents[1] / "compose.e2e.yml"
READY_WITHIN_SECONDS = 120
# Replicas of each of users, catalog and orders; the gateway, the PgBouncers and Postgres run
# one each (docs/testing.md, "Replicas").
SERVICE_REPLICAS = 2

# Secrets made for this run only, never one from the repository: users signs with this key,
# catalog signs its cursors with this one, and orders presents these to catalog and to users.
E2E_SIGNING_KEY = Ed25519PrivateKey.generate()
CATALOG_CURSOR_SIGNING_KEY = secrets.token_urlsafe(32)
USERS_ERASED_NAMES_KEY = secrets.token_urlsafe(32)
ORDERS_CATALOG_SERVICE_KEY = secrets.token_urlsafe(32)
ORDERS_USERS_SERVICE_KEY = secrets.token_urlsafe(32)

# Production's rate limits, except that the `auth` zone (login, registration, password
# change) only counts requests that carry an X-E2E-Rate-Limit-Key header: nginx does not
# account requests whose key is empty. So suites may register any number of customers, and
# test_auth.py checks production's auth figures with a key of its own.
E2E_RATE_LIMIT_HEADER = "X-E2E-Rate-Limit-Key"
_PRODUCTION_RATE_LIMITS = REPOSITORY / "deploy" / "gateway" / "rate-limits.conf"
_PRODUCTION_AUTH_ZONE = "limit_req_zone $binary_remote_addr zone=auth:"

SettingsT = TypeVar("SettingsT", bound=BaseSettings)


@dataclass(frozen=True)
class Shop:
    gateway_url: str
    project: ComposeProject

    def mail_sink_url(self) -> str:
        """The development SMTP sink's HTTP API (what orders' emails reached); asked anew
        each time, as a restarted sink is published on another free port."""
        return f"http://127.0.0.1:{self.project.published_port('mail-sink', 8025)}"

    def container(self, service: str) -> Container:
        """The one container of a part of the shop that runs one (the gateway, a PgBouncer,
        Postgres), named as in docker-compose.yml."""
        return self.project.container(service)

    def replicas(self, service: str) -> list[Container]:
        """Every replica of a service (users, catalog, orders), by replica number."""
        return self.project.replicas(service)

    def settings(self, service: str, settings_type: type[SettingsT]) -> SettingsT:
        """The settings `service` runs with: its containers' environment (every replica's is
        the same) as its own settings class reads it (defaults included), and nothing from
        this process's environment."""
        environment = dict(
            item.split("=", 1) for item in self.replicas(service)[0].attrs["Config"]["Env"]
        )

        class AsTheContainerHasThem(settings_type):  # type: ignore[valid-type,misc]
            @classmethod
            def settings_customise_sources(
                cls, settings_cls: Any, init_settings: Any, **_: Any
            ) -> tuple[Any, ...]:
                return (init_settings,)  # the values given, not this process's environment

        settings: SettingsT = AsTheContainerHasThem(
            **{name.lower(): value for name, value in environment.items()}
        )
        return settings


def _e2e_rate_limits() -> str:
    production = _PRODUCTION_RATE_LIMITS.read_text()
    assert _PRODUCTION_AUTH_ZONE in production, "rate-limits.conf changed: update e2e_testing"
    return production.replace(
        _PRODUCTION_AUTH_ZONE, "limit_req_zone $http_x_e2e_rate_limit_key zone=auth:"
    )


def _gateway_url(project: ComposeProject) -> str:
    return f"http://127.0.0.1:{project.published_port('gateway', 80)}"


def _ready_through_the_gateway(project: ComposeProject) -> None:
    with httpx.Client(base_url=_gateway_url(project), timeout=10) as gateway:

        def ready() -> bool:
            try:
                return all(
                    gateway.get(f"/api/{service}/readyz").status_code == 200 for service in SERVICES
                )
            except httpx.TransportError:
                return False

        if not eventually_sync(ready, within_seconds=READY_WITHIN_SECONDS):
            raise ComposeError(f"the shop was not ready within {READY_WITHIN_SECONDS} s")


@contextmanager
def running_shop() -> Iterator[Shop]:
    signing_key = E2E_SIGNING_KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    with tempfile.TemporaryDirectory(prefix="shop-e2e-") as workdir:
        rate_limits = Path(workdir, "rate-limits.conf")
        rate_limits.write_text(_e2e_rate_limits())
        rate_limits.chmod(0o644)  # read by nginx inside its container
        variables = {
            **DatabaseCredentials.generate().compose_variables(Path(workdir)),
            "ENVIRONMENT": "test",
            "GATEWAY_BIND_ADDRESS": "127.0.0.1",
            "GATEWAY_PORT": "0",  # a free port, whatever else runs on this machine
            "MAIL_SINK_BIND_ADDRESS": "127.0.0.1",
            "MAIL_SINK_PORT": "0",
            "CATALOG_CURSOR_SIGNING_KEY": CATALOG_CURSOR_SIGNING_KEY,
            "USERS_ERASED_NAMES_KEY": USERS_ERASED_NAMES_KEY,
            "ORDERS_CATALOG_SERVICE_KEY": ORDERS_CATALOG_SERVICE_KEY,
            "ORDERS_USERS_SERVICE_KEY": ORDERS_USERS_SERVICE_KEY,
            # One line: users reads a literal "\n" as a line break.
            "E2E_JWT_PRIVATE_KEY": signing_key.replace("\n", "\\n"),
            "E2E_GATEWAY_RATE_LIMITS": str(rate_limits),
            "E2E_SERVICE_REPLICAS": str(SERVICE_REPLICAS),
            "E2E_OTLP_RECEIVER": str(Path(otlp_receiver.__file__).resolve()),
        }
        with running_compose_project(
            name_prefix="shop-e2e",
            override_files=[COMPOSE_OVERRIDE],
            variables=variables,
            ready=_ready_through_the_gateway,
        ) as project:
            yield Shop(gateway_url=_gateway_url(project), project=project)
