"""The standard periods the equality figures are precomputed for (nightly): the last 12 complete months (the
dashboard's default), the last complete quarter and the last financial year."""

import datetime as dt
from collections.abc import Callable

from .measures import Period


def last_twelve_months(today: dt.date) -> Period:
    """The 12 complete calendar months before the one ``today`` is in (the dashboard's default)."""
    end = today.replace(day=1) - dt.timedelta(days=1)
    month, year = end.month - 11, end.year
    if month < 1:
        month, year = month + 12, year - 1
    return Period(dt.date(year, month, 1), end)


def last_complete_quarter(today: dt.date) -> Period:
    first_month = 3 * ((today.month - 1) // 3) + 1
    end = dt.date(today.year, first_month, 1) - dt.timedelta(days=1)
    return Period(dt.date(end.year, end.month - 2, 1), end)


def last_financial_year(today: dt.date) -> Period:
    """1 April to 31 March: the last one that has ended."""
    year = today.year if today.month >= 4 else today.year - 1
    return Period(dt.date(year - 1, 4, 1), dt.date(year, 3, 31))


STANDARD_PERIODS: dict[str, Callable[[dt.date], Period]] = {
    "last 12 months": last_twelve_months,
    "last complete quarter": last_complete_quarter,
    "last financial year": last_financial_year,
}


def standard_periods(today: dt.date) -> dict[str, Period]:
    return {name: period_of(today) for name, period_of in STANDARD_PERIODS.items()}
