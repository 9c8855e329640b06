"""What the orders app keeps for its endpoints, each named once as a dependency.

The kit names the rest: `SessionDep`, `ReadSessionDep` and `DatabaseDep`
(`service_kit.database`), `CurrentUser` and `RequireAdmin` (`service_kit.auth`).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Request

from orders.catalog_client.client import CatalogClient, create_catalog_client
from orders.settings import OrdersSettings
from orders.users_client.client import UsersClient, create_users_client
from service_kit.app import ServiceLifespan
from service_kit.app_state import from_app_state

_catalog = from_app_state("catalog")

CatalogDep = Annotated[CatalogClient, Depends(_catalog)]
UsersDep = Annotated[UsersClient, Depends(from_app_state("users"))]
SettingsDep = Annotated[OrdersSettings, Depends(from_app_state("settings"))]


def service_clients(
    settings: OrdersSettings,
    *,
    catalog_transport: httpx.AsyncBaseTransport | None = None,
    users_transport: httpx.AsyncBaseTransport | None = None,
) -> ServiceLifespan:
    """The app's clients of catalog and users, open for as long as the app runs
    (`app.state.catalog` and `app.state.users`: for CatalogDep and UsersDep, and for the jobs)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tracer_provider = app.state.tracer_provider  # None when tracing is off
        app.state.catalog = create_catalog_client(
            settings, transport=catalog_transport, tracer_provider=tracer_provider
        )
        app.state.users = create_users_client(
            settings, transport=users_transport, tracer_provider=tracer_provider
        )
        try:
            yield
        finally:
            await app.state.users.aclose()
            await app.state.catalog.aclose()

    return lifespan


async def catalog_available(request: Request) -> bool:
    """Catalog's readiness, reported under `dependencies` (it never fails orders')."""
    catalog: CatalogClient = await _catalog(request)
    return await catalog.is_available()
