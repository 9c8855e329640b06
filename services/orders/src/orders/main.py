import httpx
from fastapi import FastAPI

from orders.dependencies import catalog_available, service_clients
from orders.ordering.router import admin_router, router
from orders.reconciliation.jobs import recovery_jobs
from orders.settings import API_PREFIX, OrdersSettings
from service_kit.app import create_service_app
from service_kit.auth import JwksSource


def create_app(
    settings: OrdersSettings | None = None,
    *,
    jwks_source: JwksSource | None = None,
    catalog_transport: httpx.AsyncBaseTransport | None = None,
    users_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    settings = settings or OrdersSettings()
    app = create_service_app(
        name="orders",
        settings=settings,
        api_prefix=API_PREFIX,
        lifespan=service_clients(
            settings, catalog_transport=catalog_transport, users_transport=users_transport
        ),
        jobs=recovery_jobs(settings),
        dependency_probes={"catalog": catalog_available},
        jwks_source=jwks_source,
    )
    app.include_router(router)
    app.include_router(admin_router)
    return app
