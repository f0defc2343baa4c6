"""Sentences with their offences, requirements and current practitioner."""

from operator import attrgetter

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from evenhand.cases.models import Allocation, Sentence
from evenhand.cases.services import OffenceInput, RequirementInput, create_sentence
from evenhand.org.models import StaffMember
from evenhand.people.access import visible_people

from ..auth import staff_of
from ..schemas import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, SentenceFilter, SentenceIn, SentenceOut
from .common import AuditedPagination, api_field_names, field_error, get_visible, log_read

router = Router(tags=["sentences"])


def sentences_for(staff: StaffMember) -> QuerySet[Sentence]:
    """Sentences of the people the caller may see, with what a page of them shows, in a fixed few queries."""
    current = Allocation.objects.filter(end_date__isnull=True).select_related("practitioner")
    return Sentence.objects.filter(person__in=visible_people(staff)).prefetch_related(
        "offences",
        "requirements",
        Prefetch("allocations", queryset=current, to_attr="current_allocations"),
    )


@router.get("", response={200: list[SentenceOut], **LIST_ERRORS}, summary="List sentences")
@paginate(AuditedPagination, person_of=attrgetter("person_id"))
def list_sentences(request: HttpRequest, filters: Query[SentenceFilter]) -> QuerySet[Sentence]:
    """Sentences the caller may see, newest first."""
    return filters.filter(sentences_for(staff_of(request))).order_by("-start_date", "-pk")


@router.get("/{int:sentence_id}", response={200: SentenceOut, **READ_ERRORS}, summary="Read a sentence")
def read_sentence(request: HttpRequest, sentence_id: int) -> Sentence:
    sentence = get_visible(sentences_for(staff_of(request)), sentence_id)
    log_read(request, sentence.person_id)
    return sentence


@router.post("", response={201: SentenceOut, **WRITE_ERRORS}, summary="Record a sentence")
def record_sentence(request: HttpRequest, payload: SentenceIn) -> Status:
    """Record a sentence with its offences (exactly one main) and, for court orders, its requirements."""
    staff = staff_of(request)
    person = visible_people(staff).filter(pk=payload.person_id).first()
    if person is None:
        raise field_error("person_id", "There is no person with this id that you have access to")
    with api_field_names(person="person_id"):
        sentence = create_sentence(
            by=staff,
            person=person,
            type=payload.type,
            court=payload.court,
            start_date=payload.start_date,
            expected_end_date=payload.expected_end_date,
            offences=[OffenceInput(**offence.model_dump()) for offence in payload.offences],
            requirements=[RequirementInput(**item.model_dump()) for item in payload.requirements],
        )
    return Status(201, sentences_for(staff).get(pk=sentence.pk))
