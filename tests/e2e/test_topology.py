"""The walking skeleton, through the gateway, with every real part running."""

import httpx
import pytest

from e2e_testing.stack import Shop

SERVICES = ["users", "catalog", "orders"]


@pytest.mark.parametrize("service", SERVICES)
def test_service_is_alive_through_the_gateway(gateway: httpx.Client, service: str) -> None:
    response = gateway.get(f"/api/{service}/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("service", SERVICES)
def test_service_is_ready_with_its_database_through_pgbouncer(
    gateway: httpx.Client, service: str
) -> None:
    response = gateway.get(f"/api/{service}/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["database"] == "ok"


def test_orders_reaches_catalog_over_the_internal_network(gateway: httpx.Client) -> None:
    response = gateway.get("/api/orders/readyz")

    assert response.json()["dependencies"] == {"catalog": "ok"}


def test_client_request_id_comes_back(gateway: httpx.Client) -> None:
    response = gateway.get("/api/catalog/healthz", headers={"X-Request-ID": "e2e-trace-42"})

    assert response.headers.get_list("X-Request-ID") == ["e2e-trace-42"]


def test_request_id_is_generated_when_missing(gateway: httpx.Client) -> None:
    first = gateway.get("/api/users/healthz")
    second = gateway.get("/api/users/healthz")

    assert len(first.headers["X-Request-ID"]) >= 16
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_the_service_sees_the_gateway_request_id(gateway: httpx.Client) -> None:
    # The id appears in the service's own problem body: it was forwarded, not only echoed.
    response = gateway.get("/api/orders/no-such-thing", headers={"X-Request-ID": "seen-inside"})

    assert response.status_code == 404
    assert response.json()["request_id"] == "seen-inside"


@pytest.mark.parametrize(
    "path",
    [
        "/metrics",
        "/internal/reservations",
        "/api/catalog/internal/reservations",
        "/api/catalog/metrics",
        "/api/orders/metrics",
        "/api/users/internal",
    ],
)
def test_internal_and_metrics_are_not_routed_from_outside(gateway: httpx.Client, path: str) -> None:
    response = gateway.get(path)

    assert response.status_code == 404
    assert response.json()["code"] == "not-found"


@pytest.mark.parametrize("path", ["/", "/nope", "/api/nope/healthz", "/api/catalog"])
def test_unknown_path_is_a_json_404(gateway: httpx.Client, path: str) -> None:
    response = gateway.get(path)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


def test_oversized_body_is_a_json_413(gateway: httpx.Client) -> None:
    response = gateway.post("/api/users/anything", content=b"x" * (2 * 1024 * 1024))

    assert response.status_code == 413
    assert response.json()["code"] == "content-too-large"


def test_one_docs_page_lists_the_three_apis(gateway: httpx.Client) -> None:
    page = gateway.get("/docs")

    assert page.status_code == 200
    for service in SERVICES:
        assert f"/api/{service}/openapi.json" in page.text
        assert gateway.get(f"/api/{service}/openapi.json").status_code == 200


@pytest.mark.parametrize("path", ["/api/catalog/products", "/api/nope", "/docs"])
def test_every_answer_carries_the_security_headers(gateway: httpx.Client, path: str) -> None:
    headers = gateway.get(path).headers

    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_the_api_may_run_nothing_in_a_browser(gateway: httpx.Client) -> None:
    policy = gateway.get("/api/catalog/products").headers["Content-Security-Policy"]

    assert policy.startswith("default-src 'none'")
    assert "script-src" not in policy


@pytest.mark.parametrize("path", ["/api/catalog/products/", "/api/orders/orders/"])
def test_no_redirect_echoes_the_clients_host(gateway: httpx.Client, path: str) -> None:
    response = gateway.get(path, headers={"Host": "evil.example"})

    assert response.status_code == 404
    assert "location" not in response.headers
    assert "evil.example" not in response.text


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_can_reach_postgres(shop: Shop, service: str) -> None:
    # Its PgBouncer's socket is its only way to its data; Postgres is on another network.
    probe = (
        "import socket, sys\n"
        "try:\n"
        "    socket.create_connection(('postgres', 5432), timeout=2)\n"
        "except OSError:\n"
        "    sys.exit(0)\n"
        "sys.exit(1)\n"
    )
    for replica in shop.replicas(service):
        exit_code, output = replica.exec_run(["python", "-c", probe])

        assert exit_code == 0, output.decode(errors="replace")


def test_a_request_line_the_gateway_cannot_read_is_a_json_400(gateway: httpx.Client) -> None:
    response = gateway.get("/api/catalog/products/a%00b")

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "bad-request"
