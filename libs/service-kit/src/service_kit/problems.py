"""RFC 9457 problem details for every error a service returns.

Each error has a stable `code` (also the last part of `type`), a human `title`, the HTTP
`status`, a `detail` for this occurrence and optional extension members. No stack trace,
SQL or submitted value ever reaches the client.
"""

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request, params
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service_kit.request_context import current_request_id

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:shop:problem:"

logger = logging.getLogger(__name__)


class ProblemError(Exception):
    """Base of every error a service raises on purpose; subclasses fix status, code, title."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal server error"
    # Headers every answer of this problem carries (a 401's WWW-Authenticate, say).
    default_headers: ClassVar[Mapping[str, str]] = {}

    def __init__(
        self,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = {**self.default_headers, **(headers or {})}
        self.extensions = extensions


class BadRequest(ProblemError):
    status = 400
    code = "bad-request"
    title = "Bad request"


class Unauthorized(ProblemError):
    status = 401
    code = "unauthorized"
    title = "Authentication required"


class Forbidden(ProblemError):
    status = 403
    code = "forbidden"
    title = "Not allowed"


class NotFound(ProblemError):
    status = 404
    code = "not-found"
    title = "Resource not found"


class Conflict(ProblemError):
    status = 409
    code = "conflict"
    title = "Conflict with the current state"


class UnprocessableContent(ProblemError):
    status = 422
    code = "unprocessable-content"
    title = "The request cannot be processed"


class ServiceUnavailable(ProblemError):
    status = 503
    code = "service-unavailable"
    title = "Service temporarily unavailable"


def problem_response(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + code,
        "code": code,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    request_id = current_request_id()
    if request_id is not None:
        body["request_id"] = request_id
    if extensions:
        body.update(extensions)
    return JSONResponse(
        body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_CONTENT_TYPE
    )


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "HTTP error"


def _code_for_status(status: int) -> str:
    return _status_phrase(status).lower().replace(" ", "-").replace("'", "")


async def _handle_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        instance=request.url.path,
        headers=exc.headers,
        extensions=exc.extensions,
    )


async def _handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
    # Starlette raises these itself: unknown route (404), wrong method (405), and so on.
    assert isinstance(exc, StarletteHTTPException)
    phrase = _status_phrase(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) else phrase
    return problem_response(
        status=exc.status_code,
        code=_code_for_status(exc.status_code),
        title=phrase,
        detail=detail,
        instance=request.url.path,
        headers=exc.headers,
    )


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Only where and why: the submitted input may be a password, so it is never echoed.
    return [
        {
            "location": list(error.get("loc", ())),
            "message": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in exc.errors()
    ]


JSON_MEDIA_TYPE = "application/json"
FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _expected_media_type(request: Request) -> str | None:
    """The media type the route takes its body in, if the request's is another one.

    FastAPI parses a body only in the media type its route declares and otherwise validates
    nothing, so a mismatch surfaces as a validation error; it is a 415 instead.
    """
    body_field = getattr(request.scope.get("route"), "body_field", None)
    if body_field is None:
        return None
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if isinstance(body_field.field_info, params.Form):
        return None if media_type in FORM_MEDIA_TYPES else FORM_MEDIA_TYPES[0]
    is_json = media_type == JSON_MEDIA_TYPE or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )
    return None if is_json else JSON_MEDIA_TYPE


async def _handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    expected = _expected_media_type(request)
    if expected is not None:
        return problem_response(
            status=415,
            code="unsupported-media-type",
            title="Unsupported media type",
            detail=f"Send the request body as {expected}.",
            instance=request.url.path,
            headers={"Accept-Post": expected} if request.method == "POST" else None,
        )
    return problem_response(
        status=422,
        code="validation-error",
        title="The request is not valid",
        detail="One or more fields are missing or invalid.",
        instance=request.url.path,
        extensions={"errors": _validation_errors(exc)},
    )


def unhandled_error_response(path: str) -> JSONResponse:
    """The 500 for a bug: the client gets the request id to report, never the cause."""
    return problem_response(
        status=500,
        code="internal-error",
        title="Internal server error",
        detail="An unexpected error occurred. Quote the request id when reporting it.",
        instance=path,
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _handle_problem)
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
