"""The assessment pages: a section at a time, the diversity conversation, completing, countersigning, the
tier page; typed text kept on an error; analysts pseudonymised; restricted records hidden."""

import datetime as dt
import html

import pytest
from django.test import Client

from evenhand.assessment.models import Assessment, AssessmentStatus, DiversityTopic, SectionAnswer
from evenhand.assessment.services import start_assessment
from evenhand.audit.models import AccessLogEntry, Action
from evenhand.cases.models import RequirementType, RoshLevel
from evenhand.org.models import Grade
from evenhand.people.access import record_token
from evenhand.people.models import Address
from evenhand.people.services import restrict_to_staff
from tests.assessment.helpers import every_section, every_topic
from tests.factories import AllocationFactory, RiskSummaryFactory, SentenceFactory, StaffMemberFactory, names

pytestmark = pytest.mark.django_db


def client_for(staff):
    client = Client()
    client.force_login(staff.user)
    return client


def text(response):
    return html.unescape(response.content.decode())


@pytest.fixture
def case():
    sentence = SentenceFactory(requirements=[{"type": RequirementType.RAR}])
    po = StaffMemberFactory(grade=Grade.PO, pdu=sentence.person.pdu, with_user=True)
    AllocationFactory(sentence=sentence, practitioner=po)
    return sentence.person, po


def test_start_fill_a_section_and_keep_typed_text_on_an_error(case):
    person, po = case
    Address.objects.create(
        person=person,
        line_1="14 Chapel Lane",
        town="Leeds",
        postcode="LS7 3AA",
        start_date=dt.date(2024, 1, 1),
    )
    client = client_for(po)
    response = client.post(f"/people/{person.pk}/assessments/new/", {"kind": "initial"})
    assessment = Assessment.objects.get(person=person)
    assert response.status_code == 302 and response["Location"] == f"/assessments/{assessment.pk}/"
    url = f"/assessments/{assessment.pk}/sections/accommodation/"
    page = text(client.get(url))
    # What the record holds is shown beside the form: name, current address, sentence, offence.
    assert person.first_name in page and "Theft" in page and "14 Chapel Lane" in page
    # Complete with an item missing: the error names the item, the analysis typed is kept, nothing saved.
    response = client.post(
        url,
        {
            "q3_3": "2",
            "q3_4": "1",
            "linked_to_harm": "no",
            "linked_to_reoffending": "yes",
            "analysis": "Sofa-surfing at his cousin's",
            "action": "complete",
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert "Answer 3.5" in page and "Sofa-surfing at his cousin's" in page
    assert not SectionAnswer.objects.filter(assessment=assessment).exists()
    # Saved as far as it goes.
    response = client.post(url, {"q3_3": "2", "q3_4": "1", "analysis": "Sofa-surfing", "action": "save"})
    assert response.status_code == 302
    row = SectionAnswer.objects.get(assessment=assessment, section="accommodation")
    assert (row.answers, row.complete, row.score) == ({"3.3": 2, "3.4": 1}, False, 3)


def test_the_assessments_page_lists_them_with_the_tier_and_offers_a_review(case):
    person, po = case
    assessment = start_assessment(by=po, person=person)
    every_section(po, assessment)
    every_topic(po, assessment)
    client = client_for(po)
    client.post(f"/assessments/{assessment.pk}/complete/")
    page = text(client.get(f"/people/{person.pk}/assessments/"))
    assert "Initial assessment" in page and "Tier <strong>" in page and "Start a review" in page
    start = text(client.get(f"/people/{person.pk}/assessments/new/"))
    assert "Start the review" in start
    # The person page links to it.
    assert f"/people/{person.pk}/assessments/" in text(client.get(f"/people/{person.pk}/"))


def test_an_answer_off_the_scale_is_refused_on_the_field(case):
    person, po = case
    assessment = start_assessment(by=po, person=person)
    response = client_for(po).post(
        f"/assessments/{assessment.pk}/sections/drugs/", {"q8_4": "7", "action": "save"}
    )
    assert response.status_code == 200
    assert "Select an answer to 8.4" in text(response)
    assert not SectionAnswer.objects.exists()


def test_an_unknown_section_is_not_found(case):
    person, po = case
    assessment = start_assessment(by=po, person=person)
    assert client_for(po).get(f"/assessments/{assessment.pk}/sections/astrology/").status_code == 404


def test_the_conversation_page_saves_topics_and_refuses_one_without_words(case):
    person, po = case
    assessment = start_assessment(by=po, person=person)
    client = client_for(po)
    url = f"/assessments/{assessment.pk}/diversity/"
    response = client.post(
        url,
        {
            "ethnicity-status": "discussed",
            "ethnicity-in_their_words": "Black British, Nigerian parents",
            "ethnicity-identified_value": "B1",
            "discrimination-status": "discussed",
            "discrimination-bearing_on_plan": "Wants a different office",
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert "Enter what the person said about experience of discrimination" in page
    assert "Black British, Nigerian parents" in page  # kept as typed
    assert not DiversityTopic.objects.exists()
    response = client.post(
        url,
        {
            "ethnicity-status": "discussed",
            "ethnicity-in_their_words": "Black British, Nigerian parents",
            "ethnicity-identified_value": "B1",
            "discrimination-status": "not_yet",
        },
    )
    assert response.status_code == 302
    assert DiversityTopic.objects.filter(assessment=assessment).count() == 2
    person.diversity.refresh_from_db()
    assert person.diversity.ethnicity == "B1"


def test_completing_shows_what_stops_it_then_completes(case):
    person, po = case
    assessment = start_assessment(by=po, person=person)
    client = client_for(po)
    response = client.post(f"/assessments/{assessment.pk}/complete/")
    assert response.status_code == 200
    assert "Complete the section: accommodation" in text(response)
    every_section(po, assessment)
    every_topic(po, assessment)
    response = client.post(f"/assessments/{assessment.pk}/complete/")
    assert response.status_code == 302, text(response)[text(response).find("govuk-error-summary") :][:800]
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.COMPLETE
    # A completed assessment's section pages refuse changes, with a message; nothing changes.
    response = client.post(f"/assessments/{assessment.pk}/sections/drugs/", {"q8_4": "2", "action": "save"})
    assert response.status_code == 200
    assert "complete and cannot be changed" in text(response)
    tier = client.get(f"/people/{person.pk}/tier/")
    page = text(tier)
    assert "Severe need: thinking and behaviour" in page and "Protect level" in page


def test_countersigning_by_an_spo_and_not_by_the_assessor(case):
    person, _ = case
    pso = StaffMemberFactory(grade=Grade.PSO, pdu=person.pdu, with_user=True)
    RiskSummaryFactory(person=person, rosh=RoshLevel.HIGH)
    assessment = start_assessment(by=pso, person=person)
    every_section(pso, assessment)
    every_topic(pso, assessment)
    client_for(pso).post(f"/assessments/{assessment.pk}/complete/")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.AWAITING_COUNTERSIGNATURE
    response = client_for(pso).post(f"/assessments/{assessment.pk}/countersign/")
    assert response.status_code == 403
    spo = StaffMemberFactory(grade=Grade.SPO, pdu=person.pdu, with_user=True)
    response = client_for(spo).post(f"/assessments/{assessment.pk}/countersign/")
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.status, assessment.countersigned_by) == (AssessmentStatus.COMPLETE, spo)


def test_analysts_see_an_assessment_pseudonymised_without_free_text(case):
    person, po = case
    assessment = start_assessment(by=po, person=person)
    every_section(po, assessment)
    every_topic(po, assessment)
    analyst = StaffMemberFactory(grade=Grade.ANALYST, with_user=True)
    client = client_for(analyst)
    assert client.get(f"/assessments/{assessment.pk}/").status_code == 404  # a plain id is no record
    response = client.get(f"/assessments/{record_token('assessment', assessment.pk)}/")
    assert response.status_code == 200
    page = text(response)
    assert not names(page, person)
    assert "Analysis of accommodation" not in page and "About ethnicity" not in page
    assert "Thinking and behaviour" in page
    # Analysts may not change it.
    url = f"/assessments/{record_token('assessment', assessment.pk)}/sections/drugs/"
    assert client.get(url).status_code == 403


def test_a_restricted_record_is_hidden_and_the_refusal_logged(case):
    person, po = case
    assessment = start_assessment(by=po, person=person)
    head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=person.pdu, with_user=True)
    restrict_to_staff(by=head, person=person, staff=head, reason="High profile")
    response = client_for(po).get(f"/assessments/{assessment.pk}/")
    assert response.status_code == 403
    assert AccessLogEntry.objects.filter(staff=po, person_id=person.pk, action=Action.REFUSED).exists()
    assert client_for(po).get(f"/people/{person.pk}/tier/").status_code == 403
