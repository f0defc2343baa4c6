"""The workforce measures against hand counts on a small fixture, and the declaration rule."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from evenhand.org.models import Grade
from evenhand.workforce import services
from evenhand.workforce.measures import workforce_report
from evenhand.workforce.models import EventKind
from evenhand.workforce.rules import Event
from tests.factories import PDUFactory, StaffMemberFactory, TeamFactory

D = dt.date
# Declarations are made now, so the period ends today: a report reads the declarations made by its end.
END = dt.date.today()
START = END - dt.timedelta(days=300)


def event(staff, kind, on, **values):
    services.record_hr_event(by=None, staff=staff, event=Event(kind=kind, occurred_on=on, **values))


def member(team, grade, ethnicity, *, promoted=False, left=False, grievances=0):
    staff = StaffMemberFactory(grade=grade, team=team, start_date=D(2020, 1, 1))
    if ethnicity:
        services.declare(by=staff, staff=staff, answers={"ethnicity": ethnicity})
    event(staff, EventKind.JOINED, D(2020, 1, 1), grade=Grade.PSO, route="direct")
    if promoted:
        event(staff, EventKind.PROMOTED, START + dt.timedelta(days=30), grade=Grade.PO)
    for i in range(grievances):
        event(
            staff,
            EventKind.GRIEVANCE,
            START + dt.timedelta(days=60 + i),
            grievance_kind="race_discrimination",
        )
    if left:
        event(staff, EventKind.LEFT, START + dt.timedelta(days=90), leaving_reason="resignation")
    return staff


@pytest.fixture
def world(db):
    """PDU A: 6 White (1 promoted, 1 left), 3 Black (2 promoted, 1 left, one raising 2 grievances), 1 not
    declared (promoted), 1 preferring not to say: 9 of 11 declared (82%). PDU B: 1 White, 2 not declared
    (1 of 3, 33%)."""
    a = TeamFactory(pdu=PDUFactory(code="PWFA"))
    b = TeamFactory(pdu=PDUFactory(code="PWFB"))
    for i in range(6):
        member(a, Grade.PSO, "W1" if i % 2 else "W5", promoted=i == 0, left=i == 1)
    member(a, Grade.PSO, "B1", promoted=True, grievances=2)
    member(a, Grade.PSO, "B2", promoted=True, left=True)
    member(a, Grade.PO, "B3")
    member(a, Grade.PSO, "", promoted=True)
    member(a, Grade.PSO, "PNS")
    member(b, Grade.PSO, "W1")
    member(b, Grade.PSO, "")
    member(b, Grade.PSO, "")
    return StaffMemberFactory(grade=Grade.HR_ANALYST, team=None, start_date=END + dt.timedelta(days=1))


pytestmark = pytest.mark.django_db


def table(report, key):
    return next(m for m in report.measures if m.measure == key)


def test_rates_against_hand_counts(world):
    report = workforce_report(world, start=START, end=END, unit="PWFA", min_n=1)
    assert report.staff == 11
    promotion = table(report, "promotion").table
    assert promotion.loc["white", ["n", "events"]].tolist() == [6, 1]
    assert promotion.loc["black", ["n", "events"]].tolist() == [3, 2]
    # Relative rate of Black staff against White: (2/3) / (1/6) = 4.
    assert promotion.loc["black", "relative_rate"] == pytest.approx(4.0)
    assert promotion.loc["black", "rate_low"] < 2 / 3 < promotion.loc["black", "rate_high"]
    leaving = table(report, "leaving").table
    assert leaving.loc["white", "events"] == 1 and leaving.loc["black", "events"] == 1
    assert leaving.loc["black", "relative_rate"] == pytest.approx((1 / 3) / (1 / 6))
    grievance = table(report, "grievance")
    # People raising one (1 of 3 Black staff); per 100 staff counts both grievances among all 11 staff.
    assert grievance.table.loc["black", "events"] == 1
    assert grievance.per_100 == pytest.approx(100 * 2 / 11)
    # Every comparison has a q-value from one Benjamini-Hochberg family.
    assert promotion["q_value"].notna().sum() == 1
    assert promotion.loc["black", "q_value"] >= promotion.loc["black", "p_value"]


def test_representation_by_grade(world):
    report = workforce_report(world, start=START, end=END, unit="PWFA", min_n=1)
    shares = report.representation.set_index(["grade", "group"])
    # PSO: 6 White and 2 Black declared; PO: 1 Black.
    assert shares.loc[("PSO", "white"), ["n", "events"]].tolist() == [8, 6]
    assert shares.loc[("PSO", "black"), "rate"] == pytest.approx(2 / 8)
    assert shares.loc[("PO", "black"), ["n", "events"]].tolist() == [1, 1]


def test_below_the_declaration_threshold_the_table_says_why(world):
    report = workforce_report(world, start=START, end=END, unit="PWFB", min_n=1)
    assert all(m.table is None for m in report.measures)
    assert "Only 33% of the 3 staff in PWFB have declared their ethnic group" in report.measures[0].withheld
    assert "at least 60%" in report.measures[0].withheld
    assert report.representation is None


def test_the_threshold_is_configurable(world, settings):
    settings.EVENHAND_WORKFORCE_DECLARATION_THRESHOLD = 0.9
    report = workforce_report(world, start=START, end=END, unit="PWFA", min_n=1)
    assert "Only 82%" in report.measures[0].withheld
    settings.EVENHAND_WORKFORCE_DECLARATION_THRESHOLD = 0.3
    assert workforce_report(world, start=START, end=END, unit="PWFB", min_n=1).measures[0].table is not None


@pytest.mark.parametrize("grade", [Grade.PO, Grade.SPO, Grade.HEAD_OF_PDU, Grade.ANALYST, Grade.ADMIN])
def test_only_hr_analysts_see_the_figures(world, grade):
    with pytest.raises(PermissionDenied):
        workforce_report(StaffMemberFactory(grade=grade), start=START, end=END)
