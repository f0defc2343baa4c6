"""Sentences with their offences, requirements and current practitioner."""

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from evenhand.audit.models import Channel
from evenhand.cases import door
from evenhand.cases.records import SentenceRecord
from evenhand.cases.services import OffenceInput, RequirementInput, create_sentence
from evenhand.people.door import person_for_casework, require_casework

from ..auth import staff_of
from ..schemas import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    PagedSentenceOut,
    PageQuery,
    Ref,
    SentenceFilter,
    SentenceIn,
    SentenceOut,
)
from .common import api_field_names, listed, loaded_for_casework, purpose, read

router = Router(tags=["sentences"])


@router.get("", response={200: PagedSentenceOut, **LIST_ERRORS}, summary="List sentences")
def list_sentences(
    request: HttpRequest, filters: Query[SentenceFilter], page: Query[PageQuery]
) -> dict[str, Any]:
    """Sentences the caller may see, newest first. Each page is logged as an export."""
    return listed(
        request,
        door.list_sentences,
        page,
        person=filters.person,
        type=filters.type,
        active=filters.active,
    )


@router.get("/{ref:ref}", response={200: SentenceOut, **READ_ERRORS}, summary="Read a sentence")
def read_sentence(request: HttpRequest, ref: Path[Ref]) -> SentenceRecord:
    return read(request, door.open_sentence, ref)


@router.post("", response={201: SentenceOut, **WRITE_ERRORS}, summary="Record a sentence")
def record_sentence(request: HttpRequest, payload: SentenceIn) -> Status:
    """Record a sentence with its offences (exactly one main) and, for court orders, its requirements."""
    staff = staff_of(request)
    require_casework(staff)
    with loaded_for_casework("person_id", "person"):
        person = person_for_casework(
            viewer=staff, person_id=payload.person_id, channel=Channel.API, purpose=purpose(request)
        )
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
    return Status(201, door.written_sentence(viewer=staff, sentence_id=sentence.pk))
