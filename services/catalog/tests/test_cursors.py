"""Page cursors are signed by this deployment and range-checked: anything else is a 400.

A client can only hand back a cursor this catalog issued, unchanged; forged, truncated,
spliced or re-signed cursors are a 400 `invalid-cursor`, and so is a cursor that is signed
but carries a value no column can hold (a leaked key, or a bug of ours, still never reaches
a statement).
"""

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from catalog.settings import CatalogSettings
from service_kit.pagination import InvalidCursor, PageCursors
from service_kit.problems import PROBLEM_CONTENT_TYPE

Json = dict[str, Any]
CreateCategory = Callable[..., Awaitable[Json]]
CreateProduct = Callable[..., Awaitable[Json]]
DIGEST = "0123456789abcdef"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signed(payload: str, key: str) -> str:
    """A cursor as the catalog makes one (`<base64url JSON>.<base64url HMAC-SHA256>`)."""
    body = b64(payload.encode())
    return f"{body}.{b64(hmac.new(key.encode(), body.encode(), hashlib.sha256).digest())}"


def payload_of(cursor: str) -> Json:
    payload: Json = json.loads(unb64(cursor.split(".")[0]))
    return payload


def with_sort_key(cursor: str, raw_value: str, key: str) -> str:
    """`cursor` carrying `raw_value` (JSON text) as its sort key, signed with `key`."""
    payload = payload_of(cursor)
    return signed(f'{{"q":"{payload["q"]}","k":[{raw_value},"{payload["k"][1]}"]}}', key)


@pytest.fixture
def key(settings: CatalogSettings) -> str:
    """This deployment's cursor signing key."""
    return settings.cursor_signing_key.get_secret_value()


def assert_invalid_cursor(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["code"] == "invalid-cursor"


# --- The signature ----------------------------------------------------------------------------


def test_a_cursor_reads_back_what_it_was_issued_with() -> None:
    cursors = PageCursors(secrets.token_urlsafe(32))

    cursor = cursors.issue(digest=DIGEST, key=["Blue Mug", "0f8fad5b-d9cb-469f-a165-70867728950e"])

    assert cursors.read(cursor, digest=DIGEST, key_length=2) == [
        "Blue Mug",
        "0f8fad5b-d9cb-469f-a165-70867728950e",
    ]


def test_a_new_signing_key_invalidates_the_cursors_issued_before() -> None:
    cursor = PageCursors(secrets.token_urlsafe(32)).issue(digest=DIGEST, key=[1, "x"])

    with pytest.raises(InvalidCursor):
        PageCursors(secrets.token_urlsafe(32)).read(cursor, digest=DIGEST, key_length=2)


def edits(cursor: str) -> dict[str, str]:
    body, signature = cursor.split(".")
    other_body = b64(json.dumps({"q": DIGEST, "k": [2, "x"]}).encode())
    return {
        "truncated": cursor[:-1],
        "body truncated": body[:-2] + "." + signature,
        "signature dropped": body,
        "empty signature": body + ".",
        "other body, same signature": other_body + "." + signature,
        "signature of another key": signed(unb64(body).decode(), secrets.token_urlsafe(32)),
        "one character changed": body + "." + ("A" if signature[0] != "A" else "B") + signature[1:],
        "NUL": cursor + "\x00",
        "not base64url": body.replace(body[0], "+") + "." + signature,
        "two dots": cursor + ".x",
    }


@pytest.mark.parametrize(
    "edit",
    [
        "truncated",
        "body truncated",
        "signature dropped",
        "empty signature",
        "other body, same signature",
        "signature of another key",
        "one character changed",
        "NUL",
        "not base64url",
        "two dots",
    ],
)
def test_an_edited_cursor_is_refused(edit: str) -> None:
    cursors = PageCursors(secrets.token_urlsafe(32))
    cursor = cursors.issue(digest=DIGEST, key=[1, "x"])

    with pytest.raises(InvalidCursor):
        cursors.read(edits(cursor)[edit], digest=DIGEST, key_length=2)


@pytest.mark.parametrize(
    "payload",
    [
        '{"q":"0123456789abcdef","k":[NaN,"x"]}',
        '{"q":"0123456789abcdef","k":[-Infinity,"x"]}',
        '{"q":"0123456789abcdef","k":[1e999,"x"]}',
    ],
)
def test_a_signed_cursor_carrying_no_number_json_has_is_refused(payload: str) -> None:
    key = secrets.token_urlsafe(32)

    with pytest.raises(InvalidCursor):
        PageCursors(key).read(signed(payload, key), digest=DIGEST, key_length=2)


# --- Through the API ----------------------------------------------------------------------------


@pytest.fixture
async def shelf(create_category: CreateCategory, create_product: CreateProduct) -> Json:
    mugs = await create_category("Mugs")
    for price in ("10.00", "12.50", "20.00"):
        await create_product(mugs, price=price, stock=1)
    return mugs


async def first_page(client: httpx.AsyncClient, path: str, **params: Any) -> str:
    response = await client.get(path, params={"limit": 1, **params})
    assert response.status_code == 200, response.text
    cursor: str = response.json()["next_cursor"]
    assert cursor is not None
    return cursor


async def test_a_cursor_as_the_old_catalog_made_them_is_refused(
    client: httpx.AsyncClient, shelf: Json
) -> None:
    # Unsigned base64 JSON with the query's digest: anyone could make one.
    cursor = await first_page(client, "/api/catalog/products")
    old_style = cursor.split(".")[0]

    response = await client.get("/api/catalog/products", params={"cursor": old_style})

    assert_invalid_cursor(response)


async def test_a_cursor_edited_and_signed_with_another_key_is_refused(
    client: httpx.AsyncClient, shelf: Json
) -> None:
    cursor = await first_page(client, "/api/catalog/products", sort="price")
    forged = with_sort_key(cursor, '"0.01"', secrets.token_urlsafe(32))

    response = await client.get("/api/catalog/products", params={"sort": "price", "cursor": forged})

    assert_invalid_cursor(response)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/catalog/products", {}),
        ("/api/catalog/products", {"sort": "name"}),
        ("/api/catalog/categories", {}),
    ],
)
async def test_a_truncated_cursor_is_refused_by_every_list(
    client: httpx.AsyncClient,
    shelf: Json,
    create_category: CreateCategory,
    path: str,
    params: Json,
) -> None:
    await create_category("Cups")
    cursor = await first_page(client, path, **params)

    response = await client.get(path, params={**params, "cursor": cursor[:-3]})

    assert_invalid_cursor(response)


async def test_a_truncated_low_stock_cursor_is_refused(
    client: httpx.AsyncClient, admin: dict[str, str], shelf: Json
) -> None:
    response = await client.get(
        "/api/catalog/reports/low-stock", params={"limit": 1}, headers=admin
    )
    cursor = response.json()["next_cursor"]

    response = await client.get(
        "/api/catalog/reports/low-stock", params={"cursor": cursor[:-3]}, headers=admin
    )

    assert_invalid_cursor(response)


# Values a signed cursor might carry that no column holds, or that the driver cannot send.
@pytest.mark.parametrize(
    ("sort", "raw_value"),
    [
        ("newest", '"0001-01-01T00:00:00+14:00"'),  # year 0 in UTC
        ("newest", '"9999-12-31T23:59:59-14:00"'),  # year 10000 in UTC
        ("newest", '"2026-12-01T10:00:00"'),  # no time zone
        ("newest", '"yesterday"'),
        ("newest", "1764583200"),
        ("price", '"1E+300000"'),
        ("price", '"12345678901.00"'),  # more digits than numeric(12, 2)
        ("price", '"0.001"'),
        ("price", '"NaN"'),
        ("price", '"Infinity"'),
        ("price", "12.5"),  # issued as a string, never a number
        ("-price", '"-1E+300000"'),
        ("name", '"a\\u0000b"'),
        ("name", '"\\ud800"'),  # a lone surrogate: not UTF-8
        ("name", '"' + "n" * 201 + '"'),
        ("name", "null"),
        ("-name", "7"),
    ],
)
async def test_a_signed_cursor_with_a_value_out_of_range_is_refused(
    client: httpx.AsyncClient, shelf: Json, key: str, sort: str, raw_value: str
) -> None:
    cursor = await first_page(client, "/api/catalog/products", sort=sort)

    response = await client.get(
        "/api/catalog/products",
        params={"sort": sort, "cursor": with_sort_key(cursor, raw_value, key)},
    )

    assert_invalid_cursor(response)


@pytest.mark.parametrize("raw_value", ["1e999", "-1e999", "1" + "0" * 400, '"0.5"', "true"])
async def test_a_signed_relevance_cursor_with_no_finite_rank_is_refused(
    client: httpx.AsyncClient,
    create_category: CreateCategory,
    create_product: CreateProduct,
    key: str,
    raw_value: str,
) -> None:
    mugs = await create_category("Mugs")
    await create_product(mugs, name="Blue Mug")
    await create_product(mugs, name="Red Mug")
    cursor = await first_page(client, "/api/catalog/products", q="mug")

    response = await client.get(
        "/api/catalog/products",
        params={"q": "mug", "cursor": with_sort_key(cursor, raw_value, key)},
    )

    assert_invalid_cursor(response)


@pytest.mark.parametrize("raw_value", ['"a\\u0000b"', '"' + "c" * 101 + '"', "1"])
async def test_a_signed_category_cursor_with_a_value_out_of_range_is_refused(
    client: httpx.AsyncClient, create_category: CreateCategory, key: str, raw_value: str
) -> None:
    await create_category("Cups")
    await create_category("Mugs")
    cursor = await first_page(client, "/api/catalog/categories")

    response = await client.get(
        "/api/catalog/categories", params={"cursor": with_sort_key(cursor, raw_value, key)}
    )

    assert_invalid_cursor(response)


@pytest.mark.parametrize("raw_value", [str(2**31), "-1", "true", '"3"', "1.5"])
async def test_a_signed_low_stock_cursor_with_a_count_out_of_range_is_refused(
    client: httpx.AsyncClient, admin: dict[str, str], shelf: Json, key: str, raw_value: str
) -> None:
    first = await client.get("/api/catalog/reports/low-stock", params={"limit": 1}, headers=admin)
    cursor = with_sort_key(first.json()["next_cursor"], raw_value, key)

    response = await client.get(
        "/api/catalog/reports/low-stock", params={"cursor": cursor}, headers=admin
    )

    assert_invalid_cursor(response)


async def test_a_signed_cursor_with_an_id_that_is_no_uuid_is_refused(
    client: httpx.AsyncClient, shelf: Json, key: str
) -> None:
    cursor = await first_page(client, "/api/catalog/products", sort="price")
    payload = payload_of(cursor)
    forged = signed(json.dumps({"q": payload["q"], "k": [payload["k"][0], "a\u0000b"]}), key)

    response = await client.get("/api/catalog/products", params={"sort": "price", "cursor": forged})

    assert_invalid_cursor(response)


async def test_a_cursor_after_the_longest_name_still_fits_the_next_request(
    client: httpx.AsyncClient, create_category: CreateCategory, create_product: CreateProduct
) -> None:
    # 200 characters of four UTF-8 bytes each: the largest sort key a cursor carries.
    mugs = await create_category("Mugs")
    for clef in ("\U0001d11e", "\U0001d122"):
        await create_product(mugs, name=clef * 200)
    cursor = await first_page(client, "/api/catalog/products", sort="name")

    response = await client.get("/api/catalog/products", params={"sort": "name", "cursor": cursor})

    assert response.status_code == 200, response.text
    assert [item["name"] for item in response.json()["items"]] == ["\U0001d122" * 200]
