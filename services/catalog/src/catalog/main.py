from fastapi import FastAPI

from catalog.categories.router import router as categories_router
from catalog.products.router import router as products_router
from catalog.reports.router import router as reports_router
from catalog.reservations.jobs import reservation_sweeper
from catalog.reservations.router import router as reservations_router
from catalog.settings import API_PREFIX, CatalogSettings
from catalog.stock.router import router as stock_router
from service_kit.app import create_service_app
from service_kit.auth import JwksSource
from service_kit.pagination import PageCursors


def create_app(
    settings: CatalogSettings | None = None, *, jwks_source: JwksSource | None = None
) -> FastAPI:
    settings = settings or CatalogSettings()
    app = create_service_app(
        name="catalog",
        settings=settings,
        api_prefix=API_PREFIX,
        jobs=[reservation_sweeper(settings)],
        jwks_source=jwks_source,
    )
    app.state.page_cursors = PageCursors(settings.cursor_signing_key.get_secret_value())
    for router in (
        categories_router,
        products_router,
        stock_router,
        reports_router,
        reservations_router,
    ):
        app.include_router(router)
    return app
