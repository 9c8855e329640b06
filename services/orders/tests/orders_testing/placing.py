"""Who places orders, placing one through the API, and what a customer then holds."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID
    headers: dict[str, str]


async def place(
    client: httpx.AsyncClient,
    actor: Actor,
    *lines: tuple[uuid.UUID, int],
    idempotency_key: str | None = None,
) -> httpx.Response:
    headers = dict(actor.headers)
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return await client.post(
        "/api/orders/orders",
        json={"lines": [{"product_id": str(p), "quantity": q} for p, q in lines]},
        headers=headers,
    )


async def holds_of(database_rows: Callable[..., Any], actor: Actor) -> tuple[int, int]:
    """(orders, units) the customer holds as counted, checked against their open orders.

    Open: placing or pending, what the caps limit. The count must always equal the orders.
    """
    counted = await database_rows(
        "SELECT pending_orders, held_units FROM orders.customer_holds WHERE customer_id = $1",
        actor.user_id,
    )
    (open_orders,) = await database_rows(
        "SELECT count(*) AS orders, coalesce(sum(units), 0) AS units FROM orders.orders"
        " WHERE customer_id = $1 AND status IN ('placing', 'pending')",
        actor.user_id,
    )
    held = (counted[0]["pending_orders"], counted[0]["held_units"]) if counted else (0, 0)
    assert held == (open_orders["orders"], open_orders["units"]), "counts disagree with orders"
    return held
