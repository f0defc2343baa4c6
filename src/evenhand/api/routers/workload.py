"""The allocation queue, recommendations, consultations and allocation, and workload figures.

Everything that shows a person goes through ``evenhand.workload.door``, with the same rules as the web pages:
only a senior probation officer or head of PDU sees the queue and allocates (403 otherwise); a sentence out of
their reach answers 404 exactly as a missing one, and the refusal is logged; a sensitive case is refused (422)
until the practitioner has answered the consultation, with their own credentials, and agreed; a consultation
answers only to the practitioner consulted, and only while they may still open the person's record.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from evenhand.audit.models import Channel
from evenhand.cases.models import AllocationReason, OffenceFlag, RoshLevel, SentenceType, Tier
from evenhand.core.ids import MAX_ID
from evenhand.org.models import StaffMember
from evenhand.workload import access, door, selectors, services
from evenhand.workload.models import CaseType, ConsultationResponse, TaskType

from ..auth import staff_of
from ..schemas import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, ErrorOut, PageQuery, Ref
from .common import api_field_names, field_error, listed, purpose, refused_as_missing

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
    def resolve_sentence_id(row: door.QueueRow) -> int | None:
        return row.sentence.id

    @staticmethod
    def resolve_person_id(row: door.QueueRow) -> int | None:
        return row.person.id

    @staticmethod
    def resolve_crn(row: door.QueueRow) -> str | None:
        return row.person.crn

    @staticmethod
    def resolve_name(row: door.QueueRow) -> str:
        return row.person.display_name

    @staticmethod
    def resolve_type(row: door.QueueRow) -> str:
        return row.sentence.type

    @staticmethod
    def resolve_court(row: door.QueueRow) -> str | None:
        return row.sentence.court

    @staticmethod
    def resolve_start_date(row: door.QueueRow) -> dt.date:
        return row.sentence.start_date


class QueuePageOut(Schema):
    items: list[QueueItemOut]
    count: int


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
    sentence_id: int = Field(ge=1, le=MAX_ID)
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
    sentence_id: int = Field(ge=1, le=MAX_ID)
    practitioner: str = Field(description="Staff code")
    consulted_on: dt.date
    notes: str = ""


class ConsultationOut(Schema):
    id: int
    sentence_id: int | None = Field(
        description="Null when the practitioner may no longer open the person's record (excluded or "
        "restricted since the consultation): nothing about the person is shown then"
    )
    practitioner: str = Field(description="Staff code")
    consulted_on: dt.date
    notes: str | None = Field(description="Null with the sentence")
    recorded_by: str = Field(description="Staff code")
    recorded_at: dt.datetime
    response: ConsultationResponse
    responded_at: dt.datetime | None
    practitioner_comment: str | None = Field(description="Null with the sentence")


class ConsultationAnswerIn(Schema):
    agreed: bool
    comment: str = ""


class CaseLineOut(Schema):
    sentence_id: int
    person_id: int | None = Field(description="Null when the caller may not open the person's record")
    case_type: CaseType
    tier: Tier | None
    points: int

    @staticmethod
    def resolve_person_id(line: door.CaseLine) -> int | None:
        return line.person.id if line.person is not None else None


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
    staff = selectors.staff_by_code(code)
    if staff is None:
        raise field_error(field, "There is no member of staff with this code")
    return staff


def _queued(request: HttpRequest, sentence_id: int | str) -> door.QueuedCase:
    with refused_as_missing():
        return door.open_queued_sentence(
            viewer=staff_of(request), sentence_id=sentence_id, channel=Channel.API, purpose=purpose(request)
        )


@router.get("/queue", response={200: QueuePageOut, **LIST_ERRORS}, summary="The allocation queue")
def queue(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Sentences in the caller's PDU that nobody holds yet, oldest first. Senior probation officers and heads of
    PDU only. Each page is logged as an export, one row per person on it."""
    return listed(request, door.queue_slice, page)


@router.get(
    "/queue/{ref:sentence_id}/recommendation",
    response={200: RecommendationOut, 403: ErrorOut, **READ_ERRORS},
    summary="Recommendation for a queued case",
)
def recommendation(request: HttpRequest, sentence_id: Path[Ref]) -> dict[str, Any]:
    """Every PSO and PO of the person's PDU: eligibility and conflicts, capacity now and after, continuity, and
    whether to consult first. Eligible practitioners first."""
    case = _queued(request, sentence_id)
    advice = selectors.recommendation(case.sentence)
    return {
        "sentence_id": case.sentence.pk,
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


class AllocationEventOut(Schema):
    kind: str = Field(description="allocation, transfer or correction")
    at: dt.datetime = Field(description="When it was decided (analysts: the first of the month)")
    by: str | None = Field(description="Who decided; null for analysts")
    practitioner: str | None = Field(description="Allocations: who was made responsible; null for analysts")
    start_date: dt.date | None
    end_date: dt.date | None
    reason: str | None = Field(description="Allocations: the reason from the list")
    rationale: str | None = Field(description="Why, in the decider's words; null for analysts")
    from_pdu: str | None
    to_pdu: str | None
    status: str


class AllocationHistoryOut(Schema):
    sentence_id: int | None = Field(description="Null for analysts")
    sentence_token: str | None = Field(description="Analysts only")
    events: list[AllocationEventOut]


@router.get(
    "/{ref:sentence_id}/history",
    response={200: AllocationHistoryOut, **READ_ERRORS},
    summary="A sentence's allocation history",
)
def allocation_history(request: HttpRequest, sentence_id: Path[Ref]) -> dict[str, Any]:
    """Every allocation of the sentence (who, from when to when, the reason and who decided), its transfers
    between PDUs and its corrections, latest first; for anyone who may see the person."""
    with refused_as_missing():
        history = door.allocation_history(
            viewer=staff_of(request), sentence_id=sentence_id, channel=Channel.API, purpose=purpose(request)
        )
    return {
        "sentence_id": history.sentence.id,
        "sentence_token": history.sentence.token,
        "events": history.events,
    }


@router.post("", response={201: AllocationOut, **WRITE_ERRORS}, summary="Allocate a case")
def allocate(request: HttpRequest, payload: AllocationIn) -> Status:
    """Allocate a queued case with a reason from the fixed list and a written rationale. The allocation records
    the practitioner's capacity before and after."""
    # A sentence named in the body: the role is refused before anything is looked up (as for casework writes).
    access.ensure_can_allocate(staff_of(request))
    case = _queued(request, payload.sentence_id)
    practitioner = _staff_by_code(payload.practitioner, "practitioner")
    with api_field_names(sentence="sentence_id"):
        allocation = services.allocate_case(
            by=staff_of(request),
            sentence=case.sentence,
            practitioner=practitioner,
            reason=payload.reason,
            rationale=payload.rationale,
            start_date=payload.start_date,
        )
    return Status(201, selectors.allocation_made(allocation.pk))


class TransferIn(Schema):
    sentence_id: int = Field(ge=1, le=MAX_ID, description="A running sentence of the person to transfer")
    to_pdu: str = Field(description="Code of the receiving PDU")
    reason: str


class TransferOut(Schema):
    sentence_ids: list[int] = Field(description="The person's running sentences now in the receiving queue")
    from_pdu: str
    to_pdu: str


class ReallocationIn(Schema):
    sentence_id: int = Field(ge=1, le=MAX_ID)
    practitioner: str = Field(description="Staff code")
    reason: AllocationReason = Field(description="Any reason but new_case and transfer_in")
    rationale: str


class AllocationCorrectionIn(Schema):
    sentence_id: int = Field(ge=1, le=MAX_ID, description="The sentence whose allocation today was in error")
    practitioner: str = Field(description="Staff code of the practitioner the case should have gone to")
    reason: str


class AllocationCorrectionOut(Schema):
    corrects: int = Field(description="Id of the allocation made in error")
    replacement: AllocationOut
    reason: str
    corrected_at: dt.datetime


@router.post("/transfers", response={201: TransferOut, **WRITE_ERRORS}, summary="Transfer to another PDU")
def transfer(request: HttpRequest, payload: TransferIn) -> Status:
    """Transfer the sentence's person to another PDU (a senior probation officer or head of the sending PDU).
    Each running sentence enters the receiving PDU's queue; whoever holds it stays responsible until the
    receiving PDU allocates it."""
    manager = staff_of(request)
    access.ensure_can_allocate(manager)
    case = _queued(request, payload.sentence_id)
    to_pdu = selectors.pdu_by_code(payload.to_pdu)
    if to_pdu is None:
        raise field_error("to_pdu", "There is no PDU with this code")
    with api_field_names(person="sentence_id"):
        transfers = services.transfer_person(
            by=manager, person=case.sentence.person, to_pdu=to_pdu, reason=payload.reason
        )
    return Status(
        201,
        {
            "sentence_ids": [t.sentence_id for t in transfers],
            "from_pdu": transfers[0].from_pdu.code,
            "to_pdu": to_pdu.code,
        },
    )


@router.post("/reallocations", response={201: AllocationOut, **WRITE_ERRORS}, summary="Reallocate a case")
def reallocate(request: HttpRequest, payload: ReallocationIn) -> Status:
    """Move an allocated case to another practitioner of the PDU, with a reason from the list (not a new case
    or a transfer in) and a rationale; the current allocation ends the day before."""
    manager = staff_of(request)
    access.ensure_can_allocate(manager)
    case = _queued(request, payload.sentence_id)
    practitioner = _staff_by_code(payload.practitioner, "practitioner")
    with api_field_names(sentence="sentence_id"):
        allocation = services.reallocate_case(
            by=manager,
            sentence=case.sentence,
            practitioner=practitioner,
            reason=payload.reason,
            rationale=payload.rationale,
        )
    return Status(201, selectors.allocation_made(allocation.pk))


@router.post(
    "/corrections",
    response={201: AllocationCorrectionOut, **WRITE_ERRORS},
    summary="Correct an allocation made in error",
)
def correct(request: HttpRequest, payload: AllocationCorrectionIn) -> Status:
    """Correct today's allocation of the sentence, made in error: a correction record pointing at it and a
    replacement allocation; never an edit. Refused after the day the allocation was made."""
    manager = staff_of(request)
    access.ensure_can_allocate(manager)
    case = _queued(request, payload.sentence_id)
    current = selectors.current_allocation(case.sentence.pk)
    if current is None:
        raise field_error("sentence_id", "This case is not allocated")
    practitioner = _staff_by_code(payload.practitioner, "practitioner")
    with api_field_names(allocation="sentence_id", sentence="sentence_id"):
        correction = services.correct_allocation(
            by=manager, allocation=current, practitioner=practitioner, reason=payload.reason
        )
    return Status(
        201,
        {
            "corrects": correction.corrects_id,
            "replacement": selectors.allocation_made(correction.replacement_id),
            "reason": correction.reason,
            "corrected_at": correction.corrected_at,
        },
    )


@router.post(
    "/consultations", response={201: ConsultationOut, **WRITE_ERRORS}, summary="Record a consultation"
)
def record_consultation(request: HttpRequest, payload: ConsultationIn) -> Status:
    """A manager records discussing a case with the practitioner they intend to allocate it to."""
    manager = staff_of(request)
    access.ensure_can_allocate(manager)
    case = _queued(request, payload.sentence_id)
    practitioner = _staff_by_code(payload.practitioner, "practitioner")
    with api_field_names(sentence="sentence_id"):
        consultation = services.record_consultation(
            by=manager,
            sentence=case.sentence,
            practitioner=practitioner,
            consulted_on=payload.consulted_on,
            notes=payload.notes,
        )
    return Status(201, door.consultation_written(viewer=manager, consultation=consultation))


@router.get(
    "/consultations", response={200: list[ConsultationOut], **LIST_ERRORS}, summary="My consultations"
)
def my_consultations(request: HttpRequest) -> list[door.ConsultationRecord]:
    """Consultations about cases to be allocated to the caller, newest first (the latest 100). One whose person
    the caller may no longer open shows nothing about them."""
    return door.consultations_with(viewer=staff_of(request), channel=Channel.API, purpose=purpose(request))


@router.post(
    "/consultations/{ref:consultation_id}/answer",
    response={200: ConsultationOut, **WRITE_ERRORS},
    summary="Answer a consultation",
)
def answer_consultation(
    request: HttpRequest, consultation_id: Path[Ref], payload: ConsultationAnswerIn
) -> door.ConsultationRecord:
    """The consulted practitioner's own answer. Anyone else gets 404: a consultation is not theirs to see; so
    does the practitioner once they may no longer open the person's record."""
    staff = staff_of(request)
    with refused_as_missing():
        opened = door.open_consultation(
            viewer=staff, consultation_id=consultation_id, channel=Channel.API, purpose=purpose(request)
        )
    answered = services.answer_consultation(
        by=staff, consultation=opened.consultation, agreed=payload.agreed, comment=payload.comment
    )
    return door.consultation_written(viewer=staff, consultation=answered)


# --- workload ---------------------------------------------------------------------------------------------


def _workload(viewer: StaffMember, practitioner: StaffMember, on: dt.date | None) -> dict[str, Any]:
    today = timezone.localdate()
    try:
        explained = door.explained_workload(
            viewer=viewer, practitioner=practitioner, day=on or today, today=today, channel=Channel.API
        )
    except selectors.NoWeightingInForce as error:
        raise HttpError(404, str(error)) from None
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
        "cases": explained.cases,
        "tasks": [
            {
                "id": t.id,
                "task_type": t.task_type,
                "assigned_on": t.assigned_on,
                "due_date": t.due_date,
                "points": t.points,
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


@workload_router.get("/me", response={200: WorkloadOut, 422: ErrorOut, **READ_ERRORS}, summary="My workload")
def my_workload(request: HttpRequest, on: dt.date | None = None) -> dict[str, Any]:
    """The caller's own figure on a date (today by default), with every case, task and reduction in it. A date
    before the first weighting table answers 404."""
    staff = staff_of(request)
    if not access.holds_cases(staff):
        raise Http404("Your role does not hold a caseload.")
    return _workload(staff, staff, on)


@workload_router.get(
    "/staff/{staff_code}",
    response={200: WorkloadOut, 422: ErrorOut, **READ_ERRORS},
    summary="A practitioner's workload",
)
def staff_workload(request: HttpRequest, staff_code: str, on: dt.date | None = None) -> dict[str, Any]:
    """A practitioner's figure, for themselves or a manager of their PDU; 404 for anyone else."""
    viewer = staff_of(request)
    practitioner = selectors.case_holder_by_code(staff_code)
    if practitioner is None or not access.can_view_workload_of(viewer, practitioner):
        raise Http404("No such practitioner, or you may not see their workload.")
    return _workload(viewer, practitioner, on)
