"""OpenTelemetry traces, off unless an OTLP endpoint is configured.

With `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (or `OTEL_EXPORTER_OTLP_ENDPOINT`) set, a service
gets its own tracer provider (`service.name` = the service) whose spans go over OTLP/HTTP in
batches, flushed when the app stops: a server span per request, a span per database
statement, a client span per call to another service, and the W3C `traceparent` injected into
those calls. The SDK reads the rest of the standard `OTEL_*` variables itself (headers,
timeout, sampler, batch sizes, resource attributes).

Unset, nothing of the SDK is built or installed: no provider, no middleware, no event
listener. A service then still forwards the `traceparent` it was given unchanged (what W3C
Trace Context asks of a hop that does not trace) and logs its trace id, so the gateway's and
every service's log lines of one request share it (service_kit.request_context).

The provider belongs to the app, not to the process (no global provider is set): each app,
including the several a test process builds, exports only its own spans.
"""

from typing import TYPE_CHECKING

from fastapi import FastAPI
from httpx import AsyncClient
from opentelemetry import trace
from sqlalchemy.ext.asyncio import AsyncEngine

from service_kit.settings import ServiceSettings

# The SDK, its OTLP exporter (protobuf) and the instrumentations are imported only when
# tracing is on: with it off they would only add to every process's start-up (about 8 % of
# a service's imports, measured), for nothing.
if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

# Liveness, readiness and scrapes arrive every few seconds from machines, not from users: a
# trace each would bury the real ones.
_UNTRACED_PATHS = "/healthz$,/readyz$,/metrics$"


def tracer_provider_for(
    service: str, settings: ServiceSettings, *, exporter: "SpanExporter | None" = None
) -> "TracerProvider | None":
    """The service's tracer provider, or None when tracing is off (no endpoint configured).

    `exporter` replaces the OTLP exporter (tests that do not test the export itself)."""
    endpoint = settings.otlp_traces_endpoint
    if endpoint is None and exporter is None:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service}))
    provider.add_span_processor(BatchSpanProcessor(exporter or OTLPSpanExporter(endpoint=endpoint)))
    return provider


def trace_requests(app: FastAPI, provider: trace.TracerProvider) -> None:
    """A server span around every request, outermost, so every log line of it carries its ids;
    the caller's `traceparent` (the gateway's) makes it a child of the caller's span."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls=_UNTRACED_PATHS,
        # ASGI's receive and send would each add a span per message; the request's is enough.
        exclude_spans=["receive", "send"],
    )


def trace_statements(engine: AsyncEngine, provider: trace.TracerProvider) -> None:
    """A client span per statement on this engine only.

    SQLAlchemyInstrumentor.instrument() would do this once per process and also patch
    create_engine for everyone; EngineTracer is the part of it that listens to one engine."""
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.instrumentation.sqlalchemy.version import (
        __version__ as sqlalchemy_instrumentation,
    )
    from opentelemetry.metrics import NoOpMeterProvider

    # The instrumentation has no annotations.
    EngineTracer(  # type: ignore[no-untyped-call]
        trace.get_tracer("opentelemetry.instrumentation.sqlalchemy", tracer_provider=provider),
        engine.sync_engine,
        # The instrumentation's pool-usage gauge; metrics stay Prometheus' (observability.py).
        NoOpMeterProvider()
        .get_meter("opentelemetry.instrumentation.sqlalchemy", sqlalchemy_instrumentation)
        .create_up_down_counter("db.client.connections.usage"),
    )


def trace_calls(client: AsyncClient, provider: trace.TracerProvider) -> None:
    """A client span per request the client sends, with `traceparent` injected."""
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    HTTPXClientInstrumentor.instrument_client(client, tracer_provider=provider)


def current_span_ids() -> tuple[str, str | None] | None:
    """The trace and span id (hex) of the span being recorded, if any."""
    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")
