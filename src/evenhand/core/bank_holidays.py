"""Bank holidays in England and Wales, and working days (no Django).

The rules of the Banking and Financial Dealings Act 1971 and the royal proclamations that follow them each year:
New Year's Day, Good Friday, Easter Monday, the first and last Mondays of May, the last Monday of August,
Christmas Day and Boxing Day, a holiday that falls on a weekend moved to the next weekday not already a holiday.
The years the proclamations departed from the rules are listed in ``_MOVED`` and ``_EXTRA`` (from GOV.UK's
published list, https://www.gov.uk/bank-holidays). Appointments are not booked on them, and deadlines counted in
working days skip them.
"""

import datetime as dt
from functools import cache

# Years a rule's day was moved by proclamation: (year, the rule's day) → the day it was held instead.
_MOVED: dict[dt.date, dt.date] = {
    dt.date(1995, 5, 1): dt.date(1995, 5, 8),  # 50th anniversary of VE Day
    dt.date(2002, 5, 27): dt.date(2002, 6, 4),  # Golden Jubilee
    dt.date(2012, 5, 28): dt.date(2012, 6, 4),  # Diamond Jubilee
    dt.date(2020, 5, 4): dt.date(2020, 5, 8),  # 75th anniversary of VE Day
    dt.date(2022, 5, 30): dt.date(2022, 6, 2),  # Platinum Jubilee
}
# One-off bank holidays.
_EXTRA: tuple[dt.date, ...] = (
    dt.date(1999, 12, 31),  # Millennium
    dt.date(2002, 6, 3),  # Golden Jubilee
    dt.date(2011, 4, 29),  # Royal wedding
    dt.date(2012, 6, 5),  # Diamond Jubilee
    dt.date(2022, 6, 3),  # Platinum Jubilee
    dt.date(2022, 9, 19),  # State funeral of Queen Elizabeth II
    dt.date(2023, 5, 8),  # Coronation of King Charles III
)


def easter_sunday(year: int) -> dt.date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return dt.date(year, month, day + 1)


def _monday_on_or_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def _last_monday(year: int, month: int) -> dt.date:
    last = (dt.date(year + (month == 12), month % 12 + 1, 1)) - dt.timedelta(days=1)
    return last - dt.timedelta(days=last.weekday())


@cache
def bank_holidays(year: int) -> frozenset[dt.date]:
    """The bank holidays in England and Wales in ``year``."""
    easter = easter_sunday(year)
    days = [
        easter - dt.timedelta(days=2),
        easter + dt.timedelta(days=1),
        _monday_on_or_after(dt.date(year, 5, 1)),
        _last_monday(year, 5),
        _last_monday(year, 8),
    ]
    days = [_MOVED.get(day, day) for day in days]
    # New Year's Day, Christmas Day and Boxing Day move to the next weekday that is not already a holiday.
    taken = set(days)
    for fixed in (dt.date(year, 1, 1), dt.date(year, 12, 25), dt.date(year, 12, 26)):
        day = fixed
        while day.weekday() >= 5 or day in taken:
            day += dt.timedelta(days=1)
        taken.add(day)
    taken.update(day for day in _EXTRA if day.year == year)
    return frozenset(taken)


def is_bank_holiday(day: dt.date) -> bool:
    return day in bank_holidays(day.year)


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a bank holiday."""
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The day ``count`` working days after ``day`` (``day`` itself not counted, weekends and bank holidays
    skipped): 1 working day after Friday 22 May 2026 is Tuesday 26 May (25 May is a bank holiday)."""
    if count < 0:
        raise ValueError("count must not be negative")
    while count:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day
