"""What each order email says: plain text naming the order's number, status and total."""

import uuid
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from orders.notifications.models import OrderEvent
from orders.notifications.repository import ClaimedEmail

_NEWS = {
    OrderEvent.PLACED: "We have received your order {number}; we will confirm it shortly.",
    OrderEvent.CONFIRMED: "Your order {number} is confirmed and is being prepared.",
    OrderEvent.SHIPPED: "Your order {number} has been shipped.",
    OrderEvent.DELIVERED: "Your order {number} has been delivered.",
    OrderEvent.CANCELLED: "Your order {number} has been cancelled; nothing will be charged.",
}
_STATUS_WORD = {
    OrderEvent.PLACED: "placed",
    OrderEvent.CONFIRMED: "confirmed",
    OrderEvent.SHIPPED: "shipped",
    OrderEvent.DELIVERED: "delivered",
    OrderEvent.CANCELLED: "cancelled",
}


def message_id(notification_id: uuid.UUID, *, mail_from: str) -> str:
    """The email's Message-ID: the outbox row's id, so every repeat of one email carries the
    same one and a receiver (or a test) can tell a duplicate."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "orders.invalid"
    return f"<{notification_id}@{domain}>"


def order_email(
    email: ClaimedEmail, *, to_address: str, to_name: str, mail_from: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = Address(display_name=to_name, addr_spec=to_address)
    message["Subject"] = f"Order {email.order_number} {_STATUS_WORD[email.event]}"
    message["Message-ID"] = message_id(email.id, mail_from=mail_from)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["X-Order-Number"] = email.order_number
    news = _NEWS[email.event].format(number=email.order_number)
    message.set_content(
        f"Hello {to_name},\n\n"
        f"{news}\n\n"
        f"Order: {email.order_number}\n"
        f"Status: {_STATUS_WORD[email.event]}\n"
        f"Total: {email.order_total:.2f}\n"
    )
    return message
