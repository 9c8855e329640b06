"""The order guards its own moves: the status machine and who may make which move.

The aggregate alone, no database: test_status_machine.py checks the same rules through the
API, with the stock settled at catalog.
"""

import uuid
from datetime import UTC, datetime

import pytest

from orders.ordering.errors import IllegalStatusTransition
from orders.ordering.models import NEXT_STATUSES, Order, OrderStatus
from service_kit.auth import Principal

ALL_MOVES = [(current, to) for current in OrderStatus for to in OrderStatus]
ALLOWED = [(current, to) for current, to in ALL_MOVES if to in NEXT_STATUSES[current]]
REFUSED = [(current, to) for current, to in ALL_MOVES if to not in NEXT_STATUSES[current]]


def _actor(role: str) -> Principal:
    return Principal(
        user_id=uuid.uuid4(), role=role, token_id="token", expires_at=datetime.now(UTC)
    )


def _order(status: OrderStatus) -> Order:
    return Order(id=uuid.uuid4(), number="SO-20261201-22222Z", status=status, history=[])


@pytest.mark.parametrize(("current", "to"), ALLOWED)
def test_an_admin_makes_every_move_of_the_machine_and_it_is_recorded(
    current: OrderStatus, to: OrderStatus
) -> None:
    order, admin = _order(current), _actor("admin")

    left = order.move_to(to, actor=admin)

    assert left is current
    assert order.status is to
    ((step),) = order.history
    assert (step.from_status, step.to_status) == (current, to)
    assert (step.actor_id, step.actor_role) == (admin.user_id, "admin")


@pytest.mark.parametrize(("current", "to"), REFUSED)
def test_a_move_outside_the_machine_is_refused_and_changes_nothing(
    current: OrderStatus, to: OrderStatus
) -> None:
    order = _order(current)

    with pytest.raises(IllegalStatusTransition) as refusal:
        order.move_to(to, actor=_actor("admin"))

    assert refusal.value.extensions == {
        "current_status": current.value,
        "requested_status": to.value,
    }
    assert current.value in refusal.value.detail
    assert order.status is current
    assert order.history == []


def test_a_customer_may_cancel_a_pending_order() -> None:
    order = _order(OrderStatus.PENDING)

    order.move_to(OrderStatus.CANCELLED, actor=_actor("customer"))

    assert order.status is OrderStatus.CANCELLED


@pytest.mark.parametrize(
    ("current", "to"),
    [move for move in ALLOWED if move != (OrderStatus.PENDING, OrderStatus.CANCELLED)],
)
def test_a_customer_makes_no_other_move_even_one_the_machine_allows(
    current: OrderStatus, to: OrderStatus
) -> None:
    order = _order(current)

    with pytest.raises(IllegalStatusTransition, match="a customer can only cancel"):
        order.move_to(to, actor=_actor("customer"))

    assert order.status is current
    assert order.history == []
