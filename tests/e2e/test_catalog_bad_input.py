"""What an outsider sends the catalog through the gateway that no column can hold: NUL bytes,
forged or out-of-range page cursors, prices beyond numeric(12, 2). Each is a 4xx problem
(application/problem+json), never a 500, and nothing is stored.

Reads that check "nothing stored" carry the admin's token: the gateway never caches those,
so they show the database as it is now.
"""

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from e2e_testing.stack import CATALOG_CURSOR_SIGNING_KEY

Json = dict[str, Any]
PROBLEM = "application/problem+json"
# Catalog's key in this run: with it a test plays an attacker who learned the key.
CURSOR_SIGNING_KEY = CATALOG_CURSOR_SIGNING_KEY


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == code


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def signed(payload: Json, key: str) -> str:
    body = b64(json.dumps(payload, separators=(",", ":")).encode())
    return f"{body}.{b64(hmac.new(key.encode(), body.encode(), hashlib.sha256).digest())}"


def payload_of(cursor: str) -> Json:
    body = cursor.split(".")[0]
    payload: Json = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return payload


@pytest.fixture
def shelf(new_product: Callable[..., Json]) -> Json:
    """A product (10 units at 12.50) in a category of its own."""
    return new_product()


@pytest.fixture
def stocked_shelf(gateway: httpx.Client, admin_headers: dict[str, str], shelf: Json) -> list[Json]:
    """Three products in the shelf's category: pages of one, and cursors between them."""
    products = [shelf]
    for number in range(2):
        created = gateway.post(
            "/api/catalog/products",
            json={
                "name": f"{shelf['name']} no. {number}",
                "sku": f"{shelf['sku']}-{number}",
                "price": f"1{number}.50",
                "category_id": shelf["category"]["id"],
                "stock": 3,
            },
            headers=admin_headers,
        )
        assert created.status_code == 201, created.text
        products.append(created.json())
    return products


def shelf_contents(gateway: httpx.Client, admin_headers: dict[str, str], shelf: Json) -> Json:
    response = gateway.get(
        "/api/catalog/products",
        params={"category": shelf["category_slug"], "limit": 100},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def first_cursor(gateway: httpx.Client, shelf: Json, sort: str) -> str:
    response = gateway.get(
        "/api/catalog/products",
        params={"category": shelf["category_slug"], "sort": sort, "limit": 1},
    )
    assert response.status_code == 200, response.text
    cursor: str = response.json()["next_cursor"]
    assert cursor is not None
    return cursor


# --- NUL bytes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [{"q": "\x00"}, {"category": "a\x00b"}, {"q": "mug\x00 cup"}])
def test_a_nul_in_a_search_or_filter_is_a_422_problem(gateway: httpx.Client, params: Json) -> None:
    response = gateway.get("/api/catalog/products", params=params)

    assert_problem(response, 422, "validation-error")


def test_a_nul_in_a_product_name_is_a_422_and_stores_nothing(
    gateway: httpx.Client, admin_headers: dict[str, str], shelf: Json
) -> None:
    before = shelf_contents(gateway, admin_headers, shelf)

    response = gateway.post(
        "/api/catalog/products",
        json={
            "name": "Mug\x00",
            "sku": "NUL-" + secrets.token_hex(3),
            "price": "9.90",
            "category_id": shelf["category"]["id"],
        },
        headers=admin_headers,
    )

    assert_problem(response, 422, "validation-error")
    assert shelf_contents(gateway, admin_headers, shelf) == before


# --- Cursors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["newest", "price", "name"])
def test_pages_follow_their_signed_cursors(
    gateway: httpx.Client, stocked_shelf: list[Json], sort: str
) -> None:
    params = {"category": stocked_shelf[0]["category_slug"], "sort": sort, "limit": 1}
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = params | ({"cursor": cursor} if cursor else {})
        response = gateway.get("/api/catalog/products", params=page)
        assert response.status_code == 200, response.text
        seen += [item["id"] for item in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break

    assert sorted(seen) == sorted(product["id"] for product in stocked_shelf)


def forgeries(cursor: str) -> dict[str, str]:
    payload = payload_of(cursor)
    body = cursor.split(".")[0]
    stranger = secrets.token_urlsafe(32)
    return {
        # Base64 JSON with the digest anyone can recompute: what the catalog used to accept.
        "unsigned": b64(json.dumps({"q": payload["q"], "k": ["0.01", payload["k"][1]]}).encode()),
        "truncated": cursor[:-4],
        "payload edited, signature kept": b64(
            json.dumps({"q": payload["q"], "k": ["0.01", payload["k"][1]]}).encode()
        )
        + "."
        + cursor.split(".")[1],
        "re-signed with another key": signed(
            {"q": payload["q"], "k": ["1E+300000", payload["k"][1]]}, stranger
        ),
        "signature of another key, body kept": signed(
            json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))), stranger
        ),
    }


@pytest.mark.parametrize(
    "forgery",
    [
        "unsigned",
        "truncated",
        "payload edited, signature kept",
        "re-signed with another key",
        "signature of another key, body kept",
    ],
)
def test_a_forged_cursor_is_a_400_problem(
    gateway: httpx.Client, stocked_shelf: list[Json], forgery: str
) -> None:
    shelf = stocked_shelf[0]
    cursor = forgeries(first_cursor(gateway, shelf, "price"))[forgery]

    response = gateway.get(
        "/api/catalog/products",
        params={"category": shelf["category_slug"], "sort": "price", "cursor": cursor},
    )

    assert_problem(response, 400, "invalid-cursor")


@pytest.mark.parametrize(
    ("sort", "value"),
    [
        ("price", "1E+300000"),
        ("price", "NaN"),
        ("newest", "0001-01-01T00:00:00+14:00"),
        ("newest", "9999-12-31T23:59:59-14:00"),
        ("name", "a\x00b"),
    ],
)
def test_a_cursor_signed_with_the_real_key_but_out_of_range_is_a_400_problem(
    gateway: httpx.Client, stocked_shelf: list[Json], sort: str, value: str
) -> None:
    shelf = stocked_shelf[0]
    payload = payload_of(first_cursor(gateway, shelf, sort))
    cursor = signed({"q": payload["q"], "k": [value, payload["k"][1]]}, CURSOR_SIGNING_KEY)

    response = gateway.get(
        "/api/catalog/products",
        params={"category": shelf["category_slug"], "sort": sort, "cursor": cursor},
    )

    assert_problem(response, 400, "invalid-cursor")


# --- Numbers beyond their columns ---------------------------------------------------------------


@pytest.mark.parametrize(
    "price", ['"1E+300000"', "1E+300000", '"NaN"', '"Infinity"', '"12345678901.00"', "true"]
)
def test_a_price_beyond_its_column_is_a_422_and_stores_nothing(
    gateway: httpx.Client, admin_headers: dict[str, str], shelf: Json, price: str
) -> None:
    before = shelf_contents(gateway, admin_headers, shelf)
    body = (
        f'{{"name": "Huge Mug", "sku": "HUGE-{secrets.token_hex(3)}", "price": {price},'
        f' "category_id": "{shelf["category"]["id"]}"}}'
    )

    response = gateway.post(
        "/api/catalog/products",
        content=body,
        headers=admin_headers | {"Content-Type": "application/json"},
    )

    assert_problem(response, 422, "validation-error")
    assert shelf_contents(gateway, admin_headers, shelf) == before


@pytest.mark.parametrize("price", ["1E+300000", "NaN", "0.001"])
def test_a_price_change_beyond_its_column_is_a_422_and_changes_nothing(
    gateway: httpx.Client, admin_headers: dict[str, str], shelf: Json, price: str
) -> None:
    response = gateway.patch(
        f"/api/catalog/products/{shelf['id']}", json={"price": price}, headers=admin_headers
    )

    assert_problem(response, 422, "validation-error")
    assert shelf_contents(gateway, admin_headers, shelf)["items"][0]["price"] == shelf["price"]


@pytest.mark.parametrize("quantity", [2**31, 10**30, True])
def test_a_restock_beyond_an_integer_is_a_422_and_changes_nothing(
    gateway: httpx.Client, admin_headers: dict[str, str], shelf: Json, quantity: Any
) -> None:
    path = f"/api/catalog/products/{shelf['id']}/stock"

    response = gateway.post(f"{path}/restocks", json={"quantity": quantity}, headers=admin_headers)

    assert_problem(response, 422, "validation-error")
    assert gateway.get(path, headers=admin_headers).json()["available"] == shelf["stock"]


def test_a_body_that_is_not_json_is_a_415_and_stores_nothing(
    gateway: httpx.Client, admin_headers: dict[str, str], shelf: Json
) -> None:
    before = shelf_contents(gateway, admin_headers, shelf)

    response = gateway.post(
        "/api/catalog/products",
        data={"name": "Form Mug", "sku": "FORM-1", "price": "9.90"},
        headers=admin_headers,
    )

    assert response.status_code == 415, response.text
    assert response.json()["code"] == "unsupported-media-type"
    assert response.headers["content-type"] == PROBLEM
    assert shelf_contents(gateway, admin_headers, shelf) == before
