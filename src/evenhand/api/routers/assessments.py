"""Assessments (sections, the diversity conversation, predictors, completion, countersignature) and the
computed tier with its working. The same services and rules as the web pages, through the same door."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from evenhand.assessment import door, services
from evenhand.assessment.models import AssessmentKind, AssessmentStatus, Topic, TopicStatus
from evenhand.assessment.records import AssessmentRecord, TierRecord
from evenhand.audit.models import Channel
from evenhand.people.door import require_casework

from ..auth import staff_of
from ..schemas import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, FilterRef, Id, PageQuery, Ref, Text
from .common import api_field_names, listed, loaded_for_casework, purpose, read

router = Router(tags=["assessments"])
tiers_router = Router(tags=["assessments"])

ANALYSTS = "Null for analysts"


# --- schemas ------------------------------------------------------------------------------------------------


class ItemOut(Schema):
    code: str
    question: str
    value: int | None
    carried: int | None = Field(description="The previous assessment's answer, on a review")
    changed: bool


class SectionOut(Schema):
    key: str
    number: int
    title: str
    started: bool
    complete: bool
    items: list[ItemOut]
    score: int | None
    maximum: int
    threshold: int | None
    severity: str | None = Field(description="no_need, standard, severe or unscored")
    linked_to_harm: bool | None
    linked_to_reoffending: bool | None
    analysis: str | None = Field(description=ANALYSTS)
    source: str | None = Field(description="typed, prefilled or no_change")
    changed: list[str] = Field(description="What differs from the previous assessment")
    prefilled_fields: int
    typed_fields: int


class TopicOut(Schema):
    topic: Topic
    status: TopicStatus
    not_yet_reason: str | None = Field(description=ANALYSTS)
    in_their_words: str | None = Field(description=ANALYSTS)
    bearing_on_plan: str | None = Field(description=ANALYSTS)
    identified_label: str | None = Field(description="What the person self-identified, as in their profile")
    carried: bool
    held: bool


class AssessmentOut(Schema):
    id: int | None = Field(description=ANALYSTS)
    token: str | None = Field(description="Analysts only: an opaque reference to the assessment")
    person_id: int | None = Field(description=ANALYSTS)
    person_token: str | None = Field(description="Analysts only")
    kind: AssessmentKind
    status: AssessmentStatus
    assessor: str | None = Field(description="Staff code; null for analysts")
    assessor_grade: str | None
    started_on: dt.date
    completed_on: dt.date | None
    countersigned_on: dt.date | None
    previous_id: int | None = Field(description="The assessment a review starts from; null for analysts")
    previous_token: str | None
    ogrs: int | None
    rsr: Decimal | None
    prefilled_fields: int = Field(description="Fields carried from the record or the last assessment")
    typed_fields: int
    sections: list[SectionOut]
    topics: list[TopicOut]


class PagedAssessmentOut(Schema):
    items: list[AssessmentOut]
    count: int


class AssessmentFilter(Schema):
    person: FilterRef = Field(None, description="The person's id (analysts: their token)")
    status: AssessmentStatus | None = None


class AssessmentIn(Schema):
    person_id: Id
    sentence_id: Id | None = None
    kind: AssessmentKind | None = Field(
        None, description="Initial, review or PSR; a review when a completed assessment exists"
    )


class SectionIn(Schema):
    section: str = Field(max_length=20, description="The section's key: accommodation, ete, drugs …")
    answers: dict[str, int | None] = Field(
        default_factory=dict, description='Item code to answer: {"3.4": 1}; 0, 1, 2 (yes/no items 0 or 2)'
    )
    analysis: Text = Field("", max_length=5000)
    linked_to_harm: bool | None = None
    linked_to_reoffending: bool | None = None
    complete: bool = Field(False, description="Save as complete: every item and both links answered")


class NoChangeIn(Schema):
    section: str = Field(max_length=20)


class TopicIn(Schema):
    topic: Topic
    status: TopicStatus
    not_yet_reason: Text = Field("", max_length=200)
    in_their_words: Text = Field("", max_length=5000)
    bearing_on_plan: Text = Field("", max_length=5000)
    identified_value: Text = Field(
        "", max_length=20, description="Ethnicity, religion or gender identity as the person gives it"
    )
    identified_detail: Text = Field("", max_length=200)


class ConversationIn(Schema):
    topics: list[TopicIn] = Field(max_length=8)


class PredictorsIn(Schema):
    ogrs: Decimal | None = Field(None, description="0 to 100, a whole number")
    rsr: Decimal | None = Field(None, description="0 to 100, up to two decimal places")


class TierLineOut(Schema):
    level: str
    label: str
    points: int
    counted: bool
    note: str


class TierOut(Schema):
    tier: str
    protect: str
    protect_points: int
    change: int
    change_points: int | None
    change_reason: str
    lines: list[TierLineOut]
    inputs: dict[str, Any]
    version: int
    computed_at: dt.datetime
    trigger: str
    reason: str


class TierPageOut(Schema):
    current: TierOut | None
    history: list[TierOut]


# --- operations ---------------------------------------------------------------------------------------------


@router.get("", response={200: PagedAssessmentOut, **LIST_ERRORS}, summary="List assessments")
def list_assessments(
    request: HttpRequest, filters: Query[AssessmentFilter], page: Query[PageQuery]
) -> dict[str, Any]:
    """Assessments the caller may see, latest first. Each page is logged as an export."""
    return listed(request, door.list_assessments, page, person=filters.person, status=filters.status)


@router.get("/{ref:ref}", response={200: AssessmentOut, **READ_ERRORS}, summary="Read an assessment")
def read_assessment(request: HttpRequest, ref: Path[Ref]) -> AssessmentRecord:
    return read(request, lambda **kw: door.open_assessment(**kw).assessment, ref)


@router.post("", response={201: AssessmentOut, **WRITE_ERRORS}, summary="Start an assessment")
def start_assessment(request: HttpRequest, payload: AssessmentIn) -> Status:
    """Start an assessment; with a completed one to start from it is a review, prefilled from it."""
    staff = staff_of(request)
    require_casework(staff)
    with loaded_for_casework("person_id", "person"):
        work = door.person_for_assessment(
            viewer=staff, ref=payload.person_id, channel=Channel.API, purpose=purpose(request)
        )
    sentence = door.sentence_of(person=work.model, sentence_id=payload.sentence_id)
    with api_field_names(sentence="sentence_id"):
        started = services.start_assessment(by=staff, person=work.model, sentence=sentence, kind=payload.kind)
    return Status(201, door.written_assessment(viewer=staff, assessment_id=started.pk))


def _for_work(request: HttpRequest, ref: str) -> door.AssessmentWork:
    staff = staff_of(request)
    with loaded_for_casework(None, "assessment"):
        return door.assessment_for_work(viewer=staff, ref=ref, channel=Channel.API, purpose=purpose(request))


@router.post("/{ref:ref}/sections", response={200: AssessmentOut, **WRITE_ERRORS}, summary="Save a section")
def save_section(request: HttpRequest, ref: Path[Ref], payload: SectionIn) -> AssessmentRecord:
    """Save one section as far as it goes, or as complete. An item is named by its form field on an error
    (``q3_4`` for item 3.4)."""
    work = _for_work(request, ref)
    staff = staff_of(request)
    services.save_section(
        by=staff,
        assessment=work.model,
        section=payload.section,
        answers=payload.answers,
        analysis=payload.analysis,
        linked_to_harm=payload.linked_to_harm,
        linked_to_reoffending=payload.linked_to_reoffending,
        complete=payload.complete,
    )
    return door.written_assessment(viewer=staff, assessment_id=work.model.pk)


@router.post(
    "/{ref:ref}/no-change",
    response={200: AssessmentOut, **WRITE_ERRORS},
    summary="Confirm a review's section unchanged",
)
def confirm_no_change(request: HttpRequest, ref: Path[Ref], payload: NoChangeIn) -> AssessmentRecord:
    work = _for_work(request, ref)
    staff = staff_of(request)
    services.confirm_no_change(by=staff, assessment=work.model, section=payload.section)
    return door.written_assessment(viewer=staff, assessment_id=work.model.pk)


@router.put(
    "/{ref:ref}/conversation",
    response={200: AssessmentOut, **WRITE_ERRORS},
    summary="Save topics of the diversity conversation",
)
def save_conversation(request: HttpRequest, ref: Path[Ref], payload: ConversationIn) -> AssessmentRecord:
    """Save the topics given, all or none. Errors are named ``<topic>-<field>``."""
    work = _for_work(request, ref)
    staff = staff_of(request)
    services.save_conversation(
        by=staff,
        assessment=work.model,
        answers={
            t.topic: services.TopicAnswer(
                status=t.status,
                not_yet_reason=t.not_yet_reason,
                in_their_words=t.in_their_words,
                bearing_on_plan=t.bearing_on_plan,
                identified_value=t.identified_value,
                identified_detail=t.identified_detail,
            )
            for t in payload.topics
        },
    )
    return door.written_assessment(viewer=staff, assessment_id=work.model.pk)


@router.put(
    "/{ref:ref}/predictors", response={200: AssessmentOut, **WRITE_ERRORS}, summary="Record OGRS and RSR"
)
def record_predictors(request: HttpRequest, ref: Path[Ref], payload: PredictorsIn) -> AssessmentRecord:
    work = _for_work(request, ref)
    staff = staff_of(request)
    services.record_predictors(by=staff, assessment=work.model, ogrs=payload.ogrs, rsr=payload.rsr)
    return door.written_assessment(viewer=staff, assessment_id=work.model.pk)


@router.post(
    "/{ref:ref}/complete", response={200: AssessmentOut, **WRITE_ERRORS}, summary="Complete an assessment"
)
def complete_assessment(request: HttpRequest, ref: Path[Ref]) -> AssessmentRecord:
    """Complete it (or send it to an SPO to countersign); what stops it is named by section key and by
    ``<topic>-not_yet_reason``."""
    work = _for_work(request, ref)
    staff = staff_of(request)
    services.complete_assessment(by=staff, assessment=work.model)
    return door.written_assessment(viewer=staff, assessment_id=work.model.pk)


@router.post(
    "/{ref:ref}/countersign",
    response={200: AssessmentOut, **WRITE_ERRORS},
    summary="Countersign an assessment (an SPO, never their own)",
)
def countersign_assessment(request: HttpRequest, ref: Path[Ref]) -> AssessmentRecord:
    work = _for_work(request, ref)
    staff = staff_of(request)
    services.countersign_assessment(by=staff, assessment=work.model)
    return door.written_assessment(viewer=staff, assessment_id=work.model.pk)


@tiers_router.get(
    "/{ref:person_ref}", response={200: TierPageOut, **READ_ERRORS}, summary="Read a person's computed tier"
)
def read_tier(request: HttpRequest, person_ref: Path[Ref]) -> dict[str, Any]:
    """The person's tier with its working line by line, and every change to it, latest first."""
    page = read(request, door.open_tier, person_ref)
    current: TierRecord | None = page.current
    return {"current": current, "history": page.history}
