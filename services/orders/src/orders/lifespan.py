"""What the orders app runs beside its endpoints: the catalog client and the recovery jobs."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from fastapi import FastAPI, Request

from orders.catalog_client.client import CatalogClient, create_catalog_client
from orders.reconciliation.worker import running_hold_expiry, running_reconciler
from orders.settings import OrdersSettings
from service_kit.app import ServiceLifespan
from service_kit.database import Database


def orders_lifespan(
    settings: OrdersSettings, *, catalog_transport: httpx.AsyncBaseTransport | None = None
) -> ServiceLifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        catalog = create_catalog_client(settings, transport=catalog_transport)
        database: Database = app.state.database
        app.state.catalog = catalog
        async with AsyncExitStack() as resources:
            resources.push_async_callback(catalog.aclose)
            if settings.reconciler_enabled:
                await resources.enter_async_context(
                    running_reconciler(
                        sessionmaker=database.sessionmaker, catalog=catalog, settings=settings
                    )
                )
            if settings.hold_expiry_enabled:
                await resources.enter_async_context(
                    running_hold_expiry(
                        sessionmaker=database.sessionmaker, catalog=catalog, settings=settings
                    )
                )
            yield

    return lifespan


async def catalog_available(request: Request) -> bool:
    catalog: CatalogClient = request.app.state.catalog
    return await catalog.is_available()
