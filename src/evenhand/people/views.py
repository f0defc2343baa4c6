"""Web views for finding and reading person records. Thin: selectors read, the access log records."""

import csv

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from evenhand.audit.models import Channel
from evenhand.audit.services import log_export, log_person_view, log_refused_view
from evenhand.cases import selectors as case_selectors
from evenhand.cases.models import Allocation
from evenhand.core.http import paginate, staff_of
from evenhand.org.models import Role, StaffMember

from .access import can_record_casework, can_see_diversity, can_see_identity, pseudonym, visible_people
from .models import Person
from .selectors import person_for, search_people

# A caseload, even a PDU's, is a few thousand people at most; the cap stops a runaway export.
CSV_LIMIT = 10_000


def spreadsheet_safe(text: str) -> str:
    """Stop a cell being run as a formula when the file is opened in a spreadsheet (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _caseload_for(staff: StaffMember) -> tuple[str, QuerySet[Person]]:
    """What "My cases" lists: a practitioner's own caseload, a manager's team or PDU."""
    if staff.role == Role.PRACTITIONER:
        return "My cases", case_selectors.caseload(staff)
    if staff.role == Role.SPO and staff.team_id:
        in_team = Allocation.objects.filter(
            sentence__person=OuterRef("pk"), practitioner__team_id=staff.team_id, end_date__isnull=True
        )
        people = visible_people(staff).filter(Exists(in_team))
        return f"Cases in {staff.team}", case_selectors.with_case_summary(people).order_by("last_name", "pk")
    if staff.role == Role.HEAD_OF_PDU and staff.pdu_id is not None:
        people = visible_people(staff).filter(pdu_id=staff.pdu_id)
        return "Cases in the PDU", case_selectors.with_case_summary(people).order_by("last_name", "pk")
    return "", case_selectors.with_case_summary(Person.objects.none())


@require_GET
def my_cases(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    title, people = _caseload_for(staff)
    return render(
        request,
        "people/my_cases.html",
        {"title": title, "page": paginate(request, people) if title else None, "now": timezone.now()},
    )


@require_GET
def my_cases_csv(request: HttpRequest) -> HttpResponse:
    """The caseload as a spreadsheet. An export, so it goes in the access log."""
    staff = staff_of(request)
    title, people = _caseload_for(staff)
    # The annotations come from with_case_summary(), which the type checker cannot follow through the helper.
    rows = list(
        people.values(  # type: ignore[misc]
            "pk",
            "crn",
            "first_name",
            "last_name",
            "tier",
            "rosh",
            "next_appointment",
            "outstanding_enforcement",
        )[:CSV_LIMIT]
    )
    log_export(
        staff=staff, channel=Channel.UI, detail=f"Caseload CSV: {title}", person_ids=[p["pk"] for p in rows]
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="caseload.csv"'
    writer = csv.writer(response)
    writer.writerow(["CRN", "Name", "Tier", "RoSH", "Next appointment", "Outstanding enforcement decisions"])
    for row in rows:
        next_appointment = row["next_appointment"]
        writer.writerow(
            [
                row["crn"],
                spreadsheet_safe(f"{row['first_name']} {row['last_name']}"),
                row["tier"] or "",
                row["rosh"] or "",
                timezone.localtime(next_appointment).strftime("%Y-%m-%d %H:%M") if next_appointment else "",
                row["outstanding_enforcement"] or 0,
            ]
        )
    return response


@require_GET
def person_search(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    query = request.GET.get("q", "").strip()
    results = search_people(staff, query)
    return render(
        request,
        "people/search.html",
        {
            "query": query,
            "page": paginate(request, results) if query else None,
            "can_search": can_see_identity(staff),
        },
    )


@require_GET
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    """The person record: summary, diversity where the role allows, sentences, timeline, enforcement, referrals."""
    staff = staff_of(request)
    try:
        person = person_for(staff, person_id)
    except PermissionDenied:
        log_refused_view(staff=staff, person_id=person_id, channel=Channel.UI)
        raise
    log_person_view(staff=staff, person_id=person.pk, channel=Channel.UI)
    show_identity = can_see_identity(staff)
    context = {
        "person": person,
        "show_identity": show_identity,
        "display_name": person.full_name if show_identity else pseudonym(person.pk),
        "diversity": person.diversity if can_see_diversity(staff) else None,
        "can_record": can_record_casework(staff),
        "risk": case_selectors.current_risk(person),
        "sentences": list(case_selectors.sentences_of(person)),
        "timeline": paginate(request, case_selectors.timeline(person), per_page=20),
        "decisions": list(case_selectors.enforcement_history(person)[:50]),
        "referrals": list(case_selectors.referrals_of(person)[:50]),
        "assessments": list(person.assessments.all()[:10]),
        "outstanding": list(case_selectors.outstanding_failures(person)[:20]),
        "now": timezone.now(),
    }
    return render(request, "people/person_detail.html", context)
