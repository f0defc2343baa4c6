"""Web views for finding people. Thin: the door (``evenhand.people.door``) checks, logs and shapes.

A person's whole record and the caseload ("My cases") show their sentences and contacts, so they are case
pages: ``evenhand.cases.views``.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from evenhand.audit.models import Channel
from evenhand.org.access import staff_of
from evenhand.people.access import can_see_identity

from . import door


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
