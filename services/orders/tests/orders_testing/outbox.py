"""What the outbox holds, read straight from the database; who users names as recipients."""

import uuid
from collections.abc import Callable
from typing import Any

from orders_testing.fake_users import Account, FakeUsers
from orders_testing.placing import Actor


async def outbox_of(database_rows: Callable[..., Any], order_id: uuid.UUID | str) -> list[Any]:
    """The order's emails, oldest first."""
    rows: list[Any] = await database_rows(
        "SELECT * FROM orders.order_notifications WHERE order_id = $1 ORDER BY created_at, id",
        uuid.UUID(str(order_id)),
    )
    return rows


async def events_of(database_rows: Callable[..., Any], order_id: uuid.UUID | str) -> list[str]:
    return [row["event"] for row in await outbox_of(database_rows, order_id)]


async def make_due(database_rows: Callable[..., Any]) -> None:
    """The clock: every waiting email's next attempt (and any lease) is now past."""
    await database_rows(
        "UPDATE orders.order_notifications SET next_attempt_at = now() - interval '1 second',"
        " claimed_until = CASE WHEN claimed_until IS NULL THEN NULL"
        " ELSE now() - interval '1 second' END WHERE state = 'pending'"
    )


def enrol(fake_users: FakeUsers, customer: Actor) -> Account:
    """Give a customer whose token a test made an account at users, so users names them."""
    account = Account(
        id=customer.user_id,
        username=f"customer_{customer.user_id.hex[:8]}",
        email=f"{customer.user_id.hex}@example.com",
    )
    fake_users.accounts[account.id] = account
    return account
