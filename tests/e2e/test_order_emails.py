"""Order emails through the whole shop: the outbox, the relay, users' internal API for the
address, and the development SMTP sink (deploy/mail-sink), whose received mail is read back
over its HTTP API.
"""

from collections import Counter
from collections.abc import Callable

import httpx

from e2e_testing import Json
from e2e_testing.customers import Customer, RegisterCustomer
from e2e_testing.mail import emails_to, subjects
from e2e_testing.ordering import ORDERS, place_order
from e2e_testing.stack import Shop
from testing_kit.waiting import eventually_sync

NOTIFICATIONS = "/api/orders/admin/notifications"
# The relay runs every 0.5 s in e2e; users, the sink and a restarted sink take a moment.
ARRIVES_WITHIN_SECONDS = 60


def _move(gateway: httpx.Client, headers: dict[str, str], order: Json, action: str) -> None:
    response = gateway.post(f"{ORDERS}/{order['id']}/{action}", headers=headers)
    assert response.status_code == 200, response.text


def _arrived(shop: Shop, customer: Customer, count: int) -> list[Json]:
    def enough() -> bool:
        try:
            return len(emails_to(shop, customer.email)) >= count
        except httpx.HTTPError:
            return False

    assert eventually_sync(enough, within_seconds=ARRIVES_WITHIN_SECONDS), (
        f"expected {count} emails, have {subjects(emails_to(shop, customer.email))}"
    )
    return emails_to(shop, customer.email)


def _outbox(gateway: httpx.Client, admin_headers: dict[str, str], order: Json) -> list[Json]:
    response = gateway.get(NOTIFICATIONS, params={"order_id": order["id"]}, headers=admin_headers)
    assert response.status_code == 200, response.text
    items: list[Json] = response.json()["items"]
    return items


def _email_of(
    gateway: httpx.Client, admin_headers: dict[str, str], order: Json, event: str
) -> Json | None:
    found = [it for it in _outbox(gateway, admin_headers, order) if it["event"] == event]
    return found[0] if found else None


def _outbox_id(email: Json) -> str:
    """The outbox row an email came from: its Message-ID is <row id@domain>."""
    message_id: str = email["message_id"]
    return message_id.removeprefix("<").split("@")[0]


def test_placing_confirming_and_cancelling_an_order_sends_three_emails(
    shop: Shop,
    gateway: httpx.Client,
    register_customer: RegisterCustomer,
    admin_headers: dict[str, str],
    new_product: Callable[..., Json],
) -> None:
    customer = register_customer()
    order = place_order(gateway, customer, new_product(price="12.50"), 2).json()
    _move(gateway, admin_headers, order, "confirm")
    _move(gateway, admin_headers, order, "cancel")

    emails = _arrived(shop, customer, 3)

    number = order["number"]
    assert sorted(subjects(emails)) == sorted(
        [f"Order {number} placed", f"Order {number} confirmed", f"Order {number} cancelled"]
    )
    for email in emails:
        assert email["to"] == [customer.email]
        assert f"Hello {customer.username}," in email["text"]
        assert "Total: 25.00" in email["text"]
    outbox = _outbox(gateway, admin_headers, order)
    assert sorted(_outbox_id(email) for email in emails) == sorted(it["id"] for it in outbox)
    assert {it["state"] for it in outbox} == {"sent"}


def test_an_email_sent_while_the_sink_is_stopped_arrives_once_it_is_back_exactly_once(
    shop: Shop,
    gateway: httpx.Client,
    register_customer: RegisterCustomer,
    admin_headers: dict[str, str],
    new_product: Callable[..., Json],
) -> None:
    customer = register_customer()
    order = place_order(gateway, customer, new_product(), 1).json()
    _arrived(shop, customer, 1)
    sink = shop.container("mail-sink")

    sink.stop(timeout=5)
    try:
        _move(gateway, admin_headers, order, "confirm")

        def failed_while_stopped() -> bool:
            confirmed = _email_of(gateway, admin_headers, order, "confirmed")
            return confirmed is not None and confirmed["attempts"] >= 1

        assert eventually_sync(failed_while_stopped, within_seconds=ARRIVES_WITHIN_SECONDS)
    finally:
        sink.start()

    _arrived(shop, customer, 2)

    def all_sent() -> bool:
        return {it["state"] for it in _outbox(gateway, admin_headers, order)} == {"sent"}

    assert eventually_sync(all_sent, within_seconds=ARRIVES_WITHIN_SECONDS)
    emails = emails_to(shop, customer.email)
    assert sorted(subjects(emails)) == sorted(
        [f"Order {order['number']} placed", f"Order {order['number']} confirmed"]
    )
    assert all(count == 1 for count in Counter(email["message_id"] for email in emails).values())
    confirmed = _email_of(gateway, admin_headers, order, "confirmed")
    assert confirmed is not None
    assert confirmed["attempts"] >= 1  # it did fail while the sink was away
    assert confirmed["state"] == "sent"
