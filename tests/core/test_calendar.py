"""Bank holidays in England and Wales against the dates GOV.UK publishes."""

import datetime as dt

import pytest

from evenhand.core.calendar import (
    bank_holidays,
    bank_holidays_between,
    easter_sunday,
    is_working_day,
    next_working_day,
)

D = dt.date

# GOV.UK, england-and-wales, as published.
PUBLISHED = {
    2020: [D(2020, 1, 1), D(2020, 4, 10), D(2020, 4, 13), D(2020, 5, 8), D(2020, 5, 25), D(2020, 8, 31),
           D(2020, 12, 25), D(2020, 12, 28)],
    2021: [D(2021, 1, 1), D(2021, 4, 2), D(2021, 4, 5), D(2021, 5, 3), D(2021, 5, 31), D(2021, 8, 30),
           D(2021, 12, 27), D(2021, 12, 28)],
    2022: [D(2022, 1, 3), D(2022, 4, 15), D(2022, 4, 18), D(2022, 5, 2), D(2022, 6, 2), D(2022, 6, 3),
           D(2022, 8, 29), D(2022, 9, 19), D(2022, 12, 26), D(2022, 12, 27)],
    2023: [D(2023, 1, 2), D(2023, 4, 7), D(2023, 4, 10), D(2023, 5, 1), D(2023, 5, 8), D(2023, 5, 29),
           D(2023, 8, 28), D(2023, 12, 25), D(2023, 12, 26)],
    2024: [D(2024, 1, 1), D(2024, 3, 29), D(2024, 4, 1), D(2024, 5, 6), D(2024, 5, 27), D(2024, 8, 26),
           D(2024, 12, 25), D(2024, 12, 26)],
    2025: [D(2025, 1, 1), D(2025, 4, 18), D(2025, 4, 21), D(2025, 5, 5), D(2025, 5, 26), D(2025, 8, 25),
           D(2025, 12, 25), D(2025, 12, 26)],
    2026: [D(2026, 1, 1), D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 4), D(2026, 5, 25), D(2026, 8, 31),
           D(2026, 12, 25), D(2026, 12, 28)],
    2027: [D(2027, 1, 1), D(2027, 3, 26), D(2027, 3, 29), D(2027, 5, 3), D(2027, 5, 31), D(2027, 8, 30),
           D(2027, 12, 27), D(2027, 12, 28)],
}  # fmt: skip


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_the_bank_holidays_are_the_published_ones(year: int) -> None:
    assert list(bank_holidays(year)) == PUBLISHED[year]


def test_easter() -> None:
    assert [easter_sunday(y) for y in (2019, 2024, 2038)] == [D(2019, 4, 21), D(2024, 3, 31), D(2038, 4, 25)]


def test_substitute_days_are_named() -> None:
    assert bank_holidays(2021)[D(2021, 12, 27)] == "Christmas Day (substitute day)"
    assert bank_holidays(2022)[D(2022, 1, 3)] == "New Year's Day (substitute day)"


def test_working_days() -> None:
    assert not is_working_day(D(2026, 12, 25)) and not is_working_day(D(2026, 12, 26))
    assert next_working_day(D(2026, 12, 25)) == D(2026, 12, 29)  # Fri, Sat, Sun, substitute Monday
    assert next_working_day(D(2026, 12, 29)) == D(2026, 12, 29)
    assert bank_holidays_between(D(2026, 8, 1), D(2027, 1, 1)) == [
        D(2026, 8, 31),
        D(2026, 12, 25),
        D(2026, 12, 28),
        D(2027, 1, 1),
    ]
