"""Order emails: written into the outbox with the status change, sent by the relay.

Against real Postgres through PgBouncer and a real SMTP server on loopback (aiosmtpd); users
is a directory in memory that can be down. Clocks are moved in the database (make_due).
"""

import asyncio
import dataclasses
import uuid
from typing import Any

import httpx
import pytest

from orders.notifications.jobs import notification_jobs
from orders.notifications.repository import NotificationRepository
from orders.notifications.service import RECIPIENT_GONE, USERS_AWAY, RelayPolicy, relay_emails
from orders.settings import OrdersSettings
from orders.users_client.client import UsersClient
from orders_testing.fake_catalog import FakeCatalog, Fault
from orders_testing.fake_users import FakeUsers
from orders_testing.mail import MailHandler, MailServer, Relay, free_port
from orders_testing.outbox import enrol, events_of, make_due, outbox_of
from orders_testing.placing import Actor, place
from orders_testing.recovery import Sweep
from service_kit.database import Database
from testing_kit.waiting import eventually

SENDS = "/api/orders/orders/{}/{}"


async def _placed(client: httpx.AsyncClient, fake_catalog: FakeCatalog, owner: Actor) -> Any:
    response = await place(client, owner, (fake_catalog.add_product(stock=10, price="12.50"), 2))
    assert response.status_code == 201, response.text
    return response.json()


async def _move(client: httpx.AsyncClient, actor: Actor, order: Any, move: str) -> httpx.Response:
    return await client.post(SENDS.format(order["id"], move), headers=actor.headers)


# --- Written with the change, and only with it ----------------------------------------------


async def test_placing_an_order_puts_its_placed_email_into_the_outbox(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, database_rows: Any
) -> None:
    order = await _placed(client, fake_catalog, customer)

    (email,) = await outbox_of(database_rows, order["id"])
    assert (email["event"], email["state"], email["attempts"]) == ("placed", "pending", 0)
    assert email["customer_id"] == customer.user_id


async def test_a_refused_placement_writes_no_email(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, database_rows: Any
) -> None:
    response = await place(client, customer, (fake_catalog.add_product(stock=1), 5))

    assert response.status_code == 409
    assert await database_rows("SELECT id FROM orders.order_notifications") == []


async def test_a_placement_replayed_writes_no_second_email(
    client: httpx.AsyncClient, fake_catalog: FakeCatalog, customer: Actor, database_rows: Any
) -> None:
    line = (fake_catalog.add_product(stock=10), 1)
    first = await place(client, customer, line, idempotency_key="k-1")
    again = await place(client, customer, line, idempotency_key="k-1")

    assert again.headers["Idempotent-Replayed"] == "true"
    assert await events_of(database_rows, first.json()["id"]) == ["placed"]


async def test_every_move_puts_its_email_into_the_outbox(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    database_rows: Any,
) -> None:
    shipped = await _placed(client, fake_catalog, customer)
    for move in ("confirm", "ship", "deliver"):
        assert (await _move(client, admin, shipped, move)).status_code == 200
    cancelled = await _placed(client, fake_catalog, customer)
    assert (await _move(client, customer, cancelled, "cancel")).status_code == 200

    assert await events_of(database_rows, shipped["id"]) == [
        "placed",
        "confirmed",
        "shipped",
        "delivered",
    ]
    assert await events_of(database_rows, cancelled["id"]) == ["placed", "cancelled"]


async def test_a_move_that_fails_writes_no_email(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    database_rows: Any,
) -> None:
    order = await _placed(client, fake_catalog, customer)
    fake_catalog.faults.append(Fault("server-error", path="commit", times=100))

    unavailable = await _move(client, admin, order, "confirm")
    illegal = await _move(client, admin, order, "deliver")

    assert (unavailable.status_code, illegal.status_code) == (503, 409)
    assert await events_of(database_rows, order["id"]) == ["placed"]


async def test_the_system_cancelling_an_expired_hold_puts_its_email_into_the_outbox(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    database_rows: Any,
    sweep: Sweep,
) -> None:
    order = await _placed(client, fake_catalog, customer)
    fake_catalog.expire(f"order-{order['id']}")
    await database_rows(
        "UPDATE orders.orders SET reservation_expires_at = now() - interval '1 second'"
        " WHERE id = $1",
        uuid.UUID(order["id"]),
    )

    assert await sweep() == 1
    assert await events_of(database_rows, order["id"]) == ["placed", "cancelled"]


# --- The relay ------------------------------------------------------------------------------


async def test_the_relay_sends_the_email_through_smtp_and_marks_it_sent(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    fake_users: FakeUsers,
    mail: MailServer,
    relay: Relay,
    database_rows: Any,
    settings: OrdersSettings,
) -> None:
    account = enrol(fake_users, customer)
    order = await _placed(client, fake_catalog, customer)

    done = await relay()

    assert done.sent == 1
    (message,) = mail.handler.messages()
    (email,) = await outbox_of(database_rows, order["id"])
    assert message["To"].addresses[0].addr_spec == account.email
    assert message["From"] == settings.mail_from
    assert message["Subject"] == f"Order {order['number']} placed"
    assert message["Message-ID"] == f"<{email['id']}@shop.example>"
    body = message.get_content()
    assert order["number"] in body
    assert "Status: placed" in body
    assert "Total: 25.00" in body
    assert (email["state"], email["attempts"], email["claimed_until"]) == ("sent", 0, None)
    assert email["sent_at"] is not None
    assert await relay() == dataclasses.replace(done, sent=0)  # nothing left to send


async def test_a_refused_email_is_retried_later_with_backoff(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    fake_users: FakeUsers,
    mail: MailServer,
    relay: Relay,
    database_rows: Any,
) -> None:
    enrol(fake_users, customer)
    order = await _placed(client, fake_catalog, customer)
    mail.handler.refusal = "451 4.3.0 Try again later"

    done = await relay()
    waiting = await relay()

    assert (done.failed, waiting.failed) == (1, 0)  # not due again yet
    assert mail.handler.refused == 1
    (email,) = await outbox_of(database_rows, order["id"])
    assert (email["state"], email["attempts"]) == ("pending", 1)
    assert email["last_error"] == "SMTP 451: 4.3.0 Try again later"
    (delay,) = await database_rows(
        "SELECT extract(epoch FROM next_attempt_at - updated_at) AS seconds"
        " FROM orders.order_notifications WHERE id = $1",
        email["id"],
    )
    # The first retry after half to all of NOTIFICATION_RETRY_INITIAL_SECONDS (60 here).
    assert 30 <= delay["seconds"] <= 60

    mail.handler.refusal = None
    await make_due(database_rows)
    assert (await relay()).sent == 1
    assert len(mail.handler.messages()) == 1


def test_the_backoff_doubles_up_to_its_ceiling_with_jitter(relay_policy: RelayPolicy) -> None:
    policy = dataclasses.replace(relay_policy, retry_initial_seconds=10, retry_max_seconds=100)

    for failed, ceiling in [(1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (9, 100)]:
        delays = [policy.retry_delay(failed) for _ in range(200)]
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(set(delays)) > 1  # jittered: replicas do not retry in step


async def test_an_email_that_keeps_failing_is_parked_after_its_last_attempt(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    fake_users: FakeUsers,
    mail: MailServer,
    relay: Relay,
    database_rows: Any,
) -> None:
    enrol(fake_users, customer)
    order = await _placed(client, fake_catalog, customer)
    mail.handler.refusal = "554 5.7.1 Rejected"

    rounds = []
    for _ in range(4):  # max_attempts is 3: the fourth round finds nothing to do
        rounds.append(await relay())
        await make_due(database_rows)

    assert [done.failed for done in rounds] == [1, 1, 1, 0]
    assert [done.parked for done in rounds] == [0, 0, 1, 0]
    assert mail.handler.refused == 3
    (email,) = await outbox_of(database_rows, order["id"])
    assert (email["state"], email["attempts"]) == ("parked", 3)
    assert email["last_error"] == "SMTP 554: 5.7.1 Rejected"


async def test_an_unreachable_smtp_server_counts_as_a_failed_attempt(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    fake_users: FakeUsers,
    database: Database,
    users_client: UsersClient,
    relay_policy: RelayPolicy,
    database_rows: Any,
) -> None:
    enrol(fake_users, customer)
    order = await _placed(client, fake_catalog, customer)
    nowhere = MailServer(handler=MailHandler(), port=free_port())  # nothing listens there

    done = await relay_emails(
        database=database, recipients=users_client, smtp=nowhere.client(), policy=relay_policy
    )

    assert done.failed == 1
    (email,) = await outbox_of(database_rows, order["id"])
    assert (email["state"], email["attempts"]) == ("pending", 1)
    assert email["last_error"].startswith("SMTP server unreachable")


async def test_two_relays_at_once_never_send_one_email_twice(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    new_customer: Any,
    fake_users: FakeUsers,
    mail: MailServer,
    relay: Relay,
    relay_policy: RelayPolicy,
    database_rows: Any,
) -> None:
    for _ in range(4):
        owner = new_customer()
        enrol(fake_users, owner)
        for _ in range(5):
            await _placed(client, fake_catalog, owner)
    mail.handler.delay_seconds = 0.02  # the relays' sends overlap
    policy = dataclasses.replace(relay_policy, batch_size=8)

    rounds = await asyncio.gather(*(relay(policy) for _ in range(3)))

    assert sum(done.sent for done in rounds) == 20
    ids = mail.handler.message_ids()
    assert len(ids) == len(set(ids)) == 20
    assert (
        await database_rows("SELECT id FROM orders.order_notifications WHERE state <> 'sent'") == []
    )


async def test_a_claim_whose_relay_died_is_sent_once_its_lease_runs_out(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    fake_users: FakeUsers,
    mail: MailServer,
    relay: Relay,
    database: Database,
    database_rows: Any,
) -> None:
    enrol(fake_users, customer)
    order = await _placed(client, fake_catalog, customer)
    async with database.autocommit() as session:  # a relay claims, then dies
        (claimed,) = await NotificationRepository(session).claim_due(
            batch_size=10, lease_seconds=300
        )

    held = await relay()
    await make_due(database_rows)  # the lease runs out
    recovered = await relay()

    assert (held.sent, recovered.sent) == (0, 1)
    (message,) = mail.handler.messages()
    assert message["Message-ID"] == f"<{claimed.id}@shop.example>"
    assert [row["state"] for row in await outbox_of(database_rows, order["id"])] == ["sent"]


async def test_users_unreachable_makes_the_email_wait_without_counting_an_attempt(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    fake_users: FakeUsers,
    mail: MailServer,
    relay: Relay,
    database_rows: Any,
) -> None:
    enrol(fake_users, customer)
    order = await _placed(client, fake_catalog, customer)
    fake_users.down = "refuse"

    away = await relay()

    assert (away.postponed, away.failed, away.sent) == (1, 0, 0)
    (email,) = await outbox_of(database_rows, order["id"])
    assert (email["state"], email["attempts"], email["last_error"]) == ("pending", 0, USERS_AWAY)
    assert mail.handler.messages() == []
    assert (await relay()).postponed == 0  # waits NOTIFICATION_RECIPIENT_WAIT_SECONDS

    fake_users.down = None
    await make_due(database_rows)
    assert (await relay()).sent == 1
    assert len(mail.handler.messages()) == 1


async def test_an_email_to_an_erased_account_is_dropped_with_its_reason(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    mail: MailServer,
    relay: Relay,
    database_rows: Any,
) -> None:
    order = await _placed(client, fake_catalog, customer)  # users knows no such account

    done = await relay()

    assert (done.dropped, done.sent) == (1, 0)
    (email,) = await outbox_of(database_rows, order["id"])
    assert (email["state"], email["last_error"]) == ("dropped", RECIPIENT_GONE)
    await make_due(database_rows)
    assert (await relay()).dropped == 0  # never tried again
    assert mail.handler.messages() == []


async def test_a_relay_gives_back_what_its_lease_leaves_no_time_to_send(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    fake_users: FakeUsers,
    mail: MailServer,
    database: Database,
    users_client: UsersClient,
    relay_policy: RelayPolicy,
    database_rows: Any,
) -> None:
    enrol(fake_users, customer)
    order = await _placed(client, fake_catalog, customer)
    # A send may take 2 s (the client's timeout); a lease of 1 s leaves no time for one.
    policy = dataclasses.replace(relay_policy, lease_seconds=1.0)

    done = await relay_emails(
        database=database, recipients=users_client, smtp=mail.client(), policy=policy
    )

    assert (done.postponed, done.sent) == (1, 0)
    (email,) = await outbox_of(database_rows, order["id"])
    assert (email["state"], email["attempts"], email["claimed_until"]) == ("pending", 0, None)


# --- The admin view -------------------------------------------------------------------------


async def _parked(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    fake_users: FakeUsers,
    mail: MailServer,
    relay: Relay,
    database_rows: Any,
) -> Any:
    enrol(fake_users, customer)
    order = await _placed(client, fake_catalog, customer)
    mail.handler.refusal = "550 5.1.1 Mailbox unavailable"
    for _ in range(3):
        await relay()
        await make_due(database_rows)
    mail.handler.refusal = None
    return order


async def test_an_admin_lists_the_parked_emails(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    fake_users: FakeUsers,
    mail: MailServer,
    relay: Relay,
    database_rows: Any,
) -> None:
    order = await _parked(client, fake_catalog, customer, fake_users, mail, relay, database_rows)
    await _placed(client, fake_catalog, customer)  # a pending one besides

    parked = await client.get("/api/orders/admin/notifications?state=parked", headers=admin.headers)
    every = await client.get("/api/orders/admin/notifications", headers=admin.headers)

    assert parked.status_code == 200
    body = parked.json()
    assert body["total"] == 1
    (item,) = body["items"]
    assert item["order_id"] == order["id"]
    assert (item["event"], item["state"], item["attempts"]) == ("placed", "parked", 3)
    assert item["last_error"] == "SMTP 550: 5.1.1 Mailbox unavailable"
    assert "email" not in item  # no address is stored
    assert every.json()["total"] == 2


async def test_an_admin_requeues_a_parked_email_and_it_is_sent(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    fake_users: FakeUsers,
    mail: MailServer,
    relay: Relay,
    database_rows: Any,
) -> None:
    order = await _parked(client, fake_catalog, customer, fake_users, mail, relay, database_rows)
    (email,) = await outbox_of(database_rows, order["id"])

    response = await client.post(
        f"/api/orders/admin/notifications/{email['id']}/requeue", headers=admin.headers
    )

    assert response.status_code == 200
    assert (response.json()["state"], response.json()["attempts"]) == ("pending", 0)
    assert (await relay()).sent == 1
    (message,) = mail.handler.messages()
    assert message["Message-ID"] == f"<{email['id']}@shop.example>"


async def test_only_a_parked_email_can_be_requeued(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    customer: Actor,
    admin: Actor,
    database_rows: Any,
) -> None:
    order = await _placed(client, fake_catalog, customer)
    (email,) = await outbox_of(database_rows, order["id"])

    pending = await client.post(
        f"/api/orders/admin/notifications/{email['id']}/requeue", headers=admin.headers
    )
    unknown = await client.post(
        f"/api/orders/admin/notifications/{uuid.uuid4()}/requeue", headers=admin.headers
    )

    assert (pending.status_code, pending.json()["code"]) == (409, "notification-not-parked")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "notification-not-found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/orders/admin/notifications"),
        ("POST", f"/api/orders/admin/notifications/{uuid.uuid4()}/requeue"),
    ],
)
async def test_a_customer_may_not_see_or_requeue_emails(
    client: httpx.AsyncClient, customer: Actor, method: str, path: str
) -> None:
    response = await client.request(method, path, headers=customer.headers)

    assert (response.status_code, response.json()["code"]) == (403, "forbidden")


@pytest.mark.parametrize(
    "query", ["state=lost", "order_id=12", "limit=0", "limit=101", "offset=-1"]
)
async def test_bad_queries_of_the_admin_view_are_422(
    client: httpx.AsyncClient, admin: Actor, query: str
) -> None:
    response = await client.get(f"/api/orders/admin/notifications?{query}", headers=admin.headers)

    assert (response.status_code, response.json()["code"]) == (422, "validation-error")


# --- The relay as the app runs it -----------------------------------------------------------


async def test_the_app_relays_emails_in_the_background_through_its_smtp_server(
    serve_orders: Any,
    settings: OrdersSettings,
    fake_catalog: FakeCatalog,
    fake_users: FakeUsers,
    customer: Actor,
    mail: MailServer,
) -> None:
    account = enrol(fake_users, customer)
    relaying = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": mail.port,
            "smtp_starttls": False,
            "notification_relay_interval_seconds": 0.1,
        }
    )

    async with serve_orders(relaying) as client:
        order = await _placed(client, fake_catalog, customer)

        async def arrived() -> bool:
            return len(mail.handler.messages()) == 1

        assert await eventually(arrived, within_seconds=10)

    (message,) = mail.handler.messages()
    assert message["To"].addresses[0].addr_spec == account.email
    assert message["Subject"] == f"Order {order['number']} placed"


def test_the_relay_runs_only_where_an_smtp_server_is_configured(settings: OrdersSettings) -> None:
    with_smtp = settings.model_copy(update={"smtp_host": "smtp.example.com"})
    switched_off = with_smtp.model_copy(update={"notification_relay_enabled": False})

    assert settings.smtp_host is None  # the default: emails wait in the outbox
    assert notification_jobs(settings) == []
    assert [job.name for job in notification_jobs(with_smtp)] == ["orders-notification-relay"]
    assert notification_jobs(switched_off) == []
