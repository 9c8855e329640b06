"""Placing orders through the gateway, as a customer's client does."""

import httpx

from e2e_testing import Json
from e2e_testing.customers import Customer

ORDERS = "/api/orders/orders"


def order_body(product: Json, quantity: int) -> Json:
    return {"lines": [{"product_id": product["id"], "quantity": quantity}]}


def place_order(
    gateway: httpx.Client,
    customer: Customer,
    product: Json,
    quantity: int,
    *,
    idempotency_key: str | None = None,
) -> httpx.Response:
    """One line of `quantity` units of `product`, placed by `customer` through the gateway."""
    headers = dict(customer.headers)
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return gateway.post(ORDERS, json=order_body(product, quantity), headers=headers)
