"""The remaining workforce measures against hand counts on a small fixture: leaving reasons, grievances upheld
and days to outcome, conduct and performance procedures per 100 staff, PQiP access, time in grade, sickness
days per FTE and recruitment stage conversion."""

import datetime as dt

import pytest

from evenhand.org.models import Grade
from evenhand.workforce import services
from evenhand.workforce.measures import workforce_report
from evenhand.workforce.models import EventKind
from evenhand.workforce.rules import Event
from tests.factories import PDUFactory, RegionFactory, StaffMemberFactory, TeamFactory

pytestmark = pytest.mark.django_db
D = dt.date
END = dt.date.today()
START = END - dt.timedelta(days=300)
JOINED = D(2020, 1, 1)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def member(team, grade, ethnicity, *events):
    staff = StaffMemberFactory(grade=grade, team=team, start_date=JOINED)
    services.declare(by=staff, staff=staff, answers={"ethnicity": ethnicity})
    services.record_hr_event(
        by=None,
        staff=staff,
        event=Event(kind=EventKind.JOINED, occurred_on=JOINED, grade=grade, route="direct"),
    )
    for kind, on, values in events:
        services.record_hr_event(by=None, staff=staff, event=Event(kind=kind, occurred_on=on, **values))
    return staff


@pytest.fixture
def hr(db):
    """PDU PWFC: four White staff and three Black (see each line); an HR analyst not in post."""
    team = TeamFactory(pdu=PDUFactory(code="PWFC"))
    pqip = EventKind.PQIP
    member(
        team,
        Grade.ADMIN,
        "W1",
        (pqip, day(10), {"pqip_stage": "applied"}),
        (pqip, day(40), {"pqip_stage": "offered"}),
        (EventKind.SICKNESS, day(50), {"days": 10}),
    )
    member(
        team,
        Grade.PSO,
        "W1",
        (EventKind.GRIEVANCE, day(20), {"grievance_kind": "management", "outcome": "upheld", "days": 20}),
        (EventKind.LEFT, day(90), {"leaving_reason": "resignation"}),
    )
    member(
        team,
        Grade.PSO,
        "W2",
        (EventKind.PROMOTED, day(30), {"grade": Grade.PO}),
        (EventKind.CONDUCT, day(60), {"outcome": "written_warning", "days": 15}),
        (EventKind.GRIEVANCE, day(70), {"grievance_kind": "other", "outcome": "not_upheld", "days": 40}),
    )
    member(
        team,
        Grade.PO,
        "W1",
        (EventKind.SICKNESS, day(5), {"days": 5}),
        (EventKind.SICKNESS, day(100), {"days": 5}),
    )
    member(
        team,
        Grade.PSO,
        "B1",
        (pqip, day(10), {"pqip_stage": "applied"}),
        (pqip, day(50), {"pqip_stage": "withdrawn"}),
        (EventKind.PERFORMANCE, day(60), {"outcome": "ongoing"}),
        (EventKind.LEFT, day(200), {"leaving_reason": "dismissal"}),
    )
    member(
        team,
        Grade.PSO,
        "B2",
        (pqip, day(12), {"pqip_stage": "applied"}),
        (
            EventKind.GRIEVANCE,
            day(20),
            {"grievance_kind": "race_discrimination", "outcome": "partly_upheld", "days": 60},
        ),
        (EventKind.GRIEVANCE, day(25), {"grievance_kind": "other", "outcome": "withdrawn", "days": 5}),
    )
    member(
        team,
        Grade.ADMIN,
        "B3",
        (EventKind.SICKNESS, day(80), {"days": 30}),
        (EventKind.PERFORMANCE, day(90), {"outcome": "improved"}),
        (EventKind.PERFORMANCE, day(150), {"outcome": "written_warning"}),
    )
    return StaffMemberFactory(grade=Grade.HR_ANALYST, team=None, start_date=END + dt.timedelta(days=1))


def measure(report, key):
    return next(m for m in report.measures if m.measure == key)


def summary(report, key):
    return next(s for s in report.summaries if s.measure == key)


def counts(table, group):
    return table.loc[group, ["n", "events"]].tolist()


def test_leaving_reasons_are_shares_of_each_groups_leavers(hr):
    report = workforce_report(hr, start=START, end=END, unit="PWFC", min_n=1)
    resignation = measure(report, "leaving_resignation").table
    dismissal = measure(report, "leaving_dismissal").table
    assert counts(resignation, "white") == [1, 1] and counts(resignation, "black") == [1, 0]
    assert counts(dismissal, "white") == [1, 0] and counts(dismissal, "black") == [1, 1]
    assert measure(report, "leaving_retirement").table["events"].sum() == 0


def test_grievances_upheld_and_days_to_outcome(hr):
    report = workforce_report(hr, start=START, end=END, unit="PWFC", min_n=1)
    upheld = measure(report, "grievance_upheld").table
    # Withdrawn grievances are not decided; partly upheld counts as upheld.
    assert counts(upheld, "white") == [2, 1] and counts(upheld, "black") == [1, 1]
    assert upheld.loc["black", "relative_rate"] == pytest.approx(2.0)
    days = summary(report, "grievance_days").table
    assert days.loc["white", "value"] == pytest.approx(30) and days.loc["white", "n"] == 2
    assert days.loc["black", "value"] == pytest.approx(32.5)
    assert days.loc["black", "ratio"] == pytest.approx(32.5 / 30)


def test_discipline_and_performance_per_100_staff(hr):
    report = workforce_report(hr, start=START, end=END, unit="PWFC", min_n=1)
    conduct = measure(report, "conduct")
    assert counts(conduct.table, "white") == [4, 1] and conduct.table.loc["white", "per_100"] == 25
    assert conduct.per_100 == pytest.approx(100 / 7)
    performance = measure(report, "performance")
    # Two Black staff in three procedures.
    assert counts(performance.table, "black") == [3, 2]
    assert performance.table.loc["black", "per_100"] == pytest.approx(100)
    assert performance.per_100 == pytest.approx(300 / 7)


def test_pqip_access_from_pso_and_administrative_grades(hr):
    report = workforce_report(hr, start=START, end=END, unit="PWFC", min_n=1)
    access = measure(report, "pqip_applied")
    # Eligible: grade at the start of the period PSO or administrator (the promoted PSO too, not the PO).
    assert counts(access.table, "white") == [3, 1] and counts(access.table, "black") == [3, 2]
    assert access.table.loc["black", "per_100"] == pytest.approx(200 / 3)
    assert access.per_100 == pytest.approx(50)
    success = measure(report, "pqip_success").table
    assert counts(success, "white") == [1, 1] and counts(success, "black") == [2, 0]


def test_time_in_grade_and_sickness_per_fte(hr):
    report = workforce_report(hr, start=START, end=END, unit="PWFC", min_n=1)
    years = summary(report, "time_in_grade").table
    # In post at the end: 3 White (one promoted on day 30) and 2 Black; the leavers are not.
    assert years.loc["white", "n"] == 3 and years.loc["black", "n"] == 2
    since_joining = (END - JOINED).days / 365.25
    assert years.loc["white", "value"] == pytest.approx(since_joining)
    assert years.loc["white", "low"] == pytest.approx(((END - day(30)).days / 365.25 + since_joining) / 2)
    sickness = summary(report, "sickness").table
    period = 301
    white = 20 / (3 + 91 / period)  # the leaver in post for 91 days of the 301
    black = 30 / (2 + 201 / period)
    assert sickness.loc["white", "value"] == pytest.approx(white)
    assert sickness.loc["black", "value"] == pytest.approx(black)
    assert sickness.loc["black", "ratio"] == pytest.approx(black / white)


def applicant(campaign, reference, ethnicity, furthest):
    person = services.add_applicant(campaign=campaign, reference=reference, ethnicity=ethnicity)
    for i, stage in enumerate(["applied", "sifted_in", "interviewed", "offered", "appointed"]):
        services.record_applicant_stage(applicant=person, stage=stage, reached_on=day(5 + i))
        if stage == furthest:
            return


def test_recruitment_stage_conversion(hr):
    campaign = services.create_campaign(reference="PSO-N1", grade=Grade.PSO, opened_on=day(1))
    for ref, ethnicity, furthest in [
        ("A", "W1", "applied"),
        ("B", "W1", "sifted_in"),
        ("C", "W3", "interviewed"),
        ("D", "W1", "appointed"),
        ("E", "B1", "applied"),
        ("F", "B2", "sifted_in"),
        ("G", "B1", "sifted_in"),
        ("H", "", "appointed"),
    ]:
        applicant(campaign, ref, ethnicity, furthest)
    report = workforce_report(hr, start=START, end=END, min_n=1)
    sift = measure(report, "recruitment_applied_sifted_in").table
    assert counts(sift, "white") == [4, 3] and counts(sift, "black") == [3, 2]
    interview = measure(report, "recruitment_sifted_in_interviewed").table
    assert counts(interview, "white") == [3, 2] and counts(interview, "black") == [2, 0]
    offer = measure(report, "recruitment_interviewed_offered").table
    assert counts(offer, "white") == [2, 1] and counts(offer, "black") == [0, 0]
    overall = measure(report, "recruitment_applied_appointed")
    assert counts(overall.table, "white") == [4, 1] and counts(overall.table, "black") == [3, 0]
    # Declared by 7 of the 8 applicants; the one who did not is in no group.
    assert overall.declared_share == pytest.approx(7 / 8)
    assert overall.table["n"].sum() == 7
    # A PDU has no campaigns of its own.
    pdu = workforce_report(hr, start=START, end=END, unit="PWFC", min_n=1)
    assert "not for a PDU such as PWFC" in measure(pdu, "recruitment_applied_appointed").withheld


def test_applicants_are_held_to_the_declaration_rule(hr):
    region = RegionFactory(code="RWF1")
    StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=PDUFactory(region=region)))
    campaign = services.create_campaign(reference="PO-R1", grade=Grade.PO, opened_on=day(1), region=region)
    for ref, ethnicity in [("A", "W1"), ("B", ""), ("C", ""), ("D", "PNS")]:
        applicant(campaign, ref, ethnicity, "interviewed")
    # National applicants are not the region's.
    national = services.create_campaign(reference="PO-N1", grade=Grade.PO, opened_on=day(1))
    applicant(national, "E", "B1", "interviewed")
    shown = measure(
        workforce_report(hr, start=START, end=END, unit="RWF1", min_n=1, threshold=0),
        "recruitment_applied_sifted_in",
    )
    assert shown.table is not None and counts(shown.table, "white") == [1, 1]
    assert shown.table["n"].sum() == 1
    report = workforce_report(hr, start=START, end=END, unit="RWF1", min_n=1)
    withheld = measure(report, "recruitment_applied_appointed")
    assert withheld.table is None
    assert "Only 25% of the 4 applicants in RWF1 have declared their ethnic group" in withheld.withheld


def test_the_page_shows_every_measure(hr, client):
    hr_user = StaffMemberFactory(grade=Grade.HR_ANALYST, with_user=True, team=None)
    client.force_login(hr_user.user)
    html = client.get("/workforce/?unit=PWFC").content.decode()
    for anchor in (
        "measure-leaving_dismissal",
        "measure-grievance_upheld",
        "measure-conduct",
        "measure-performance",
        "measure-pqip_applied",
        "measure-pqip_success",
        "measure-recruitment_applied_appointed",
        "summary-time_in_grade",
        "summary-grievance_days",
        "summary-sickness",
        "adjusted-promotion",
    ):
        assert f'id="{anchor}"' in html, anchor
    assert "Conduct and discipline cases per 100 staff: 14.3" in html
    assert "PQiP applications per 100 eligible staff: 50.0" in html
