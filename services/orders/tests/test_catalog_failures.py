"""Catalog slow, failing or down while an order is placed: bounded, retried where safe, clean.

Faults are injected at the HTTP boundary; refused connections, dropped connections and read
timeouts are real sockets too. Whatever happens, the client gets orders' own 503 with
Retry-After within the call deadline (never a 500, nor a gateway's 502/504 for want of an
answer), no order becomes visible, and the placeholder left behind is for the reconciler,
which gives every unit back (test_reconciliation.py). Confirm and cancel: test_status_machine.
"""

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from orders.catalog_client.client import CatalogClient
from orders.catalog_client.errors import CatalogUnreachable
from orders.settings import OrdersSettings
from orders_testing.fake_catalog import FakeCatalog, Fault
from orders_testing.placing import Actor, holds_of, place
from orders_testing.recovery import Resolve

# The deadline in the test settings, plus slack for a slow machine.
BOUND_SECONDS = 2.0 + 1.5


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
async def silent_catalog() -> AsyncIterator[str]:
    """A server that accepts connections and reads requests but never answers."""

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read()  # until the client gives up and closes
        finally:
            writer.close()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
async def closing_catalog() -> AsyncIterator[str]:
    """A server that accepts connections and closes them at once, as one restarting does."""

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


async def _assert_unavailable_and_nothing_visible(
    client: httpx.AsyncClient, customer: Actor, response: httpx.Response, elapsed: float
) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "catalog-unavailable"
    assert int(response.headers["Retry-After"]) > 0
    assert elapsed < BOUND_SECONDS
    listed = await client.get("/api/orders/orders", headers=customer.headers)
    assert listed.json()["items"] == []


@pytest.mark.parametrize("kind", ["timeout", "server-error", "refuse"])
async def test_a_failing_catalog_is_retried_then_a_503_without_an_order(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, kind: Any
) -> None:
    mug = fake_catalog.add_product(stock=10)
    fake_catalog.faults.append(Fault(kind, times=100))

    started = time.monotonic()
    response = await place(client, customer, (mug, 1))

    await _assert_unavailable_and_nothing_visible(
        client, customer, response, time.monotonic() - started
    )
    assert len(fake_catalog.reservation_calls()) == 3  # catalog_retry_attempts
    assert fake_catalog.stock(mug) == (10, 0, 0)


# Every way catalog can fail to give a usable answer: down, going down mid-request, timing
# out, hanging, answering 5xx (its own or a proxy's), or answering something unreadable.
FAILURES: list[tuple[Any, int]] = [
    ("refuse", 0),
    ("disconnect", 0),
    ("timeout", 0),
    ("hang", 0),
    ("server-error", 500),
    ("server-error", 502),
    ("server-error", 503),
    ("server-error", 504),
    ("garbage", 0),
    ("undecodable", 0),
    ("lose-answer", 0),
]


@pytest.mark.parametrize(("kind", "status"), FAILURES)
async def test_every_catalog_failure_is_orders_own_503_and_loses_nothing(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
    resolve: Resolve,
    kind: Any,
    status: int,
) -> None:
    mug = fake_catalog.add_product(stock=10)
    fake_catalog.faults.append(Fault(kind, times=100, status=status or 503))

    started = time.monotonic()
    response = await place(client, customer, (mug, 2), idempotency_key="during-the-fault")

    await _assert_unavailable_and_nothing_visible(
        client, customer, response, time.monotonic() - started
    )
    fake_catalog.faults.clear()
    assert await resolve() == 1  # the reconciler gives back whatever catalog may hold
    assert fake_catalog.stock(mug) == (10, 0, 0)
    assert await holds_of(database_rows, customer) == (0, 0)
    again = await place(client, customer, (mug, 2), idempotency_key="during-the-fault")
    assert again.status_code == 201
    assert fake_catalog.stock(mug) == (8, 2, 0)


async def test_a_catalog_answer_orders_could_not_store_is_a_503(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
    resolve: Resolve,
) -> None:
    # Catalog refuses such names itself; orders does not rely on it.
    mug = fake_catalog.add_product(stock=10, name="Mug\x00")

    response = await place(client, customer, (mug, 1))

    assert response.status_code == 503
    assert await resolve() == 1
    assert fake_catalog.stock(mug) == (10, 0, 0)
    assert await database_rows("SELECT id FROM orders.orders") == []


async def test_a_hanging_catalog_is_cut_off_at_the_deadline(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    fake_catalog.faults.append(Fault("hang"))

    started = time.monotonic()
    response = await place(client, customer, (fake_catalog.add_product(), 1))

    await _assert_unavailable_and_nothing_visible(
        client, customer, response, time.monotonic() - started
    )


async def test_a_catalog_that_never_answers_is_a_503_after_read_timeouts(
    serve_orders: Callable[..., Any],
    settings: OrdersSettings,
    customer: Actor,
    silent_catalog: str,
) -> None:
    silent = settings.model_copy(update={"catalog_base_url": silent_catalog})
    async with serve_orders(silent, over_the_network=True) as client:
        started = time.monotonic()
        response = await place(client, customer, (FakeCatalog("x").add_product(), 1))

        await _assert_unavailable_and_nothing_visible(
            client, customer, response, time.monotonic() - started
        )


async def test_a_catalog_dropping_connections_is_a_503(
    serve_orders: Callable[..., Any],
    settings: OrdersSettings,
    customer: Actor,
    closing_catalog: str,
) -> None:
    restarting = settings.model_copy(update={"catalog_base_url": closing_catalog})
    async with serve_orders(restarting, over_the_network=True) as client:
        started = time.monotonic()
        response = await place(client, customer, (FakeCatalog("x").add_product(), 1))

        await _assert_unavailable_and_nothing_visible(
            client, customer, response, time.monotonic() - started
        )


async def test_a_release_with_no_time_left_does_not_ask_catalog(
    catalog_client: CatalogClient, fake_catalog: FakeCatalog
) -> None:
    with pytest.raises(CatalogUnreachable):
        await catalog_client.release(key="order-x", within_seconds=0)

    assert fake_catalog.calls == []


async def test_a_release_ends_within_the_time_its_caller_has_left(
    catalog_client: CatalogClient, fake_catalog: FakeCatalog
) -> None:
    # A placement's follow-up release gets what is left of its one catalog deadline (2 s).
    fake_catalog.faults.append(Fault("hang", path="/release"))

    started = time.monotonic()
    with pytest.raises(CatalogUnreachable):
        await catalog_client.release(key="order-x", within_seconds=0.2)

    assert time.monotonic() - started < 1.0


async def test_a_catalog_refusing_connections_is_a_503(
    serve_orders: Callable[..., Any], settings: OrdersSettings, customer: Actor
) -> None:
    down = settings.model_copy(update={"catalog_base_url": f"http://127.0.0.1:{_free_port()}"})
    async with serve_orders(down, over_the_network=True) as client:
        started = time.monotonic()
        response = await place(client, customer, (FakeCatalog("x").add_product(), 1))

        await _assert_unavailable_and_nothing_visible(
            client, customer, response, time.monotonic() - started
        )


async def test_a_transient_failure_is_retried_into_a_single_reservation(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    mug = fake_catalog.add_product(stock=10)
    fake_catalog.faults.append(Fault("server-error"))

    response = await place(client, customer, (mug, 2))

    assert response.status_code == 201
    assert len(fake_catalog.reservation_calls()) == 2
    assert fake_catalog.stock(mug) == (8, 2, 0)


async def test_a_lost_answer_is_retried_with_the_same_key_and_reserves_once(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    mug = fake_catalog.add_product(stock=10)
    fake_catalog.faults.append(Fault("lose-answer"))

    response = await place(client, customer, (mug, 2))

    assert response.status_code == 201
    first, retry = fake_catalog.reservation_calls()
    assert first.body == retry.body
    assert list(fake_catalog.reservations) == [f"order-{response.json()['id']}"]
    assert fake_catalog.stock(mug) == (8, 2, 0)


async def test_a_rejected_service_credential_is_a_503_and_not_retried(
    serve_orders: Callable[..., Any],
    settings: OrdersSettings,
    fake_catalog: FakeCatalog,
    customer: Actor,
) -> None:
    wrong_key = settings.model_copy(update={"catalog_service_key": SecretStr("x" * 32)})
    async with serve_orders(wrong_key) as client:
        response = await place(client, customer, (fake_catalog.add_product(), 1))

    assert response.status_code == 503
    assert "credential" not in response.text
    assert len(fake_catalog.reservation_calls()) == 1
