"""Traces: off by default with nothing installed; on by one setting, a server span per request
with its statements' spans below it, exported over OTLP/HTTP; trace ids in the log lines."""

import asyncio
import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import text

from service_kit.app import create_service_app
from service_kit.background import PeriodicJob
from service_kit.http_client import create_service_client
from service_kit.request_context import adopt_traceparent
from service_kit.settings import ServiceSettings
from service_kit_testing.probe_app import PREFIX, build_probe_app
from testing_kit.fixtures import serve
from testing_kit.otlp_receiver import receiving_spans

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN_ID}-01"


def _json_lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _echo_traceparent_app() -> FastAPI:
    called = FastAPI()

    @called.get("/echo")
    async def echo(request: Request) -> dict[str, str | None]:
        return {"traceparent": request.headers.get("traceparent")}

    return called


# --- Off: the default ------------------------------------------------------------------------


def test_tracing_is_off_without_an_otlp_endpoint(settings: ServiceSettings) -> None:
    assert settings.otlp_traces_endpoint is None


@pytest.mark.parametrize(
    ("variables", "endpoint"),
    [
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"},
            "http://collector:4318/v1/traces",
        ),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://tempo:4318/v1/traces",
            },
            "http://tempo:4318/v1/traces",
        ),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ""}, None),
    ],
)
def test_the_standard_otlp_variables_turn_tracing_on(
    settings: ServiceSettings,
    monkeypatch: pytest.MonkeyPatch,
    variables: dict[str, str],
    endpoint: str | None,
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)

    assert ServiceSettings(database_url=settings.database_url).otlp_traces_endpoint == endpoint


async def test_off_no_tracer_provider_middleware_or_statement_listener(
    settings: ServiceSettings, probe_table: None
) -> None:
    app = build_probe_app(settings)

    async with serve(app) as client:
        assert (await client.get(f"{PREFIX}/count", params={"note": "x"})).status_code == 200
        engine = app.state.database.engine.sync_engine
        assert len(engine.dispatch.before_cursor_execute) == 0

    assert app.state.tracer_provider is None
    assert not getattr(app, "_is_instrumented_by_opentelemetry", False)
    # Nor did anything install a global SDK provider behind the app's back.
    assert not isinstance(trace.get_tracer_provider(), TracerProvider)


async def test_off_the_callers_trace_id_is_in_the_access_line(
    settings: ServiceSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    async with serve(build_probe_app(settings)) as client:
        await client.get(f"{PREFIX}/healthz", headers={"traceparent": TRACEPARENT})
        await client.get(f"{PREFIX}/healthz", headers={"traceparent": "00-not-a-trace-01"})

    access = [line for line in _json_lines(capsys.readouterr().out) if line["logger"] == "access"]
    assert [line.get("trace_id") for line in access] == [TRACE_ID, None]
    assert all("span_id" not in line for line in access)


async def test_off_the_callers_traceparent_is_forwarded_unchanged() -> None:
    adopt_traceparent(TRACEPARENT)
    async with create_service_client(
        "http://called",
        connect_timeout_seconds=1,
        read_timeout_seconds=1,
        transport=httpx.ASGITransport(app=_echo_traceparent_app()),
    ) as client:
        response = await client.get("/echo")

    assert response.json() == {"traceparent": TRACEPARENT}


async def test_off_an_invalid_traceparent_is_not_forwarded() -> None:
    adopt_traceparent(f"00-{'0' * 32}-{CALLER_SPAN_ID}-01")
    async with create_service_client(
        "http://called",
        connect_timeout_seconds=1,
        read_timeout_seconds=1,
        transport=httpx.ASGITransport(app=_echo_traceparent_app()),
    ) as client:
        response = await client.get("/echo")

    assert response.json() == {"traceparent": None}


# --- On: one setting -------------------------------------------------------------------------


async def test_on_a_request_and_its_statements_are_exported_over_otlp(
    settings: ServiceSettings, probe_table: None
) -> None:
    with receiving_spans() as receiver:
        traced = settings.model_copy(
            update={"otel_exporter_otlp_traces_endpoint": receiver.endpoint}
        )
        async with serve(build_probe_app(traced)) as client:
            response = await client.post(
                f"{PREFIX}/items",
                json={"name": "traced", "password": "long enough password"},
                headers={"traceparent": TRACEPARENT},
            )
            assert response.status_code == 201
        # The app's shutdown flushed the batch: everything is here, nothing to wait for.
        spans = list(receiver.spans)

    assert {span.service for span in spans} == {"probe"}
    [server] = [span for span in spans if span.kind == "server"]
    assert server.trace_id == TRACE_ID
    assert server.parent_span_id == CALLER_SPAN_ID
    assert server.attributes["http.route"] == f"{PREFIX}/items"
    statements = [span for span in spans if span.trace_id == TRACE_ID and span.kind == "client"]
    assert statements, "no span for the request's statements"
    assert {span.parent_span_id for span in statements} == {server.span_id}
    assert any("INSERT" in str(span.attributes.get("db.statement")) for span in statements)


async def test_on_health_probes_and_scrapes_are_not_traced(
    settings: ServiceSettings, probe_table: None
) -> None:
    with receiving_spans() as receiver:
        traced = settings.model_copy(
            update={"otel_exporter_otlp_traces_endpoint": receiver.endpoint}
        )
        async with serve(build_probe_app(traced)) as client:
            for path in (f"{PREFIX}/healthz", f"{PREFIX}/readyz", "/metrics"):
                assert (
                    await client.get(path, headers={"traceparent": TRACEPARENT})
                ).status_code == 200
        spans = list(receiver.spans)

    assert [span for span in spans if span.trace_id == TRACE_ID] == []


async def test_on_every_log_line_of_a_request_carries_its_trace_and_span_id(
    settings: ServiceSettings, probe_table: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with receiving_spans() as receiver:
        traced = settings.model_copy(
            update={"otel_exporter_otlp_traces_endpoint": receiver.endpoint}
        )
        async with serve(build_probe_app(traced)) as client:
            await client.get(
                f"{PREFIX}/count", params={"note": "x"}, headers={"traceparent": TRACEPARENT}
            )
        spans = list(receiver.spans)

    [server] = [span for span in spans if span.kind == "server"]
    [access] = [line for line in _json_lines(capsys.readouterr().out) if line["logger"] == "access"]
    assert (access["trace_id"], access["span_id"]) == (TRACE_ID, server.span_id)


async def test_on_prometheus_metrics_keep_counting(settings: ServiceSettings) -> None:
    with receiving_spans() as receiver:
        traced = settings.model_copy(
            update={"otel_exporter_otlp_traces_endpoint": receiver.endpoint}
        )
        async with serve(build_probe_app(traced)) as client:
            before = await client.get("/metrics")
            await client.get(f"{PREFIX}/healthz")
            after = await client.get("/metrics")

    def served(metrics: str) -> float:
        prefix = f'http_requests_total{{method="GET",route="{PREFIX}/healthz",status="200"}} '
        counts = [
            line.removeprefix(prefix) for line in metrics.splitlines() if line.startswith(prefix)
        ]
        return float(counts[0]) if counts else 0.0

    assert served(after.text) == served(before.text) + 1


async def test_on_a_service_call_is_a_client_span_whose_context_goes_along() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")

    async with create_service_client(
        "http://called",
        connect_timeout_seconds=1,
        read_timeout_seconds=1,
        transport=httpx.ASGITransport(app=_echo_traceparent_app()),
        tracer_provider=provider,
    ) as client:
        with tracer.start_as_current_span("request") as request_span:
            response = await client.get("/echo")

    [call] = [span for span in exporter.get_finished_spans() if span.kind == trace.SpanKind.CLIENT]
    assert call.parent is not None
    assert call.parent.span_id == request_span.get_span_context().span_id
    version, trace_id, parent_id, flags = response.json()["traceparent"].split("-")
    assert (version, trace_id, parent_id) == (
        "00",
        f"{call.context.trace_id:032x}",
        f"{call.context.span_id:016x}",
    )
    assert int(flags, 16) & 1, "sampled"


async def _no_keys() -> dict[str, object]:
    return {"keys": []}


async def test_on_a_job_round_is_one_trace_with_its_statements(settings: ServiceSettings) -> None:
    round_done = asyncio.Event()

    async def select_one(state: Any) -> None:
        async with state.database.autocommit() as session:
            await session.execute(text("SELECT 1"))
        round_done.set()

    with receiving_spans() as receiver:
        app = create_service_app(
            name="probe",
            settings=settings.model_copy(
                update={"otel_exporter_otlp_traces_endpoint": receiver.endpoint}
            ),
            api_prefix=PREFIX,
            jobs=[PeriodicJob(name="select-one", interval_seconds=60, run=select_one)],
            jwks_source=_no_keys,
        )
        async with serve(app):
            await asyncio.wait_for(round_done.wait(), timeout=10)
        spans = list(receiver.spans)

    [job_round] = [span for span in spans if span.name == "job select-one"]
    assert job_round.parent_span_id is None
    statements = [span for span in spans if span.parent_span_id == job_round.span_id]
    assert statements
    assert all(span.trace_id == job_round.trace_id for span in statements)
