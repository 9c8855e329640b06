"""Points in time and calendar days as the documents state them, for every one a service accepts.

A timezone-aware datetime is sent to Postgres in UTC. `0001-01-01T00:00:00+14:00` and
`9999-12-31T23:59:59-14:00` are valid datetimes whose UTC form falls outside what Python's
datetime holds, so the driver would fail on them after validation, as a 500. `Instant`
refuses them as a validation error and hands on the value in UTC. It also takes only RFC 3339
text, as the documents say; `CalendarDay` takes only a full-date (`2026-12-01`).
"""

import re
from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator

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
