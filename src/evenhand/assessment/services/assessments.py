"""Start, fill in, complete and countersign an assessment; a review starts from the last one.

Each operation is one transaction: a refusal (a ``ValidationError`` naming the field) leaves nothing
half-written. A completed assessment is never changed: every operation here refuses one that is not open, and
the rows refuse it again (``ImmutableAssessmentError``).
"""

import datetime as dt
import logging
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from evenhand.cases.models import Sentence
from evenhand.cases.selectors import current_risk
from evenhand.core.services import TEXT, plain_text
from evenhand.org.access import is_current
from evenhand.org.models import Grade, Role, StaffMember
from evenhand.people.access import ensure_can_record
from evenhand.people.models import Person

from .. import sections as S
from .. import tier
from ..models import (
    COUNTERSIGN_ROSH,
    FINISHED,
    OPEN,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    DiversityTopic,
    SectionAnswer,
    SectionSource,
    TierTrigger,
    Topic,
    TopicStatus,
)
from .tiers import recompute_tier

logger = logging.getLogger(__name__)

HARM, REOFFENDING, ANALYSIS = "harm", "reoffending", "analysis"
TOPIC_FIELDS = ("status", "not_yet_reason", "in_their_words", "bearing_on_plan")


def _open(assessment: Assessment) -> Assessment:
    """The assessment, locked for this transaction; refused unless it is still in progress."""
    locked = Assessment.objects.select_for_update().select_related("person").get(pk=assessment.pk)
    if locked.status in FINISHED:
        raise ValidationError(
            {"__all__": "This assessment is complete and cannot be changed: start a review"}
        )
    if locked.status != AssessmentStatus.IN_PROGRESS:
        raise ValidationError(
            {"__all__": "This assessment is waiting for countersignature and cannot be changed"}
        )
    return locked


def last_finished(person: Person) -> Assessment | None:
    """The person's latest completed assessment that holds answers (a review starts from it)."""
    return (
        Assessment.objects.filter(person=person, status__in=FINISHED, sections__isnull=False)
        .order_by("-completed_on", "-completed_at", "-id")
        .distinct()
        .first()
    )


def _carried_section(answer: SectionAnswer) -> dict[str, Any]:
    carried: dict[str, Any] = dict(answer.answers)
    if answer.analysis:
        carried[ANALYSIS] = answer.analysis
    if answer.linked_to_harm is not None:
        carried[HARM] = answer.linked_to_harm
    if answer.linked_to_reoffending is not None:
        carried[REOFFENDING] = answer.linked_to_reoffending
    return carried


@transaction.atomic
def start_assessment(
    *,
    by: StaffMember,
    person: Person,
    sentence: Sentence | None = None,
    kind: str | None = None,
) -> Assessment:
    """Start an assessment of ``person``. With a completed assessment to start from it is a review (unless
    ``kind`` says otherwise): every section, the diversity conversation and the predictors are carried from
    the last one, each section waiting for the practitioner to confirm "no change" or to change it."""
    ensure_can_record(by, person)
    Person.objects.select_for_update().filter(pk=person.pk).first()
    if sentence is not None and sentence.person_id != person.pk:
        raise ValidationError({"sentence": "Choose one of the person's sentences"})
    previous = last_finished(person)
    kind = kind or (AssessmentKind.REVIEW if previous is not None else AssessmentKind.INITIAL)
    if kind not in AssessmentKind.values:
        raise ValidationError({"kind": "Choose the kind of assessment"})
    if kind == AssessmentKind.REVIEW and previous is None:
        raise ValidationError(
            {"kind": "There is no completed assessment to review: start an initial assessment"}
        )
    if Assessment.objects.filter(person=person, status__in=OPEN).exists():
        raise ValidationError({"__all__": "The person already has an assessment in progress: continue it"})
    started = Assessment(
        person=person,
        sentence=sentence,
        kind=kind,
        assessor=by,
        started_on=timezone.localdate(),
        previous=previous if kind == AssessmentKind.REVIEW else None,
    )
    if previous is not None and kind == AssessmentKind.REVIEW:
        started.ogrs, started.rsr = previous.ogrs, previous.rsr
    try:
        with transaction.atomic():
            started.save()
    except IntegrityError as clash:
        raise ValidationError({"__all__": "The person already has an assessment in progress"}) from clash
    if started.previous is not None:
        _carry_from(started, started.previous)
    _recount(started)
    return started


def _carry_from(assessment: Assessment, previous: Assessment) -> None:
    """A review's first state: the previous assessment's sections and topics, marked as carried."""
    SectionAnswer.objects.bulk_create(
        [
            SectionAnswer(
                assessment=assessment,
                section=old.section,
                answers=old.answers,
                score=old.score,
                severity=old.severity,
                linked_to_harm=old.linked_to_harm,
                linked_to_reoffending=old.linked_to_reoffending,
                analysis=old.analysis,
                complete=False,
                source=SectionSource.PREFILLED,
                carried=_carried_section(old),
                prefilled_fields=len(_carried_section(old)),
            )
            for old in previous.sections.all()
        ]
    )
    DiversityTopic.objects.bulk_create(
        [
            DiversityTopic(
                assessment=assessment,
                topic=old.topic,
                status=old.status,
                not_yet_reason=old.not_yet_reason,
                in_their_words=old.in_their_words,
                bearing_on_plan=old.bearing_on_plan,
                carried=True,
            )
            for old in previous.topics.all()
        ]
    )


def _topic_fields(topic: DiversityTopic) -> int:
    return sum(1 for name in TOPIC_FIELDS if getattr(topic, name))


def _recount(assessment: Assessment) -> None:
    """The assessment's count of fields carried versus typed: its sections', its topics' and predictors'."""
    prefilled = typed = 0
    for row in SectionAnswer.objects.filter(assessment=assessment).values_list(
        "prefilled_fields", "typed_fields"
    ):
        prefilled += row[0]
        typed += row[1]
    for topic in DiversityTopic.objects.filter(assessment=assessment):
        if topic.carried:
            prefilled += _topic_fields(topic)
        else:
            typed += _topic_fields(topic)
    previous = assessment.previous
    for name in ("ogrs", "rsr"):
        value = getattr(assessment, name)
        if value is None:
            continue
        if previous is not None and getattr(previous, name) == value:
            prefilled += 1
        else:
            typed += 1
    Assessment.objects.filter(pk=assessment.pk).update(prefilled_fields=prefilled, typed_fields=typed)
    assessment.prefilled_fields, assessment.typed_fields = prefilled, typed


def _answer_error(error: S.AnswerError) -> ValidationError:
    return ValidationError({error.field: error.message})


def _count(carried: Mapping[str, Any], given: Mapping[str, Any]) -> tuple[int, int]:
    """(prefilled, typed): fields kept as carried, and fields typed (changed, or given fresh)."""
    prefilled = typed = 0
    for name, value in given.items():
        if value is None or value == "":
            continue
        if name in carried and carried[name] == value:
            prefilled += 1
        else:
            typed += 1
    return prefilled, typed


@transaction.atomic
def save_section(
    *,
    by: StaffMember,
    assessment: Assessment,
    section: str,
    answers: Mapping[str, int | None],
    analysis: str = "",
    linked_to_harm: bool | None = None,
    linked_to_reoffending: bool | None = None,
    complete: bool = False,
) -> SectionAnswer:
    """Save one section as far as it goes (``complete`` False), or as complete: every item answered, and for
    a scored section whether it is linked to risk of serious harm and to reoffending; the offence analysis
    and health need the practitioner's analysis. The score and the need are worked out from the answers."""
    try:
        sec = S.section(section)
    except S.AnswerError as error:
        raise _answer_error(error) from error
    assessment = _open(assessment)
    ensure_can_record(by, assessment.person)
    try:
        checked = S.check_answers(sec, answers, complete=complete)
    except S.AnswerError as error:
        raise _answer_error(error) from error
    analysis = plain_text(analysis, "analysis", "the analysis", kind=TEXT)
    if complete:
        if not sec.items and not analysis:
            raise ValidationError({"analysis": f"Enter the analysis of the {sec.title.lower()}"})
        if sec.items and linked_to_harm is None:
            raise ValidationError(
                {"linked_to_harm": f"Select whether {sec.title.lower()} is linked to risk of serious harm"}
            )
        if sec.items and linked_to_reoffending is None:
            raise ValidationError(
                {"linked_to_reoffending": f"Select whether {sec.title.lower()} is linked to reoffending"}
            )
    row = SectionAnswer.objects.filter(assessment=assessment, section=sec.key).first()
    if row is None:
        row = SectionAnswer(assessment=assessment, section=sec.key)
    score = S.section_score(sec, checked) if sec.items else None
    given: dict[str, Any] = {
        **checked,
        ANALYSIS: analysis,
        HARM: linked_to_harm,
        REOFFENDING: linked_to_reoffending,
    }
    row.prefilled_fields, row.typed_fields = _count(row.carried, given)
    row.answers = checked
    row.score = score
    row.severity = S.severity(sec, score) if score is not None else S.Severity.UNSCORED
    row.linked_to_harm = linked_to_harm
    row.linked_to_reoffending = linked_to_reoffending
    row.analysis = analysis
    row.complete = complete
    if row.carried and row.prefilled_fields == len(row.carried) and row.typed_fields == 0:
        row.source = SectionSource.NO_CHANGE if complete else SectionSource.PREFILLED
    else:
        row.source = SectionSource.TYPED
    row.saved_by = by
    row.saved_at = timezone.now()
    row.save()
    _recount(assessment)
    return row


@transaction.atomic
def confirm_no_change(*, by: StaffMember, assessment: Assessment, section: str) -> SectionAnswer:
    """A review's section confirmed unchanged since the previous assessment, in one action: it is complete
    with what was carried (refused if what was carried does not complete it)."""
    try:
        sec = S.section(section)
    except S.AnswerError as error:
        raise _answer_error(error) from error
    locked = _open(assessment)
    row = SectionAnswer.objects.filter(assessment=locked, section=sec.key).first()
    if row is None or not row.carried:
        raise ValidationError({"__all__": f"{sec.title} was not carried from a previous assessment"})
    return save_section(
        by=by,
        assessment=locked,
        section=sec.key,
        answers={code: v for code, v in row.carried.items() if code not in (ANALYSIS, HARM, REOFFENDING)},
        analysis=row.carried.get(ANALYSIS, ""),
        linked_to_harm=row.carried.get(HARM),
        linked_to_reoffending=row.carried.get(REOFFENDING),
        complete=True,
    )


def _predictor(value: Any, field: str, name: str, places: int) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"Enter {name} as a number from 0 to 100"}) from None
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(100):
        raise ValidationError({field: f"{name} must be between 0 and 100"})
    if number != round(number, places):
        whole = "a whole number" if places == 0 else f"a number with at most {places} decimal places"
        raise ValidationError({field: f"Enter {name} as {whole}"})
    return number


@transaction.atomic
def record_predictors(
    *, by: StaffMember, assessment: Assessment, ogrs: Any = None, rsr: Any = None
) -> Assessment:
    """The predictor scores the tier reads: OGRS (a whole number) and RSR (to two places), each 0 to 100,
    or not known (None)."""
    assessment = _open(assessment)
    ensure_can_record(by, assessment.person)
    ogrs_value = _predictor(ogrs, "ogrs", "OGRS", 0)
    rsr_value = _predictor(rsr, "rsr", "RSR", 2)
    assessment.ogrs = int(ogrs_value) if ogrs_value is not None else None
    assessment.rsr = rsr_value
    assessment.save(update_fields=["ogrs", "rsr"])
    _recount(assessment)
    return assessment


def completion_problems(assessment: Assessment) -> dict[str, list[str]]:
    """What stops the assessment being completed, by field: each section not complete (its key), each topic
    of the diversity conversation not yet discussed without a reason (``<topic>-not_yet_reason``)."""
    problems: dict[str, list[str]] = {}
    done = set(
        SectionAnswer.objects.filter(assessment=assessment, complete=True).values_list("section", flat=True)
    )
    for sec in S.SECTIONS:
        if sec.key not in done:
            problems[sec.key] = [f"Complete the section: {sec.title.lower()}"]
    topics = {t.topic: t for t in DiversityTopic.objects.filter(assessment=assessment)}
    for topic in Topic:
        held = topics.get(topic)
        if held is None or (held.status == TopicStatus.NOT_YET and not held.not_yet_reason):
            label = topic.label[:1].lower() + topic.label[1:]
            problems[f"{topic.value}-not_yet_reason"] = [
                f"Discuss {label}, or say why it has not been discussed yet"
            ]
    return problems


def needs_countersignature(assessment: Assessment) -> bool:
    """A PSO's assessment of a case at high or very high risk of serious harm waits for an SPO."""
    assessor = assessment.assessor
    if assessor is None or assessor.grade != Grade.PSO:
        return False
    risk = current_risk(assessment.person)
    return risk is not None and risk.rosh in COUNTERSIGN_ROSH


def _finish(assessment: Assessment, now: dt.datetime) -> None:
    # The person's earlier complete assessments become history; only their status changes (an update of
    # the rows, not a save: the rows refuse any change to a finished assessment).
    Assessment.objects.filter(person_id=assessment.person_id, status=AssessmentStatus.COMPLETE).exclude(
        pk=assessment.pk
    ).update(status=AssessmentStatus.LOCKED)
    assessment.status = AssessmentStatus.COMPLETE
    assessment.completed_on = timezone.localdate(now)
    assessment.completed_at = now
    fields = ["status", "completed_on", "completed_at", "countersigned_by", "countersigned_at"]
    assessment.save(update_fields=fields)
    try:
        recompute_tier(
            person=assessment.person_id,
            trigger=TierTrigger.ASSESSMENT,
            reason=f"{assessment.get_kind_display()} completed",
            assessment=assessment,
        )
    except tier.TierInputError as error:
        logger.warning("Tier of person %s not recomputed: %s", assessment.person_id, error.message)


@transaction.atomic
def complete_assessment(*, by: StaffMember, assessment: Assessment) -> Assessment:
    """Complete the assessment: every section complete and every topic of the diversity conversation
    discussed, declined, or not yet discussed with the reason. A PSO's assessment of a high or very high
    risk of serious harm case then waits for an SPO's countersignature; otherwise it is complete, the
    person's earlier assessments are locked and the tier is recomputed."""
    assessment = _open(assessment)
    ensure_can_record(by, assessment.person)
    problems = completion_problems(assessment)
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    if needs_countersignature(assessment):
        assessment.status = AssessmentStatus.AWAITING_COUNTERSIGNATURE
        assessment.submitted_at = now
        assessment.save(update_fields=["status", "submitted_at"])
        return assessment
    _finish(assessment, now)
    return assessment


def can_countersign(staff: StaffMember, assessment: Assessment) -> bool:
    """Whether this member of staff may countersign: a current SPO who is not the assessor."""
    return (
        assessment.status == AssessmentStatus.AWAITING_COUNTERSIGNATURE
        and staff.role == Role.SPO
        and is_current(staff)
        and staff.pk != assessment.assessor_id
    )


@transaction.atomic
def countersign_assessment(*, by: StaffMember, assessment: Assessment) -> Assessment:
    """An SPO countersigns an assessment waiting for it (never their own), completing it."""
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("person", "assessor")
        .get(pk=assessment.pk)
    )
    ensure_can_record(by, locked.person)
    if locked.status != AssessmentStatus.AWAITING_COUNTERSIGNATURE:
        raise ValidationError({"__all__": "This assessment is not waiting for countersignature"})
    if by.role != Role.SPO:
        raise PermissionDenied("Only a senior probation officer can countersign an assessment.")
    if by.pk == locked.assessor_id:
        raise ValidationError({"__all__": "You cannot countersign your own assessment"})
    now = timezone.now()
    locked.countersigned_by = by
    locked.countersigned_at = now
    _finish(locked, now)
    return locked
