"""Starting, cancelling and reaping jobs: every write to a job but a running one's progress (:mod:`.runner`)."""

import contextlib
import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from evenhand.org.models import StaffMember

from . import registry
from .models import ACTIVE, Job, Status

logger = logging.getLogger(__name__)


def lease() -> dt.timedelta:
    """How long a running job's worker may go without a heartbeat before the job is taken from it."""
    return dt.timedelta(seconds=settings.JOB_LEASE_SECONDS)


def start_job(
    *,
    kind: str,
    parameters: dict[str, Any],
    by: StaffMember | None = None,
    key: str = "",
    max_attempts: int | None = None,
) -> Job:
    """Queue a job of ``kind`` and return it; with a ``key``, the job of that key already queued or running
    if there is one (the same work asked for twice is done once). With the immediate task backend (the
    tests') the job has run by the time this returns."""
    found = registry.kind(kind)
    if key:
        active = Job.objects.filter(key=key, status__in=ACTIVE).first()
        if active is not None:
            return active
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind,
                parameters=parameters,
                key=key,
                started_by=by,
                max_attempts=max(max_attempts or found.max_attempts, 1),
            )
            # In the same transaction: the queue's row (database backend) commits with the job's, or neither.
            _enqueue(job)
    except IntegrityError:
        # Another process queued the same work between the look and the insert: join it.
        active = Job.objects.filter(key=key, status__in=ACTIVE).first() if key else None
        if active is None:
            raise
        return active
    job.refresh_from_db()
    return job


def _enqueue(job: Job) -> None:
    from .tasks import run_job

    result = run_job.enqueue(job.pk)
    Job.objects.filter(pk=job.pk, status=Status.QUEUED).update(task_id=str(result.id))


def cancel_job(*, job: Job) -> Job:
    """Cancel a job: one still queued at once; a running one at its next step (its worker sees the request
    at the next heartbeat). A finished job is left as it is."""
    now = timezone.now()
    Job.objects.filter(pk=job.pk, status=Status.QUEUED).update(
        status=Status.CANCELLED, finished_at=now, cancel_requested=True, step="Cancelled before it started"
    )
    Job.objects.filter(pk=job.pk, status=Status.RUNNING).update(cancel_requested=True)
    job.refresh_from_db()
    return job


def reap(now: dt.datetime | None = None) -> list[Job]:
    """Take back every running job whose worker has stopped renewing its lease (killed, or its machine
    lost): queued again if it has attempts left, else failed. Returns the jobs taken back. Any worker may
    call this at any time; each job is taken back once (the update is conditional on what was read)."""
    now = now or timezone.now()
    expired = Job.objects.filter(status=Status.RUNNING, heartbeat_at__lt=now - lease())
    taken = []
    for job in expired:
        worker, heartbeat = job.worker, job.heartbeat_at
        if job.attempts < job.max_attempts:
            changed = Job.objects.filter(
                pk=job.pk, status=Status.RUNNING, worker=worker, heartbeat_at=heartbeat
            ).update(
                status=Status.QUEUED,
                worker="",
                step=f"Waiting to start again: the worker running attempt {job.attempts} stopped",
                heartbeat_at=None,
            )
            if changed:
                with transaction.atomic():
                    _enqueue(job)
        else:
            changed = Job.objects.filter(
                pk=job.pk, status=Status.RUNNING, worker=worker, heartbeat_at=heartbeat
            ).update(
                status=Status.FAILED,
                finished_at=now,
                error=(
                    f"The worker running it stopped, {job.attempts} time{'s' if job.attempts > 1 else ''}:"
                    " start it again, and tell the service desk if it keeps failing"
                ),
            )
        if changed:
            _forget_task(job.task_id, now)
            logger.warning(
                "Job %s: worker %s stopped; %s",
                job.pk,
                worker,
                "requeued" if job.attempts < job.max_attempts else "failed",
            )
            job.refresh_from_db()
            taken.append(job)
    return taken


def _forget_task(task_id: str, now: dt.datetime) -> None:
    """Mark the queue's own record of a lost run failed too (the database backend leaves it running)."""
    if not task_id or "django_tasks_db" not in settings.INSTALLED_APPS:
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_id, status="RUNNING").update(status="FAILED", finished_at=now)


def run_schedules(now: dt.datetime | None = None) -> list[Job]:
    """Start every scheduled job that is due and has not been started for its key."""
    now = now or timezone.now()
    started = []
    for entry in registry.SCHEDULES.values():
        key = entry.due(now)
        if key and not Job.objects.filter(key=key).exists():
            # Another worker's keeper may start it first: then this one's insert is refused.
            with contextlib.suppress(IntegrityError):
                started.append(entry.start(key))
    return started
