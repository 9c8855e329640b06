"""Account statistics through the gateway: what new and deactivated accounts change."""

import datetime as dt

import httpx

from e2e_testing.customers import RegisterCustomer

STATS = "/api/users/admin/users/stats"


def test_new_and_deactivated_accounts_show_in_the_statistics(
    gateway: httpx.Client, admin_headers: dict[str, str], register_customer: RegisterCustomer
) -> None:
    today = dt.datetime.now(dt.UTC).date().isoformat()
    before = gateway.get(STATS, headers=admin_headers, params={"date_from": today})
    assert before.status_code == 200, before.text

    first, second = register_customer(), register_customer()
    deactivated = gateway.post(
        f"/api/users/admin/users/{second.id}/deactivate", headers=admin_headers
    )
    assert deactivated.status_code == 200
    after = gateway.get(STATS, headers=admin_headers, params={"date_from": today})

    old, new = before.json(), after.json()
    assert new["total"] == old["total"] + 2
    assert new["by_role"]["customer"] == old["by_role"]["customer"] + 2
    assert (new["active"], new["inactive"]) == (old["active"] + 1, old["inactive"] + 1)
    assert new["signups_per_day"] == [
        {"date": today, "count": old["signups_per_day"][0]["count"] + 2}
    ]
    assert new["total"] == sum(new["by_role"].values()) == new["active"] + new["inactive"]
    assert gateway.get(STATS, headers=first.headers).status_code == 403
