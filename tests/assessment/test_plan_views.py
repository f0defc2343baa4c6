"""The sentence plan pages: made from the assessment and reached from the person page, goals and steps added,
typed text kept on an error, the person's agreement; analysts pseudonymised, restricted records and other PDUs
refused, colleagues who do not hold the case kept to reading."""

import datetime as dt
import html

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from evenhand.assessment.models import PlanAgreement, PlanGoal, SentencePlan
from evenhand.audit.models import AccessLogEntry, Action
from evenhand.cases.models import Referral, RequirementType
from evenhand.org.models import Grade
from evenhand.people.access import record_token
from evenhand.people.services import restrict_to_staff
from tests.assessment.plan_helpers import BEARING, completed
from tests.factories import AllocationFactory, SentenceFactory, StaffMemberFactory, today

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
    return sentence.person, po, completed(po, sentence.person)


def date_fields(name, day):
    return {f"{name}-day": day.day, f"{name}-month": day.month, f"{name}-year": day.year}


def test_make_a_plan_add_goals_and_steps_and_record_the_agreement(case):
    person, po, assessment = case
    client = client_for(po)
    # From the person page: no plan yet, made from the latest completed assessment.
    page = text(client.get(f"/people/{person.pk}/plan/"))
    assert "has no sentence plan yet" in page and f"/assessments/{assessment.pk}/plan/" in page
    url = f"/assessments/{assessment.pk}/plan/"
    assert "Make the sentence plan" in text(client.get(url))
    assert client.post(f"{url}new/").status_code == 302
    assert client.get(f"/people/{person.pk}/plan/")["Location"] == url
    page = text(client.get(url))
    # The needs the assessment found, none with a goal yet; what the conversation found, to cite.
    assert "Accommodation (need)" in page and "No goal yet" in page and BEARING in page
    # A goal without its target date: refused on the field, what was typed kept, nothing written.
    typed = {
        "title": "Somewhere I can have my kids to stay",
        "need": "accommodation",
        "status": "active",
        "topic": "discrimination",
    }
    response = client.post(f"{url}goals/new/", typed)
    assert response.status_code == 200
    page = text(response)
    assert "Enter the target date of an active goal" in page and typed["title"] in page
    assert not PlanGoal.objects.exists()
    response = client.post(
        f"{url}goals/new/", {**typed, **date_fields("target_date", today() + dt.timedelta(days=120))}
    )
    assert response.status_code == 302
    housing = PlanGoal.objects.get()
    assert housing.topic.topic == "discrimination"
    # A step a service takes: the referral, made once.
    response = client.post(
        f"{url}goals/{housing.pk}/steps/new/",
        {
            "description": "Housing advice",
            "actor": "service",
            "service_area": "accommodation",
            "provider": "Shelter",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get(person=person)
    assert referral.plan_steps.get().goal == housing
    page = text(client.get(url))
    assert "Referral: Accommodation (Shelter)" in page and "Has a goal" in page
    assert BEARING in page  # the goal shows what the conversation found
    # Does not agree, without details: refused on the field, nothing written; then with them.
    response = client.post(f"{url}agreement/", {"answer": "disagrees", "details": ""})
    assert response.status_code == 200
    assert "Enter details of why the person does not agree with the plan" in text(response)
    assert not PlanAgreement.objects.exists()
    client.post(f"{url}agreement/", {"answer": "disagrees", "details": "Wants Bradford, near his sister"})
    client.post(f"{url}agreement/", {"answer": "agreed", "details": ""})
    page = text(client.get(url))
    assert "Agreed" in page and "Wants Bradford, near his sister" in page
    response = client.post(f"{url}review/", date_fields("review_on", today() + dt.timedelta(days=90)))
    assert response.status_code == 302
    assert SentencePlan.objects.get().review_on == today() + dt.timedelta(days=90)


def test_analysts_see_the_plan_pseudonymised(case):
    person, po, assessment = case
    client_for(po).post(f"/assessments/{assessment.pk}/plan/new/")
    client_for(po).post(
        f"/assessments/{assessment.pk}/plan/goals/new/",
        {
            "title": "Somewhere I can have my kids to stay",
            "need": "accommodation",
            "status": "active",
            "topic": "discrimination",
            **date_fields("target_date", today() + dt.timedelta(days=60)),
        },
    )
    analyst = StaffMemberFactory(grade=Grade.ANALYST, with_user=True)
    client = client_for(analyst)
    assert client.get(f"/assessments/{assessment.pk}/plan/").status_code == 404  # a plain id is no record
    response = client.get(f"/assessments/{record_token('assessment', assessment.pk)}/plan/")
    assert response.status_code == 200
    page = text(response)
    assert "Accommodation" in page and "Goal 1" in page
    for secret in ("Somewhere I can have my kids", BEARING, person.first_name, person.crn, po.last_name):
        assert secret not in page
    assert (
        client.get(f"/assessments/{record_token('assessment', assessment.pk)}/plan/goals/new/").status_code
        == 403
    )


def test_other_pdus_restricted_records_and_colleagues(case):
    person, po, assessment = case
    url = f"/assessments/{assessment.pk}/plan/"
    client_for(po).post(f"{url}new/")
    elsewhere = StaffMemberFactory(grade=Grade.PO, with_user=True)
    assert client_for(elsewhere).get(url).status_code == 403
    # A colleague in the PDU who does not hold the case reads the plan but does not change it.
    colleague = StaffMemberFactory(grade=Grade.PO, pdu=person.pdu, with_user=True)
    assert client_for(colleague).get(url).status_code == 200
    assert client_for(colleague).get(f"{url}goals/new/").status_code == 403
    assert AccessLogEntry.objects.filter(staff=colleague, action=Action.REFUSED, person_id=person.pk).exists()
    head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=person.pdu, with_user=True)
    restrict_to_staff(by=head, person=person, staff=colleague, reason="A relative works here")
    assert client_for(po).get(url).status_code == 403
    assert client_for(po).get(f"/people/{person.pk}/plan/").status_code == 403


def test_the_plan_page_reads_in_a_fixed_number_of_queries(case):
    _, po, assessment = case
    url = f"/assessments/{assessment.pk}/plan/"
    client = client_for(po)
    client.post(f"{url}new/")
    client.get(url)

    def goal_with_steps(n):
        client.post(
            f"{url}goals/new/",
            {"title": f"Goal {n}", "need": "accommodation", "status": "future"},
        )
        goal = PlanGoal.objects.latest("id")
        for actor in ("person", "service"):
            client.post(
                f"{url}goals/{goal.pk}/steps/new/",
                {"description": f"Step {n}", "actor": actor, "status": "not_started", "service_area": "ete"},
            )

    goal_with_steps(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(2, 6):
        goal_with_steps(n)
    client.post(f"{url}agreement/", {"answer": "agreed"})
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    assert PlanGoal.objects.count() == 5 and Referral.objects.count() == 5
    assert len(five) <= len(one) < 40
