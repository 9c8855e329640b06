"""The id of the request being served, for logs, problem bodies and outgoing calls; and,
while tracing is off, the W3C traceparent it came with, forwarded unchanged and logged."""

import re
from contextvars import ContextVar
from uuid import uuid4

REQUEST_ID_HEADER = "X-Request-ID"
# A client-supplied id is kept only if it is short and harmless in a log line or header.
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

TRACEPARENT_HEADER = "traceparent"
# W3C Trace Context, version 00: an all-zero trace or parent id is invalid.
_VALID_TRACEPARENT = re.compile(r"^00-(?!0{32})([0-9a-f]{32})-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$")

_traceparent: ContextVar[str | None] = ContextVar("traceparent", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(request_id: str) -> None:
    _request_id.set(request_id)


def accept_or_generate_request_id(candidate: str | None) -> str:
    if candidate and _ACCEPTABLE_REQUEST_ID.match(candidate):
        return candidate
    return uuid4().hex


def adopt_traceparent(candidate: str | None) -> None:
    """Keep the request's traceparent if it is valid (tracing off); else forget any."""
    _traceparent.set(candidate if candidate and _VALID_TRACEPARENT.match(candidate) else None)


def current_traceparent() -> str | None:
    return _traceparent.get()


def current_trace_id() -> str | None:
    """The trace id of the adopted traceparent (tracing off), if the request had one."""
    traceparent = _traceparent.get()
    return None if traceparent is None else traceparent[3:35]
