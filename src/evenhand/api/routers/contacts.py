"""Contacts and their outcomes. Recording an unacceptable failure answers with the enforcement proposal."""

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from evenhand.audit.models import Channel
from evenhand.cases import door
from evenhand.cases.records import ContactRecord
from evenhand.cases.services import ContactRecorded, record_contact, record_contact_outcome
from evenhand.org.models import StaffMember
from evenhand.people.door import require_casework

from ..auth import staff_of
from ..schemas import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ContactFilter,
    ContactIn,
    ContactOut,
    ContactOutcomeIn,
    ContactRecordedOut,
    PagedContactOut,
    PageQuery,
    Ref,
)
from .common import api_field_names, listed, loaded_for_casework, purpose, read

router = Router(tags=["contacts"])


@router.get("", response={200: PagedContactOut, **LIST_ERRORS}, summary="List contacts")
def list_contacts(
    request: HttpRequest, filters: Query[ContactFilter], page: Query[PageQuery]
) -> dict[str, Any]:
    """Contacts the caller may see, latest first. Each page is logged as an export."""
    return listed(
        request,
        door.list_contacts,
        page,
        person=filters.person,
        sentence=filters.sentence,
        outcome=filters.outcome,
        starts_from=filters.starts_from,
        starts_to=filters.starts_to,
    )


@router.get("/{ref:ref}", response={200: ContactOut, **READ_ERRORS}, summary="Read a contact")
def read_contact(request: HttpRequest, ref: Path[Ref]) -> ContactRecord:
    return read(request, door.open_contact, ref)


@router.post("", response={201: ContactRecordedOut, **WRITE_ERRORS}, summary="Record a contact")
def create_contact(request: HttpRequest, payload: ContactIn) -> Status:
    """Record a future appointment, or a contact that happened with its outcome."""
    staff = staff_of(request)
    require_casework(staff)
    with loaded_for_casework("sentence_id", "sentence"):
        sentence = door.sentence_for_casework(
            viewer=staff, sentence_id=payload.sentence_id, channel=Channel.API, purpose=purpose(request)
        )
    with api_field_names(sentence="sentence_id"):
        recorded = record_contact(
            by=staff,
            sentence=sentence,
            type=payload.type,
            starts_at=payload.starts_at,
            location=payload.location,
            notes=payload.notes,
            outcome=payload.outcome or "",
        )
    return Status(201, _answer(staff, recorded))


@router.post(
    "/{ref:ref}/outcome",
    response={200: ContactRecordedOut, **WRITE_ERRORS},
    summary="Record the outcome of a contact",
)
def record_outcome(request: HttpRequest, ref: Path[Ref], payload: ContactOutcomeIn) -> dict[str, Any]:
    """Record what happened at an appointment. An outcome is recorded once."""
    staff = staff_of(request)
    with loaded_for_casework(None, "contact"):
        contact = door.contact_for_casework(
            viewer=staff, contact_id=ref, channel=Channel.API, purpose=purpose(request)
        )
    recorded = record_contact_outcome(by=staff, contact=contact, outcome=payload.outcome, notes=payload.notes)
    return _answer(staff, recorded)


def _answer(staff: StaffMember, recorded: ContactRecorded) -> dict[str, Any]:
    return {
        "contact": door.written_contact(viewer=staff, contact_id=recorded.contact.pk),
        "proposal": recorded.proposal,
    }
