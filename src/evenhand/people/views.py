"""Web views for finding and reading person records. Thin: everything shown comes through the door
(``evenhand.people.door`` and ``evenhand.cases.door``), which checks, logs and shapes."""

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from evenhand.audit.models import Channel
from evenhand.cases import door as case_door
from evenhand.core.spreadsheet import spreadsheet_safe
from evenhand.org.access import staff_of
from evenhand.people.access import can_see_identity

from . import door

# A caseload, even a PDU's, is a few thousand people at most; the cap stops a runaway export.
CSV_LIMIT = 10_000


@require_GET
def my_cases(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    title, page = case_door.caseload_page(viewer=staff, page=request.GET.get("page"), channel=Channel.UI)
    return render(request, "people/my_cases.html", {"title": title, "page": page, "now": timezone.now()})


@require_GET
def my_cases_csv(request: HttpRequest) -> HttpResponse:
    """The caseload as a spreadsheet. An export, so it goes in the access log."""
    staff = staff_of(request)
    _, rows = case_door.caseload_export(viewer=staff, channel=Channel.UI, limit=CSV_LIMIT)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="caseload.csv"'
    writer = csv.writer(response)
    writer.writerow(["CRN", "Name", "Tier", "RoSH", "Next appointment", "Outstanding enforcement decisions"])
    for row in rows:
        next_appointment = row.next_appointment
        writer.writerow(
            [
                spreadsheet_safe(row.person.crn or ""),
                spreadsheet_safe(row.person.display_name),
                row.tier or "",
                row.rosh or "",
                timezone.localtime(next_appointment).strftime("%Y-%m-%d %H:%M") if next_appointment else "",
                row.outstanding_enforcement,
            ]
        )
    return response


@require_GET
def person_search(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    query = request.GET.get("q", "").strip()[:100]
    page = door.search_people(viewer=staff, query=query, page=request.GET.get("page"), channel=Channel.UI)
    return render(
        request,
        "people/search.html",
        {"query": query, "page": page, "can_search": can_see_identity(staff)},
    )


@require_GET
def person_detail(request: HttpRequest, ref: str) -> HttpResponse:
    """The person record: summary, diversity where the role allows, sentences, timeline, enforcement, referrals.

    Staff address it by id; analysts by the opaque token the pseudonymised record links with.
    """
    staff = staff_of(request)
    record = case_door.open_person_page(
        viewer=staff, ref=ref, channel=Channel.UI, timeline_page=request.GET.get("page")
    )
    return render(
        request,
        "people/person_detail.html",
        {"page": record, "person": record.person, "lens": record.lens, "now": timezone.now()},
    )
