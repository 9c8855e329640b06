"""The category tree: browsing it, and keeping it a tree while admins change it."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

Json = dict[str, Any]
CreateCategory = Callable[..., Awaitable[Json]]
CreateProduct = Callable[..., Awaitable[Json]]


async def test_a_category_gets_a_slug_made_from_its_name(create_category: CreateCategory) -> None:
    category = await create_category("Kaffee & Tee, Zubehör")

    assert category["slug"] == "kaffee-tee-zubehor"
    assert category["parent_id"] is None
    assert category["is_active"] is True


async def test_a_generated_slug_that_is_taken_gets_a_number(
    create_category: CreateCategory,
) -> None:
    first = await create_category("Mugs")
    second = await create_category("Mugs")

    assert (first["slug"], second["slug"]) == ("mugs", "mugs-2")


async def test_a_chosen_slug_that_is_taken_is_a_conflict(
    client: httpx.AsyncClient, admin: dict[str, str], create_category: CreateCategory
) -> None:
    await create_category("Mugs", slug="cups")

    response = await client.post(
        "/api/catalog/categories", json={"name": "Cups", "slug": "cups"}, headers=admin
    )

    assert response.status_code == 409
    assert response.json()["code"] == "slug-taken"


@pytest.mark.parametrize(
    "slug", ["Upper", "two--hyphens", "-edge", "tree", "0f8fad5b-d9cb-469f-a165-70867728950e"]
)
async def test_a_slug_must_be_lower_case_words_and_not_a_route_or_an_id(
    client: httpx.AsyncClient, admin: dict[str, str], slug: str
) -> None:
    response = await client.post(
        "/api/catalog/categories", json={"name": "Mugs", "slug": slug}, headers=admin
    )

    assert response.status_code == 422
    assert response.json()["code"] == "validation-error"


async def test_a_subcategory_needs_an_existing_active_parent(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    response = await client.post(
        "/api/catalog/categories",
        json={"name": "Orphan", "parent_id": "0f8fad5b-d9cb-469f-a165-70867728950e"},
        headers=admin,
    )

    assert response.status_code == 422
    assert response.json()["code"] == "parent-category-unavailable"


async def test_the_tree_nests_subcategories_sorted_by_name(
    client: httpx.AsyncClient, create_category: CreateCategory
) -> None:
    kitchen = await create_category("Kitchen")
    garden = await create_category("Garden")
    mugs = await create_category("Mugs", parent_id=kitchen["id"])
    await create_category("Espresso cups", parent_id=mugs["id"])
    await create_category("Cookware", parent_id=kitchen["id"])

    response = await client.get("/api/catalog/categories/tree")

    assert response.status_code == 200

    def shape(nodes: list[Json]) -> list[Any]:
        return [(node["slug"], shape(node["children"])) for node in nodes]

    assert shape(response.json()) == [
        ("garden", []),
        ("kitchen", [("cookware", []), ("mugs", [("espresso-cups", [])])]),
    ]
    assert garden["slug"] == "garden"


async def test_the_flat_list_pages_by_name_without_gaps_or_repeats(
    client: httpx.AsyncClient, create_category: CreateCategory
) -> None:
    for name in ["Delta", "Alpha", "Echo", "Charlie", "Bravo"]:
        await create_category(name)

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/catalog/categories", params=params)).json()
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]


async def test_a_category_is_found_by_id_or_slug_with_its_path_and_children(
    client: httpx.AsyncClient, create_category: CreateCategory
) -> None:
    kitchen = await create_category("Kitchen")
    coffee = await create_category("Coffee", parent_id=kitchen["id"])
    mugs = await create_category("Mugs", parent_id=coffee["id"])
    await create_category("Presses", parent_id=coffee["id"])

    by_slug = await client.get("/api/catalog/categories/coffee")
    by_id = await client.get(f"/api/catalog/categories/{coffee['id']}")
    leaf = await client.get(f"/api/catalog/categories/{mugs['slug']}")

    assert by_slug.status_code == by_id.status_code == 200
    assert by_slug.json() == by_id.json()
    assert [item["slug"] for item in by_slug.json()["ancestors"]] == ["kitchen"]
    assert [item["slug"] for item in by_slug.json()["children"]] == ["mugs", "presses"]
    assert [item["slug"] for item in leaf.json()["ancestors"]] == ["kitchen", "coffee"]


@pytest.mark.parametrize("ref", ["no-such-category", "0f8fad5b-d9cb-469f-a165-70867728950e"])
async def test_an_unknown_category_is_a_404(client: httpx.AsyncClient, ref: str) -> None:
    response = await client.get(f"/api/catalog/categories/{ref}")

    assert response.status_code == 404
    assert response.json()["code"] == "category-not-found"


async def test_a_category_can_be_renamed_and_moved_to_the_top(
    client: httpx.AsyncClient, admin: dict[str, str], create_category: CreateCategory
) -> None:
    kitchen = await create_category("Kitchen")
    mugs = await create_category("Mugs", parent_id=kitchen["id"])

    response = await client.patch(
        f"/api/catalog/categories/{mugs['id']}",
        json={"name": "Mugs & Cups", "parent_id": None, "description": "Drink up"},
        headers=admin,
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Mugs & Cups"
    assert response.json()["parent_id"] is None
    assert response.json()["slug"] == "mugs"
    assert response.json()["updated_at"] >= mugs["updated_at"]


@pytest.mark.parametrize("target", ["itself", "grandchild"])
async def test_a_category_cannot_move_under_itself_or_its_descendants(
    client: httpx.AsyncClient, admin: dict[str, str], create_category: CreateCategory, target: str
) -> None:
    kitchen = await create_category("Kitchen")
    coffee = await create_category("Coffee", parent_id=kitchen["id"])
    mugs = await create_category("Mugs", parent_id=coffee["id"])
    parent = kitchen if target == "itself" else mugs

    response = await client.patch(
        f"/api/catalog/categories/{kitchen['id']}", json={"parent_id": parent["id"]}, headers=admin
    )

    assert response.status_code == 409
    assert response.json()["code"] == "category-cycle"


async def test_concurrent_moves_cannot_make_a_cycle_together(
    client: httpx.AsyncClient, admin: dict[str, str], create_category: CreateCategory
) -> None:
    left = await create_category("Left")
    right = await create_category("Right")

    responses = await asyncio.gather(
        client.patch(
            f"/api/catalog/categories/{left['id']}", json={"parent_id": right["id"]}, headers=admin
        ),
        client.patch(
            f"/api/catalog/categories/{right['id']}", json={"parent_id": left["id"]}, headers=admin
        ),
    )

    assert sorted(response.status_code for response in responses) == [200, 409]
    tree = (await client.get("/api/catalog/categories/tree")).json()
    assert len(tree) == 1
    assert len(tree[0]["children"]) == 1


async def test_a_null_name_is_refused(
    client: httpx.AsyncClient, admin: dict[str, str], create_category: CreateCategory
) -> None:
    kitchen = await create_category("Kitchen")

    response = await client.patch(
        f"/api/catalog/categories/{kitchen['id']}", json={"name": None}, headers=admin
    )

    assert response.status_code == 422


async def test_an_empty_category_is_deactivated_and_hidden(
    client: httpx.AsyncClient, admin: dict[str, str], create_category: CreateCategory
) -> None:
    kitchen = await create_category("Kitchen")

    response = await client.delete(f"/api/catalog/categories/{kitchen['id']}", headers=admin)

    assert response.status_code == 204
    assert (await client.get("/api/catalog/categories/kitchen")).status_code == 404
    assert (await client.get("/api/catalog/categories/tree")).json() == []
    assert (await client.get("/api/catalog/categories")).json()["items"] == []
    again = await client.delete(f"/api/catalog/categories/{kitchen['id']}", headers=admin)
    assert again.status_code == 204


async def test_a_category_with_active_products_cannot_be_deactivated(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    create_category: CreateCategory,
    create_product: CreateProduct,
) -> None:
    mugs = await create_category("Mugs")
    await create_product(mugs)

    response = await client.delete(f"/api/catalog/categories/{mugs['id']}", headers=admin)

    assert response.status_code == 409
    assert response.json()["code"] == "category-not-empty"
    assert response.json()["reason"] == "active-products"
    assert (await client.get("/api/catalog/categories/mugs")).status_code == 200


async def test_a_category_with_active_subcategories_cannot_be_deactivated(
    client: httpx.AsyncClient, admin: dict[str, str], create_category: CreateCategory
) -> None:
    kitchen = await create_category("Kitchen")
    await create_category("Mugs", parent_id=kitchen["id"])

    response = await client.patch(
        f"/api/catalog/categories/{kitchen['id']}", json={"is_active": False}, headers=admin
    )

    assert response.status_code == 409
    assert response.json()["reason"] == "active-subcategories"


async def test_a_category_cannot_be_activated_under_an_inactive_parent(
    client: httpx.AsyncClient, admin: dict[str, str], create_category: CreateCategory
) -> None:
    kitchen = await create_category("Kitchen")
    mugs = await create_category("Mugs", parent_id=kitchen["id"])
    await client.delete(f"/api/catalog/categories/{mugs['id']}", headers=admin)
    await client.delete(f"/api/catalog/categories/{kitchen['id']}", headers=admin)

    response = await client.patch(
        f"/api/catalog/categories/{mugs['id']}", json={"is_active": True}, headers=admin
    )

    assert response.status_code == 422
    assert response.json()["code"] == "parent-category-unavailable"


async def test_changing_an_unknown_category_is_a_404(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    unknown = "0f8fad5b-d9cb-469f-a165-70867728950e"

    patch = await client.patch(
        f"/api/catalog/categories/{unknown}", json={"name": "X"}, headers=admin
    )
    delete = await client.delete(f"/api/catalog/categories/{unknown}", headers=admin)

    assert patch.status_code == delete.status_code == 404


async def test_a_cursor_that_is_not_ours_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/catalog/categories", params={"cursor": "bm90LWEtY3Vyc29y"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid-cursor"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/catalog/categories", {"name": "X"}),
        ("PATCH", "/api/catalog/categories/0f8fad5b-d9cb-469f-a165-70867728950e", {"name": "X"}),
        ("DELETE", "/api/catalog/categories/0f8fad5b-d9cb-469f-a165-70867728950e", None),
    ],
)
async def test_category_writes_need_an_admin(
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
