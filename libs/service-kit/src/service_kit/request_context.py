"""The id of the request being served, for logs, problem bodies and outgoing calls."""

import re
from contextvars import ContextVar
from uuid import uuid4

REQUEST_ID_HEADER = "X-Request-ID"
# A client-supplied id is kept only if it is short and harmless in a log line or header.
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(request_id: str) -> None:
    _request_id.set(request_id)


def accept_or_generate_request_id(candidate: str | None) -> str:
    if candidate and _ACCEPTABLE_REQUEST_ID.match(candidate):
        return candidate
    return uuid4().hex
