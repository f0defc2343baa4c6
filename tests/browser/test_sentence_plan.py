"""The sentence plan in headless Debian Chromium: from a completed assessment a probation officer opens the
plan from the person's record, makes it, adds a goal that cites what the diversity conversation found (a
missing target date is refused on the field with the goal typed kept), adds a step a service takes (the
referral), and records the person's agreement (not agreeing without details is refused)."""

import datetime as dt

import pytest
from django.utils import timezone

from evenhand.assessment.models import PlanAgreement, PlanGoal, SentencePlan
from evenhand.cases.models import Referral
from evenhand.org.models import StaffMember
from tests.assessment.plan_helpers import BEARING, completed
from tests.browser.conftest import PASSWORD, newcastle_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agree_a_plan_built_from_a_completed_assessment(live_server, browser_page):
    person, sentence = newcastle_case()
    officer = StaffMember.objects.get(staff_code="P1")
    assessment = completed(officer, person)
    page = browser_page
    base = live_server.url

    page.goto(f"{base}/sign-in/")
    page.fill("#id_username", "priya")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1")

    page.goto(f"{base}/people/{person.pk}/")
    page.click("#record-links a:has-text('Sentence plan')")
    page.wait_for_selector("#no-plan")
    page.click("a:has-text('Make the plan from the latest completed assessment')")
    page.click("button:has-text('Make the sentence plan')")
    page.wait_for_selector("#plan-summary")
    plan = SentencePlan.objects.get(person=person)
    assert plan.assessment == assessment and plan.sentence == sentence
    needs = page.inner_text("#plan-needs")
    assert "Accommodation (need)" in needs and "Thinking and behaviour (severe need)" in needs
    assert BEARING in page.inner_text("#plan-findings")

    # A goal that responds to what the conversation found; the target date missing at first.
    page.click("#plan-findings li:has-text('Experience of discrimination') a")
    page.wait_for_selector("h1:has-text('Add a goal')")
    assert page.is_checked("input[name='topic'][value='discrimination']")
    page.fill("textarea[name='title']", "Report to an office where I feel safe")
    page.select_option("select[name='need']", "thinking")
    page.check("input[name='related_needs'][value='attitudes']")
    page.click("button:has-text('Save the goal')")
    page.wait_for_selector(".govuk-error-summary")
    assert "Enter the target date of an active goal" in page.inner_text(".govuk-error-summary")
    assert page.input_value("textarea[name='title']") == "Report to an office where I feel safe"
    assert not PlanGoal.objects.exists()
    target = timezone.localdate() + dt.timedelta(days=120)
    page.fill("input[name='target_date-day']", str(target.day))
    page.fill("input[name='target_date-month']", str(target.month))
    page.fill("input[name='target_date-year']", str(target.year))
    page.click("button:has-text('Save the goal')")
    page.wait_for_selector("#goal-1")
    card = page.inner_text("#goal-1")
    assert "Report to an office where I feel safe" in card and BEARING in card
    goal = PlanGoal.objects.get()
    assert (goal.need, goal.related_needs, goal.topic.topic) == ("thinking", ["attitudes"], "discrimination")

    # A step a service takes is the referral.
    page.click("#goal-1 a:has-text('Add a step')")
    page.wait_for_selector("h1:has-text('Add a step')")
    page.fill("input[name='description']", "Mentoring with a peer who has been through it")
    page.check("input[name='actor'][value='service']")
    page.select_option("select[name='service_area']", "cultural_faith")
    page.click("button:has-text('Save the step')")
    page.wait_for_selector("#goal-1")
    referral = Referral.objects.get(person=person)
    assert referral.plan_steps.get().goal == goal
    assert "Referral: Culturally specific or faith-based services" in page.inner_text("#goal-1")

    # The person's agreement: not agreeing needs the details.
    page.click("#plan-summary a:has-text('Record')")
    page.wait_for_selector("h1:has-text('Does the person agree with the plan?')")
    page.check("input[name='answer'][value='disagrees']")
    page.click("button:has-text('Save the answer')")
    page.wait_for_selector(".govuk-error-summary")
    assert "why the person does not agree" in page.inner_text(".govuk-error-summary")
    assert not PlanAgreement.objects.exists()
    page.check("input[name='answer'][value='agreed']")
    page.click("button:has-text('Save the answer')")
    page.wait_for_selector("#plan-summary")
    assert "Agreed" in page.inner_text("#plan-summary")
    agreement = PlanAgreement.objects.get()
    assert (agreement.answer, agreement.version, agreement.recorded_by) == ("agreed", 3, officer)
    assert page.console_errors == []
