"""The access log, for administrators."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from evenhand.org.access import staff_of
from evenhand.org.models import Role

from . import selectors


@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    staff = staff_of(request)
    if staff.role != Role.ADMIN:
        raise PermissionDenied("Only administrators can read the access log.")
    staff_code = request.GET.get("staff", "").strip()
    person_id = request.GET.get("person", "").strip()
    page = selectors.access_log_page(staff_code=staff_code, person=person_id, page=request.GET.get("page"))
    return render(
        request, "audit/access_log.html", {"page": page, "staff_code": staff_code, "person_id": person_id}
    )
