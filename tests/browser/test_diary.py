"""Drive the practitioner's week in headless Chromium: book a week of appointments from the person page, let the
week pass, record the outcomes from the diary's list, and watch the to-do list on My cases change."""

import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone

from evenhand.cases.models import Contact, ContactOutcome
from evenhand.core.calendar import is_working_day
from evenhand.people.models import Person
from tests.browser.conftest import PASSWORD, newcastle_case
from tests.factories import AssessmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def case() -> Person:
    person, sentence = newcastle_case()
    AssessmentFactory(sentence=sentence, completed_after=7)
    return person


def next_week_days() -> list[dt.date]:
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    return [d for d in (monday + dt.timedelta(days=n) for n in range(5)) if is_working_day(d)][:3]


def test_book_a_week_record_outcomes_from_the_list_and_see_the_to_do_change(live_server, browser_page, case):
    page = browser_page
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", "priya")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1:has-text('My cases')")
    # Sixty days in and no RAR day used: the requirement is at risk, nothing else is due.
    assert page.locator("#caseload").inner_text().endswith("Requirements at risk: 1")

    # Book three appointments next week from the person page.
    days = next_week_days()
    for n, day in enumerate(days):
        page.goto(f"{live_server.url}/people/{case.pk}/")
        page.click("text=Book an appointment")
        page.wait_for_selector("h1:has-text('Book an appointment')")
        page.select_option("#id_type", "rar")
        page.fill("#id_starts_at-day", str(day.day))
        page.fill("#id_starts_at-month", str(day.month))
        page.fill("#id_starts_at-year", str(day.year))
        page.fill("#id_starts_at-time", f"{10 + n}:00")
        page.fill("#id_duration_minutes", "60")
        page.fill("#id_location", "Newcastle probation office")
        page.select_option(
            "#id_requirement", label=page.locator("#id_requirement option").nth(1).inner_text()
        )
        page.click("button:has-text('Book appointment')")
        page.wait_for_selector("text=Appointment booked")
    assert page.locator("#appointments ~ table").first.inner_text().count("RAR activity") == 3

    # The diary shows next week's three, with reschedule and cancel but no outcome yet.
    page.goto(f"{live_server.url}/diary/?week={days[0].isoformat()}")
    assert "3 appointments this week." in page.locator("main").inner_text()
    assert page.locator("form[action*='/outcome/']").count() == 0

    # A fortnight passes: the appointments are now in the past with no outcome.
    Contact.objects.filter(person=case).update(starts_at=F("starts_at") - dt.timedelta(days=14))
    page.goto(f"{live_server.url}/")
    assert "Appointment outcomes to record: 3" in page.locator("#caseload").inner_text()

    # Record two outcomes straight from the list.
    week = (days[0] - dt.timedelta(days=14)).isoformat()
    page.goto(f"{live_server.url}/diary/?week={week}")
    for _ in range(2):
        form = page.locator("form[action*='/outcome/']").first
        form.locator("select").select_option("attended_complied")
        form.locator("button").click()
        page.wait_for_selector("text=Outcome recorded: attended and complied")
    assert page.locator("form[action*='/outcome/']").count() == 1
    page.goto(f"{live_server.url}/")
    cell = page.locator("#caseload").inner_text()
    assert "Appointment outcomes to record: 1" in cell

    # The last was an unacceptable absence: the decision is due, and it is on the to-do list.
    page.goto(f"{live_server.url}/diary/?week={week}")
    form = page.locator("form[action*='/outcome/']").first
    form.locator("select").select_option("fta_unacceptable")
    form.locator("button").click()
    page.wait_for_selector("h1:has-text('Record an enforcement decision')")
    page.goto(f"{live_server.url}/")
    cell = page.locator("#caseload").inner_text()
    assert "Enforcement decisions due: 1" in cell and "outcomes to record" not in cell

    # RAR progress on the person page: two days attended and complied.
    page.goto(f"{live_server.url}/people/{case.pk}/")
    assert (
        "2 of 20 days done" in page.locator("#sentences ~ *").first.inner_text()
        or "2 of 20 days done" in page.content()
    )
    assert Contact.objects.filter(person=case, outcome=ContactOutcome.ATTENDED_COMPLIED).count() == 2
    assert page.console_errors == [], "the page logged JavaScript errors (for example CSP violations)"
