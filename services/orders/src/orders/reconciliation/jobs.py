"""The saga's recovery jobs, run beside the endpoints: one of each per replica, safe side by side.

Cutting a round short on shutdown is safe: its transaction rolls back, the placement or the
order stays as it was, and the next round (on any replica) releases it again before it
resolves it - release is idempotent.
"""

from datetime import timedelta
from typing import Any

from prometheus_client import Counter

from orders.reconciliation.service import cancel_expired_orders, resolve_abandoned_placements
from orders.settings import OrdersSettings
from service_kit.background import PeriodicJob

PLACEMENTS_RESOLVED = Counter(
    "orders_abandoned_placements_resolved_total",
    "Placements with an unknown outcome whose reservation was released and which were removed",
)
EXPIRED_ORDERS_CANCELLED = Counter(
    "orders_expired_orders_cancelled_total",
    "Pending orders cancelled by the system because their stock hold ran out",
)


def reconciler(settings: OrdersSettings) -> PeriodicJob:
    """Resolves the placements whose outcome is unknown (a crash, a 503)."""

    async def reconcile(state: Any) -> None:
        PLACEMENTS_RESOLVED.inc(
            await resolve_abandoned_placements(
                database=state.database,
                catalog=state.catalog,
                older_than=timedelta(seconds=settings.reconciler_min_age_seconds),
                batch_size=settings.reconciler_batch_size,
            )
        )

    return PeriodicJob(
        name="orders-reconciler",
        interval_seconds=settings.reconciler_interval_seconds,
        run=reconcile,
    )


def hold_expiry(settings: OrdersSettings) -> PeriodicJob:
    """Cancels the pending orders whose stock hold ran out."""

    async def sweep(state: Any) -> None:
        EXPIRED_ORDERS_CANCELLED.inc(
            await cancel_expired_orders(
                database=state.database,
                catalog=state.catalog,
                batch_size=settings.hold_expiry_batch_size,
            )
        )

    return PeriodicJob(
        name="orders-hold-expiry",
        interval_seconds=settings.hold_expiry_interval_seconds,
        run=sweep,
    )


def recovery_jobs(settings: OrdersSettings) -> list[PeriodicJob]:
    """The jobs this process runs, for `create_service_app(jobs=...)`: each may be turned off
    (RECONCILER_ENABLED, HOLD_EXPIRY_ENABLED), e.g. to run them on some replicas only."""
    jobs = []
    if settings.reconciler_enabled:
        jobs.append(reconciler(settings))
    if settings.hold_expiry_enabled:
        jobs.append(hold_expiry(settings))
    return jobs
