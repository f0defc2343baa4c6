"""The sentence plan: made from a completed assessment, its goals and steps, the person's agreement, reviews.

Each operation is one transaction on the plan, locked: a refusal (a ``ValidationError`` naming the field)
leaves nothing half-written. Only the person's practitioner (who holds one of their sentences) and managers
(SPOs and heads of PDU with access to the record) change a plan; a plan replaced by a later one is history.

Every change is a ``PlanChange`` row. A change to what the plan says (a goal or a step added, a goal
changed) is a new version; the person's agreement is to one version, kept with the plan as it then stood, so
a plan changed after it was agreed needs agreeing again. A step taken by a service is a referral, made here
through the cases service or chosen from the person's referrals: its status is the referral's.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from evenhand.cases.models import Allocation, Referral, ServiceArea
from evenhand.cases.selectors import active_sentences
from evenhand.cases.services import make_referral
from evenhand.core.services import SHORT_TEXT, TEXT, plain_text, require_text
from evenhand.org.models import Role, StaffMember
from evenhand.people.access import can_view_person, ensure_can_record
from evenhand.people.models import Person

from .. import sections as S
from ..models import (
    CLOSED_GOALS,
    FINISHED_STEPS,
    Actor,
    AgreementAnswer,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    DiversityTopic,
    GoalStatus,
    PlanAgreement,
    PlanChange,
    PlanChangeKind,
    PlanGoal,
    PlanStep,
    SentencePlan,
    StepStatus,
    Topic,
    TopicStatus,
)

# How far ahead a target or review date may plausibly be set.
LONGEST_AHEAD = dt.timedelta(days=3 * 366)
MANAGERS = (Role.SPO, Role.HEAD_OF_PDU)


def holds_case(staff: StaffMember, person: Person | int) -> bool:
    """Whether the member of staff is allocated one of the person's sentences now."""
    pk = person if isinstance(person, int) else person.pk
    return Allocation.objects.filter(
        sentence__person_id=pk, practitioner=staff, end_date__isnull=True
    ).exists()


def can_change_plan(staff: StaffMember, person: Person) -> bool:
    """The person's practitioner, or a manager (SPO, head of PDU) who may see the record."""
    if staff.role not in (Role.PRACTITIONER, *MANAGERS) or not can_view_person(staff, person):
        return False
    return staff.role in MANAGERS or holds_case(staff, person)


def _ensure_can_change(by: StaffMember, person: Person) -> None:
    ensure_can_record(by, person)
    if not can_change_plan(by, person):
        raise PermissionDenied(
            "Only the person's practitioner or their managers can change the sentence plan."
        )


def _locked(plan: SentencePlan) -> SentencePlan:
    """The plan, locked for this transaction; refused once a later plan has replaced it."""
    locked = (
        SentencePlan.objects.select_for_update(of=("self",))
        .select_related("person", "assessment")
        .get(pk=plan.pk)
    )
    if locked.replaced_at is not None:
        raise ValidationError(
            {"__all__": "This plan has been replaced by the plan of a later assessment and cannot change"}
        )
    return locked


def _record(plan: SentencePlan, by: StaffMember, kind: str, summary: str, *, new_version: bool) -> None:
    if new_version:
        plan.version += 1
        SentencePlan.objects.filter(pk=plan.pk).update(version=plan.version)
    PlanChange.objects.create(
        plan=plan, version=plan.version, kind=kind, summary=summary[:300], by=by, at=timezone.now()
    )


def _date_ahead(value: dt.date | None, field: str, what: str, *, required: bool) -> dt.date | None:
    if value is None:
        if required:
            raise ValidationError({field: f"Enter {what}"})
        return None
    today = timezone.localdate()
    if value < today:
        raise ValidationError({field: f"{what[:1].upper()}{what[1:]} must be today or in the future"})
    if value > today + LONGEST_AHEAD:
        raise ValidationError({field: f"{what[:1].upper()}{what[1:]} must be within 3 years"})
    return value


# --- the plan ------------------------------------------------------------------------------------------------


@transaction.atomic
def make_plan(*, by: StaffMember, assessment: Assessment) -> SentencePlan:
    """Make the sentence plan answering a completed assessment. A review's plan starts from the person's
    current plan: its active and future goals and their steps are carried (a cited topic is followed to
    the review's own), and the earlier plan becomes history."""
    # Only the assessment row is locked: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("person", "sentence")
        .get(pk=assessment.pk)
    )
    person = locked.person
    _ensure_can_change(by, person)
    if locked.status == AssessmentStatus.LOCKED:
        raise ValidationError(
            {"__all__": "A later assessment has replaced this one: make the plan from that"}
        )
    if locked.status != AssessmentStatus.COMPLETE:
        raise ValidationError(
            {"__all__": "A sentence plan answers a completed assessment: complete the assessment first"}
        )
    if locked.kind == AssessmentKind.PSR:
        raise ValidationError({"__all__": "An assessment for a pre-sentence report has no sentence plan"})
    if SentencePlan.objects.filter(assessment=locked).exists():
        raise ValidationError({"__all__": "This assessment already has a sentence plan"})
    Person.objects.select_for_update().filter(pk=person.pk).first()
    now = timezone.now()
    previous = SentencePlan.objects.filter(person=person, replaced_at__isnull=True).first()
    if previous is not None:
        SentencePlan.objects.filter(pk=previous.pk).update(replaced_at=now)
    sentence = locked.sentence or active_sentences(person).order_by("-start_date", "-pk").first()
    plan = SentencePlan(
        person=person, assessment=locked, sentence=sentence, previous=previous, made_by=by, made_at=now
    )
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as clash:
        raise ValidationError(
            {"__all__": "The person's plan was changed at the same time: try again"}
        ) from clash
    carried = _carry_goals(plan, previous, by, now) if previous is not None else 0
    summary = f"Plan made from the {locked.get_kind_display().lower()}"
    if carried:
        summary += f"; {carried} goal{'s' if carried != 1 else ''} carried from the previous plan"
    _record(plan, by, PlanChangeKind.MADE, summary, new_version=False)
    return plan


def _carry_goals(plan: SentencePlan, previous: SentencePlan, by: StaffMember, now: dt.datetime) -> int:
    topics = {t.topic: t for t in DiversityTopic.objects.filter(assessment_id=plan.assessment_id)}
    goals = previous.goals.exclude(status__in=CLOSED_GOALS).select_related("topic").prefetch_related("steps")
    count = 0
    for old in goals:
        cited = topics.get(old.topic.topic) if old.topic is not None else None
        goal = PlanGoal.objects.create(
            plan=plan,
            title=old.title,
            need=old.need,
            related_needs=old.related_needs,
            status=old.status,
            target_date=old.target_date,
            topic=cited if cited is not None and cited.status == TopicStatus.DISCUSSED else None,
            created_by=by,
            created_at=now,
            changed_by=by,
            changed_at=now,
        )
        PlanStep.objects.bulk_create(
            [
                PlanStep(
                    goal=goal,
                    description=step.description,
                    actor=step.actor,
                    status=step.status,
                    referral_id=step.referral_id,
                    created_by=by,
                    created_at=now,
                    changed_by=by,
                    changed_at=now,
                )
                for step in old.steps.all()
            ]
        )
        count += 1
    return count


# --- goals ---------------------------------------------------------------------------------------------------


def _needs(need: str, related: Sequence[str]) -> tuple[str, list[str]]:
    if need not in S.BY_KEY:
        raise ValidationError({"need": "Select the main need area the goal works on"})
    chosen: list[str] = []
    for key in related:
        if key not in S.BY_KEY:
            raise ValidationError({"related_needs": f"There is no need area called {str(key)[:30]!r}"})
        if key != need and key not in chosen:
            chosen.append(key)
    return need, chosen


def _topic(plan: SentencePlan, topic: str | None) -> DiversityTopic | None:
    """The diversity conversation's finding a goal cites: a topic of the plan's assessment, discussed."""
    if not topic:
        return None
    found = (
        DiversityTopic.objects.filter(assessment_id=plan.assessment_id, topic=topic).first()
        if topic in Topic.values
        else None
    )
    if found is None or found.status != TopicStatus.DISCUSSED:
        raise ValidationError(
            {"topic": "Choose a topic the diversity conversation discussed with the person"}
        )
    return found


@transaction.atomic
def add_goal(
    *,
    by: StaffMember,
    plan: SentencePlan,
    title: str,
    need: str,
    related_needs: Sequence[str] = (),
    status: str = GoalStatus.ACTIVE,
    target_date: dt.date | None = None,
    topic: str | None = None,
) -> PlanGoal:
    """Add a goal: active (with a target date) or for the future; its main need area and any related ones
    (sections of the assessment); optionally the topic of the diversity conversation it responds to."""
    plan = _locked(plan)
    _ensure_can_change(by, plan.person)
    title = require_text(title, "title", "the goal", kind=SHORT_TEXT)
    need, related = _needs(need, related_needs)
    if status not in (GoalStatus.ACTIVE, GoalStatus.FUTURE):
        raise ValidationError({"status": "Select whether the goal is to work on now or in the future"})
    if status == GoalStatus.ACTIVE and target_date is None:
        raise ValidationError({"target_date": "Enter the target date of an active goal"})
    target_date = _date_ahead(target_date, "target_date", "the target date", required=False)
    now = timezone.now()
    goal = PlanGoal.objects.create(
        plan=plan,
        title=title,
        need=need,
        related_needs=related,
        status=status,
        target_date=target_date,
        topic=_topic(plan, topic),
        created_by=by,
        created_at=now,
        changed_by=by,
        changed_at=now,
    )
    _record(plan, by, PlanChangeKind.GOAL_ADDED, f"Goal added: {title}", new_version=True)
    return goal


def _goal_of(plan: SentencePlan, goal: PlanGoal) -> PlanGoal:
    locked = PlanGoal.objects.select_for_update().filter(pk=goal.pk, plan=plan).first()
    if locked is None:
        raise ValidationError({"__all__": "That goal is not part of this plan"})
    return locked


def _refuse_closed(goal: PlanGoal) -> None:
    if goal.closed:
        raise ValidationError(
            {"__all__": f"This goal is {goal.get_status_display().lower()} and cannot change: add a new goal"}
        )


def step_statuses(goal: PlanGoal) -> list[str]:
    """The current status of each of the goal's steps (a service's step: its referral's)."""
    return [s.current_status for s in goal.steps.select_related("referral")]


@transaction.atomic
def change_goal(
    *,
    by: StaffMember,
    plan: SentencePlan,
    goal: PlanGoal,
    title: str,
    need: str,
    related_needs: Sequence[str] = (),
    status: str,
    target_date: dt.date | None = None,
    topic: str | None = None,
    note: str = "",
) -> PlanGoal:
    """Change a goal (as a whole: what the form or the API sends). An achieved or removed goal is closed;
    a goal is achieved only when each of its steps is completed or no longer needed; removing one needs the
    reason; an active goal needs a target date, a new one today or later."""
    plan = _locked(plan)
    _ensure_can_change(by, plan.person)
    goal = _goal_of(plan, goal)
    _refuse_closed(goal)
    title = require_text(title, "title", "the goal", kind=SHORT_TEXT)
    need, related = _needs(need, related_needs)
    if status not in GoalStatus.values:
        raise ValidationError({"status": "Select the goal's status"})
    note = plain_text(note, "note", "why the goal is removed", kind=SHORT_TEXT)
    if status == GoalStatus.REMOVED and not note:
        raise ValidationError({"note": "Enter why the goal is removed"})
    if status == GoalStatus.ACHIEVED and any(s not in FINISHED_STEPS for s in step_statuses(goal)):
        raise ValidationError(
            {"status": "Complete each step, or mark it no longer needed, before the goal is achieved"}
        )
    if target_date != goal.target_date:
        target_date = _date_ahead(target_date, "target_date", "the target date", required=False)
    if status == GoalStatus.ACTIVE and target_date is None:
        raise ValidationError({"target_date": "Enter the target date of an active goal"})
    cited = _topic(plan, topic)
    before = (goal.title, goal.need, goal.related_needs, goal.status, goal.target_date, goal.topic_id)
    goal.title, goal.need, goal.related_needs = title, need, related
    goal.status, goal.target_date, goal.topic = status, target_date, cited
    goal.status_note = note if status == GoalStatus.REMOVED else ""
    if before == (title, need, related, status, target_date, goal.topic_id):
        return goal  # nothing changed: no new version
    goal.changed_by, goal.changed_at = by, timezone.now()
    goal.save()
    summary = (
        f"Goal {goal.get_status_display().lower()}: {title}"
        if status != before[3]
        else f"Goal changed: {title}"
    )
    _record(plan, by, PlanChangeKind.GOAL_CHANGED, summary, new_version=True)
    return goal


# --- steps ---------------------------------------------------------------------------------------------------


@transaction.atomic
def add_step(
    *,
    by: StaffMember,
    plan: SentencePlan,
    goal: PlanGoal,
    description: str,
    actor: str,
    status: str = StepStatus.NOT_STARTED,
    service_area: str = "",
    provider: str = "",
    referral_id: int | None = None,
) -> PlanStep:
    """Add a step to an open goal. A service's step is a referral: one of the person's referrals not yet a
    step of this plan (``referral_id``), or one made now under the plan's sentence, for the step's
    description, to ``service_area`` (and ``provider``); the step then shows the referral's status."""
    plan = _locked(plan)
    _ensure_can_change(by, plan.person)
    goal = _goal_of(plan, goal)
    _refuse_closed(goal)
    description = require_text(description, "description", "the step", kind=SHORT_TEXT)
    if actor not in Actor.values:
        raise ValidationError({"actor": "Select who will take the step"})
    referral: Referral | None = None
    if actor == Actor.SERVICE:
        referral = _referral_for_step(by, plan, description, service_area, provider, referral_id)
        status = ""
    elif status not in StepStatus.values:
        raise ValidationError({"status": "Select the step's status"})
    now = timezone.now()
    step = PlanStep.objects.create(
        goal=goal,
        description=description,
        actor=actor,
        status=status,
        referral=referral,
        created_by=by,
        created_at=now,
        changed_by=by,
        changed_at=now,
    )
    _record(plan, by, PlanChangeKind.STEP_ADDED, f"Step added: {description}", new_version=True)
    return step


def _referral_for_step(
    by: StaffMember,
    plan: SentencePlan,
    description: str,
    service_area: str,
    provider: str,
    referral_id: int | None,
) -> Referral:
    if referral_id is not None:
        referral = Referral.objects.filter(pk=referral_id, person=plan.person).first()
        if referral is None:
            raise ValidationError({"referral_id": "Choose one of the person's referrals"})
        if PlanStep.objects.filter(goal__plan=plan, referral=referral).exists():
            raise ValidationError({"referral_id": "That referral is already a step of this plan"})
        return referral
    if service_area not in ServiceArea.values:
        raise ValidationError({"service_area": "Select the service the person is referred to"})
    if plan.sentence is None:
        raise ValidationError(
            {"__all__": "The plan is for no sentence, and a referral is made under a sentence"}
        )
    try:
        return make_referral(
            by=by,
            sentence=plan.sentence,
            service_area=service_area,
            reason=description,
            made_on=timezone.localdate(),
            provider=provider,
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        renamed = {"reason": "description", "made_on": "__all__"}
        raise ValidationError(
            {renamed.get(field, field): messages for field, messages in error.message_dict.items()}
        ) from error


@transaction.atomic
def change_step(*, by: StaffMember, plan: SentencePlan, step: PlanStep, status: str) -> PlanStep:
    """Move a step on. A service's step is a referral: its status is the referral's, changed on the
    referral. A completed step, or a step of a closed goal, does not change. Progress is recorded as a change
    of the plan but is not a new version of what the plan says."""
    plan = _locked(plan)
    _ensure_can_change(by, plan.person)
    locked = PlanStep.objects.select_for_update().filter(pk=step.pk, goal__plan=plan).first()
    if locked is None:
        raise ValidationError({"__all__": "That step is not part of this plan"})
    _refuse_closed(locked.goal)
    if locked.actor == Actor.SERVICE:
        raise ValidationError(
            {"status": "This step is a referral: its status is the referral's, so update the referral"}
        )
    if status not in StepStatus.values:
        raise ValidationError({"status": "Select the step's status"})
    if locked.status == StepStatus.COMPLETED and status != StepStatus.COMPLETED:
        raise ValidationError({"status": "A completed step cannot change: add a new step"})
    if status == locked.status:
        return locked
    locked.status = status
    locked.changed_by, locked.changed_at = by, timezone.now()
    locked.save(update_fields=["status", "changed_by", "changed_at"])
    label = StepStatus(status).label.lower()
    _record(plan, by, PlanChangeKind.STEP_CHANGED, f"Step {label}: {locked.description}", new_version=False)
    return locked


# --- agreement and review ------------------------------------------------------------------------------------


def snapshot(plan: SentencePlan) -> dict[str, Any]:
    """What the plan says now: its goals and their steps (a service's step with its referral)."""
    goals = plan.goals.select_related("topic").prefetch_related("steps")
    return {
        "version": plan.version,
        "goals": [
            {
                "title": g.title,
                "need": g.need,
                "related_needs": g.related_needs,
                "status": g.status,
                "target_date": g.target_date.isoformat() if g.target_date else None,
                "topic": g.topic.topic if g.topic is not None else None,
                "steps": [
                    {"description": s.description, "actor": s.actor, "referral": s.referral_id}
                    for s in g.steps.all()
                ],
            }
            for g in goals
        ],
    }


@transaction.atomic
def record_agreement(*, by: StaffMember, plan: SentencePlan, answer: str, details: str = "") -> PlanAgreement:
    """The person's answer to the plan as it stands: agreed; does not agree, or could not answer (both
    with the details). Kept with the plan as it was, so the agreed version survives later changes."""
    plan = _locked(plan)
    _ensure_can_change(by, plan.person)
    if answer not in AgreementAnswer.values:
        raise ValidationError({"answer": "Select whether the person agrees with the plan"})
    details = plain_text(details, "details", "the details", kind=TEXT)
    if answer == AgreementAnswer.DISAGREES and not details:
        raise ValidationError({"details": "Enter details of why the person does not agree with the plan"})
    if answer == AgreementAnswer.COULD_NOT_ANSWER and not details:
        raise ValidationError({"details": "Enter details of why the person could not answer"})
    if not plan.goals.exclude(status=GoalStatus.REMOVED).exists():
        raise ValidationError({"__all__": "Add a goal before asking the person to agree the plan"})
    agreement = PlanAgreement.objects.create(
        plan=plan,
        version=plan.version,
        answer=answer,
        details=details,
        recorded_by=by,
        recorded_at=timezone.now(),
        snapshot=snapshot(plan),
    )
    _record(plan, by, PlanChangeKind.AGREEMENT, AgreementAnswer(answer).label, new_version=False)
    return agreement


@transaction.atomic
def set_review_date(*, by: StaffMember, plan: SentencePlan, review_on: dt.date | None) -> SentencePlan:
    """When the plan is next reviewed with the person: today or later, within 3 years."""
    plan = _locked(plan)
    _ensure_can_change(by, plan.person)
    review_on = _date_ahead(review_on, "review_on", "the review date", required=True)
    plan.review_on = review_on
    plan.save(update_fields=["review_on"])
    _record(plan, by, PlanChangeKind.REVIEW_DATE, f"Review on {review_on:%d %B %Y}", new_version=False)
    return plan
