"""HTTP caching of the catalog: public reads carry an ETag and may be cached for seconds,
everything else is stored by no cache, and reservations never see a cached value."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from catalog.caching import GATEWAY_STALENESS_BOUND_SECONDS, PUBLIC_READS
from testing_kit.statement_meter import StatementMeter

Json = dict[str, Any]
CreateCategory = Callable[..., Awaitable[Json]]
CreateProduct = Callable[..., Awaitable[Json]]
PUBLIC = "public, max-age=1, s-maxage=3, stale-while-revalidate=1"
PRIVATE = "private, no-store"


@pytest.fixture
async def shop(create_category: CreateCategory, create_product: CreateProduct) -> Json:
    kitchen = await create_category("Kitchen")
    mugs = await create_category("Mugs", parent_id=kitchen["id"])
    mug = await create_product(mugs, name="Stoneware Mug", price="14.90", stock=5)
    return {"kitchen": kitchen, "mugs": mugs, "mug": mug}


def public_reads(shop: Json) -> list[str]:
    return [
        "/api/catalog/products",
        "/api/catalog/products?q=mug&sort=price&limit=5",
        f"/api/catalog/products/{shop['mug']['id']}",
        f"/api/catalog/products/{shop['mug']['slug']}",
        "/api/catalog/categories",
        "/api/catalog/categories/tree",
        f"/api/catalog/categories/{shop['kitchen']['slug']}",
        f"/api/catalog/categories/{shop['mugs']['id']}",
    ]


def test_the_figures_are_the_documented_ones() -> None:
    # docs/catalog.md ("Caching") states these; change both together.
    assert PUBLIC_READS.cache_control == PUBLIC
    assert GATEWAY_STALENESS_BOUND_SECONDS == 5


async def test_every_public_read_is_public_with_a_stable_etag(
    client: httpx.AsyncClient, shop: Json
) -> None:
    for url in public_reads(shop):
        first = await client.get(url)
        second = await client.get(url)

        assert first.status_code == 200, (url, first.text)
        assert first.headers["cache-control"] == PUBLIC, url
        assert first.headers["etag"] == second.headers["etag"], url
        assert first.headers["etag"].startswith('"'), url
        # The answer is the same for everyone: nothing to vary on.
        assert "vary" not in first.headers, url


async def test_a_matching_if_none_match_is_a_304_without_a_body(
    client: httpx.AsyncClient, shop: Json
) -> None:
    for url in public_reads(shop):
        etag = (await client.get(url)).headers["etag"]

        response = await client.get(url, headers={"If-None-Match": etag})

        assert response.status_code == 304, url
        assert response.content == b"", url
        assert response.headers["etag"] == etag, url
        assert response.headers["cache-control"] == PUBLIC, url
        assert "content-type" not in response.headers, url


async def test_a_price_change_is_a_new_body_with_a_new_etag(
    client: httpx.AsyncClient, admin: dict[str, str], shop: Json
) -> None:
    mug = shop["mug"]
    detail, listing = f"/api/catalog/products/{mug['slug']}", "/api/catalog/products"
    old = {url: (await client.get(url)).headers["etag"] for url in (detail, listing)}

    patched = await client.patch(
        f"/api/catalog/products/{mug['id']}", json={"price": "12.00"}, headers=admin
    )
    revalidated = {url: await client.get(url, headers={"If-None-Match": old[url]}) for url in old}

    assert patched.status_code == 200, patched.text
    assert revalidated[detail].status_code == 200
    assert revalidated[detail].json()["price"] == "12.00"
    assert revalidated[listing].status_code == 200
    assert revalidated[listing].json()["items"][0]["price"] == "12.00"
    for url, response in revalidated.items():
        assert response.headers["etag"] != old[url]


async def test_a_stock_change_is_a_new_etag(
    client: httpx.AsyncClient, admin: dict[str, str], shop: Json
) -> None:
    mug = shop["mug"]
    url = f"/api/catalog/products/{mug['id']}"
    old = (await client.get(url)).headers["etag"]

    restocked = await client.post(
        f"/api/catalog/products/{mug['id']}/stock/restocks", json={"quantity": 3}, headers=admin
    )
    response = await client.get(url, headers={"If-None-Match": old})

    assert restocked.status_code == 200, restocked.text
    assert response.status_code == 200
    assert response.json()["stock"] == 8
    assert response.headers["etag"] != old


async def test_a_token_changes_nothing_about_a_public_read(
    client: httpx.AsyncClient, customer: dict[str, str], admin: dict[str, str], shop: Json
) -> None:
    url = f"/api/catalog/products/{shop['mug']['slug']}"
    anonymous = await client.get(url)

    for headers in (customer, admin):
        response = await client.get(url, headers=headers)

        assert response.content == anonymous.content
        assert response.headers["etag"] == anonymous.headers["etag"]
        assert response.headers["cache-control"] == PUBLIC


async def test_a_conditional_read_costs_the_same_single_query(
    client: httpx.AsyncClient, catalog_app: FastAPI, shop: Json
) -> None:
    url = f"/api/catalog/products/{shop['mug']['slug']}"
    etag = (await client.get(url)).headers["etag"]

    async with StatementMeter(catalog_app.state.database.engine).counting() as tally:
        response = await client.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert len(tally.statements) == 1, tally.summary()


async def test_what_is_not_found_is_not_cached(client: httpx.AsyncClient, shop: Json) -> None:
    for url in ("/api/catalog/products/no-such-mug", "/api/catalog/categories/no-such-shelf"):
        response = await client.get(url)

        assert response.status_code == 404, url
        assert response.headers["cache-control"] == PRIVATE, url
        assert "etag" not in response.headers, url


async def test_an_invalid_query_is_not_cached(client: httpx.AsyncClient, shop: Json) -> None:
    response = await client.get("/api/catalog/products", params={"limit": 1000})

    assert response.status_code == 422
    assert response.headers["cache-control"] == PRIVATE


async def test_admin_answers_are_stored_by_no_cache(
    client: httpx.AsyncClient, admin: dict[str, str], shop: Json
) -> None:
    mug, mugs = shop["mug"], shop["mugs"]
    answers = [
        await client.get(f"/api/catalog/products/{mug['id']}/stock", headers=admin),
        await client.get("/api/catalog/reports/low-stock", headers=admin),
        await client.get("/api/catalog/reports/category-stats", headers=admin),
        await client.post(
            "/api/catalog/products",
            json={"name": "Tea Cup", "sku": "CUP-1", "price": "8.00", "category_id": mugs["id"]},
            headers=admin,
        ),
        await client.patch(
            f"/api/catalog/products/{mug['id']}", json={"name": "Big Mug"}, headers=admin
        ),
        await client.post("/api/catalog/categories", json={"name": "Teapots"}, headers=admin),
    ]

    for response in answers:
        assert response.status_code in (200, 201), response.text
        assert response.headers["cache-control"] == PRIVATE, response.request.url
        assert "etag" not in response.headers, response.request.url


async def test_refusals_are_stored_by_no_cache(
    client: httpx.AsyncClient, customer: dict[str, str], shop: Json
) -> None:
    stock = f"/api/catalog/products/{shop['mug']['id']}/stock"

    anonymous = await client.get(stock)
    as_customer = await client.get(stock, headers=customer)

    assert (anonymous.status_code, as_customer.status_code) == (401, 403)
    assert anonymous.headers["cache-control"] == PRIVATE
    assert as_customer.headers["cache-control"] == PRIVATE


async def test_a_reservation_takes_the_price_of_the_row_not_of_a_cached_read(
    client: httpx.AsyncClient, admin: dict[str, str], orders: dict[str, str], shop: Json
) -> None:
    mug = shop["mug"]
    detail = f"/api/catalog/products/{mug['id']}"
    cached = await client.get(detail)  # what a cache would still hold
    await client.patch(detail, json={"price": "9.99"}, headers=admin)

    reserved = await client.post(
        "/internal/reservations",
        json={"key": "order-1", "lines": [{"product_id": mug["id"], "quantity": 2}]},
        headers=orders,
    )
    replayed = await client.get("/internal/reservations/order-1", headers=orders)

    assert cached.json()["price"] == "14.90"
    assert reserved.status_code == 201, reserved.text
    assert reserved.json()["lines"][0]["unit_price"] == "9.99"
    for response in (reserved, replayed):
        assert response.headers["cache-control"] == PRIVATE
        assert "etag" not in response.headers
