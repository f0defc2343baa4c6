"""Publication from the dashboard in headless Debian Chromium, with a real worker (django-tasks' database
worker, in a thread of this process): a head of PDU starts a publication, watches its progress bar on the
job's page until it finishes, and downloads the spreadsheet (ODS)."""

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.utils import timezone

from evenhand.equality import selectors
from evenhand.equality.engine import Settings
from evenhand.equality.publish import period as publish_module
from evenhand.equality.services import compute_figures
from evenhand.jobs.models import Job
from evenhand.org.models import PDU, Grade
from evenhand.org.services import create_staff_member
from evenhand.synth.generator import generate
from tests.browser.conftest import PASSWORD
from tests.equality.test_publication import quick_publication


def slow_quick_publication(*args: Any, **options: Any) -> Any:
    """A quick publication that takes a few seconds, reporting each, so that its progress can be watched."""
    for second in range(4):
        options["progress"](f"Working: second {second + 1} of 4")
        time.sleep(1)
    return quick_publication(*args, **options)


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queue(settings: Any) -> Any:
    """Jobs wait in the database until a worker takes them (django-tasks' database backend)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.JOB_HEARTBEAT_SECONDS = 0  # progress written by the worker as it is reported
    return settings


def run_worker() -> None:
    """django-tasks' database worker (what `evenhand worker` runs), taking every queued job, then stopping.
    In the test's thread: on the tests' in-memory SQLite that is the connection the live server shares."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-test",
        excluded_queue_names=[],
    ).run()


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The ``tiny`` service to the end of last month with its figures computed (as overnight), and a head of
    PDU who signs in."""
    caches[selectors.CACHE_ALIAS].clear()
    period = selectors.default_period(timezone.localdate())
    generate(scale="tiny", seed=1, end_date=period.end)
    compute_figures(period, Settings())
    create_staff_member(
        staff_code="HP1",
        first_name="Hana",
        last_name="Head",
        grade=Grade.HEAD_OF_PDU,
        team=PDU.objects.order_by("code").first().teams.order_by("code").first(),
        start_date=dt.date(2020, 1, 6),
        username="hana",
        password=PASSWORD,
    )
    # The files as a publication lays them out, without the minutes a real one takes (tests/equality/publish).
    monkeypatch.setattr(publish_module, "publish_period", slow_quick_publication)
    yield
    caches[selectors.CACHE_ALIAS].clear()


def test_a_head_of_pdu_publishes_watches_and_downloads_the_spreadsheet(
    live_server, browser_page, service, queue
):
    page = browser_page
    page.set_default_timeout(120_000)
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", "hana")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1")
    page.goto(f"{live_server.url}/equality/?unit=national")
    page.wait_for_selector("#publish-heading")

    page.select_option("#id_publish-characteristic", "ethnic_group")
    page.click("#start-publication")
    page.wait_for_selector("h1:has-text('Equality publication by ethnic group')")
    # The job's page while it waits or runs: a progress bar, refreshed by the page itself.
    assert page.locator("#job-progress-bar").count() == 1
    assert page.locator('meta[http-equiv="refresh"]').count() == 1
    assert page.inner_text("#job-step") == "Waiting for a worker"
    assert "Waiting to start: 0%" in page.inner_text("#job-progress")
    seen = {page.inner_text("#job-step")}
    run_worker()  # the page goes on refreshing itself in the browser meanwhile
    deadline = time.monotonic() + 120
    while page.locator("#job-finished").count() == 0:
        assert time.monotonic() < deadline, f"never finished: {list(Job.objects.values())}"
        assert page.locator("#job-failed").count() == 0, page.inner_text("main")
        page.wait_for_load_state("load")
        if page.locator("#job-step").count():
            seen.add(page.inner_text("#job-step"))
        page.wait_for_timeout(500)
    assert len(seen) >= 1
    assert page.locator('meta[http-equiv="refresh"]').count() == 0

    with page.expect_download() as waiting:
        page.click("#job-results a:has-text('.ods')")
    download = waiting.value
    assert download.suggested_filename.endswith(".ods")
    with open(download.path(), "rb") as handle:
        head = handle.read(100)
    assert head.startswith(b"PK") and b"application/vnd.oasis.opendocument.spreadsheet" in head
    assert page.console_errors == []
