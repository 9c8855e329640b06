"""The OpenAPI documents name every problem an operation can answer; 405s name what is allowed.

Plain FastAPI apps with the kit's handlers: nothing here needs a database. The documented
schemas are checked with jsonschema-rs, the validator the API contract test (Schemathesis)
checks the running shop's answers with.
"""

import json
from typing import Annotated, Any

import httpx
import jsonschema_rs
import pytest
from fastapi import APIRouter, FastAPI, Form, Query

from service_kit.app import create_service_app
from service_kit.auth import CurrentUser, RequireAdmin
from service_kit.openapi import install_api_contract, problem_responses
from service_kit.problems import (
    PROBLEM_CONTENT_TYPE,
    Conflict,
    NotFound,
    UnprocessableContent,
    install_problem_handlers,
    problem_response,
)
from service_kit.settings import ServiceSettings

PROBLEM_SCHEMA_REF = "#/components/schemas/Problem"


class WidgetNotFound(NotFound):
    code = "widget-not-found"
    title = "Widget not found"


class WidgetSold(Conflict):
    code = "widget-sold"
    title = "Widget already sold"


class WidgetLocked(Conflict):
    code = "widget-locked"
    title = "Widget locked"


class WidgetTooHeavy(UnprocessableContent):
    code = "widget-too-heavy"
    title = "Widget too heavy"


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    install_api_contract(app)
    widgets = APIRouter(prefix="/widgets")

    @widgets.get("/{ref}", responses=problem_responses(WidgetNotFound))
    async def read_widget(ref: str) -> dict[str, str]:
        raise WidgetNotFound(f"No widget {ref}.")

    @widgets.patch(
        "/{widget_id}",
        responses=problem_responses(WidgetNotFound, WidgetSold, WidgetLocked, WidgetTooHeavy),
    )
    async def update_widget(widget_id: int, _user: CurrentUser) -> dict[str, str]:
        return {}

    @widgets.delete("/{widget_id}", status_code=204)
    async def delete_widget(widget_id: int, _admin: RequireAdmin) -> None:
        return None

    @widgets.post("", status_code=201)
    async def create_widget(body: dict[str, int]) -> dict[str, int]:
        return body

    app.include_router(widgets)

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"ping": "pong"}

    @app.get("/ready", responses={503: {"description": "Not ready", "model": dict[str, str]}})
    async def ready() -> dict[str, str]:
        return {}

    @app.post("/login")
    async def login(
        username: Annotated[str, Form()], scope: Annotated[str | None, Form()] = None
    ) -> dict[str, str]:
        return {}

    @app.get("/search")
    async def search(q: Annotated[str, Query(min_length=1)]) -> list[str]:
        return []

    return app


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return _app().openapi()


def _responses(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    responses: dict[str, Any] = document["paths"][path][method]["responses"]
    return responses


def _problem_schema(response: dict[str, Any]) -> dict[str, Any]:
    assert list(response["content"]) == [PROBLEM_CONTENT_TYPE]
    schema: dict[str, Any] = response["content"][PROBLEM_CONTENT_TYPE]["schema"]
    return schema


def _validator(document: dict[str, Any], response: dict[str, Any]) -> Any:
    # The components travel along, so that the schema's $ref resolves as in the document.
    schema = {**_problem_schema(response), "components": document["components"]}
    return jsonschema_rs.validator_for(schema)


def _body(response: Any) -> Any:
    return json.loads(bytes(response.body))


def test_declared_problems_are_documented_with_their_codes_and_titles(
    document: dict[str, Any],
) -> None:
    responses = _responses(document, "/widgets/{widget_id}", "patch")

    conflict = responses["409"]
    assert conflict["description"] == "Widget already sold; Widget locked"
    validator = _validator(document, conflict)
    sold = problem_response(status=409, code="widget-sold", title="t", detail="d")
    other = problem_response(status=409, code="something-else", title="t", detail="d")
    assert validator.is_valid(_body(sold))
    assert not validator.is_valid(_body(other))
    assert _validator(document, responses["404"]).is_valid(
        _body(problem_response(status=404, code="widget-not-found", title="t", detail="d"))
    )


def test_a_problem_of_another_status_does_not_match(document: dict[str, Any]) -> None:
    responses = _responses(document, "/widgets/{ref}", "get")

    wrong_status = problem_response(status=409, code="widget-not-found", title="t", detail="d")
    assert not _validator(document, responses["404"]).is_valid(_body(wrong_status))


def test_validation_errors_are_problems_not_fastapis_json(document: dict[str, Any]) -> None:
    responses = _responses(document, "/search", "get")

    validator = _validator(document, responses["422"])
    invalid = problem_response(
        status=422,
        code="validation-error",
        title="t",
        detail="d",
        extensions={"errors": [{"location": ["query", "q"], "message": "m", "type": "missing"}]},
    )
    assert validator.is_valid(_body(invalid))
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "ValidationError" not in document["components"]["schemas"]


def test_a_routes_own_422_keeps_validation_errors_beside_it(document: dict[str, Any]) -> None:
    responses = _responses(document, "/widgets/{widget_id}", "patch")

    validator = _validator(document, responses["422"])
    for code in ("validation-error", "widget-too-heavy"):
        assert validator.is_valid(
            _body(problem_response(status=422, code=code, title="t", detail="d"))
        )


def test_an_operation_without_parameters_has_no_validation_error(
    document: dict[str, Any],
) -> None:
    assert "422" not in _responses(document, "/ping", "get")


def test_operations_that_need_a_token_document_401_with_www_authenticate(
    document: dict[str, Any],
) -> None:
    responses = _responses(document, "/widgets/{widget_id}", "patch")

    assert responses["401"]["headers"]["WWW-Authenticate"]["required"] is True
    validator = _validator(document, responses["401"])
    for code in ("unauthorized", "invalid-token"):
        assert validator.is_valid(
            _body(problem_response(status=401, code=code, title="t", detail="d"))
        )
    assert "403" not in responses


def test_operations_for_admins_document_401_and_403(document: dict[str, Any]) -> None:
    responses = _responses(document, "/widgets/{widget_id}", "delete")

    assert {"401", "403"} <= set(responses)
    assert _validator(document, responses["403"]).is_valid(
        _body(problem_response(status=403, code="forbidden", title="t", detail="d"))
    )


def test_anonymous_operations_document_no_401(document: dict[str, Any]) -> None:
    responses = _responses(document, "/widgets/{ref}", "get")

    assert "401" not in responses
    assert "403" not in responses


def test_every_operation_documents_503_and_429_with_retry_after(
    document: dict[str, Any],
) -> None:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            for status in ("429", "503"):
                if path == "/ready" and status == "503":
                    continue
                assert responses[status]["headers"]["Retry-After"]["required"] is True, (
                    method,
                    path,
                    status,
                )
                _problem_schema(responses[status])


def test_only_operations_with_a_body_document_400_and_413(document: dict[str, Any]) -> None:
    assert {"400", "413"} <= set(_responses(document, "/widgets", "post"))
    assert not {"400", "413"} & set(_responses(document, "/widgets/{ref}", "get"))


async def test_a_body_that_cannot_be_decoded_is_the_documented_400(
    document: dict[str, Any],
) -> None:
    response = await _request(
        _app(),
        "POST",
        "/widgets",
        content=b'{"a": "\xff"}',  # not UTF-8
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 400
    validator = _validator(document, _responses(document, "/widgets", "post")["400"])
    assert validator.is_valid(response.json())


def test_a_routes_own_answer_of_another_kind_stays(document: dict[str, Any]) -> None:
    unavailable = _responses(document, "/ready", "get")["503"]

    assert unavailable["description"] == "Not ready"
    assert list(unavailable["content"]) == ["application/json"]


def test_the_kits_apps_document_their_problems() -> None:
    settings = ServiceSettings(
        database_url="postgresql+asyncpg://u:p@localhost/db", environment="test"
    )
    app = create_service_app(name="probe", settings=settings, api_prefix="/api/probe")

    @app.get("/api/probe/me")
    async def me(user: CurrentUser) -> dict[str, str]:
        return {}

    responses = _responses(app.openapi(), "/api/probe/me", "get")
    assert {"401", "429", "503"} <= set(responses)


async def _request(app: FastAPI, method: str, path: str, **options: Any) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        return await client.request(method, path, **options)


@pytest.mark.parametrize("method", ["PUT", "OPTIONS", "TRACE", "HEAD"])
async def test_405_allows_every_method_of_the_path_over_all_its_routes(method: str) -> None:
    # GET /widgets/{ref}, PATCH and DELETE /widgets/{widget_id}: one path, three routes.
    response = await _request(_app(), method, "/widgets/7")

    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PATCH"
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    if method != "HEAD":
        assert response.json()["code"] == "method-not-allowed"


async def test_405_allow_names_only_the_routes_that_match_the_path() -> None:
    # "abc" is no widget_id (an int), yet FastAPI matches paths before converting them.
    response = await _request(_app(), "POST", "/widgets/abc")

    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PATCH"
    assert (await _request(_app(), "DELETE", "/ping")).headers["allow"] == "GET"


def _form_schema(document: dict[str, Any]) -> dict[str, Any]:
    body = document["paths"]["/login"]["post"]["requestBody"]["content"]
    name = body["application/x-www-form-urlencoded"]["schema"]["$ref"].rsplit("/", 1)[1]
    schema: dict[str, Any] = document["components"]["schemas"][name]
    return schema


def test_a_required_form_field_needs_a_character(document: dict[str, Any]) -> None:
    # FastAPI reads `username=` as no username at all.
    assert _form_schema(document)["properties"]["username"]["minLength"] == 1


def test_a_form_field_offers_no_null(document: dict[str, Any]) -> None:
    # A form cannot send a null; `scope=null` would be the string "null".
    assert _form_schema(document)["properties"]["scope"]["type"] == "string"
    assert "anyOf" not in _form_schema(document)["properties"]["scope"]


async def test_an_empty_required_form_field_is_refused_as_missing() -> None:
    response = await _request(_app(), "POST", "/login", data={"username": ""})

    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "missing"
