"""Headless Debian Chromium for the browser tests, through Playwright (never a downloaded browser)."""

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from evenhand.cases.models import Sentence
from evenhand.cases.services import OffenceInput, RequirementInput, allocate, create_sentence
from evenhand.org.models import Grade
from evenhand.org.services import create_pdu, create_region, create_staff_member, create_team
from evenhand.people.models import Person
from evenhand.people.services import create_person

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "a-long-test-password-1"


def pytest_collection_modifyitems(config: Any, items: list[pytest.Item]) -> None:
    if shutil.which(CHROMIUM):
        return
    reason = f"Browser tests need Debian's chromium at {CHROMIUM}; it is not installed here"
    print(reason)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def browser_page() -> Iterator[Any]:
    """A page in a fresh headless Chromium; ``page.console_errors`` collects what the page logs as errors
    (a CSP violation, say)."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.console_errors = errors
        yield page
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def newcastle_case() -> tuple[Person, Sentence]:
    """A person on a community order with a RAR in Newcastle, held by Priya Officer (who signs in as
    ``priya``), allocated by Sam Senior."""
    today = timezone.localdate()
    region = create_region(code="NE", name="North East")
    pdu = create_pdu(region=region, code="NCL", name="Newcastle")
    team = create_team(pdu=pdu, code="NCL-1", name="Newcastle team 1")
    spo = create_staff_member(
        staff_code="S1", first_name="Sam", last_name="Senior", grade=Grade.SPO, team=team, start_date=today
    )
    officer = create_staff_member(
        staff_code="P1",
        first_name="Priya",
        last_name="Officer",
        grade=Grade.PO,
        team=team,
        start_date=today - dt.timedelta(days=900),
        username="priya",
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
    sentence = create_sentence(
        by=spo,
        person=person,
        type="CO",
        court="Newcastle Magistrates' Court",
        start_date=today - dt.timedelta(days=60),
        expected_end_date=today + dt.timedelta(days=300),
        offences=[OffenceInput(category="theft", is_main=True)],
        requirements=[RequirementInput(type="rar", rar_days=20)],
    )
    allocate(
        by=spo, sentence=sentence, practitioner=officer, reason="new_case", start_date=sentence.start_date
    )
    return person, sentence
