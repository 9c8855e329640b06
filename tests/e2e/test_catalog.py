"""The catalog through the gateway: anyone browses and searches, only admins write, and the
internal reservation API cannot be reached from outside."""

import secrets
from typing import Any

import httpx
import pytest

from e2e_testing.customers import RegisterCustomer

Json = dict[str, Any]


@pytest.fixture
def word() -> str:
    """A word no other test's data contains (tests share one database)."""
    return "zq" + secrets.token_hex(4)


@pytest.fixture
def catalog(gateway: httpx.Client, admin_headers: dict[str, str], word: str) -> Json:
    """Home > Lamps, with five lamps whose descriptions carry this test's word."""
    home = gateway.post(
        "/api/catalog/categories", json={"name": f"Home {word}"}, headers=admin_headers
    )
    assert home.status_code == 201, home.text
    lamps = gateway.post(
        "/api/catalog/categories",
        json={"name": f"Lamps {word}", "parent_id": home.json()["id"]},
        headers=admin_headers,
    )
    assert lamps.status_code == 201, lamps.text
    products = []
    for number in range(5):
        created = gateway.post(
            "/api/catalog/products",
            json={
                "name": f"Brass Lamp {number}",
                "sku": f"{word}-{number}",
                "description": f"A warm {word} light for reading.",
                "price": f"{20 + number}.50",
                "category_id": lamps.json()["id"],
                "stock": 10,
            },
            headers=admin_headers,
        )
        assert created.status_code == 201, created.text
        products.append(created.json())
    return {"home": home.json(), "lamps": lamps.json(), "products": products}


def test_an_anonymous_client_browses_categories_and_products(
    gateway: httpx.Client, catalog: Json
) -> None:
    tree = gateway.get("/api/catalog/categories/tree")
    home = gateway.get(f"/api/catalog/categories/{catalog['home']['slug']}")
    listed = gateway.get(
        "/api/catalog/products",
        params={"category": catalog["home"]["slug"], "sort": "-price", "limit": 100},
    )
    detail = gateway.get(f"/api/catalog/products/{catalog['products'][0]['slug']}")

    assert tree.status_code == home.status_code == listed.status_code == detail.status_code == 200
    assert catalog["home"]["id"] in [node["id"] for node in tree.json()]
    assert [child["id"] for child in home.json()["children"]] == [catalog["lamps"]["id"]]
    assert [item["price"] for item in listed.json()["items"]] == [
        "24.50",
        "23.50",
        "22.50",
        "21.50",
        "20.50",
    ]
    assert detail.json()["category"]["id"] == catalog["lamps"]["id"]
    assert detail.json()["stock"] == 10


def test_search_results_page_through_the_gateway_without_repeats(
    gateway: httpx.Client, catalog: Json, word: str
) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"q": word, "limit": 2} | ({"cursor": cursor} if cursor else {})
        response = gateway.get("/api/catalog/products", params=params)
        assert response.status_code == 200, response.text
        seen += [item["id"] for item in response.json()["items"]]
        pages += 1
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break

    assert pages == 3
    assert sorted(seen) == sorted(product["id"] for product in catalog["products"])


def test_a_product_an_admin_creates_is_found_by_search(
    gateway: httpx.Client, admin_headers: dict[str, str], catalog: Json
) -> None:
    unique = "yx" + secrets.token_hex(4)
    created = gateway.post(
        "/api/catalog/products",
        json={
            "name": f"Reading Lamp {unique}",
            "sku": unique,
            "price": "49.00",
            "category_id": catalog["lamps"]["id"],
        },
        headers=admin_headers,
    )

    found = gateway.get("/api/catalog/products", params={"q": unique})

    assert created.status_code == 201, created.text
    assert [item["id"] for item in found.json()["items"]] == [created.json()["id"]]
    assert found.json()["items"][0]["sku"] == unique.upper()


def test_admins_see_where_the_units_are(
    gateway: httpx.Client, admin_headers: dict[str, str], catalog: Json
) -> None:
    product = catalog["products"][0]

    response = gateway.get(f"/api/catalog/products/{product['id']}/stock", headers=admin_headers)

    assert response.status_code == 200
    assert response.json() == {
        "product_id": product["id"],
        "available": 10,
        "held": 0,
        "committed": 0,
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/catalog/categories"),
        ("POST", "/api/catalog/products"),
        ("PATCH", "/api/catalog/products/{product}"),
        ("DELETE", "/api/catalog/products/{product}"),
        ("POST", "/api/catalog/products/{product}/stock/restocks"),
        ("GET", "/api/catalog/products/{product}/stock"),
    ],
)
def test_a_customer_cannot_write_the_catalog(
    gateway: httpx.Client,
    register_customer: RegisterCustomer,
    catalog: Json,
    method: str,
    path: str,
) -> None:
    customer = register_customer()
    url = path.format(product=catalog["products"][0]["id"])
    body = {"name": "Nope", "quantity": 1} if method in ("POST", "PATCH") else None

    as_customer = gateway.request(method, url, json=body, headers=customer.headers)
    anonymous = gateway.request(method, url, json=body)

    assert as_customer.status_code == 403
    assert anonymous.status_code == 401
    still = gateway.get(f"/api/catalog/products/{catalog['products'][0]['id']}")
    assert still.json()["name"] == catalog["products"][0]["name"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/internal/reservations"),
        ("GET", "/internal/reservations/any-key"),
        ("POST", "/internal/reservations/any-key/commit"),
        ("POST", "/api/catalog/../internal/reservations"),
        ("POST", "/api/catalog/%2e%2e/internal/reservations"),
    ],
)
def test_the_reservation_api_is_not_reachable_through_the_gateway(
    gateway: httpx.Client, method: str, path: str
) -> None:
    response = gateway.request(
        method,
        path,
        json={"key": "outsider", "lines": []},
        headers={"Authorization": "Bearer e2e-orders-service-key"},
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not-found"
