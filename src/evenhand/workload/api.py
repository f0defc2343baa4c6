"""The allocation queue, recommendations, consultations and allocation, and workload figures, over the API.

The same services and selectors as the web pages, so the same rules: only a senior probation officer or head of
PDU sees the queue and allocates (403 otherwise); a sensitive case is refused (422) until the practitioner has
answered the consultation, with their own credentials, and agreed. Mounted by ``evenhand.api.api``.
"""

import datetime as dt
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from evenhand.api.auth import staff_of
from evenhand.api.routers.common import AuditedPagination, api_field_names, field_error, log_read
from evenhand.api.schemas import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, ErrorOut
from evenhand.cases.models import (
    Allocation,
    AllocationReason,
    OffenceFlag,
    RoshLevel,
    Sentence,
    SentenceType,
    Tier,
)
from evenhand.org.models import StaffMember
from evenhand.people.access import visible_people

from . import access, selectors, services
from .models import CaseType, Consultation, ConsultationResponse, TaskType

router = Router(tags=["allocation"])
workload_router = Router(tags=["workload"])


# --- schemas ----------------------------------------------------------------------------------------------


class QueueItemOut(Schema):
    sentence_id: int
    person_id: int
    crn: str
    name: str
    type: SentenceType
    court: str
    start_date: dt.date
    tier: Tier | None
    rosh: RoshLevel | None
    mappa_level: int | None
    flags: list[OffenceFlag] = Field(description="Offence flags set on any of the sentence's offences")
    consult_first: bool = Field(description="Under the sensitive-case protocol: consult before allocating")

    @staticmethod
    def resolve_sentence_id(obj: Any) -> int:
        return obj.pk

    @staticmethod
    def resolve_crn(obj: Any) -> str:
        return obj.person.crn

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.person.full_name

    @staticmethod
    def resolve_flags(obj: Any) -> list[str]:
        return sorted({flag for o in obj.offences.all() for flag in OffenceFlag.values if getattr(o, flag)})

    @staticmethod
    def resolve_consult_first(obj: Any) -> bool:
        return bool(obj.sensitive)


class CandidateOut(Schema):
    practitioner: str = Field(description="Staff code")
    name: str
    grade: str
    team: str
    eligible: bool
    conflicts: list[str]
    capacity_now: Decimal | None = Field(description="Capacity % today; null when reductions take all hours")
    capacity_after: Decimal | None = Field(description="Capacity % with this case added")
    supervised_before: dt.date | None = Field(description="When they last began supervising this person")
    consult_first: bool = Field(description="Allocation waits for a consultation they have agreed to")
    consultation: ConsultationResponse | None = Field(description="The latest open consultation, if any")


class RecommendationOut(Schema):
    sentence_id: int
    grade_needed: str = Field(description='"PO", or "PO or PSO"')
    case_points: int = Field(description="Points the case adds to a practitioner's workload")
    protocol_flags: list[OffenceFlag] = Field(description="Flags that put the case under the protocol")
    practitioners: list[CandidateOut]


class AllocationIn(Schema):
    sentence_id: int
    practitioner: str = Field(description="Staff code")
    reason: AllocationReason
    rationale: str
    start_date: dt.date | None = Field(None, description="Defaults to today")


class AllocationOut(Schema):
    id: int
    sentence_id: int
    practitioner: str = Field(description="Staff code")
    reason: AllocationReason
    rationale: str
    start_date: dt.date
    allocated_by: str = Field(description="Staff code")
    allocated_at: dt.datetime
    capacity_before: Decimal | None
    capacity_after: Decimal | None

    @staticmethod
    def resolve_practitioner(obj: Any) -> str:
        return obj.practitioner.staff_code

    @staticmethod
    def resolve_allocated_by(obj: Any) -> str:
        return obj.allocated_by.staff_code


class ConsultationIn(Schema):
    sentence_id: int
    practitioner: str = Field(description="Staff code")
    consulted_on: dt.date
    notes: str = ""


class ConsultationOut(Schema):
    id: int
    sentence_id: int
    practitioner: str = Field(description="Staff code")
    consulted_on: dt.date
    notes: str
    recorded_by: str = Field(description="Staff code")
    recorded_at: dt.datetime
    response: ConsultationResponse
    responded_at: dt.datetime | None
    practitioner_comment: str

    @staticmethod
    def resolve_practitioner(obj: Any) -> str:
        return obj.practitioner.staff_code

    @staticmethod
    def resolve_recorded_by(obj: Any) -> str:
        return obj.recorded_by.staff_code


class ConsultationAnswerIn(Schema):
    agreed: bool
    comment: str = ""


class CaseLineOut(Schema):
    sentence_id: int
    person_id: int | None = Field(description="Null when the caller may not open the person's record")
    case_type: CaseType
    tier: Tier | None
    points: int


class TaskLineOut(Schema):
    id: int
    task_type: TaskType
    assigned_on: dt.date
    due_date: dt.date
    points: int


class ReductionLineOut(Schema):
    id: int
    reason: str
    percentage: Decimal | None
    hours: Decimal | None
    start_date: dt.date
    end_date: dt.date | None
    hours_a_week: Decimal = Field(description="What it takes from contracted hours on the figure's date")


class WorkloadOut(Schema):
    practitioner: str = Field(description="Staff code")
    on: dt.date
    weighting_version: int
    case_points: int
    task_points: int
    points: int
    contracted_hours: Decimal
    reduction_hours: Decimal
    available_hours: Decimal
    available_points: Decimal
    capacity: Decimal | None = Field(description="Capacity %; null when reductions take all hours")
    over_capacity: bool
    cases: list[CaseLineOut]
    tasks: list[TaskLineOut]
    reductions: list[ReductionLineOut]


# --- allocation -------------------------------------------------------------------------------------------


def _staff_by_code(code: str, field: str) -> StaffMember:
    staff = StaffMember.objects.select_related("team").filter(staff_code=code).first()
    if staff is None:
        raise field_error(field, "There is no member of staff with this code")
    return staff


def _queued_sentence(manager: StaffMember, sentence_id: int) -> Sentence:
    """A sentence of the manager's PDU that they may see; 404 otherwise, as for any record out of reach."""
    sentence = (
        Sentence.objects.filter(person__in=visible_people(manager), person__pdu_id=manager.pdu_id)
        .select_related("person")
        .filter(pk=sentence_id)
        .first()
    )
    if sentence is None:
        raise Http404("No such sentence, or you do not have access to it.")
    return sentence


@router.get("/queue", response={200: list[QueueItemOut], **LIST_ERRORS}, summary="The allocation queue")
@paginate(AuditedPagination, person_of=attrgetter("person_id"))
def queue(request: HttpRequest) -> QuerySet[Sentence]:
    """Sentences in the caller's PDU that nobody holds yet, oldest first. Senior probation officers and heads of
    PDU only."""
    manager = staff_of(request)
    access.ensure_can_allocate(manager)
    return selectors.allocation_queue(manager)


@router.get(
    "/queue/{int:sentence_id}/recommendation",
    response={200: RecommendationOut, 403: ErrorOut, **READ_ERRORS},
    summary="Recommendation for a queued case",
)
def recommendation(request: HttpRequest, sentence_id: int) -> dict[str, Any]:
    """Every PSO and PO of the person's PDU: eligibility and conflicts, capacity now and after, continuity, and
    whether to consult first. Eligible practitioners first."""
    manager = staff_of(request)
    access.ensure_can_allocate(manager)
    sentence = _queued_sentence(manager, sentence_id)
    log_read(request, sentence.person_id)
    advice = selectors.recommendation(sentence)
    return {
        "sentence_id": sentence.pk,
        "grade_needed": advice.grade_needed,
        "case_points": advice.case_points,
        "protocol_flags": advice.protocol,
        "practitioners": [
            {
                "practitioner": c.figure.staff_code,
                "name": c.figure.name,
                "grade": c.figure.grade,
                "team": c.figure.team_name,
                "eligible": c.eligible,
                "conflicts": c.conflicts,
                "capacity_now": c.figure.capacity,
                "capacity_after": c.capacity_after,
                "supervised_before": c.continuity,
                "consult_first": c.consult_first,
                "consultation": c.consultation.response if c.consultation else None,
            }
            for c in advice.candidates
        ],
    }


@router.post("", response={201: AllocationOut, **WRITE_ERRORS}, summary="Allocate a case")
def allocate(request: HttpRequest, payload: AllocationIn) -> Status:
    """Allocate a queued case with a reason from the fixed list and a written rationale. The allocation records
    the practitioner's capacity before and after."""
    manager = staff_of(request)
    access.ensure_can_allocate(manager)
    sentence = _queued_sentence(manager, payload.sentence_id)
    practitioner = _staff_by_code(payload.practitioner, "practitioner")
    with api_field_names(sentence="sentence_id"):
        allocation = services.allocate_case(
            by=manager,
            sentence=sentence,
            practitioner=practitioner,
            reason=payload.reason,
            rationale=payload.rationale,
            start_date=payload.start_date,
        )
    return Status(
        201, Allocation.objects.select_related("practitioner", "allocated_by").get(pk=allocation.pk)
    )


@router.post(
    "/consultations", response={201: ConsultationOut, **WRITE_ERRORS}, summary="Record a consultation"
)
def record_consultation(request: HttpRequest, payload: ConsultationIn) -> Status:
    """A manager records discussing a case with the practitioner they intend to allocate it to."""
    manager = staff_of(request)
    access.ensure_can_allocate(manager)
    sentence = _queued_sentence(manager, payload.sentence_id)
    practitioner = _staff_by_code(payload.practitioner, "practitioner")
    consultation = services.record_consultation(
        by=manager,
        sentence=sentence,
        practitioner=practitioner,
        consulted_on=payload.consulted_on,
        notes=payload.notes,
    )
    return Status(201, consultation)


@router.get(
    "/consultations", response={200: list[ConsultationOut], **LIST_ERRORS}, summary="My consultations"
)
def my_consultations(request: HttpRequest) -> QuerySet[Consultation]:
    """Consultations about cases to be allocated to the caller, newest first (the latest 100)."""
    return selectors.consultations_of(staff_of(request)).order_by("-recorded_at", "-pk")[:100]


@router.post(
    "/consultations/{int:consultation_id}/answer",
    response={200: ConsultationOut, **WRITE_ERRORS},
    summary="Answer a consultation",
)
def answer_consultation(
    request: HttpRequest, consultation_id: int, payload: ConsultationAnswerIn
) -> Consultation:
    """The consulted practitioner's own answer. Anyone else gets 404: a consultation is not theirs to see."""
    staff = staff_of(request)
    consultation = selectors.consultations_of(staff).filter(pk=consultation_id).first()
    if consultation is None:
        raise Http404("No such consultation, or it is not yours to answer.")
    return services.answer_consultation(
        by=staff, consultation=consultation, agreed=payload.agreed, comment=payload.comment
    )


# --- workload ---------------------------------------------------------------------------------------------


def _workload(viewer: StaffMember, practitioner: StaffMember, on: dt.date | None) -> dict[str, Any]:
    explained = selectors.breakdown(practitioner, viewer, on)
    figure = explained.figure
    return {
        "practitioner": practitioner.staff_code,
        "on": figure.on,
        "weighting_version": figure.weighting.number,
        "case_points": figure.case_points,
        "task_points": figure.task_points,
        "points": figure.points,
        "contracted_hours": figure.contracted_hours,
        "reduction_hours": figure.reduction_hours,
        "available_hours": figure.available_hours,
        "available_points": figure.available_points.quantize(Decimal("0.01")),
        "capacity": figure.capacity,
        "over_capacity": figure.over_capacity,
        "cases": [
            {
                "sentence_id": a.sentence_id,
                "person_id": a.sentence.person_id if a.visible else None,  # type: ignore[attr-defined]
                "case_type": a.case_type,  # type: ignore[attr-defined]
                "tier": a.tier_on,  # type: ignore[attr-defined]
                "points": a.points,  # type: ignore[attr-defined]
            }
            for a in explained.cases
        ],
        "tasks": [
            {
                "id": t.pk,
                "task_type": t.task_type,
                "assigned_on": t.assigned_on,
                "due_date": t.due_date,
                "points": t.points,  # type: ignore[attr-defined]
            }
            for t in explained.tasks
        ],
        "reductions": [
            {
                "id": line.reduction.pk,
                "reason": line.reduction.reason,
                "percentage": line.reduction.percentage,
                "hours": line.reduction.hours,
                "start_date": line.reduction.start_date,
                "end_date": line.reduction.end_date,
                "hours_a_week": line.hours,
            }
            for line in explained.reductions
        ],
    }


@workload_router.get("/me", response={200: WorkloadOut, **READ_ERRORS}, summary="My workload")
def my_workload(request: HttpRequest, on: dt.date | None = None) -> dict[str, Any]:
    """The caller's own figure on a date (today by default), with every case, task and reduction in it."""
    staff = staff_of(request)
    if not access.holds_cases(staff):
        raise Http404("Your role does not hold a caseload.")
    return _workload(staff, staff, on)


@workload_router.get(
    "/staff/{staff_code}", response={200: WorkloadOut, **READ_ERRORS}, summary="A practitioner's workload"
)
def staff_workload(request: HttpRequest, staff_code: str, on: dt.date | None = None) -> dict[str, Any]:
    """A practitioner's figure, for themselves or a manager of their PDU; 404 for anyone else."""
    viewer = staff_of(request)
    practitioner = selectors.case_holders().select_related("team").filter(staff_code=staff_code).first()
    if practitioner is None or not access.can_view_workload_of(viewer, practitioner):
        raise Http404("No such practitioner, or you may not see their workload.")
    return _workload(viewer, practitioner, on)
