"""Whatever a client sends, the answer is a 4xx problem, never a 500, and nothing is stored.

Every string orders accepts is at least `StoredText` (no NUL, no lone surrogate); numbers,
sizes, ids and times out of range are refused before they reach the database or catalog.
"""

import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from orders_testing.fake_catalog import FakeCatalog
from orders_testing.placing import Actor

ORDERS = "/api/orders/orders"


def _refused_as_a_problem(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "code" in response.json()


async def _nothing_stored(database_rows: Any, fake_catalog: FakeCatalog) -> None:
    assert await database_rows("SELECT id FROM orders.orders") == []
    assert await database_rows("SELECT customer_id FROM orders.customer_holds") == []
    assert fake_catalog.reservation_calls() == []


def _line(quantity: str = "1", product_id: str | None = None) -> str:
    product = product_id if product_id is not None else f'"{uuid.uuid4()}"'
    return f'{{"lines": [{{"product_id": {product}, "quantity": {quantity}}}]}}'


@pytest.mark.parametrize(
    "body",
    [
        _line(quantity="0"),
        _line(quantity="1001"),
        _line(quantity="100000000000000000000000000000"),
        _line(quantity="1e400"),
        _line(quantity="1.5"),
        _line(quantity='"lots"'),
        _line(quantity="null"),
        _line(product_id='"a\\u0000b"'),
        _line(product_id='"\\ud800"'),
        _line(product_id='"' + "f" * 10_000 + '"'),
        _line(product_id="12"),
        '{"lines": "all of them"}',
        '{"lines": [1, 2, 3]}',
        '[{"product_id": "x", "quantity": 1}]',
        '{"lines": [{"product_id": "x", "quantity": 1}]',
        '"\\u0000"',
        "",
    ],
    ids=[
        "zero-quantity",
        "quantity-over-1000",
        "quantity-beyond-any-integer-column",
        "quantity-infinite",
        "quantity-fractional",
        "quantity-a-word",
        "quantity-null",
        "product-id-with-nul",
        "product-id-lone-surrogate",
        "product-id-huge",
        "product-id-a-number",
        "lines-a-string",
        "lines-of-numbers",
        "a-bare-array",
        "truncated-json",
        "a-nul-string",
        "empty-body",
    ],
)
async def test_a_bad_order_body_is_a_4xx_problem_and_stores_nothing(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
    body: str,
) -> None:
    response = await client.post(
        ORDERS,
        content=body.encode("utf-8", "surrogatepass"),
        headers={**customer.headers, "Content-Type": "application/json"},
    )

    _refused_as_a_problem(response)
    await _nothing_stored(database_rows, fake_catalog)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"lines=1"),
        ("text/plain", _line().encode()),
        ("application/json; charset=latin-1", b'{"lines": "\xff"}'),
        ("application/json", b"\xff\xfe\x00"),
    ],
    ids=["form", "text", "latin-1-json", "not-utf-8"],
)
async def test_a_body_that_is_not_json_is_a_4xx_problem(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
    content_type: str,
    body: bytes,
) -> None:
    response = await client.post(
        ORDERS, content=body, headers={**customer.headers, "Content-Type": content_type}
    )

    _refused_as_a_problem(response)
    await _nothing_stored(database_rows, fake_catalog)


@pytest.mark.parametrize(
    "key",
    [b"", b"k" * 201, b"two words", b"caf\xc3\xa9", b"\xff\xfe", b"tab\there", b"a\x00b"],
    ids=["empty", "too-long", "space", "utf-8", "latin-1", "tab", "nul"],
)
async def test_a_bad_idempotency_key_is_a_422_and_stores_nothing(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
    key: bytes,
) -> None:
    # Raw bytes, as a client that is not httpx may send them.
    headers = [
        *((name.encode(), value.encode()) for name, value in customer.headers.items()),
        (b"Content-Type", b"application/json"),
        (b"Idempotency-Key", key),
    ]
    request = client.build_request("POST", ORDERS, content=_line().encode(), headers=headers)

    response = await client.send(request)

    assert response.status_code == 422
    assert response.json()["code"] == "validation-error"
    _refused_as_a_problem(response)
    await _nothing_stored(database_rows, fake_catalog)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "100000000000000000000000000000"},
        {"limit": "1e3"},
        {"limit": "ten"},
        {"limit": "1\x00"},
        {"offset": "-1"},
        {"offset": "1000001"},
        {"offset": "10000000000000000000"},
        {"status": "placing"},
        {"status": "pend\x00ing"},
        {"status": "\ud800"},
    ],
    ids=[
        "limit-zero",
        "limit-over-100",
        "limit-huge",
        "limit-exponent",
        "limit-a-word",
        "limit-with-nul",
        "offset-negative",
        "offset-over-a-million",
        "offset-beyond-bigint",
        "status-internal",
        "status-with-nul",
        "status-lone-surrogate",
    ],
)
async def test_a_bad_list_query_is_a_422_problem(
    client: httpx.AsyncClient, customer: Actor, params: dict[str, str]
) -> None:
    # Sent as raw UTF-8 bytes, percent-encoded, the lone surrogate as the bytes it would be.
    query = urlencode(
        {name: value.encode("utf-8", "surrogatepass") for name, value in params.items()}
    )

    response = await client.get(f"{ORDERS}?{query}", headers=customer.headers)

    assert response.status_code == 422
    _refused_as_a_problem(response)


@pytest.mark.parametrize(
    "params",
    [
        {"created_from": "0001-01-01T00:00:00+14:00"},
        {"created_before": "9999-12-31T23:59:59-14:00"},
        {"created_from": "2026-12-01T00:00:00"},
        {"created_from": "2026-13-01T00:00:00Z"},
        {"created_from": "99999-01-01T00:00:00Z"},
        {"created_from": "2026-12-01T00:00:00Z", "created_before": "2026-11-01T00:00:00Z"},
    ],
    ids=[
        "from-before-year-one-in-utc",
        "before-after-year-9999-in-utc",
        "naive-time",
        "no-such-month",
        "five-digit-year",
        "empty-range",
    ],
)
@pytest.mark.parametrize("path", ["/api/orders/admin/orders", "/api/orders/admin/stats"])
async def test_bad_admin_filters_are_a_422_problem(
    client: httpx.AsyncClient, admin: Actor, params: dict[str, str], path: str
) -> None:
    response = await client.get(path, params=params, headers=admin.headers)

    assert response.status_code == 422
    _refused_as_a_problem(response)


@pytest.mark.parametrize("customer_id", ["not-a-uuid", "0" * 10_000, "\x00"])
async def test_a_bad_customer_filter_is_a_422_problem(
    client: httpx.AsyncClient, admin: Actor, customer_id: str
) -> None:
    response = await client.get(
        "/api/orders/admin/orders", params={"customer_id": customer_id}, headers=admin.headers
    )

    assert response.status_code == 422
    _refused_as_a_problem(response)


async def test_times_at_the_edges_of_the_range_are_accepted(
    client: httpx.AsyncClient, admin: Actor
) -> None:
    response = await client.get(
        "/api/orders/admin/stats",
        params={
            "created_from": "0001-01-01T00:00:00Z",
            "created_before": "9999-12-31T23:59:59.999999Z",
        },
        headers=admin.headers,
    )

    assert response.status_code == 200
    assert response.json()["order_count"] == 0


@pytest.mark.parametrize(
    "order_id",
    ["not-a-uuid", "%00", "a" * 10_000, "1", f"{uuid.uuid4()}%00", "-1"],
    ids=["word", "nul", "huge", "number", "uuid-with-nul", "negative"],
)
@pytest.mark.parametrize("action", ["", "/cancel", "/confirm", "/ship", "/deliver"])
async def test_a_bad_order_id_is_a_422_problem(
    client: httpx.AsyncClient, admin: Actor, order_id: str, action: str
) -> None:
    method = "GET" if action == "" else "POST"

    response = await client.request(method, f"{ORDERS}/{order_id}{action}", headers=admin.headers)

    assert response.status_code == 422
    _refused_as_a_problem(response)
