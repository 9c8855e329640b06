"""The expiry sweeper: held reservations past their expiry give their stock back.

One background job per process. Every RESERVATION_SWEEP_INTERVAL_SECONDS it expires overdue
reservations in batches, one short transaction per batch, with row locks that skip rows
another sweeper holds: any number of replicas can sweep side by side, each reservation is
expired once. Nothing outlives a transaction (no advisory locks, no session state), so it
works through PgBouncer in transaction mode.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import Counter

from catalog.reservations.service import expire_overdue_reservations
from catalog.settings import CatalogSettings
from service_kit.app import ServiceLifespan
from service_kit.background import run_periodically
from service_kit.database import Database

logger = logging.getLogger(__name__)

RESERVATIONS_EXPIRED = Counter(
    "catalog_reservations_expired_total", "Held reservations released by the expiry sweeper"
)


async def sweep_expired_reservations(*, database: Database, batch_size: int) -> int:
    """Expire every overdue held reservation now, batch by batch; returns how many."""
    total = 0
    while True:
        async with database.sessionmaker() as session, session.begin():
            expired = await expire_overdue_reservations(session=session, limit=batch_size)
        total += expired
        RESERVATIONS_EXPIRED.inc(expired)
        if expired < batch_size:
            break
    if total:
        logger.info("expired held reservations", extra={"expired": total})
    return total


def reservation_expiry(settings: CatalogSettings) -> ServiceLifespan:
    """Runs the sweeper for as long as the app runs."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async def sweep() -> int:
            return await sweep_expired_reservations(
                database=app.state.database, batch_size=settings.reservation_sweep_batch_size
            )

        async with run_periodically(
            name="reservation-sweeper",
            interval_seconds=settings.reservation_sweep_interval_seconds,
            job=sweep,
        ):
            yield

    return lifespan
