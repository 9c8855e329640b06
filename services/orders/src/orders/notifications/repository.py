"""Every query of the outbox.

The relay's statements are prebuilt SQL, each one statement that is atomic by itself, so the
relay runs them on autocommit sessions: a claim is one short transaction, and nothing is held
while an email is sent. Ids travel as one JSON parameter, not an array (asyncpg would
introspect the array type on every new connection, i.e. on every round with NullPool).
"""

import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, text

from orders.notifications.models import DeliveryState, OrderEvent, OrderNotification
from service_kit.pagination import PageOfRows
from service_kit.repository import Repository


@dataclass(frozen=True)
class ClaimedEmail:
    """An email a relay holds under its lease, with what it needs to write it."""

    id: uuid.UUID
    customer_id: uuid.UUID
    event: OrderEvent
    # Failed sends before this one.
    attempts: int
    order_number: str
    order_total: Decimal


# SKIP LOCKED: relays on several replicas claim disjoint batches and never wait for each
# other. The lease (claimed_until) keeps a claimed email from every other relay after the
# claim's transaction has ended, for as long as sending may take; if the relay dies, the
# lease runs out and any relay takes the email again. A row claimed by a concurrent statement
# that committed first is re-checked against the WHERE (READ COMMITTED's re-evaluation), so
# it is not claimed twice.
_CLAIM = text(
    """
    WITH due AS (
        SELECT id FROM orders.order_notifications
        WHERE state = 'pending' AND next_attempt_at <= now()
          AND (claimed_until IS NULL OR claimed_until <= now())
        ORDER BY next_attempt_at
        LIMIT :batch_size
        FOR UPDATE SKIP LOCKED
    )
    UPDATE orders.order_notifications AS n
    SET claimed_until = now() + make_interval(secs => CAST(:lease_seconds AS double precision)),
        updated_at = now()
    FROM due, orders.orders AS o
    WHERE n.id = due.id AND o.id = n.order_id
    RETURNING n.id, n.customer_id, n.event, n.attempts, o.number, o.total
    """
)

_MARK_SENT = text(
    """
    UPDATE orders.order_notifications
    SET state = 'sent', sent_at = now(), claimed_until = NULL, last_error = NULL,
        updated_at = now()
    WHERE id = :id AND state = 'pending'
    """
)

# One failed attempt more: due again after `delay_seconds`, or parked at the last attempt.
_RECORD_FAILURE = text(
    """
    UPDATE orders.order_notifications
    SET attempts = attempts + 1,
        state = CASE WHEN attempts + 1 >= :max_attempts THEN 'parked' ELSE 'pending' END,
        next_attempt_at = now() + make_interval(secs => CAST(:delay_seconds AS double precision)),
        claimed_until = NULL, last_error = :error, updated_at = now()
    WHERE id = :id AND state = 'pending'
    RETURNING state
    """
)

_DROP = text(
    """
    UPDATE orders.order_notifications
    SET state = 'dropped', claimed_until = NULL, last_error = :reason, updated_at = now()
    WHERE id = :id AND state = 'pending'
    """
)

# Not an attempt: due again after `delay_seconds` (0: at once, for any relay).
_POSTPONE = text(
    """
    UPDATE orders.order_notifications
    SET next_attempt_at = now() + make_interval(secs => CAST(:delay_seconds AS double precision)),
        claimed_until = NULL, last_error = coalesce(:reason, last_error), updated_at = now()
    WHERE id IN (SELECT CAST(value AS uuid) FROM json_array_elements_text(CAST(:ids AS json)))
      AND state = 'pending'
    """
)

_PARKED_COUNT = text("SELECT count(*) FROM orders.order_notifications WHERE state = 'parked'")


class NotificationRepository(Repository[OrderNotification]):
    model = OrderNotification

    # --- The relay (autocommit: each statement commits by itself) -------------------------

    async def claim_due(self, *, batch_size: int, lease_seconds: float) -> list[ClaimedEmail]:
        """Take up to `batch_size` due emails under a lease of `lease_seconds`."""
        rows = (
            await self.session.execute(
                _CLAIM, {"batch_size": batch_size, "lease_seconds": lease_seconds}
            )
        ).all()
        return [
            ClaimedEmail(
                id=row.id,
                customer_id=row.customer_id,
                event=OrderEvent(row.event),
                attempts=row.attempts,
                order_number=row.number,
                order_total=row.total,
            )
            for row in rows
        ]

    async def mark_sent(self, notification_id: uuid.UUID) -> None:
        await self.session.execute(_MARK_SENT, {"id": notification_id})

    async def record_failure(
        self, notification_id: uuid.UUID, *, error: str, delay_seconds: float, max_attempts: int
    ) -> DeliveryState | None:
        """Count a failed send; the state it is in now (None if it was no longer pending)."""
        state = (
            await self.session.execute(
                _RECORD_FAILURE,
                {
                    "id": notification_id,
                    "error": error[:500],
                    "delay_seconds": delay_seconds,
                    "max_attempts": max_attempts,
                },
            )
        ).scalar_one_or_none()
        return None if state is None else DeliveryState(state)

    async def drop(self, notification_id: uuid.UUID, *, reason: str) -> None:
        await self.session.execute(_DROP, {"id": notification_id, "reason": reason})

    async def postpone(
        self, ids: Collection[uuid.UUID], *, delay_seconds: float, reason: str | None = None
    ) -> None:
        """Give claimed emails back, due after `delay_seconds`, with no attempt counted."""
        if not ids:
            return
        await self.session.execute(
            _POSTPONE,
            {
                "ids": json.dumps([str(it) for it in ids]),
                "delay_seconds": delay_seconds,
                "reason": reason,
            },
        )

    async def parked_count(self) -> int:
        count: int = (await self.session.execute(_PARKED_COUNT)).scalar_one()
        return count

    # --- The admin view (the request's transaction) ---------------------------------------

    async def page(
        self,
        *,
        state: DeliveryState | None,
        order_id: uuid.UUID | None,
        limit: int,
        offset: int,
    ) -> PageOfRows[OrderNotification]:
        """One page, newest first (ties broken by id, so pages are stable), and the total."""
        statement = select(OrderNotification).order_by(
            OrderNotification.created_at.desc(), OrderNotification.id.desc()
        )
        if state is not None:
            statement = statement.where(OrderNotification.state == state)
        if order_id is not None:
            statement = statement.where(OrderNotification.order_id == order_id)
        return await self.paginate(statement, limit=limit, offset=offset)
