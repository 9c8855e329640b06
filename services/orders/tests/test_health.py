from orders.main import create_app
from orders.settings import OrdersSettings
from testing_kit.fixtures import serve
from testing_kit.service_checks import HealthChecks


class TestHealth(HealthChecks):
    api_prefix = "/api/orders"
    openapi_title = "Shop orders service"


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
