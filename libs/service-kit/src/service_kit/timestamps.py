"""Points in time and calendar days as the documents state them, for every one a service accepts.

A timezone-aware datetime is sent to Postgres in UTC. `0001-01-01T00:00:00+14:00` and
`9999-12-31T23:59:59-14:00` are valid datetimes whose UTC form falls outside what Python's
datetime holds, so the driver would fail on them after validation, as a 500. `Instant`
refuses them as a validation error and hands on the value in UTC. It also takes only RFC 3339
text, as the documents say; `CalendarDay` takes only a full-date (`2026-12-01`).
"""

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator

from service_kit.problems import UnprocessableContent

_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _rfc3339(value: object) -> object:
    # pydantic would also read "0.5" as seconds after 1970, which `format: date-time` is not.
    if isinstance(value, str) and not _RFC3339.fullmatch(value):
        raise ValueError("a time is an RFC 3339 date-time, e.g. 2026-12-01T10:00:00Z")
    return value


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("the time is out of range once converted to UTC") from error


# As the documents' `format: date-time` states it (RFC 3339, with an offset), in UTC.
Instant = Annotated[AwareDatetime, BeforeValidator(_rfc3339), AfterValidator(_in_utc)]


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: object) -> object:
    # pydantic would also read "0" as a day counted from 1970, which `format: date` is not.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("a day is an RFC 3339 full-date, e.g. 2026-12-01")
    return value


# A calendar day as the documents' `format: date` states it (YYYY-MM-DD), nothing else.
CalendarDay = Annotated[date, BeforeValidator(_iso_date)]


class InvalidDateRange(UnprocessableContent):
    code = "invalid-date-range"
    title = "The date range is not one that can be answered"


# The ranges of UTC days the admin reports cover (users' account statistics, orders' top
# customers): a year and a day at most (a leap year's every day), the last 30 by default.
MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30


def utc_day_range(
    *, date_from: date | None, date_to: date | None, today: date
) -> tuple[date, date]:
    """The first and last UTC day of a report's range, both included (by default the 30 days
    up to `today`); InvalidDateRange when it is empty, longer than MAX_RANGE_DAYS, or reaches
    beyond the calendar."""
    end = date_to or today
    try:
        start = date_from or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        # The day after the range must exist too: its midnight ends the last day.
        _ = end + timedelta(days=1)
    except OverflowError:
        raise InvalidDateRange("The range reaches beyond the calendar (years 1 to 9999).") from None
    if start > end:
        raise InvalidDateRange("date_from is after date_to.")
    days = (end - start).days + 1
    if days > MAX_RANGE_DAYS:
        raise InvalidDateRange(
            f"The range covers {days} days; at most {MAX_RANGE_DAYS} are answered at once."
        )
    return start, end
