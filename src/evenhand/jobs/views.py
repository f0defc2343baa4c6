"""A job's status page (progress bar, result, failure) and its cancel button. No JavaScript: while the job
runs the page refreshes itself (a meta refresh) and offers a "check again" link."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from evenhand.org.access import staff_of
from evenhand.org.models import Role, StaffMember

from . import registry, selectors, services
from .models import Job

# Seconds between refreshes of a running job's page.
REFRESH_SECONDS = 3


def _job(staff: StaffMember, job_id: int) -> Job:
    job = selectors.job_for(staff, job_id)
    if job is None:
        raise Http404("There is no job with this number that you can follow.")
    return job


def _who(job: Job, viewer: StaffMember) -> str:
    """Who started the job, as the viewer may read it: analysts see no staff names."""
    if job.started_by is None:
        return "Evenhand (scheduled)"
    if job.started_by_id == viewer.pk:
        return "You"
    if viewer.role == Role.ANALYST:
        return "Another member of staff"
    return job.started_by.full_name


@require_GET
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    staff = staff_of(request)
    job = _job(staff, job_id)
    kind = registry.KINDS.get(job.kind)
    context = {
        "job": job,
        "title": kind.title(job.parameters) if kind else job.kind,
        "links": kind.links(job) if kind and job.status == "succeeded" else [],
        "refresh": REFRESH_SECONDS if job.active else None,
        "started_by": _who(job, staff),
    }
    return render(request, "jobs/job.html", context)


@require_POST
def cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    staff = staff_of(request)
    job = services.cancel_job(job=_job(staff, job_id))
    if job.status == "cancelled":
        messages.success(request, "The job is cancelled.")
    elif job.active:
        messages.success(request, "The job will stop at its next step.")
    return redirect("job", job_id=job.pk)
