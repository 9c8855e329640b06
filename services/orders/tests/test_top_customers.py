"""The admin report of top customers: who earned most over a range of UTC days, with their
usernames and emails from users, or by id alone when users cannot answer."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from orders_testing.fake_catalog import FakeCatalog
from orders_testing.fake_users import FakeUsers
from orders_testing.placing import Actor, place

REPORT = "/api/orders/admin/reports/top-customers"
Database = Callable[..., Any]


@pytest.fixture
def named_customer(
    new_customer: Callable[[], Actor], fake_users: FakeUsers
) -> Callable[..., Actor]:
    """A customer with an account at (the fake) users."""

    def create(username: str) -> Actor:
        actor = new_customer()
        fake_users.add_account(username, f"{username}@example.com", account_id=actor.user_id)
        return actor

    return create


async def _order(
    client: httpx.AsyncClient, customer: Actor, product: uuid.UUID, quantity: int = 1
) -> str:
    response = await place(client, customer, (product, quantity))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _placed_at(database_rows: Database, order_id: str, when: str) -> None:
    await database_rows(
        "UPDATE orders.orders SET created_at = $1 WHERE id = $2",
        datetime.fromisoformat(when),
        uuid.UUID(order_id),
    )


async def test_customers_are_ranked_by_revenue_with_their_usernames(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    named_customer: Callable[..., Actor],
    admin: Actor,
) -> None:
    ada, bob, cy = named_customer("ada"), named_customer("bob"), named_customer("cy")
    mug = fake_catalog.add_product(stock=100, price="10.00")
    lamp = fake_catalog.add_product(stock=100, price="33.33")
    await _order(client, ada, mug)
    await _order(client, ada, lamp, 2)  # ada: 10.00 + 66.66
    await _order(client, bob, lamp, 3)  # bob: 99.99
    await _order(client, cy, mug)  # cy: 10.00

    response = await client.get(REPORT, headers=admin.headers)

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["customers_resolved"] is True
    assert report["items"] == [
        {
            "customer_id": str(bob.user_id),
            "username": "bob",
            "email": "bob@example.com",
            "order_count": 1,
            "revenue": "99.99",
            "average_order_value": "99.99",
        },
        {
            "customer_id": str(ada.user_id),
            "username": "ada",
            "email": "ada@example.com",
            "order_count": 2,
            "revenue": "76.66",
            "average_order_value": "38.33",
        },
        {
            "customer_id": str(cy.user_id),
            "username": "cy",
            "email": "cy@example.com",
            "order_count": 1,
            "revenue": "10.00",
            "average_order_value": "10.00",
        },
    ]


async def test_the_average_is_rounded_half_up_to_the_cent(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    named_customer: Callable[..., Actor],
    admin: Actor,
) -> None:
    ada = named_customer("ada")
    for price in ("10.00", "10.00", "10.01"):
        await _order(client, ada, fake_catalog.add_product(price=price))

    (item,) = (await client.get(REPORT, headers=admin.headers)).json()["items"]

    assert (item["revenue"], item["average_order_value"]) == ("30.01", "10.00")


async def test_ties_rank_more_orders_first_then_by_customer_id(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    named_customer: Callable[..., Actor],
    admin: Actor,
) -> None:
    twins = [named_customer("twin_a"), named_customer("twin_b")]
    pair = named_customer("pair")
    mug = fake_catalog.add_product(stock=100, price="10.00")
    # 20.00 each: the twins in one order, pair in two. The later id orders first, so only
    # the ranking can put the twins in id order.
    for twin in sorted(twins, key=lambda twin: twin.user_id, reverse=True):
        await _order(client, twin, mug, 2)
    await _order(client, pair, mug)
    await _order(client, pair, mug)

    items = (await client.get(REPORT, headers=admin.headers)).json()["items"]

    assert [item["customer_id"] for item in items] == [
        str(pair.user_id),
        *sorted(str(twin.user_id) for twin in twins),
    ]
    assert {item["revenue"] for item in items} == {"20.00"}


async def test_cancelled_orders_and_lapsed_holds_are_not_revenue(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    named_customer: Callable[..., Actor],
    admin: Actor,
    database_rows: Database,
) -> None:
    ada, bob = named_customer("ada"), named_customer("bob")
    mug = fake_catalog.add_product(stock=100, price="10.00")
    kept = await _order(client, ada, mug)
    await _order(client, ada, mug, 50)
    cancelled = await _order(client, ada, mug, 40)
    lapsed = await _order(client, bob, mug, 5)
    confirmed = await _order(client, bob, mug)
    await client.post(f"/api/orders/orders/{cancelled}/cancel", headers=ada.headers)
    await client.post(f"/api/orders/orders/{confirmed}/confirm", headers=admin.headers)
    for step in ("confirm", "ship", "deliver"):
        await client.post(f"/api/orders/orders/{kept}/{step}", headers=admin.headers)
    # The hold ran out; the expiry sweep (off in these tests) has not cancelled it yet.
    await database_rows(
        "UPDATE orders.orders SET reservation_expires_at = now() - interval '1 second'"
        " WHERE id = $1",
        uuid.UUID(lapsed),
    )

    items = (await client.get(REPORT, headers=admin.headers)).json()["items"]

    assert [(item["username"], item["order_count"], item["revenue"]) for item in items] == [
        ("ada", 2, "510.00"),  # delivered 10.00 + pending 500.00; not the cancelled 400.00
        ("bob", 1, "10.00"),  # confirmed; not the lapsed 50.00
    ]


async def test_a_customer_with_only_cancelled_orders_is_not_listed(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    named_customer: Callable[..., Actor],
    admin: Actor,
) -> None:
    ada = named_customer("ada")
    order = await _order(client, ada, fake_catalog.add_product())
    await client.post(f"/api/orders/orders/{order}/cancel", headers=ada.headers)

    report = (await client.get(REPORT, headers=admin.headers)).json()

    assert report["items"] == []
    assert report["customers_resolved"] is True


async def test_the_range_is_utc_days_both_included(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    named_customer: Callable[..., Actor],
    admin: Actor,
    database_rows: Database,
) -> None:
    ada = named_customer("ada")
    for when, price in [
        ("2026-03-31T23:59:59.999999+00:00", "1.00"),  # the day before
        ("2026-04-01T00:00:00+00:00", "10.00"),  # the first moment of the first day
        ("2026-04-01T01:30:00+02:00", "100.00"),  # 23:30 UTC the day before: out
        ("2026-04-30T23:59:59.999999+00:00", "1000.00"),  # the last moment of the last day
        ("2026-05-01T00:00:00+00:00", "10000.00"),  # the day after
    ]:
        order = await _order(client, ada, fake_catalog.add_product(price=price))
        await client.post(f"/api/orders/orders/{order}/confirm", headers=admin.headers)
        await _placed_at(database_rows, order, when)

    april = await client.get(
        REPORT, params={"date_from": "2026-04-01", "date_to": "2026-04-30"}, headers=admin.headers
    )
    one_day = await client.get(
        REPORT, params={"date_from": "2026-04-30", "date_to": "2026-04-30"}, headers=admin.headers
    )

    assert april.json()["date_from"] == "2026-04-01"
    assert april.json()["date_to"] == "2026-04-30"
    assert [(i["order_count"], i["revenue"]) for i in april.json()["items"]] == [(2, "1010.00")]
    assert [(i["order_count"], i["revenue"]) for i in one_day.json()["items"]] == [(1, "1000.00")]


async def test_by_default_the_last_30_days_up_to_today(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    named_customer: Callable[..., Actor],
    admin: Actor,
    database_rows: Database,
) -> None:
    ada = named_customer("ada")
    today = datetime.now(UTC).date()
    await _order(client, ada, fake_catalog.add_product(price="10.00"))
    old = await _order(client, ada, fake_catalog.add_product(price="99.00"))
    await client.post(f"/api/orders/orders/{old}/confirm", headers=admin.headers)
    await _placed_at(database_rows, old, f"{today - timedelta(days=30)}T12:00:00+00:00")

    report = (await client.get(REPORT, headers=admin.headers)).json()

    assert report["date_from"] == str(today - timedelta(days=29))
    assert report["date_to"] == str(today)
    assert [(i["order_count"], i["revenue"]) for i in report["items"]] == [(1, "10.00")]


async def test_limit_bounds_the_list(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    named_customer: Callable[..., Actor],
    admin: Actor,
) -> None:
    mug = fake_catalog.add_product(stock=100, price="1.00")
    customers = [named_customer(f"customer_{n}") for n in range(4)]
    for rank, customer in enumerate(customers):
        await _order(client, customer, mug, 4 - rank)

    top_two = await client.get(REPORT, params={"limit": 2}, headers=admin.headers)

    assert [item["username"] for item in top_two.json()["items"]] == ["customer_0", "customer_1"]


async def test_users_down_lists_customers_by_id_alone(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    fake_users: FakeUsers,
    named_customer: Callable[..., Actor],
    admin: Actor,
) -> None:
    ada = named_customer("ada")
    await _order(client, ada, fake_catalog.add_product(price="12.50"))
    fake_users.down = "refuse"

    response = await client.get(REPORT, headers=admin.headers)

    assert response.status_code == 200
    assert response.json()["customers_resolved"] is False
    assert response.json()["items"] == [
        {
            "customer_id": str(ada.user_id),
            "username": None,
            "email": None,
            "order_count": 1,
            "revenue": "12.50",
            "average_order_value": "12.50",
        }
    ]


async def test_a_customer_whose_account_is_gone_is_listed_by_id(
    client: httpx.AsyncClient,
    fake_catalog: FakeCatalog,
    new_customer: Callable[[], Actor],
    admin: Actor,
) -> None:
    erased = new_customer()  # no account at users (erased, say)
    await _order(client, erased, fake_catalog.add_product())

    report = (await client.get(REPORT, headers=admin.headers)).json()

    assert report["customers_resolved"] is True
    assert [(i["customer_id"], i["username"], i["email"]) for i in report["items"]] == [
        (str(erased.user_id), None, None)
    ]


async def test_no_orders_is_an_empty_report_that_asks_users_nothing(
    client: httpx.AsyncClient, fake_users: FakeUsers, admin: Actor
) -> None:
    report = (await client.get(REPORT, headers=admin.headers)).json()

    assert report["items"] == []
    assert fake_users.lookups == []


async def test_a_customer_is_forbidden_the_report(
    client: httpx.AsyncClient, customer: Actor
) -> None:
    response = await client.get(REPORT, headers=customer.headers)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_the_report_needs_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get(REPORT)).status_code == 401


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "invalid-date-range"),
        ({"date_from": "2025-01-01", "date_to": "2026-01-02"}, "invalid-date-range"),
        ({"date_to": "0001-01-05"}, "invalid-date-range"),
        ({"date_from": "9999-12-31", "date_to": "9999-12-31"}, "invalid-date-range"),
        ({"date_from": "2026-05-01T00:00:00Z"}, "validation-error"),
        ({"date_to": "0"}, "validation-error"),
        ({"limit": "0"}, "validation-error"),
        ({"limit": "101"}, "validation-error"),
    ],
    ids=[
        "from-after-to",
        "367-days",
        "before-year-1",
        "after-year-9999",
        "a-time-not-a-day",
        "a-number-not-a-day",
        "limit-0",
        "limit-101",
    ],
)
async def test_bad_input_is_a_422(
    client: httpx.AsyncClient, admin: Actor, params: dict[str, str], code: str
) -> None:
    response = await client.get(REPORT, params=params, headers=admin.headers)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


async def test_366_days_are_reported(client: httpx.AsyncClient, admin: Actor) -> None:
    response = await client.get(
        REPORT, params={"date_from": "2024-01-01", "date_to": "2024-12-31"}, headers=admin.headers
    )

    assert response.status_code == 200


async def test_the_report_is_documented_with_its_problems(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/orders/openapi.json")).json()
    answers = document["paths"][REPORT]["get"]["responses"]

    assert {"200", "401", "403", "422"} <= set(answers)
    assert "invalid-date-range" in str(answers["422"])
