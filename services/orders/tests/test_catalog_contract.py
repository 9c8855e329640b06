"""The contract with catalog, checked against the real catalog app (in-process, real database).

Orders' own client and its own models of catalog's payloads talk to catalog's real internal
API here, so a change on either side that breaks docs/contracts/catalog-internal-api.md fails
this file. Every client test runs twice, against the real catalog and against the fake catalog
the other tests use, with the same assertions: that is what keeps the fake honest.
"""

import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from catalog.main import create_app as create_catalog_app
from catalog.settings import CatalogSettings
from orders.catalog_client import errors
from orders.catalog_client.client import CatalogClient, create_catalog_client
from orders.catalog_client.schemas import RequestedLine, ReservationStatus
from orders.settings import OrdersSettings
from orders_testing import SERVICE_DIR, SERVICE_KEY
from orders_testing.fake_catalog import FakeCatalog
from orders_testing.placing import Actor, place
from testing_kit.database_stack import DatabaseStack
from testing_kit.fixtures import migrate_to_head, serve, truncate_schema
from testing_kit.tokens import SigningKey, bearer
from testing_kit.waiting import eventually

CATALOG_DIR = SERVICE_DIR.parent / "catalog"
Json = dict[str, Any]


@pytest.fixture(scope="session")
def catalog_settings(database_stack: DatabaseStack) -> CatalogSettings:
    migrate_to_head(CATALOG_DIR, database_stack.direct_url("catalog"))
    return CatalogSettings(
        database_url=database_stack.pooled_url("catalog"),
        environment="test",
        internal_api_keys=f"orders:{SERVICE_KEY}",
        cursor_signing_key=secrets.token_urlsafe(32),
        reservation_sweep_interval_seconds=0.1,
    )


@pytest.fixture
async def catalog_app(
    catalog_settings: CatalogSettings, signing_key: SigningKey, database_stack: DatabaseStack
) -> AsyncIterator[FastAPI]:
    """The real catalog, running (its expiry sweeper too)."""
    app = create_catalog_app(catalog_settings, jwks_source=signing_key.jwks_source)
    async with serve(app):
        yield app
    await truncate_schema(database_stack.direct_dsn("catalog"), "catalog")


@pytest.fixture
async def catalog_public(catalog_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=catalog_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://catalog") as client:
        yield client


@pytest.fixture(params=["real-catalog", "fake-catalog"])
def real(request: pytest.FixtureRequest) -> bool:
    """Which catalog the client tests talk to: the real app, or tests/fake_catalog.py."""
    return bool(request.param == "real-catalog")


@pytest.fixture
def catalog_transport(
    real: bool, request: pytest.FixtureRequest, fake_catalog: FakeCatalog
) -> httpx.AsyncBaseTransport:
    if real:
        return httpx.ASGITransport(app=request.getfixturevalue("catalog_app"))
    return fake_catalog.transport


@pytest.fixture
async def catalog(
    settings: OrdersSettings, catalog_transport: httpx.AsyncBaseTransport
) -> AsyncIterator[CatalogClient]:
    """Orders' client of the catalog under test."""
    client = create_catalog_client(settings, transport=catalog_transport)
    yield client
    await client.aclose()


@pytest.fixture
def catalog_admin(signing_key: SigningKey) -> dict[str, str]:
    return bearer(signing_key.sign(role="admin"))


@pytest.fixture
def real_new_product(
    catalog_public: httpx.AsyncClient, catalog_admin: dict[str, str]
) -> Callable[..., Awaitable[Json]]:
    async def create(*, stock: int = 10, price: str = "12.50", **fields: Any) -> Json:
        suffix = uuid.uuid4().hex[:8]
        category = await catalog_public.post(
            "/api/catalog/categories", json={"name": f"Kitchen {suffix}"}, headers=catalog_admin
        )
        assert category.status_code == 201, category.text
        product = await catalog_public.post(
            "/api/catalog/products",
            json={
                "name": f"Mug {suffix}",
                "sku": f"MUG-{suffix.upper()}",
                "price": price,
                "category_id": category.json()["id"],
                "stock": stock,
                **fields,
            },
            headers=catalog_admin,
        )
        assert product.status_code == 201, product.text
        body: Json = product.json()
        return body

    return create


@pytest.fixture
def real_stock_of(
    catalog_public: httpx.AsyncClient, catalog_admin: dict[str, str]
) -> Callable[[Json], Awaitable[tuple[int, int, int]]]:
    async def levels(product: Json) -> tuple[int, int, int]:
        response = await catalog_public.get(
            f"/api/catalog/products/{product['id']}/stock", headers=catalog_admin
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return body["available"], body["held"], body["committed"]

    return levels


@pytest.fixture
def new_product(
    real: bool, request: pytest.FixtureRequest, fake_catalog: FakeCatalog
) -> Callable[..., Awaitable[Json]]:
    if real:
        creator: Callable[..., Awaitable[Json]] = request.getfixturevalue("real_new_product")
        return creator

    async def create(
        *, stock: int = 10, price: str = "12.50", is_active: bool = True, **_: Any
    ) -> Json:
        product_id = fake_catalog.add_product(stock=stock, price=price, active=is_active)
        product = fake_catalog.products[product_id]
        return {"id": str(product_id), "sku": product.sku, "name": product.name}

    return create


@pytest.fixture
def stock_of(
    real: bool, request: pytest.FixtureRequest, fake_catalog: FakeCatalog
) -> Callable[[Json], Awaitable[tuple[int, int, int]]]:
    if real:
        levels: Callable[[Json], Awaitable[tuple[int, int, int]]] = request.getfixturevalue(
            "real_stock_of"
        )
        return levels

    async def fake_levels(product: Json) -> tuple[int, int, int]:
        return fake_catalog.stock(uuid.UUID(product["id"]))

    return fake_levels


def _lines(product: Json, quantity: int) -> list[RequestedLine]:
    return [RequestedLine(product_id=uuid.UUID(product["id"]), quantity=quantity)]


def _key() -> str:
    return f"order-{uuid.uuid4()}"


async def test_reserve_holds_the_stock_and_snapshots_the_product(
    catalog: CatalogClient, new_product: Any, stock_of: Any
) -> None:
    product = await new_product(stock=10, price="12.50")
    key = _key()

    reservation = await catalog.reserve(key=key, lines=_lines(product, 3), ttl_seconds=60)

    assert reservation.key == key
    assert reservation.status == ReservationStatus.HELD
    assert reservation.expires_at > datetime.now(UTC)
    (line,) = reservation.lines
    assert (line.product_id, line.quantity) == (uuid.UUID(product["id"]), 3)
    assert (line.sku, line.name, line.unit_price) == (
        product["sku"],
        product["name"],
        Decimal("12.50"),
    )
    assert await stock_of(product) == (7, 3, 0)


async def test_reserving_again_with_the_same_key_replays_without_touching_stock(
    catalog: CatalogClient, new_product: Any, stock_of: Any
) -> None:
    product = await new_product(stock=10)
    key = _key()

    first = await catalog.reserve(key=key, lines=_lines(product, 2), ttl_seconds=60)
    replay = await catalog.reserve(key=key, lines=_lines(product, 2), ttl_seconds=60)

    assert replay == first
    assert await stock_of(product) == (8, 2, 0)


async def test_not_enough_stock_names_the_short_lines(
    catalog: CatalogClient, new_product: Any, stock_of: Any
) -> None:
    plenty = await new_product(stock=10)
    scarce = await new_product(stock=1)

    with pytest.raises(errors.StockShort) as refusal:
        await catalog.reserve(
            key=_key(), lines=_lines(plenty, 2) + _lines(scarce, 3), ttl_seconds=60
        )

    ((shortage),) = refusal.value.shortages
    assert (shortage.product_id, shortage.requested, shortage.available) == (
        uuid.UUID(scarce["id"]),
        3,
        1,
    )
    assert await stock_of(plenty) == (10, 0, 0)


async def test_unknown_and_inactive_products_are_named(
    catalog: CatalogClient, new_product: Any
) -> None:
    retired = await new_product(is_active=False)
    unknown = uuid.uuid4()

    with pytest.raises(errors.ProductsNotForSale) as refusal:
        await catalog.reserve(
            key=_key(),
            lines=[*_lines(retired, 1), RequestedLine(product_id=unknown, quantity=1)],
            ttl_seconds=60,
        )

    assert set(refusal.value.product_ids) == {uuid.UUID(retired["id"]), unknown}


async def test_commit_sells_the_stock_and_is_idempotent(
    catalog: CatalogClient, new_product: Any, stock_of: Any
) -> None:
    product = await new_product(stock=10)
    key = _key()
    await catalog.reserve(key=key, lines=_lines(product, 2), ttl_seconds=60)

    first = await catalog.commit(key=key)
    again = await catalog.commit(key=key)

    assert first.status == again.status == ReservationStatus.COMMITTED
    assert await stock_of(product) == (8, 0, 2)


@pytest.mark.parametrize("commit_first", [False, True], ids=["held", "committed"])
async def test_release_returns_the_stock_and_is_idempotent(
    catalog: CatalogClient, new_product: Any, stock_of: Any, commit_first: bool
) -> None:
    product = await new_product(stock=10)
    key = _key()
    await catalog.reserve(key=key, lines=_lines(product, 2), ttl_seconds=60)
    if commit_first:
        await catalog.commit(key=key)

    first = await catalog.release(key=key)
    again = await catalog.release(key=key)

    assert first.status == again.status == ReservationStatus.RELEASED
    assert await stock_of(product) == (10, 0, 0)


async def test_releasing_an_unknown_key_means_nothing_was_held(catalog: CatalogClient) -> None:
    with pytest.raises(errors.NoSuchReservation):
        await catalog.release(key=_key())


async def test_committing_an_unknown_key_is_not_found(catalog: CatalogClient) -> None:
    with pytest.raises(errors.NoSuchReservation):
        await catalog.commit(key=_key())


async def test_a_released_reservation_cannot_be_committed(
    catalog: CatalogClient, new_product: Any
) -> None:
    product = await new_product()
    key = _key()
    await catalog.reserve(key=key, lines=_lines(product, 1), ttl_seconds=60)
    await catalog.release(key=key)

    with pytest.raises(errors.ReservationSettled):
        await catalog.commit(key=key)


async def test_an_expired_hold_cannot_be_committed_and_releases_as_expired(
    catalog: CatalogClient, new_product: Any, stock_of: Any
) -> None:
    product = await new_product(stock=10)
    key = _key()
    await catalog.reserve(key=key, lines=_lines(product, 4), ttl_seconds=1)

    async def expired() -> bool:
        return bool(await stock_of(product) == (10, 0, 0))

    assert await eventually(expired, within_seconds=10)  # catalog's sweeper gave it back
    with pytest.raises(errors.HoldExpired):
        await catalog.commit(key=key)
    assert (await catalog.release(key=key)).status == ReservationStatus.EXPIRED
    assert await stock_of(product) == (10, 0, 0)


async def test_a_wrong_service_key_is_refused(
    settings: OrdersSettings, catalog_transport: httpx.AsyncBaseTransport
) -> None:
    impostor = create_catalog_client(
        settings.model_copy(update={"catalog_service_key": SecretStr("not-the-orders-key")}),
        transport=catalog_transport,
    )
    try:
        with pytest.raises(errors.CatalogUnreachable, match="401"):
            await impostor.release(key=_key())
    finally:
        await impostor.aclose()


async def test_orders_places_confirms_and_cancels_against_the_real_catalog(
    serve_orders: Callable[..., Any],
    settings: OrdersSettings,
    catalog_app: FastAPI,
    real_new_product: Any,
    real_stock_of: Any,
    customer: Actor,
    admin: Actor,
) -> None:
    new_product, stock_of = real_new_product, real_stock_of
    product = await new_product(stock=10, price="4.25")
    mug = uuid.UUID(product["id"])
    async with serve_orders(
        settings, catalog_transport=httpx.ASGITransport(app=catalog_app)
    ) as orders:
        kept = await place(orders, customer, (mug, 2))
        dropped = await place(orders, customer, (mug, 3))
        short = await place(orders, customer, (mug, 6))
        assert await stock_of(product) == (5, 5, 0)

        confirmed = await orders.post(
            f"/api/orders/orders/{kept.json()['id']}/confirm", headers=admin.headers
        )
        cancelled = await orders.post(
            f"/api/orders/orders/{dropped.json()['id']}/cancel", headers=customer.headers
        )

    assert kept.status_code == dropped.status_code == 201
    assert kept.json()["total"] == "8.50"
    assert kept.json()["lines"][0]["sku"] == product["sku"]
    assert short.status_code == 409
    assert short.json()["shortages"] == [{"product_id": str(mug), "requested": 6, "available": 5}]
    assert confirmed.json()["status"] == "confirmed"
    assert cancelled.json()["status"] == "cancelled"
    assert await stock_of(product) == (8, 0, 2)
