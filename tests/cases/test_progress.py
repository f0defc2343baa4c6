"""Requirement progress against hand-worked examples (the pure rules; the outcomes read from the database are
tested in test_agenda)."""

import datetime as dt
from decimal import Decimal

from evenhand.cases import progress
from evenhand.cases.models import RequirementType

D = dt.date


def upw(done: str, today: dt.date, hours: int = 100) -> progress.Progress:
    return progress.progress(
        requirement_id=1,
        type=RequirementType.UNPAID_WORK,
        unpaid_work_hours=hours,
        rar_days=None,
        length_months=None,
        sentence_start=D(2026, 1, 5),
        sentence_end=D(2027, 7, 5),
        done=Decimal(done),
        today=today,
    )


def test_unpaid_work_must_be_done_within_12_months_of_the_order() -> None:
    assert upw("0", D(2026, 1, 5)).expected_end == D(2027, 1, 5)
    # An order shorter than 12 months: by its end.
    assert progress.expected_end(
        type=RequirementType.UNPAID_WORK,
        sentence_start=D(2026, 1, 5),
        sentence_end=D(2026, 9, 1),
        length_months=None,
    ) == D(2026, 9, 1)


def test_on_track_and_at_risk_by_the_rate_so_far() -> None:
    # 100 days in (5 January to 15 April 2026), 265 days left to 5 January 2027.
    # 30 hours done: 30 + 30/100 x 265 = 109.5 >= 100, on track.
    on_track = upw("30", D(2026, 4, 15))
    assert on_track.projected == Decimal("109.50")
    assert not on_track.at_risk
    assert on_track.remaining == Decimal(70)
    # 20 hours done: 20 + 20/100 x 265 = 73 < 100, at risk.
    behind = upw("20", D(2026, 4, 15))
    assert behind.projected == Decimal("73.00")
    assert behind.at_risk


def test_not_judged_in_the_first_28_days() -> None:
    assert not upw("0", D(2026, 2, 1)).at_risk  # day 27
    assert upw("0", D(2026, 2, 2)).at_risk  # day 28: nothing done at all


def test_complete_is_never_at_risk_and_past_the_end_always_is() -> None:
    assert upw("100", D(2027, 3, 1)).complete
    assert not upw("100", D(2027, 3, 1)).at_risk
    late = upw("99.5", D(2027, 1, 6))
    assert late.at_risk and late.projected == Decimal("99.5")
    # On the last day nothing more can be done at any rate: half an hour short is at risk; complete is not.
    assert upw("99.5", D(2027, 1, 5)).at_risk
    assert not upw("100", D(2027, 1, 5)).at_risk


def test_minutes_to_hours_rounds_half_up() -> None:
    assert progress.hours(90) == Decimal("1.50")
    assert progress.hours(7 * 60) == Decimal("7.00")
    assert progress.hours(1) == Decimal("0.02")  # 0.01666… rounds to 0.02


def test_a_rar_with_its_own_length_and_a_programme_without_a_target() -> None:
    rar = progress.progress(
        requirement_id=2,
        type=RequirementType.RAR,
        unpaid_work_hours=None,
        rar_days=20,
        length_months=6,
        sentence_start=D(2026, 1, 31),
        sentence_end=D(2027, 1, 31),
        done=Decimal(3),
        today=D(2026, 4, 1),
    )
    assert rar.unit == "days"
    assert rar.expected_end == D(2026, 7, 31)
    # 60 days in, 121 left: 3 + 3/60 x 121 = 9.05 < 20.
    assert rar.projected == Decimal("9.05") and rar.at_risk
    programme = progress.progress(
        requirement_id=3,
        type=RequirementType.ACCREDITED_PROGRAMME,
        unpaid_work_hours=None,
        rar_days=None,
        length_months=None,
        sentence_start=D(2026, 1, 5),
        sentence_end=D(2027, 1, 5),
        done=Decimal(0),
        today=D(2026, 12, 1),
    )
    assert programme.unit == "sessions" and programme.ordered is None and not programme.at_risk
