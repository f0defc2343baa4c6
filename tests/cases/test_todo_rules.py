"""Each to-do rule at its boundary: the day before, the day itself and the day after."""

import datetime as dt

import pytest

from evenhand.cases import todo
from evenhand.cases.models import ReferralStatus

D = dt.date
UTC = dt.UTC


def test_outcome_is_due_once_the_appointment_has_started() -> None:
    at = dt.datetime(2026, 5, 5, 10, 0, tzinfo=UTC)
    assert not todo.outcome_due(at, at - dt.timedelta(seconds=1))
    assert todo.outcome_due(at, at)
    assert todo.outcome_due(at, at + dt.timedelta(days=1))


@pytest.mark.parametrize(
    ("start", "deadline"),
    [
        # Monday 4 May 2026 is a bank holiday; 15 working days on is Tuesday 26 May (25 May is one too).
        (D(2026, 5, 4), D(2026, 5, 26)),
        # Thursday 1 January 2026: 2 January is the first working day, 22 January the 15th.
        (D(2026, 1, 1), D(2026, 1, 22)),
        # Friday 18 December 2026: 21-24 and 29-31 December are 7; Christmas Day, the Boxing Day substitute
        # (28th) and New Year's Day are skipped; 4-8 January make 12 and 13 January the 15th.
        (D(2026, 12, 18), D(2027, 1, 13)),
    ],
)
def test_assessment_deadline_is_15_working_days(start: dt.date, deadline: dt.date) -> None:
    assert todo.assessment_deadline(start) == deadline


def test_assessment_due_and_overdue_boundaries() -> None:
    start = D(2026, 5, 4)
    assert not todo.assessment_due(start, start - dt.timedelta(days=1))
    assert todo.assessment_due(start, start)
    assert not todo.assessment_overdue(start, D(2026, 5, 25))
    assert not todo.assessment_overdue(start, D(2026, 5, 26))  # the deadline itself
    assert todo.assessment_overdue(start, D(2026, 5, 27))


def test_add_working_days_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError):
        todo.add_working_days(D(2026, 5, 4), -1)
    assert todo.add_working_days(D(2026, 5, 22), 1) == D(2026, 5, 26)


def test_rosh_review_overdue_the_day_after_it_was_due() -> None:
    due = D(2026, 6, 30)
    assert not todo.rosh_review_overdue(due, D(2026, 6, 29))
    assert not todo.rosh_review_overdue(due, due)
    assert todo.rosh_review_overdue(due, D(2026, 7, 1))
    assert not todo.rosh_review_overdue(None, D(2030, 1, 1))


def test_sentence_ending_within_28_days() -> None:
    today = D(2026, 6, 1)
    assert not todo.sentence_ending_soon(D(2026, 5, 31), today)  # already past its end
    assert todo.sentence_ending_soon(today, today)
    assert todo.sentence_ending_soon(D(2026, 6, 29), today)  # 28 days ahead
    assert not todo.sentence_ending_soon(D(2026, 6, 30), today)  # 29 days ahead


@pytest.mark.parametrize(
    ("changed", "quiet"),
    [(D(2026, 5, 5), False), (D(2026, 5, 4), True), (D(2026, 5, 3), True)],
    ids=["27 days", "28 days", "29 days"],
)
def test_referral_quiet_after_28_days(changed: dt.date, quiet: bool) -> None:
    assert todo.referral_quiet(ReferralStatus.ACCEPTED, changed, D(2026, 6, 1)) is quiet


def test_a_closed_referral_is_never_quiet() -> None:
    long_ago = D(2020, 1, 1)
    for status in (ReferralStatus.COMPLETED, ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN):
        assert not todo.referral_quiet(status, long_ago, D(2026, 6, 1))
    for status in (ReferralStatus.MADE, ReferralStatus.ACCEPTED, ReferralStatus.STARTED):
        assert todo.referral_quiet(status, long_ago, D(2026, 6, 1))
