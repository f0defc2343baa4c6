"""Web views for workload and allocation. Thin: selectors read, services write, access says who may.

Workload: a practitioner's own figure (explained, with a trend and a forecast); the team, PDU and region views for
managers; reductions and counted tasks; the weighting tables. Allocation: the queue, the recommendation and
decision for one case, consultations, staff sensitivities, and the fairness report.
"""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from evenhand.audit.models import Channel
from evenhand.audit.services import log_person_view
from evenhand.cases.models import Sentence
from evenhand.core.http import add_service_errors, paginate
from evenhand.org.access import staff_of
from evenhand.org.models import PDU, Region, Role, StaffMember, Team
from evenhand.people.access import ensure_can_record

from . import access, selectors, services
from .forms import (
    AllocationForm,
    CompleteTaskForm,
    ConsultationAnswerForm,
    ConsultationForm,
    EndReductionForm,
    ReductionForm,
    SensitivityForm,
    TaskForm,
    TrainingReductionForm,
)
from .models import CapacityReduction, Consultation, CountedTask, WeightingVersion
from .rules import PQIP_DEFAULT_MONTHS, TIER_LETTERS
from .selectors.allocation import GRADE_CONFLICT
from .selectors.figures import CASE_HOLDING_GRADES


def _percent(value: Any) -> str:
    return "not available" if value is None else f"{value}%"


def _day_from(request: HttpRequest, today: dt.date) -> dt.date:
    """The date a figure is asked for (?on=2026-01-31), today when not given or not a date."""
    try:
        return dt.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return today


def _practitioner(staff_id: int) -> StaffMember:
    return get_object_or_404(
        StaffMember.objects.select_related("team", "team__pdu"), pk=staff_id, grade__in=CASE_HOLDING_GRADES
    )


# --- a practitioner's workload ------------------------------------------------------------------------------


def _workload_page(request: HttpRequest, viewer: StaffMember, practitioner: StaffMember) -> HttpResponse:
    today = timezone.localdate()
    day = _day_from(request, today)
    try:
        explained = selectors.breakdown(practitioner, viewer, day, today)
    except selectors.NoWeightingInForce as error:
        raise Http404(str(error)) from None
    own = viewer.pk == practitioner.pk
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
        "reductions": list(
            CapacityReduction.objects.filter(staff=practitioner).order_by("-start_date", "-pk")[:50]
        ),
        "open_tasks": list(
            CountedTask.objects.filter(practitioner=practitioner, completed_on__isnull=True).order_by(
                "due_date"
            )
        ),
        "waiting": list(selectors.consultations_waiting_for(practitioner)) if own else [],
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


def _default(units: QuerySet, own: int | None) -> Any:
    """The viewer's own unit when they have one among ``units``, else the first by name."""
    return (units.filter(pk=own).first() if own is not None else None) or units.order_by("name").first()


def _default_team(teams: QuerySet[Team], viewer: StaffMember) -> Team | None:
    """An SPO's own team; otherwise the first team (by name) that holds cases, not a management team."""
    holding = teams.filter(staff__grade__in=CASE_HOLDING_GRADES).distinct()
    return _default(holding, viewer.team_id if viewer.role == Role.SPO else None) or teams.first()


def _choose(request: HttpRequest, options: QuerySet, parameter: str, default: Any) -> Any:
    """The unit named by ?<parameter>=<id> among those the viewer may see, or ``default``."""
    chosen = request.GET.get(parameter, "")
    if chosen.isdigit():
        found = options.filter(pk=int(chosen)).first()
        if found is None:
            raise Http404("No such unit, or you cannot see it")
        return found
    if default is None:
        raise Http404("Choose a unit to look at")
    return default


@require_GET
def team_workload(request: HttpRequest) -> HttpResponse:
    """Every PSO and PO in a team: grade, cases by tier, points, capacity, over capacity shown; sortable."""
    viewer = staff_of(request)
    if not access.can_see_rollups(viewer):
        raise PermissionDenied("The team view is for managers, analysts and inspectors.")
    teams = access.teams_visible_to(viewer).select_related("pdu")
    team = _choose(request, teams, "team", _default_team(teams, viewer))
    sort = request.GET.get("sort", "capacity")
    rows = selectors.team_workload(team, sort=sort)
    return render(
        request,
        "workload/team.html",
        {
            "team": team,
            "teams": teams.filter(pdu_id=team.pdu_id).order_by("name"),
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
    if not access.can_see_rollups(viewer):
        raise PermissionDenied("The team forecast is for managers, analysts and inspectors.")
    teams = access.teams_visible_to(viewer)
    team = _choose(request, teams, "team", _default_team(teams, viewer))
    today = timezone.localdate()
    staff = selectors.case_holders().filter(team=team)
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
    if not access.can_see_rollups(viewer):
        raise PermissionDenied("The PDU view is for managers, analysts and inspectors.")
    pdus = access.pdus_visible_to(viewer).select_related("region")
    pdu = _choose(request, pdus, "pdu", _default(pdus, viewer.pdu_id))
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
    if not access.can_see_rollups(viewer):
        raise PermissionDenied("The region view is for managers, analysts and inspectors.")
    regions = access.regions_visible_to(viewer)
    default = (
        regions.filter(pdus__pk=viewer.pdu_id).first() if viewer.pdu_id else regions.order_by("name").first()
    )
    region = _choose(request, regions, "region", default)
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
            "regions": regions.order_by("name") if viewer.role in access.SERVICE_WIDE_VIEWERS else None,
            "nav_section": "my-workload",
        },
    )


@require_GET
def weightings(request: HttpRequest) -> HttpResponse:
    """The weighting tables, every version: anyone may check the figures their workload is built from."""
    staff_of(request)
    versions = WeightingVersion.objects.prefetch_related("case_weightings", "task_weightings").order_by(
        "-effective_from"
    )
    return render(request, "workload/weightings.html", {"versions": versions, "nav_section": "my-workload"})


# --- reductions and tasks ---------------------------------------------------------------------------------


def _form_page(
    request: HttpRequest, title: str, form: Any, practitioner: StaffMember, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "workload/form_page.html",
        {"title": title, "form": form, "practitioner": practitioner, "nav_section": "my-workload", **extra},
    )


def _back_to(practitioner: StaffMember, viewer: StaffMember) -> HttpResponse:
    if viewer.pk == practitioner.pk:
        return redirect("my-workload")
    return redirect("staff-workload", staff_id=practitioner.pk)


@require_http_methods(["GET", "POST"])
def record_reduction(request: HttpRequest, staff_id: int) -> HttpResponse:
    viewer = staff_of(request)
    practitioner = _practitioner(staff_id)
    access.ensure_manages(viewer, practitioner)
    form = ReductionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_reduction(by=viewer, staff=practitioner, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Reduction recorded")
            return _back_to(practitioner, viewer)
    return _form_page(request, "Record a reduction", form, practitioner, submit="Record reduction")


@require_http_methods(["GET", "POST"])
def record_training_reduction(request: HttpRequest, staff_id: int) -> HttpResponse:
    viewer = staff_of(request)
    practitioner = _practitioner(staff_id)
    access.ensure_manages(viewer, practitioner)
    form = TrainingReductionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == "pqip":
                services.record_pqip_reductions(
                    by=viewer,
                    staff=practitioner,
                    training_start=data["start_date"],
                    training_months=data["training_months"] or PQIP_DEFAULT_MONTHS,
                )
            else:
                services.record_nqo_reduction(by=viewer, staff=practitioner, qualified_on=data["start_date"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Reductions recorded")
            return _back_to(practitioner, viewer)
    return _form_page(
        request, "Record a training or newly qualified schedule", form, practitioner, submit="Record"
    )


@require_http_methods(["GET", "POST"])
def end_reduction(request: HttpRequest, reduction_id: int) -> HttpResponse:
    viewer = staff_of(request)
    reduction = get_object_or_404(CapacityReduction.objects.select_related("staff__team"), pk=reduction_id)
    access.ensure_manages(viewer, reduction.staff)
    form = EndReductionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_reduction(by=viewer, reduction=reduction, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Reduction ended")
            return _back_to(reduction.staff, viewer)
    return _form_page(
        request, f"End the reduction: {reduction}", form, reduction.staff, submit="End reduction"
    )


@require_http_methods(["GET", "POST"])
def record_task(request: HttpRequest, staff_id: int) -> HttpResponse:
    viewer = staff_of(request)
    practitioner = _practitioner(staff_id)
    if viewer.pk != practitioner.pk:
        access.ensure_manages(viewer, practitioner)
    form = TaskForm(request.POST or None, initial={"assigned_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_task(by=viewer, practitioner=practitioner, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Task recorded")
            return _back_to(practitioner, viewer)
    return _form_page(
        request, "Record a report or other counted task", form, practitioner, submit="Record task"
    )


@require_http_methods(["GET", "POST"])
def complete_task(request: HttpRequest, task_id: int) -> HttpResponse:
    viewer = staff_of(request)
    task = get_object_or_404(CountedTask.objects.select_related("practitioner__team"), pk=task_id)
    if viewer.pk != task.practitioner_id:
        access.ensure_manages(viewer, task.practitioner)
    form = CompleteTaskForm(request.POST or None, initial={"completed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_task(by=viewer, task=task, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Task completed")
            return _back_to(task.practitioner, viewer)
    return _form_page(request, f"Complete: {task}", form, task.practitioner, submit="Mark as completed")


# --- sensitivities and consultations ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def my_sensitivities(request: HttpRequest) -> HttpResponse:
    """Your own sensitivities, and a form to add one. Nobody else ever sees this page's content."""
    staff = staff_of(request)
    if not access.holds_cases(staff):
        raise PermissionDenied("Sensitivities are for practitioners, who hold cases.")
    form = SensitivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_sensitivity(by=staff, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Sensitivity recorded")
            return redirect("my-sensitivities")
    return render(
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
    sensitivity = get_object_or_404(selectors.sensitivities_of(staff), pk=sensitivity_id)
    services.remove_sensitivity(by=staff, sensitivity=sensitivity)
    messages.success(request, "Sensitivity removed")
    return redirect("my-sensitivities")


@require_http_methods(["GET", "POST"])
def answer_consultation(request: HttpRequest, consultation_id: int) -> HttpResponse:
    """The practitioner confirms, in their own account, that they were consulted and whether they agree."""
    staff = staff_of(request)
    consultation = get_object_or_404(
        Consultation.objects.select_related("sentence__person", "recorded_by"),
        pk=consultation_id,
        practitioner=staff,
    )
    if request.method == "GET":
        log_person_view(
            staff=staff, person_id=consultation.sentence.person_id, channel=Channel.UI, detail="Consultation"
        )
    form = ConsultationAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_consultation(by=staff, consultation=consultation, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your answer has been recorded")
            return redirect("my-workload")
    return render(
        request,
        "workload/answer_consultation.html",
        {
            "consultation": consultation,
            "flags": selectors.sentence_flags(consultation.sentence),
            "form": form,
            "nav_section": "my-workload",
        },
    )


# --- allocation -------------------------------------------------------------------------------------------


@require_GET
def allocation_queue(request: HttpRequest) -> HttpResponse:
    """Sentences in the manager's PDU that nobody holds yet, oldest first."""
    manager = staff_of(request)
    access.ensure_can_allocate(manager)
    return render(
        request,
        "workload/queue.html",
        {
            "page": paginate(request, selectors.allocation_queue(manager)),
            "today": timezone.localdate(),
            "nav_section": "allocation-queue",
        },
    )


def _queued_sentence(manager: StaffMember, sentence_id: int) -> Sentence:
    sentence = get_object_or_404(Sentence.objects.select_related("person", "person__pdu"), pk=sentence_id)
    ensure_can_record(manager, sentence.person)
    if sentence.person.pdu_id != manager.pdu_id:
        raise PermissionDenied("This case is managed in another PDU.")
    return sentence


# Eligible practitioners listed on the allocation page before "show all".
SHORTLIST = 30


def _label(candidate: selectors.Candidate) -> str:
    figure = candidate.figure
    return f"{figure.name} ({figure.grade})"


@require_http_methods(["GET", "POST"])
def allocate(request: HttpRequest, sentence_id: int) -> HttpResponse:
    """The recommendation for one case and the manager's decision."""
    manager = staff_of(request)
    access.ensure_can_allocate(manager)
    sentence = _queued_sentence(manager, sentence_id)
    if request.method == "GET":
        log_person_view(staff=manager, person_id=sentence.person_id, channel=Channel.UI, detail="Allocation")
    advice = selectors.recommendation(sentence)
    form = AllocationForm(
        request.POST or None,
        practitioners=[(c.staff_id, _label(c)) for c in advice.eligible],
        initial={"start_date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        practitioner = StaffMember.objects.get(pk=data["practitioner"])
        try:
            allocation = services.allocate_case(
                by=manager,
                sentence=sentence,
                practitioner=practitioner,
                reason=data["reason"],
                rationale=data["rationale"],
                start_date=data["start_date"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"{sentence.person.full_name}'s case allocated to {practitioner.full_name}: capacity from "
                f"{_percent(allocation.capacity_before)} to {_percent(allocation.capacity_after)}",
            )
            return redirect("allocation-queue")
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
            "sentence": sentence,
            "person": sentence.person,
            "advice": advice,
            "shown": shown,
            "hidden": len(eligible) - len(shown),
            "listed_ineligible": [c for c in ineligible if c.conflicts != [GRADE_CONFLICT]],
            "grade_only": len([c for c in ineligible if c.conflicts == [GRADE_CONFLICT]]),
            "form": form,
            "consultations": list(
                Consultation.objects.filter(sentence=sentence).select_related("practitioner", "recorded_by")
            ),
            "nav_section": "allocation-queue",
        },
    )


@require_http_methods(["GET", "POST"])
def record_consultation(request: HttpRequest, sentence_id: int) -> HttpResponse:
    manager = staff_of(request)
    access.ensure_can_allocate(manager)
    sentence = _queued_sentence(manager, sentence_id)
    advice = selectors.recommendation(sentence)
    chosen = request.GET.get("practitioner", "")
    form = ConsultationForm(
        request.POST or None,
        practitioners=[(c.staff_id, _label(c)) for c in advice.eligible],
        initial={
            "consulted_on": timezone.localdate(),
            "practitioner": int(chosen) if chosen.isdigit() else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        practitioner = StaffMember.objects.get(pk=data["practitioner"])
        try:
            services.record_consultation(
                by=manager,
                sentence=sentence,
                practitioner=practitioner,
                consulted_on=data["consulted_on"],
                notes=data["notes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Consultation recorded. {practitioner.full_name} now confirms it in their own account "
                "before you can allocate the case to them.",
            )
            return redirect("allocate-case", sentence_id=sentence.pk)
    return render(
        request,
        "workload/record_consultation.html",
        {"sentence": sentence, "person": sentence.person, "form": form, "nav_section": "allocation-queue"},
    )


@require_GET
def allocation_fairness(request: HttpRequest) -> HttpResponse:
    """By ethnic group of the person: the grade allocated at each tier and the days from sentence to allocation."""
    viewer = staff_of(request)
    region = pdu = None
    if viewer.role in access.MANAGER_ROLES and viewer.pdu_id is not None:
        pdu = PDU.objects.get(pk=viewer.pdu_id)
    elif viewer.role in access.SERVICE_WIDE_VIEWERS:
        chosen_pdu, chosen_region = request.GET.get("pdu", ""), request.GET.get("region", "")
        if chosen_pdu.isdigit():
            pdu = get_object_or_404(PDU, pk=int(chosen_pdu))
        elif chosen_region.isdigit():
            region = get_object_or_404(Region, pk=int(chosen_region))
    else:
        raise PermissionDenied("The fairness report is for managers, analysts and inspectors.")
    report = selectors.allocation_fairness(region=region, pdu=pdu)
    return render(
        request,
        "workload/fairness.html",
        {
            "report": report,
            "scope": pdu.name if pdu else region.name if region else "England and Wales",
            "regions": Region.objects.order_by("name")
            if viewer.role in access.SERVICE_WIDE_VIEWERS
            else None,
            "nav_section": "allocation-queue" if viewer.role in access.MANAGER_ROLES else "my-workload",
        },
    )
