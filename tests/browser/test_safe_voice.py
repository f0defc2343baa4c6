"""Safe voice in headless Chromium: a signed-in member of staff follows the footer link, raises a concern
anonymously, keeps the receipt, comes back with it in a fresh browser, reads the handler's question, answers,
reads the outcome and rates it. Nothing in the concern points back at them."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from evenhand.org.models import Grade, Region
from evenhand.org.services import create_pdu, create_region, create_staff_member, create_team
from evenhand.voice import services
from evenhand.voice.models import Concern, ConcernKind, FairnessRating
from tests.browser.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSPHRASE = "a handling passphrase"


@pytest.fixture
def voice_world():
    services.ensure_default_kinds_and_themes()
    today = timezone.localdate()
    region = create_region(code="NE", name="North East")
    pdu = create_pdu(region=region, code="NCL", name="Newcastle")
    team = create_team(pdu=pdu, code="NCL-1", name="Newcastle team 1")
    member = create_staff_member(
        staff_code="P1",
        first_name="Priya",
        last_name="Officer",
        grade=Grade.PO,
        team=team,
        start_date=today - dt.timedelta(days=900),
        username="priya",
        password=PASSWORD,
    )
    handler = create_staff_member(
        staff_code="H1", first_name="Hana", last_name="Handler", grade=Grade.ADMIN, start_date=today
    )
    services.set_up_handler_key(staff=handler, passphrase=PASSPHRASE)
    services.create_handler_group(name="National unit", kinds=list(ConcernKind.objects.all()), lead=handler)
    return member, handler


def test_raise_anonymously_return_converse_and_rate(live_server, browser_page, voice_world):
    member, handler = voice_world
    page = browser_page
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", "priya")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.click("text=Raise a concern safely")
    page.click(".govuk-button--start")
    assert "Priya" not in page.content()  # the page does not know who is signed in
    page.check("input[name=kind][value=racism]")
    page.check("input[name=anonymous][value=yes]")
    page.select_option("#id_region", "NE")
    page.fill("#id_what_happened", "Jokes about my name at every team meeting.")
    page.fill("#id_when", "Since the spring")
    page.click("button:has-text('Send the concern')")
    receipt = page.inner_text("#receipt").strip()
    assert len(receipt.split()) == 7
    concern = Concern.objects.get()
    assert concern.anonymous and concern.identity is None
    # The handler asks a question (through the services: the handler's pages have their own tests).
    key = services.unlock(staff=handler, passphrase=PASSPHRASE)
    services.acknowledge(by=handler, reference=concern.reference)
    services.send_message(
        by=handler, private_key=key, reference=concern.reference, text="Who else was there?"
    )
    # A fresh browser context: only the receipt gets back in.
    context = page.context.browser.new_context()
    reporter = context.new_page()
    reporter.goto(f"{live_server.url}/voice/return/")
    reporter.fill("#id_receipt", receipt)
    reporter.click("button:has-text('Open my concern')")
    assert "Who else was there?" in reporter.content()
    reporter.fill("#id_message", "Two colleagues from the next team.")
    reporter.click("button:has-text('Send')")
    assert "Two colleagues from the next team." in reporter.content()
    services.close_concern(
        by=handler,
        private_key=key,
        reference=concern.reference,
        outcome="We spoke to the team; the jokes have stopped and the manager is being trained.",
        category="upheld",
    )
    reporter.reload()
    assert "the jokes have stopped" in reporter.content()
    reporter.click("text=Rate how your concern was handled")
    for name, value in (
        ("heard", "5"),
        ("neutrality", "4"),
        ("respect", "5"),
        ("outcome", "4"),
        ("time_taken", "3"),
    ):
        reporter.check(f"input[name={name}][value='{value}']")
    reporter.click("button:has-text('Send my rating')")
    assert "Thank you for rating" in reporter.content()
    assert FairnessRating.objects.get().time_taken == 3
    context.close()
    stored = repr(list(Concern.objects.values()))
    for identifier in (member.first_name, member.last_name, member.staff_code, member.user.username):
        assert not re.search(rf"\b{re.escape(identifier)}\b", stored, re.I), identifier
    assert page.console_errors == []


def test_the_published_summary_is_read_without_signing_in(live_server, browser_page, voice_world):
    """From the start page to a published quarter, its tables with [c] where a count is under 10, and its PDF."""
    from evenhand.voice import summary
    from tests.voice.summary_helpers import concerns

    _, handler = voice_world
    group = handler.voice_memberships.get().group
    region = Region.objects.get(code="NE")
    july = dt.date(2026, 7, 6)
    kinds = {k.code: k for k in ConcernKind.objects.all()}
    concerns(
        24,
        kind=kinds["racism"],
        region=region,
        group=group,
        received=july,
        closed_after=30,
        category="upheld",
    )
    concerns(
        3,
        kind=kinds["bullying"],
        region=region,
        group=group,
        received=july,
        closed_after=30,
        category="referred",
    )
    summary.publish(quarter=summary.Quarter(2026, 3), by=handler, on=dt.date(2026, 10, 2))
    page = browser_page
    page.goto(f"{live_server.url}/voice/")
    page.get_by_role("link", name="Read the quarterly summaries").click()
    page.get_by_role("link", name=re.compile("2026 quarter 3")).click()
    # The click starts a navigation; expect waits for the new page, where is_visible() would read the old one.
    expect(
        page.get_by_role("heading", name="Staff concerns, July to September 2026", level=1)
    ).to_be_visible()
    received = page.get_by_role("table").first
    assert "[c]" in received.inner_text() and "Racism or other discrimination" in received.inner_text()
    pdf = page.request.get(live_server.url + page.get_by_role("link", name="PDF").get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    assert not page.console_errors
