"""Drive the real UI in headless Debian Chromium: a senior probation officer allocates a case from the queue
with the recommendation in front of them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from evenhand.cases.models import Allocation
from evenhand.cases.services import (
    OffenceInput,
    RequirementInput,
    allocate,
    create_sentence,
    record_risk_summary,
)
from evenhand.org.models import Grade
from evenhand.org.services import create_pdu, create_region, create_staff_member, create_team
from evenhand.people.services import create_person
from evenhand.workload.services import ensure_published_weightings
from tests.browser.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue():
    """A PDU with an SPO, a PO holding one case and a PSO holding none, and a new order waiting."""
    # A transactional test empties the database afterwards, data migrations included.
    ensure_published_weightings()
    today = timezone.localdate()
    region = create_region(code="NW", name="North West")
    pdu = create_pdu(region=region, code="MCR", name="Manchester")
    team = create_team(pdu=pdu, code="MCR-1", name="Manchester team 1")
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
    po = create_staff_member(
        staff_code="P1",
        first_name="Priya",
        last_name="Officer",
        grade=Grade.PO,
        team=team,
        start_date=dt.date(2020, 1, 6),
    )
    pso = create_staff_member(
        staff_code="P2",
        first_name="Kofi",
        last_name="Mensah",
        grade=Grade.PSO,
        team=team,
        start_date=dt.date(2020, 1, 6),
    )

    def order(crn: str, first_name: str, days_ago: int):
        person = create_person(
            by=spo,
            crn=crn,
            first_name=first_name,
            last_name="Example",
            date_of_birth=dt.date(1990, 5, 17),
            sex="M",
            pdu=pdu,
        )
        record_risk_summary(
            by=spo, person=person, rosh="M", tier="B2", assessed_on=today - dt.timedelta(days=days_ago)
        )
        return create_sentence(
            by=spo,
            person=person,
            type="CO",
            court="Manchester Magistrates' Court",
            start_date=today - dt.timedelta(days=days_ago),
            expected_end_date=today + dt.timedelta(days=300),
            offences=[OffenceInput(category="theft", is_main=True)],
            requirements=[RequirementInput(type="rar", rar_days=20)],
        )

    held = order("M111111", "Held", 90)
    allocate(by=spo, sentence=held, practitioner=po, reason="new_case", start_date=held.start_date)
    waiting = order("M222222", "Jordan", 3)
    return {"po": po, "pso": pso, "waiting": waiting}


def test_allocate_a_case_from_the_queue(live_server, browser_page, queue):
    page = browser_page
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1")

    page.click("nav >> text=Allocations")
    page.wait_for_selector("h1:has-text('Allocation queue')")
    rows = page.locator("#queue tbody tr")
    assert rows.count() == 1
    assert "M222222" in rows.first.inner_text()
    assert "B2" in rows.first.inner_text()

    page.click("#queue a:has-text('Jordan Example')")
    page.wait_for_selector('h1:has-text("Allocate Jordan Example\'s case")')
    main = page.locator("main").inner_text()
    assert "PO or PSO" in main  # medium RoSH: either grade
    assert "115 points" in main  # community B2
    # The PSO holds nothing, so comes first; the PO holds a B2 order already (115 points: 5.3%).
    options = page.locator(".govuk-radios__item").all_inner_texts()
    assert "Kofi Mensah (PSO)" in options[0] and "from 0.0% to 5.3%" in options[0]
    assert "Priya Officer (PO)" in options[1] and "from 5.3% to 10.6%" in options[1]

    # Without a rationale nothing is written and the error says so.
    page.check("label:has-text('Priya Officer (PO)')")
    page.click("button:has-text('Allocate')")
    page.wait_for_selector(".govuk-error-summary")
    assert Allocation.objects.filter(sentence=queue["waiting"]).count() == 0

    page.check("label:has-text('Priya Officer (PO)')")
    page.check("input[name=reason][value=new_case]")
    page.fill("#id_rationale", "Priya has capacity and knows the family from an earlier order.")
    page.click("button:has-text('Allocate')")
    page.wait_for_selector("text=allocated to Priya Officer")
    assert "capacity from 5.3% to 10.6%" in page.locator(".govuk-notification-banner").inner_text()
    assert page.locator("#queue").count() == 0  # the queue is empty now

    allocation = Allocation.objects.get(sentence=queue["waiting"])
    assert (allocation.practitioner, allocation.reason) == (queue["po"], "new_case")
    assert (allocation.capacity_before, allocation.capacity_after) == (Decimal("5.3"), Decimal("10.6"))
    assert page.console_errors == [], "the page logged JavaScript errors (for example CSP violations)"
