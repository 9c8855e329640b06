"""Placing and reading orders: the queries and the one rule (stock never goes negative)."""

from decimal import Decimal

from fastapi import HTTPException, status
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shop_baseline.models import Order, OrderLine, Product


class InsufficientStock(HTTPException):
    def __init__(self, product_id: int, available: int, requested: int) -> None:
        super().__init__(
            status_code=status.HTTP_409_CONFLICT,
            detail=f"product {product_id}: {available} in stock, {requested} requested",
        )


class NotFound(HTTPException):
    def __init__(self, what: str) -> None:
        super().__init__(status_code=status.HTTP_404_NOT_FOUND, detail=f"{what} not found")


def get_product(session: Session, *, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(f"product {product_id}")
    return product


def place_order(session: Session, *, customer_id: str, quantities: dict[int, int]) -> Order:
    """Lock the products (in id order, so two orders never deadlock), check, take the stock.

    The caller's transaction (the session dependency) commits it all, or nothing.
    """
    products = session.scalars(
        select(Product).where(Product.id.in_(quantities)).order_by(Product.id).with_for_update()
    ).all()
    found = {product.id: product for product in products}
    for product_id in quantities:
        if product_id not in found:
            raise NotFound(f"product {product_id}")
    lines = []
    for product in products:
        requested = quantities[product.id]
        if product.stock < requested:
            raise InsufficientStock(product.id, product.stock, requested)
        product.stock -= requested
        lines.append(OrderLine(product_id=product.id, quantity=requested, unit_price=product.price))
    total = sum((line.unit_price * line.quantity for line in lines), Decimal("0.00"))
    order = Order(customer_id=customer_id, status="pending", total=total, lines=lines)
    session.add(order)
    session.flush()
    return order


def get_order(session: Session, *, order_id: int, customer_id: str) -> Order:
    """The customer's own order with its lines; someone else's is as absent as a missing one."""
    order = session.scalar(
        select(Order)
        .where(Order.id == order_id, Order.customer_id == customer_id)
        .options(selectinload(Order.lines))
    )
    if order is None:
        raise NotFound(f"order {order_id}")
    return order
