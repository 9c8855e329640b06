"""One trace id across the gateway, orders and catalog, read from what each part exports or
logs: the gateway's access line, the spans the services send to the OTLP receiver
(compose.e2e.yml), and the services' own JSON log lines."""

import json
import re
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from e2e_testing.customers import RegisterCustomer
from e2e_testing.ordering import ORDERS, order_body
from e2e_testing.stack import Shop
from testing_kit.otlp_receiver import ReceivedSpan
from testing_kit.waiting import eventually_sync

SPANS_WITHIN_SECONDS = 15
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")

T = TypeVar("T")
LogLine = dict[str, Any]


def _log_lines(shop: Shop, service: str, mentioning: str) -> list[LogLine]:
    """The JSON lines that mention a string (an id) in the logs of every container of a
    service (the services run several replicas; any one may have served the request)."""
    return [
        json.loads(line)
        for container in shop.replicas(service)
        for line in container.logs().decode(errors="replace").splitlines()
        if mentioning in line and line.startswith("{")
    ]


def _spans_of(shop: Shop, trace_id: str) -> list[ReceivedSpan]:
    return [
        ReceivedSpan(**line["otlp_span"])
        for line in _log_lines(shop, "otlp-receiver", trace_id)
        if "otlp_span" in line
    ]


def _wait_for(found: Callable[[], T | None]) -> T:
    """What `found` finds, once it finds it (spans and log lines arrive in a moment)."""
    result: list[T] = []

    def arrived() -> bool:
        value = found()
        if value is not None:
            result.append(value)
        return value is not None

    assert eventually_sync(arrived, within_seconds=SPANS_WITHIN_SECONDS), "never arrived"
    return result[-1]


def _gateway_access_line(shop: Shop, request_id: str) -> LogLine:
    [line] = _wait_for(lambda: _log_lines(shop, "gateway", request_id) or None)
    return line


def test_one_trace_spans_gateway_orders_and_catalog_for_one_placement(
    shop: Shop,
    gateway: httpx.Client,
    register_customer: RegisterCustomer,
    new_product: Callable[..., dict[str, object]],
) -> None:
    customer, product = register_customer(), new_product(stock=3)
    request_id = f"traced-{secrets.token_hex(8)}"

    placed = gateway.post(
        ORDERS,
        json=order_body(product, 1),
        headers={**customer.headers, "X-Request-ID": request_id},
    )
    assert placed.status_code == 201, placed.text

    # The gateway started the trace (the client sent no traceparent) and names it.
    access = _gateway_access_line(shop, request_id)
    trace_id = str(access["trace_id"])
    assert _TRACE_ID.match(trace_id)
    gateway_span_id = trace_id[16:]  # nginx.conf: the parent id it sends is the id's tail

    def whole_trace() -> tuple[ReceivedSpan, ReceivedSpan, ReceivedSpan] | None:
        spans = _spans_of(shop, trace_id)
        servers = {(s.service, s.kind): s for s in spans if s.kind == "server"}
        orders, catalog = servers.get(("orders", "server")), servers.get(("catalog", "server"))
        if orders is None or catalog is None:
            return None
        calls = [s for s in spans if s.span_id == catalog.parent_span_id]
        return (orders, calls[0], catalog) if calls else None

    orders_server, orders_call, catalog_server = _wait_for(whole_trace)
    assert orders_server.attributes["http.route"] == ORDERS
    assert orders_server.parent_span_id == gateway_span_id
    # Orders' httpx span of its call to catalog, inside orders' request span...
    assert (orders_call.service, orders_call.kind) == ("orders", "client")
    assert orders_call.parent_span_id == orders_server.span_id
    assert "/internal/reservations" in str(orders_call.attributes["http.url"])
    # ...is the parent of catalog's request span: the traceparent went along.
    assert str(catalog_server.attributes["http.route"]).startswith("/internal/reservations")
    # Both services' statements are spans of the same trace.
    statements = {s.service for s in _spans_of(shop, trace_id) if "db.statement" in s.attributes}
    assert statements == {"orders", "catalog"}
    # And every log line of the request in orders names the trace and its own span.
    [orders_access] = [
        line for line in _log_lines(shop, "orders", request_id) if line["logger"] == "access"
    ]
    assert (orders_access["trace_id"], orders_access["span_id"]) == (
        trace_id,
        orders_server.span_id,
    )


def test_a_clients_traceparent_is_kept_through_the_gateway(
    shop: Shop, gateway: httpx.Client, register_customer: RegisterCustomer
) -> None:
    customer = register_customer()
    trace_id, client_span_id = secrets.token_hex(16), secrets.token_hex(8)
    request_id = f"client-traced-{secrets.token_hex(8)}"

    listed = gateway.get(
        ORDERS,
        headers={
            **customer.headers,
            "X-Request-ID": request_id,
            "traceparent": f"00-{trace_id}-{client_span_id}-01",
        },
    )
    assert listed.status_code == 200, listed.text

    assert _gateway_access_line(shop, request_id)["trace_id"] == trace_id
    orders_server = _wait_for(
        lambda: next((s for s in _spans_of(shop, trace_id) if s.kind == "server"), None)
    )
    assert (orders_server.service, orders_server.parent_span_id) == ("orders", client_span_id)


def test_an_invalid_traceparent_starts_a_new_trace_at_the_gateway(
    shop: Shop, gateway: httpx.Client
) -> None:
    request_id = f"bad-trace-{secrets.token_hex(8)}"

    gateway.get(
        "/api/orders/no-such-thing",
        headers={"X-Request-ID": request_id, "traceparent": f"00-{'0' * 32}-{'1' * 16}-01"},
    )

    access = _gateway_access_line(shop, request_id)
    assert _TRACE_ID.match(str(access["trace_id"]))
    assert access["trace_id"] != "0" * 32
