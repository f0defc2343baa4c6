"""The whole record on screen, in headless Debian Chromium: a senior probation officer registers a person from
search, records how they identify (registration lands on the diversity profile), records a community order for a
racially aggravated offence from the person page and sees it wait in the allocation queue under the
sensitive-case protocol. The head of PDU puts a practitioner on the record's exclusion list: she could open it
before and now gets the refusal page, while a colleague still opens it; then restricts the record to the SPO,
and the colleague is refused too."""

import datetime as dt

import pytest
from django.utils import timezone

from evenhand.audit.models import AccessLogEntry, Action
from evenhand.cases.models import Sentence
from evenhand.org.models import Grade
from evenhand.org.services import create_pdu, create_region, create_staff_member, create_team
from evenhand.people.identifiers import pnc_check_letter
from evenhand.people.models import DiversityEntry, Exclusion, Person, Restriction
from evenhand.workload.services import ensure_published_weightings
from tests.browser.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
RIGHT_LETTER = pnc_check_letter("12", "3456789")
WRONG_LETTER = "A" if RIGHT_LETTER != "A" else "B"


@pytest.fixture
def pdu_staff():
    """One PDU: an SPO who registers and sentences, its head who manages access, and two practitioners."""
    # A transactional test empties the database afterwards, data migrations included.
    ensure_published_weightings()
    today = timezone.localdate()
    region = create_region(code="YH", name="Yorkshire and the Humber")
    pdu = create_pdu(region=region, code="LDS", name="Leeds")
    team = create_team(pdu=pdu, code="LDS-1", name="Leeds team 1")
    people = {}
    for code, first, last, grade, username in (
        ("S1", "Sam", "Senior", Grade.SPO, "sam"),
        ("H1", "Hilary", "Head", Grade.HEAD_OF_PDU, "hilary"),
        ("P1", "Priya", "Officer", Grade.PO, "priya"),
        ("P2", "Kofi", "Mensah", Grade.PSO, "kofi"),
    ):
        people[username] = create_staff_member(
            staff_code=code,
            first_name=first,
            last_name=last,
            grade=grade,
            team=team,
            start_date=today - dt.timedelta(days=900),
            username=username,
            password=PASSWORD,
        )
    return people


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1")


def fill_date(page, name: str, day: dt.date) -> None:
    page.fill(f"#id_{name}-day", str(day.day))
    page.fill(f"#id_{name}-month", str(day.month))
    page.fill(f"#id_{name}-year", str(day.year))


def test_register_profile_sentence_queue_restrict_and_refuse(live_server, browser_page, pdu_staff):
    page = browser_page
    base = live_server.url
    today = timezone.localdate()
    sentenced = today - dt.timedelta(days=2)

    # --- Register, from search. A missing date of birth is refused by field, nothing written. ---------------
    sign_in(page, base, "sam")
    page.click("nav >> text=Search")
    page.wait_for_selector("h1:has-text('Search for a person')")
    page.click("a:has-text('Register a person')")
    page.wait_for_selector("h1:has-text('Register a person')")
    page.fill("#id_first_name", "Amara")
    page.fill("#id_last_name", "Okafor-Lewis")
    page.fill("#id_preferred_name", "Mara")
    page.check("input[name=sex][value=F]")
    page.click("button:has-text('Register')")
    page.wait_for_selector(".govuk-error-summary")
    assert "Enter date of birth" in page.locator(".govuk-error-summary").inner_text()
    assert Person.objects.count() == 0

    fill_date(page, "date_of_birth", dt.date(1994, 8, 12))
    page.fill("#id_pnc", f"12/3456789{WRONG_LETTER}")
    page.fill("#id_address_line_1", "14 Kirkgate")
    page.fill("#id_address_town", "Leeds")
    page.fill("#id_address_postcode", "LS2 7DJ")
    fill_date(page, "address_from", today - dt.timedelta(days=400))
    page.click("button:has-text('Register')")
    # A PNC number with the wrong check letter is refused, naming the field.
    page.wait_for_selector(".govuk-error-summary")
    assert "check letter of this PNC number is wrong" in page.locator(".govuk-error-summary").inner_text()
    assert Person.objects.count() == 0
    page.fill("#id_pnc", f"12/3456789{RIGHT_LETTER}")
    page.click("button:has-text('Register')")

    # --- Registration lands on the diversity profile; record ethnicity as the person gave it. --------------
    page.wait_for_selector("h1:has-text('Diversity profile')")
    person = Person.objects.get()
    assert person.last_name == "Okafor-Lewis" and person.pdu_id == pdu_staff["sam"].pdu_id
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert f"registered with CRN {person.crn}" in banner
    assert page.url.endswith(f"/people/{person.pk}/diversity/")

    page.click("a:has-text('Change'):has-text('ethnicity')")
    page.wait_for_selector("h1:has-text('Record ethnicity')")
    page.check("input[name=value][value=B1]")
    page.check("input[name=identified_by][value=self]")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Ethnicity recorded")
    summary = page.locator(".govuk-summary-list").inner_text()
    assert "Black: African (identified by the person (self-identified)" in summary
    history = page.locator("main table").inner_text()
    assert "Black: African" in history and "The person (self-identified)" in history
    entry = DiversityEntry.objects.get(person=person, characteristic="ethnicity")
    assert (entry.value, entry.identified_by) == ("B1", "self")

    # --- A community order for a racially aggravated assault, from the person page. ------------------------
    page.click("a:has-text('Back to the record')")
    page.wait_for_selector(f"h1:has-text('{person.full_name}')")
    page.click("a:has-text('Record a sentence')")
    page.wait_for_selector("h1:has-text('Record a sentence')")
    page.check("input[name=type][value=CO]")
    page.fill("#id_court", "Leeds Magistrates' Court")
    fill_date(page, "start_date", sentenced)
    page.fill("#id_length", "12")
    page.check("input[name=length_unit][value=months]")
    page.select_option("#id_offence_1_category", "violence")
    page.fill("#id_offence_1_description", "Racially aggravated common assault")
    fill_date(page, "offence_1_committed_on", sentenced - dt.timedelta(days=45))
    page.check("input[name=offence_1_flags][value=racially_or_religiously_aggravated]")
    # Unpaid work beyond 300 hours is refused, naming the requirement; nothing is written.
    page.select_option("#id_requirement_1_type", "unpaid_work")
    page.fill("#id_requirement_1_hours", "400")
    page.click("button:has-text('Record sentence')")
    page.wait_for_selector(".govuk-error-summary")
    assert "300" in page.locator(".govuk-error-summary").inner_text()
    assert Sentence.objects.count() == 0

    page.fill("#id_requirement_1_hours", "120")
    page.click("button:has-text('Record sentence')")
    page.wait_for_selector("text=It is in the allocation queue")
    sentence = Sentence.objects.get()
    assert sentence.person == person and sentence.type == "CO"
    assert sentence.offences.get().racially_or_religiously_aggravated

    # --- The allocation queue: the case waits, flagged, under the sensitive-case protocol. -----------------
    page.click("nav >> text=Allocations")
    page.wait_for_selector("h1:has-text('Allocation queue')")
    rows = page.locator("#queue tbody tr")
    assert rows.count() == 1
    row = rows.first.inner_text()
    assert person.crn in row and "Community order" in row
    assert "Racially or religiously aggravated" in row
    assert "Consult first" in row
    page.click(f"#queue a:has-text('{person.full_name}')")
    page.wait_for_selector("h1:has-text('Allocate')")
    assert "Under the sensitive-case protocol it cannot be allocated" in page.locator("main").inner_text()

    # --- Before any list, the practitioner in the same PDU can open the record. ----------------------------
    browser = page.context.browser
    practitioner_context = browser.new_context()
    practitioner = practitioner_context.new_page()
    sign_in(practitioner, base, "priya")
    response = practitioner.goto(f"{base}/people/{person.pk}/")
    assert response.status == 200
    assert practitioner.locator("h1").inner_text() == person.full_name
    # Only a head of PDU manages the lists: the practitioner is refused the access page.
    response = practitioner.goto(f"{base}/people/{person.pk}/access/")
    assert response.status == 403

    # --- The head of PDU puts the practitioner on the exclusion list. ---------------------------------------
    head_context = browser.new_context()
    head = head_context.new_page()
    sign_in(head, base, "hilary")
    head.goto(f"{base}/people/{person.pk}/")
    head.wait_for_selector(f"h1:has-text('{person.full_name}')")
    assert head.locator("#restricted").count() == 0
    head.click("#record-links a:has-text('Who may see this record')")
    head.wait_for_selector("h1:has-text('Who may see this record')")
    assert "Not restricted" in head.locator("main").inner_text()

    # A review date is needed: refused by field, nothing written.
    head.check("input[name=list_name][value=exclusion]")
    head.fill("#id_staff_code", "P1")
    head.fill("#id_reason", "Lives next door to the person")
    head.click("button:has-text('Add')")
    head.wait_for_selector(".govuk-error-summary")
    assert "Enter the date to review this by" in head.locator(".govuk-error-summary").inner_text()
    assert Exclusion.objects.count() == 0

    fill_date(head, "review_on", today + dt.timedelta(days=90))
    head.click("button:has-text('Add')")
    head.wait_for_selector("text=Priya Officer added to the exclusion list")
    exclusions = head.locator("table", has_text="Lives next door").inner_text()
    assert "Priya Officer" in exclusions
    assert Exclusion.objects.get(person=person).staff == pdu_staff["priya"]

    # --- The excluded practitioner cannot open the record, or its diversity profile, or find it. ------------
    for path in (f"/people/{person.pk}/", f"/people/{person.pk}/diversity/"):
        response = practitioner.goto(f"{base}{path}")
        assert response.status == 403, path
        assert practitioner.locator("h1").inner_text() == "You do not have permission to see this page"
        assert "Okafor-Lewis" not in practitioner.content()
    practitioner.goto(f"{base}/search/?q=Okafor")
    assert "0 results" in practitioner.locator("main").inner_text()
    practitioner_context.close()
    # The refusals are in the access log against the record.
    refusals = AccessLogEntry.objects.filter(
        staff=pdu_staff["priya"], person_id=person.pk, action=Action.REFUSED
    )
    assert refusals.count() >= 3  # the access page, the record and the diversity profile
    # The exclusion is hers alone: a colleague in the same PDU still opens the record.
    colleague_context = browser.new_context()
    colleague = colleague_context.new_page()
    sign_in(colleague, base, "kofi")
    response = colleague.goto(f"{base}/people/{person.pk}/")
    assert response.status == 200
    assert colleague.locator("h1").inner_text() == person.full_name

    # --- The head of PDU restricts the record to the SPO (and, managing it, themselves). --------------------
    head.goto(f"{base}/people/{person.pk}/access/")
    head.check("input[name=list_name][value=restriction]")
    head.fill("#id_staff_code", "S1")
    head.fill("#id_reason", "Known to a member of the team")
    fill_date(head, "review_on", today + dt.timedelta(days=90))
    head.click("button:has-text('Add')")
    head.wait_for_selector("text=Sam Senior added to the restriction list")
    main = head.locator("main").inner_text()
    assert "Restricted record" in main and "Managed by" in main and "Hilary Head" in main
    # Whoever starts a restriction list goes on it too, so the record keeps a manager.
    assert set(Restriction.objects.values_list("staff__staff_code", flat=True)) == {"S1", "H1"}
    head_context.close()

    # Now the colleague, not on the restriction list, is refused too.
    response = colleague.goto(f"{base}/people/{person.pk}/")
    assert response.status == 403
    assert colleague.locator("h1").inner_text() == "You do not have permission to see this page"
    colleague_context.close()

    # --- The SPO on the restriction list still opens it, and sees it is restricted and who manages it. ------
    page.goto(f"{base}/people/{person.pk}/")
    page.wait_for_selector(f"h1:has-text('{person.full_name}')")
    restricted = page.locator("#restricted").inner_text()
    assert "Restricted record" in restricted and "Managed by Hilary Head" in restricted
    assert page.console_errors == [], "the page logged JavaScript errors (for example CSP violations)"
