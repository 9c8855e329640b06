"""Resolving placements whose outcome is unknown: the saga's recovery.

A placement leaves its `placing` placeholder behind when it could not learn whether catalog
reserved its stock (a timeout, a 503, a crash of this process). The client was told the order
failed (or was told nothing), so the recovery is always the same: release the reservation by
its key, then delete the placeholder. Releasing is idempotent and answers for every case:
held stock comes back, an expired hold is already back, and an unknown key (404) means
nothing was ever held. Only when catalog cannot answer does the placeholder stay, for the next
round.
"""

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orders.catalog import errors as catalog_errors
from orders.catalog.client import CatalogClient
from orders.ordering import repository
from orders.ordering.service import reservation_key

logger = logging.getLogger(__name__)


async def resolve_abandoned_placements(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
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
        async with sessionmaker() as session, session.begin():
            order_id = await repository.claim_stale_placement(session, older_than=older_than)
            if order_id is None:
                break
            try:
                reservation = await catalog.release(key=reservation_key(order_id))
            except catalog_errors.ReservationNotFound:
                outcome = "nothing-held"
            except catalog_errors.CatalogError:
                # Catalog is down or confused: keep the placeholder, try again next round.
                logger.warning(
                    "could not release an abandoned placement",
                    extra={"order_id": str(order_id)},
                    exc_info=True,
                )
                break
            else:
                outcome = reservation.status.value
            await repository.delete_placement(session, order_id=order_id)
            logger.info(
                "abandoned placement resolved",
                extra={"order_id": str(order_id), "reservation": outcome},
            )
            resolved += 1
    return resolved
