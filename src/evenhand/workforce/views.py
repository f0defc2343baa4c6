"""The staff member's own equality profile: the one page that shows an individual's declarations, and only
ever the signed-in staff member's (there is no parameter that could name anyone else)."""

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from evenhand.core.http import handle_form
from evenhand.org.access import staff_of

from . import services
from .access import ensure_can_see_aggregates, ensure_can_see_pdu_figures
from .forms import FiguresForm, PduFiguresForm, ProfileForm, PublishForm
from .jobs import start_publication
from .measures import analyst_workforce_report, pdu_workforce_report
from .publication import FILES, file_name
from .selectors import declaration_rates, my_profile, release_file, releases


@require_http_methods(["GET", "POST"])
def my_equality_profile(request: HttpRequest) -> HttpResponse:
    """See and update one's own equality profile, with why it is asked and who sees what."""
    staff = staff_of(request)
    profile = my_profile(staff)
    form = ProfileForm(request.POST or None, initial={a.characteristic: a.value for a in profile.answers})

    def save(data: dict[str, Any]) -> Any:
        return services.declare(by=staff, staff=staff, answers=data)

    done = handle_form(
        request,
        form,
        save,
        success=lambda made: "Your equality profile has been updated" if made else "Nothing has changed",
        then=lambda made: reverse("my-equality-profile"),
    )
    if done is not None:
        return done
    return render(request, "workforce/profile.html", {"form": form, "profile": profile})


@require_GET
def workforce_figures(request: HttpRequest) -> HttpResponse:
    """The HR analyst's workforce figures: declaration rates by region, and the measures of the last 12
    months for a unit, split by a characteristic, every group under the smallest group compared shown without
    its counts or figures. Counts and rates only; for HR analysts (403 otherwise)."""
    staff = staff_of(request)
    ensure_can_see_aggregates(staff)
    form = FiguresForm(request.GET or None)
    characteristic, unit = "ethnic_group", "national"
    if form.is_bound and form.is_valid():
        characteristic = form.cleaned_data["characteristic"] or characteristic
        unit = form.cleaned_data["unit"].strip().upper() or unit
    end = timezone.localdate()
    start = end - dt.timedelta(days=365)
    report, problem = None, ""
    try:
        report = analyst_workforce_report(
            staff, start=start, end=end, characteristic=characteristic, unit=unit
        )
    except ValueError as error:
        problem = str(error)
    return render(
        request,
        "workforce/figures.html",
        {"form": form, "rates": declaration_rates(staff), "report": report, "problem": problem},
    )


@require_GET
def pdu_workforce_figures(request: HttpRequest) -> HttpResponse:
    """A head of PDU's workforce figures: the measures of the last 12 months for their own PDU's staff, split
    by a characteristic, with the declaration rule applied to the PDU and small groups' figures hidden. No
    parameter names a unit or a person; for heads of PDU only (403 otherwise)."""
    staff = staff_of(request)
    ensure_can_see_pdu_figures(staff)
    form = PduFiguresForm(request.GET or None)
    characteristic = "ethnic_group"
    if form.is_bound and form.is_valid():
        characteristic = form.cleaned_data["characteristic"] or characteristic
    end = timezone.localdate()
    report = pdu_workforce_report(
        staff, start=end - dt.timedelta(days=365), end=end, characteristic=characteristic
    )
    return render(request, "workforce/pdu_figures.html", {"form": form, "report": report})


@require_http_methods(["GET", "POST"])
def workforce_releases(request: HttpRequest) -> HttpResponse:
    """The published workforce reports, each with who published it, when, its checksum and the disclosure
    audit's result, and its files to download; and the form that publishes a period's report for a unit, as a
    job on the task queue (its page shows the progress and links to the files). For HR analysts (403
    otherwise)."""
    staff = staff_of(request)
    ensure_can_see_aggregates(staff)
    form = PublishForm(request.POST or None)

    def start(data: dict[str, Any]) -> Any:
        return start_publication(period=data["period"], unit=data["unit"], by=staff)

    done = handle_form(
        request,
        form,
        start,
        success=lambda job: (
            f"Publishing the workforce report for {job.parameters['unit']}, {job.parameters['period']}"
        ),
        then=lambda job: reverse("job", args=[job.pk]),
    )
    if done is not None:
        return done
    return render(
        request,
        "workforce/releases.html",
        {"releases": releases(staff), "files": FILES, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
def workforce_release_file(request: HttpRequest, release_id: int, file_kind: str) -> HttpResponse:
    """One file of a published workforce report exactly as stored (HTML, spreadsheet or disclosure manifest),
    with the download in the access log; for HR analysts (403 otherwise)."""
    staff = staff_of(request)
    ensure_can_see_aggregates(staff)
    if file_kind not in FILES:
        raise Http404("No such file.")
    found = release_file(staff, release_id, file_kind)
    if found is None:
        raise Http404("No such workforce report has been published.")
    release, data = found
    response = HttpResponse(data, content_type=FILES[file_kind][0])
    response["Content-Disposition"] = f'attachment; filename="{file_name(release, file_kind)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
