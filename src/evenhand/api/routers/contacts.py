"""Contacts and their outcomes. Recording an unacceptable failure answers with the enforcement proposal."""

from operator import attrgetter

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from evenhand.cases.models import Contact
from evenhand.cases.services import ContactRecorded, record_contact, record_contact_outcome
from evenhand.org.models import StaffMember
from evenhand.people.access import visible_people

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
)
from .common import AuditedPagination, api_field_names, field_error, get_visible, log_read
from .sentences import sentences_for

router = Router(tags=["contacts"])


def contacts_for(staff: StaffMember) -> QuerySet[Contact]:
    return Contact.objects.filter(person__in=visible_people(staff)).select_related(
        "recorded_by", "outcome_recorded_by"
    )


@router.get("", response={200: list[ContactOut], **LIST_ERRORS}, summary="List contacts")
@paginate(AuditedPagination, person_of=attrgetter("person_id"))
def list_contacts(request: HttpRequest, filters: Query[ContactFilter]) -> QuerySet[Contact]:
    """Contacts the caller may see, latest first."""
    return filters.filter(contacts_for(staff_of(request))).order_by("-starts_at", "-pk")


@router.get("/{int:contact_id}", response={200: ContactOut, **READ_ERRORS}, summary="Read a contact")
def read_contact(request: HttpRequest, contact_id: int) -> Contact:
    contact = get_visible(contacts_for(staff_of(request)), contact_id)
    log_read(request, contact.person_id)
    return contact


@router.post("", response={201: ContactRecordedOut, **WRITE_ERRORS}, summary="Record a contact")
def create_contact(request: HttpRequest, payload: ContactIn) -> Status:
    """Record a future appointment, or a contact that happened with its outcome."""
    staff = staff_of(request)
    sentence = sentences_for(staff).select_related("person").filter(pk=payload.sentence_id).first()
    if sentence is None:
        raise field_error("sentence_id", "There is no sentence with this id that you have access to")
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
    return Status(201, _reloaded(staff, recorded))


@router.post(
    "/{int:contact_id}/outcome",
    response={200: ContactRecordedOut, **WRITE_ERRORS},
    summary="Record the outcome of a contact",
)
def record_outcome(request: HttpRequest, contact_id: int, payload: ContactOutcomeIn) -> ContactRecorded:
    """Record what happened at an appointment. An outcome is recorded once."""
    staff = staff_of(request)
    contact = get_visible(contacts_for(staff).select_related("person", "sentence"), contact_id)
    recorded = record_contact_outcome(by=staff, contact=contact, outcome=payload.outcome, notes=payload.notes)
    return _reloaded(staff, recorded)


def _reloaded(staff: StaffMember, recorded: ContactRecorded) -> ContactRecorded:
    # Answer with the contact as a read would show it (with the staff codes loaded).
    return ContactRecorded(contacts_for(staff).get(pk=recorded.contact.pk), recorded.proposal)
