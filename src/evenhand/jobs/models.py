"""A job: one piece of long work (an analysis, a publication, an import, a generation) run by a worker.

The task queue (django-tasks) only carries the job's id; this row is what people see: its progress, its
result, and who asked for it. A worker holds a running job on a lease that its heartbeat renews, so that a
worker killed mid-job leaves a lease that runs out, and the job is then retried or failed
(:func:`~evenhand.jobs.services.reap`), never left running.
"""

from django.db import models

from evenhand.org.models import StaffMember


class Status(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE = (Status.QUEUED, Status.RUNNING)
FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)


class Job(models.Model):
    kind = models.CharField(max_length=40, help_text="What the job does: a kind from the registry")
    parameters = models.JSONField(default=dict)
    # Identical work asked for again while the first is queued or running joins it (the dashboard's
    # analyses, the nightly precomputation): one active job per key, enforced by the database.
    key = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(default=0.0, help_text="From 0 to 1")
    step = models.CharField(max_length=200, blank=True, help_text="What the job is doing now")
    started_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=100, blank=True, help_text="The worker holding it while it runs")
    task_id = models.CharField(max_length=64, blank=True, help_text="The task queue's id of its latest run")
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=2)
    cancel_requested = models.BooleanField(default=False)
    result = models.JSONField(
        default=dict, blank=True, help_text="What the job made: a reference to its stored result or files"
    )
    error = models.TextField(blank=True, help_text="Why it failed, in words for whoever asked")
    error_field = models.CharField(max_length=40, blank=True, help_text="The parameter the failure is about")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"]),
            models.Index(fields=["key", "-created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(status__in=["queued", "running"]) & ~models.Q(key=""),
                name="one_active_job_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.kind}, {self.status})"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def percent(self) -> int:
        return 100 if self.status == Status.SUCCEEDED else round(100 * min(max(self.progress, 0.0), 1.0))
