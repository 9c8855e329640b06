import httpx

from orders.main import create_app
from orders.settings import OrdersSettings
from testing_kit.fixtures import serve


async def test_alive(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/orders/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_its_database_answers_through_pgbouncer(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/orders/readyz")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"


async def test_openapi_is_served_under_the_service_prefix(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/orders/openapi.json")

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Shop orders service"


async def test_stays_ready_and_reports_catalog_down(settings: OrdersSettings) -> None:
    unreachable_catalog = settings.model_copy(
        update={"catalog_base_url": "http://127.0.0.1:9", "catalog_connect_timeout_seconds": 0.5}
    )
    async with serve(create_app(unreachable_catalog)) as client:
        response = await client.get("/api/orders/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "database": "ok",
        "dependencies": {"catalog": "failing"},
    }
