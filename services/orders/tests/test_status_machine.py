"""pending -> confirmed -> shipped -> delivered; pending | confirmed -> cancelled. Nothing else."""

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from orders_testing.fake_catalog import FakeCatalog, Fault
from orders_testing.placing import Actor, holds_of, place


async def _order(client: httpx.AsyncClient, fake_catalog: FakeCatalog, owner: Actor) -> Any:
    mug = fake_catalog.add_product(stock=10)
    response = await place(client, owner, (mug, 2))
    assert response.status_code == 201
    return response.json()


async def _move(client: httpx.AsyncClient, actor: Actor, order: Any, action: str) -> httpx.Response:
    return await client.post(f"/api/orders/orders/{order['id']}/{action}", headers=actor.headers)


async def _walk(client: httpx.AsyncClient, admin: Actor, order: Any, *actions: str) -> None:
    for action in actions:
        assert (await _move(client, admin, order, action)).status_code == 200


def _product(order: Any) -> uuid.UUID:
    return uuid.UUID(order["lines"][0]["product_id"])


async def test_confirming_commits_the_reservation(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, admin: Actor
) -> None:
    order = await _order(client, fake_catalog, customer)

    response = await _move(client, admin, order, "confirm")

    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    assert fake_catalog.stock(_product(order)) == (8, 0, 2)


async def test_cancelling_a_pending_order_returns_its_stock(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    order = await _order(client, fake_catalog, customer)

    response = await _move(client, customer, order, "cancel")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert fake_catalog.stock(_product(order)) == (10, 0, 0)


async def test_an_admin_cancelling_a_confirmed_order_returns_its_stock(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, admin: Actor
) -> None:
    order = await _order(client, fake_catalog, customer)
    await _walk(client, admin, order, "confirm")

    response = await _move(client, admin, order, "cancel")

    assert response.json()["status"] == "cancelled"
    assert fake_catalog.stock(_product(order)) == (10, 0, 0)


async def test_the_whole_way_is_recorded_step_by_step_with_its_actors(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, admin: Actor
) -> None:
    order = await _order(client, fake_catalog, customer)
    await _walk(client, admin, order, "confirm", "ship", "deliver")

    url = f"/api/orders/orders/{order['id']}"
    history = (await client.get(url, headers=customer.headers)).json()["history"]

    assert [(step["from_status"], step["to_status"]) for step in history] == [
        (None, "pending"),
        ("pending", "confirmed"),
        ("confirmed", "shipped"),
        ("shipped", "delivered"),
    ]
    assert [(step["actor_id"], step["actor_role"]) for step in history] == [
        (str(customer.user_id), "customer")
    ] + [(str(admin.user_id), "admin")] * 3
    times = [step["changed_at"] for step in history]
    assert times == sorted(times)


@pytest.mark.parametrize(
    ("path", "action", "current"),
    [
        ([], "ship", "pending"),
        ([], "deliver", "pending"),
        (["confirm"], "confirm", "confirmed"),
        (["confirm"], "deliver", "confirmed"),
        (["confirm", "ship"], "cancel", "shipped"),
        (["confirm", "ship"], "confirm", "shipped"),
        (["confirm", "ship", "deliver"], "cancel", "delivered"),
        (["confirm", "ship", "deliver"], "ship", "delivered"),
        (["cancel"], "confirm", "cancelled"),
        (["cancel"], "cancel", "cancelled"),
    ],
)
async def test_illegal_moves_are_a_409_naming_the_current_status(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    path: list[str],
    action: str,
    current: str,
) -> None:
    order = await _order(client, fake_catalog, customer)
    await _walk(client, admin, order, *path)
    stock_before = fake_catalog.stock(_product(order))

    response = await _move(client, admin, order, action)

    assert response.status_code == 409
    assert response.json()["code"] == "illegal-status-transition"
    assert response.json()["current_status"] == current
    assert current in response.json()["detail"]
    assert fake_catalog.stock(_product(order)) == stock_before


async def test_a_customer_cannot_cancel_a_confirmed_order(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, admin: Actor
) -> None:
    order = await _order(client, fake_catalog, customer)
    await _walk(client, admin, order, "confirm")

    response = await _move(client, customer, order, "cancel")

    assert response.status_code == 409
    assert response.json()["current_status"] == "confirmed"
    assert fake_catalog.stock(_product(order)) == (8, 0, 2)


async def test_a_customer_cannot_cancel_someone_elses_order(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    new_customer: Any,
) -> None:
    order = await _order(client, fake_catalog, customer)

    response = await _move(client, new_customer(), order, "cancel")

    assert response.status_code == 404
    assert fake_catalog.stock(_product(order)) == (8, 2, 0)


@pytest.mark.parametrize("action", ["confirm", "ship", "deliver"])
async def test_only_an_admin_moves_an_order_forward(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, action: str
) -> None:
    order = await _order(client, fake_catalog, customer)

    response = await _move(client, customer, order, action)

    assert response.status_code == 403


async def test_moving_an_unknown_order_is_a_404(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await _move(client, admin, {"id": str(uuid.uuid4())}, "confirm")

    assert response.status_code == 404
    assert response.json()["code"] == "order-not-found"


@pytest.mark.parametrize(("action", "catalog_call"), [("confirm", "commit"), ("cancel", "release")])
@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("refuse", 0),
        ("disconnect", 0),
        ("timeout", 0),
        ("server-error", 500),
        ("server-error", 503),
        ("garbage", 0),
        ("undecodable", 0),
    ],
)
async def test_catalog_failing_during_a_move_is_a_503_and_changes_nothing(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    database_rows: Any,
    action: str,
    catalog_call: str,
    kind: Any,
    status: int,
) -> None:
    order = await _order(client, fake_catalog, customer)
    fake_catalog.faults.append(Fault(kind, path=catalog_call, times=100, status=status or 503))

    response = await _move(client, admin, order, action)
    reread = await client.get(f"/api/orders/orders/{order['id']}", headers=admin.headers)

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "catalog-unavailable"
    assert int(response.headers["Retry-After"]) > 0
    assert reread.json()["status"] == "pending"
    assert len(reread.json()["history"]) == 1
    assert fake_catalog.stock(_product(order)) == (8, 2, 0)
    assert await holds_of(database_rows, customer) == (1, 2)
    fake_catalog.faults.clear()
    assert (await _move(client, admin, order, action)).status_code == 200  # the retry settles


async def test_a_move_retried_after_a_lost_answer_settles_the_stock_once(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, admin: Actor
) -> None:
    order = await _order(client, fake_catalog, customer)
    fake_catalog.faults.append(Fault("lose-answer", path="commit"))

    response = await _move(client, admin, order, "confirm")

    assert response.status_code == 200
    assert len(fake_catalog.reservation_calls("/commit")) == 2
    assert fake_catalog.stock(_product(order)) == (8, 0, 2)


async def test_confirming_after_the_hold_expired_is_a_409(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, admin: Actor
) -> None:
    order = await _order(client, fake_catalog, customer)
    fake_catalog.expire(f"order-{order['id']}")

    response = await _move(client, admin, order, "confirm")

    assert response.status_code == 409
    assert response.json()["code"] == "reservation-expired"


async def test_cancelling_after_the_hold_expired_succeeds_without_double_counting(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor
) -> None:
    order = await _order(client, fake_catalog, customer)
    fake_catalog.expire(f"order-{order['id']}")

    response = await _move(client, customer, order, "cancel")

    assert response.json()["status"] == "cancelled"
    assert fake_catalog.stock(_product(order)) == (10, 0, 0)


async def test_a_concurrent_cancel_and_confirm_settle_the_stock_for_the_winner_only(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, admin: Actor
) -> None:
    order = await _order(client, fake_catalog, customer)

    cancel, confirm = await asyncio.gather(
        _move(client, customer, order, "cancel"), _move(client, admin, order, "confirm")
    )

    assert sorted([cancel.status_code, confirm.status_code]) == [200, 409]
    final = (await client.get(f"/api/orders/orders/{order['id']}", headers=admin.headers)).json()
    expected = {"cancelled": (10, 0, 0), "confirmed": (8, 0, 2)}[final["status"]]
    assert fake_catalog.stock(_product(order)) == expected
