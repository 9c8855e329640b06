from fastapi import FastAPI

from service_kit.app import create_service_app
from service_kit.observability import configure_logging
from users.accounts.passwords import PasswordHasher
from users.admin.router import router as admin_router
from users.auth.jobs import refresh_token_pruning
from users.auth.router import router as auth_router
from users.auth.service import refresh_turns
from users.auth.tokens import TokenIssuer
from users.internal.router import router as internal_router
from users.keys.key_ring import load_key_ring
from users.keys.router import router as keys_router
from users.me.router import router as me_router
from users.settings import API_PREFIX, UsersSettings

ROUTERS = (auth_router, me_router, admin_router, keys_router, internal_router)


def create_app(settings: UsersSettings | None = None) -> FastAPI:
    settings = settings or UsersSettings()
    configure_logging(service="users", level=settings.log_level)  # before the key is loaded
    # Fails here, at start-up, when no usable signing key is configured.
    key_ring = load_key_ring(settings)
    app = create_service_app(
        name="users",
        settings=settings,
        api_prefix=API_PREFIX,
        # Users verifies its own tokens against its own keys, without HTTP to itself.
        jwks_source=key_ring.jwks_source,
        jobs=[refresh_token_pruning(settings)],
    )
    # What users.dependencies hands to the endpoints.
    app.state.key_ring = key_ring
    app.state.token_issuer = TokenIssuer.from_settings(settings, key_ring=key_ring)
    app.state.password_hasher = PasswordHasher.from_settings(settings)
    app.state.refresh_turns = refresh_turns(settings)
    for router in ROUTERS:
        app.include_router(router)
    return app
