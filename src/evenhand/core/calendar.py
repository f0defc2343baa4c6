"""Bank holidays in England and Wales, and working days (no Django).

Source: the rules of the Banking and Financial Dealings Act 1971 (schedule 1) as the government applies them
each year, and the dates GOV.UK publishes for England and Wales (https://www.gov.uk/bank-holidays, the
``england-and-wales`` division of its bank-holidays.json). The eight regular holidays are computed for any
year; the days moved or added by royal proclamation (jubilees, a royal wedding, a state funeral, a
coronation, VE Day anniversaries, the millennium) are in ``PROCLAIMED``. When a future year gets a proclaimed
day, add it there with the GOV.UK date.

Appointments are not booked on a bank holiday; the synthetic generator and the appointment services share
these functions so that the two agree.
"""

import datetime as dt
from collections.abc import Iterable
from functools import cache

MONDAY, SATURDAY = 0, 5

# Proclaimed changes: a regular holiday moved (its usual date → the new date) or a day added.
MOVED: dict[dt.date, dt.date] = {
    dt.date(1995, 5, 1): dt.date(1995, 5, 8),  # early May bank holiday moved for VE Day's 50th anniversary
    dt.date(2002, 5, 27): dt.date(2002, 6, 4),  # spring bank holiday moved for the Golden Jubilee
    dt.date(2012, 5, 28): dt.date(2012, 6, 4),  # spring bank holiday moved for the Diamond Jubilee
    dt.date(2020, 5, 4): dt.date(2020, 5, 8),  # early May bank holiday moved for VE Day's 75th anniversary
    dt.date(2022, 5, 30): dt.date(2022, 6, 2),  # spring bank holiday moved for the Platinum Jubilee
}
PROCLAIMED: dict[dt.date, str] = {
    dt.date(1999, 12, 31): "Millennium celebrations",
    dt.date(2002, 6, 3): "Queen's Golden Jubilee",
    dt.date(2011, 4, 29): "Royal wedding",
    dt.date(2012, 6, 5): "Queen's Diamond Jubilee",
    dt.date(2022, 6, 3): "Platinum Jubilee bank holiday",
    dt.date(2022, 9, 19): "Bank Holiday for the State Funeral of Queen Elizabeth II",
    dt.date(2023, 5, 8): "Bank holiday for the coronation of King Charles III",
}


def easter_sunday(year: int) -> dt.date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month = (h + el - 7 * m + 114) // 31
    day = (h + el - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


def _first_monday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(MONDAY - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> dt.date:
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - MONDAY) % 7)


def _substitute(day: dt.date, taken: set[dt.date]) -> dt.date:
    """A holiday falling at a weekend (or on a day another holiday has taken) moves to the next weekday free."""
    while day.weekday() >= SATURDAY or day in taken:
        day += dt.timedelta(days=1)
    return day


@cache
def bank_holidays(year: int) -> dict[dt.date, str]:
    """Every bank holiday in England and Wales in ``year``, by date, with its name."""
    easter = easter_sunday(year)
    new_year = _substitute(dt.date(year, 1, 1), set())
    christmas = _substitute(dt.date(year, 12, 25), set())
    boxing = _substitute(dt.date(year, 12, 26), {christmas})
    regular = {
        new_year: "New Year's Day" + (" (substitute day)" if new_year.day != 1 else ""),
        easter - dt.timedelta(days=2): "Good Friday",
        easter + dt.timedelta(days=1): "Easter Monday",
        _first_monday(year, 5): "Early May bank holiday",
        _last_monday(year, 5): "Spring bank holiday",
        _last_monday(year, 8): "Summer bank holiday",
        christmas: "Christmas Day" + (" (substitute day)" if christmas.day != 25 else ""),
        boxing: "Boxing Day" + (" (substitute day)" if boxing.day != 26 else ""),
    }
    days = {MOVED.get(day, day): name for day, name in regular.items()}
    days.update({day: name for day, name in PROCLAIMED.items() if day.year == year})
    return dict(sorted(days.items()))


def is_bank_holiday(day: dt.date) -> bool:
    return day in bank_holidays(day.year)


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday, and not a bank holiday."""
    return day.weekday() < SATURDAY and not is_bank_holiday(day)


def next_working_day(day: dt.date) -> dt.date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def bank_holidays_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The bank holidays from ``first`` to ``last`` inclusive, in order (for ``numpy.busday_offset``'s
    ``holidays`` argument, among others)."""
    years: Iterable[int] = range(first.year, last.year + 1)
    return [day for year in years for day in bank_holidays(year) if first <= day <= last]
