"""Appointments (book one or a weekly series, reschedule, cancel, list) and the to-do list (a caseload's
counts, a person's items). Through the diary door (``evenhand.cases.diary``), which checks the caller, logs
each person shown and shapes what is returned; the services hold the rules."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from evenhand.audit.models import Channel
from evenhand.cases import diary
from evenhand.cases.door import sentence_for_casework
from evenhand.cases.models import ContactOutcome, ContactType
from evenhand.cases.models.contact import ChangeRequestedBy, ContactMode
from evenhand.cases.services.appointments import (
    SeriesBooked,
    book_appointment,
    book_series,
    cancel_appointment,
    reschedule_appointment,
)
from evenhand.cases.todo import TodoKind
from evenhand.people.door import require_casework

from ..auth import staff_of
from ..schemas import (
    LIST_ERRORS,
    LONG_TEXT,
    READ_ERRORS,
    WRITE_ERRORS,
    FilterRef,
    FilterTime,
    Id,
    PageQuery,
    Ref,
    Text,
    Time,
)
from .common import api_field_names, listed, loaded_for_casework, purpose, refused_as_missing

router = Router(tags=["appointments"])
todo_router = Router(tags=["to-do list"])


class AppointmentOut(Schema):
    id: int = Field(description="The contact's id: an appointment is a contact booked ahead")
    person_id: int
    person_name: str | None
    person_crn: str | None
    sentence_id: int
    type: ContactType
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    duration_minutes: int | None
    mode: ContactMode
    location: str | None
    with_staff: str | None = Field(description="Staff code of the practitioner it is with")
    requirement: str | None = Field(description="The requirement it counts towards")
    outcome: ContactOutcome | None = Field(description="Null while it is booked")
    change_requested_by: ChangeRequestedBy | None
    change_reason: str | None
    rescheduled_from_id: int | None


class PagedAppointmentOut(Schema):
    items: list[AppointmentOut]
    count: int


class AppointmentFilter(Schema):
    person: FilterRef = Field(None, description="The person's id")
    with_staff: Id | None = Field(None, description="The id of the practitioner the appointments are with")
    booked: bool | None = Field(None, description="True: no outcome yet; false: with an outcome")
    starts_from: FilterTime = Field(None, alias="from", description="Starts at or after")
    starts_to: FilterTime = Field(None, alias="to", description="Starts before")


class AppointmentIn(Schema):
    sentence_id: Id
    type: ContactType
    starts_at: Time = Field(description="With a time zone offset; in the future, not on a bank holiday")
    mode: ContactMode = ContactMode.IN_PERSON
    location: Text = Field("", max_length=120, description="Needed in person")
    with_staff_id: Id | None = Field(None, description="The practitioner; the caller when not given")
    duration_minutes: int | None = Field(None, ge=5, le=720, description="Needed for unpaid work")
    requirement_id: Id | None = Field(None, description="The requirement of the sentence it counts towards")
    occurrences: int = Field(1, ge=1, le=52, description="More than one books a series at the same time")
    every_days: Literal[7, 14] = Field(7, description="The interval of a series: weekly or fortnightly")
    notes: Text = Field("", max_length=LONG_TEXT)


class BookedOut(Schema):
    appointments: list[AppointmentOut]
    skipped: list[dt.date] = Field(description="Bank holidays a series skipped")


class RescheduleIn(Schema):
    starts_at: Time
    requested_by: ChangeRequestedBy
    reason: Text = Field(max_length=LONG_TEXT)
    with_staff_id: Id | None = None
    location: Text | None = Field(None, max_length=120, description="The same location when not given")


class CancelIn(Schema):
    requested_by: ChangeRequestedBy
    reason: Text = Field(max_length=LONG_TEXT)


@router.get("", response={200: PagedAppointmentOut, **LIST_ERRORS}, summary="List appointments")
def list_appointments(
    request: HttpRequest, filters: Query[AppointmentFilter], page: Query[PageQuery]
) -> dict[str, Any]:
    """Appointments the caller may see, soonest first (casework roles). Each page is logged as an export."""
    return listed(
        request,
        diary.list_appointments,
        page,
        person=filters.person,
        with_staff=filters.with_staff,
        booked=filters.booked,
        starts_from=filters.starts_from,
        starts_to=filters.starts_to,
    )


@router.post("", response={201: BookedOut, **WRITE_ERRORS}, summary="Book an appointment or a weekly series")
def book(request: HttpRequest, payload: AppointmentIn) -> Status:
    """Book one appointment, or ``occurrences`` of them every ``every_days`` days, skipping bank holidays."""
    staff = staff_of(request)
    require_casework(staff)
    with loaded_for_casework("sentence_id", "sentence"):
        sentence = sentence_for_casework(
            viewer=staff, sentence_id=payload.sentence_id, channel=Channel.API, purpose=purpose(request)
        )
    arguments: dict[str, Any] = {
        "sentence": sentence,
        "type": payload.type,
        "starts_at": payload.starts_at,
        "mode": payload.mode,
        "location": payload.location,
        "with_staff": diary.staff_for_diary(viewer=staff, staff_id=payload.with_staff_id),
        "duration_minutes": payload.duration_minutes,
        "requirement": diary.requirement_of(sentence=sentence, requirement_id=payload.requirement_id),
        "notes": payload.notes,
    }
    with api_field_names(requirement="requirement_id", with_staff="with_staff_id", sentence="sentence_id"):
        if payload.occurrences > 1:
            booked = book_series(
                by=staff, occurrences=payload.occurrences, every_days=payload.every_days, **arguments
            )
        else:
            booked = SeriesBooked([book_appointment(by=staff, **arguments)], [])
    return Status(
        201,
        {
            "appointments": [
                diary.written_appointment(viewer=staff, contact_id=c.pk) for c in booked.contacts
            ],
            "skipped": booked.skipped,
        },
    )


@router.post(
    "/{ref:ref}/reschedule",
    response={200: AppointmentOut, **WRITE_ERRORS},
    summary="Reschedule an appointment",
)
def reschedule(request: HttpRequest, ref: Path[Ref], payload: RescheduleIn) -> diary.AppointmentRecord:
    """Record the appointment as rescheduled (who asked, why) and book its replacement, which is returned."""
    staff = staff_of(request)
    with loaded_for_casework(None, "appointment"):
        page = diary.appointment_casework(
            viewer=staff, ref=ref, channel=Channel.API, purpose=purpose(request)
        )
    with api_field_names(with_staff="with_staff_id"):
        new = reschedule_appointment(
            by=staff,
            contact=page.model,
            starts_at=payload.starts_at,
            requested_by=payload.requested_by,
            reason=payload.reason,
            with_staff=diary.staff_for_diary(viewer=staff, staff_id=payload.with_staff_id),
            location=payload.location,
        )
    return diary.written_appointment(viewer=staff, contact_id=new.pk)


@router.post(
    "/{ref:ref}/cancel", response={200: AppointmentOut, **WRITE_ERRORS}, summary="Cancel an appointment"
)
def cancel(request: HttpRequest, ref: Path[Ref], payload: CancelIn) -> diary.AppointmentRecord:
    """Record a booked appointment that has not started as cancelled, with who asked and why."""
    staff = staff_of(request)
    with loaded_for_casework(None, "appointment"):
        page = diary.appointment_casework(
            viewer=staff, ref=ref, channel=Channel.API, purpose=purpose(request)
        )
    cancelled = cancel_appointment(
        by=staff, contact=page.model, requested_by=payload.requested_by, reason=payload.reason
    )
    return diary.written_appointment(viewer=staff, contact_id=cancelled.pk)


# --- the to-do list ----------------------------------------------------------------------------------------


class TodoItemOut(Schema):
    kind: TodoKind
    due: dt.date
    overdue: bool
    text: str
    record_id: int | None = Field(
        description="The contact, sentence, requirement, referral or consultation it is about"
    )


class PersonTodoOut(Schema):
    person_id: int | None = Field(description="Null for analysts, who get no items")
    crn: str | None
    items: list[TodoItemOut]


class CaseloadTodoRowOut(Schema):
    person_id: int
    crn: str | None
    name: str
    counts: dict[str, int] = Field(description="How many items of each kind")
    total: int


class CaseloadTodoOut(Schema):
    title: str
    sort: str
    count: int
    page: int
    items: list[CaseloadTodoRowOut]


class CaseloadQuery(Schema):
    sort: Literal["name", "todo", *TodoKind.values] = "name"  # type: ignore[valid-type]
    page: int = Field(1, ge=1, le=100_000)


@todo_router.get("", response={200: CaseloadTodoOut, **LIST_ERRORS}, summary="To-do counts for My cases")
def caseload_todo(request: HttpRequest, query: Query[CaseloadQuery]) -> dict[str, Any]:
    """The caller's caseload (a practitioner's own, an SPO's team's, a head of PDU's PDU's) a page at a time,
    with each person's to-do counts; sorted by name, by all items or by one kind. Logged as an export."""
    found = diary.caseload_with_todo(
        viewer=staff_of(request), page=query.page, sort=query.sort, channel=Channel.API
    )
    if found.page is None:
        return {"title": "", "sort": found.sort, "count": 0, "page": 1, "items": []}
    return {
        "title": found.title,
        "sort": found.sort,
        "count": found.page.paginator.count,
        "page": found.page.number,
        "items": [
            {
                "person_id": row.case.person.id,
                "crn": row.case.person.crn,
                "name": row.case.person.display_name,
                "counts": row.counts,
                "total": row.total,
            }
            for row in found.page.object_list
        ],
    }


@todo_router.get(
    "/people/{ref:ref}", response={200: PersonTodoOut, **READ_ERRORS}, summary="A person's to-do list"
)
def person_todo(request: HttpRequest, ref: Path[Ref]) -> dict[str, Any]:
    """What is due or overdue for one person, computed from their records (none for analysts)."""
    with refused_as_missing():
        found = diary.person_todo(
            viewer=staff_of(request), ref=ref, channel=Channel.API, purpose=purpose(request)
        )
    return {"person_id": found.person.id, "crn": found.person.crn, "items": found.items}
