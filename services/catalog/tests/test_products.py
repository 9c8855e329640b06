"""Administering products: create, change, deactivate; admins only."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx
import pytest

Json = dict[str, Any]
CreateCategory = Callable[..., Awaitable[Json]]
CreateProduct = Callable[..., Awaitable[Json]]
UNKNOWN = "0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.fixture
async def mugs(create_category: CreateCategory) -> Json:
    return await create_category("Mugs")


def product_payload(category: Json, **fields: Any) -> Json:
    return {
        "name": "Blue Mug",
        "sku": "mug-001",
        "price": "12.5",
        "category_id": category["id"],
        **fields,
    }


async def test_a_product_is_created_with_a_normalised_sku_slug_and_price(
    client: httpx.AsyncClient, admin: dict[str, str], mugs: Json
) -> None:
    response = await client.post(
        "/api/catalog/products",
        json=product_payload(mugs, description="A mug.", stock=7),
        headers=admin,
    )

    assert response.status_code == 201
    product = response.json()
    assert product["sku"] == "MUG-001"
    assert product["slug"] == "blue-mug"
    assert product["price"] == "12.50"
    assert product["stock"] == 7
    assert product["category"] == {"id": mugs["id"], "name": "Mugs", "slug": "mugs"}
    assert product["is_active"] is True


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price", "0"),
        ("price", "-1.00"),
        ("price", "1.999"),
        ("price", "12345678901.00"),
        ("price", "NaN"),
        ("sku", "MUG 001"),
        ("sku", "MUG_001"),
        ("sku", "-MUG"),
        ("stock", -1),
        ("name", "   "),
        ("slug", "Blue Mug"),
    ],
)
async def test_invalid_product_fields_are_refused(
    client: httpx.AsyncClient, admin: dict[str, str], mugs: Json, field: str, value: Any
) -> None:
    response = await client.post(
        "/api/catalog/products", json=product_payload(mugs, **{field: value}), headers=admin
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation-error"
    assert response.json()["errors"][0]["location"][-1] == field


async def test_a_taken_sku_is_a_conflict(
    client: httpx.AsyncClient, admin: dict[str, str], mugs: Json
) -> None:
    await client.post("/api/catalog/products", json=product_payload(mugs), headers=admin)

    response = await client.post(
        "/api/catalog/products",
        json=product_payload(mugs, name="Red Mug", sku="MUG-001"),
        headers=admin,
    )

    assert response.status_code == 409
    assert response.json()["code"] == "sku-taken"


async def test_a_chosen_slug_that_is_taken_is_a_conflict(
    client: httpx.AsyncClient, admin: dict[str, str], mugs: Json
) -> None:
    await client.post("/api/catalog/products", json=product_payload(mugs), headers=admin)

    response = await client.post(
        "/api/catalog/products",
        json=product_payload(mugs, sku="MUG-002", slug="blue-mug"),
        headers=admin,
    )

    assert response.status_code == 409
    assert response.json()["code"] == "slug-taken"


async def test_a_generated_slug_that_is_taken_gets_a_number(
    client: httpx.AsyncClient, admin: dict[str, str], mugs: Json
) -> None:
    await client.post("/api/catalog/products", json=product_payload(mugs), headers=admin)

    response = await client.post(
        "/api/catalog/products", json=product_payload(mugs, sku="MUG-002"), headers=admin
    )

    assert response.json()["slug"] == "blue-mug-2"


async def test_concurrent_creates_with_one_sku_make_one_product_and_conflicts(
    client: httpx.AsyncClient, admin: dict[str, str], mugs: Json
) -> None:
    responses = await asyncio.gather(
        *(
            client.post(
                "/api/catalog/products",
                json=product_payload(mugs, name=f"Mug {number}", sku="RACE-1"),
                headers=admin,
            )
            for number in range(8)
        )
    )

    codes = sorted(response.status_code for response in responses)
    assert codes == [201] + [409] * 7


@pytest.mark.parametrize("state", ["unknown", "inactive"])
async def test_a_product_needs_an_active_category(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    create_category: CreateCategory,
    state: str,
) -> None:
    category = {"id": UNKNOWN}
    if state == "inactive":
        category = await create_category("Old")
        await client.delete(f"/api/catalog/categories/{category['id']}", headers=admin)

    response = await client.post(
        "/api/catalog/products", json=product_payload(category), headers=admin
    )

    assert response.status_code == 422
    assert response.json()["code"] == "category-unavailable"


async def test_a_product_is_changed_field_by_field(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    mugs: Json,
    create_category: CreateCategory,
    create_product: CreateProduct,
) -> None:
    cups = await create_category("Cups")
    product = await create_product(mugs, name="Blue Mug", description="Blue.")

    response = await client.patch(
        f"/api/catalog/products/{product['id']}",
        json={"price": "15", "category_id": cups["id"], "description": None, "sku": "cup-9"},
        headers=admin,
    )

    assert response.status_code == 200
    changed = response.json()
    assert (changed["price"], changed["sku"], changed["description"]) == ("15.00", "CUP-9", None)
    assert changed["category"]["slug"] == "cups"
    assert (changed["name"], changed["slug"]) == ("Blue Mug", product["slug"])


async def test_a_product_cannot_move_to_an_inactive_category(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    mugs: Json,
    create_category: CreateCategory,
    create_product: CreateProduct,
) -> None:
    old = await create_category("Old")
    await client.delete(f"/api/catalog/categories/{old['id']}", headers=admin)
    product = await create_product(mugs)

    response = await client.patch(
        f"/api/catalog/products/{product['id']}", json={"category_id": old["id"]}, headers=admin
    )

    assert response.status_code == 422
    assert response.json()["code"] == "category-unavailable"


async def test_changing_the_sku_to_a_taken_one_is_a_conflict(
    client: httpx.AsyncClient, admin: dict[str, str], mugs: Json, create_product: CreateProduct
) -> None:
    first = await create_product(mugs)
    second = await create_product(mugs)

    response = await client.patch(
        f"/api/catalog/products/{second['id']}", json={"sku": first["sku"]}, headers=admin
    )

    assert response.status_code == 409
    assert response.json()["code"] == "sku-taken"


@pytest.mark.parametrize("field", ["name", "price", "sku", "category_id", "is_active"])
async def test_a_required_field_cannot_be_set_to_null(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    mugs: Json,
    create_product: CreateProduct,
    field: str,
) -> None:
    product = await create_product(mugs)

    response = await client.patch(
        f"/api/catalog/products/{product['id']}", json={field: None}, headers=admin
    )

    assert response.status_code == 422


async def test_stock_is_not_changed_through_the_product(
    client: httpx.AsyncClient, admin: dict[str, str], mugs: Json, create_product: CreateProduct
) -> None:
    product = await create_product(mugs, stock=3)

    response = await client.patch(
        f"/api/catalog/products/{product['id']}", json={"stock": 100}, headers=admin
    )

    assert response.status_code == 422


async def test_a_deactivated_product_is_hidden_and_can_come_back(
    client: httpx.AsyncClient, admin: dict[str, str], mugs: Json, create_product: CreateProduct
) -> None:
    product = await create_product(mugs)

    deleted = await client.delete(f"/api/catalog/products/{product['id']}", headers=admin)

    assert deleted.status_code == 204
    assert (await client.get(f"/api/catalog/products/{product['id']}")).status_code == 404
    assert (await client.get("/api/catalog/products")).json()["items"] == []
    restored = await client.patch(
        f"/api/catalog/products/{product['id']}", json={"is_active": True}, headers=admin
    )
    assert restored.json()["is_active"] is True
    assert (await client.get(f"/api/catalog/products/{product['slug']}")).status_code == 200


async def test_a_new_product_records_its_initial_stock_in_the_ledger(
    admin: dict[str, str],
    mugs: Json,
    create_product: CreateProduct,
    db: asyncpg.Connection,
) -> None:
    product = await create_product(mugs, stock=9)

    movements = await db.fetch(
        "SELECT kind, quantity FROM catalog.stock_movements WHERE product_id = $1",
        product["id"],
    )

    assert [(row["kind"], row["quantity"]) for row in movements] == [("initial", 9)]


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_changing_an_unknown_product_is_a_404(
    client: httpx.AsyncClient, admin: dict[str, str], method: str
) -> None:
    response = await client.request(
        method,
        f"/api/catalog/products/{UNKNOWN}",
        json={"name": "X"} if method == "PATCH" else None,
        headers=admin,
    )

    assert response.status_code == 404
    assert response.json()["code"] == "product-not-found"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/catalog/products", {"name": "X"}),
        ("PATCH", f"/api/catalog/products/{UNKNOWN}", {"name": "X"}),
        ("DELETE", f"/api/catalog/products/{UNKNOWN}", None),
        ("GET", f"/api/catalog/products/{UNKNOWN}/stock", None),
        ("POST", f"/api/catalog/products/{UNKNOWN}/stock/restocks", {"quantity": 1}),
        ("POST", f"/api/catalog/products/{UNKNOWN}/stock/adjustments", {"delta": 1}),
        ("GET", "/api/catalog/reports/low-stock", None),
        ("GET", "/api/catalog/reports/category-stats", None),
    ],
)
async def test_product_administration_needs_an_admin(
    client: httpx.AsyncClient,
    customer: dict[str, str],
    method: str,
    path: str,
    body: Json | None,
) -> None:
    anonymous = await client.request(method, path, json=body)
    as_customer = await client.request(method, path, json=body, headers=customer)

    assert anonymous.status_code == 401
    assert as_customer.status_code == 403
    assert as_customer.json()["code"] == "forbidden"
