"""The reservation guards its own moves: which are allowed, and what each one sends back on sale."""

from datetime import UTC, datetime

import pytest

from catalog.reservations.errors import IllegalReservationTransition, ReservationExpired
from catalog.reservations.models import Reservation, ReservationStatus

HELD = ReservationStatus.HELD
COMMITTED = ReservationStatus.COMMITTED
RELEASED = ReservationStatus.RELEASED
EXPIRED = ReservationStatus.EXPIRED


def reservation(status: ReservationStatus) -> Reservation:
    return Reservation(key="order-1", status=status, expires_at=datetime(2026, 12, 1, tzinfo=UTC))


def test_a_held_reservation_commits_and_its_units_move() -> None:
    held = reservation(HELD)

    assert held.commit(overdue=False) is True
    assert held.status is COMMITTED


def test_committing_again_moves_nothing() -> None:
    committed = reservation(COMMITTED)

    assert committed.commit(overdue=True) is False
    assert committed.status is COMMITTED


@pytest.mark.parametrize(("status", "overdue"), [(HELD, True), (EXPIRED, False)])
def test_a_reservation_past_its_expiry_cannot_commit(
    status: ReservationStatus, overdue: bool
) -> None:
    late = reservation(status)

    with pytest.raises(ReservationExpired) as refused:
        late.commit(overdue=overdue)

    assert refused.value.extensions == {"expires_at": "2026-12-01T00:00:00+00:00"}
    assert late.status is status


def test_a_released_reservation_cannot_commit() -> None:
    released = reservation(RELEASED)

    with pytest.raises(IllegalReservationTransition) as refused:
        released.commit(overdue=False)

    assert refused.value.extensions == {"status": "released"}
    assert released.status is RELEASED


@pytest.mark.parametrize(
    ("status", "overdue", "back_on_sale_from", "becomes"),
    [
        (HELD, False, HELD, RELEASED),
        (HELD, True, HELD, EXPIRED),
        (COMMITTED, False, COMMITTED, RELEASED),
        # A sale is not undone by the clock: a committed reservation past its expiry releases.
        (COMMITTED, True, COMMITTED, RELEASED),
    ],
)
def test_releasing_sends_the_units_back_from_where_they_were(
    status: ReservationStatus,
    overdue: bool,
    back_on_sale_from: ReservationStatus,
    becomes: ReservationStatus,
) -> None:
    moving = reservation(status)

    assert moving.release(overdue=overdue) is back_on_sale_from
    assert moving.status is becomes


@pytest.mark.parametrize("status", [RELEASED, EXPIRED])
def test_releasing_what_is_released_or_expired_moves_nothing(status: ReservationStatus) -> None:
    done = reservation(status)

    assert done.release(overdue=True) is None
    assert done.status is status
