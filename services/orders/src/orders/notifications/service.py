"""Order emails: written into the outbox with the status change, sent by the relay.

The outbox row is written in the same transaction, or the same statement, as the change it
tells of (ordering/service.py, and the placement's and the expiry sweep's statements in
ordering/repository.py), so an email exists exactly when its change was committed. The
relay sends it later: at least once (a crash after the server accepted an email and before
it was marked sent repeats it, with the same Message-ID), never while a transaction or a
connection is held, and with several replicas side by side.
"""

import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from orders.notifications import errors
from orders.notifications.emails import order_email
from orders.notifications.models import DeliveryState, OrderEvent, OrderNotification
from orders.notifications.repository import ClaimedEmail, NotificationRepository
from orders.settings import OrdersSettings
from orders.smtp_client.client import SmtpClient
from orders.smtp_client.errors import MailNotSent
from orders.users_client.client import UsersClient
from orders.users_client.errors import UsersUnreachable
from service_kit.database import Database
from service_kit.pagination import PageOfRows

logger = logging.getLogger(__name__)

RECIPIENT_GONE = "the customer's account no longer exists"
USERS_AWAY = "users did not answer; the email waits (not a failed attempt)"


async def notify_customer(
    *, session: AsyncSession, order_id: uuid.UUID, customer_id: uuid.UUID, event: OrderEvent
) -> None:
    """Put the email about an order's change into the outbox, in the change's transaction."""
    await NotificationRepository(session).add(
        OrderNotification(order_id=order_id, customer_id=customer_id, event=event)
    )


@dataclass(frozen=True)
class RelayPolicy:
    batch_size: int
    lease_seconds: float
    max_attempts: int
    retry_initial_seconds: float
    retry_max_seconds: float
    recipient_wait_seconds: float
    mail_from: str

    @classmethod
    def from_settings(cls, settings: OrdersSettings) -> "RelayPolicy":
        return cls(
            batch_size=settings.notification_relay_batch_size,
            lease_seconds=settings.notification_lease_seconds,
            max_attempts=settings.notification_max_attempts,
            retry_initial_seconds=settings.notification_retry_initial_seconds,
            retry_max_seconds=settings.notification_retry_max_seconds,
            recipient_wait_seconds=settings.notification_recipient_wait_seconds,
            mail_from=settings.mail_from,
        )

    def retry_delay(self, failed_attempts: int) -> float:
        """Exponential backoff with equal jitter, after the `failed_attempts`-th failure.

        By hand: the retry is persisted in the outbox across rounds and replicas, which no
        retry library (stamina retries a call in-process) schedules.
        """
        ceiling = min(
            self.retry_max_seconds, self.retry_initial_seconds * 2.0 ** (failed_attempts - 1)
        )
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 (jitter, not secrecy)


@dataclass
class RelayRound:
    """What one round of the relay did."""

    sent: int = 0
    failed: int = 0
    parked: int = 0
    dropped: int = 0
    # Given back without an attempt: users away, or the lease too short for another send.
    postponed: int = 0


async def relay_emails(
    *, database: Database, recipients: UsersClient, smtp: SmtpClient, policy: RelayPolicy
) -> RelayRound:
    """Claim a batch of due emails, send them, record each outcome.

    The claim is one statement (its own short transaction); the recipients' lookup (users'
    internal API, which orders stores no address instead of) and the sends hold no
    connection; each outcome is one statement again, written as soon as it is known.
    """
    started = time.monotonic()
    async with database.autocommit() as session:
        claimed = await NotificationRepository(session).claim_due(
            batch_size=policy.batch_size, lease_seconds=policy.lease_seconds
        )
    done = RelayRound()
    if not claimed:
        return done
    try:
        contacts = await recipients.contacts({email.customer_id for email in claimed})
    except UsersUnreachable:
        logger.warning("users unreachable; order emails wait", extra={"emails": len(claimed)})
        await _postpone(database, claimed, policy.recipient_wait_seconds, USERS_AWAY)
        done.postponed = len(claimed)
        return done
    for position, email in enumerate(claimed):
        if time.monotonic() - started + smtp.timeout_seconds >= policy.lease_seconds:
            # This send might outlast the lease, and another relay could take the email
            # meanwhile: give the rest back for the next round, any replica's.
            rest = claimed[position:]
            await _postpone(database, rest, 0, None)
            done.postponed += len(rest)
            break
        contact = contacts.get(email.customer_id)
        if contact is None:
            # An erased account: retrying could never find an address.
            async with database.autocommit() as session:
                await NotificationRepository(session).drop(email.id, reason=RECIPIENT_GONE)
            logger.info("order email dropped", extra={"notification_id": str(email.id)})
            done.dropped += 1
            continue
        message = order_email(
            email, to_address=contact.email, to_name=contact.username, mail_from=policy.mail_from
        )
        try:
            await smtp.send(message)
        except MailNotSent as failure:
            state = await _record_failure(database, email, str(failure), policy)
            done.failed += 1
            if state == DeliveryState.PARKED:
                logger.error(
                    "order email parked after its last attempt",
                    extra={"notification_id": str(email.id), "error": str(failure)},
                )
                done.parked += 1
            continue
        async with database.autocommit() as session:
            await NotificationRepository(session).mark_sent(email.id)
        done.sent += 1
    return done


async def _record_failure(
    database: Database, email: ClaimedEmail, error: str, policy: RelayPolicy
) -> DeliveryState | None:
    async with database.autocommit() as session:
        return await NotificationRepository(session).record_failure(
            email.id,
            error=error,
            delay_seconds=policy.retry_delay(email.attempts + 1),
            max_attempts=policy.max_attempts,
        )


async def _postpone(
    database: Database, emails: list[ClaimedEmail], delay_seconds: float, reason: str | None
) -> None:
    async with database.autocommit() as session:
        await NotificationRepository(session).postpone(
            [email.id for email in emails], delay_seconds=delay_seconds, reason=reason
        )


async def parked_count(*, database: Database) -> int:
    async with database.autocommit() as session:
        return await NotificationRepository(session).parked_count()


async def list_notifications(
    *,
    session: AsyncSession,
    state: DeliveryState | None,
    order_id: uuid.UUID | None,
    limit: int,
    offset: int,
) -> PageOfRows[OrderNotification]:
    return await NotificationRepository(session).page(
        state=state, order_id=order_id, limit=limit, offset=offset
    )


async def requeue(*, session: AsyncSession, notification_id: uuid.UUID) -> OrderNotification:
    """Queue a parked email again, with a fresh set of attempts, due now."""
    outbox = NotificationRepository(session)
    notification = await outbox.get(notification_id, lock=True)
    if notification is None:
        raise errors.NotificationNotFound(f"There is no notification {notification_id}.")
    notification.requeue(due=datetime.now(UTC))
    await outbox.flush()
    return notification
