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
