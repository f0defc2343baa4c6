"""An assessment in headless Debian Chromium: a probation officer opens the person's assessments from their
record, starts one, fills each section on its own page (an answer missing is refused on the item, the analysis
typed kept), holds the diversity conversation topic by topic (a topic discussed without the person's words is
refused, what was typed kept; the ethnicity the person gives lands on their profile as self-identified),
completes it, sees the tier change with its working line by line and its history, and agrees a sentence plan
with the person whose goal answers what the conversation found."""

import datetime as dt

import pytest
from django.utils import timezone

from evenhand.assessment import sections as S
from evenhand.assessment.models import Assessment, AssessmentStatus, SentencePlan, TierCalculation, Topic
from evenhand.cases.models import RegistrationType, RequirementType
from evenhand.cases.services import add_registration
from evenhand.org.models import Grade
from evenhand.org.services import create_pdu, create_region, create_staff_member, create_team
from evenhand.people.models import DiversityProfile, IdentifiedBy
from tests.browser.conftest import PASSWORD
from tests.factories import AllocationFactory, PersonFactory, SentenceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Accommodation a need (3 of 7), thinking and behaviour a severe need (8); nothing else.
ANSWERS = {"3.3": 2, "3.4": 1, "11.2": 2, "11.3": 1, "11.4": 2, "11.5": 1, "11.6": 1, "11.7": 1}


@pytest.fixture
def case():
    today = timezone.localdate()
    region = create_region(code="YH", name="Yorkshire and the Humber")
    pdu = create_pdu(region=region, code="LDS", name="Leeds")
    team = create_team(pdu=pdu, code="LDS-1", name="Leeds team 1")
    po = create_staff_member(
        staff_code="P1",
        first_name="Priya",
        last_name="Officer",
        grade=Grade.PO,
        team=team,
        start_date=today - dt.timedelta(days=900),
        username="priya",
        password=PASSWORD,
    )
    person = PersonFactory(pdu=pdu, first_name="Daniel", last_name="Okafor")
    sentence = SentenceFactory(person=person, requirements=[{"type": RequirementType.RAR}])
    AllocationFactory(sentence=sentence, practitioner=po)
    # A registration before any assessment: the tier is computed (change level 2 until an assessment).
    add_registration(
        by=po,
        person=person,
        type=RegistrationType.MENTAL_HEALTH,
        start_date=today - dt.timedelta(days=20),
        next_review_date=today + dt.timedelta(days=70),
    )
    return person, po


def test_assess_section_by_section_with_the_diversity_conversation_and_see_the_tier(
    live_server, browser_page, case
):
    page = browser_page
    base = live_server.url
    person, _ = case
    assert TierCalculation.objects.get(person=person).tier == "D2"

    page.goto(f"{base}/sign-in/")
    page.fill("#id_username", "priya")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1")

    page.goto(f"{base}/people/{person.pk}/")
    page.click("a:has-text('Assessments and tier')")
    page.wait_for_selector("h1:has-text('Assessments')")
    assert "Tier D2" in page.inner_text("#current-tier")
    page.click("a:has-text('Start an assessment')")
    page.click("button:has-text('Start the assessment')")
    page.wait_for_selector("h1:has-text('Initial assessment')")
    assessment = Assessment.objects.get(person=person)
    # What the record holds is shown, not typed.
    facts = page.inner_text("#record-facts")
    assert "Daniel Okafor" in facts and "Mental health" in facts

    for sec in S.SECTIONS:
        page.click(f"a:has-text('{sec.number}. {sec.title}')")
        page.wait_for_selector(f"h1:has-text('{sec.title}')")
        if sec.key == "accommodation":
            # An item missing: refused on the item, the analysis kept, nothing saved.
            page.check("input[name='q3_3'][value='2']")
            page.fill("textarea[name='analysis']", "Sleeping on his brother's floor since March")
            page.click("button:has-text('Save and mark as complete')")
            page.wait_for_selector(".govuk-error-summary")
            assert "Answer 3.4" in page.inner_text(".govuk-error-summary")
            assert (
                page.input_value("textarea[name='analysis']") == "Sleeping on his brother's floor since March"
            )
        for item in sec.items:
            page.check(f"input[name='{item.key}'][value='{ANSWERS.get(item.code, 0)}']")
        if sec.items:
            page.check(f"input[name='linked_to_harm'][value='{'yes' if sec.key == 'thinking' else 'no'}']")
            page.check("input[name='linked_to_reoffending'][value='yes']")
        if sec.key != "accommodation":
            page.fill("textarea[name='analysis']", f"My analysis of {sec.title.lower()}")
        page.click("button:has-text('Save and mark as complete')")
        page.wait_for_selector("h1:has-text('Initial assessment')")

    # The diversity conversation.
    page.click("a:has-text('The diversity conversation')")
    page.wait_for_selector("h1:has-text('The diversity conversation')")
    for topic in Topic:
        page.check(f"input[name='{topic.value}-status'][value='discussed']")
        page.fill(f"textarea[name='{topic.value}-in_their_words']", f"What Daniel said about {topic.value}")
    page.fill("textarea[name='discrimination-in_their_words']", "")
    page.fill("textarea[name='discrimination-bearing_on_plan']", "Prefers the Chapeltown office")
    page.select_option("select[name='ethnicity-identified_value']", "B1")
    page.fill("input[name='ethnicity-identified_detail']", "Nigerian, born in Leeds")
    page.click("button:has-text('Save the conversation')")
    page.wait_for_selector(".govuk-error-summary")
    assert "experience of discrimination" in page.inner_text(".govuk-error-summary")
    assert (
        page.input_value("textarea[name='discrimination-bearing_on_plan']") == "Prefers the Chapeltown office"
    )
    page.fill(
        "textarea[name='discrimination-in_their_words']",
        "Stopped and searched twice this year; felt judged at his last probation office",
    )
    page.click("button:has-text('Save the conversation')")
    page.wait_for_selector("h1:has-text('Initial assessment')")
    profile = DiversityProfile.objects.get(person=person)
    assert (profile.ethnicity, profile.ethnicity_identified_by) == ("B1", IdentifiedBy.SELF)

    page.click("a:has-text('Predictor scores')")
    page.fill("input[name='ogrs']", "45")
    page.fill("input[name='rsr']", "2.5")
    page.click("button:has-text('Save')")
    page.wait_for_selector("h1:has-text('Initial assessment')")
    assert "0 prefilled" in page.inner_text("main")  # an initial assessment: everything typed

    page.click("a:has-text('Check and complete')")
    page.click("button:has-text('Complete the assessment')")
    page.wait_for_selector("h1:has-text('Initial assessment')")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.COMPLETE

    # The tier changed, with its working and its history.
    page.goto(f"{base}/people/{person.pk}/assessments/")
    page.click("a:has-text('How the tier is worked out')")
    page.wait_for_selector("h1:has-text('Tier')")
    working = page.inner_text("#tier-working")
    # Protect: mental health registration 2 (D); change: accommodation 1 + severe thinking 4 + OGRS 4 = 9 (1).
    assert "Complexity factor: mental health issues" in working
    assert "Severe need: thinking and behaviour" in working and "OGRS: 45" in working
    assert "Tier D1" in page.inner_text("h1")
    history = page.inner_text("#tier-history")
    assert "D2" in history and "D1" in history and "Assessment completed" in history

    # A plan from the completed assessment, with a goal answering what the conversation found, agreed.
    page.goto(f"{base}/assessments/{assessment.pk}/")
    page.click("#plan-link a")
    page.click("button:has-text('Make the sentence plan')")
    page.wait_for_selector("#plan-summary")
    page.click("#plan-findings li:has-text('Experience of discrimination') a")
    page.fill("textarea[name='title']", "Report at the Chapeltown office")
    page.select_option("select[name='need']", "attitudes")
    target = timezone.localdate() + dt.timedelta(days=90)
    for part, value in (("day", target.day), ("month", target.month), ("year", target.year)):
        page.fill(f"input[name='target_date-{part}']", str(value))
    page.click("button:has-text('Save the goal')")
    page.wait_for_selector("#goal-1")
    assert "Prefers the Chapeltown office" in page.inner_text("#goal-1")
    page.click("#plan-summary a:has-text('Record')")
    page.check("input[name='answer'][value='agreed']")
    page.click("button:has-text('Save the answer')")
    page.wait_for_selector("#plan-summary")
    assert "Agreed" in page.inner_text("#plan-summary")
    assert SentencePlan.objects.get(person=person).agreements.get().answer == "agreed"
    assert page.console_errors == []
