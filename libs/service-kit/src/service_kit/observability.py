"""JSON logs, one access line per request, request ids and Prometheus metrics.

The JSON formatter is a few lines on top of the standard library rather than another
dependency: every field it writes is listed here, and uvicorn's loggers reuse it.
"""

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_kit.problems import unhandled_error_response
from service_kit.request_context import (
    REQUEST_ID_HEADER,
    accept_or_generate_request_id,
    current_request_id,
    set_request_id,
)

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


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

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
        for key, value in record.__dict__.items():
            if key not in _STANDARD_RECORD_FIELDS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(*, service: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
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
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        request_id = accept_or_generate_request_id(
            headers.get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1") or None
        )
        set_request_id(request_id)
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
