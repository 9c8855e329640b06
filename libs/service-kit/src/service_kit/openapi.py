"""The OpenAPI documents name every problem an operation can answer; 405s say what is allowed.

Every error is a problem (`service_kit.problems`, `application/problem+json`), so the
documents say so, with the codes an answer may carry for each status:

- `422` for every operation with parameters or a body: `validation-error` (FastAPI's own
  `HTTPValidationError` as `application/json` would be a lie) and `unstorable-value`, plus
  the route's own 422s;
- `401` (`unauthorized`, `invalid-token`) for every operation that needs an access token and
  `403` (`forbidden`) for those that need the admin role, read from the route's dependencies
  (`service_kit.auth.CurrentUser`, `RequireAdmin`);
- `503` with `Retry-After` for every operation (database or dependency trouble), `429` with
  `Retry-After` (the gateway's rate limits) for every operation, and for every operation with
  a body `400` (FastAPI's answer to a body it cannot decode), `413` (the gateway's limit)
  and `415` (a body in another media type);
- what a route raises itself, declared where it is raised from:
  `@router.get(..., responses=problem_responses(OrderNotFound, IllegalStatusTransition))`.

A 405 carries `Allow` with every method the path supports: Starlette names only those of
the first route whose path matches, and a path served by several routes has more.
"""

import copy
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from http import HTTPStatus
from typing import Any, get_args

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.params import Depends
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute

from service_kit.auth import CurrentUser, RequireAdmin
from service_kit.problems import (
    PROBLEM_CONTENT_TYPE,
    PROBLEM_TYPE_PREFIX,
    ProblemError,
    problem_response,
)

OpenApiResponses = dict[int | str, dict[str, Any]]
Document = dict[str, Any]

PROBLEM_SCHEMA_NAME = "Problem"
VALIDATION_ISSUE_SCHEMA_NAME = "ValidationIssue"
_PROBLEM_REF = f"#/components/schemas/{PROBLEM_SCHEMA_NAME}"
# What FastAPI documents for its 422 when nothing replaces it.
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": PROBLEM_SCHEMA_NAME,
    "description": "An RFC 9457 problem; `code` is stable and also ends `type`. Problems "
    "of one kind may carry extension members of their own.",
    "required": ["type", "code", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": f"`{PROBLEM_TYPE_PREFIX}<code>`"},
        "code": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The path asked for"},
        "request_id": {"type": "string", "description": "Quote it when reporting a problem"},
        "errors": {
            "type": "array",
            "description": "`validation-error` only: where and why, never the value sent",
            "items": {"$ref": f"#/components/schemas/{VALIDATION_ISSUE_SCHEMA_NAME}"},
        },
    },
}

VALIDATION_ISSUE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": VALIDATION_ISSUE_SCHEMA_NAME,
    "required": ["location", "message", "type"],
    "properties": {
        "location": {
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        },
        "message": {"type": "string"},
        "type": {"type": "string"},
    },
}

_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}
_WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "description": "The authentication scheme (RFC 9110), here `Bearer`",
        "required": True,
        "schema": {"type": "string"},
    }
}
# Statuses whose answers must carry these headers, whoever documents the status.
_STATUS_HEADERS: dict[int, dict[str, Any]] = {
    401: _WWW_AUTHENTICATE,
    429: _RETRY_AFTER,
    503: _RETRY_AFTER,
}


def _problem_schema(status: int, codes: Iterable[str] | None) -> dict[str, Any]:
    """A problem of this status; with `codes`, only those (None: any code)."""
    narrowed: dict[str, Any] = {"status": {"const": status}}
    if codes is not None:
        narrowed["code"] = {"enum": sorted(set(codes))}
    return {"allOf": [{"$ref": _PROBLEM_REF}, {"properties": narrowed}]}


def _problem_response(status: int, description: str, codes: Iterable[str] | None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": _problem_schema(status, codes)}},
    }
    if status in _STATUS_HEADERS:
        response["headers"] = copy.deepcopy(_STATUS_HEADERS[status])
    return response


def problem_responses(*errors: type[ProblemError]) -> OpenApiResponses:
    """What a route declares it can raise, for `responses=`: one problem response per status,
    listing the codes (and titles) of the errors given for it."""
    by_status: dict[int, list[type[ProblemError]]] = {}
    for error in errors:
        by_status.setdefault(error.status, []).append(error)
    declared: OpenApiResponses = {}
    for status, classes in sorted(by_status.items()):
        titles = list(dict.fromkeys(error.title for error in classes))
        declared[status] = _problem_response(
            status, "; ".join(titles), [error.code for error in classes]
        )
    return declared


# --- The problems every operation of a kind can answer -----------------------------------


def _dependency_of(alias: Any) -> Callable[..., Any]:
    """The callable behind an `Annotated[..., Depends(callable)]` alias."""
    marker = next(arg for arg in get_args(alias)[1:] if isinstance(arg, Depends))
    assert marker.dependency is not None
    return marker.dependency


_NEEDS_TOKEN = _dependency_of(CurrentUser)
_NEEDS_ADMIN = _dependency_of(RequireAdmin)


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _generic_problems(
    dependant: Dependant | None, operation: dict[str, Any]
) -> dict[int, dict[str, Any]]:
    calls = set(_calls(dependant)) if dependant is not None else set()
    generic: dict[int, dict[str, Any]] = {}
    if operation.get("parameters") or "requestBody" in operation:
        # unstorable-value: a value Postgres refused that validation let through (the net under
        # it, service_kit.database_errors).
        generic[422] = _problem_response(
            422, "The request is not valid", ["validation-error", "unstorable-value"]
        )
    if _NEEDS_TOKEN in calls or _NEEDS_ADMIN in calls:
        generic[401] = _problem_response(
            401, "No valid access token", ["unauthorized", "invalid-token"]
        )
    if _NEEDS_ADMIN in calls:
        generic[403] = _problem_response(403, "The access token is not an admin's", ["forbidden"])
    if "requestBody" in operation:
        # FastAPI's answer to a body it cannot even decode (not UTF-8, say).
        generic[400] = _problem_response(400, "The body cannot be read", ["bad-request"])
        generic[413] = _problem_response(
            413, "The body is larger than the gateway accepts", ["content-too-large"]
        )
        generic[415] = _problem_response(
            415, "The body is in another media type", ["unsupported-media-type"]
        )
    generic[429] = _problem_response(
        429, "Too many requests from this client (the gateway's rate limit)", ["too-many-requests"]
    )
    # Any code: the database's trouble, a dependency's, the gateway's own.
    generic[503] = _problem_response(
        503, "Temporarily unavailable (database or a dependency); retry after Retry-After", None
    )
    return generic


def _codes(response: dict[str, Any]) -> list[str] | None:
    """The codes a documented problem response allows (None: any)."""
    schema = response.get("content", {}).get(PROBLEM_CONTENT_TYPE, {}).get("schema", {})
    for part in schema.get("allOf", []):
        code = part.get("properties", {}).get("code")
        if code is not None:
            enum: list[str] = code["enum"]
            return enum
    return None


def _is_problem(response: dict[str, Any]) -> bool:
    return PROBLEM_CONTENT_TYPE in response.get("content", {})


def _is_fastapi_validation_error(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref") == f"#/components/schemas/{_FASTAPI_VALIDATION_SCHEMAS[0]}")


def _merge(status: int, documented: dict[str, Any] | None, generic: dict[str, Any]) -> Any:
    """The route's own problems of this status and the generic ones, in one response."""
    if documented is None or _is_fastapi_validation_error(documented):
        return generic
    if not _is_problem(documented):
        return documented  # an answer of the route's own kind (readyz's 503, say)
    declared, common = _codes(documented), _codes(generic)
    codes = None if declared is None or common is None else [*declared, *common]
    description = "; ".join(dict.fromkeys([documented["description"], generic["description"]]))
    return _problem_response(status, description, codes)


def _document_operation(dependant: Dependant | None, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for response in responses.values():
        if _is_problem(response):
            # FastAPI adds the route's own media type (with an empty schema) to every
            # response it is given; a problem is only ever a problem.
            response["content"] = {PROBLEM_CONTENT_TYPE: response["content"][PROBLEM_CONTENT_TYPE]}
    for status, generic in _generic_problems(dependant, operation).items():
        responses[str(status)] = _merge(status, responses.get(str(status)), generic)
    operation["responses"] = dict(sorted(responses.items()))


def _is_referenced(document: Document, name: str) -> bool:
    schemas = document.get("components", {}).get("schemas", {})
    elsewhere = (
        {key: part for key, part in document.items() if key != "components"},
        {other: schema for other, schema in schemas.items() if other != name},
    )
    return f'"#/components/schemas/{name}"' in json.dumps(elsewhere)


def _empty_form_fields_are_missing(document: Document) -> None:
    """FastAPI reads an empty form field as a missing one: a required string field of a
    form needs at least one character, whatever its model says. And a form cannot send a
    null: leaving a field out is what makes it None."""
    schemas = document.get("components", {}).get("schemas", {})
    for item in document.get("paths", {}).values():
        for operation in item.values():
            content = operation.get("requestBody", {}).get("content", {})
            form = content.get("application/x-www-form-urlencoded", {}).get("schema", {})
            name = form.get("$ref", "").removeprefix("#/components/schemas/")
            schema = schemas.get(name, form)
            for field, field_schema in schema.get("properties", {}).items():
                choices = field_schema.get("anyOf", [])
                if {"type": "null"} in choices:
                    choices.remove({"type": "null"})
                    if len(choices) == 1:
                        field_schema.update(field_schema.pop("anyOf")[0])
                if field in schema.get("required", []) and field_schema.get("type") == "string":
                    field_schema["minLength"] = max(field_schema.get("minLength", 0), 1)


def document_problems(document: Document, routes: Sequence[BaseRoute]) -> Document:
    """A copy of `document` (FastAPI's OpenAPI for `routes`) in which every operation
    documents its problem responses as problems."""
    documented = copy.deepcopy(document)
    paths: dict[str, dict[str, Any]] = documented.get("paths", {})
    for route in iter_route_contexts(routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        path_item = paths.get(route.path_format or "", {})
        for method in route.methods or ():
            operation = path_item.get(method.lower())
            if operation is not None:
                _document_operation(route.dependant, operation)
    _empty_form_fields_are_missing(documented)
    schemas: dict[str, Any] = documented.setdefault("components", {}).setdefault("schemas", {})
    schemas[PROBLEM_SCHEMA_NAME] = copy.deepcopy(PROBLEM_SCHEMA)
    schemas[VALIDATION_ISSUE_SCHEMA_NAME] = copy.deepcopy(VALIDATION_ISSUE_SCHEMA)
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        if name in schemas and not _is_referenced(documented, name):
            del schemas[name]
    documented["components"]["schemas"] = dict(sorted(schemas.items()))
    return documented


# --- 405 -----------------------------------------------------------------------------------


def allowed_methods(routes: Sequence[BaseRoute], path: str) -> list[str]:
    """Every method some route serves at `path`, sorted."""
    allowed: set[str] = set()
    for route in iter_route_contexts(routes):
        path_regex = getattr(route, "path_regex", None)
        if route.methods and path_regex is not None and path_regex.match(path):
            allowed |= route.methods
    return sorted(allowed)


async def _method_not_allowed(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    allowed = allowed_methods(request.app.router.routes, request.scope["path"])
    headers = dict(exc.headers or {})
    headers["Allow"] = ", ".join(allowed)
    return problem_response(
        status=405,
        code="method-not-allowed",
        title=HTTPStatus.METHOD_NOT_ALLOWED.phrase,
        detail="This method is not allowed here; Allow lists those that are.",
        instance=request.url.path,
        headers=headers,
    )


def install_api_contract(app: FastAPI) -> None:
    """The app's OpenAPI document names its problems; its 405s carry a complete `Allow`."""
    generate = app.openapi

    def openapi() -> Document:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(generate(), app.routes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way
    app.add_exception_handler(405, _method_not_allowed)
