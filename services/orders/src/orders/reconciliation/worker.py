"""The reconciler as a background job of the app: one per replica, safe side by side."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orders.catalog.client import CatalogClient
from orders.reconciliation.service import resolve_abandoned_placements
from orders.settings import OrdersSettings
from service_kit.background import run_periodically

PLACEMENTS_RESOLVED = Counter(
    "orders_abandoned_placements_resolved_total",
    "Placements with an unknown outcome whose reservation was released and which were removed",
)


@asynccontextmanager
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

    async def reconcile() -> None:
        PLACEMENTS_RESOLVED.inc(
            await resolve_abandoned_placements(
                sessionmaker=sessionmaker,
                catalog=catalog,
                older_than=timedelta(seconds=settings.reconciler_min_age_seconds),
                batch_size=settings.reconciler_batch_size,
            )
        )

    async with run_periodically(
        name="orders-reconciler",
        interval_seconds=settings.reconciler_interval_seconds,
        job=reconcile,
    ):
        yield
