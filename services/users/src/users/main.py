from fastapi import FastAPI

from service_kit.app import create_service_app
from service_kit.observability import configure_logging
from users.accounts.router import admin_router, me_router, registration_router
from users.auth.dependencies import Credentials
from users.auth.pruning import refresh_token_pruning
from users.auth.router import jwks_router, password_router
from users.auth.router import router as auth_router
from users.settings import API_PREFIX, UsersSettings

ROUTERS = (registration_router, auth_router, me_router, password_router, admin_router, jwks_router)


def create_app(settings: UsersSettings | None = None) -> FastAPI:
    settings = settings or UsersSettings()
    configure_logging(service="users", level=settings.log_level)  # before the key is loaded
    # Fails here, at start-up, when no usable signing key is configured.
    credentials = Credentials.from_settings(settings)
    app = create_service_app(
        name="users",
        settings=settings,
        api_prefix=API_PREFIX,
        # Users verifies its own tokens against its own keys, without HTTP to itself.
        jwks_source=credentials.key_ring.jwks_source,
        lifespan=refresh_token_pruning(settings),
    )
    app.state.credentials = credentials
    for router in ROUTERS:
        app.include_router(router)
    return app
