"""People on probation: list (an export, logged), read (a view, logged) and register."""

from operator import attrgetter

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from evenhand.audit.models import Channel
from evenhand.audit.services import log_refused_view
from evenhand.org.models import PDU, StaffMember
from evenhand.people.access import can_see_diversity, can_see_identity, visible_people
from evenhand.people.models import Person
from evenhand.people.services import create_person

from ..auth import staff_of
from ..schemas import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, PersonFilter, PersonIn, PersonOut
from .common import AuditedPagination, field_error, get_visible, log_read

router = Router(tags=["people"])


def people_for(staff: StaffMember) -> QuerySet[Person]:
    """The people the caller may see, loading the diversity row only for roles that may read it."""
    people = visible_people(staff).select_related("pdu")
    if can_see_diversity(staff):
        people = people.select_related("diversity")
    return people


@router.get("", response={200: list[PersonOut], **LIST_ERRORS}, summary="List people")
@paginate(AuditedPagination, person_of=attrgetter("pk"))
def list_people(request: HttpRequest, filters: Query[PersonFilter]) -> QuerySet[Person]:
    """People the caller may see, by surname (analysts: by id). Each page is logged as an export."""
    staff = staff_of(request)
    if not can_see_identity(staff):
        if filters.crn or filters.name:
            raise PermissionDenied("Analysts cannot look people up by name or CRN.")
        # Ordering by name would leak something of the names the pseudonyms stand for.
        return filters.filter(people_for(staff)).order_by("pk")
    return filters.filter(people_for(staff)).order_by("last_name", "first_name", "pk")


@router.get("/{int:person_id}", response={200: PersonOut, **READ_ERRORS}, summary="Read a person")
def read_person(request: HttpRequest, person_id: int) -> Person:
    """One person record; the view is written to the access log, and so is a refused attempt."""
    staff = staff_of(request)
    try:
        person = get_visible(people_for(staff), person_id)
    except Http404:
        if Person.objects.filter(pk=person_id).exists():
            log_refused_view(staff=staff, person_id=person_id, channel=Channel.API)
        raise
    log_read(request, person.pk)
    return person


@router.post("", response={201: PersonOut, **WRITE_ERRORS}, summary="Register a person")
def register_person(request: HttpRequest, payload: PersonIn) -> Status:
    """Register a person on probation, with a diversity profile not yet recorded."""
    staff = staff_of(request)
    pdu = PDU.objects.filter(code=payload.pdu.strip()).first()
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
    return Status(201, Person.objects.select_related("pdu", "diversity").get(pk=person.pk))
