"""docker-compose.yml gives each process only what differs from its settings' defaults in
development, and what has no default (URLs, secrets): the settings classes own every default,
so none is stated twice. Read as compose reads the file when no variable is set."""

import re
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from catalog.settings import CatalogSettings
from orders.settings import OrdersSettings
from service_kit.settings import DatabaseSettings
from testing_kit.compose_project import COMPOSE_FILE
from users.settings import UsersSettings

SETTINGS: dict[str, type[BaseSettings]] = {
    "users": UsersSettings,
    "catalog": CatalogSettings,
    "orders": OrdersSettings,
    "migrate-users": DatabaseSettings,
    "migrate-catalog": DatabaseSettings,
    "migrate-orders": DatabaseSettings,
    "seed-catalog": DatabaseSettings,
}
# ${NAME:-default}: the default when NAME is not set (the only form the file uses).
_VARIABLE = re.compile(r"\$\{\w+:-([^}]*)\}")


def _environment(service: str) -> dict[str, str]:
    compose: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    environment: dict[str, str] = compose["services"][service]["environment"]
    return {name.lower(): _VARIABLE.sub(r"\1", value) for name, value in environment.items()}


def test_every_process_with_settings_is_checked() -> None:
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    with_settings = {
        name for name, service in compose["services"].items() if "DATABASE_URL" in str(service)
    }

    assert with_settings == set(SETTINGS)


@pytest.mark.parametrize("service", SETTINGS)
def test_compose_sets_only_what_the_process_reads(service: str) -> None:
    assert set(_environment(service)) <= set(SETTINGS[service].model_fields)


@pytest.mark.parametrize("service", SETTINGS)
def test_compose_restates_no_default(service: str) -> None:
    settings_type = SETTINGS[service]
    environment = _environment(service)
    settings = settings_type(**environment)

    restated = [
        name.upper()
        for name in environment
        if not settings_type.model_fields[name].is_required()
        and getattr(settings, name) == settings_type.model_fields[name].get_default()
    ]

    assert restated == []
