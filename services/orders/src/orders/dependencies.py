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
from service_kit.app import ServiceLifespan
from service_kit.app_state import from_app_state

_catalog = from_app_state("catalog")

CatalogDep = Annotated[CatalogClient, Depends(_catalog)]
SettingsDep = Annotated[OrdersSettings, Depends(from_app_state("settings"))]


def catalog_client(
    settings: OrdersSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> ServiceLifespan:
    """The app's client of catalog, open for as long as the app runs (`app.state.catalog`:
    for CatalogDep, and for the recovery jobs)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.catalog = create_catalog_client(
            settings, transport=transport, tracer_provider=app.state.tracer_provider
        )
        try:
            yield
        finally:
            await app.state.catalog.aclose()

    return lifespan


async def catalog_available(request: Request) -> bool:
    """Catalog's readiness, reported under `dependencies` (it never fails orders')."""
    catalog: CatalogClient = await _catalog(request)
    return await catalog.is_available()
