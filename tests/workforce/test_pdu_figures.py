"""A head of PDU's workforce figures: their own PDU's staff only, no names, the declaration rule applied to the
PDU, small groups' figures hidden; every other role refused, and no parameter reaches another PDU."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from evenhand.org.models import Grade
from evenhand.workforce.measures import pdu_workforce_report
from evenhand.workforce.models import Declaration, EventKind, HrEvent
from tests.factories import PDUFactory, StaffMemberFactory, TeamFactory

pytestmark = pytest.mark.django_db
PAGE = "/workforce/my-pdu/"
END = dt.date.today()
START = END - dt.timedelta(days=300)
JOINED = dt.date(2020, 1, 1)


def staff(team, ethnicity: str, count: int, promoted: int, **names):
    people = StaffMemberFactory.create_batch(count, grade=Grade.PSO, team=team, start_date=JOINED, **names)
    Declaration.objects.bulk_create(
        Declaration(staff=person, characteristic="ethnicity", value=ethnicity)
        for person in people
        if ethnicity
    )
    HrEvent.objects.bulk_create(
        [
            HrEvent(staff=p, kind=EventKind.JOINED, occurred_on=JOINED, grade=Grade.PSO, route="direct")
            for p in people
        ]
        + [
            HrEvent(
                staff=p, kind=EventKind.PROMOTED, occurred_on=START + dt.timedelta(days=9), grade=Grade.PO
            )
            for p in people[:promoted]
        ]
    )
    return people


@pytest.fixture
def pdus(db):
    """PDU PWHA: 40 White (4 promoted) and 3 Black, one of them promoted and named Zanele Quartermaine; its
    head. PDU PWHB: 40 White (all promoted) and 10 not declared. PDU PWHC, below the declaration rule: 5 White,
    10 not declared and its head (5 of 16 declared, 31%)."""
    a = TeamFactory(pdu=PDUFactory(code="PWHA"))
    staff(a, "W1", 40, 4)
    staff(a, "B1", 1, 1, first_name="Zanele", last_name="Quartermaine")
    staff(a, "B2", 2, 0)
    head_a = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, team=a, with_user=True, start_date=JOINED)
    b = TeamFactory(pdu=PDUFactory(code="PWHB"))
    staff(b, "W1", 40, 40)
    staff(b, "", 10, 0)
    c = TeamFactory(pdu=PDUFactory(code="PWHC"))
    staff(c, "W1", 5, 0)
    staff(c, "", 10, 0)
    head_c = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, team=c, with_user=True, start_date=JOINED)
    return head_a, head_c


def client_for(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def promotion(report):
    return next(m for m in report.measures if m.measure == "promotion")


def test_the_head_sees_their_pdus_staff_only_with_small_groups_hidden(pdus):
    head_a, _ = pdus
    report = pdu_workforce_report(head_a, start=START, end=END)
    assert report.unit == "PWHA" and report.staff == 44  # 43 PSOs and the head, not PDU PWHB's 50
    table = promotion(report).table
    # The head has not declared: 43 of 44 declared (98%). White: 40 staff, 4 promoted (not PWHB's 40).
    assert table.loc["white", ["n", "events"]].tolist() == [40, 4]
    # Three Black staff: fewer than 30, so no count, rate or ratio is shown, and the note says why.
    black = table.loc["black"]
    assert black[["n", "events", "rate", "rate_low", "rate_high"]].isna().all()
    assert black["note"] == "fewer than 30: not shown"
    assert report.suppressed
    for measure in report.measures:
        if measure.table is not None:
            assert measure.table.loc[measure.table["note"] != "fewer than 30: not shown", "n"].ge(30).all()
    for summary in report.summaries:
        if summary.table is not None:
            assert summary.table.loc["black", ["n", "value"]].isna().all()


def test_the_page_names_no_one_and_hides_small_groups(pdus):
    head_a, _ = pdus
    page = client_for(head_a).get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "PWHA: 44 staff in post" in html and "PWHB" not in html
    assert "Zanele" not in html and "Quartermaine" not in html
    assert "fewer than 30: not shown" in html
    # No parameter reaches another PDU: a unit given in the address is ignored.
    other = client_for(head_a).get(f"{PAGE}?unit=PWHB&pdu=PWHB&characteristic=ethnic_group").content.decode()
    assert "PWHA: 44 staff in post" in other and "PWHB" not in other


def test_the_declaration_rule_is_applied_to_the_pdu(pdus):
    _, head_c = pdus
    html = client_for(head_c).get(PAGE).content.decode()
    assert "Only 31% of the 16 staff in PWHC have declared their ethnic group" in html
    report = pdu_workforce_report(head_c, start=START, end=END)
    assert all(m.table is None for m in report.measures if m.section != "Recruitment")


@pytest.mark.parametrize(
    "grade", [Grade.PO, Grade.PSO, Grade.SPO, Grade.HR_ANALYST, Grade.ANALYST, Grade.ADMIN, Grade.INSPECTOR]
)
def test_every_other_role_is_refused(pdus, grade):
    head_a, _ = pdus
    team = (
        head_a.team if grade not in (Grade.HR_ANALYST, Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN) else None
    )
    other = StaffMemberFactory(grade=grade, with_user=True, team=team)
    response = client_for(other).get(PAGE)
    assert response.status_code == 403
    assert "Quartermaine" not in response.content.decode()
    with pytest.raises(PermissionDenied):
        pdu_workforce_report(other, start=START, end=END)


def test_signed_out_and_leavers_are_refused(pdus):
    head_a, _ = pdus
    assert Client().get(PAGE).status_code == 302
    leaver = StaffMemberFactory(
        grade=Grade.HEAD_OF_PDU, team=head_a.team, with_user=True, end_date=END - dt.timedelta(days=1)
    )
    assert client_for(leaver).get(PAGE).status_code == 403


def test_a_bad_characteristic_is_an_error_not_a_failure(pdus):
    head_a, _ = pdus
    page = client_for(head_a).get(f"{PAGE}?characteristic=religion")
    assert page.status_code == 200 and "govuk-error-summary" in page.content.decode()
    sex = client_for(head_a).get(f"{PAGE}?characteristic=sex").content.decode()
    assert "have declared their sex" in sex
