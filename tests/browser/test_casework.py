"""Drive the real UI in headless Debian Chromium: sign in, open a person, record contacts, decide enforcement."""

import datetime as dt

import pytest
from django.utils import timezone

from evenhand.cases.models import Contact, ContactOutcome, Decision, EnforcementDecision
from evenhand.people.models import Person
from tests.browser.conftest import PASSWORD, newcastle_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def casework() -> Person:
    person, _ = newcastle_case()
    return person


def _fill_datetime(page, when: dt.datetime) -> None:
    page.fill("#id_starts_at-day", str(when.day))
    page.fill("#id_starts_at-month", str(when.month))
    page.fill("#id_starts_at-year", str(when.year))
    page.fill("#id_starts_at-time", when.strftime("%H:%M"))


def test_sign_in_open_person_record_contact_and_decide(live_server, browser_page, casework):
    page = browser_page
    page.goto(f"{live_server.url}/")
    assert "/sign-in/" in page.url, "an anonymous visitor must be sent to sign in"
    page.fill("#id_username", "priya")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1:has-text('My cases')")
    assert page.locator("table").inner_text().count("N123456") == 1

    page.click("text=Search")
    page.fill("#q", "N123456")
    page.click("button:has-text('Search')")
    page.click("a:has-text('Jordan Example')")
    page.wait_for_selector("h1:has-text('Jordan Example')")

    # A contact that went well appears on the timeline with its notes.
    page.click("text=Record a contact")
    yesterday = timezone.localtime() - dt.timedelta(days=1)
    _fill_datetime(page, yesterday.replace(hour=10, minute=30))
    page.fill("#id_location", "Newcastle probation office")
    page.check("input[name=outcome][value=attended_complied]")
    page.fill("#id_notes", "Talked through the job application; housing is stable.")
    page.click("button:has-text('Save contact')")
    page.wait_for_selector("text=Contact recorded")
    timeline = page.locator(".moj-timeline").inner_text()
    assert "Office appointment: attended and complied" in timeline
    assert "housing is stable" in timeline

    # An unacceptable absence takes the practitioner to the decision the rules propose.
    page.click("text=Record a contact")
    _fill_datetime(page, yesterday.replace(hour=14, minute=0))
    page.check("input[name=outcome][value=fta_unacceptable]")
    page.click("button:has-text('Save contact')")
    page.wait_for_selector("h1:has-text('Record an enforcement decision')")
    assert "The rules propose: Warning" in page.locator("main").inner_text()
    assert page.is_checked("input[name=decision][value=warning]")

    # Without a rationale nothing is written and the error is shown against the field.
    page.click("button:has-text('Record decision')")
    page.wait_for_selector(".govuk-error-summary")
    assert EnforcementDecision.objects.count() == 0
    page.fill(
        "#id_rationale", "No contact from him and no reason given; first failure this year, so a warning."
    )
    page.click("button:has-text('Record decision')")
    page.wait_for_selector("text=Decision recorded: Warning")
    assert "No contact from him" in page.locator("#enforcement ~ table").first.inner_text()

    decision = EnforcementDecision.objects.get()
    assert decision.decision == Decision.WARNING and decision.proposed == Decision.WARNING
    assert list(decision.triggering_contacts.values_list("outcome", flat=True)) == [
        ContactOutcome.FAILED_UNACCEPTABLE
    ]
    assert Contact.objects.filter(person=casework).count() == 2
    assert page.console_errors == [], "the page logged JavaScript errors (for example CSP violations)"
