"""The expiry sweeper: held reservations past their expiry give their stock back.

One job per process. Every RESERVATION_SWEEP_INTERVAL_SECONDS it expires overdue reservations
in batches, one short transaction per batch, with row locks that skip rows another sweeper
holds: any number of replicas can sweep side by side, each reservation is expired once.
Nothing outlives a transaction (no advisory locks, no session state), so it works through
PgBouncer in transaction mode, and a round cut short at shutdown loses nothing.
"""

import logging
from typing import Any

from prometheus_client import Counter

from catalog.reservations.service import expire_overdue_reservations
from catalog.settings import CatalogSettings
from service_kit.background import PeriodicJob
from service_kit.database import Database

logger = logging.getLogger(__name__)

RESERVATIONS_EXPIRED = Counter(
    "catalog_reservations_expired_total", "Held reservations released by the expiry sweeper"
)


async def sweep_expired_reservations(*, database: Database, batch_size: int) -> int:
    """Expire every overdue held reservation now, batch by batch; returns how many."""
    total = 0
    while True:
        async with database.transaction() as session:
            expired = await expire_overdue_reservations(session=session, limit=batch_size)
        total += expired
        RESERVATIONS_EXPIRED.inc(expired)
        if expired < batch_size:
            break
    if total:
        logger.info("expired held reservations", extra={"expired": total})
    return total


def reservation_sweeper(settings: CatalogSettings) -> PeriodicJob:
    async def sweep(state: Any) -> int:
        return await sweep_expired_reservations(
            database=state.database, batch_size=settings.reservation_sweep_batch_size
        )

    return PeriodicJob(
        name="reservation-sweeper",
        interval_seconds=settings.reservation_sweep_interval_seconds,
        run=sweep,
    )
