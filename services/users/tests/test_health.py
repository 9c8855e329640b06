import httpx


async def test_alive(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/users/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_when_its_database_answers_through_pgbouncer(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/users/readyz")

    assert response.status_code == 200
    assert response.json()["database"] == "ok"


async def test_openapi_is_served_under_the_service_prefix(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/users/openapi.json")

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Shop users service"
