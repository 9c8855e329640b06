"""Request ids, access logs, metrics."""

import json
import logging

import httpx
import pytest

from service_kit.observability import JsonFormatter
from service_kit_testing.probe_app import PREFIX


async def test_client_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{PREFIX}/healthz", headers={"X-Request-ID": "abc-123"})

    assert response.headers["X-Request-ID"] == "abc-123"


async def test_missing_request_id_is_generated(client: httpx.AsyncClient) -> None:
    first = await client.get(f"{PREFIX}/healthz")
    second = await client.get(f"{PREFIX}/healthz")

    assert len(first.headers["X-Request-ID"]) >= 16
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


async def test_unsafe_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{PREFIX}/healthz", headers={"X-Request-ID": 'a b"<script>'})

    assert response.headers["X-Request-ID"] != 'a b"<script>'
    assert response.headers["X-Request-ID"].isalnum()


async def test_one_json_access_line_per_request(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="access"):
        await client.get(f"{PREFIX}/nowhere", headers={"X-Request-ID": "log-me"})

    access = [record for record in caplog.records if record.name == "access"]
    assert len(access) == 1
    line = json.loads(JsonFormatter("probe").format(access[0]))
    assert line["method"] == "GET"
    assert line["path"] == f"{PREFIX}/nowhere"
    assert line["status"] == 404
    assert line["request_id"] == "log-me"
    assert line["service"] == "probe"
    assert isinstance(line["duration_ms"], float)


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get(f"{PREFIX}/healthz")

    metrics = await client.get("/metrics")

    assert metrics.status_code == 200
    assert f'route="{PREFIX}/healthz"' in metrics.text
    assert "http_request_duration_seconds_bucket" in metrics.text


async def test_a_trailing_slash_is_a_404_never_a_redirect_to_the_clients_host(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        f"{PREFIX}/count/", params={"note": "x"}, headers={"Host": "evil.example"}
    )

    assert response.status_code == 404
    assert "location" not in response.headers
    assert "evil.example" not in response.text
