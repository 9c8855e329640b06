"""The expiry sweeper: overdue held stock comes back by itself, once, with any number of
sweepers running."""

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest
from prometheus_client import REGISTRY

from catalog.main import create_app
from catalog.reservations import jobs
from catalog.reservations.service import expire_overdue_reservations
from catalog.settings import CatalogSettings
from catalog_testing import DEADLINE_SECONDS
from catalog_testing.stock import make_overdue, stock_of
from service_kit.database import Database
from testing_kit.fixtures import serve
from testing_kit.tokens import SigningKey
from testing_kit.waiting import eventually

Json = dict[str, Any]


async def setup_mug(client: httpx.AsyncClient, admin: dict[str, str], stock: int) -> Json:
    category = await client.post("/api/catalog/categories", json={"name": "Mugs"}, headers=admin)
    product = await client.post(
        "/api/catalog/products",
        json={
            "name": "Mug",
            "sku": "MUG-1",
            "price": "5.00",
            "category_id": category.json()["id"],
            "stock": stock,
        },
        headers=admin,
    )
    body: Json = product.json()
    return body


def sweep_failures() -> float:
    failures = REGISTRY.get_sample_value(
        "background_job_failures_total", {"job": "reservation-sweeper"}
    )
    return failures or 0.0


async def test_overdue_held_stock_comes_back_by_itself(
    sweeping_client: httpx.AsyncClient,
    admin: dict[str, str],
    orders: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    client = sweeping_client
    mug = await setup_mug(client, admin, stock=10)
    for key in ("forgotten", "paid", "fresh"):
        await client.post(
            "/internal/reservations",
            json={"key": key, "lines": [{"product_id": mug["id"], "quantity": 2}]},
            headers=orders,
        )
    await client.post("/internal/reservations/paid/commit", headers=orders)
    await make_overdue(db, "forgotten", "paid")

    async def forgotten_expired() -> bool:
        response = await client.get("/internal/reservations/forgotten", headers=orders)
        return bool(response.json()["status"] == "expired")

    assert await eventually(forgotten_expired, within_seconds=DEADLINE_SECONDS)

    assert await stock_of(client, admin, mug) == {
        "product_id": mug["id"],
        "available": 6,
        "held": 2,
        "committed": 2,
    }
    paid = await client.get("/internal/reservations/paid", headers=orders)
    fresh = await client.get("/internal/reservations/fresh", headers=orders)
    assert (paid.json()["status"], fresh.json()["status"]) == ("committed", "held")
    commit = await client.post("/internal/reservations/forgotten/commit", headers=orders)
    assert commit.status_code == 409
    assert commit.json()["code"] == "reservation-expired"
    release = await client.post("/internal/reservations/forgotten/release", headers=orders)
    assert (release.status_code, release.json()["status"]) == (200, "expired")


async def test_a_reservation_with_a_one_second_ttl_expires_without_help(
    sweeping_client: httpx.AsyncClient, admin: dict[str, str], orders: dict[str, str]
) -> None:
    client = sweeping_client
    mug = await setup_mug(client, admin, stock=3)
    reserved = await client.post(
        "/internal/reservations",
        json={
            "key": "brief",
            "lines": [{"product_id": mug["id"], "quantity": 3}],
            "ttl_seconds": 1,
        },
        headers=orders,
    )
    assert reserved.status_code == 201  # else the stock was never away

    async def stock_is_back() -> bool:
        return bool((await stock_of(client, admin, mug))["available"] == 3)

    assert await eventually(stock_is_back, within_seconds=DEADLINE_SECONDS)


async def test_sweepers_side_by_side_expire_each_reservation_exactly_once(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    orders: dict[str, str],
    db: asyncpg.Connection,
    settings: CatalogSettings,
) -> None:
    mug = await setup_mug(client, admin, stock=300)
    keys = [f"r-{number}" for number in range(120)]
    await asyncio.gather(
        *(
            client.post(
                "/internal/reservations",
                json={"key": key, "lines": [{"product_id": mug["id"], "quantity": 2}]},
                headers=orders,
            )
            for key in keys
        )
    )
    await make_overdue(db, *keys)
    database = Database.from_settings(settings)

    async def replica() -> int:
        """One replica's sweeper: small batches until nothing is left for it."""
        expired = 0
        while True:
            async with database.transaction() as session:
                batch = await expire_overdue_reservations(session=session, limit=7)
            expired += batch
            if batch == 0:
                return expired

    try:
        per_replica = await asyncio.gather(*(replica() for _ in range(4)))
    finally:
        await database.dispose()

    assert sum(per_replica) == 120
    assert await stock_of(client, admin, mug) == {
        "product_id": mug["id"],
        "available": 300,
        "held": 0,
        "committed": 0,
    }
    statuses = await db.fetch("SELECT DISTINCT status FROM catalog.reservations")
    assert [row["status"] for row in statuses] == ["expired"]


async def test_the_sweeper_stops_with_the_app(
    settings: CatalogSettings, signing_key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    rounds = 0
    sweep = jobs.sweep_expired_reservations

    async def counted_sweep(**arguments: Any) -> int:
        nonlocal rounds
        rounds += 1
        return await sweep(**arguments)

    monkeypatch.setattr(jobs, "sweep_expired_reservations", counted_sweep)
    app = create_app(
        settings.model_copy(update={"reservation_sweep_interval_seconds": 0.01}),
        jwks_source=signing_key.jwks_source,
    )

    async with serve(app):
        running = [task for task in asyncio.all_tasks() if task.get_name() == "reservation-sweeper"]
        assert len(running) == 1

        async def swept_a_few_rounds() -> bool:
            return rounds >= 3

        assert await eventually(swept_a_few_rounds, within_seconds=DEADLINE_SECONDS)

    assert running[0].done()
    assert not running[0].cancelled()
    assert running[0].exception() is None


async def test_the_sweeper_outlives_an_unreachable_database(
    settings: CatalogSettings, signing_key: SigningKey
) -> None:
    unreachable = settings.model_copy(
        update={
            "database_url": "postgresql+asyncpg://nobody:nothing@127.0.0.1:9/shop",
            "database_connect_timeout_seconds": 0.5,
            "reservation_sweep_interval_seconds": 0.01,
        }
    )
    app = create_app(unreachable, jwks_source=signing_key.jwks_source)

    async with serve(app) as client:
        failures_before = sweep_failures()

        async def failed_twice_more() -> bool:
            return sweep_failures() >= failures_before + 2

        assert await eventually(failed_twice_more, within_seconds=DEADLINE_SECONDS)
        alive = await client.get("/api/catalog/healthz")

    assert alive.status_code == 200
