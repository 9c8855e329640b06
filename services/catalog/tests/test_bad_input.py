"""What no column can hold is refused before any statement: a 4xx problem, nothing stored.

NUL bytes (a `text` column cannot hold one), lone surrogates (not UTF-8), numbers beyond
their column (numeric(12, 2) prices, `integer` stock), NaN and infinities, and values of
the wrong JSON type, in every parameter and body the catalog takes, public, admin and
internal alike.
"""

import json
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest

from catalog_testing.stock import stock_of
from service_kit.numbers import INT4_MAX
from service_kit.problems import PROBLEM_CONTENT_TYPE

Json = dict[str, Any]
CreateCategory = Callable[..., Awaitable[Json]]
CreateProduct = Callable[..., Awaitable[Json]]
UNKNOWN = "0f8fad5b-d9cb-469f-a165-70867728950e"


def assert_refused(response: httpx.Response, status: int = 422) -> Json:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    body: Json = response.json()
    return body


async def send(
    client: httpx.AsyncClient, method: str, path: str, body: Json, headers: dict[str, str]
) -> httpx.Response:
    """`body` as JSON, escaped as ASCII: a lone surrogate travels as `\\ud800`, as a client
    may send it (httpx's own encoder would fail on it)."""
    return await client.request(
        method,
        path,
        content=json.dumps(body),
        headers=headers | {"Content-Type": "application/json"},
    )


async def table_counts(db: asyncpg.Connection) -> tuple[int, ...]:
    row = await db.fetchrow(
        "SELECT (SELECT count(*) FROM catalog.categories),"
        " (SELECT count(*) FROM catalog.products),"
        " (SELECT count(*) FROM catalog.stock_movements),"
        " (SELECT count(*) FROM catalog.reservations)"
    )
    assert row is not None
    return tuple(row)


async def product_row(db: asyncpg.Connection, product: Json) -> Json:
    row = await db.fetchrow("SELECT * FROM catalog.products WHERE id = $1", product["id"])
    assert row is not None
    return dict(row)


@pytest.fixture
async def mugs(create_category: CreateCategory) -> Json:
    return await create_category("Mugs")


@pytest.fixture
async def mug(mugs: Json, create_product: CreateProduct) -> Json:
    return await create_product(mugs, name="Blue Mug", stock=10)


# --- Public reads ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"q": "\x00"},
        {"q": "mug\x00"},
        {"category": "a\x00b"},
        {"category": "\x00"},
        {"min_price": "1E+300000"},
        {"max_price": "-1E+300000"},
        {"min_price": "NaN"},
        {"max_price": "Infinity"},
        {"min_price": "12345678901"},
        {"min_price": "0.001"},
        {"limit": str(2**64)},
        {"limit": "1e3"},
        {"limit": "NaN"},
        {"limit": "-1"},
        {"in_stock": "maybe"},
        {"cursor": "c" * 2049},
    ],
)
async def test_a_product_list_parameter_that_no_column_holds_is_a_422(
    client: httpx.AsyncClient, mug: Json, params: Json
) -> None:
    response = await client.get("/api/catalog/products", params=params)

    assert assert_refused(response)["code"] == "validation-error"


@pytest.mark.parametrize("path", ["products/a%00b", "categories/a%00b", "products/%00"])
async def test_a_nul_in_an_id_or_slug_is_a_422(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(f"/api/catalog/{path}")

    assert assert_refused(response)["code"] == "validation-error"


@pytest.mark.parametrize("params", [{"limit": str(2**64)}, {"limit": "0"}, {"cursor": "\x00"}])
async def test_a_category_list_parameter_out_of_range_is_a_4xx(
    client: httpx.AsyncClient, mugs: Json, params: Json
) -> None:
    response = await client.get("/api/catalog/categories", params=params)

    assert assert_refused(response, 400 if "cursor" in params else 422)


@pytest.mark.parametrize(
    "params", [{"threshold": str(2**40)}, {"threshold": "-1"}, {"limit": "1e9"}]
)
async def test_a_low_stock_parameter_out_of_range_is_a_422(
    client: httpx.AsyncClient, admin: dict[str, str], params: Json
) -> None:
    response = await client.get("/api/catalog/reports/low-stock", params=params, headers=admin)

    assert assert_refused(response)["code"] == "validation-error"


# --- Categories ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "a\x00b"},
        {"name": "\ud800"},
        {"name": "Cups", "description": "one\x00two"},
        {"name": "Cups", "slug": "cups\x00"},
        {"name": "Cups", "parent_id": "not-a-uuid"},
        {"name": "Cups", "parent_id": 12},
        {"name": 12},
        {"name": ["Cups"]},
    ],
)
async def test_a_category_that_no_column_holds_is_refused_and_not_stored(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    db: asyncpg.Connection,
    mugs: Json,
    fields: Json,
) -> None:
    before = await table_counts(db)

    response = await send(client, "POST", "/api/catalog/categories", fields, admin)

    assert assert_refused(response)["code"] == "validation-error"
    assert await table_counts(db) == before


@pytest.mark.parametrize(
    "fields", [{"name": "a\x00b"}, {"description": "\x00"}, {"slug": "\x00"}, {"is_active": "no"}]
)
async def test_a_category_change_that_no_column_holds_changes_nothing(
    client: httpx.AsyncClient, admin: dict[str, str], mugs: Json, fields: Json
) -> None:
    response = await send(client, "PATCH", f"/api/catalog/categories/{mugs['id']}", fields, admin)

    assert assert_refused(response)["code"] == "validation-error"
    category = (await client.get(f"/api/catalog/categories/{mugs['id']}")).json()
    assert (category["name"], category["slug"], category["is_active"]) == ("Mugs", "mugs", True)


# --- Products -----------------------------------------------------------------------------------

BAD_PRODUCT_FIELDS = [
    ("name", "a\x00b"),
    ("name", "\ud800"),
    ("description", "a\x00b"),
    ("sku", "MUG\x00001"),
    ("slug", "blue\x00mug"),
    ("price", "1E+300000"),
    ("price", "NaN"),
    ("price", "-Infinity"),
    ("price", "9999999999.999"),
    ("price", True),
    ("category_id", 7),
    ("is_active", "yes"),
]


def product_payload(category: Json, **fields: Any) -> Json:
    return {"name": "Red Mug", "sku": "mug-002", "price": "12.5", "category_id": category["id"]} | (
        fields
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *BAD_PRODUCT_FIELDS,
        ("description", "\udfff tail"),
        ("price", "-1E+300000"),
        ("price", "12345678901.00"),
        ("price", [12]),
        ("category_id", "not-a-uuid"),
        ("stock", INT4_MAX + 1),
        ("stock", True),
        ("stock", "5"),
    ],
)
async def test_a_product_that_no_column_holds_is_refused_and_not_stored(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    db: asyncpg.Connection,
    mug: Json,
    field: str,
    value: Any,
) -> None:
    before = await table_counts(db)

    response = await send(
        client,
        "POST",
        "/api/catalog/products",
        product_payload({"id": mug["category"]["id"]}, **{field: value}),
        admin,
    )

    body = assert_refused(response)
    assert body["code"] == "validation-error"
    assert body["errors"][0]["location"][1] == field
    assert await table_counts(db) == before


@pytest.mark.parametrize("number", ["1E+300000", "NaN", "-Infinity"])
async def test_a_price_beyond_any_float_is_refused_as_a_json_number(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    db: asyncpg.Connection,
    mugs: Json,
    number: str,
) -> None:
    body = (
        f'{{"name": "Red Mug", "sku": "MUG-002", "price": {number}, "category_id": "{mugs["id"]}"}}'
    )

    response = await client.post(
        "/api/catalog/products",
        content=body,
        headers=admin | {"Content-Type": "application/json"},
    )

    assert assert_refused(response)["code"] == "validation-error"
    assert await table_counts(db) == (1, 0, 0, 0)


@pytest.mark.parametrize(("field", "value"), BAD_PRODUCT_FIELDS)
async def test_a_product_change_that_no_column_holds_changes_nothing(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    db: asyncpg.Connection,
    mug: Json,
    field: str,
    value: Any,
) -> None:
    before = await product_row(db, mug)

    response = await send(
        client, "PATCH", f"/api/catalog/products/{mug['id']}", {field: value}, admin
    )

    assert assert_refused(response)["code"] == "validation-error"
    assert await product_row(db, mug) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/api/catalog/products/not-a-uuid"),
        ("DELETE", "/api/catalog/products/12"),
        ("GET", "/api/catalog/products/a%00b/stock"),
        ("POST", "/api/catalog/products/1e400/stock/restocks"),
        ("PATCH", "/api/catalog/categories/%00"),
        ("DELETE", "/api/catalog/categories/not-a-uuid"),
    ],
)
async def test_an_id_that_is_no_uuid_is_a_422(
    client: httpx.AsyncClient, admin: dict[str, str], method: str, path: str
) -> None:
    response = await client.request(method, path, json={"quantity": 1}, headers=admin)

    assert assert_refused(response)["code"] == "validation-error"


# --- Stock --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("restocks", {"quantity": INT4_MAX + 1}),
        ("restocks", {"quantity": 10**400}),
        ("restocks", {"quantity": True}),
        ("restocks", {"quantity": 5.5}),
        ("restocks", {"quantity": 1, "reason": "delivery\x00"}),
        ("restocks", {"quantity": 1, "reason": "\ud800"}),
        ("adjustments", {"delta": -(2**63), "reason": "stocktake"}),
        ("adjustments", {"delta": "-1", "reason": "stocktake"}),
        ("adjustments", {"delta": 1, "reason": "a\x00b"}),
    ],
)
async def test_a_stock_change_that_no_column_holds_is_refused_and_not_stored(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    db: asyncpg.Connection,
    mug: Json,
    path: str,
    body: Json,
) -> None:
    before = await table_counts(db)

    response = await send(
        client, "POST", f"/api/catalog/products/{mug['id']}/stock/{path}", body, admin
    )

    assert assert_refused(response)["code"] == "validation-error"
    assert await table_counts(db) == before
    assert (await stock_of(client, admin, mug))["available"] == 10


@pytest.fixture
async def warehouse_full(db: asyncpg.Connection, mug: Json) -> Json:
    """The mug with all the units one product can hold but 5 (set behind the API's back)."""
    await db.execute(
        "UPDATE catalog.products SET stock_available = $2 - 5 - 10, stock_committed = 10"
        " WHERE id = $1",
        mug["id"],
        INT4_MAX,
    )
    return mug


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("restocks", {"quantity": 6}),
        ("restocks", {"quantity": 1_000_000}),
        ("adjustments", {"delta": 6, "reason": "found some"}),
    ],
)
async def test_stock_beyond_what_an_integer_column_holds_is_a_409_and_not_stored(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    db: asyncpg.Connection,
    warehouse_full: Json,
    path: str,
    body: Json,
) -> None:
    movements = await db.fetchval("SELECT count(*) FROM catalog.stock_movements")

    response = await client.post(
        f"/api/catalog/products/{warehouse_full['id']}/stock/{path}", json=body, headers=admin
    )

    problem = assert_refused(response, 409)
    assert problem["code"] == "stock-limit-exceeded"
    assert problem["max_units"] == INT4_MAX
    assert await db.fetchval("SELECT count(*) FROM catalog.stock_movements") == movements
    assert (await stock_of(client, admin, warehouse_full))["available"] == INT4_MAX - 15


async def test_stock_may_fill_an_integer_column_to_the_last_unit(
    client: httpx.AsyncClient, admin: dict[str, str], warehouse_full: Json
) -> None:
    response = await client.post(
        f"/api/catalog/products/{warehouse_full['id']}/stock/restocks",
        json={"quantity": 5},
        headers=admin,
    )

    assert response.status_code == 200, response.text
    assert response.json()["available"] + response.json()["committed"] == INT4_MAX


# --- The internal reservation API ---------------------------------------------------------------


def reservation(mug: Json, **fields: Any) -> Json:
    line = {"product_id": mug["id"], "quantity": fields.pop("quantity", 1)}
    return {"key": "order-1", "lines": [line]} | fields


@pytest.mark.parametrize(
    "fields",
    [
        {"quantity": INT4_MAX + 1},
        {"quantity": 10**400},
        {"quantity": True},
        {"quantity": "1"},
        {"quantity": 1.5},
        {"ttl_seconds": 2**63},
        {"ttl_seconds": True},
        {"ttl_seconds": "60"},
        {"key": "order\x001"},
        {"key": "\ud800"},
    ],
)
async def test_a_reservation_that_no_column_holds_is_refused_and_holds_nothing(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    orders: dict[str, str],
    db: asyncpg.Connection,
    mug: Json,
    fields: Json,
) -> None:
    before = await table_counts(db)

    response = await send(
        client, "POST", "/internal/reservations", reservation(mug, **fields), orders
    )

    assert assert_refused(response)["code"] == "validation-error"
    assert await table_counts(db) == before
    assert (await stock_of(client, admin, mug))["held"] == 0


@pytest.mark.parametrize("number", ["1e400", "NaN", "-Infinity"])
async def test_a_reservation_quantity_beyond_any_float_is_refused(
    client: httpx.AsyncClient,
    orders: dict[str, str],
    db: asyncpg.Connection,
    mug: Json,
    number: str,
) -> None:
    body = f'{{"key": "order-1", "lines": [{{"product_id": "{mug["id"]}", "quantity": {number}}}]}}'

    response = await client.post(
        "/internal/reservations",
        content=body,
        headers=orders | {"Content-Type": "application/json"},
    )

    assert assert_refused(response)["code"] == "validation-error"
    assert await db.fetchval("SELECT count(*) FROM catalog.reservations") == 0


@pytest.mark.parametrize("action", ["", "/commit", "/release"])
async def test_a_nul_in_a_reservation_key_is_a_422(
    client: httpx.AsyncClient, orders: dict[str, str], action: str
) -> None:
    method = "GET" if not action else "POST"

    response = await client.request(method, f"/internal/reservations/a%00b{action}", headers=orders)

    assert assert_refused(response)["code"] == "validation-error"
