"""Every error is an RFC 9457 problem; nothing internal leaks."""

import logging
from typing import ClassVar

import httpx
import pytest

from service_kit.problems import ServiceUnavailable
from service_kit_testing.probe_app import PREFIX

PROBLEM = "application/problem+json"


async def test_unknown_route_is_a_problem_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{PREFIX}/nowhere")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == 404
    assert body["code"] == "not-found"
    assert body["type"] == "urn:shop:problem:not-found"
    assert body["instance"] == f"{PREFIX}/nowhere"


async def test_wrong_method_is_a_problem_405(client: httpx.AsyncClient) -> None:
    response = await client.delete(f"{PREFIX}/count")

    assert response.status_code == 405
    assert response.json()["code"] == "method-not-allowed"


async def test_validation_error_names_fields_and_never_echoes_input(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        f"{PREFIX}/items", json={"name": "x", "password": "hunter2-short"[:7]}
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == "validation-error"
    locations = {tuple(error["location"]) for error in body["errors"]}
    assert locations == {("body", "name"), ("body", "password")}
    assert "hunter2" not in response.text


async def test_malformed_json_is_a_validation_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{PREFIX}/items", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation-error"


@pytest.mark.parametrize(
    ("path", "content_type", "expected"),
    [
        ("items", "text/plain", "application/json"),
        ("items", "application/x-www-form-urlencoded", "application/json"),
        ("items", None, "application/json"),
        ("sign-in", "application/json", "application/x-www-form-urlencoded"),
    ],
)
async def test_a_body_in_another_media_type_is_a_415(
    client: httpx.AsyncClient, path: str, content_type: str | None, expected: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post(
        f"{PREFIX}/{path}",
        content=b'{"name": "mug", "password": "long-enough-password", "username": "a"}',
        headers=headers,
    )

    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["accept-post"] == expected
    assert response.json()["code"] == "unsupported-media-type"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("items", "application/json; charset=utf-8"), ("items", "application/merge-patch+json")],
)
async def test_json_in_any_json_media_type_is_accepted(
    client: httpx.AsyncClient, path: str, content_type: str
) -> None:
    response = await client.post(
        f"{PREFIX}/{path}",
        content=b'{"name": "mug", "password": "long-enough-password"}',
        headers={"content-type": content_type},
    )

    assert response.status_code == 201, response.text


async def test_a_form_is_accepted_where_a_form_is_expected(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{PREFIX}/sign-in", data={"username": "ann"})

    assert response.json() == {"username": "ann"}


async def test_domain_error_keeps_its_status_code_and_extensions(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(f"{PREFIX}/items-then-fail")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "out-of-widgets"
    assert body["title"] == "Out of widgets"
    assert body["detail"] == "No widgets left."
    assert body["available"] == 0


async def test_unhandled_error_is_a_logged_500_without_internals(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = await client.get(f"{PREFIX}/crash", headers={"X-Request-ID": "crash-1"})

    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["request_id"] == "crash-1"
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    assert any(record.exc_info for record in caplog.records if record.levelno == logging.ERROR)


def test_a_problem_carries_its_class_headers_and_those_of_the_raise_site() -> None:
    class Busy(ServiceUnavailable):
        code = "busy"
        title = "Busy"
        default_headers: ClassVar = {"Retry-After": "1"}

    busy = Busy("Try again shortly.", headers={"X-Queue": "full"})

    assert busy.headers == {"Retry-After": "1", "X-Queue": "full"}
    assert Busy("again").headers == {"Retry-After": "1"}
    assert Busy.default_headers == {"Retry-After": "1"}  # the class's own stays unchanged
