"""A practitioner's own case review results, seen only by them and their line manager (issue 15 item 4).
Thin: everything loads through the door, which refuses and logs anyone else."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from evenhand.audit.models import Channel
from evenhand.org.access import staff_of

from . import door


@require_GET
def my_results(request: HttpRequest) -> HttpResponse:
    """The signed-in member of staff's own results, and the people whose results they line-manage."""
    staff = staff_of(request)
    results = door.practitioner_results(viewer=staff, staff_code=staff.staff_code, channel=Channel.UI)
    return render(
        request,
        "review/results.html",
        {"results": results, "managed": door.team_for_results(staff)},
    )


@require_GET
def staff_results(request: HttpRequest, staff_code: str) -> HttpResponse:
    """One practitioner's results, for them and their line manager."""
    staff = staff_of(request)
    results = door.practitioner_results(viewer=staff, staff_code=staff_code, channel=Channel.UI)
    return render(request, "review/results.html", {"results": results, "managed": []})
