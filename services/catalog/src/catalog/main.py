from fastapi import FastAPI

from catalog.settings import API_PREFIX, CatalogSettings
from service_kit.app import create_service_app
from service_kit.auth import JwksSource


def create_app(
    settings: CatalogSettings | None = None, *, jwks_source: JwksSource | None = None
) -> FastAPI:
    settings = settings or CatalogSettings()
    return create_service_app(
        name="catalog", settings=settings, api_prefix=API_PREFIX, jwks_source=jwks_source
    )
