"""The head of PDU's review rounds: set one up and see the draw, confirm or discard it, read the results.
Thin: reads through the selectors (no person is shown: strata and counts, estimates), writes through one
service each. No JavaScript."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from evenhand.core.http import handle_form
from evenhand.disclosure import DisclosureError
from evenhand.org.access import staff_of

from . import publication, selectors, services
from .charts import result_figures
from .models import RoundStatus
from .report import round_report
from .results import round_results
from .round_forms import AssignReviewersForm, DrawRoundForm


@require_http_methods(["GET", "POST"])
def rounds(request: HttpRequest) -> HttpResponse:
    """The PDU's rounds, and the form to draw a new one."""
    staff = staff_of(request)
    listed = selectors.rounds_for(staff)
    form = DrawRoundForm(request.POST if request.method == "POST" else None)
    done = handle_form(
        request,
        form,
        lambda data: services.draw_round(by=staff, pdu=staff.team.pdu, **data),  # type: ignore[union-attr]
        success="Sample drawn: check it before confirming",
        then=lambda drawn: reverse("review-round", args=[drawn.pk]),
    )
    if done:
        return done
    return render(request, "review/rounds.html", {"rounds": listed, "form": form})


def _round_page(
    request: HttpRequest,
    page: selectors.RoundPage,
    form: AssignReviewersForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The round's page; the reviewers' form once it is confirmed (or as posted, with what was wrong)."""
    if form is None and page.round.status == RoundStatus.CONFIRMED:
        form = AssignReviewersForm(candidates=selectors.reviewer_candidates(page.round))
    results = round_results(page.round) if page.submitted else None
    figures = result_figures(results) if results else []
    context = {"page": page, "results": results, "figures": figures, "form": form}
    return render(request, "review/round.html", context, status=status)


@require_GET
def round_page(request: HttpRequest, round_id: int) -> HttpResponse:
    """A round: its draw by stratum, who reviews its cases once it is confirmed and, once reviews are in, the
    results."""
    return _round_page(request, selectors.round_for(staff_of(request), round_id))


@require_POST
def assign(request: HttpRequest, round_id: int) -> HttpResponse:
    """Give the confirmed round's cases not yet assigned to the reviewers chosen."""
    staff = staff_of(request)
    page = selectors.round_for(staff, round_id)
    form = AssignReviewersForm(request.POST, candidates=selectors.reviewer_candidates(page.round))
    done = handle_form(
        request,
        form,
        lambda _: services.assign_reviews(by=staff, round_id=round_id, reviewers=form.chosen()),
        success=_assigned,
        then=lambda _: reverse("review-round", args=[round_id]),
    )
    return done or _round_page(request, page, form, status=400)


def _assigned(made: services.Assignment) -> str:
    left = f"; {len(made.unassigned)} cases no chosen reviewer may review" if made.unassigned else ""
    return f"{made.assigned} reviews assigned{left}"


@require_POST
def confirm(request: HttpRequest, round_id: int) -> HttpResponse:
    staff = staff_of(request)
    selectors.round_for(staff, round_id)
    try:
        services.confirm_round(by=staff, round_id=round_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("review-round", round_id)


@require_POST
def discard(request: HttpRequest, round_id: int) -> HttpResponse:
    staff = staff_of(request)
    selectors.round_for(staff, round_id)
    try:
        services.discard_round(by=staff, round_id=round_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("review-round", round_id)


@require_GET
def report(request: HttpRequest, round_id: int) -> HttpResponse:
    """The round's report: findings, estimates by group, agreement, results against workload, actions."""
    staff = staff_of(request)
    return render(request, "review/report.html", {"report": round_report(staff, round_id)})


@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, round_id: int) -> HttpResponse:
    """GET: the confirmation (a report is published once and never changed); POST: publish the round's
    report, protected and audited, and go to its files."""
    staff = staff_of(request)
    if request.method == "GET":
        page, release = publication.release_of(staff, round_id)
        if release is not None:
            return redirect("review-round-release", round_id)
        return render(request, "review/publish.html", {"page": page})
    try:
        publication.publish(by=staff, round_id=round_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("review-round-report", round_id)
    except DisclosureError:
        messages.error(
            request, "The report could not be protected from disclosure, so nothing was published."
        )
        return redirect("review-round-report", round_id)
    messages.success(request, "Report published: protected, audited and kept as it is")
    return redirect("review-round-release", round_id)


@require_GET
def release(request: HttpRequest, round_id: int) -> HttpResponse:
    """The round's published report: who published it and when, its checksum and disclosure audit, and its
    files to download (each download in the access log)."""
    staff = staff_of(request)
    page, found = publication.release_of(staff, round_id)
    return render(
        request,
        "review/release.html",
        {"page": page, "release": found, "files": publication.FILE_NAMES},
    )


@require_GET
def release_file(request: HttpRequest, round_id: int, file_kind: str) -> HttpResponse:
    """One file of the round's published report exactly as stored, with the download logged."""
    staff = staff_of(request)
    found = publication.release_file(staff, round_id, file_kind)
    if found is None:
        raise Http404("No such file: the report is not published, or there is no file of that kind.")
    name, data = found
    response = HttpResponse(data, content_type=publication.FILES[file_kind][0])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
