"""The reconciler as a background task of the app: one per replica, safe side by side."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orders.catalog.client import CatalogClient
from orders.reconciliation.service import resolve_abandoned_placements
from orders.settings import OrdersSettings

logger = logging.getLogger(__name__)

PLACEMENTS_RESOLVED = Counter(
    "orders_abandoned_placements_resolved_total",
    "Placements with an unknown outcome whose reservation was released and which were removed",
)
ROUND_FAILURES = Counter(
    "orders_reconciliation_failures_total", "Reconciliation rounds that failed and will be retried"
)
_STOP_TIMEOUT_SECONDS = 10.0


class Reconciler:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        catalog: CatalogClient,
        settings: OrdersSettings,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._catalog = catalog
        self._interval = settings.reconciler_interval_seconds
        self._older_than = timedelta(seconds=settings.reconciler_min_age_seconds)
        self._batch_size = settings.reconciler_batch_size
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                PLACEMENTS_RESOLVED.inc(
                    await resolve_abandoned_placements(
                        sessionmaker=self._sessionmaker,
                        catalog=self._catalog,
                        older_than=self._older_than,
                        batch_size=self._batch_size,
                    )
                )
            except Exception:
                # The database may be away for a moment; the next round tries again.
                ROUND_FAILURES.inc()
                logger.exception("reconciliation round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval)

    def stop(self) -> None:
        self._stopping.set()


@contextlib.asynccontextmanager
async def running_reconciler(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    catalog: CatalogClient,
    settings: OrdersSettings,
) -> AsyncIterator[None]:
    """Runs the reconciler while the app runs; on shutdown lets the current round finish.

    Cutting a round short is safe too: its transaction rolls back, the placement stays, and
    the next round (on any replica) releases it again - release is idempotent.
    """
    reconciler = Reconciler(sessionmaker=sessionmaker, catalog=catalog, settings=settings)
    task = asyncio.create_task(reconciler.run(), name="orders-reconciler")
    try:
        yield
    finally:
        reconciler.stop()
        try:
            await asyncio.wait_for(task, timeout=_STOP_TIMEOUT_SECONDS)
        except TimeoutError:
            logger.warning("reconciler did not stop in time; cancelled")
