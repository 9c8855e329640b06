"""The expiry sweeper: held reservations past their expiry give their stock back.

One background task per process. Every RESERVATION_SWEEP_INTERVAL_SECONDS it expires overdue
reservations in batches, one short transaction per batch, with row locks that skip rows
another sweeper holds: any number of replicas can sweep side by side, each reservation is
expired once. Nothing outlives a transaction (no advisory locks, no session state), so it
works through PgBouncer in transaction mode.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import Counter

from catalog.reservations.service import expire_overdue_reservations
from catalog.settings import CatalogSettings
from service_kit.app import ServiceLifespan
from service_kit.database import Database

logger = logging.getLogger(__name__)

RESERVATIONS_EXPIRED = Counter(
    "catalog_reservations_expired_total", "Held reservations released by the expiry sweeper"
)
SWEEP_FAILURES = Counter(
    "catalog_reservation_sweep_failures_total", "Sweeps that failed and will be retried"
)
_STOP_TIMEOUT_SECONDS = 10.0


class ReservationSweeper:
    def __init__(self, *, database: Database, interval_seconds: float, batch_size: int) -> None:
        self._database = database
        self._interval = interval_seconds
        self._batch_size = batch_size
        self._stopping = asyncio.Event()

    async def sweep(self) -> int:
        """Expire every overdue held reservation now, batch by batch; returns how many."""
        total = 0
        while not self._stopping.is_set():
            async with self._database.sessionmaker() as session, session.begin():
                expired = await expire_overdue_reservations(session=session, limit=self._batch_size)
            total += expired
            RESERVATIONS_EXPIRED.inc(expired)
            if expired < self._batch_size:
                break
        if total:
            logger.info("expired held reservations", extra={"expired": total})
        return total

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.sweep()
            except Exception:
                # The database may be briefly away; the next round tries again.
                SWEEP_FAILURES.inc()
                logger.exception("reservation sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval)

    def stop(self) -> None:
        self._stopping.set()


def reservation_expiry(settings: CatalogSettings) -> ServiceLifespan:
    """Runs the sweeper for as long as the app runs; on shutdown lets the batch finish."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        sweeper = ReservationSweeper(
            database=app.state.database,
            interval_seconds=settings.reservation_sweep_interval_seconds,
            batch_size=settings.reservation_sweep_batch_size,
        )
        task = asyncio.create_task(sweeper.run(), name="reservation-sweeper")
        try:
            yield
        finally:
            sweeper.stop()
            try:
                await asyncio.wait_for(task, timeout=_STOP_TIMEOUT_SECONDS)
            except TimeoutError:
                logger.warning("reservation sweeper did not stop in time; cancelled")

    return lifespan
