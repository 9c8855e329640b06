"""The ranges of UTC days the admin reports answer (service_kit.timestamps.utc_day_range)."""

from datetime import date

import pytest

from service_kit.timestamps import (
    DEFAULT_RANGE_DAYS,
    MAX_RANGE_DAYS,
    InvalidDateRange,
    utc_day_range,
)

TODAY = date(2026, 12, 1)


def test_by_default_the_last_days_up_to_today() -> None:
    start, end = utc_day_range(date_from=None, date_to=None, today=TODAY)

    assert end == TODAY
    assert (end - start).days + 1 == DEFAULT_RANGE_DAYS


def test_a_given_end_moves_the_default_start_with_it() -> None:
    start, end = utc_day_range(date_from=None, date_to=date(2024, 3, 1), today=TODAY)

    assert (start, end) == (date(2024, 2, 1), date(2024, 3, 1))


def test_one_day_and_the_longest_range_are_answered() -> None:
    assert utc_day_range(date_from=TODAY, date_to=TODAY, today=TODAY) == (TODAY, TODAY)
    start = date(2024, 1, 1)
    end = date(2024, 12, 31)  # a leap year: 366 days
    assert (end - start).days + 1 == MAX_RANGE_DAYS
    assert utc_day_range(date_from=start, date_to=end, today=TODAY) == (start, end)


@pytest.mark.parametrize(
    ("date_from", "date_to", "detail"),
    [
        (date(2026, 12, 2), date(2026, 12, 1), "date_from is after date_to."),
        (date(2023, 12, 31), date(2024, 12, 31), "The range covers 367 days"),
        # No day follows the calendar's last, whose midnight would end the range.
        (date(9999, 12, 1), date(9999, 12, 31), "beyond the calendar"),
        # The default start would fall before the calendar's first day.
        (None, date(1, 1, 5), "beyond the calendar"),
    ],
)
def test_ranges_that_cannot_be_answered_are_refused(
    date_from: date | None, date_to: date, detail: str
) -> None:
    with pytest.raises(InvalidDateRange) as refused:
        utc_day_range(date_from=date_from, date_to=date_to, today=TODAY)

    assert refused.value.status == 422
    assert refused.value.code == "invalid-date-range"
    assert detail in str(refused.value.detail)
