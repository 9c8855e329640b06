"""The saga's recovery: placements whose outcome is unknown, and pending orders whose hold ran out.

A placement leaves its `placing` placeholder behind when it could not learn whether catalog
reserved its stock (a timeout, a 503, a crash of this process). The client was told the order
failed (or was told nothing), so the recovery is always the same: release the reservation by
its key, then delete the placeholder. Releasing is idempotent and answers for every case:
held stock comes back, an expired hold is already back, and an unknown key (404) means
nothing was ever held. Only when catalog cannot answer does the placeholder stay, for the next
round.

A pending order whose stock hold has run out is cancelled by the system: catalog has put its
stock back on sale already, so the order can never be confirmed. It is released first all
the same (idempotent: an expired hold answers `expired`), because only catalog's answer
proves the stock is back - orders' clock may run ahead of catalog's sweep, and a confirm
whose commit reached catalog but not orders' database leaves a committed reservation behind
a pending order. Only then is the order cancelled, with a step of history by the system.
"""

import logging
import uuid
from datetime import timedelta

from orders.catalog_client import errors as catalog_errors
from orders.catalog_client.client import CatalogClient
from orders.ordering.models import SYSTEM_ACTOR_ID, SYSTEM_ACTOR_ROLE
from orders.ordering.placement import reservation_key
from orders.ordering.repository import OrderRepository
from service_kit.database import Database

logger = logging.getLogger(__name__)


async def _release_hold(catalog: CatalogClient, order_id: uuid.UUID, what: str) -> str | None:
    """Release the order's hold at catalog: what became of it, or None when catalog is down
    or confused (logged; the caller tries again next round)."""
    try:
        reservation = await catalog.release(key=reservation_key(order_id))
    except catalog_errors.NoSuchReservation:
        return "nothing-held"
    except catalog_errors.CatalogCallFailed:
        logger.warning(
            "could not release a hold",
            extra={"order_id": str(order_id), "hold": what},
            exc_info=True,
        )
        return None
    return reservation.status.value


async def resolve_abandoned_placements(
    *,
    database: Database,
    catalog: CatalogClient,
    older_than: timedelta,
    batch_size: int,
) -> int:
    """Release and remove up to `batch_size` placements older than `older_than`.

    One placement per transaction: its row stays locked (FOR UPDATE SKIP LOCKED) while catalog
    is asked, so no other replica takes it, and a placement that completes late finds it gone
    and gives its stock back itself. Returns how many were resolved.
    """
    resolved = 0
    for _ in range(batch_size):
        async with database.transaction() as session:
            orders = OrderRepository(session)
            order_id = await orders.claim_stale_placement(older_than=older_than)
            if order_id is None:
                break
            outcome = await _release_hold(catalog, order_id, "an abandoned placement")
            if outcome is None:
                break  # keep the placeholder, try again next round
            await orders.discard_placement(order_id)
            logger.info(
                "abandoned placement resolved",
                extra={"order_id": str(order_id), "reservation": outcome},
            )
            resolved += 1
    return resolved


async def cancel_expired_orders(
    *,
    database: Database,
    catalog: CatalogClient,
    batch_size: int,
) -> int:
    """Cancel up to `batch_size` pending orders whose stock hold has run out.

    One order per transaction, as for placements: its row stays locked (FOR UPDATE SKIP
    LOCKED) while catalog is asked, so replicas never take the same order, and a customer's
    or an admin's move of it waits and then finds it cancelled. Returns how many were
    cancelled.
    """
    cancelled = 0
    for _ in range(batch_size):
        async with database.transaction() as session:
            orders = OrderRepository(session)
            order_id = await orders.claim_expired_order()
            if order_id is None:
                break
            outcome = await _release_hold(catalog, order_id, "the expired hold of an order")
            if outcome is None:
                break  # unproven that the stock is back: the order stays pending for now
            # Locked and pending since the claim, so this cancels it.
            if await orders.cancel_expired_order(
                order_id, actor_id=SYSTEM_ACTOR_ID, actor_role=SYSTEM_ACTOR_ROLE
            ):
                logger.info(
                    "order cancelled: its stock hold expired",
                    extra={"order_id": str(order_id), "reservation": outcome},
                )
                cancelled += 1
    return cancelled
