"""Running one job on a worker: claim it, report its progress, keep its lease, record how it ended.

The work reports progress through a :class:`Reporter` (the same ``progress`` callbacks the commands give
rich); a heartbeat thread writes it to the job every ``JOB_HEARTBEAT_SECONDS`` on a connection of its own,
so a job whose work runs in one long transaction (a generation) still shows its progress, and renews the
lease. The heartbeat also brings back a cancel request, which stops the work at its next step.
"""

import logging
import os
import socket
import threading
import time
import traceback
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from . import metrics, registry
from .models import Job, Status

logger = logging.getLogger(__name__)


class Cancelled(Exception):
    """Somebody cancelled the job while it ran."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


class Reporter:
    """What a running job says about itself: the step it is on and how far through it is (0 to 1).

    ``say(text)`` counts a step of the ``steps`` expected; ``fraction(done, total, text)`` sets it outright.
    Each call raises :class:`Cancelled` once a cancel has been asked for."""

    def __init__(self, job: Job, steps: int) -> None:
        self.job_id = job.pk
        self.worker = job.worker
        self.steps = max(steps, 1)
        self.done = 0
        self.step = ""
        self.progress = 0.0
        self.cancelled = False
        self.lock = threading.Lock()

    def say(self, text: str) -> None:
        with self.lock:
            self.done += 1
            self.step = text[:200]
            self.progress = min(self.done / self.steps, 0.99)
        self._checkpoint()

    def fraction(self, done: float, total: float, text: str | None = None) -> None:
        with self.lock:
            self.progress = min(max(done / total if total else 0.0, 0.0), 0.99)
            if text is not None:
                self.step = text[:200]
        self._checkpoint()

    def _checkpoint(self) -> None:
        if settings.JOB_HEARTBEAT_SECONDS <= 0:
            self.flush()  # no heartbeat thread (the tests' immediate backend): write now
        if self.cancelled:
            raise Cancelled()

    def flush(self) -> bool:
        """Write the progress, renew the lease and read back a cancel request; False if the job is no longer
        this worker's (taken back after its lease ran out)."""
        with self.lock:
            progress, step = self.progress, self.step
        changed = Job.objects.filter(pk=self.job_id, status=Status.RUNNING, worker=self.worker).update(
            progress=progress, step=step, heartbeat_at=timezone.now()
        )
        if Job.objects.filter(pk=self.job_id, cancel_requested=True).exists():
            self.cancelled = True
        return bool(changed)


class Heartbeat(threading.Thread):
    """Flushes a reporter every ``JOB_HEARTBEAT_SECONDS`` until stopped."""

    def __init__(self, reporter: Reporter) -> None:
        super().__init__(name=f"heartbeat-{reporter.job_id}", daemon=True)
        self.reporter = reporter
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
                try:
                    self.reporter.flush()
                except Exception:  # a locked SQLite database, a dropped connection: try again next beat
                    logger.warning("Job %s: heartbeat failed", self.reporter.job_id, exc_info=True)
        finally:
            connection.close()


def run(job_id: int) -> None:
    """Run the job if it is still queued: claim it, do the work, record the result or the failure."""
    me = worker_name()
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Status.QUEUED, cancel_requested=False)
    job = claimed.first()
    if job is None or not claimed.update(
        status=Status.RUNNING,
        worker=me,
        started_at=job.started_at or now,
        heartbeat_at=now,
        attempts=job.attempts + 1,
        step="Starting",
        progress=0.0,
    ):
        return  # cancelled, or already taken by another worker
    job.refresh_from_db()
    kind = registry.KINDS.get(job.kind)
    if kind is None:  # a job of a kind this release no longer has
        Job.objects.filter(pk=job.pk, worker=me).update(
            status=Status.FAILED, finished_at=timezone.now(), error=f"There is no kind of job '{job.kind}'"
        )
        return
    began = time.monotonic()
    reporter = Reporter(job, kind.steps(job.parameters))
    heartbeat = Heartbeat(reporter) if settings.JOB_HEARTBEAT_SECONDS > 0 else None
    if heartbeat:
        heartbeat.start()
    outcome: dict[str, Any]
    try:
        result = kind.run(job, reporter)
        outcome = {"status": Status.SUCCEEDED, "result": result, "progress": 1.0, "step": "Finished"}
    except Cancelled:
        outcome = {"status": Status.CANCELLED, "step": "Cancelled"}
    except registry.JobFailed as failed:
        outcome = {"status": Status.FAILED, "error": str(failed), "error_field": failed.field}
    except Exception as error:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        last = traceback.format_exception_only(error)[-1].strip()
        outcome = {"status": Status.FAILED, "error": f"It stopped with an error: {last}"[:2000]}
    finally:
        if heartbeat:
            heartbeat.stopped.set()
            heartbeat.join()
    # Only if the job is still this worker's: one taken back after its lease ran out belongs to its retry.
    Job.objects.filter(pk=job.pk, status=Status.RUNNING, worker=me).update(
        finished_at=timezone.now(), **outcome
    )
    metrics.observe(job.kind, str(outcome["status"]), time.monotonic() - began)
