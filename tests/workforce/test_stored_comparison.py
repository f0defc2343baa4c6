"""The workforce comparison's figures computed ahead (ADR 11): stored by a job for every characteristic, read by
the page without computing, started by the page when none are stored (its progress shown, one job however often
the page is asked), marked stale by an HR event in their period or a new declaration, and computed again after
an import."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from evenhand.equality import registry
from evenhand.equality import services as equality_services
from evenhand.equality.models import StoredFigures
from evenhand.jobs import registry as job_registry
from evenhand.jobs import runner
from evenhand.jobs.models import Job, Status
from evenhand.org.models import Grade, StaffMember
from evenhand.workforce import services
from evenhand.workforce.comparison import last_twelve_months
from evenhand.workforce.measures import CHARACTERISTICS
from evenhand.workforce.models import ANSWERS, EventKind
from evenhand.workforce.selectors import current_answers
from tests.factories import StaffMemberFactory
from tests.workforce.test_measures import event, world  # noqa: F401  # the fixture

pytestmark = pytest.mark.django_db
URL = "/workforce/compare/"


def period() -> Any:
    return last_twelve_months(timezone.localdate())


@pytest.fixture
def analyst(client):
    hr = StaffMemberFactory(grade=Grade.HR_ANALYST, with_user=True, team=None)
    client.force_login(hr.user)
    return client


@pytest.fixture
def nothing_computes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any analysis of the staff fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a web request computed the workforce analysis")

    monkeypatch.setattr(registry, "analyse_population", refuse)
    monkeypatch.setattr(equality_services, "analyse_population", refuse)


@pytest.fixture
def queued(settings: Any) -> None:
    """Jobs wait in the database queue for a worker (the tests' default backend runs them at once)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def stored() -> dict[str, StoredFigures]:
    return {row.characteristic: row for row in StoredFigures.objects.filter(population="staff")}


def test_precompute_stores_each_characteristic(world):  # noqa: F811
    # Figures stored yesterday, of yesterday's period.
    yesterday = last_twelve_months(timezone.localdate() - dt.timedelta(days=1))
    StoredFigures.objects.filter(pk=services.compute_comparison(period(), "ethnic_group")).update(
        period_start=yesterday.start, period_end=yesterday.end
    )
    steps: list[str] = []
    done = services.precompute_comparison(timezone.localdate(), progress=steps.append)
    rows = stored()
    assert len(done["computed"]) + len(done["skipped"]) == len(CHARACTERISTICS)
    assert "ethnic_group" in rows
    assert StoredFigures.objects.filter(population="staff").count() == len(done["computed"])
    for row in rows.values():
        assert (row.period_start, row.period_end) == (period().start, period().end)
        assert row.standard == "last 12 months" and not row.stale
    # Yesterday's period is gone (the page shows today's only); the catalogue's own figures are not these.
    assert not StoredFigures.objects.filter(population="").exists()
    assert any(step.startswith("Analysing the staff measures") for step in steps)


@pytest.fixture
def computed(world):  # noqa: F811
    """The period's figures by ethnic group (the page's default), stored as a job stores them."""
    services.compute_comparison(period(), "ethnic_group")
    return world


def test_the_page_answers_from_stored_figures_without_computing(computed, analyst, nothing_computes):
    page = analyst.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="stale"' not in html and 'http-equiv="refresh"' not in html
    pdu = analyst.get(URL, {"measure": "promotion", "unit": "PWFA"}).content.decode()
    rows = pdu[pdu.index('id="groups"') :]
    white = rows[rows.index('data-group="white"') :]
    # PDU A's 6 declared White staff, as stored: a group under 30, shown without its count.
    assert "fewer than 30: not shown" in white[: white.index("</tr>")]
    assert "Figures calculated on" in pdu
    withheld = analyst.get(URL, {"measure": "promotion", "unit": "PWFB"}).content.decode()
    assert "only 33% of the 3 staff counted here have declared it" in withheld
    assert not Job.objects.exists()


def test_a_figure_not_stored_starts_one_job_and_the_page_follows_it(
    world,  # noqa: F811
    analyst,
    queued,
    monkeypatch,
):
    real = equality_services.analyse_population

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a web request computed the workforce analysis")

    monkeypatch.setattr(equality_services, "analyse_population", refuse)
    monkeypatch.setattr(registry, "analyse_population", refuse)
    page = analyst.get(URL, {"characteristic": "ethnic_group"})
    assert page.status_code == 200
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "The figures are being calculated" in html and 'id="check-again"' in html
    assert 'id="groups"' not in html
    analyst.get(URL, {"characteristic": "ethnic_group", "measure": "leaving"})
    job = Job.objects.get()
    assert job.kind == services.FIGURES_JOB and job.status == Status.QUEUED
    assert job.parameters["characteristic"] == "ethnic_group"
    assert job.parameters["end"] == period().end.isoformat()

    monkeypatch.setattr(equality_services, "analyse_population", real)
    runner.run(job.pk)
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED, job.error
    monkeypatch.setattr(equality_services, "analyse_population", refuse)
    html = analyst.get(URL, {"characteristic": "ethnic_group"}).content.decode()
    assert 'http-equiv="refresh"' not in html and "Promotion rate" in html
    assert Job.objects.count() == 1


def test_an_hr_event_in_the_period_marks_the_figures_stale(world, analyst, queued):  # noqa: F811
    services.precompute_comparison(timezone.localdate())
    # Someone still in post (StaffMember's order is by name, which the factory draws at random: one of the
    # world's leavers could come first, and a grievance after leaving is refused).
    someone = (
        StaffMember.objects.filter(team__pdu__code="PWFA")
        .exclude(hr_events__kind=EventKind.LEFT)
        .order_by("pk")
        .first()
    )
    # An event before the period changes nothing.
    event(
        someone,
        EventKind.GRIEVANCE,
        period().start - dt.timedelta(days=10),
        grievance_kind="race_discrimination",
    )
    assert not any(row.stale for row in stored().values())
    assert 'id="stale"' not in analyst.get(URL).content.decode()

    event(someone, EventKind.GRIEVANCE, timezone.localdate(), grievance_kind="race_discrimination")
    assert all(row.stale for row in stored().values())
    html = analyst.get(URL).content.decode()
    assert 'id="stale"' in html and "These figures are out of date" in html
    assert "They are being calculated again" in html
    # The stale figures are shown while one job computes them again.
    assert 'id="groups"' in html
    analyst.get(URL, {"measure": "leaving"})
    job = Job.objects.get()
    assert job.kind == services.FIGURES_JOB and job.status == Status.QUEUED
    runner.run(job.pk)
    assert not stored()["ethnic_group"].stale
    assert 'id="stale"' not in analyst.get(URL).content.decode()


def test_a_new_declaration_marks_the_figures_stale_and_the_same_answer_again_does_not(world):  # noqa: F811
    services.precompute_comparison(timezone.localdate())
    someone = StaffMember.objects.filter(team__pdu__code="PWFA").order_by("pk").first()
    standing = current_answers(someone)
    assert services.declare(by=someone, staff=someone, answers=dict(standing)) == []  # nothing new
    assert not any(row.stale for row in stored().values())
    new = next(value for value, _ in ANSWERS["ethnicity"] if value != standing.get("ethnicity"))
    assert services.declare(by=someone, staff=someone, answers={"ethnicity": new})
    assert stored() and all(row.stale for row in stored().values())


def test_an_import_of_staff_events_marks_the_figures_stale_and_computes_them_again(
    world,  # noqa: F811
    queued,
    settings,
):
    services.precompute_comparison(timezone.localdate())
    assert services.events_imported([period().start - dt.timedelta(days=400)]) == 0
    assert services.events_imported([period().start - dt.timedelta(days=5), timezone.localdate()]) == len(
        stored()
    )
    settings.JOBS_AFTER_DATA_CHANGES = True
    job_registry.data_changed("people")
    assert not Job.objects.filter(kind=services.PRECOMPUTE_JOB).exists()
    job_registry.data_changed("staff-events")
    assert Job.objects.filter(kind=services.PRECOMPUTE_JOB).count() == 1


def test_the_nightly_computation_is_due_once_a_day():
    morning = timezone.make_aware(dt.datetime(2026, 12, 4, 0, 5))
    due = job_registry.SCHEDULES["workforce nightly"].due
    assert due(morning) == f"{services.PRECOMPUTE_JOB}:nightly:2026-12-04"
    assert "workforce nightly" in job_registry.SCHEDULES
