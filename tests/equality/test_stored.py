"""Figures computed ahead (ADR 11): stored for the standard periods, read by the dashboard without computing,
marked stale by a new decision in their period, and, for a question nobody asked before, computed by a job
whose progress the page shows while no request computes anything."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from django.test import Client
from django.utils import timezone

from evenhand.cases.models import Referral
from evenhand.equality import engine, measures, services
from evenhand.equality.engine import Settings, trend, trends
from evenhand.equality.measures import Period
from evenhand.equality.models import StoredFigures
from evenhand.jobs import runner
from evenhand.jobs.models import Job, Status
from evenhand.org.models import Grade
from evenhand.synth.generator import Result
from tests.factories import StaffMemberFactory
from tests.synth.conftest import load_for_module

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 15)
PERIOD = services.standard_periods(TODAY)["last 12 months"]
URL = "/equality/"


def dates(period: Period) -> dict[str, str]:
    return {
        "from-day": str(period.start.day),
        "from-month": str(period.start.month),
        "from-year": str(period.start.year),
        "to-day": str(period.end.day),
        "to-month": str(period.end.month),
        "to-year": str(period.end.year),
    }


@pytest.fixture(scope="module")
def service(django_db_setup: None, django_db_blocker: Any) -> Iterator[Result]:
    """The ``tiny`` service up to the end of the 12 months, with that period's figures stored."""
    for result in load_for_module(django_db_blocker, scale="tiny", seed=1, end_date=PERIOD.end):
        with django_db_blocker.unblock():
            services.compute_figures(PERIOD, Settings(), standard="last 12 months")
        yield result


@pytest.fixture
def analyst(service: Result) -> Client:
    staff = StaffMemberFactory(grade=Grade.ANALYST, with_user=True, staff_code="EQSTORED1")
    client = Client()
    client.force_login(staff.user)
    return client


@pytest.fixture
def nothing_computes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any computation (the engine, or reading a period's cases) fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a web request computed an analysis")

    monkeypatch.setattr(engine, "analyse", refuse)
    monkeypatch.setattr(services, "analyse", refuse)
    monkeypatch.setattr(measures, "population_frame", refuse)


def test_the_standard_periods():
    periods = services.standard_periods(dt.date(2026, 11, 15))
    assert periods["last 12 months"] == Period(dt.date(2025, 11, 1), dt.date(2026, 10, 31))
    assert periods["last complete quarter"] == Period(dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert periods["last financial year"] == Period(dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    # In the first quarter of a year, the quarter and the financial year before it.
    early = services.standard_periods(dt.date(2027, 2, 1))
    assert early["last complete quarter"] == Period(dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert early["last financial year"] == Period(dt.date(2025, 4, 1), dt.date(2026, 3, 31))


def test_the_dashboard_answers_from_the_stored_figures_without_computing(analyst, nothing_computes):
    page = analyst.get(URL, {**dates(PERIOD), "measure": "referral_any"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="groups"' in html
    assert 'id="trend"' in html or 'id="trend-section"' in html
    assert 'id="stale"' not in html
    assert 'http-equiv="refresh"' not in html
    # Every measure and unit of the same question is answered from the same stored figures.
    assert analyst.get(URL, {**dates(PERIOD), "measure": "recall", "unit": "YH"}).status_code == 200


def test_the_stored_trend_is_the_engines_trend_in_each_unit(service):
    settings = Settings()
    every = trends(PERIOD, settings)
    for level, code in (("national", "national"), ("region", "YH"), ("pdu", "YH01")):
        expected = trend(
            PERIOD,
            settings,
            ["referral_any"],
            unit_level=level,
            unit_code=None if level == "national" else code,
        )
        found = every[
            (every["measure"] == "referral_any") & (every["level"] == level) & (every["unit"] == code)
        ]
        columns = ["quarter", "group", "n", "events", "relative_rate"]
        left = expected.assign(group=expected["group"].astype(str))[columns].sort_values(["quarter", "group"])
        right = found.assign(group=found["group"].astype(str))[columns].sort_values(["quarter", "group"])
        pd.testing.assert_frame_equal(
            left.reset_index(drop=True), right.reset_index(drop=True), check_dtype=False
        )


def test_a_new_decision_in_the_period_marks_the_figures_stale(analyst):
    referral = Referral.objects.filter(made_on__gte=PERIOD.start, made_on__lte=PERIOD.end).first()
    assert referral is not None
    stored = StoredFigures.objects.get(period_start=PERIOD.start, characteristic="ethnic_group")
    assert not stored.stale
    # A decision outside every stored period changes nothing.
    outside = Referral.objects.get(pk=referral.pk)
    outside.pk, outside.made_on = None, PERIOD.end + dt.timedelta(days=10)
    outside.save()
    stored.refresh_from_db()
    assert not stored.stale

    referral.pk = None
    referral.save()
    stored.refresh_from_db()
    assert stored.stale
    html = analyst.get(URL, {**dates(PERIOD), "measure": "referral_any"}).content.decode()
    assert 'id="stale"' in html
    assert "These figures are out of date" in html


def test_a_question_not_stored_starts_a_job_and_the_page_follows_it(analyst, settings, monkeypatch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    other = Period(dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    question = {**dates(other), "measure": "referral_any", "characteristic": "sex"}
    real_analyse = services.analyse

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a web request computed an analysis")

    monkeypatch.setattr(services, "analyse", refuse)
    page = analyst.get(URL, question)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "The figures are being calculated" in html
    assert 'id="check-again"' in html
    job = Job.objects.get(kind=services.ANALYSIS_JOB)
    assert job.status == Status.QUEUED
    assert job.parameters == {
        "start": "2026-01-01",
        "end": "2026-06-30",
        "characteristic": "sex",
        "reference": "",
    }
    # Asking again while it waits joins the same job.
    analyst.get(URL, question)
    assert Job.objects.filter(kind=services.ANALYSIS_JOB).count() == 1

    # A worker runs it; the page then shows the figures.
    monkeypatch.setattr(services, "analyse", real_analyse)
    runner.run(job.pk)
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED, job.error
    monkeypatch.setattr(services, "analyse", refuse)
    html = analyst.get(URL, question).content.decode()
    assert 'id="groups"' in html
    assert 'http-equiv="refresh"' not in html


def test_a_question_that_cannot_be_answered_says_why(analyst):
    # Nobody was under supervision: the job (run at once here) fails, and the form says why, on the dates.
    page = analyst.get(
        URL, {**dates(Period(dt.date(2005, 1, 1), dt.date(2005, 12, 31))), "measure": "recall"}
    )
    assert page.status_code == 400
    assert "Nobody was under supervision" in page.content.decode()


def test_precompute_stores_every_standard_period(service, monkeypatch):
    monkeypatch.setattr(services, "CHARACTERISTICS", {"ethnic_group": "Ethnic group", "sex": "Sex"})
    steps: list[str] = []
    done = services.precompute(TODAY, progress=steps.append)
    stored = {
        (row.standard, row.characteristic): (row.period_start, row.period_end)
        for row in StoredFigures.objects.all()
    }
    for name, period in services.standard_periods(TODAY).items():
        for characteristic in ("ethnic_group", "sex"):
            assert stored[(name, characteristic)] == (period.start, period.end)
    assert len(done["computed"]) + len(done["skipped"]) == 6
    assert any(step.startswith("Analysing: ") for step in steps)
    assert (
        StoredFigures.objects.filter(computed_at__gte=timezone.now() - dt.timedelta(minutes=10)).count() >= 6
    )
