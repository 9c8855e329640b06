"""The top-customers report through the gateway: orders ranks its customers by revenue and
names them with what users' internal API tells it, over the shop's internal network."""

import datetime as dt
from collections.abc import Callable

import httpx

from e2e_testing import Json
from e2e_testing.customers import RegisterCustomer
from e2e_testing.ordering import ORDERS, place_order

REPORT = "/api/orders/admin/reports/top-customers"


def test_the_report_ranks_customers_by_revenue_without_cancelled_orders(
    gateway: httpx.Client,
    admin_headers: dict[str, str],
    register_customer: RegisterCustomer,
    new_product: Callable[..., Json],
) -> None:
    # Prices far above the other suites' orders, so these two customers lead the report.
    piano = new_product(stock=5, price="9000.00")
    harp = new_product(stock=5, price="5000.00")
    organ = new_product(stock=5, price="3000.00")
    ada, bob = register_customer(), register_customer()
    dropped = place_order(gateway, ada, piano, 1)
    kept = place_order(gateway, ada, organ, 1)
    bought = place_order(gateway, bob, harp, 1)
    assert {dropped.status_code, kept.status_code, bought.status_code} == {201}, dropped.text
    cancelled = gateway.post(f"{ORDERS}/{dropped.json()['id']}/cancel", headers=ada.headers)
    assert cancelled.status_code == 200, cancelled.text
    confirmed = gateway.post(f"{ORDERS}/{bought.json()['id']}/confirm", headers=admin_headers)
    assert confirmed.status_code == 200, confirmed.text
    today = dt.datetime.now(dt.UTC).date().isoformat()

    response = gateway.get(
        REPORT, params={"date_from": today, "date_to": today, "limit": 100}, headers=admin_headers
    )

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["customers_resolved"] is True
    ours = [item for item in report["items"] if item["customer_id"] in {ada.id, bob.id}]
    # bob's 5000.00 ranks above ada's 3000.00: her cancelled 9000.00 is no revenue.
    assert ours == [
        {
            "customer_id": bob.id,
            "username": bob.username,
            "email": bob.email,
            "order_count": 1,
            "revenue": "5000.00",
            "average_order_value": "5000.00",
        },
        {
            "customer_id": ada.id,
            "username": ada.username,
            "email": ada.email,
            "order_count": 1,
            "revenue": "3000.00",
            "average_order_value": "3000.00",
        },
    ]


def test_the_report_is_for_admins_only(
    gateway: httpx.Client, register_customer: RegisterCustomer
) -> None:
    customer = register_customer()

    assert gateway.get(REPORT, headers=customer.headers).status_code == 403
    assert gateway.get(REPORT).status_code == 401


def test_a_bad_range_is_a_problem(gateway: httpx.Client, admin_headers: dict[str, str]) -> None:
    response = gateway.get(
        REPORT, params={"date_from": "2026-05-02", "date_to": "2026-05-01"}, headers=admin_headers
    )

    assert response.status_code == 422
    assert response.json()["code"] == "invalid-date-range"


def test_users_internal_api_is_not_routed_from_outside(gateway: httpx.Client) -> None:
    response = gateway.get(
        "/api/users/internal/users", params={"id": "00000000-0000-0000-0000-000000000001"}
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not-found"
