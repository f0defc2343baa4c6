"""Reading jobs: one for its status page (if the viewer may follow it), and what the queue holds."""

from django.db.models import Count

from evenhand.org.models import StaffMember

from . import registry
from .models import ACTIVE, Job, Status


def job_for(staff: StaffMember, job_id: int) -> Job | None:
    """The job, if ``staff`` may follow it: whoever started it, and whoever its kind lets follow it (the
    equality roles follow the equality jobs). None otherwise: a job someone may not follow is no job to them."""
    job = Job.objects.filter(pk=job_id).select_related("started_by").first()
    if job is None:
        return None
    if job.started_by_id is not None and job.started_by_id == staff.pk:
        return job
    found = registry.KINDS.get(job.kind)
    return job if found is not None and found.may_follow(staff, job) else None


def latest(*, key: str) -> Job | None:
    """The most recent job of a key (the same work asked for before), whatever its status."""
    return Job.objects.filter(key=key).order_by("-created_at", "-id").first()


def queue_length() -> dict[str, int]:
    """Jobs waiting and running, by status."""
    counts = dict(Job.objects.filter(status__in=ACTIVE).values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in (Status.QUEUED, Status.RUNNING)}


def recent(count: int) -> list[Job]:
    """The latest jobs, newest first."""
    return list(Job.objects.order_by("-created_at", "-id")[:count])
