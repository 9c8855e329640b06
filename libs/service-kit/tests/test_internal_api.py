"""The service-key check of internal endpoints: which caller presents which key."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from service_kit.internal_api import InternalApiSettings, InvalidServiceCredential, ServiceCaller
from service_kit.problems import install_problem_handlers

ORDERS_KEY = "orders-key-0123456789"
AUDIT_KEY = "audit-key-0123456789"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.state.settings = InternalApiSettings(
        database_url="postgresql+asyncpg://svc:a-password@/shop",
        internal_api_keys=f"orders:{ORDERS_KEY} audit:{AUDIT_KEY}",
    )
    install_problem_handlers(app)

    @app.get("/internal/whoami")
    async def whoami(caller: ServiceCaller) -> dict[str, str]:
        return {"caller": caller}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        yield client


@pytest.mark.parametrize(("key", "caller"), [(ORDERS_KEY, "orders"), (AUDIT_KEY, "audit")])
async def test_each_key_names_its_caller(client: httpx.AsyncClient, key: str, caller: str) -> None:
    response = await client.get("/internal/whoami", headers={"Authorization": f"Bearer {key}"})

    assert response.json() == {"caller": caller}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer orders-key-012345678"},
        {"Authorization": f"Basic {ORDERS_KEY}"},
    ],
    ids=["none", "almost-a-key", "not-bearer"],
)
async def test_no_key_or_another_is_a_401(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/internal/whoami", headers=headers)

    assert response.status_code == 401
    assert response.json()["code"] == InvalidServiceCredential.code
    assert response.headers["www-authenticate"] == 'Bearer realm="internal"'
