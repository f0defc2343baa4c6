"""Promotion adjusted for grade and length of service: a gap that length of service explains entirely is flagged
on the crude figures, marked as explained, and gone once adjusted; a gap within the bands stays flagged."""

import datetime as dt

import pytest

from evenhand.org.models import Grade
from evenhand.workforce.measures import workforce_report
from evenhand.workforce.models import Declaration, EventKind, HrEvent
from tests.factories import PDUFactory, StaffMemberFactory, TeamFactory

pytestmark = pytest.mark.django_db
END = dt.date.today()
START = END - dt.timedelta(days=300)
LONG = dt.date(2010, 1, 1)  # ten years' service or more at the start of the period
SHORT = START - dt.timedelta(days=365)  # under two years


def staff(team, ethnicity: str, joined: dt.date, count: int, promoted: int) -> None:
    """``count`` PSOs of one ethnicity who joined on ``joined``, the first ``promoted`` of them promoted to PO
    in the period (rows written directly: the fixture is large and each row is valid by construction)."""
    people = StaffMemberFactory.create_batch(count, grade=Grade.PSO, team=team, start_date=joined)
    Declaration.objects.bulk_create(
        Declaration(staff=person, characteristic="ethnicity", value=ethnicity) for person in people
    )
    events = [
        HrEvent(staff=person, kind=EventKind.JOINED, occurred_on=joined, grade=Grade.PSO, route="direct")
        for person in people
    ]
    events += [
        HrEvent(
            staff=person, kind=EventKind.PROMOTED, occurred_on=START + dt.timedelta(days=30), grade=Grade.PO
        )
        for person in people[:promoted]
    ]
    HrEvent.objects.bulk_create(events)


def hr_analyst():
    return StaffMemberFactory(grade=Grade.HR_ANALYST, team=None, start_date=END + dt.timedelta(days=1))


def promotion(report):
    return next(m for m in report.measures if m.measure == "promotion")


def test_a_gap_explained_by_length_of_service_is_flagged_crude_and_gone_adjusted(client):
    team = TeamFactory(pdu=PDUFactory(code="PWFS"))
    # Half of those with long service are promoted and a tenth of the newer staff, whatever their group; most
    # White staff have long service and most Black staff do not.
    staff(team, "W1", LONG, 80, 40)
    staff(team, "W1", SHORT, 20, 2)
    staff(team, "B1", LONG, 20, 10)
    staff(team, "B1", SHORT, 80, 8)
    report = workforce_report(hr_analyst(), start=START, end=END, unit="PWFS")
    measure = promotion(report)
    crude = measure.table.loc["black"]
    assert crude[["n", "events"]].tolist() == [100, 18]
    assert crude["relative_rate"] == pytest.approx(0.18 / 0.42)
    assert crude["flagged"]
    adjusted = measure.adjusted.loc["black"]
    assert adjusted["adjusted_relative_rate"] == pytest.approx(1.0, abs=1e-6)
    assert adjusted["adjusted_odds_ratio"] == pytest.approx(1.0, abs=1e-6)
    assert adjusted["crude_flagged"] and not adjusted["adjusted_flagged"] and adjusted["explained"]
    assert measure.adjusted_for == "grade and length of service at the start of the period"

    hr = StaffMemberFactory(grade=Grade.HR_ANALYST, with_user=True, team=None)
    client.force_login(hr.user)
    html = client.get("/workforce/?unit=PWFS").content.decode()
    table = html[html.index('id="adjusted-promotion"') :]
    assert "(flagged, crude)" in table
    assert "The crude gap is explained by grade and length of service" in table


def test_a_gap_within_the_bands_stays_flagged_when_adjusted():
    team = TeamFactory(pdu=PDUFactory(code="PWFT"))
    staff(team, "W1", LONG, 80, 40)
    staff(team, "W1", SHORT, 20, 2)
    # Black staff are promoted at a fifth of the White rate in each band.
    staff(team, "B1", LONG, 60, 6)
    staff(team, "B1", SHORT, 60, 1)
    report = workforce_report(hr_analyst(), start=START, end=END, unit="PWFT")
    adjusted = promotion(report).adjusted.loc["black"]
    assert adjusted["adjusted_relative_rate"] < 0.4
    assert adjusted["adjusted_flagged"] and not adjusted["explained"]
