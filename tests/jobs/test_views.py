"""A job's page: its progress bar while it runs (refreshing itself, with a link to check again), its result
when done, the cancel button, and no page at all for someone who may not follow it."""

import pytest
from django.test import Client

from evenhand.jobs import services
from evenhand.jobs.models import Job, Status
from evenhand.org.models import Grade
from tests.factories import StaffMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def starter():
    return StaffMemberFactory(with_user=True, grade=Grade.SPO)


def client_for(staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def test_a_running_job_shows_its_progress_and_refreshes(queue, starter):
    job = services.start_job(kind="check", parameters={"seconds": 3}, by=starter)
    Job.objects.filter(pk=job.pk).update(status=Status.RUNNING, progress=0.4, step="Waited 8 of 20 steps")
    page = client_for(starter).get(f"/jobs/{job.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="3">' in html
    assert '<progress class="app-progress" id="job-progress-bar" max="100" value="40">' in html
    assert "Running: 40%" in html
    assert "Waited 8 of 20 steps" in html
    assert f'href="/jobs/{job.pk}/" id="check-again"' in html
    assert 'id="cancel-job"' in html


def test_a_finished_job_stops_refreshing(queue, starter):
    job = services.start_job(kind="check", parameters={"seconds": 3}, by=starter)
    Job.objects.filter(pk=job.pk).update(status=Status.SUCCEEDED, progress=1.0)
    html = client_for(starter).get(f"/jobs/{job.pk}/").content.decode()
    assert 'http-equiv="refresh"' not in html
    assert 'id="job-finished"' in html
    assert 'id="cancel-job"' not in html


def test_cancel_from_the_page(queue, starter):
    job = services.start_job(kind="check", parameters={"seconds": 3}, by=starter)
    answer = client_for(starter).post(f"/jobs/{job.pk}/cancel/")
    assert answer.status_code == 302
    assert answer["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == Status.CANCELLED


def test_someone_elses_job_is_no_job(queue, starter):
    job = services.start_job(kind="check", parameters={"seconds": 3}, by=starter)
    other = client_for(StaffMemberFactory(with_user=True))
    assert other.get(f"/jobs/{job.pk}/").status_code == 404
    assert other.post(f"/jobs/{job.pk}/cancel/").status_code == 404
    job.refresh_from_db()
    assert job.status == Status.QUEUED
