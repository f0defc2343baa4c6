"""Drive the equality dashboard in headless Debian Chromium: an analyst opens it, changes the measure, drills
down to a region and reads the funnel plot and its description."""

import datetime as dt

import pytest
from django.core.cache import caches
from django.utils import timezone

from evenhand.equality import selectors
from evenhand.org.models import Grade
from evenhand.org.services import create_staff_member
from evenhand.synth.generator import generate
from tests.browser.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def service():
    """The ``tiny`` service (one region, two PDUs) up to the end of last month, the dashboard's default
    period, and an analyst who can sign in. The cache is keyed by the question, not the data: empty it."""
    caches[selectors.CACHE_ALIAS].clear()
    caches["default"].clear()
    end = selectors.default_period(timezone.localdate()).end
    result = generate(scale="tiny", seed=1, end_date=end)
    create_staff_member(
        staff_code="AN1",
        first_name="Ada",
        last_name="Analyst",
        grade=Grade.ANALYST,
        start_date=dt.date(2020, 1, 6),
        username="ada",
        password=PASSWORD,
    )
    yield result
    caches[selectors.CACHE_ALIAS].clear()
    caches["default"].clear()


def test_an_analyst_changes_measure_and_drills_down_to_a_funnel(live_server, browser_page, service):
    page = browser_page
    page.set_default_timeout(60_000)  # the first analysis of the catalogue takes a few seconds
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1")

    page.click("nav >> text=Equality")
    page.wait_for_selector("h1:has-text('Recall requested by ethnic group')")
    assert "Licences under supervision in the period" in page.inner_text("#definition")

    # A measure of people, which the tiny service has enough of for the models of regions and PDUs (its
    # calibrated caseloads miss few enough appointments that the absence models are separated).
    page.select_option("#id_measure", "referral_any")
    page.click("button:has-text('Show figures')")
    page.wait_for_selector("h1:has-text('Referred to any service by ethnic group')")
    assert "with at least one referral to a service" in page.inner_text("#definition")
    assert page.locator("#groups tbody tr").count() >= 2
    assert page.locator("#relative-rate-figure svg").is_visible()

    # England and Wales → the region, from the table of regions under the funnel plot.
    page.click("#units tbody a")
    page.wait_for_selector("#units-heading:has-text('PDUs in Yorkshire and the Humber')")
    assert page.inner_text("h1") == "Referred to any service by ethnic group (5 groups)"
    assert page.inner_text(".govuk-caption-l").startswith("Yorkshire and the Humber,")
    funnel = page.locator("#funnel-figure svg")
    assert funnel.is_visible()
    assert funnel.get_attribute("role") == "img"
    description = page.inner_text("#funnel-figure-description")
    assert "The ratio of observed to expected events (O/E)" in description
    assert "control limits at 95% (dashed) and 99.8% (solid)" in description
    assert page.locator("#units tbody tr").count() == 2  # the two PDUs

    # On to a PDU: its teams, at the bottom of the drill-down.
    page.click("#units tbody a >> nth=0")
    page.wait_for_selector("#units-heading:has-text('Teams in')")
    assert page.locator("#funnel-figure svg, #funnel-missing").count() == 1
    assert page.console_errors == []
