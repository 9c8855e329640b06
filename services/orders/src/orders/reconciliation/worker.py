"""The saga's recovery jobs, run in the background: one of each per replica, safe side by side."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orders.catalog_client.client import CatalogClient
from orders.reconciliation.service import cancel_expired_orders, resolve_abandoned_placements
from orders.settings import OrdersSettings
from service_kit.background import run_periodically

PLACEMENTS_RESOLVED = Counter(
    "orders_abandoned_placements_resolved_total",
    "Placements with an unknown outcome whose reservation was released and which were removed",
)
EXPIRED_ORDERS_CANCELLED = Counter(
    "orders_expired_orders_cancelled_total",
    "Pending orders cancelled by the system because their stock hold ran out",
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


@asynccontextmanager
async def running_hold_expiry(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    catalog: CatalogClient,
    settings: OrdersSettings,
) -> AsyncIterator[None]:
    """Runs the hold-expiry sweep while the app runs; shutdown as for the reconciler.

    A round cut short rolls back: the order stays pending and the next round releases it
    again (idempotent) before cancelling it.
    """

    async def sweep() -> None:
        EXPIRED_ORDERS_CANCELLED.inc(
            await cancel_expired_orders(
                sessionmaker=sessionmaker,
                catalog=catalog,
                batch_size=settings.hold_expiry_batch_size,
            )
        )

    async with run_periodically(
        name="orders-hold-expiry",
        interval_seconds=settings.hold_expiry_interval_seconds,
        job=sweep,
    ):
        yield
