"""Jobs on the database backend, run in this process: queued, joined by the same work asked again, run with
their progress kept, cancelled before and while they run, and taken back from a worker that stopped."""

import datetime as dt

import pytest
from django.utils import timezone

from evenhand.jobs import kinds, runner, services
from evenhand.jobs.models import Job, Status

pytestmark = pytest.mark.django_db

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def queue(settings):
    """The database backend: jobs wait until a worker (here, ``runner.run``) takes them."""
    settings.TASKS = DATABASE_BACKEND
    settings.JOB_HEARTBEAT_SECONDS = 0
    settings.JOB_LEASE_SECONDS = 60


def test_a_queued_job_waits_for_a_worker_and_keeps_its_task(queue):
    from django_tasks_db.models import DBTaskResult

    job = services.start_job(kind="check", parameters={"seconds": 0})
    assert job.status == Status.QUEUED
    task = DBTaskResult.objects.get(id=job.task_id)
    assert task.args_kwargs == {"args": [job.pk], "kwargs": {}}
    runner.run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.progress, job.attempts) == (Status.SUCCEEDED, 1.0, 1)
    assert job.result == {"seconds": 0.0, "attempt": 1}


def test_the_same_work_asked_twice_is_one_job(queue):
    first = services.start_job(kind="check", parameters={"seconds": 0}, key="same")
    second = services.start_job(kind="check", parameters={"seconds": 0}, key="same")
    assert first.pk == second.pk
    runner.run(first.pk)
    # Once finished, asking again is new work.
    assert services.start_job(kind="check", parameters={"seconds": 0}, key="same").pk != first.pk


def test_progress_is_kept_step_by_step(queue, monkeypatch):
    job = services.start_job(kind="check", parameters={"seconds": 0})
    seen = []
    monkeypatch.setattr(kinds.time, "sleep", lambda _: seen.append(Job.objects.get(pk=job.pk).progress))
    runner.run(job.pk)
    # Before each step, what the steps so far reported: 0, 1/20, 2/20, …
    assert seen[:3] == [0.0, pytest.approx(1 / 20), pytest.approx(2 / 20)]
    assert seen == sorted(seen)


def test_a_queued_job_cancelled_never_runs(queue):
    job = services.cancel_job(job=services.start_job(kind="check", parameters={"seconds": 0}))
    assert job.status == Status.CANCELLED
    runner.run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Status.CANCELLED, 0)


def test_a_running_job_cancelled_stops_at_its_next_step(queue, monkeypatch):
    job = services.start_job(kind="check", parameters={"seconds": 0})
    steps = []

    def sleep(_: float) -> None:
        steps.append(1)
        if len(steps) == 3:
            services.cancel_job(job=Job.objects.get(pk=job.pk))

    monkeypatch.setattr(kinds.time, "sleep", sleep)
    runner.run(job.pk)
    job.refresh_from_db()
    assert job.status == Status.CANCELLED
    assert len(steps) == 3  # stopped at the step after the request, not at the end
    assert job.finished_at is not None


def test_a_failing_job_is_failed_with_its_reason(queue, monkeypatch):
    job = services.start_job(kind="check", parameters={"seconds": 0})
    monkeypatch.setattr(kinds.time, "sleep", lambda _: 1 / 0)
    runner.run(job.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert "ZeroDivisionError" in job.error


def _running(job: Job, *, beat_seconds_ago: float) -> Job:
    Job.objects.filter(pk=job.pk).update(
        status=Status.RUNNING,
        worker="gone:1:1",
        attempts=job.attempts + 1,
        heartbeat_at=timezone.now() - dt.timedelta(seconds=beat_seconds_ago),
    )
    job.refresh_from_db()
    return job


def test_a_job_whose_lease_ran_out_is_queued_again_then_failed(queue):
    job = _running(services.start_job(kind="check", parameters={"seconds": 0}), beat_seconds_ago=61)
    assert [taken.pk for taken in services.reap()] == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.worker, job.attempts) == (Status.QUEUED, "", 1)
    # Its second (last) attempt's worker stops too: failed, and said why.
    job = _running(job, beat_seconds_ago=61)
    services.reap()
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert "The worker running it stopped, 2 times" in job.error


def test_a_job_whose_worker_still_beats_is_left_alone(queue):
    job = _running(services.start_job(kind="check", parameters={"seconds": 0}), beat_seconds_ago=5)
    assert services.reap() == []
    job.refresh_from_db()
    assert job.status == Status.RUNNING


def test_a_worker_whose_job_was_taken_back_does_not_overwrite_it(queue):
    job = services.start_job(kind="check", parameters={"seconds": 0})
    Job.objects.filter(pk=job.pk).update(status=Status.FAILED, error="taken back")
    runner.run(job.pk)  # a late worker: the job is no longer queued, so it does nothing
    job.refresh_from_db()
    assert (job.status, job.error) == (Status.FAILED, "taken back")
