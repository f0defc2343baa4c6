"""People on probation: list (an export, logged), read (a view, logged) and register."""

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from evenhand.audit.models import Channel
from evenhand.org.selectors import pdu_by_code
from evenhand.people import door
from evenhand.people.records import PersonRecord
from evenhand.people.services import create_person

from ..auth import staff_of
from ..schemas import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    PagedPersonOut,
    PageQuery,
    PersonFilter,
    PersonIn,
    PersonOut,
    Ref,
)
from .common import field_error, listed, purpose, read

router = Router(tags=["people"])


@router.get("", response={200: PagedPersonOut, **LIST_ERRORS}, summary="List people")
def list_people(request: HttpRequest, filters: Query[PersonFilter], page: Query[PageQuery]) -> dict[str, Any]:
    """People the caller may see, by surname (analysts: in no meaningful order, and never by name or CRN:
    403). Each page is logged as an export."""
    return listed(request, door.list_people, page, pdu=filters.pdu, crn=filters.crn, name=filters.name)


@router.get("/{ref:ref}", response={200: PersonOut, **READ_ERRORS}, summary="Read a person")
def read_person(request: HttpRequest, ref: Path[Ref]) -> PersonRecord:
    """One person record; the view is written to the access log, and so is a refused attempt."""
    return read(request, door.open_person, ref)


@router.post("", response={201: PersonOut, **WRITE_ERRORS}, summary="Register a person")
def register_person(request: HttpRequest, payload: PersonIn) -> Status:
    """Register a person on probation in your own PDU, with a diversity profile not yet recorded. Only the
    casework roles register people (analysts, inspectors and administrators: 403)."""
    staff = staff_of(request)
    door.require_casework(staff)
    pdu = pdu_by_code(payload.pdu)
    if pdu is None:
        raise field_error("pdu", "There is no PDU with this code")
    person = create_person(
        by=staff,
        crn=payload.crn,
        first_name=payload.first_name,
        last_name=payload.last_name,
        date_of_birth=payload.date_of_birth,
        sex=payload.sex,
        pdu=pdu,
        first_language=payload.first_language,
        interpreter_required=payload.interpreter_required,
    )
    # The registrar's first sight of the record: one view in the access log.
    record = door.open_person(viewer=staff, ref=person.pk, channel=Channel.API, purpose=purpose(request))
    return Status(201, record)
