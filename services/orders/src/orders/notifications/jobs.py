"""The relay of order emails, run beside the endpoints: one per replica, safe side by side.

Cutting a round short on shutdown is safe: what it claimed and did not finish is taken
again when its lease runs out, by any replica; an email the server accepted but that was not
yet marked sent goes out once more, with the same Message-ID.
"""

from typing import Any

from prometheus_client import Counter, Gauge

from orders.notifications.service import RelayPolicy, parked_count, relay_emails
from orders.settings import OrdersSettings
from orders.smtp_client.client import SmtpClient, create_smtp_client
from service_kit.background import PeriodicJob

EMAILS_SENT = Counter("orders_notifications_sent_total", "Order emails the SMTP server accepted")
SEND_FAILURES = Counter(
    "orders_notification_send_failures_total",
    "Attempts to send an order email that failed (refused, or the server unreachable)",
)
EMAILS_PARKED = Counter(
    "orders_notifications_parked_total",
    "Order emails parked after their last attempt, for an admin to queue again",
)
EMAILS_DROPPED = Counter(
    "orders_notifications_dropped_total",
    "Order emails dropped because the customer's account no longer exists",
)
PARKED_NOW = Gauge(
    "orders_parked_notifications",
    "Order emails parked now (as of this replica's latest relay round)",
)


def notification_relay(settings: OrdersSettings, smtp: SmtpClient) -> PeriodicJob:
    """Sends the outbox's due emails through `smtp`; users names each recipient."""
    policy = RelayPolicy.from_settings(settings)

    async def relay(state: Any) -> None:
        done = await relay_emails(
            database=state.database, recipients=state.users, smtp=smtp, policy=policy
        )
        EMAILS_SENT.inc(done.sent)
        SEND_FAILURES.inc(done.failed)
        EMAILS_PARKED.inc(done.parked)
        EMAILS_DROPPED.inc(done.dropped)
        PARKED_NOW.set(await parked_count(database=state.database))

    return PeriodicJob(
        name="orders-notification-relay",
        interval_seconds=settings.notification_relay_interval_seconds,
        run=relay,
    )


def notification_jobs(settings: OrdersSettings) -> list[PeriodicJob]:
    """The relay, for `create_service_app(jobs=...)`, where there is an SMTP server to send
    through (SMTP_HOST) and NOTIFICATION_RELAY_ENABLED; otherwise the emails wait in the
    outbox."""
    smtp = create_smtp_client(settings)
    if smtp is None or not settings.notification_relay_enabled:
        return []
    return [notification_relay(settings, smtp)]
