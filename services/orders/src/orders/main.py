from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from orders.catalog_client import CatalogClient
from orders.settings import API_PREFIX, OrdersSettings
from service_kit.app import create_service_app
from service_kit.auth import JwksSource
from service_kit.http_client import create_service_client


def create_app(
    settings: OrdersSettings | None = None, *, jwks_source: JwksSource | None = None
) -> FastAPI:
    settings = settings or OrdersSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.catalog = CatalogClient(
            create_service_client(
                settings.catalog_base_url,
                connect_timeout_seconds=settings.catalog_connect_timeout_seconds,
                read_timeout_seconds=settings.catalog_read_timeout_seconds,
            )
        )
        try:
            yield
        finally:
            await app.state.catalog.aclose()

    async def catalog_available(request: Request) -> bool:
        catalog: CatalogClient = request.app.state.catalog
        return await catalog.is_available()

    return create_service_app(
        name="orders",
        settings=settings,
        api_prefix=API_PREFIX,
        lifespan=lifespan,
        dependency_probes={"catalog": catalog_available},
        jwks_source=jwks_source,
    )
