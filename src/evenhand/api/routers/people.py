"""People on probation: list (an export, logged), read (a view, logged) and register (with the duplicate
check); the diversity profile and its history; who may see a record (its exclusion and restriction lists)."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from evenhand.audit.models import Channel
from evenhand.core.ids import MAX_ID
from evenhand.org.selectors import pdu_by_code
from evenhand.people import door, services
from evenhand.people.models import Characteristic, IdentifiedBy, Sex
from evenhand.people.records import AccessPage, DiversityEntryRecord, DiversityPage, Lens, PersonRecord
from evenhand.people.selectors import staff_by_code

from ..auth import staff_of
from ..schemas import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    AddressIn,
    ErrorOut,
    PagedPersonOut,
    PageQuery,
    PersonFilter,
    PersonIn,
    PersonOut,
    Ref,
    Text,
)
from .common import api_field_names, field_error, listed, purpose, read, refused_as_missing

router = Router(tags=["people"])


# --- schemas of this router -----------------------------------------------------------------------------------


class DiversityEntryIn(Schema):
    characteristic: Characteristic
    value: Text = Field(
        max_length=20,
        description="A code of the characteristic's choices (ethnicity: A1…O2, PNS, NR; the others: their codes)",
    )
    identified_by: IdentifiedBy | None = Field(
        None, description="self (the person) or staff (observed); null only for not recorded"
    )
    identified_on: dt.date = Field(description="When it was identified: in force from this date")
    detail: Text = Field(
        "", max_length=200, description="Reasonable adjustments for a disability, or the person's own words"
    )


class DiversityCorrectionIn(DiversityEntryIn):
    corrects: int = Field(ge=1, le=MAX_ID, description="The id of the row of the history entered in error")
    reason: Text = Field(max_length=200, description="Why it is corrected")


class DiversityEntryOut(Schema):
    id: int | None = Field(description="Null for analysts")
    characteristic: Characteristic
    value: str
    value_label: str
    detail: str | None = Field(description="Null for analysts")
    identified_by: IdentifiedBy | None
    identified_on: dt.date = Field(description="For analysts the first day of its month")
    carried_over: bool = Field(
        description="Recorded before the history was kept: who identified it is unknown"
    )
    recorded_by_name: str | None = Field(description="Null for analysts")
    recorded_at: dt.datetime
    is_corrected: bool = Field(description="Entered in error and corrected by a later row: never in force")
    is_correction: bool = Field(description="This row corrects an earlier one entered in error")
    correction_reason: str | None = Field(description="Null for analysts")


class DiversityPageOut(Schema):
    person: PersonOut
    history: list[DiversityEntryOut] = Field(description="Every value recorded, newest first")


class PersonCorrectionIn(Schema):
    """The details to change (only those given), and why. The CRN never changes."""

    reason: Text = Field(max_length=200)
    first_name: Text | None = Field(None, max_length=100)
    middle_names: Text | None = Field(None, max_length=100)
    last_name: Text | None = Field(None, max_length=100)
    preferred_name: Text | None = Field(None, max_length=100)
    date_of_birth: dt.date | None = None
    sex: Sex | None = None
    pnc: Text | None = Field(None, max_length=13)
    first_language: Text | None = Field(None, max_length=60)
    interpreter_required: bool | None = None
    phone: Text | None = Field(None, max_length=20)
    email: Text | None = Field(None, max_length=120)


class NewAddressIn(AddressIn):
    replaces_current: bool = Field(
        False, description="A move: the addresses they live at now end the day before this one starts"
    )


class AccessEntryOut(Schema):
    list_name: Literal["exclusion", "restriction"]
    staff_code: str
    staff_name: str
    staff_role: str
    reason: str
    review_on: dt.date | None
    added_by_name: str | None
    added_at: dt.datetime


class AccessPageOut(Schema):
    person: PersonOut
    exclusions: list[AccessEntryOut]
    restrictions: list[AccessEntryOut]


class AccessChangeIn(Schema):
    action: Literal["add", "remove"]
    list_name: Literal["exclusion", "restriction"]
    staff_code: Text = Field(
        max_length=16, description="The staff code of the member of staff to add or remove"
    )
    reason: Text = Field(max_length=200)
    review_on: dt.date | None = Field(None, description="When to review the entry (needed to add)")


# --- people -------------------------------------------------------------------------------------------------


@router.get("", response={200: PagedPersonOut, **LIST_ERRORS}, summary="List people")
def list_people(request: HttpRequest, filters: Query[PersonFilter], page: Query[PageQuery]) -> dict[str, Any]:
    """People the caller may see, by surname (analysts: in no meaningful order, and never by name or CRN:
    403). Each page is logged as an export."""
    return listed(request, door.list_people, page, pdu=filters.pdu, crn=filters.crn, name=filters.name)


@router.get("/{ref:ref}", response={200: PersonOut, **READ_ERRORS}, summary="Read a person")
def read_person(request: HttpRequest, ref: Path[Ref]) -> PersonRecord:
    """One person record; the view is written to the access log, and so is a refused attempt."""
    return read(request, door.open_person, ref)


@router.post(
    "",
    response={201: PersonOut, **WRITE_ERRORS},
    summary="Register a person",
)
def register_person(request: HttpRequest, payload: PersonIn) -> Status:
    """Register a person on probation in your own PDU. Only the casework roles register people (analysts,
    inspectors and administrators: 403). Leave ``crn`` out for Evenhand to give the next CRN.

    Before anything is saved, people already held with the same PNC number, or the same date of birth and a
    similar name, are looked for: if there are any the answer is 409 with those you may see (and how many
    others), each in ``errors.candidates`` as "id: name, CRN, date of birth, PDU: why"; use the existing
    record, or send the registration again with ``distinct_reason``."""
    staff = staff_of(request)
    door.require_casework(staff)
    pdu = pdu_by_code(payload.pdu)
    if pdu is None:
        raise field_error("pdu", "There is no PDU with this code")
    try:
        person = services.create_person(
            by=staff,
            crn=payload.crn,
            first_name=payload.first_name,
            middle_names=payload.middle_names,
            last_name=payload.last_name,
            preferred_name=payload.preferred_name,
            date_of_birth=payload.date_of_birth,
            sex=payload.sex,
            pdu=pdu,
            pnc=payload.pnc,
            first_language=payload.first_language,
            interpreter_required=payload.interpreter_required,
            phone=payload.phone,
            email=payload.email,
            gender_identity=payload.gender_identity or "",
            gender_identity_words=payload.gender_identity_words,
            addresses=[services.AddressIn(**address.dict()) for address in payload.addresses],
            distinct_reason=payload.distinct_reason,
        )
    except services.PossibleDuplicates as found:
        shown, others = door.shape_candidates(
            viewer=staff, candidates=found.candidates, channel=Channel.API, purpose=purpose(request)
        )
        detail = "People already held may be this person; nothing was registered."
        if others:
            detail += f" {others} more {'is' if others == 1 else 'are'} in records you may not open."
        return Status(
            409,
            {
                "detail": detail,
                "errors": {
                    **found.message_dict,
                    "candidates": [
                        f"{c.person.id}: {c.person.display_name}, CRN {c.person.crn}, born "
                        f"{c.person.date_of_birth:%d %B %Y}, {c.person.pdu_name}: {c.reason}"
                        for c in shown
                    ],
                },
            },
        )
    # The registrar's first sight of the record: one view in the access log.
    record = door.open_person(viewer=staff, ref=person.pk, channel=Channel.API, purpose=purpose(request))
    return Status(201, record)


# --- the diversity profile --------------------------------------------------------------------------------------


@router.get(
    "/{ref:ref}/diversity",
    response={200: DiversityPageOut, 403: ErrorOut, **READ_ERRORS},
    summary="Read a person's diversity profile and its history",
)
def read_diversity(request: HttpRequest, ref: Path[Ref]) -> DiversityPage:
    """The diversity profile in force today and every value recorded, newest first: for roles that may see
    special-category data (administrators: 403). The view, or the refusal, is logged."""
    return read(request, door.open_diversity, ref)


@router.post(
    "/{ref:ref}/diversity",
    response={201: DiversityEntryOut, **WRITE_ERRORS},
    summary="Record a value of a person's diversity profile",
)
def record_diversity(request: HttpRequest, ref: Path[Ref], payload: DiversityEntryIn) -> Status:
    """A new row of the history: the value before stays on record. Casework roles only (others: 403, logged
    as a refusal)."""
    staff = staff_of(request)
    with refused_as_missing():
        person = door.person_for_diversity(
            viewer=staff, ref=ref, channel=Channel.API, purpose=purpose(request)
        )
    entry = services.record_diversity_value(
        by=staff,
        person=person,
        characteristic=payload.characteristic,
        value=payload.value,
        identified_by=payload.identified_by or "",
        identified_on=payload.identified_on,
        detail=payload.detail,
    )
    return Status(201, DiversityEntryRecord.shape(entry, Lens.of(staff)))


@router.post(
    "/{ref:ref}/diversity/corrections",
    response={201: DiversityEntryOut, **WRITE_ERRORS},
    summary="Correct a value of a person's diversity profile entered in error",
)
def correct_diversity(request: HttpRequest, ref: Path[Ref], payload: DiversityCorrectionIn) -> Status:
    """A new row pointing at the one entered in error: that row stays in the history, never in force again.
    ``characteristic`` must be the corrected row's. Casework roles only."""
    staff = staff_of(request)
    with refused_as_missing():
        person = door.person_for_diversity(
            viewer=staff, ref=ref, channel=Channel.API, purpose=purpose(request)
        )
    entry = door.diversity_entry_to_correct(person=person, ref=str(payload.corrects))
    if entry is None:
        raise field_error("corrects", "There is no row of this person's diversity history with this id")
    if entry.characteristic != payload.characteristic:
        raise field_error(
            "characteristic", f"The row corrected is of {entry.get_characteristic_display().lower()}"
        )
    correction = services.correct_diversity_entry(
        by=staff,
        entry=entry,
        value=payload.value,
        identified_by=payload.identified_by or "",
        identified_on=payload.identified_on,
        detail=payload.detail,
        reason=payload.reason,
    )
    return Status(201, DiversityEntryRecord.shape(correction, Lens.of(staff)))


# --- correcting a person's details ------------------------------------------------------------------------------


@router.patch("/{ref:ref}", response={200: PersonOut, **WRITE_ERRORS}, summary="Correct a person's details")
def correct_person(request: HttpRequest, ref: Path[Ref], payload: PersonCorrectionIn) -> PersonRecord:
    """Change the details given (each change kept with the value before and the reason); the CRN never
    changes. Casework roles who may see the record only."""
    staff = staff_of(request)
    with refused_as_missing():
        person = door.person_for_casework(
            viewer=staff, person_id=ref, channel=Channel.API, purpose=purpose(request)
        )
    changes = payload.dict(exclude={"reason"}, exclude_none=True)
    services.correct_person(by=staff, person=person, reason=payload.reason, **changes)
    return door.open_person(viewer=staff, ref=person.pk, channel=Channel.API, purpose=purpose(request))


@router.post(
    "/{ref:ref}/addresses", response={201: PersonOut, **WRITE_ERRORS}, summary="Add an address to a person"
)
def add_address(request: HttpRequest, ref: Path[Ref], payload: NewAddressIn) -> Status:
    """An address with its dates; ``replaces_current`` for a move. Casework roles only."""
    staff = staff_of(request)
    with refused_as_missing():
        person = door.person_for_casework(
            viewer=staff, person_id=ref, channel=Channel.API, purpose=purpose(request)
        )
    with api_field_names(
        **{f"addresses.0.{k}": k for k in ("line_1", "line_2", "town", "postcode", "start_date", "end_date")}
    ):
        services.add_address(
            by=staff,
            person=person,
            address=services.AddressIn(**payload.dict(exclude={"replaces_current"})),
            replaces_current=payload.replaces_current,
        )
    return Status(
        201, door.open_person(viewer=staff, ref=person.pk, channel=Channel.API, purpose=purpose(request))
    )


# --- who may see a record -----------------------------------------------------------------------------------


@router.get(
    "/{ref:ref}/access",
    response={200: AccessPageOut, 403: ErrorOut, **READ_ERRORS},
    summary="Read who may see a person's record",
)
def read_access(request: HttpRequest, ref: Path[Ref]) -> AccessPage:
    """The record's exclusion and restriction lists, for a head of its PDU (or an administrator where the
    service allows): anyone else who may see the record 403, others 404. The view is logged."""
    return read(request, door.open_access, ref)


@router.post(
    "/{ref:ref}/access",
    response={200: AccessPageOut, **WRITE_ERRORS},
    summary="Add someone to, or take them off, a record's exclusion or restriction list",
)
def change_access(request: HttpRequest, ref: Path[Ref], payload: AccessChangeIn) -> AccessPage:
    """Each change is an access-log event. A change that would leave a restricted record with nobody able to
    manage it is refused (422)."""
    staff = staff_of(request)
    with refused_as_missing():
        person = door.person_for_access(viewer=staff, ref=ref, channel=Channel.API, purpose=purpose(request))
    member = staff_by_code(payload.staff_code)
    if member is None:
        raise field_error("staff_code", "There is no member of staff with this code")
    with api_field_names(staff="staff_code", list="list_name"):
        if payload.action == "remove":
            services.remove_from_access_list(
                by=staff,
                person=person,
                list_name=payload.list_name,
                staff=member,
                reason=payload.reason,
                channel=Channel.API,
            )
        else:
            services.add_to_access_list(
                by=staff,
                person=person,
                list_name=payload.list_name,
                staff=member,
                reason=payload.reason,
                review_on=payload.review_on,
                channel=Channel.API,
            )
    return door.access_page(viewer=staff, person=person)
