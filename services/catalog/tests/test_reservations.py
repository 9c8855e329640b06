"""The internal reservation API, as orders uses it (docs/contracts/catalog-internal-api.md)."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from catalog_testing.stock import make_overdue, stock_of
from testing_kit.tokens import SigningKey, bearer

Json = dict[str, Any]
CreateCategory = Callable[..., Awaitable[Json]]
CreateProduct = Callable[..., Awaitable[Json]]
UNKNOWN = "0f8fad5b-d9cb-469f-a165-70867728950e"


@pytest.fixture
async def mug(create_category: CreateCategory, create_product: CreateProduct) -> Json:
    return await create_product(
        await create_category("Mugs"), name="Blue Mug", sku="MUG-1", price="12.50", stock=10
    )


@pytest.fixture
async def press(create_category: CreateCategory, create_product: CreateProduct) -> Json:
    return await create_product(
        await create_category("Presses"), name="Press", sku="PRS-1", price="34.00", stock=2
    )


def line(product: Json, quantity: int) -> Json:
    return {"product_id": product["id"], "quantity": quantity}


async def reserve(
    client: httpx.AsyncClient, orders: dict[str, str], key: str, *lines: Json, **extra: Any
) -> httpx.Response:
    return await client.post(
        "/internal/reservations", json={"key": key, "lines": list(lines), **extra}, headers=orders
    )


async def levels(
    client: httpx.AsyncClient, admin: dict[str, str], product: Json
) -> tuple[int, ...]:
    stock = await stock_of(client, admin, product)
    return stock["available"], stock["held"], stock["committed"]


# --- the service credential -------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("wrong-key-of-enough-length"), {"Authorization": "Basic b3JkZXJzOng="}],
)
async def test_internal_calls_without_a_valid_service_key_are_401(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/internal/reservations/some-key", headers=headers)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid-service-credential"


async def test_an_end_user_access_token_is_not_a_service_key(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    response = await client.get(
        "/internal/reservations/some-key", headers=bearer(signing_key.sign(role="admin"))
    )

    assert response.status_code == 401
    assert response.json()["code"] == "invalid-service-credential"


async def test_every_configured_caller_may_call(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/internal/reservations/some-key", headers=bearer("reports-test-service-key")
    )

    assert response.status_code == 404


async def test_the_internal_api_is_not_in_the_public_api_document(
    client: httpx.AsyncClient,
) -> None:
    paths = (await client.get("/api/catalog/openapi.json")).json()["paths"]

    assert not [path for path in paths if path.startswith("/internal")]


# --- reserving ----------------------------------------------------------------------------


async def test_a_reservation_holds_every_line_with_price_name_and_sku_of_now(
    client: httpx.AsyncClient, admin: dict[str, str], orders: dict[str, str], mug: Json, press: Json
) -> None:
    response = await reserve(client, orders, "order-1", line(press, 2), line(mug, 3))

    assert response.status_code == 201
    body = response.json()
    assert (body["key"], body["status"]) == ("order-1", "held")
    assert body["lines"] == [
        {
            "product_id": press["id"],
            "sku": "PRS-1",
            "name": "Press",
            "unit_price": "34.00",
            "quantity": 2,
        },
        {
            "product_id": mug["id"],
            "sku": "MUG-1",
            "name": "Blue Mug",
            "unit_price": "12.50",
            "quantity": 3,
        },
    ]
    assert await levels(client, admin, mug) == (7, 3, 0)
    assert await levels(client, admin, press) == (0, 2, 0)


async def test_a_reservation_expires_after_its_ttl_or_the_default(
    client: httpx.AsyncClient, orders: dict[str, str], mug: Json
) -> None:
    before = datetime.now(UTC)

    short = (await reserve(client, orders, "short", line(mug, 1), ttl_seconds=60)).json()
    default = (await reserve(client, orders, "default", line(mug, 1))).json()

    short_expiry = datetime.fromisoformat(short["expires_at"])
    default_expiry = datetime.fromisoformat(default["expires_at"])
    assert timedelta(seconds=55) < short_expiry - before < timedelta(seconds=65)
    assert timedelta(seconds=895) < default_expiry - before < timedelta(seconds=905)


async def test_duplicate_products_in_one_request_are_added_up(
    client: httpx.AsyncClient, admin: dict[str, str], orders: dict[str, str], mug: Json
) -> None:
    response = await reserve(client, orders, "dup", line(mug, 2), line(mug, 3))

    assert response.status_code == 201
    assert [(item["product_id"], item["quantity"]) for item in response.json()["lines"]] == [
        (mug["id"], 5)
    ]
    assert await levels(client, admin, mug) == (5, 5, 0)


async def test_the_same_key_and_lines_again_answer_the_first_reservation_and_hold_nothing(
    client: httpx.AsyncClient, admin: dict[str, str], orders: dict[str, str], mug: Json, press: Json
) -> None:
    first = await reserve(client, orders, "again", line(mug, 2), line(press, 1))

    # Same lines, other order and split differently: still the same reservation.
    second = await reserve(client, orders, "again", line(press, 1), line(mug, 1), line(mug, 1))

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    assert await levels(client, admin, mug) == (8, 2, 0)


async def test_the_same_key_with_other_lines_is_a_conflict(
    client: httpx.AsyncClient, admin: dict[str, str], orders: dict[str, str], mug: Json
) -> None:
    await reserve(client, orders, "taken", line(mug, 2))

    response = await reserve(client, orders, "taken", line(mug, 3))

    assert response.status_code == 409
    assert response.json()["code"] == "reservation-key-conflict"
    assert await levels(client, admin, mug) == (8, 2, 0)


async def test_concurrent_requests_with_one_key_reserve_once(
    client: httpx.AsyncClient, admin: dict[str, str], orders: dict[str, str], mug: Json
) -> None:
    responses = await asyncio.gather(
        *(reserve(client, orders, "retry-storm", line(mug, 3)) for _ in range(12))
    )

    assert sorted(response.status_code for response in responses) == [200] * 11 + [201]
    assert len({str(response.json()) for response in responses}) == 1
    assert await levels(client, admin, mug) == (7, 3, 0)


async def test_not_enough_stock_names_each_short_line_and_holds_nothing(
    client: httpx.AsyncClient, admin: dict[str, str], orders: dict[str, str], mug: Json, press: Json
) -> None:
    response = await reserve(client, orders, "greedy", line(mug, 4), line(press, 3))

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient-stock"
    assert response.json()["shortages"] == [
        {"product_id": press["id"], "requested": 3, "available": 2}
    ]
    assert await levels(client, admin, mug) == (10, 0, 0)
    missing = await client.get("/internal/reservations/greedy", headers=orders)
    assert missing.status_code == 404


async def test_a_refused_key_can_be_used_again(
    client: httpx.AsyncClient, orders: dict[str, str], press: Json
) -> None:
    refused = await reserve(client, orders, "second-try", line(press, 3))

    response = await reserve(client, orders, "second-try", line(press, 2))

    assert refused.status_code == 409
    assert response.status_code == 201


@pytest.mark.parametrize("state", ["unknown", "inactive"])
async def test_unknown_or_inactive_products_are_refused_and_nothing_is_held(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    orders: dict[str, str],
    mug: Json,
    press: Json,
    state: str,
) -> None:
    if state == "inactive":
        await client.delete(f"/api/catalog/products/{press['id']}", headers=admin)
    refused = press["id"] if state == "inactive" else UNKNOWN

    response = await reserve(
        client, orders, "bad", line(mug, 1), {"product_id": refused, "quantity": 1}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "product-unavailable"
    assert response.json()["product_ids"] == [refused]
    assert await levels(client, admin, mug) == (10, 0, 0)


@pytest.mark.parametrize(
    "body",
    [
        {"key": "k", "lines": []},
        {"key": "k", "lines": [{"product_id": UNKNOWN, "quantity": 0}]},
        {"key": "k", "lines": [{"product_id": UNKNOWN, "quantity": 1001}]},
        {"key": "k", "lines": [{"product_id": UNKNOWN, "quantity": 1}] * 51},
        {"key": "k", "lines": [{"product_id": "not-a-uuid", "quantity": 1}]},
        {"key": "has space", "lines": [{"product_id": UNKNOWN, "quantity": 1}]},
        {"key": "k" * 101, "lines": [{"product_id": UNKNOWN, "quantity": 1}]},
        {"key": "k", "lines": [{"product_id": UNKNOWN, "quantity": 1}], "ttl_seconds": 0},
        {"key": "k", "lines": [{"product_id": UNKNOWN, "quantity": 1}], "ttl_seconds": 3601},
        {"lines": [{"product_id": UNKNOWN, "quantity": 1}]},
    ],
)
async def test_malformed_reservations_are_validation_errors(
    client: httpx.AsyncClient, orders: dict[str, str], body: Json
) -> None:
    response = await client.post("/internal/reservations", json=body, headers=orders)

    assert response.status_code == 422
    assert response.json()["code"] == "validation-error"


async def test_a_key_may_use_every_allowed_character(
    client: httpx.AsyncClient, orders: dict[str, str], mug: Json
) -> None:
    key = "order:6f1c-A.b_9"

    created = await reserve(client, orders, key, line(mug, 1))
    fetched = await client.get(f"/internal/reservations/{key}", headers=orders)

    assert created.status_code == 201
    assert fetched.json() == created.json()


async def test_a_reservation_keeps_the_price_it_was_made_at(
    client: httpx.AsyncClient, admin: dict[str, str], orders: dict[str, str], mug: Json
) -> None:
    await reserve(client, orders, "locked-price", line(mug, 1))
    await client.patch(
        f"/api/catalog/products/{mug['id']}",
        json={"price": "99.00", "name": "Gold Mug"},
        headers=admin,
    )

    response = await client.get("/internal/reservations/locked-price", headers=orders)

    assert response.json()["lines"][0] | {"product_id": None} == {
        "product_id": None,
        "sku": "MUG-1",
        "name": "Blue Mug",
        "unit_price": "12.50",
        "quantity": 1,
    }


async def test_an_unknown_reservation_is_a_404(
    client: httpx.AsyncClient, orders: dict[str, str]
) -> None:
    for path in ["", "/commit", "/release"]:
        method = "GET" if not path else "POST"
        response = await client.request(
            method, f"/internal/reservations/nothing{path}", headers=orders
        )

        assert response.status_code == 404
        assert response.json()["code"] == "reservation-not-found"


# --- commit and release -----------------------------------------------------------------


async def test_commit_turns_held_units_into_committed_ones_once(
    client: httpx.AsyncClient, admin: dict[str, str], orders: dict[str, str], mug: Json
) -> None:
    await reserve(client, orders, "buy", line(mug, 4))

    first = await client.post("/internal/reservations/buy/commit", headers=orders)
    second = await client.post("/internal/reservations/buy/commit", headers=orders)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["status"] == second.json()["status"] == "committed"
    assert await levels(client, admin, mug) == (6, 0, 4)


async def test_release_of_a_held_reservation_returns_its_units_once(
    client: httpx.AsyncClient, admin: dict[str, str], orders: dict[str, str], mug: Json
) -> None:
    await reserve(client, orders, "cancel", line(mug, 4))

    first = await client.post("/internal/reservations/cancel/release", headers=orders)
    second = await client.post("/internal/reservations/cancel/release", headers=orders)

    assert first.json()["status"] == second.json()["status"] == "released"
    assert await levels(client, admin, mug) == (10, 0, 0)


async def test_release_of_a_committed_reservation_returns_its_units(
    client: httpx.AsyncClient, admin: dict[str, str], orders: dict[str, str], mug: Json
) -> None:
    await reserve(client, orders, "refund", line(mug, 4))
    await client.post("/internal/reservations/refund/commit", headers=orders)

    response = await client.post("/internal/reservations/refund/release", headers=orders)

    assert response.json()["status"] == "released"
    assert await levels(client, admin, mug) == (10, 0, 0)


async def test_a_released_reservation_cannot_be_committed(
    client: httpx.AsyncClient, admin: dict[str, str], orders: dict[str, str], mug: Json
) -> None:
    await reserve(client, orders, "gone", line(mug, 4))
    await client.post("/internal/reservations/gone/release", headers=orders)

    response = await client.post("/internal/reservations/gone/commit", headers=orders)

    assert response.status_code == 409
    assert response.json()["code"] == "illegal-reservation-transition"
    assert await levels(client, admin, mug) == (10, 0, 0)


async def test_a_reservation_past_its_expiry_cannot_be_committed_even_before_the_sweep(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    orders: dict[str, str],
    mug: Json,
    db: asyncpg.Connection,
) -> None:
    await reserve(client, orders, "late", line(mug, 4))
    await make_overdue(db, "late")

    response = await client.post("/internal/reservations/late/commit", headers=orders)

    assert response.status_code == 409
    assert response.json()["code"] == "reservation-expired"
    assert await levels(client, admin, mug) == (6, 4, 0)


async def test_releasing_a_reservation_past_its_expiry_records_it_as_expired(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    orders: dict[str, str],
    mug: Json,
    db: asyncpg.Connection,
) -> None:
    await reserve(client, orders, "late", line(mug, 4))
    await make_overdue(db, "late")

    response = await client.post("/internal/reservations/late/release", headers=orders)

    assert response.status_code == 200
    assert response.json()["status"] == "expired"
    assert await levels(client, admin, mug) == (10, 0, 0)


async def test_a_committed_reservation_is_not_affected_by_its_expiry(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    orders: dict[str, str],
    mug: Json,
    db: asyncpg.Connection,
) -> None:
    await reserve(client, orders, "sold", line(mug, 4))
    await client.post("/internal/reservations/sold/commit", headers=orders)
    await make_overdue(db, "sold")

    again = await client.post("/internal/reservations/sold/commit", headers=orders)

    assert again.status_code == 200
    assert again.json()["status"] == "committed"
    assert await levels(client, admin, mug) == (6, 0, 4)


async def test_concurrent_commit_and_release_leave_one_consistent_outcome(
    client: httpx.AsyncClient, admin: dict[str, str], orders: dict[str, str], mug: Json
) -> None:
    for number in range(10):
        await reserve(client, orders, f"race-{number}", line(mug, 1))

    moves = await asyncio.gather(
        *(
            client.post(f"/internal/reservations/race-{number}/{move}", headers=orders)
            for number in range(10)
            for move in ("commit", "release", "commit")
        )
    )

    statuses = [
        (await client.get(f"/internal/reservations/race-{number}", headers=orders)).json()["status"]
        for number in range(10)
    ]
    available, held, committed = await levels(client, admin, mug)
    # Each move either happens or is refused as illegal after the other one (commit after release).
    assert {move.status_code for move in moves} <= {200, 409}
    assert held == 0
    assert committed == statuses.count("committed")
    assert available + held + committed == 10
