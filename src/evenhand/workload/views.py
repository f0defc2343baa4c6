"""Web views for workload and allocation. Thin: the door shows people, selectors read, services write, access
says who may, and ``core.http.handle_form`` handles every form.

Workload: a practitioner's own figure (explained, with a trend and a forecast); the team, PDU and region views for
managers; reductions and counted tasks; the weighting tables. Allocation: the queue, the recommendation and
decision for one case, consultations, staff sensitivities, and the fairness report.
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from evenhand.audit.models import Channel
from evenhand.cases.models import Allocation
from evenhand.core.http import handle_form
from evenhand.org.access import staff_of
from evenhand.org.models import StaffMember

from . import access, door, selectors, services
from .forms import (
    REALLOCATION_REASONS,
    AllocationForm,
    CompleteTaskForm,
    ConsultationAnswerForm,
    ConsultationForm,
    CorrectionForm,
    EndReductionForm,
    ReductionForm,
    SensitivityForm,
    TaskForm,
    TrainingReductionForm,
    TransferForm,
)
from .rules import PQIP_DEFAULT_MONTHS, TIER_LETTERS
from .selectors.allocation import GRADE_CONFLICT


def _percent(value: Any) -> str:
    return "not available" if value is None else f"{value}%"


def _day_from(request: HttpRequest, today: dt.date) -> dt.date:
    """The date a figure is asked for (?on=2026-01-31), today when not given or not a date."""
    try:
        return dt.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return today


def _practitioner(staff_id: int) -> StaffMember:
    practitioner = selectors.case_holder(staff_id)
    if practitioner is None:
        raise Http404("No such practitioner.")
    return practitioner


# --- a practitioner's workload ------------------------------------------------------------------------------


def _workload_page(request: HttpRequest, viewer: StaffMember, practitioner: StaffMember) -> HttpResponse:
    today = timezone.localdate()
    day = _day_from(request, today)
    own = viewer.pk == practitioner.pk
    try:
        explained = door.explained_workload(
            viewer=viewer,
            practitioner=practitioner,
            day=day,
            today=today,
            channel=Channel.UI,
            with_waiting=own,
        )
    except selectors.NoWeightingInForce as error:
        raise Http404(str(error)) from None
    context = {
        "practitioner": practitioner,
        "own": own,
        "can_manage": access.manages(viewer, practitioner),
        "day": day,
        "today": today,
        "explained": explained,
        "figure": explained.figure,
        "trend": selectors.series(practitioner, selectors.trend_dates(today), today),
        "forecast": selectors.series(practitioner, selectors.forecast_dates(today), today),
        "reductions": selectors.reductions_of(practitioner),
        "open_tasks": explained.open_tasks,
        "waiting": explained.waiting,
        "nav_section": "my-workload",
    }
    return render(request, "workload/workload.html", context)


@require_GET
def my_workload(request: HttpRequest) -> HttpResponse:
    """A practitioner's own figure; managers and analysts go to the team or roll-up views."""
    staff = staff_of(request)
    if staff.role in access.MANAGER_ROLES and staff.pdu_id is not None:
        return redirect("team-workload")
    if staff.role in access.SERVICE_WIDE_VIEWERS:
        return redirect("region-workload")
    if not access.holds_cases(staff):
        raise PermissionDenied("Your role does not hold a caseload.")
    return _workload_page(request, staff, staff)


@require_GET
def staff_workload(request: HttpRequest, staff_id: int) -> HttpResponse:
    viewer = staff_of(request)
    practitioner = _practitioner(staff_id)
    access.ensure_can_view_workload_of(viewer, practitioner)
    return _workload_page(request, viewer, practitioner)


# --- teams, PDUs, regions ---------------------------------------------------------------------------------


def _choose(request: HttpRequest, options: QuerySet, parameter: str, default: Any) -> Any:
    """The unit named by ?<parameter>=<id> among those the viewer may see, or ``default``."""
    try:
        chosen = selectors.choose_unit(options, request.GET.get(parameter), default)
    except selectors.NoSuchUnit:
        raise Http404("No such unit, or you cannot see it") from None
    if chosen is None:
        raise Http404("Choose a unit to look at")
    return chosen


def _ensure_rollups(viewer: StaffMember, what: str) -> None:
    if not access.can_see_rollups(viewer):
        raise PermissionDenied(f"The {what} is for managers, analysts and inspectors.")


@require_GET
def team_workload(request: HttpRequest) -> HttpResponse:
    """Every PSO and PO in a team: grade, cases by tier, points, capacity, over capacity shown; sortable."""
    viewer = staff_of(request)
    _ensure_rollups(viewer, "team view")
    teams = access.teams_visible_to(viewer)
    team = _choose(request, teams, "team", selectors.default_team(teams, viewer))
    sort = request.GET.get("sort", "capacity")
    rows = selectors.team_workload(team, sort=sort)
    return render(
        request,
        "workload/team.html",
        {
            "team": team,
            "teams": selectors.teams_in_pdu(teams, team.pdu_id),
            "rows": rows,
            "over": sum(1 for row in rows if row.over_capacity),
            "sort": sort,
            "letters": TIER_LETTERS,
            "can_open": viewer.role in access.MANAGER_ROLES and viewer.pdu_id == team.pdu_id,
            "nav_section": "my-workload",
        },
    )


@require_GET
def team_forecast(request: HttpRequest) -> HttpResponse:
    viewer = staff_of(request)
    _ensure_rollups(viewer, "team forecast")
    teams = access.teams_visible_to(viewer)
    team = _choose(request, teams, "team", selectors.default_team(teams, viewer))
    today = timezone.localdate()
    staff = selectors.team_case_holders(team)
    return render(
        request,
        "workload/team_forecast.html",
        {
            "team": team,
            "now": selectors.team_series(staff, [today], team.name, today)[0],
            "forecast": selectors.team_series(staff, selectors.forecast_dates(today), team.name, today),
            "nav_section": "my-workload",
        },
    )


@require_GET
def pdu_workload(request: HttpRequest) -> HttpResponse:
    """Each team of a PDU added up: practitioners, how many are over capacity, points and capacity."""
    viewer = staff_of(request)
    _ensure_rollups(viewer, "PDU view")
    pdus = access.pdus_visible_to(viewer)
    pdu = _choose(request, pdus, "pdu", selectors.default_pdu(pdus, viewer))
    rows, total = selectors.pdu_rollup(pdu)
    return render(
        request,
        "workload/rollup.html",
        {
            "title": f"Workload in {pdu.name}",
            "unit": pdu,
            "unit_kind": "Team",
            "rows": rows,
            "total": total,
            "row_url": lambda row: f"{reverse('team-workload')}?team={row.key}",
            "up": (f"{reverse('region-workload')}?region={pdu.region_id}", f"Region: {pdu.region.name}"),
            "nav_section": "my-workload",
        },
    )


@require_GET
def region_workload(request: HttpRequest) -> HttpResponse:
    """Each PDU of a region added up."""
    viewer = staff_of(request)
    _ensure_rollups(viewer, "region view")
    regions = access.regions_visible_to(viewer)
    region = _choose(request, regions, "region", selectors.default_region(regions, viewer))
    rows, total = selectors.region_rollup(region)
    return render(
        request,
        "workload/rollup.html",
        {
            "title": f"Workload in {region.name}",
            "unit": region,
            "unit_kind": "PDU",
            "rows": rows,
            "total": total,
            "row_url": lambda row: f"{reverse('pdu-workload')}?pdu={row.key}",
            "regions": selectors.regions(regions) if viewer.role in access.SERVICE_WIDE_VIEWERS else None,
            "nav_section": "my-workload",
        },
    )


@require_GET
def weightings(request: HttpRequest) -> HttpResponse:
    """The weighting tables, every version: anyone may check the figures their workload is built from."""
    staff_of(request)
    return render(
        request,
        "workload/weightings.html",
        {"versions": selectors.weighting_versions(), "nav_section": "my-workload"},
    )


# --- reductions and tasks ---------------------------------------------------------------------------------


def _form_page(
    request: HttpRequest, title: str, form: Any, practitioner: StaffMember, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "workload/form_page.html",
        {"title": title, "form": form, "practitioner": practitioner, "nav_section": "my-workload", **extra},
    )


def _back_to(practitioner: StaffMember, viewer: StaffMember) -> str:
    if viewer.pk == practitioner.pk:
        return reverse("my-workload")
    return reverse("staff-workload", args=[practitioner.pk])


@require_http_methods(["GET", "POST"])
def record_reduction(request: HttpRequest, staff_id: int) -> HttpResponse:
    viewer = staff_of(request)
    practitioner = _practitioner(staff_id)
    access.ensure_manages(viewer, practitioner)
    form = ReductionForm(request.POST or None)
    done = handle_form(
        request,
        form,
        lambda data: services.record_reduction(by=viewer, staff=practitioner, **data),
        success="Reduction recorded",
        then=lambda _: _back_to(practitioner, viewer),
    )
    return done or _form_page(request, "Record a reduction", form, practitioner, submit="Record reduction")


@require_http_methods(["GET", "POST"])
def record_training_reduction(request: HttpRequest, staff_id: int) -> HttpResponse:
    viewer = staff_of(request)
    practitioner = _practitioner(staff_id)
    access.ensure_manages(viewer, practitioner)
    form = TrainingReductionForm(request.POST or None)

    def record(data: dict[str, Any]) -> object:
        if data["kind"] == "pqip":
            return services.record_pqip_reductions(
                by=viewer,
                staff=practitioner,
                training_start=data["start_date"],
                training_months=data["training_months"] or PQIP_DEFAULT_MONTHS,
            )
        return services.record_nqo_reduction(by=viewer, staff=practitioner, qualified_on=data["start_date"])

    done = handle_form(
        request, form, record, success="Reductions recorded", then=lambda _: _back_to(practitioner, viewer)
    )
    return done or _form_page(
        request, "Record a training or newly qualified schedule", form, practitioner, submit="Record"
    )


@require_http_methods(["GET", "POST"])
def end_reduction(request: HttpRequest, reduction_id: int) -> HttpResponse:
    viewer = staff_of(request)
    reduction = selectors.reduction(reduction_id)
    if reduction is None:
        raise Http404("No such reduction.")
    access.ensure_manages(viewer, reduction.staff)
    form = EndReductionForm(request.POST or None)
    done = handle_form(
        request,
        form,
        lambda data: services.end_reduction(by=viewer, reduction=reduction, **data),
        success="Reduction ended",
        then=lambda _: _back_to(reduction.staff, viewer),
    )
    return done or _form_page(
        request, f"End the reduction: {reduction}", form, reduction.staff, submit="End reduction"
    )


@require_http_methods(["GET", "POST"])
def record_task(request: HttpRequest, staff_id: int) -> HttpResponse:
    viewer = staff_of(request)
    practitioner = _practitioner(staff_id)
    if viewer.pk != practitioner.pk:
        access.ensure_manages(viewer, practitioner)
    form = TaskForm(request.POST or None, initial={"assigned_on": timezone.localdate()})
    done = handle_form(
        request,
        form,
        lambda data: services.record_task(by=viewer, practitioner=practitioner, **data),
        success="Task recorded",
        then=lambda _: _back_to(practitioner, viewer),
    )
    return done or _form_page(
        request, "Record a report or other counted task", form, practitioner, submit="Record task"
    )


@require_http_methods(["GET", "POST"])
def complete_task(request: HttpRequest, task_id: int) -> HttpResponse:
    viewer = staff_of(request)
    task = selectors.counted_task(task_id)
    if task is None:
        raise Http404("No such task.")
    if viewer.pk != task.practitioner_id:
        access.ensure_manages(viewer, task.practitioner)
    form = CompleteTaskForm(request.POST or None, initial={"completed_on": timezone.localdate()})
    done = handle_form(
        request,
        form,
        lambda data: services.complete_task(by=viewer, task=task, **data),
        success="Task completed",
        then=lambda _: _back_to(task.practitioner, viewer),
    )
    return done or _form_page(
        request, f"Complete: {task}", form, task.practitioner, submit="Mark as completed"
    )


# --- sensitivities and consultations ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def my_sensitivities(request: HttpRequest) -> HttpResponse:
    """Your own sensitivities, and a form to add one. Nobody else ever sees this page's content."""
    staff = staff_of(request)
    if not access.holds_cases(staff):
        raise PermissionDenied("Sensitivities are for practitioners, who hold cases.")
    form = SensitivityForm(request.POST or None)
    done = handle_form(
        request,
        form,
        lambda data: services.record_sensitivity(by=staff, **data),
        success="Sensitivity recorded",
        then=lambda _: "my-sensitivities",
    )
    return done or render(
        request,
        "workload/sensitivities.html",
        {
            "form": form,
            "sensitivities": list(selectors.sensitivities_of(staff)),
            "nav_section": "my-workload",
        },
    )


@require_POST
def remove_sensitivity(request: HttpRequest, sensitivity_id: int) -> HttpResponse:
    staff = staff_of(request)
    # Looked up among the viewer's own only: anyone else's answers 404, as if it did not exist.
    sensitivity = selectors.sensitivity_of(staff, sensitivity_id)
    if sensitivity is None:
        raise Http404("No such sensitivity.")
    services.remove_sensitivity(by=staff, sensitivity=sensitivity)
    messages.success(request, "Sensitivity removed")
    return redirect("my-sensitivities")


@require_http_methods(["GET", "POST"])
def answer_consultation(request: HttpRequest, consultation_id: str) -> HttpResponse:
    """The practitioner confirms, in their own account, that they were consulted and whether they agree.

    Through the door: only the practitioner consulted, and only while they may still open the person's record.
    """
    staff = staff_of(request, opening_record=True)
    opened = door.open_consultation(
        viewer=staff, consultation_id=consultation_id, channel=Channel.UI, purpose="Consultation"
    )
    form = ConsultationAnswerForm(request.POST or None)
    done = handle_form(
        request,
        form,
        lambda data: services.answer_consultation(by=staff, consultation=opened.consultation, **data),
        success="Your answer has been recorded",
        then=lambda _: "my-workload",
    )
    return done or render(
        request,
        "workload/answer_consultation.html",
        {"consultation": opened.record, "form": form, "nav_section": "my-workload"},
    )


# --- allocation -------------------------------------------------------------------------------------------


@require_GET
def allocation_queue(request: HttpRequest) -> HttpResponse:
    """Sentences in the manager's PDU that nobody holds yet, oldest first; each page logged as an export."""
    manager = staff_of(request)
    page = door.queue_page(viewer=manager, number=request.GET.get("page"), channel=Channel.UI)
    return render(
        request,
        "workload/queue.html",
        {"page": page, "today": timezone.localdate(), "nav_section": "allocation-queue"},
    )


# Eligible practitioners listed on the allocation page before "show all".
SHORTLIST = 30


def _label(candidate: selectors.Candidate) -> str:
    figure = candidate.figure
    return f"{figure.name} ({figure.grade})"


@require_http_methods(["GET", "POST"])
def allocate(request: HttpRequest, sentence_id: str) -> HttpResponse:
    """The recommendation for one case and the manager's decision."""
    manager = staff_of(request, opening_record=True)
    case = door.open_queued_sentence(
        viewer=manager, sentence_id=sentence_id, channel=Channel.UI, purpose="Allocation"
    )
    advice = selectors.recommendation(case.sentence)
    # A case held by a practitioner of this PDU is reallocated, with a reason from the reallocation list; a new
    # case, or one transferred in and still held in the sending PDU, is allocated.
    current = selectors.current_allocation(case.sentence.pk)
    reallocating = current is not None and current.practitioner.pdu_id == manager.pdu_id
    form = AllocationForm(
        request.POST or None,
        practitioners=[(c.staff_id, _label(c)) for c in advice.eligible],
        initial={"start_date": timezone.localdate()},
    )
    if reallocating:
        form.fields["reason"].choices = REALLOCATION_REASONS  # type: ignore[attr-defined]
        form.fields["reason"].initial = None
        decide = services.reallocate_case
    else:
        decide = services.allocate_case

    def allocated(allocation: Allocation) -> str:
        return (
            f"{case.person.display_name}'s case allocated to {allocation.practitioner.full_name}: capacity "
            f"from {_percent(allocation.capacity_before)} to {_percent(allocation.capacity_after)}"
        )

    done = handle_form(
        request,
        form,
        lambda data: decide(
            by=manager,
            sentence=case.sentence,
            practitioner=_practitioner(data["practitioner"]),
            reason=data["reason"],
            rationale=data["rationale"],
            start_date=data["start_date"],
        ),
        success=allocated,
        then=lambda _: "allocation-queue",
    )
    if done:
        return done
    # A big PDU has hundreds of practitioners: show the first few of the recommendation (and anyone already
    # consulted) unless asked for all. The form accepts any eligible practitioner either way.
    eligible = advice.eligible
    show_all = request.GET.get("all") == "1" or len(eligible) <= SHORTLIST
    shown = [c for n, c in enumerate(eligible) if show_all or n < SHORTLIST or c.consultation is not None]
    chosen = form["practitioner"].value()
    if chosen and str(chosen).isdigit() and int(chosen) not in {c.staff_id for c in shown}:
        shown += [c for c in eligible if c.staff_id == int(chosen)]
    ineligible = [c for c in advice.candidates if not c.eligible]
    return render(
        request,
        "workload/allocate.html",
        {
            "case": case,
            "sentence": case.record,
            "person": case.person,
            "risk": case.risk,
            "advice": advice,
            "shown": shown,
            "hidden": len(eligible) - len(shown),
            "listed_ineligible": [c for c in ineligible if c.conflicts != [GRADE_CONFLICT]],
            "grade_only": len([c for c in ineligible if c.conflicts == [GRADE_CONFLICT]]),
            "form": form,
            "consultations": selectors.consultations_about(case.sentence.pk),
            "current": current,
            "reallocating": reallocating,
            "correctable": current is not None
            and timezone.localdate(current.allocated_at) == timezone.localdate(),
            "nav_section": "allocation-queue",
        },
    )


@require_http_methods(["GET", "POST"])
def record_consultation(request: HttpRequest, sentence_id: str) -> HttpResponse:
    manager = staff_of(request, opening_record=True)
    case = door.open_queued_sentence(
        viewer=manager, sentence_id=sentence_id, channel=Channel.UI, purpose="Record a consultation"
    )
    advice = selectors.recommendation(case.sentence)
    chosen = request.GET.get("practitioner", "")
    form = ConsultationForm(
        request.POST or None,
        practitioners=[(c.staff_id, _label(c)) for c in advice.eligible],
        initial={
            "consulted_on": timezone.localdate(),
            "practitioner": int(chosen) if chosen.isascii() and chosen.isdigit() else None,
        },
    )
    done = handle_form(
        request,
        form,
        lambda data: services.record_consultation(
            by=manager,
            sentence=case.sentence,
            practitioner=_practitioner(data["practitioner"]),
            consulted_on=data["consulted_on"],
            notes=data["notes"],
        ),
        success=lambda consultation: (
            f"Consultation recorded. {consultation.practitioner.full_name} now confirms it in their own account "
            "before you can allocate the case to them."
        ),
        then=lambda _: reverse("allocate-case", args=[case.sentence.pk]),
    )
    return done or render(
        request,
        "workload/record_consultation.html",
        {"sentence": case.record, "person": case.person, "form": form, "nav_section": "allocation-queue"},
    )


@require_GET
def allocation_fairness(request: HttpRequest) -> HttpResponse:
    """By ethnic group of the person: the grade allocated at each tier and the days from sentence to allocation."""
    viewer = staff_of(request)
    region = pdu = None
    if viewer.role in access.MANAGER_ROLES and viewer.pdu_id is not None:
        pdu = selectors.default_pdu(access.pdus_visible_to(viewer), viewer)
    elif viewer.role in access.SERVICE_WIDE_VIEWERS:
        # Nationally unless a PDU or region is asked for by id.
        if request.GET.get("pdu", "").isdigit():
            pdu = _choose(request, access.pdus_visible_to(viewer), "pdu", None)
        elif request.GET.get("region", "").isdigit():
            region = _choose(request, access.regions_visible_to(viewer), "region", None)
    else:
        raise PermissionDenied("The fairness report is for managers, analysts and inspectors.")
    report = selectors.allocation_fairness(region=region, pdu=pdu)
    return render(
        request,
        "workload/fairness.html",
        {
            "report": report,
            "scope": pdu.name if pdu else region.name if region else "England and Wales",
            "regions": selectors.regions(access.regions_visible_to(viewer))
            if viewer.role in access.SERVICE_WIDE_VIEWERS
            else None,
            "nav_section": "allocation-queue" if viewer.role in access.MANAGER_ROLES else "my-workload",
        },
    )


def _case_form_page(request: HttpRequest, case: Any, title: str, form: Any, submit: str) -> HttpResponse:
    return render(
        request,
        "workload/case_form.html",
        {
            "title": title,
            "submit": submit,
            "form": form,
            "person": case.person,
            "sentence": case.record,
            "nav_section": "allocation-queue",
        },
    )


@require_GET
def allocation_history(request: HttpRequest, sentence_id: str) -> HttpResponse:
    """Who has been responsible for the sentence, who decided and why, with its transfers and corrections."""
    viewer = staff_of(request, opening_record=True)
    history = door.allocation_history(
        viewer=viewer, sentence_id=sentence_id, channel=Channel.UI, purpose="Allocation history"
    )
    return render(
        request,
        "workload/allocation_history.html",
        {"sentence": history.sentence, "person": history.person, "events": history.events},
    )


@require_http_methods(["GET", "POST"])
def transfer(request: HttpRequest, sentence_id: str) -> HttpResponse:
    """Transfer the person to another PDU: a senior probation officer or head of the sending PDU decides; the
    case enters the receiving PDU's queue and its practitioner stays responsible until it is allocated there."""
    manager = staff_of(request, opening_record=True)
    case = door.open_queued_sentence(
        viewer=manager, sentence_id=sentence_id, channel=Channel.UI, purpose="Transfer"
    )
    form = TransferForm(
        request.POST or None, pdus=[(pdu.pk, pdu.name) for pdu in selectors.other_pdus(manager.pdu_id)]
    )
    done = handle_form(
        request,
        form,
        lambda data: services.transfer_person(
            by=manager,
            person=case.sentence.person,
            to_pdu=selectors.pdu_by_id(data["to_pdu"]),
            reason=data["reason"],
        ),
        success=lambda transfers: (
            f"{case.person.display_name} transferred to {transfers[0].to_pdu.name}: the case is in their "
            "allocation queue"
        ),
        then=lambda _: "allocation-queue",
    )
    return done or _case_form_page(
        request, case, f"Transfer {case.person.display_name} to another PDU", form, "Transfer"
    )


@require_http_methods(["GET", "POST"])
def correct_allocation(request: HttpRequest, sentence_id: str) -> HttpResponse:
    """Correct today's allocation of a case, made in error: a correction record, never an edit."""
    manager = staff_of(request, opening_record=True)
    case = door.open_queued_sentence(
        viewer=manager, sentence_id=sentence_id, channel=Channel.UI, purpose="Correct an allocation"
    )
    current = selectors.current_allocation(case.sentence.pk)
    if current is None:
        # The record was opened (and logged): say why there is nothing to correct rather than "not found".
        return _case_form_page(request, case, "There is no allocation to correct", None, "")
    advice = selectors.recommendation(case.sentence)
    form = CorrectionForm(
        request.POST or None,
        practitioners=[
            (c.staff_id, _label(c)) for c in advice.eligible if c.staff_id != current.practitioner_id
        ],
    )
    done = handle_form(
        request,
        form,
        lambda data: services.correct_allocation(
            by=manager,
            allocation=current,
            practitioner=_practitioner(data["practitioner"]),
            reason=data["reason"],
        ),
        success=lambda correction: (
            f"Allocation corrected: {case.person.display_name}'s case is with "
            f"{correction.replacement.practitioner.full_name}"
        ),
        then=lambda _: "allocation-queue",
    )
    return done or _case_form_page(
        request,
        case,
        f"Correct the allocation to {current.practitioner.full_name}",
        form,
        "Correct the allocation",
    )
