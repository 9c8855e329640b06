"""Builds a service's FastAPI app with the defaults every service shares."""

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

import httpx
from fastapi import FastAPI
from opentelemetry.trace import TracerProvider

from service_kit.auth import JwksSource, TokenVerifier, http_jwks_source
from service_kit.background import PeriodicJob, run_periodically
from service_kit.database import Database
from service_kit.database_errors import install_database_error_handlers
from service_kit.health import DependencyProbe, health_router
from service_kit.http_caching import HttpCachingMiddleware
from service_kit.http_client import create_service_client
from service_kit.observability import RequestMiddleware, configure_logging, metrics_endpoint
from service_kit.openapi import install_api_contract
from service_kit.problems import install_problem_handlers
from service_kit.settings import ServiceSettings
from service_kit.tracing import trace_requests, trace_statements, tracer_provider_for

ServiceLifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@asynccontextmanager
async def _no_extra_resources(_: FastAPI) -> AsyncIterator[None]:
    yield


def _bound(
    job: PeriodicJob, app: FastAPI, tracer_provider: TracerProvider | None
) -> Callable[[], Awaitable[object]]:
    if tracer_provider is None:

        async def run() -> object:
            return await job.run(app.state)

        return run
    tracer = tracer_provider.get_tracer(__name__)

    # One trace per round, so a round's statements and calls are one story, not many roots.
    async def run_traced() -> object:
        with tracer.start_as_current_span(f"job {job.name}"):
            return await job.run(app.state)

    return run_traced


def create_service_app(
    *,
    name: str,
    settings: ServiceSettings,
    api_prefix: str,
    lifespan: ServiceLifespan = _no_extra_resources,
    jobs: Sequence[PeriodicJob] = (),
    dependency_probes: Mapping[str, DependencyProbe] | None = None,
    jwks_source: JwksSource | None = None,
) -> FastAPI:
    """The app with logging, errors, request ids, traces, metrics, health, caching headers and
    the database wired.

    Everything public is served under `api_prefix` (the gateway routes by prefix and never
    rewrites paths); `/metrics` and `/internal/...` sit outside it and stay unreachable
    through the gateway. Routers carry their full prefix themselves (`APIRouter(prefix=...)`)
    and are included without one, so metrics and logs see the real route templates.

    Access tokens are verified against `jwks_source`, by default the users service's JWKS
    over HTTP (the users service passes its own keys instead).

    `lifespan` opens the service's own resources (a client for another service, say) and
    puts them on `app.state`; the `jobs` run beside the endpoints once those are in place,
    and stop before they close.

    Traces are on when settings name an OTLP endpoint (service_kit.tracing): then the app's
    tracer provider is `app.state.tracer_provider` (None when off), for the clients the
    service makes (`create_service_client(..., tracer_provider=...)`).
    """
    tracer_provider = tracer_provider_for(name, settings)
    configure_logging(service=name, level=settings.log_level, traced=tracer_provider is not None)

    @asynccontextmanager
    async def service_lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.database = Database.from_settings(settings)
        if tracer_provider is not None:
            trace_statements(app.state.database.engine, tracer_provider)
        # Only services that verify against users' JWKS over HTTP need a client for it.
        jwks_client: httpx.AsyncClient | None = None
        keys = jwks_source
        if keys is None:
            jwks_client = create_service_client(
                "",
                connect_timeout_seconds=2.0,
                read_timeout_seconds=3.0,
                tracer_provider=tracer_provider,
            )
            keys = http_jwks_source(jwks_client, settings.jwks_url)
        app.state.token_verifier = TokenVerifier(
            jwks_source=keys,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            min_refetch_interval_seconds=settings.jwks_min_refetch_interval_seconds,
            max_age_seconds=settings.jwks_max_age_seconds,
        )
        try:
            async with lifespan(app), AsyncExitStack() as running_jobs:
                for job in jobs:
                    await running_jobs.enter_async_context(
                        run_periodically(
                            name=job.name,
                            interval_seconds=job.interval_seconds,
                            job=_bound(job, app, tracer_provider),
                        )
                    )
                # Warm the key cache; if users is down now, the first token will try again.
                await app.state.token_verifier.refresh_keys()
                yield
        finally:
            if jwks_client is not None:
                await jwks_client.aclose()
            await app.state.database.dispose()
            if tracer_provider is not None:
                # Exports what the batch still holds, the last requests' and jobs' spans.
                tracer_provider.shutdown()

    app = FastAPI(
        title=f"Shop {name} service",
        lifespan=service_lifespan,
        # The gateway serves the docs page of every service (/api/<service>/docs), with Swagger
        # UI from itself; a page here would load it from a CDN.
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{api_prefix}/openapi.json",
        # No redirect between /products and /products/: Starlette's would be absolute, built
        # from the client's Host header (an open redirect through the gateway). A path is
        # either a route or a 404 problem.
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.tracer_provider = tracer_provider
    install_problem_handlers(app)
    install_database_error_handlers(app)
    install_api_contract(app)
    # Inside RequestMiddleware, so access logs and metrics count the 304s it answers.
    app.add_middleware(HttpCachingMiddleware)
    app.add_middleware(RequestMiddleware, adopt_traceparent=tracer_provider is None)
    if tracer_provider is not None:
        trace_requests(app, tracer_provider)
    app.include_router(health_router(api_prefix, dependency_probes))
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    return app
