"""The registry's daily schedule: one run a day, keyed by the local date, due from a given hour."""

import datetime as dt

import pytest
from django.utils import timezone

from evenhand.jobs import registry
from evenhand.jobs.registry import daily


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 6, day, hour, minute))  # British Summer Time


def test_a_daily_job_is_due_from_its_hour_once_a_day_by_the_local_date():
    due = daily("figures", from_hour=2)
    assert due(at(4, 1, 59)) is None
    assert due(at(4, 2)) == due(at(4, 23, 59)) == "figures:nightly:2026-06-04"
    assert due(at(5, 2)) == "figures:nightly:2026-06-05"
    # 00:30 in London is 23:30 the day before in UTC: the local day counts.
    assert daily("figures")(at(5, 0, 30).astimezone(dt.UTC)) == "figures:nightly:2026-06-05"


@pytest.mark.parametrize("hour", [-1, 24])
def test_a_daily_job_is_due_from_an_hour_of_the_day(hour):
    with pytest.raises(ValueError, match="0 to 23"):
        daily("figures", from_hour=hour)


def test_the_equality_and_workforce_figures_are_computed_every_night():
    equality = registry.SCHEDULES["equality nightly"].due
    workforce = registry.SCHEDULES["workforce nightly"].due
    assert equality(at(4, 1)) is None and equality(at(4, 2)).endswith(":nightly:2026-06-04")
    assert workforce(at(4, 0, 5)).endswith(":nightly:2026-06-04")
