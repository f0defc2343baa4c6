"""The sensitive-allocation measure against the allocation and consultation records: which groups of
practitioners are given racially or religiously aggravated and hate-crime cases, against their share of the
practitioners, and how often a consultation the practitioner agreed to cleared the allocation."""

import datetime as dt

import pytest
from django.utils import timezone

from evenhand.org.models import Grade
from evenhand.workforce.measures import workforce_report
from evenhand.workforce.models import Declaration
from evenhand.workload.models import Consultation, ConsultationResponse
from tests.factories import AllocationFactory, PDUFactory, SentenceFactory, StaffMemberFactory, TeamFactory

pytestmark = pytest.mark.django_db
END = dt.date.today()
START = END - dt.timedelta(days=300)


def declared(team, grade, ethnicity):
    person = StaffMemberFactory(grade=grade, team=team, start_date=dt.date(2020, 1, 1))
    Declaration.objects.create(staff=person, characteristic="ethnicity", value=ethnicity)
    return person


def allocate(practitioner, spo, on, *, flags=("racially_or_religiously_aggravated",), consulted=False):
    offences = [{"is_main": True, **{name: True for name in flags}}]
    if flags:
        # A second flagged offence on the same sentence: still one allocation.
        offences.append({"is_main": False, **{name: True for name in flags}})
    sentence = SentenceFactory(offences=offences, start_date=on)
    allocation = AllocationFactory(
        sentence=sentence, practitioner=practitioner, allocated_by=spo, start_date=on
    )
    if consulted:
        Consultation.objects.create(
            sentence=sentence,
            practitioner=practitioner,
            consulted_on=on,
            recorded_by=spo,
            recorded_at=timezone.now(),
            response=ConsultationResponse.AGREED,
            responded_at=timezone.now(),
            allocation=allocation,
        )
    return allocation


@pytest.fixture
def hr(db):
    """PDU PWSA: 6 White, 3 Black POs and 1 Asian PSO, and a White SPO. In the period: a racially aggravated
    case to a Black PO after a consultation, one and a hate-crime case to another Black PO without, one to a
    White PO after a consultation; not counted: one to the SPO (not a practitioner grade), a case without
    the flags, and one before the period."""
    team = TeamFactory(pdu=PDUFactory(code="PWSA"))
    white = [declared(team, Grade.PO, "W1") for _ in range(6)]
    black = [declared(team, Grade.PO, "B1") for _ in range(3)]
    declared(team, Grade.PSO, "A1")
    spo = declared(team, Grade.SPO, "W1")
    day = START + dt.timedelta(days=20)
    allocate(black[0], spo, day, consulted=True)
    allocate(black[1], spo, day)
    allocate(black[1], spo, day, flags=("hate_crime",))
    allocate(white[0], spo, day, consulted=True)
    allocate(spo, spo, day)
    allocate(white[1], spo, day, flags=())
    allocate(white[2], spo, START - dt.timedelta(days=5))
    return StaffMemberFactory(grade=Grade.HR_ANALYST, team=None, start_date=END + dt.timedelta(days=1))


def measure(report, key):
    return next(m for m in report.measures if m.measure == key).table


def test_who_is_given_the_cases_against_their_share_of_practitioners(hr):
    given = measure(workforce_report(hr, start=START, end=END, unit="PWSA", min_n=1), "sensitive_given")
    assert given.loc["white", ["n", "events", "allocations"]].tolist() == [6, 1, 1]
    assert given.loc["black", ["n", "events", "allocations"]].tolist() == [3, 2, 3]
    assert given.loc["asian", ["n", "events", "allocations"]].tolist() == [1, 0, 0]
    assert given.loc["black", "share_of_allocations"] == pytest.approx(3 / 4)
    assert given.loc["black", "share_of_practitioners"] == pytest.approx(3 / 10)
    assert given.loc["black", "relative_rate"] == pytest.approx((2 / 3) / (1 / 6))
    assert given.loc["black", "q_value"] >= given.loc["black", "p_value"]


def test_whether_the_consultation_protocol_cleared_the_allocation(hr):
    consulted = measure(
        workforce_report(hr, start=START, end=END, unit="PWSA", min_n=1), "sensitive_consulted"
    )
    assert consulted.loc["white", ["n", "events"]].tolist() == [1, 1]
    assert consulted.loc["black", ["n", "events"]].tolist() == [3, 1]
    assert consulted.loc["black", "relative_rate"] == pytest.approx(1 / 3)


def test_the_page_shows_the_measure(hr, client):
    analyst = StaffMemberFactory(grade=Grade.HR_ANALYST, with_user=True, team=None)
    client.force_login(analyst.user)
    html = client.get("/workforce/?unit=PWSA").content.decode()
    assert 'id="measure-sensitive_given"' in html and 'id="measure-sensitive_consulted"' in html
    assert "Share of the practitioners" in html
