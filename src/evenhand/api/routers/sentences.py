"""Sentences with their offences, requirements and current practitioner; custody and release, ending and
extending a sentence."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from evenhand.audit.models import Channel
from evenhand.cases import door
from evenhand.cases.models import LengthUnit, Sentence, TerminationReason
from evenhand.cases.records import SentenceRecord
from evenhand.cases.services import (
    OffenceInput,
    RequirementInput,
    correct_sentence,
    create_sentence,
    extend_sentence,
    record_release,
    terminate_sentence,
)
from evenhand.people.door import person_for_casework, require_casework

from ..auth import staff_of
from ..schemas import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    Id,
    PagedSentenceOut,
    PageQuery,
    Ref,
    RequirementIn,
    SentenceFilter,
    SentenceIn,
    SentenceOut,
    Text,
)
from .common import api_field_names, listed, loaded_for_casework, purpose, read

router = Router(tags=["sentences"])


class ReleaseIn(Schema):
    released_on: dt.date
    releasing_prison: Text = Field(max_length=120)
    licence_end_date: dt.date | None = Field(
        None, description="When the licence says otherwise than the end of the sentence"
    )
    requirements: list[RequirementIn] = Field(
        [], max_length=20, description="Additional licence conditions of the kinds a licence allows"
    )


class ReleaseOut(Schema):
    custody: SentenceOut
    licence: SentenceOut
    post_sentence_supervision: SentenceOut | None = Field(description="Where it applies, after the licence")


class TerminationIn(Schema):
    termination_date: dt.date
    reason: TerminationReason = Field(
        description="Revocation ends a community or suspended sentence order (on breach, after a proven "
        "breach); recall ends a licence; release ends custody (record the release instead)"
    )


class SentenceCorrectionIn(Schema):
    reason: Text = Field(max_length=5000, description="What was recorded in error")
    court: Text | None = Field(None, max_length=120)
    start_date: dt.date | None = None
    length: int | None = Field(None, ge=1, le=36500)
    length_unit: LengthUnit | None = None
    expected_end_date: dt.date | None = None


class ExtensionIn(Schema):
    new_end_date: dt.date
    ordered_on: dt.date
    reason: Text = Field(max_length=5000)


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


def _custody(request: HttpRequest, custody_id: Id | None) -> Sentence | None:
    if custody_id is None:
        return None
    with loaded_for_casework("custody_id", "sentence"):
        return door.sentence_for_casework(
            viewer=staff_of(request), sentence_id=custody_id, channel=Channel.API, purpose=purpose(request)
        )


@router.post("", response={201: SentenceOut, **WRITE_ERRORS}, summary="Record a sentence")
def record_sentence(request: HttpRequest, payload: SentenceIn) -> Status:
    """Record a sentence as the court passed it: offences (exactly one main), length, and the requirements its
    type allows. Custody needs its length, the expected release (``expected_end_date``) and each offence's
    date; a licence or post-sentence supervision follows a custody sentence (``custody_id``; usually through
    ``POST /sentences/{ref}/release``)."""
    staff = staff_of(request)
    require_casework(staff)
    with loaded_for_casework("person_id", "person"):
        person = person_for_casework(
            viewer=staff, person_id=payload.person_id, channel=Channel.API, purpose=purpose(request)
        )
    custody = _custody(request, payload.custody_id)
    with api_field_names(person="person_id", custody="custody_id"):
        sentence = create_sentence(
            by=staff,
            person=person,
            type=payload.type,
            court=payload.court,
            start_date=payload.start_date,
            expected_end_date=payload.expected_end_date,
            length=payload.length,
            length_unit=payload.length_unit or "",
            custody=custody,
            offences=[OffenceInput(**offence.model_dump()) for offence in payload.offences],
            requirements=[RequirementInput(**item.model_dump()) for item in payload.requirements],
        )
    return Status(201, door.written_sentence(viewer=staff, sentence_id=sentence.pk))


def _for_casework(request: HttpRequest, ref: str) -> Sentence:
    with loaded_for_casework(None, "sentence"):
        return door.sentence_for_casework(
            viewer=staff_of(request), sentence_id=ref, channel=Channel.API, purpose=purpose(request)
        )


@router.post(
    "/{ref:ref}/release",
    response={201: ReleaseOut, **WRITE_ERRORS},
    summary="Record a release from custody",
)
def release(request: HttpRequest, ref: Path[Ref], payload: ReleaseIn) -> Status:
    """End a custody sentence by release and start the licence from it (and post-sentence supervision after
    it, where it applies), with the custody sentence's offences and practitioner."""
    staff = staff_of(request)
    custody = _for_casework(request, ref)
    done = record_release(
        by=staff,
        custody=custody,
        released_on=payload.released_on,
        releasing_prison=payload.releasing_prison,
        licence_end_date=payload.licence_end_date,
        requirements=[RequirementInput(**item.model_dump()) for item in payload.requirements],
    )
    return Status(
        201,
        {
            "custody": door.written_sentence(viewer=staff, sentence_id=done.custody.pk),
            "licence": door.written_sentence(viewer=staff, sentence_id=done.licence.pk),
            "post_sentence_supervision": door.written_sentence(viewer=staff, sentence_id=done.pss.pk)
            if done.pss is not None
            else None,
        },
    )


@router.post(
    "/{ref:ref}/termination",
    response={200: SentenceOut, **WRITE_ERRORS},
    summary="End a sentence (completed, revoked, recalled …)",
)
def terminate(request: HttpRequest, ref: Path[Ref], payload: TerminationIn) -> SentenceRecord:
    staff = staff_of(request)
    sentence = _for_casework(request, ref)
    terminate_sentence(
        by=staff, sentence=sentence, termination_date=payload.termination_date, reason=payload.reason
    )
    return door.written_sentence(viewer=staff, sentence_id=sentence.pk)


@router.post(
    "/{ref:ref}/extensions",
    response={201: SentenceOut, **WRITE_ERRORS},
    summary="Extend a sentence",
)
def extend(request: HttpRequest, ref: Path[Ref], payload: ExtensionIn) -> Status:
    """Record an order extending a running sentence to a later expected end (kept as its own record)."""
    staff = staff_of(request)
    sentence = _for_casework(request, ref)
    extend_sentence(
        by=staff,
        sentence=sentence,
        new_end_date=payload.new_end_date,
        ordered_on=payload.ordered_on,
        reason=payload.reason,
    )
    return Status(201, door.written_sentence(viewer=staff, sentence_id=sentence.pk))


@router.post(
    "/{ref:ref}/corrections",
    response={201: SentenceOut, **WRITE_ERRORS},
    summary="Correct a sentence's details recorded in error",
)
def correct(request: HttpRequest, ref: Path[Ref], payload: SentenceCorrectionIn) -> Status:
    """Correct the court, the date of sentence, the length or the expected end, with the reason; fields left
    out stay as they are. The correction is kept with the sentence (``corrections``)."""
    staff = staff_of(request)
    sentence = _for_casework(request, ref)
    correct_sentence(
        by=staff,
        sentence=sentence,
        reason=payload.reason,
        court=payload.court,
        start_date=payload.start_date,
        length=payload.length,
        length_unit=payload.length_unit,
        expected_end_date=payload.expected_end_date,
    )
    return Status(201, door.written_sentence(viewer=staff, sentence_id=sentence.pk))
