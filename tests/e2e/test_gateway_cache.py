"""The gateway's shared cache of public catalog reads (docs/catalog.md, "Caching").

Every test reads URLs no other test has read (its own products), so what it finds in the cache
is its own doing. Freshness is counted by nginx in whole seconds; waits have deadlines.
"""

import asyncio
import secrets
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from catalog.caching import GATEWAY_STALENESS_BOUND_SECONDS
from e2e_testing.customers import RegisterCustomer
from e2e_testing.metrics import metrics_of, sample_sum
from e2e_testing.stack import Shop
from testing_kit.waiting import eventually_sync

Json = dict[str, Any]
CACHE_STATUS = "X-Cache-Status"
DETAIL_ROUTE = "/api/catalog/products/{ref}"
# The first read that shows a change comes at most one poll (and its answer) after it is
# visible; the bound itself already allows for catalog's answer time of a few milliseconds.
POLL_SECONDS = 0.1
MEASURING_SLACK_SECONDS = 0.5


def detail_url(product: Json) -> str:
    return f"/api/catalog/products/{product['slug']}"


def catalog_requests(shop: Shop, route: str) -> float:
    """GETs every catalog replica has answered on `route`, from their own /metrics."""
    return sum(
        sample_sum(metrics_of(replica), "http_requests_total", method="GET", route=route)
        for replica in shop.replicas("catalog")
    )


def test_a_public_read_is_a_miss_then_a_hit(
    gateway: httpx.Client, new_product: Callable[..., Json]
) -> None:
    url = detail_url(new_product())

    first = gateway.get(url, headers={"X-Request-ID": "cache-first"})
    second = gateway.get(url, headers={"X-Request-ID": "cache-second"})

    assert first.status_code == second.status_code == 200
    assert (first.headers[CACHE_STATUS], second.headers[CACHE_STATUS]) == ("MISS", "HIT")
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["cache-control"].startswith("public, ")
    # The cached answer is this request's: its own request id, once.
    assert second.headers.get_list("X-Request-ID") == ["cache-second"]


def test_lists_categories_and_searches_are_cached_too(
    gateway: httpx.Client, new_product: Callable[..., Json]
) -> None:
    product = new_product()
    nonce = secrets.token_hex(4)  # unknown parameters are ignored: a URL nobody read yet
    urls = [
        f"/api/catalog/products?category={product['category_slug']}",
        f"/api/catalog/products?q=lamp&limit=3&nonce={nonce}",
        f"/api/catalog/categories/{product['category_slug']}",
        f"/api/catalog/categories/tree?nonce={nonce}",
        f"/api/catalog/categories?nonce={nonce}",
    ]

    for url in urls:
        statuses = [gateway.get(url).headers[CACHE_STATUS] for _ in range(2)]

        assert statuses == ["MISS", "HIT"], url


def test_if_none_match_is_a_304_from_the_gateway(
    gateway: httpx.Client, new_product: Callable[..., Json]
) -> None:
    url = detail_url(new_product())
    etag = gateway.get(url).headers["etag"]

    response = gateway.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers[CACHE_STATUS] == "HIT"


def test_a_request_with_credentials_bypasses_the_cache_and_is_never_stored(
    gateway: httpx.Client,
    register_customer: RegisterCustomer,
    admin_headers: dict[str, str],
    new_product: Callable[..., Json],
) -> None:
    url = detail_url(new_product())
    customer = register_customer()

    with_token = gateway.get(url, headers=customer.headers)
    with_cookie = gateway.get(url, headers={"Cookie": "session=abc"})
    anonymous = [gateway.get(url) for _ in range(2)]
    as_admin = gateway.get(url, headers=admin_headers)

    assert with_token.status_code == 200
    assert with_token.headers[CACHE_STATUS] == "BYPASS"
    assert with_cookie.headers[CACHE_STATUS] == "BYPASS"
    # Neither was stored: the first anonymous read still found nothing.
    assert [response.headers[CACHE_STATUS] for response in anonymous] == ["MISS", "HIT"]
    # And what is stored is never served to a request with credentials.
    assert as_admin.headers[CACHE_STATUS] == "BYPASS"


def test_what_is_private_or_missing_is_never_stored(
    gateway: httpx.Client, admin_headers: dict[str, str], new_product: Callable[..., Json]
) -> None:
    product = new_product()
    missing = f"/api/catalog/products/not-yet-{secrets.token_hex(4)}"

    not_found = [gateway.get(missing) for _ in range(2)]
    stock = gateway.get(f"/api/catalog/products/{product['id']}/stock", headers=admin_headers)
    health = gateway.get("/api/catalog/healthz")

    assert [response.status_code for response in not_found] == [404, 404]
    assert [response.headers[CACHE_STATUS] for response in not_found] == ["MISS", "MISS"]
    assert not_found[1].headers["cache-control"] == "private, no-store"
    assert not_found[1].json()["code"] == "product-not-found"  # catalog's, not the gateway's
    assert stock.headers["cache-control"] == "private, no-store"
    assert CACHE_STATUS not in stock.headers  # not a cached location at all
    assert CACHE_STATUS not in health.headers


async def test_concurrent_misses_collapse_into_one_catalog_request(
    shop: Shop, new_product: Callable[..., Json]
) -> None:
    url = detail_url(new_product())
    before = catalog_requests(shop, DETAIL_ROUTE)

    async with httpx.AsyncClient(base_url=shop.gateway_url, timeout=30) as client:
        responses = await asyncio.gather(*(client.get(url) for _ in range(20)))

    after = catalog_requests(shop, DETAIL_ROUTE)
    assert {response.status_code for response in responses} == {200}
    assert len({response.content for response in responses}) == 1
    assert Counter(response.headers[CACHE_STATUS] for response in responses) == {
        "MISS": 1,
        "HIT": 19,
    }
    assert after - before == 1


@pytest.mark.parametrize("change", ["price", "stock"])
def test_a_change_is_visible_through_the_gateway_within_the_bound(
    gateway: httpx.Client,
    admin_headers: dict[str, str],
    new_product: Callable[..., Json],
    change: str,
) -> None:
    product = new_product(price="10.00", stock=10)
    url = detail_url(product)
    assert [gateway.get(url).headers[CACHE_STATUS] for _ in range(2)] == ["MISS", "HIT"]

    if change == "price":
        written = gateway.patch(
            f"/api/catalog/products/{product['id']}", json={"price": "7.50"}, headers=admin_headers
        )
        expected = ("7.50", 10)
    else:
        written = gateway.post(
            f"/api/catalog/products/{product['id']}/stock/restocks",
            json={"quantity": 5},
            headers=admin_headers,
        )
        expected = ("10.00", 15)
    committed = time.monotonic()
    assert written.status_code == 200, written.text
    shown: list[Json] = []

    def visible() -> bool:
        shown.append(gateway.get(url).json())
        return (shown[-1]["price"], shown[-1]["stock"]) == expected

    assert eventually_sync(
        visible, within_seconds=2 * GATEWAY_STALENESS_BOUND_SECONDS, interval_seconds=POLL_SECONDS
    )
    elapsed = time.monotonic() - committed
    assert (shown[0]["price"], shown[0]["stock"]) == ("10.00", 10)  # the cache was in play
    assert elapsed <= GATEWAY_STALENESS_BOUND_SECONDS + MEASURING_SLACK_SECONDS, elapsed


def test_an_order_after_a_price_change_pays_the_new_price_while_the_cache_shows_the_old(
    gateway: httpx.Client,
    admin_headers: dict[str, str],
    register_customer: RegisterCustomer,
    new_product: Callable[..., Json],
) -> None:
    product = new_product(price="20.00", stock=10)
    customer = register_customer()
    url = detail_url(product)
    assert gateway.get(url).headers[CACHE_STATUS] == "MISS"

    repriced = gateway.patch(
        f"/api/catalog/products/{product['id']}", json={"price": "25.00"}, headers=admin_headers
    )
    before = gateway.get(url)
    order = gateway.post(
        "/api/orders/orders",
        json={"lines": [{"product_id": product["id"], "quantity": 2}]},
        headers=customer.headers,
    )
    after = gateway.get(url)

    assert repriced.status_code == 200, repriced.text
    for shown in (before, after):
        assert (shown.headers[CACHE_STATUS], shown.json()["price"]) == ("HIT", "20.00")
    assert order.status_code == 201, order.text
    assert order.json()["lines"][0]["unit_price"] == "25.00"
    assert order.json()["total"] == "50.00"
