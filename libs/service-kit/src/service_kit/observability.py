"""JSON logs, one access line per request, request ids, trace ids and Prometheus metrics.

The JSON formatter is a few lines on top of the standard library rather than another
dependency: every field it writes is listed here, and uvicorn's loggers reuse it.
"""

import json
import logging
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_kit.problems import unhandled_error_response
from service_kit.request_context import (
    REQUEST_ID_HEADER,
    TRACEPARENT_HEADER,
    accept_or_generate_request_id,
    adopt_traceparent,
    current_request_id,
    current_trace_id,
    set_request_id,
)
from service_kit.tracing import current_span_ids

_TRACEPARENT_KEY = TRACEPARENT_HEADER.encode()

# Attributes every LogRecord has; anything else passed in `extra=` becomes a JSON field.
_STANDARD_RECORD_FIELDS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
}

access_logger = logging.getLogger("access")
logger = logging.getLogger(__name__)

REQUESTS = Counter("http_requests_total", "HTTP requests served", ["method", "route", "status"])
REQUEST_DURATION = Histogram(
    "http_request_duration_seconds", "Time to serve an HTTP request", ["method", "route"]
)


def _adopted_trace_ids() -> tuple[str, str | None] | None:
    trace_id = current_trace_id()
    return None if trace_id is None else (trace_id, None)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the request id and the trace id of the request.

    Traced, the ids are those of the span being recorded (`trace_id`, `span_id`); untraced,
    the trace id is the one of the traceparent the request came with, and there is no span.
    """

    def __init__(self, service: str, *, traced: bool = False) -> None:
        super().__init__()
        self.service = service
        self._trace_ids: Callable[[], tuple[str, str | None] | None] = (
            current_span_ids if traced else _adopted_trace_ids
        )

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id is not None:
            entry["request_id"] = request_id
        trace_ids = self._trace_ids()
        if trace_ids is not None:
            entry["trace_id"], span_id = trace_ids
            if span_id is not None:
                entry["span_id"] = span_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD_RECORD_FIELDS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(*, service: str, level: str, traced: bool = False) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service, traced=traced))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn installs its own handlers; route its records through ours instead, and drop
    # its access log because RequestMiddleware writes a richer one.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every request it sends at INFO; the service called logs it already, with the
    # same request id, and a second line per call costs the caller CPU on its hottest path.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _route_label(scope: Scope) -> str:
    # The route template, not the raw path, so ids in paths don't explode label cardinality.
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestMiddleware:
    """Outermost layer of every request.

    Adopts or generates the request id and echoes it, writes one access log line and the
    metrics, and turns any unhandled exception into a logged 500 problem with no trace.
    Untraced (`adopt_traceparent`), it also keeps the request's traceparent, for the logs and
    for the calls the request makes; traced, the server span around it has that role.
    """

    def __init__(self, app: ASGIApp, *, adopt_traceparent: bool = True) -> None:
        self.app = app
        self.adopt_traceparent = adopt_traceparent

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        request_id = accept_or_generate_request_id(
            headers.get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1") or None
        )
        set_request_id(request_id)
        if self.adopt_traceparent:
            adopt_traceparent(headers.get(_TRACEPARENT_KEY, b"").decode("latin-1") or None)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_request_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception:
            logger.exception("unhandled error", extra={"path": scope["path"]})
            if response_started:
                raise
            await unhandled_error_response(scope["path"])(scope, receive, send_with_request_id)
        finally:
            duration = time.perf_counter() - started
            route = _route_label(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            REQUEST_DURATION.labels(scope["method"], route).observe(duration)
            access_logger.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(duration * 1000, 2),
                },
            )


async def metrics_endpoint(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
