"""Points in time that PostgreSQL and the driver can store, for every time orders accepts.

A timezone-aware datetime is sent to Postgres in UTC. `0001-01-01T00:00:00+14:00` and
`9999-12-31T23:59:59-14:00` are valid datetimes whose UTC form falls outside what Python's
datetime holds, so the driver would fail on them after validation, as a 500. `Instant`
refuses them as a validation error and hands on the value in UTC.
"""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("the time is out of range once converted to UTC") from error


Instant = Annotated[AwareDatetime, AfterValidator(_in_utc)]
