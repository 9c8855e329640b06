"""Account statistics for admins: accounts by role and by state, sign-ups per UTC day."""

import datetime as dt

import asyncpg
import httpx
import pytest

from users_testing import API
from users_testing.accounts import NewAccount, RegisteredAccount

STATS = f"{API}/admin/users/stats"


@pytest.fixture
async def admin(new_account: NewAccount) -> RegisteredAccount:
    return await new_account(role="admin")


async def _created_on(database: asyncpg.Connection, account: RegisteredAccount, at: str) -> None:
    # The clock is moved in the database, never waited out.
    await database.execute(
        "UPDATE users.users SET created_at = $1 WHERE id = $2",
        dt.datetime.fromisoformat(at),
        account.id,
    )


async def test_accounts_are_counted_by_role_and_by_state(
    client: httpx.AsyncClient, new_account: NewAccount, admin: RegisteredAccount
) -> None:
    customers = [await new_account() for _ in range(3)]
    await client.post(f"{API}/admin/users/{customers[0].id}/deactivate", headers=admin.headers)

    response = await client.get(STATS, headers=admin.headers)

    assert response.status_code == 200, response.text
    stats = response.json()
    assert stats["total"] == 4
    assert stats["by_role"] == {"customer": 3, "admin": 1}
    assert (stats["active"], stats["inactive"]) == (3, 1)


async def test_signups_are_counted_per_utc_day_with_the_empty_days(
    client: httpx.AsyncClient,
    new_account: NewAccount,
    admin: RegisteredAccount,
    database: asyncpg.Connection,
) -> None:
    late_on_the_first, early_on_the_third, before_the_range = [
        await new_account() for _ in range(3)
    ]
    await _created_on(database, admin, "2026-05-10T12:00:00Z")
    # 23:30 UTC is already the next day in Berlin: the day is UTC's.
    await _created_on(database, late_on_the_first, "2026-03-01T23:30:00Z")
    await _created_on(database, early_on_the_third, "2026-03-03T00:00:00Z")
    await _created_on(database, before_the_range, "2026-02-28T23:59:59Z")

    response = await client.get(
        STATS, headers=admin.headers, params={"date_from": "2026-03-01", "date_to": "2026-03-04"}
    )

    assert response.status_code == 200, response.text
    stats = response.json()
    assert (stats["date_from"], stats["date_to"]) == ("2026-03-01", "2026-03-04")
    assert stats["signups_per_day"] == [
        {"date": "2026-03-01", "count": 1},
        {"date": "2026-03-02", "count": 0},
        {"date": "2026-03-03", "count": 1},
        {"date": "2026-03-04", "count": 0},
    ]
    # The range selects sign-ups only; the counts are of every account.
    assert stats["total"] == 4


async def test_by_default_the_range_is_the_last_30_days_up_to_today(
    client: httpx.AsyncClient, admin: RegisteredAccount
) -> None:
    response = await client.get(STATS, headers=admin.headers)

    stats = response.json()
    today = dt.datetime.now(dt.UTC).date()
    assert stats["date_to"] == today.isoformat()
    assert stats["date_from"] == (today - dt.timedelta(days=29)).isoformat()
    assert len(stats["signups_per_day"]) == 30
    # The admin registered today.
    assert stats["signups_per_day"][-1] == {"date": today.isoformat(), "count": 1}


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"date_from": "2026-03-02", "date_to": "2026-03-01"}, id="backwards"),
        pytest.param({"date_from": "2025-01-01", "date_to": "2026-01-02"}, id="367-days"),
        pytest.param({"date_to": "0001-01-10"}, id="default-start-before-year-1"),
        pytest.param(
            {"date_from": "9999-12-31", "date_to": "9999-12-31"}, id="last-day-of-the-calendar"
        ),
    ],
)
async def test_a_range_the_statistics_cannot_cover_is_a_422(
    client: httpx.AsyncClient, admin: RegisteredAccount, params: dict[str, str]
) -> None:
    response = await client.get(STATS, headers=admin.headers, params=params)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid-date-range"


@pytest.mark.parametrize("day", ["0", "1733011200", "2026-3-1", "2026-03-01T00:00:00Z", "20260301"])
async def test_a_day_is_only_ever_yyyy_mm_dd(
    client: httpx.AsyncClient, admin: RegisteredAccount, day: str
) -> None:
    response = await client.get(STATS, headers=admin.headers, params={"date_to": day})

    assert response.status_code == 422
    assert response.json()["code"] == "validation-error"


async def test_a_year_of_366_days_is_counted(
    client: httpx.AsyncClient, admin: RegisteredAccount
) -> None:
    response = await client.get(
        STATS, headers=admin.headers, params={"date_from": "2024-01-01", "date_to": "2024-12-31"}
    )

    assert response.status_code == 200
    assert len(response.json()["signups_per_day"]) == 366


async def test_only_an_admin_sees_the_statistics(
    client: httpx.AsyncClient, new_account: NewAccount
) -> None:
    customer = await new_account()

    assert (await client.get(STATS, headers=customer.headers)).status_code == 403
    assert (await client.get(STATS)).status_code == 401
