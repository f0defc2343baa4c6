"""The access log, for administrators."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from evenhand.core.http import paginate
from evenhand.org.access import staff_of
from evenhand.org.models import Role

from .models import AccessLogEntry


@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    if staff.role != Role.ADMIN:
        raise PermissionDenied("Only administrators can read the access log.")
    entries = AccessLogEntry.objects.select_related("staff").order_by("-at", "-pk")
    staff_code = request.GET.get("staff", "").strip()
    person_id = request.GET.get("person", "").strip()
    if staff_code:
        entries = entries.filter(staff__staff_code=staff_code)
    if person_id.isdigit():
        entries = entries.filter(person_id=int(person_id))
    return render(
        request,
        "audit/access_log.html",
        {"page": paginate(request, entries, per_page=50), "staff_code": staff_code, "person_id": person_id},
    )
