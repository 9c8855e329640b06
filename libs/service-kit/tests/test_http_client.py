"""Outgoing service calls carry the caller's request id and bounded timeouts."""

import httpx
from fastapi import FastAPI, Request

from service_kit.http_client import create_service_client
from service_kit.request_context import set_request_id


async def test_request_id_is_forwarded_to_the_called_service() -> None:
    called = FastAPI()

    @called.get("/echo")
    async def echo(request: Request) -> dict[str, str | None]:
        return {"request_id": request.headers.get("X-Request-ID")}

    set_request_id("forward-me")
    async with create_service_client(
        "http://called",
        connect_timeout_seconds=1,
        read_timeout_seconds=1,
        transport=httpx.ASGITransport(app=called),
    ) as client:
        response = await client.get("/echo")

    assert response.json() == {"request_id": "forward-me"}


def test_every_timeout_phase_is_bounded() -> None:
    client = create_service_client(
        "http://called", connect_timeout_seconds=0.5, read_timeout_seconds=2
    )

    assert client.timeout.connect == 0.5
    assert client.timeout.read == 2
    assert client.timeout.write == 2
    assert client.timeout.pool == 0.5
