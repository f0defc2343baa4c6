"""Calendar arithmetic shared by the services, the rules and the synthetic generator (no Django)."""

import datetime as dt


def years_after(day: dt.date, years: int) -> dt.date:
    """The same date ``years`` later (earlier when negative); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day``."""
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


class MonthOnly(dt.date):
    """A date known (or shown) to the month only: the first of its month, which the formatting functions write
    as "March 2026". Analysts see every date of a pseudonymised record this way."""

    month_only = True

    @classmethod
    def of(cls, value: dt.date) -> "MonthOnly":
        return cls(value.year, value.month, 1)


class MonthOnlyTime(dt.datetime):
    """A date and time known (or shown) to the month only: midnight on the first of its month, in its time zone,
    written as "March 2026"."""

    month_only = True

    @classmethod
    def of(cls, value: dt.datetime) -> "MonthOnlyTime":
        return cls(value.year, value.month, 1, tzinfo=value.tzinfo)
