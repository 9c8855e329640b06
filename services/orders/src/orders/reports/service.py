"""Admin reports: who buys most."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from orders.reports.repository import ReportRepository
from orders.reports.schemas import TopCustomer, TopCustomersReport
from orders.users_client.client import UsersClient
from orders.users_client.errors import UsersUnreachable
from service_kit.database import Database
from service_kit.money import CENT
from service_kit.timestamps import utc_day_range


async def top_customers(
    *,
    database: Database,
    users: UsersClient,
    date_from: date | None,
    date_to: date | None,
    today: date,
    limit: int,
) -> TopCustomersReport:
    """The customers whose orders placed in the range (UTC days, both included) earned most,
    with their usernames and emails from users; ids alone when users cannot answer."""
    start, end = utc_day_range(date_from=date_from, date_to=date_to, today=today)
    # One statement, and no connection held while users is asked.
    async with database.autocommit() as session:
        rows = await ReportRepository(session).top_customers(
            placed_from=datetime.combine(start, time(), UTC),
            placed_before=datetime.combine(end + timedelta(days=1), time(), UTC),
            limit=limit,
        )
    try:
        contacts = await users.contacts([row.customer_id for row in rows])
        resolved = True
    except UsersUnreachable:
        contacts, resolved = {}, False
    items = []
    for row in rows:
        contact = contacts.get(row.customer_id)
        revenue = Decimal(row.revenue).quantize(CENT)
        items.append(
            TopCustomer(
                customer_id=row.customer_id,
                username=contact.username if contact else None,
                email=contact.email if contact else None,
                order_count=row.order_count,
                revenue=revenue,
                average_order_value=(revenue / row.order_count).quantize(CENT, ROUND_HALF_UP),
            )
        )
    return TopCustomersReport(
        date_from=start, date_to=end, customers_resolved=resolved, items=items
    )
