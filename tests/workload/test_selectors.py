"""The capacity arithmetic against hand-worked examples, the explained breakdown, trend, forecast and roll-ups.

Every expected figure is worked by hand in the comment beside it, from the published table:
available points = 2,176 x available hours / 37; capacity = points / available points x 100, to one decimal.
"""

import datetime as dt
from decimal import Decimal

import pytest

from evenhand.cases.models import SentenceType, TerminationReason
from evenhand.org.models import Grade, StaffMember
from evenhand.people.models import Exclusion
from evenhand.workload.models import (
    CapacityReduction,
    CaseWeighting,
    CountedTask,
    ReductionReason,
    TaskType,
    TaskWeighting,
    WeightingVersion,
)
from evenhand.workload.rules import PUBLISHED_WEIGHTINGS, add_months
from evenhand.workload.selectors import (
    breakdown,
    figure_of,
    figures,
    forecast_dates,
    pdu_rollup,
    series,
    team_workload,
    trend_dates,
)
from tests.factories import RiskSummaryFactory, StaffMemberFactory, TeamFactory
from tests.workload.conftest import TODAY, case_for

pytestmark = pytest.mark.django_db
D = dt.date


def reduction(staff: StaffMember, start: dt.date, end: dt.date | None, percentage=None, hours=None):
    return CapacityReduction.objects.create(
        staff=staff,
        reason=ReductionReason.OTHER,
        percentage=percentage,
        hours=hours,
        start_date=start,
        end_date=end,
        recorded_by=staff,
    )


def task(practitioner, task_type, assigned_on, due_date, completed_on=None):
    return CountedTask.objects.create(
        practitioner=practitioner,
        task_type=task_type,
        assigned_on=assigned_on,
        due_date=due_date,
        completed_on=completed_on,
        recorded_by=practitioner,
    )


def on(staff: StaffMember, day: dt.date, today: dt.date = TODAY):
    return figures(StaffMember.objects.filter(pk=staff.pk), [day], today=today)[0][staff.pk]


def capacities(staff: StaffMember, dates, today: dt.date = TODAY) -> list[Decimal | None]:
    return [figure.capacity for figure in series(staff, dates, today)]


# --- one date ---------------------------------------------------------------------------------------------


def test_cases_and_reports_on_a_date(po):
    case_for(po, "B2")  # community B2: 115
    case_for(po, "A3", type=SentenceType.LICENCE)  # licence A3: 219
    case_for(po, "C1", type=SentenceType.SUSPENDED_SENTENCE_ORDER)  # community C1: 50
    case_for(po, "D2", type=SentenceType.POST_SENTENCE_SUPERVISION)  # licence D2: 43
    case_for(po, None)  # not yet tiered: 0
    task(
        po, TaskType.STANDARD_COURT_REPORT, TODAY - dt.timedelta(days=3), TODAY + dt.timedelta(days=10)
    )  # 138
    task(po, TaskType.FAST_COURT_REPORT, D(2026, 2, 1), D(2026, 2, 10), completed_on=D(2026, 2, 9))  # done
    task(po, TaskType.PAROLE_REPORT, TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=20))  # not yet

    figure = on(po, TODAY)

    assert (figure.cases, figure.case_points) == (5, 115 + 219 + 50 + 43)
    assert (figure.tasks, figure.task_points) == (1, 138)
    assert figure.points == 565
    assert figure.tiers == {"A": 1, "B": 1, "C": 1, "D": 1, "untiered": 1}
    assert figure.available_points == Decimal(2176)
    # 565 / 2176 x 100 = 25.965…
    assert figure.capacity == Decimal("26.0")
    assert not figure.over_capacity


def test_part_time_with_a_percentage_and_an_hours_reduction(pso):
    pso.contracted_hours = Decimal("22.5")
    pso.save()
    case_for(pso, "C2")  # 63
    case_for(pso, "D1")  # 29
    reduction(pso, D(2026, 1, 1), None, hours=Decimal("7.5"))
    reduction(pso, D(2026, 2, 1), D(2026, 4, 30), percentage=Decimal("20"))  # 20% of 22.5 = 4.5 hours

    figure = on(pso, TODAY)

    assert figure.reduction_hours == Decimal("12.0")
    assert figure.available_hours == Decimal("10.5")
    # 2176 x 10.5 / 37 = 617.5135…; 92 / 617.5135 x 100 = 14.898…
    assert figure.available_points.quantize(Decimal("0.0001")) == Decimal("617.5135")
    assert figure.capacity == Decimal("14.9")


def test_over_capacity(po):
    for _ in range(11):
        case_for(po, "A3", type=SentenceType.LICENCE)  # 11 x 219 = 2409
    figure = on(po, TODAY)
    # 2409 / 2176 x 100 = 110.707…
    assert figure.capacity == Decimal("110.7")
    assert figure.over_capacity


def test_a_full_reduction_leaves_no_capacity_to_measure(po):
    case_for(po, "C2")
    reduction(po, D(2026, 1, 5), None, percentage=Decimal("100"))
    figure = on(po, TODAY)
    assert figure.available_points == 0
    assert figure.capacity is None
    # Holding a case with no hours available is over capacity.
    assert figure.over_capacity


def test_what_is_not_counted(po, pso):
    ended = case_for(po, "A3")
    ended.end_date = TODAY - dt.timedelta(days=1)
    ended.save()
    terminated = case_for(po, "A2")
    sentence = terminated.sentence
    sentence.termination_date, sentence.termination_reason = D(2026, 2, 1), TerminationReason.COMPLETED
    sentence.save()
    case_for(po, "B1", allocated_from=TODAY + dt.timedelta(days=1))  # starts tomorrow
    case_for(pso, "B3")  # someone else's
    assert on(po, TODAY).points == 0
    # A past date counts what was held then.
    assert on(po, D(2026, 1, 15)).case_points == 206 + 158  # A3 and A2, both community


def test_the_tier_on_the_date_counts(po):
    allocation = case_for(po, "C2", assessed_on=D(2025, 6, 2))
    RiskSummaryFactory(person=allocation.sentence.person, tier="B3", assessed_on=D(2026, 3, 10))
    assert on(po, D(2026, 3, 9)).case_points == 63  # C2
    assert on(po, D(2026, 3, 10)).case_points == 146  # B3


def test_someone_not_yet_in_post_or_gone_has_no_figure(team):
    joiner = StaffMemberFactory(grade=Grade.PO, team=team, start_date=D(2026, 4, 1))
    leaver = StaffMemberFactory(grade=Grade.PO, team=team, start_date=D(2020, 1, 1), end_date=D(2026, 2, 28))
    found = figures(StaffMember.objects.filter(team=team), [TODAY], today=TODAY)[0]
    assert joiner.pk not in found and leaver.pk not in found


# --- reductions over time, and a table version change ---------------------------------------------------


def test_reductions_that_start_and_end_mid_month_and_overlap(po):
    case_for(po, "A2")  # community A2: 158
    reduction(po, D(2026, 3, 10), D(2026, 3, 20), percentage=Decimal("50"))  # 18.5 hours
    reduction(po, D(2026, 3, 15), None, hours=Decimal("10"))  # overlaps from the 15th

    dates = [D(2026, 3, 9), D(2026, 3, 10), D(2026, 3, 15), D(2026, 3, 20), D(2026, 3, 21), D(2026, 3, 31)]
    found = series(po, dates, today=D(2026, 3, 31))

    assert [f.reduction_hours for f in found] == [
        0,
        Decimal("18.5"),
        Decimal("28.5"),
        Decimal("28.5"),
        10,
        10,
    ]
    assert capacities(po, dates, today=D(2026, 3, 31)) == [
        Decimal("7.3"),  # 158 / 2176 = 7.26%
        Decimal("14.5"),  # 37 - 18.5 = 18.5 hours: 2176 x 18.5 / 37 = 1088; 158 / 1088 = 14.52%
        Decimal("31.6"),  # 37 - 28.5 = 8.5 hours: 499.89 points; 158 / 499.89 = 31.61%
        Decimal("31.6"),  # the 50% ends at the end of the 20th
        Decimal("10.0"),  # 27 hours: 1587.89 points; 158 / 1587.89 = 9.9503%
        Decimal("10.0"),
    ]


def copy_of_version_1(number: int, effective_from: dt.date, nominal_target: int, **changes: int) -> None:
    version = WeightingVersion.objects.create(
        number=number, effective_from=effective_from, nominal_target=nominal_target, source="test"
    )
    for case_type, row in PUBLISHED_WEIGHTINGS.cases.items():
        for tier, points in row.items():
            CaseWeighting.objects.create(
                version=version,
                case_type=case_type,
                tier=tier,
                points=changes.get(f"{case_type}_{tier}", points),
            )
    for task_type, points in PUBLISHED_WEIGHTINGS.tasks.items():
        TaskWeighting.objects.create(
            version=version, task_type=task_type, points=changes.get(task_type, points)
        )


def test_a_new_table_version_applies_from_its_date_and_past_figures_keep_theirs(po):
    case_for(po, "A2")  # community A2: 158 in version 1
    task(po, TaskType.PAROLE_REPORT, D(2026, 3, 1), D(2026, 6, 1))  # 120 in version 1
    before = on(po, D(2026, 3, 31), today=D(2026, 5, 1))
    copy_of_version_1(2, D(2026, 4, 1), 2000, community_A2=200, parole_report=100)

    march, april = series(po, [D(2026, 3, 31), D(2026, 4, 30)], today=D(2026, 5, 1))

    assert (march.weighting.number, march.points, march.capacity) == (1, 278, before.capacity)
    # 278 / 2176 x 100 = 12.775… → 12.8
    assert march.capacity == Decimal("12.8")
    # Version 2: 200 + 100 = 300 points of 2000: 15.0%
    assert (april.weighting.number, april.points, april.available_points, april.capacity) == (
        2,
        300,
        Decimal(2000),
        Decimal("15.0"),
    )


# --- trend and forecast -----------------------------------------------------------------------------------


def test_trend_dates_are_a_year_of_month_ends():
    assert trend_dates(D(2026, 3, 2)) == [
        D(2025, 4, 30),
        D(2025, 5, 31),
        D(2025, 6, 30),
        D(2025, 7, 31),
        D(2025, 8, 31),
        D(2025, 9, 30),
        D(2025, 10, 31),
        D(2025, 11, 30),
        D(2025, 12, 31),
        D(2026, 1, 31),
        D(2026, 2, 28),
        D(2026, 3, 2),
    ]


def test_forecast_from_sentence_ends_reports_due_and_reductions(po):
    case_for(po, "B1", end=TODAY + dt.timedelta(days=15))  # 102 until 17 March
    case_for(po, "C3")  # 79 throughout
    task(
        po, TaskType.STANDARD_COURT_REPORT, TODAY - dt.timedelta(days=3), TODAY + dt.timedelta(days=10)
    )  # 138
    reduction(po, TODAY + dt.timedelta(days=28), TODAY + dt.timedelta(days=41), percentage=Decimal("50"))

    weeks = forecast_dates(TODAY)
    found = series(po, weeks, today=TODAY)

    assert weeks[0] == D(2026, 3, 9) and len(weeks) == 12
    assert [f.points for f in found[:6]] == [319, 181, 79, 79, 79, 79]
    assert [f.capacity for f in found[:6]] == [
        Decimal("14.7"),  # 319 / 2176: the report is due on the 12th, after this date
        Decimal("8.3"),  # 181 / 2176: the report is done; the B1 order ends on the 17th
        Decimal("3.6"),  # 79 / 2176
        Decimal("7.3"),  # 79 / 1088: 50% reduction from 30 March
        Decimal("7.3"),
        Decimal("3.6"),  # the reduction ended on 12 April
    ]


# --- the explained figure ---------------------------------------------------------------------------------


def test_the_breakdown_adds_up_to_the_figure_line_by_line(po, spo):
    case_for(po, "B2")
    case_for(po, "A3", type=SentenceType.LICENCE)
    hidden = case_for(po, "C1")
    case_for(po, None)
    task(po, TaskType.FAST_COURT_REPORT, TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=5))
    reduction(po, D(2026, 1, 1), None, percentage=Decimal("10"))
    Exclusion.objects.create(person=hidden.sentence.person, staff=spo, reason="Known to them")

    explained = breakdown(po, spo, TODAY, TODAY)

    assert [(a.tier_on, a.points) for a in explained.cases] == [
        ("A3", 219),
        ("B2", 115),
        ("C1", 50),
        (None, 0),
    ]
    assert sum(a.points for a in explained.cases) == explained.figure.case_points
    assert [(t.task_type, t.points) for t in explained.tasks] == [(TaskType.FAST_COURT_REPORT, 65)]
    assert sum(t.points for t in explained.tasks) == explained.figure.task_points
    assert [line.hours for line in explained.reductions] == [Decimal("3.7")]
    assert explained.figure.reduction_hours == Decimal("3.7")
    assert explained.untiered == 1
    # The excluded manager sees the case counted but not whose it is.
    assert [a.visible for a in explained.cases] == [True, True, False, True]


def test_figure_of_someone_with_nothing(po):
    figure = figure_of(po, TODAY, today=TODAY)
    assert (figure.points, figure.capacity, figure.over_capacity) == (0, Decimal("0.0"), False)


# --- teams and PDUs ---------------------------------------------------------------------------------------


def test_team_workload_lists_psos_and_pos_highest_capacity_first(team, po, pso, spo):
    for _ in range(11):
        case_for(po, "A3", type=SentenceType.LICENCE)
    case_for(pso, "C2")
    rows = team_workload(team, TODAY)
    assert [r.staff_id for r in rows] == [po.pk, pso.pk]  # no SPO: SPOs hold no cases
    assert [r.over_capacity for r in rows] == [True, False]
    assert [r.staff_id for r in team_workload(team, TODAY, sort="name")] == sorted(
        [po.pk, pso.pk], key=lambda pk: StaffMember.objects.get(pk=pk).full_name.lower()
    )


def test_pdu_rollup_adds_up_teams(pdu, team, po, pso):
    other = TeamFactory(pdu=pdu, name="Zeta team")
    far = StaffMemberFactory(grade=Grade.PO, team=other)
    for _ in range(11):
        case_for(po, "A3", type=SentenceType.LICENCE)  # 2409
    case_for(pso, "C2")  # 63
    case_for(far, "B2")  # 115
    reduction(pso, D(2026, 1, 1), None, hours=Decimal("18.5"))

    rows, total = pdu_rollup(pdu, TODAY)

    assert [(r.name, r.practitioners, r.over_capacity, r.points) for r in rows] == [
        (team.name, 2, 1, 2472),
        ("Zeta team", 1, 0, 115),
    ]
    # Team: 37 + 18.5 available hours = 55.5: 2176 x 55.5 / 37 = 3264 points; 2472 / 3264 = 75.74%
    assert rows[0].available_points == Decimal(3264)
    assert rows[0].capacity == Decimal("75.7")
    # PDU: 92.5 hours = 5440 points; 2587 / 5440 = 47.55%
    assert (total.practitioners, total.over_capacity, total.points, total.capacity) == (
        3,
        1,
        2587,
        Decimal("47.6"),
    )


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2026, 3, 15), 9) == D(2026, 12, 15)
    assert add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
