"""The workload app's door to the people its pages and API operations show.

Built on ``evenhand.people.door``: every person is checked against the viewer (a current staff record, the role,
the PDU scope, the restriction and exclusion lists), the view, refusal or export is written to the access log,
and what is shown is shaped for the viewer (``people.records``, ``cases.records``). It covers

* the allocation queue: a page of queued sentences for a manager, one export row per person on the page;
* a queued sentence opened to allocate it or to record a consultation about it;
* a consultation opened by the practitioner who was consulted, while the person is still visible to them;
* the person lines of a practitioner's workload: their cases and the consultations waiting for their answer,
  where a person the viewer may no longer open is left out of the line (no name, no CRN, no note).

One refusal rule for web and API: a record out of reach raises ``RecordRefused`` (the web answers 403, the API
404) and an unknown one ``RecordNotFound`` (404 on both), and the refusal is logged. A viewer who may see the
person but whose role does not allocate gets ``RoleRefused`` (403 on both), logged too. The queue itself, which
names nobody until it is shown, refuses such a role before anything is read.
"""

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.core.paginator import Page
from django.db.models import QuerySet

from evenhand.audit.models import Channel
from evenhand.audit.services import log_export
from evenhand.cases.models import OffenceFlag, Sentence
from evenhand.cases.records import RiskRecord, SentenceRecord
from evenhand.cases.selectors import current_risk, sentences_with_parts
from evenhand.core.formatting import date_text
from evenhand.org.access import ensure_current, is_current
from evenhand.org.models import StaffMember
from evenhand.people.access import visible_people
from evenhand.people.door import (
    RecordNotFound,
    RecordRefused,
    RoleRefused,
    admit,
    record_id,
    refuse,
    shaped_page,
    shaped_slice,
)
from evenhand.people.records import Lens, PersonRecord

from . import access, selectors
from .models import Consultation, ConsultationResponse, CountedTask
from .selectors.breakdown import ReductionLine
from .selectors.figures import Figure

__all__ = [
    "AllocationEvent",
    "AllocationHistory",
    "CaseLine",
    "ConsultationRecord",
    "ExplainedWorkload",
    "OpenedConsultation",
    "QueueRow",
    "QueuedCase",
    "RecordNotFound",
    "RecordRefused",
    "RoleRefused",
    "TaskLine",
    "allocation_history",
    "consultation_written",
    "consultations_with",
    "explained_workload",
    "open_consultation",
    "open_queued_sentence",
    "queue_page",
    "queue_slice",
]


def _ensure_allocator(viewer: StaffMember) -> None:
    ensure_current(viewer)
    access.ensure_can_allocate(viewer)


def _flags(sentence: Sentence) -> list[str]:
    """The offence flags set on any of the sentence's offences (``offences`` prefetched), as values."""
    offences = list(sentence.offences.all())
    return [flag for flag in OffenceFlag.values if any(getattr(o, flag) for o in offences)]


# --- the allocation queue -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    """A sentence waiting for allocation, as its manager sees it in the queue."""

    sentence: SentenceRecord
    person: PersonRecord
    tier: str | None
    rosh: str | None
    mappa_level: int | None
    flags: list[str]  # OffenceFlag values set on any of its offences
    consult_first: bool  # under the sensitive-case protocol

    @classmethod
    def shape(cls, sentence: Any, lens: Lens) -> "QueueRow":
        """A row of ``selectors.allocation_queue``: annotated, the person loaded, offences prefetched."""
        return cls(
            sentence=SentenceRecord.shape(sentence, lens),
            person=PersonRecord.shape(sentence.person, lens),
            tier=sentence.tier,
            rosh=sentence.rosh,
            mappa_level=sentence.mappa_level,
            flags=_flags(sentence),
            consult_first=bool(sentence.sensitive),
        )


def _person_of_sentence(sentence: Sentence) -> int:
    return sentence.person_id


def queue_page(*, viewer: StaffMember, number: Any, channel: Channel) -> Page:
    """One page of the allocation queue of the manager's PDU, oldest first, as ``QueueRow``; one export row
    per person on the page. Only a current senior probation officer or head of PDU (``PermissionDenied``)."""
    _ensure_allocator(viewer)
    lens = Lens.of(viewer)
    return shaped_page(
        viewer=viewer,
        rows=selectors.allocation_queue(viewer),
        number=number,
        person_of=_person_of_sentence,
        shape=lambda s: QueueRow.shape(s, lens),
        channel=channel,
        purpose="Allocation queue",
    )


def queue_slice(
    *, viewer: StaffMember, offset: int, limit: int, channel: Channel, purpose: str
) -> tuple[int, list[QueueRow]]:
    """``queue_page`` by limit and offset, for the API: the count and the shaped rows."""
    _ensure_allocator(viewer)
    lens = Lens.of(viewer)
    return shaped_slice(
        viewer=viewer,
        rows=selectors.allocation_queue(viewer),
        offset=offset,
        limit=limit,
        person_of=_person_of_sentence,
        shape=lambda s: QueueRow.shape(s, lens),
        channel=channel,
        purpose=purpose,
    )


# --- one queued sentence --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueuedCase:
    """A queued sentence opened by its manager, to allocate it or to record a consultation about it."""

    sentence: Sentence  # the model, for the recommendation and the services; pages render the records
    record: SentenceRecord
    person: PersonRecord
    risk: RiskRecord | None


def _sentences() -> QuerySet[Sentence]:
    return sentences_with_parts().select_related("person", "person__pdu", "person__pdu__region")


def open_queued_sentence(
    *, viewer: StaffMember, sentence_id: int | str, channel: Channel, purpose: str
) -> QueuedCase:
    """A sentence opened to allocate it, or to record a consultation about it; the view is logged.

    Refused, each with a refused row in the access log: a viewer who does not allocate (``RoleRefused`` when
    they may otherwise see the person); a sentence managed in another PDU, or a person the viewer may not
    record casework on (``RecordRefused``). No such sentence: ``RecordNotFound``.
    """
    lens = Lens.of(viewer)
    sentence = _sentences().filter(pk=record_id(lens, "sentence", sentence_id)).first()
    if sentence is None:
        raise RecordNotFound("No such sentence.")
    # Every refusal of a person's record is logged, the role's too, so the record is looked up first.
    if not (is_current(viewer) and access.can_allocate(viewer)):
        refuse(
            viewer=viewer,
            person_id=sentence.person_id,
            channel=channel,
            message="Only a senior probation officer or head of PDU can allocate cases.",
            role_only=True,
        )
    if sentence.person.pdu_id != viewer.pdu_id:
        refuse(viewer=viewer, person_id=sentence.person_id, channel=channel, message="")
    admit(viewer=viewer, person_id=sentence.person_id, channel=channel, purpose=purpose, casework=True)
    risk = current_risk(sentence.person)
    return QueuedCase(
        sentence=sentence,
        record=SentenceRecord.shape(sentence, lens),
        person=PersonRecord.shape(sentence.person, lens),
        risk=RiskRecord.shape(risk, lens) if risk is not None else None,
    )


# --- a sentence's allocations and transfers ---------------------------------------------------------------


@dataclass(frozen=True)
class AllocationEvent:
    """One allocation, transfer or correction in a sentence's history. Analysts see no names, no rationale and
    dates to the month."""

    kind: str  # "allocation", "transfer" or "correction"
    at: dt.datetime
    by: str | None  # the decider's name
    practitioner: str | None  # allocations: who was made responsible ("name (grade)")
    start_date: dt.date | None
    end_date: dt.date | None
    reason: str | None  # allocations: the reason from the list
    rationale: str | None
    from_pdu: str | None
    to_pdu: str | None
    status: str  # what became of it, in words


@dataclass(frozen=True)
class AllocationHistory:
    sentence: SentenceRecord
    person: PersonRecord
    events: list[AllocationEvent]


def _allocation_events(allocation: Any, lens: Lens) -> list[AllocationEvent]:
    practitioner = allocation.practitioner
    error = getattr(allocation, "correction", None)
    replaced = getattr(allocation, "corrected_from", None)
    if error is not None:
        status = "Made in error and corrected the same day"
    elif allocation.end_date is None:
        status = "Current"
    else:
        status = "Ended"
    if replaced is not None:
        status += "; replaced an allocation made in error"
    events = [
        AllocationEvent(
            kind="allocation",
            at=lens.date(allocation.allocated_at),
            by=allocation.allocated_by.full_name if lens.identity else None,
            practitioner=f"{practitioner.full_name} ({practitioner.get_grade_display()})"
            if lens.identity
            else None,
            start_date=lens.date(allocation.start_date),
            end_date=lens.date(allocation.end_date),
            reason=allocation.get_reason_display(),
            rationale=lens.text(allocation.rationale) or None,
            from_pdu=None,
            to_pdu=None,
            status=status,
        )
    ]
    if error is not None:
        events.append(
            AllocationEvent(
                kind="correction",
                at=lens.date(error.corrected_at),
                by=error.corrected_by.full_name if lens.identity else None,
                practitioner=None,
                start_date=None,
                end_date=None,
                reason=None,
                rationale=lens.text(error.reason) or None,
                from_pdu=None,
                to_pdu=None,
                status="The allocation above was made in error",
            )
        )
    return events


def _transfer_event(transfer: Any, lens: Lens) -> AllocationEvent:
    received = transfer.allocation
    return AllocationEvent(
        kind="transfer",
        at=lens.date(transfer.transferred_at),
        by=transfer.transferred_by.full_name if lens.identity else None,
        practitioner=None,
        start_date=None,
        end_date=None,
        reason=None,
        rationale=lens.text(transfer.reason) or None,
        from_pdu=transfer.from_pdu.name,
        to_pdu=transfer.to_pdu.name,
        status=(
            f"Waiting in {transfer.to_pdu.name}'s allocation queue"
            if received is None
            else f"Allocated in {transfer.to_pdu.name} from {date_text(lens.date(received.start_date))}"
        ),
    )


def allocation_history(
    *, viewer: StaffMember, sentence_id: int | str, channel: Channel, purpose: str
) -> AllocationHistory:
    """Who has been responsible for a sentence, who decided and why, its transfers and corrections: for anyone
    who may see the person, shaped for their role; the view or refusal is logged."""
    lens = Lens.of(viewer)
    sentence = _sentences().filter(pk=record_id(lens, "sentence", sentence_id)).first()
    if sentence is None:
        raise RecordNotFound("No such sentence.")
    admit(viewer=viewer, person_id=sentence.person_id, channel=channel, purpose=purpose)
    allocations, transfers = selectors.allocation_history(sentence.pk)
    events = [e for a in allocations for e in _allocation_events(a, lens)]
    events += [_transfer_event(t, lens) for t in transfers]
    # Latest first; within a moment a correction comes before the allocation it corrects.
    order = {"correction": 0, "transfer": 1, "allocation": 2}
    events.sort(key=lambda e: (e.at, -order[e.kind]), reverse=True)
    return AllocationHistory(
        sentence=SentenceRecord.shape(sentence, lens),
        person=PersonRecord.shape(sentence.person, lens),
        events=events,
    )


# --- consultations --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsultationRecord:
    """A consultation as its practitioner (or the manager who recorded it) sees it. When the practitioner may
    no longer open the person's record (an exclusion or restriction added after the consultation), nothing
    about the person is in it: no person, no sentence, no note, no comment."""

    id: int
    person: PersonRecord | None
    sentence_id: int | None
    sentence_type_label: str | None
    sentence_start_date: dt.date | None
    practitioner: str  # staff code
    practitioner_name: str
    consulted_on: dt.date
    notes: str | None
    recorded_by: str  # staff code
    recorded_by_name: str
    recorded_at: dt.datetime
    response: str
    response_label: str
    responded_at: dt.datetime | None
    practitioner_comment: str | None
    # Why the practitioner is asked: the offence flags of the case that call for a consultation (to the
    # practitioner consulted only). Never a member of staff's own sensitivities, which are private.
    flags: tuple[str, ...] = ()

    @property
    def pending(self) -> bool:
        return self.response == ConsultationResponse.PENDING

    @classmethod
    def shape(cls, consultation: Consultation, lens: Lens, *, visible: bool) -> "ConsultationRecord":
        """``consultation`` with its sentence, person (with PDU and region), practitioner and recorder loaded."""
        sentence = consultation.sentence
        return cls(
            id=consultation.pk,
            person=PersonRecord.shape(sentence.person, lens) if visible else None,
            sentence_id=lens.id(sentence.pk) if visible else None,
            sentence_type_label=sentence.get_type_display() if visible else None,
            sentence_start_date=lens.date(sentence.start_date) if visible else None,
            practitioner=consultation.practitioner.staff_code,
            practitioner_name=consultation.practitioner.full_name,
            consulted_on=consultation.consulted_on,
            notes=lens.text(consultation.notes) if visible else None,
            recorded_by=consultation.recorded_by.staff_code,
            recorded_by_name=consultation.recorded_by.full_name,
            recorded_at=consultation.recorded_at,
            response=consultation.response,
            response_label=consultation.get_response_display(),
            responded_at=consultation.responded_at,
            practitioner_comment=lens.text(consultation.practitioner_comment) if visible else None,
        )


@dataclass(frozen=True)
class OpenedConsultation:
    consultation: Consultation  # the model, for the answer service; pages render ``record``
    record: ConsultationRecord


def open_consultation(
    *, viewer: StaffMember, consultation_id: int | str, channel: Channel, purpose: str
) -> OpenedConsultation:
    """A consultation opened by the practitioner who was consulted, to read or answer it; the view is logged.

    Anyone else's consultation, or a person the practitioner may no longer open (excluded or restricted
    since), is ``RecordRefused``, with a refused row in the access log: an attempt on the person's record.
    """
    consultation = selectors.find_consultation(record_id(Lens.of(viewer), "consultation", consultation_id))
    if consultation is None:
        raise RecordNotFound("No such consultation.")
    if consultation.practitioner_id != viewer.pk:
        refuse(viewer=viewer, person_id=consultation.sentence.person_id, channel=channel, message="")
    admit(viewer=viewer, person_id=consultation.sentence.person_id, channel=channel, purpose=purpose)
    record = ConsultationRecord.shape(consultation, Lens.of(viewer), visible=True)
    flags = selectors.sentence_flags(consultation.sentence)
    # The case's flags that put it under the protocol, and any other flag of the case that matches what the
    # practitioner asked to be consulted about: described as facts of the case, not of the practitioner.
    asked = selectors.consultation_flags(viewer, flags)
    return OpenedConsultation(
        consultation=consultation,
        record=replace(record, flags=tuple(OffenceFlag(flag).label for flag in asked)),
    )


def _shaped_consultations(viewer: StaffMember, rows: list[Any]) -> tuple[list[ConsultationRecord], list[int]]:
    """The consultations shaped, and the people shown in them (those the viewer may still open)."""
    lens = Lens.of(viewer)
    return (
        [ConsultationRecord.shape(c, lens, visible=c.visible) for c in rows],
        [c.sentence.person_id for c in rows if c.visible],
    )


def consultations_with(
    *, viewer: StaffMember, channel: Channel, purpose: str, limit: int = 100
) -> list[ConsultationRecord]:
    """The consultations with the viewer, newest first (the latest ``limit``), each without the person when
    the viewer may no longer open their record; one export row per person shown."""
    ensure_current(viewer)
    rows = list(selectors.consultations_of(viewer).order_by("-recorded_at", "-pk")[:limit])
    records, shown = _shaped_consultations(viewer, rows)
    log_export(staff=viewer, channel=channel, detail=purpose, person_ids=shown)
    return records


def consultation_written(*, viewer: StaffMember, consultation: Consultation) -> ConsultationRecord:
    """A consultation the viewer has just recorded (on a queued sentence they opened) or answered (having
    opened it), as the answer to that write shows it."""
    reloaded = selectors.consultation(consultation.pk)
    return ConsultationRecord.shape(reloaded, Lens.of(viewer), visible=True)


# --- a practitioner's workload --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseLine:
    """One case counted in a workload figure. ``person`` is None when the viewer may not open the record: the
    line shows the case and its points, never who it is."""

    allocation_id: int
    sentence_id: int
    sentence_type_label: str
    sentence_start_date: dt.date
    person: PersonRecord | None
    case_type: str
    tier: str | None
    points: int


@dataclass(frozen=True)
class TaskLine:
    """A counted task (a report, mostly) as the viewer may see it. Its reference is free text written about a
    person, so it is left out when the task is about someone the viewer may not open."""

    id: int
    task_type: str
    task_type_label: str
    reference: str | None
    assigned_on: dt.date
    due_date: dt.date
    points: int | None

    @property
    def title(self) -> str:
        return f"{self.task_type_label} due {date_text(self.due_date)}"


def _task_lines(viewer: StaffMember, tasks: list[CountedTask]) -> tuple[list[TaskLine], list[int]]:
    """The tasks shaped for the viewer, and the people they show (those the viewer may open)."""
    about = {t.person_id for t in tasks if t.person_id is not None}
    visible = (
        set(visible_people(viewer).filter(pk__in=about).values_list("pk", flat=True)) if about else set()
    )
    lens = Lens.of(viewer)
    lines = [
        TaskLine(
            id=t.pk,
            task_type=t.task_type,
            task_type_label=t.get_task_type_display(),
            reference=lens.text(t.reference) if t.person_id is None or t.person_id in visible else None,
            assigned_on=t.assigned_on,
            due_date=t.due_date,
            points=getattr(t, "points", None),
        )
        for t in tasks
    ]
    return lines, sorted(visible)


@dataclass(frozen=True)
class ExplainedWorkload:
    """A figure and the lines it is made of, the people in them shaped for the viewer."""

    figure: Figure
    cases: list[CaseLine]
    tasks: list[TaskLine]  # counted on the day
    open_tasks: list[TaskLine]  # not yet completed, soonest due first
    reductions: list[ReductionLine]
    waiting: list[ConsultationRecord]  # consultations waiting for the practitioner's answer (their own page)

    @property
    def untiered(self) -> int:
        return len([line for line in self.cases if not line.tier])


def _case_line(allocation: Any, lens: Lens) -> CaseLine:
    sentence = allocation.sentence
    return CaseLine(
        allocation_id=allocation.pk,
        sentence_id=sentence.pk,
        sentence_type_label=sentence.get_type_display(),
        sentence_start_date=sentence.start_date,
        person=PersonRecord.shape(sentence.person, lens) if allocation.visible else None,
        case_type=allocation.case_type,
        tier=allocation.tier_on,
        points=allocation.points,
    )


def explained_workload(
    *,
    viewer: StaffMember,
    practitioner: StaffMember,
    day: dt.date,
    today: dt.date,
    channel: Channel,
    with_waiting: bool = False,
) -> ExplainedWorkload:
    """``practitioner``'s figure on ``day`` with every case, task and reduction in it, and (on their own page,
    ``with_waiting``) the consultations waiting for their answer. A person the viewer may not open is left out
    of their line; the people shown are logged, one export row each.

    Raises ``selectors.NoWeightingInForce`` for a day before the first weighting table.
    """
    ensure_current(viewer)
    access.ensure_can_view_workload_of(viewer, practitioner)
    lens = Lens.of(viewer)
    explained = selectors.breakdown(practitioner, viewer, day, today)
    cases = [_case_line(a, lens) for a in explained.cases]
    waiting: list[ConsultationRecord] = []
    waiting_shown: list[int] = []
    if with_waiting and viewer.pk == practitioner.pk:
        waiting, waiting_shown = _shaped_consultations(
            viewer, list(selectors.consultations_waiting_for(practitioner))
        )
    visible = [a.sentence.person_id for a in explained.cases if a.visible]  # type: ignore[attr-defined]
    tasks, tasks_shown = _task_lines(viewer, list(explained.tasks))
    open_tasks, open_shown = _task_lines(viewer, selectors.open_tasks_of(practitioner))
    shown = visible + waiting_shown + tasks_shown + open_shown
    if shown:
        log_export(
            staff=viewer,
            channel=channel,
            detail=f"Workload of {practitioner.staff_code} on {day.isoformat()}",
            person_ids=shown,
        )
    return ExplainedWorkload(
        figure=explained.figure,
        cases=cases,
        tasks=tasks,
        open_tasks=open_tasks,
        reductions=explained.reductions,
        waiting=waiting,
    )
