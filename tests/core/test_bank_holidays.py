"""Bank holidays in England and Wales against GOV.UK's published list, and working days."""

import datetime as dt

import pytest

from evenhand.core.bank_holidays import add_working_days, bank_holidays, easter_sunday, is_working_day

D = dt.date

PUBLISHED = {
    2020: {
        D(2020, 1, 1),
        D(2020, 4, 10),
        D(2020, 4, 13),
        D(2020, 5, 8),
        D(2020, 5, 25),
        D(2020, 8, 31),
        D(2020, 12, 25),
        D(2020, 12, 28),
    },
    2022: {
        D(2022, 1, 3),
        D(2022, 4, 15),
        D(2022, 4, 18),
        D(2022, 5, 2),
        D(2022, 6, 2),
        D(2022, 6, 3),
        D(2022, 8, 29),
        D(2022, 9, 19),
        D(2022, 12, 26),
        D(2022, 12, 27),
    },
    2023: {
        D(2023, 1, 2),
        D(2023, 4, 7),
        D(2023, 4, 10),
        D(2023, 5, 1),
        D(2023, 5, 8),
        D(2023, 5, 29),
        D(2023, 8, 28),
        D(2023, 12, 25),
        D(2023, 12, 26),
    },
    2025: {
        D(2025, 1, 1),
        D(2025, 4, 18),
        D(2025, 4, 21),
        D(2025, 5, 5),
        D(2025, 5, 26),
        D(2025, 8, 25),
        D(2025, 12, 25),
        D(2025, 12, 26),
    },
    2026: {
        D(2026, 1, 1),
        D(2026, 4, 3),
        D(2026, 4, 6),
        D(2026, 5, 4),
        D(2026, 5, 25),
        D(2026, 8, 31),
        D(2026, 12, 25),
        D(2026, 12, 28),
    },
    2027: {
        D(2027, 1, 1),
        D(2027, 3, 26),
        D(2027, 3, 29),
        D(2027, 5, 3),
        D(2027, 5, 31),
        D(2027, 8, 30),
        D(2027, 12, 27),
        D(2027, 12, 28),
    },
}


@pytest.mark.parametrize("year", sorted(PUBLISHED))
def test_bank_holidays_match_the_published_list(year: int) -> None:
    assert bank_holidays(year) == PUBLISHED[year]


def test_easter() -> None:
    assert [easter_sunday(y) for y in (2024, 2025, 2026, 2038)] == [
        D(2024, 3, 31),
        D(2025, 4, 20),
        D(2026, 4, 5),
        D(2038, 4, 25),
    ]


def test_working_days_skip_weekends_and_bank_holidays() -> None:
    assert not is_working_day(D(2026, 5, 25))  # spring bank holiday
    assert not is_working_day(D(2026, 5, 23))  # Saturday
    assert is_working_day(D(2026, 5, 26))
    assert add_working_days(D(2026, 5, 22), 1) == D(2026, 5, 26)
    assert add_working_days(D(2026, 5, 22), 0) == D(2026, 5, 22)
    # Christmas 2026: Friday 25 and Monday 28 December are holidays.
    assert add_working_days(D(2026, 12, 24), 1) == D(2026, 12, 29)
    # 15 working days from Monday 4 May 2026 (itself a holiday): 5 May to 22 May is 14, the 15th is 26 May.
    assert add_working_days(D(2026, 5, 4), 15) == D(2026, 5, 26)
    with pytest.raises(ValueError):
        add_working_days(D(2026, 5, 4), -1)
