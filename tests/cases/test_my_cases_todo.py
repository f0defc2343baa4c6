"""My cases with the to-do list: the counts on the caseload table for a practitioner, an SPO and a head of
PDU, sorted on the server; the detail on the person page; a bounded number of queries however many cases."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evenhand.cases.models import Contact, ContactOutcome, ContactType
from evenhand.org.models import Grade
from evenhand.people.access import record_token
from tests.factories import (
    AllocationFactory,
    AssessmentFactory,
    PersonFactory,
    SentenceFactory,
    StaffMemberFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db


def client_for(staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def case_of(po, *, last_name: str, missed: int = 0) -> object:
    person = PersonFactory(pdu=po.team.pdu, last_name=last_name)
    sentence = SentenceFactory(person=person, requirements=[])
    AllocationFactory(sentence=sentence, practitioner=po)
    # Completed ten days ago: nothing due for the assessment, its review six months away.
    AssessmentFactory(sentence=sentence, completed_on=timezone.localdate() - dt.timedelta(days=10))
    for n in range(missed):
        Contact.objects.create(
            person=person,
            sentence=sentence,
            type=ContactType.OFFICE_APPOINTMENT,
            location="Office",
            starts_at=timezone.now() - dt.timedelta(days=n + 1),
            recorded_by=po,
            with_staff=po,
        )
    return person


def names_in_order(html: str) -> list[str]:
    table = html[html.index('id="caseload"') :]
    return re.findall(r'<a class="govuk-link" href="/people/\d+/">[^<]* ([A-Z][a-z]+)</a>', table)


@pytest.fixture
def po(pdu):
    return StaffMemberFactory(grade=Grade.PO, pdu=pdu, with_user=True)


def test_counts_on_the_caseload_and_sorting_by_them(po):
    case_of(po, last_name="Adams")
    case_of(po, last_name="Baker", missed=2)
    case_of(po, last_name="Clarke", missed=1)
    client = client_for(po)
    html = client.get(reverse("my-cases")).content.decode()
    assert names_in_order(html) == ["Adams", "Baker", "Clarke"]
    assert "Appointment outcomes to record: 2" in html
    html = client.get(reverse("my-cases"), {"sort": "outcome"}).content.decode()
    assert names_in_order(html) == ["Baker", "Clarke", "Adams"]
    # An unknown sort falls back to names.
    html = client.get(reverse("my-cases"), {"sort": "nonsense"}).content.decode()
    assert names_in_order(html) == ["Adams", "Baker", "Clarke"]


def test_the_to_do_changes_when_the_outcome_is_recorded(po):
    person = case_of(po, last_name="Baker", missed=1)
    client = client_for(po)
    page = client.get(reverse("person-detail", args=[person.pk])).content.decode()
    assert 'id="todo"' in page and "Record the outcome of the office appointment" in page
    contact = Contact.objects.get(person=person)
    client.post(
        reverse("appointment-outcome", args=[contact.pk]), {"outcome": ContactOutcome.ATTENDED_COMPLIED}
    )
    page = client.get(reverse("person-detail", args=[person.pk])).content.decode()
    assert "Nothing is due." in page
    assert "Nothing due" in client.get(reverse("my-cases")).content.decode()


def test_managers_see_their_team_and_pdu_and_an_analyst_none(po, pdu):
    case_of(po, last_name="Baker", missed=1)
    spo = StaffMemberFactory(grade=Grade.SPO, pdu=pdu, with_user=True)
    html = client_for(spo).get(reverse("my-cases"), {"sort": "todo"}).content.decode()
    assert "Baker" in html and "1 to do" in html
    other_team_spo = StaffMemberFactory(grade=Grade.SPO, team=TeamFactory(pdu=pdu), with_user=True)
    assert "Baker" not in client_for(other_team_spo).get(reverse("my-cases")).content.decode()
    head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=pdu, with_user=True)
    assert "1 to do" in client_for(head).get(reverse("my-cases")).content.decode()
    analyst = StaffMemberFactory(grade=Grade.ANALYST, with_user=True)
    assert "does not hold a caseload" in client_for(analyst).get(reverse("my-cases")).content.decode()


def test_an_analyst_sees_no_to_do_or_appointments_on_the_pseudonymised_record(po):
    person = case_of(po, last_name="Baker", missed=1)
    analyst = StaffMemberFactory(grade=Grade.ANALYST, with_user=True)
    page = client_for(analyst).get(reverse("person-detail", args=[record_token("person", person.pk)]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="todo"' not in html and 'id="appointments"' not in html and "Baker" not in html


@pytest.mark.parametrize("sort", ["name", "todo"])
def test_bounded_queries_for_a_caseload_of_5_and_of_40(po, sort, django_assert_max_num_queries):
    client = client_for(po)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("my-cases"), {"sort": sort}).status_code == 200
        return len(captured.captured_queries)

    for n in range(5):
        case_of(po, last_name=f"Five{chr(97 + n)}", missed=1)
    five = count()
    for n in range(35):
        case_of(po, last_name=f"Forty{chr(97 + n % 26)}", missed=2)
    assert count() == five
    with django_assert_max_num_queries(five):
        client.get(reverse("my-cases"), {"sort": sort})
