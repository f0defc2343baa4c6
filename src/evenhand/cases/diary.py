"""The door to the practitioner's day: appointments (book, move, cancel, a week's diary), requirement
progress, and the to-do list of a caseload and of a person.

Built on ``evenhand.people.door`` like ``evenhand.cases.door``: a person is opened through ``admit`` (checked
against the viewer, the view or refusal logged), a list logs one export row per person shown, and what is
shown is shaped for the viewer's role. The to-do list is casework: it is computed for viewers who see
identities only, from the records (``evenhand.cases.agenda``), never stored.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, overload

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page
from django.db.models import Q, QuerySet
from django.utils import timezone

from evenhand.audit.models import Channel
from evenhand.audit.services import log_export
from evenhand.core.calendar import bank_holidays_between
from evenhand.core.formatting import time_text
from evenhand.org.access import ensure_current
from evenhand.org.models import Grade, Role, StaffMember
from evenhand.people.access import visible_people
from evenhand.people.door import (
    RecordNotFound,
    admit,
    by_ref,
    open_person_and_model,
    person_for_casework,
    record_id,
    shaped_page,
    shaped_slice,
)
from evenhand.people.models import Person
from evenhand.people.records import Lens, PersonRecord

from . import agenda, selectors
from .door import CaseloadRow, _caseload_row, caseload_of
from .models import Contact, Requirement, Sentence
from .models.contact import ChangeRequestedBy
from .progress import COUNTED, Progress
from .records import OfSentence, _staff_code, _staff_name
from .todo import TodoKind


# --- an appointment, shaped ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AppointmentRecord(OfSentence):
    """A booked contact (an appointment) with what a diary shows: when, how, with whom, what it counts
    towards and what became of it. Analysts see the month only, no location, reason or staff names."""

    id: int | None
    token: str | None
    person_id: int | None
    person_token: str | None
    sentence_id: int | None
    sentence_token: str | None
    person_name: str | None
    person_crn: str | None
    type: str
    type_label: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    duration_minutes: int | None
    mode: str
    mode_label: str
    location: str | None
    with_staff: str | None  # staff code
    with_staff_name: str | None
    requirement: str | None
    outcome: str | None
    outcome_label: str | None
    change_requested_by: str | None
    change_requested_by_label: str | None
    change_reason: str | None
    rescheduled_from_id: int | None

    @property
    def booked(self) -> bool:
        return self.outcome is None

    @cached_property
    def time_label(self) -> str:
        """The local start time, GOV.UK style: 9am, 2:30pm."""
        return time_text(timezone.localtime(self.starts_at))

    @cached_property
    def hour(self) -> int:
        return timezone.localtime(self.starts_at).hour

    def started(self, now: dt.datetime) -> bool:
        return self.starts_at <= now

    @classmethod
    def shape(cls, contact: Contact, lens: Lens, *, person_name: str | None = None) -> "AppointmentRecord":
        """``contact`` with ``requirement`` and ``with_staff`` loaded; ``person_name`` as the viewer may see it
        (the person's shaped record's display name)."""
        return cls(
            id=lens.id(contact.pk),
            token=lens.token("contact", contact.pk),
            person_id=lens.id(contact.person_id),
            person_token=lens.token("person", contact.person_id),
            sentence_id=lens.id(contact.sentence_id),
            sentence_token=lens.token("sentence", contact.sentence_id),
            person_name=person_name,
            person_crn=contact.person.crn if lens.identity else None,
            type=contact.type,
            type_label=contact.get_type_display(),
            starts_at=lens.date(contact.starts_at),
            ends_at=lens.date(contact.ends_at) if contact.duration_minutes else None,
            duration_minutes=contact.duration_minutes,
            mode=contact.mode,
            mode_label=contact.get_mode_display(),
            location=lens.text(contact.location),
            with_staff=_staff_code(contact.with_staff, lens),
            with_staff_name=_staff_name(contact.with_staff, lens),
            requirement=str(contact.requirement) if contact.requirement is not None else None,
            outcome=contact.outcome or None,
            outcome_label=contact.get_outcome_display() or None,
            change_requested_by=contact.change_requested_by or None,
            change_requested_by_label=contact.get_change_requested_by_display() or None,
            change_reason=lens.text(contact.change_reason),
            rescheduled_from_id=lens.id(contact.rescheduled_from_id),
        )


def _appointment(contact: Contact, lens: Lens) -> AppointmentRecord:
    name = PersonRecord.shape(contact.person, lens).display_name
    return AppointmentRecord.shape(contact, lens, person_name=name)


# --- My cases with the to-do list -----------------------------------------------------------------------------

SORTS = ("name", "todo", *TodoKind.values)


@dataclass(frozen=True)
class TodoRow:
    """A caseload row with the count of each kind of to-do item."""

    case: CaseloadRow
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class CaseloadWithTodo:
    title: str
    page: Page | None
    sort: str
    totals: dict[str, int] = field(default_factory=dict)  # over the rows shown


class _InOrder(Sequence[Any]):
    """People in a given order of ids, loaded a page at a time (``Paginator`` slices it)."""

    def __init__(self, ids: list[int], rows: QuerySet[Person]) -> None:
        self.ids, self.rows = ids, rows
        self._read: dict[tuple[int, ...], list[Any]] = {}  # the paginator's page and the shown page: one read

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, int):
            return self[index : index + 1][0]
        chunk = tuple(self.ids[index])
        if chunk not in self._read:
            found = {p.pk: p for p in self.rows.filter(pk__in=chunk)}
            self._read[chunk] = [found[pk] for pk in chunk]
        return self._read[chunk]


def caseload_with_todo(
    *, viewer: StaffMember, page: Any, sort: str | None, channel: Channel, now: dt.datetime | None = None
) -> CaseloadWithTodo:
    """One page of "My cases" with each person's to-do counts, sorted by name (the default), by all to-do items
    (``todo``) or by one kind, most first. Sorting by to-do reads the whole caseload's items (a fixed number of
    grouped queries); by name, only the page's. Shaped and logged like the caseload."""
    title, people = caseload_of(viewer)
    sort = sort if sort in SORTS else "name"
    if not title:
        return CaseloadWithTodo(title, None, sort)
    lens = Lens.of(viewer)
    counts: dict[int, dict[str, int]] = {}
    rows: QuerySet[Person] | Sequence[Any] = people
    if sort != "name":
        ids = list(people.values_list("pk", flat=True))
        # The ids, not the caseload's query: as a subquery PostgreSQL plans the failures still waiting for a
        # decision over the whole country's contacts (seconds); a list of a PDU's ids it reads by index.
        counts = agenda.todo_counts(ids, viewer=viewer, now=now)

        def weight(pk: int) -> int:
            found = counts.get(pk)
            return 0 if found is None else sum(found.values()) if sort == "todo" else found[sort]

        ids.sort(key=lambda pk: -weight(pk))  # stable: ties keep the name order
        rows = _InOrder(ids, people)
    shaped = shaped_page(
        viewer=viewer,
        rows=rows,
        number=page,
        person_of=lambda p: p.pk,
        shape=lambda p: _caseload_row(p, lens),
        channel=channel,
        purpose=f"Caseload: {title}",
    )
    if sort == "name":
        shown = [row.person.id for row in shaped.object_list]
        counts = agenda.todo_counts(shown, viewer=viewer, now=now)
    none = dict.fromkeys(TodoKind.values, 0)
    shaped.object_list = [
        TodoRow(case=row, counts=counts.get(row.person.id, none)) for row in shaped.object_list
    ]
    totals = dict.fromkeys(TodoKind.values, 0)
    for row in shaped.object_list:
        for kind, n in row.counts.items():
            totals[kind] += n
    return CaseloadWithTodo(title, shaped, sort, totals)


# --- a person's day: to-do, upcoming appointments, requirement progress ---------------------------------------


@dataclass(frozen=True)
class PersonDay:
    todo: list[agenda.TodoItem]
    upcoming: list[AppointmentRecord]
    progress: dict[int, Progress]  # by requirement id


def person_day(*, viewer: StaffMember, person: PersonRecord, now: dt.datetime | None = None) -> PersonDay:
    """What the person page adds for the day: the person's to-do items, booked appointments and requirement
    progress. For a person the page has just opened (and logged); checked again here, so that it shows nothing
    to a viewer who may not see the person. Analysts get none of it (casework, with exact dates)."""
    lens = Lens.of(viewer)
    if not lens.identity or person.id is None:
        return PersonDay([], [], {})
    if not visible_people(viewer).filter(pk=person.id).exists():
        raise PermissionDenied("You cannot see this record.")
    now = now or timezone.now()
    items, progress = agenda.todo_and_progress([person.id], viewer=viewer, now=now)
    upcoming = [
        AppointmentRecord.shape(c, lens, person_name=person.display_name)
        for c in agenda.upcoming_for(Person(pk=person.id), now)[:20]
    ]
    return PersonDay(items.get(person.id, []), upcoming, progress)


# --- booking and changing appointments ---------------------------------------------------------------------


@dataclass(frozen=True)
class BookingCasework:
    """The booking form of a person: their running sentences, the requirements appointments count towards, and
    the staff an appointment may be with."""

    person: PersonRecord
    model: Person
    sentences: QuerySet[Sentence]
    requirements: QuerySet[Requirement]
    staff: QuerySet[StaffMember]
    has_sentences: bool


def _diary_staff(viewer: StaffMember) -> QuerySet[StaffMember]:
    """Current practitioners of the viewer's PDU (and the viewer), whom an appointment may be with."""
    today = timezone.localdate()
    current = Q(end_date__isnull=True) | Q(end_date__gte=today)
    staff = StaffMember.objects.filter(current, start_date__lte=today).select_related("team")
    mine = Q(pk=viewer.pk)
    if viewer.pdu_id is not None:
        mine |= Q(team__pdu_id=viewer.pdu_id, grade__in=[Grade.PSO, Grade.PO, Grade.SPO])
    return staff.filter(mine).order_by("last_name", "first_name", "pk")


def booking_casework(
    *, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str
) -> BookingCasework:
    person = person_for_casework(
        viewer=viewer,
        person_id=ref,  # type: ignore[arg-type]  # an id or an analyst's token, as record_id takes
        channel=channel,
        purpose=purpose,
    )
    sentences = selectors.active_sentences(person)
    requirements = (
        Requirement.objects.filter(sentence__in=sentences, type__in=COUNTED)
        .select_related("sentence")
        .order_by("sentence__start_date", "pk")
    )
    return BookingCasework(
        person=PersonRecord.shape(person, Lens.of(viewer)),
        model=person,
        sentences=sentences,
        requirements=requirements,
        staff=_diary_staff(viewer),
        has_sentences=sentences.exists(),
    )


@dataclass(frozen=True)
class AppointmentCasework:
    """An appointment opened to reschedule or cancel it, or to record its outcome from the diary."""

    person: PersonRecord
    appointment: AppointmentRecord
    model: Contact
    staff: QuerySet[StaffMember]


def appointment_casework(
    *, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str
) -> AppointmentCasework:
    lens = Lens.of(viewer)
    found = (
        agenda.appointments()
        .select_related("person__pdu__region")
        .filter(pk=record_id(lens, "contact", ref))
        .first()
    )
    if found is None:
        raise RecordNotFound("No such appointment.")
    admit(viewer=viewer, person_id=found.person_id, channel=channel, purpose=purpose, casework=True)
    person = PersonRecord.shape(found.person, lens)
    return AppointmentCasework(
        person=person,
        appointment=AppointmentRecord.shape(found, lens, person_name=person.display_name),
        model=found,
        staff=_diary_staff(viewer),
    )


def written_appointment(*, viewer: StaffMember, contact_id: int) -> AppointmentRecord:
    """An appointment the viewer has just booked or changed, shaped for them (its person was opened, and
    logged, to write it)."""
    return _appointment(agenda.appointments().get(pk=contact_id), Lens.of(viewer))


def requirement_of(*, sentence: Sentence, requirement_id: int | None) -> Requirement | None:
    """A requirement of a sentence already opened for casework (None when none is named); a requirement of
    another sentence is no such requirement."""
    if requirement_id is None:
        return None
    found = Requirement.objects.filter(sentence=sentence, pk=requirement_id).first()
    if found is None:
        raise ValidationError({"requirement_id": "There is no requirement with this id on the sentence"})
    return found


def staff_for_diary(*, viewer: StaffMember, staff_id: int | None) -> StaffMember | None:
    """A member of staff an appointment may be with (a current practitioner of the viewer's PDU), or None."""
    if staff_id is None:
        return None
    found = _diary_staff(viewer).filter(pk=staff_id).first()
    if found is None:
        raise ValidationError({"with_staff_id": "There is no practitioner with this id in your PDU"})
    return found


# --- a practitioner's week ---------------------------------------------------------------------------------


def may_see_diary(viewer: StaffMember, practitioner: StaffMember) -> bool:
    """A practitioner sees their own diary; an SPO their team's; a head of PDU their PDU's."""
    if viewer.pk == practitioner.pk:
        return viewer.role in (Role.PRACTITIONER, Role.SPO, Role.HEAD_OF_PDU)
    if viewer.role == Role.SPO:
        return viewer.team_id is not None and practitioner.team_id == viewer.team_id
    if viewer.role == Role.HEAD_OF_PDU:
        return viewer.pdu_id is not None and practitioner.pdu_id == viewer.pdu_id
    return False


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class DiaryDay:
    day: dt.date
    bank_holiday: bool
    appointments: list[AppointmentRecord]


@dataclass(frozen=True)
class WeekPage:
    practitioner: StaffMember
    monday: dt.date
    days: list[DiaryDay]  # Monday to Sunday
    appointments: list[AppointmentRecord]
    hidden: int  # appointments with people the viewer may not open, counted but not shown
    colleagues: list[StaffMember]  # whose diaries the viewer may open

    @property
    def previous(self) -> dt.date:
        return self.monday - dt.timedelta(days=7)

    @property
    def next(self) -> dt.date:
        return self.monday + dt.timedelta(days=7)

    @property
    def hours(self) -> list[int]:
        """The hours the calendar shows: 8am to 6pm, widened to any appointment outside them."""
        starts = [timezone.localtime(a.starts_at).hour for a in self.appointments]
        return list(range(min([8, *starts]), max([17, *starts]) + 1))


def _staff(pk: int | str | None) -> StaffMember | None:
    try:
        return StaffMember.objects.select_related("team").get(pk=int(pk)) if pk is not None else None
    except (ValueError, TypeError, StaffMember.DoesNotExist):
        return None


def _colleagues(viewer: StaffMember) -> list[StaffMember]:
    if viewer.role == Role.SPO and viewer.team_id:
        return list(_diary_staff(viewer).filter(team_id=viewer.team_id))
    if viewer.role == Role.HEAD_OF_PDU:
        return list(_diary_staff(viewer))
    return []


def week_page(
    *, viewer: StaffMember, practitioner_id: int | str | None, day: dt.date, channel: Channel
) -> WeekPage:
    """A practitioner's appointments in the week holding ``day``, for the viewer (their own when no
    practitioner is named). Appointments with people the viewer may not open are counted, not shown; the
    people shown are logged, one export row each."""
    ensure_current(viewer)
    practitioner = viewer if practitioner_id in (None, "") else _staff(practitioner_id)
    if practitioner is None:
        raise RecordNotFound("No such member of staff.")
    if not may_see_diary(viewer, practitioner):
        raise PermissionDenied("You cannot see this diary.")
    lens = Lens.of(viewer)
    monday = monday_of(day)
    # Only the relations a diary row shows: the person (with the unit their record is shaped by), the
    # requirement and the practitioner.
    rows = list(
        agenda.week_of(practitioner, monday)
        .select_related(None)
        .select_related("person__pdu__region", "requirement", "with_staff")
    )
    # Who of the week's people the viewer may open, asked of those people only (as a subquery over everyone
    # PostgreSQL costs the whole table and compiles the plan: a second a page).
    about = {c.person_id for c in rows}
    visible = (
        set(visible_people(viewer).filter(pk__in=about).values_list("pk", flat=True)) if about else set()
    )
    shown = [c for c in rows if c.person_id in visible]
    log_export(
        staff=viewer,
        channel=channel,
        detail=f"Diary of {practitioner.staff_code} for the week of {monday.isoformat()}",
        person_ids=sorted({c.person_id for c in shown}),
    )
    listed = [_appointment(c, lens) for c in shown]
    holidays = set(bank_holidays_between(monday, monday + dt.timedelta(days=6)))
    on: dict[dt.date, list[AppointmentRecord]] = {}
    for a in listed:
        on.setdefault(timezone.localdate(a.starts_at), []).append(a)
    days = [
        DiaryDay(day=d, bank_holiday=d in holidays, appointments=on.get(d, []))
        for d in (monday + dt.timedelta(days=n) for n in range(7))
    ]
    return WeekPage(practitioner, monday, days, listed, len(rows) - len(shown), _colleagues(viewer))


# --- lists for the API ------------------------------------------------------------------------------------


def list_appointments(
    *,
    viewer: StaffMember,
    person: str | None = None,
    with_staff: int | None = None,
    booked: bool | None = None,
    starts_from: dt.datetime | None = None,
    starts_to: dt.datetime | None = None,
    offset: int,
    limit: int,
    channel: Channel,
    purpose: str,
) -> tuple[int, list[AppointmentRecord]]:
    """Appointments (contacts with a practitioner named) the viewer may see, soonest first, shaped; the page is
    logged as an export. Casework roles only: an analyst is refused (appointments are tomorrow's casework, not
    data for analysis, which the contacts list serves)."""
    if not Lens.of(viewer).identity:
        raise PermissionDenied("Your role cannot see appointments.")
    rows = agenda.appointments().filter(person__in=visible_people(viewer), with_staff__isnull=False)
    rows = by_ref(rows, "person_id", Lens.of(viewer), "person", person)
    if with_staff is not None:
        rows = rows.filter(with_staff_id=with_staff)
    if booked is not None:
        rows = rows.filter(outcome="") if booked else rows.exclude(outcome="")
    if starts_from is not None:
        rows = rows.filter(starts_at__gte=starts_from)
    if starts_to is not None:
        rows = rows.filter(starts_at__lt=starts_to)
    lens = Lens.of(viewer)
    return shaped_slice(
        viewer=viewer,
        rows=rows.order_by("starts_at", "pk"),
        offset=offset,
        limit=limit,
        person_of=lambda c: c.person_id,
        shape=lambda c: _appointment(c, lens),
        channel=channel,
        purpose=purpose,
    )


@dataclass(frozen=True)
class PersonTodo:
    person: PersonRecord
    items: list[agenda.TodoItem]


def person_todo(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> PersonTodo:
    """A person's to-do list for the API, opened through the door like the person page (the view logged).
    An analyst, who sees no casework and no exact dates, gets the person's pseudonymised record and no items."""
    person, record = open_person_and_model(viewer=viewer, ref=ref, channel=channel, purpose=purpose)
    if not Lens.of(viewer).identity:
        return PersonTodo(record, [])
    return PersonTodo(record, agenda.todo_items([person.pk], viewer=viewer).get(person.pk, []))


__all__ = [
    "SORTS",
    "AppointmentCasework",
    "AppointmentRecord",
    "BookingCasework",
    "CaseloadWithTodo",
    "ChangeRequestedBy",
    "PersonDay",
    "PersonTodo",
    "TodoRow",
    "WeekPage",
    "appointment_casework",
    "booking_casework",
    "caseload_with_todo",
    "list_appointments",
    "may_see_diary",
    "monday_of",
    "person_day",
    "person_todo",
    "requirement_of",
    "staff_for_diary",
    "week_page",
    "written_appointment",
]
