"""Drive the real UI in headless Debian Chromium: a senior probation officer records a custody sentence for a
racially aggravated offence, sees it wait in the allocation queue under the sensitive-case protocol, and later
records the release, which starts the licence from the same record."""

import datetime as dt

import pytest
from django.utils import timezone

from evenhand.cases.models import Sentence, SentenceType
from evenhand.org.models import Grade
from evenhand.org.services import create_pdu, create_region, create_staff_member, create_team
from evenhand.people.services import create_person
from evenhand.workload.services import ensure_published_weightings
from tests.browser.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setting():
    ensure_published_weightings()
    today = timezone.localdate()
    region = create_region(code="NE", name="North East")
    pdu = create_pdu(region=region, code="NCL", name="Newcastle")
    team = create_team(pdu=pdu, code="NCL-1", name="Newcastle team 1")
    spo = create_staff_member(
        staff_code="S1",
        first_name="Sam",
        last_name="Senior",
        grade=Grade.SPO,
        team=team,
        start_date=today - dt.timedelta(days=900),
        username="sam",
        password=PASSWORD,
    )
    person = create_person(
        by=spo,
        crn="N123456",
        first_name="Jordan",
        last_name="Example",
        date_of_birth=dt.date(1990, 5, 17),
        sex="M",
        pdu=pdu,
    )
    return {"person": person}


def fill_date(page, name: str, day: dt.date) -> None:
    page.fill(f"#id_{name}-day", str(day.day))
    page.fill(f"#id_{name}-month", str(day.month))
    page.fill(f"#id_{name}-year", str(day.year))


def test_custody_with_a_racially_aggravated_offence_then_release(live_server, browser_page, setting):
    page = browser_page
    today = timezone.localdate()
    sentenced = today - dt.timedelta(days=200)
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1")

    page.goto(f"{live_server.url}/people/{setting['person'].pk}/")
    page.click("a:has-text('Record a sentence')")
    page.wait_for_selector("h1:has-text('Record a sentence')")
    page.check("input[name=type][value=CUS]")
    page.fill("#id_court", "Newcastle Crown Court")
    fill_date(page, "start_date", sentenced)
    page.fill("#id_length", "12")
    page.check("input[name=length_unit][value=months]")
    fill_date(page, "expected_end_date", sentenced + dt.timedelta(days=180))
    page.select_option("#id_offence_1_category", "violence")
    page.fill("#id_offence_1_description", "Racially aggravated assault")
    # Without the offence's date post-sentence supervision cannot be decided: refused, nothing written.
    page.check("input[name=offence_1_flags][value=racially_or_religiously_aggravated]")
    page.click("button:has-text('Record sentence')")
    page.wait_for_selector(".govuk-error-summary")
    assert "Give the date of each offence" in page.locator(".govuk-error-summary").inner_text()
    assert Sentence.objects.count() == 0

    fill_date(page, "offence_1_committed_on", sentenced - dt.timedelta(days=60))
    page.click("button:has-text('Record sentence')")
    page.wait_for_selector("text=It is in the allocation queue")

    page.click("nav >> text=Allocations")
    page.wait_for_selector("h1:has-text('Allocation queue')")
    row = page.locator("#queue tbody tr").first
    assert "Custody (before release)" in row.inner_text()
    assert "Racially or religiously aggravated" in row.inner_text()
    assert "Consult first" in row.inner_text()

    page.goto(f"{live_server.url}/people/{setting['person'].pk}/")
    page.click("a:has-text('Record the release')")
    page.wait_for_selector("h1:has-text('Record a release from custody')")
    fill_date(page, "released_on", sentenced - dt.timedelta(days=1))
    page.fill("#id_releasing_prison", "HMP Durham")
    page.click("button:has-text('Record release')")
    page.wait_for_selector(".govuk-error-summary")
    assert "cannot be before the date of sentence" in page.locator(".govuk-error-summary").inner_text()

    fill_date(page, "released_on", today - dt.timedelta(days=20))
    page.click("button:has-text('Record release')")
    page.wait_for_selector("text=the licence has started")
    licence = Sentence.objects.get(type=SentenceType.LICENCE)
    assert licence.custody.type == SentenceType.CUSTODY
    assert licence.offences.get().racially_or_religiously_aggravated
    assert Sentence.objects.filter(type=SentenceType.POST_SENTENCE_SUPERVISION).exists()
    assert page.console_errors == [], "the page logged JavaScript errors (for example CSP violations)"
