import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from orders.dependencies import UsersDep
from orders.reports import service
from orders.reports.schemas import TopCustomersReport
from orders.settings import API_PREFIX
from service_kit.auth import RequireAdmin
from service_kit.database import DatabaseDep
from service_kit.openapi import problem_responses
from service_kit.timestamps import CalendarDay, InvalidDateRange

router = APIRouter(prefix=API_PREFIX + "/admin/reports", tags=["orders: admin"])


@router.get(
    "/top-customers",
    response_model=TopCustomersReport,
    responses=problem_responses(InvalidDateRange),
    summary="Customers by revenue over a range of UTC days (cancelled orders excluded)",
)
async def top_customers(
    _: RequireAdmin,
    database: DatabaseDep,
    users: UsersDep,
    date_from: Annotated[
        CalendarDay | None,
        Query(description="First day counted, UTC (default: 29 days before date_to)"),
    ] = None,
    date_to: Annotated[
        CalendarDay | None, Query(description="Last day counted, UTC (default: today)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="How many customers")] = 10,
) -> TopCustomersReport:
    """At most 366 days at once. Usernames and emails come from users; when users cannot
    answer, the customers are listed by id alone and `customers_resolved` is false."""
    return await service.top_customers(
        database=database,
        users=users,
        date_from=date_from,
        date_to=date_to,
        today=dt.datetime.now(dt.UTC).date(),
        limit=limit,
    )
