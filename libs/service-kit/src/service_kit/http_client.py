"""HTTP clients for service-to-service calls: bounded timeouts, request id forwarded."""

import httpx

from service_kit.request_context import REQUEST_ID_HEADER, current_request_id


async def _forward_request_id(request: httpx.Request) -> None:
    request_id = current_request_id()
    if request_id is not None:
        request.headers[REQUEST_ID_HEADER] = request_id


def create_service_client(
    base_url: str,
    *,
    connect_timeout_seconds: float,
    read_timeout_seconds: float,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """A client for one other service. Never unbounded: every phase has a timeout."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(
            connect=connect_timeout_seconds,
            read=read_timeout_seconds,
            write=read_timeout_seconds,
            pool=connect_timeout_seconds,
        ),
        event_hooks={"request": [_forward_request_id]},
        transport=transport,
    )
