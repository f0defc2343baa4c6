"""The sentence plan answering an assessment (``/assessments/{ref}/plan``): goals, steps (a service's step is a
referral), the person's agreement and the review date. The same services and rules as the web pages, through
the same door (``evenhand.assessment.plan_door``)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from evenhand.assessment import plan_door, services
from evenhand.assessment.models import Actor, AgreementAnswer, GoalStatus, StepStatus, Topic
from evenhand.assessment.plan_records import PlanRecord
from evenhand.audit.models import Channel
from evenhand.cases.models import ServiceArea

from ..auth import staff_of
from ..schemas import READ_ERRORS, WRITE_ERRORS, Id, Ref, Text
from .common import loaded_for_casework, purpose, read

router = Router(tags=["sentence plans"])

ANALYSTS = "Null for analysts"


# --- schemas ------------------------------------------------------------------------------------------------


class StepOut(Schema):
    id: int | None = Field(description=ANALYSTS)
    description: str | None = Field(description=ANALYSTS)
    actor: Actor
    status: StepStatus = Field(description="A service's step: its referral's status, read from the referral")
    referral_id: int | None = Field(description="A service's step is this referral; null for analysts")
    referral_token: str | None = Field(description="Analysts only")
    referral_status_label: str | None
    service_area_label: str | None


class GoalOut(Schema):
    id: int | None = Field(description=ANALYSTS)
    title: str | None = Field(description=ANALYSTS)
    need: str = Field(description="The main need area: a section of the assessment")
    related_needs: list[str]
    status: GoalStatus
    status_note: str | None = Field(description="Why it was removed; null for analysts")
    target_date: dt.date | None
    topic: Topic | None = Field(description="The topic of the diversity conversation the goal responds to")
    topic_finding: str | None = Field(description=ANALYSTS)
    steps: list[StepOut]


class AgreementOut(Schema):
    answer: AgreementAnswer
    details: str | None = Field(description=ANALYSTS)
    version: int = Field(description="The version of the plan the person answered")
    recorded_on: dt.date


class ChangeOut(Schema):
    kind: str
    summary: str | None = Field(description=ANALYSTS)
    version: int
    on: dt.date


class NeedOut(Schema):
    key: str
    title: str
    severity_label: str
    has_goal: bool


class PlanOut(Schema):
    version: int = Field(description="Goes up with each change to the goals or steps")
    made_on: dt.date
    review_on: dt.date | None
    current: bool = Field(description="False once the plan of a later assessment has replaced it")
    agreed: bool = Field(description="The person's latest answer agrees with the plan as it stands")
    goals: list[GoalOut]
    needs: list[NeedOut] = Field(description="The criminogenic needs the assessment identified")
    agreement: AgreementOut | None = Field(description="The person's latest answer")
    agreements: list[AgreementOut]
    changes: list[ChangeOut]


class PlanPageOut(Schema):
    assessment_id: int | None = Field(description=ANALYSTS)
    assessment_token: str | None = Field(description="Analysts only")
    plan: PlanOut | None = Field(description="Null until the plan is made")
    can_make: bool
    can_edit: bool


class GoalIn(Schema):
    title: Text = Field(max_length=200)
    need: str = Field(max_length=20, description="A section key: accommodation, ete, thinking …")
    related_needs: list[Text] = Field(default_factory=list, max_length=12)
    status: GoalStatus = GoalStatus.ACTIVE
    target_date: dt.date | None = Field(None, description="Required for an active goal")
    topic: Topic | None = Field(None, description="A topic the diversity conversation discussed")
    note: Text = Field("", max_length=200, description="Why the goal is removed (when it is)")


class StepIn(Schema):
    description: Text = Field(max_length=200)
    actor: Actor
    status: StepStatus = StepStatus.NOT_STARTED
    service_area: ServiceArea | None = Field(None, description="A service's step: the referral made now")
    provider: Text = Field("", max_length=120)
    referral_id: Id | None = Field(None, description="A service's step: one of the person's referrals")


class StepStatusIn(Schema):
    status: StepStatus


class AgreementIn(Schema):
    answer: AgreementAnswer
    details: Text = Field("", max_length=5000, description="Required unless the person agrees")


class ReviewIn(Schema):
    review_on: dt.date


# --- operations ---------------------------------------------------------------------------------------------


def _page_out(page: plan_door.PlanPage) -> dict[str, Any]:
    return {
        "assessment_id": page.assessment.id,
        "assessment_token": page.assessment.token,
        "plan": page.plan,
        "can_make": page.can_make,
        "can_edit": page.can_edit,
    }


@router.get(
    "/{ref:ref}/plan",
    response={200: PlanPageOut, **READ_ERRORS},
    summary="Read an assessment's sentence plan",
)
def read_plan(request: HttpRequest, ref: Path[Ref]) -> dict[str, Any]:
    """The plan answering the assessment (null until made), whether the caller may make or change it."""
    return _page_out(read(request, plan_door.open_plan, ref))


def _for_work(request: HttpRequest, ref: str) -> plan_door.PlanWork:
    with loaded_for_casework(None, "assessment"):
        return plan_door.plan_for_work(
            viewer=staff_of(request), ref=ref, channel=Channel.API, purpose=purpose(request)
        )


def _written(request: HttpRequest, work: plan_door.PlanWork) -> PlanRecord:
    return plan_door.written_plan(viewer=staff_of(request), plan_id=work.require_plan().pk)


@router.post(
    "/{ref:ref}/plan",
    response={201: PlanOut, **WRITE_ERRORS},
    summary="Make the sentence plan of an assessment",
)
def make_plan(request: HttpRequest, ref: Path[Ref]) -> Status:
    """Make the plan answering a completed assessment; a review's plan carries the current plan's open goals."""
    work = _for_work(request, ref)
    made = services.make_plan(by=staff_of(request), assessment=work.assessment)
    return Status(201, plan_door.written_plan(viewer=staff_of(request), plan_id=made.pk))


@router.post(
    "/{ref:ref}/plan/goals", response={200: PlanOut, **WRITE_ERRORS}, summary="Add a goal to the plan"
)
def add_plan_goal(request: HttpRequest, ref: Path[Ref], payload: GoalIn) -> PlanRecord:
    work = _for_work(request, ref)
    services.add_goal(
        by=staff_of(request),
        plan=work.require_plan(),
        title=payload.title,
        need=payload.need,
        related_needs=payload.related_needs,
        status=payload.status,
        target_date=payload.target_date,
        topic=payload.topic,
    )
    return _written(request, work)


@router.put(
    "/{ref:ref}/plan/goals/{ref:goal_ref}", response={200: PlanOut, **WRITE_ERRORS}, summary="Change a goal"
)
def change_plan_goal(
    request: HttpRequest, ref: Path[Ref], goal_ref: Path[Ref], payload: GoalIn
) -> PlanRecord:
    """Change a goal as a whole. Achieved only when each step is completed or no longer needed; removing it
    needs the ``note``; an achieved or removed goal does not change."""
    work = _for_work(request, ref)
    services.change_goal(
        by=staff_of(request),
        plan=work.require_plan(),
        goal=plan_door.goal_of(work, goal_ref),
        title=payload.title,
        need=payload.need,
        related_needs=payload.related_needs,
        status=payload.status,
        target_date=payload.target_date,
        topic=payload.topic,
        note=payload.note,
    )
    return _written(request, work)


@router.post(
    "/{ref:ref}/plan/goals/{ref:goal_ref}/steps",
    response={200: PlanOut, **WRITE_ERRORS},
    summary="Add a step towards a goal",
)
def add_plan_step(request: HttpRequest, ref: Path[Ref], goal_ref: Path[Ref], payload: StepIn) -> PlanRecord:
    """A service's step is a referral: give ``referral_id`` (one of the person's), or ``service_area`` (and
    ``provider``) to make one now for the step's description."""
    work = _for_work(request, ref)
    services.add_step(
        by=staff_of(request),
        plan=work.require_plan(),
        goal=plan_door.goal_of(work, goal_ref),
        description=payload.description,
        actor=payload.actor,
        status=payload.status,
        service_area=payload.service_area or "",
        provider=payload.provider,
        referral_id=payload.referral_id,
    )
    return _written(request, work)


@router.put(
    "/{ref:ref}/plan/steps/{ref:step_ref}", response={200: PlanOut, **WRITE_ERRORS}, summary="Move a step on"
)
def change_plan_step(
    request: HttpRequest, ref: Path[Ref], step_ref: Path[Ref], payload: StepStatusIn
) -> PlanRecord:
    """A service's step is refused: its status is the referral's (``POST /referrals/{ref}/status``)."""
    work = _for_work(request, ref)
    services.change_step(
        by=staff_of(request),
        plan=work.require_plan(),
        step=plan_door.step_of(work, step_ref),
        status=payload.status,
    )
    return _written(request, work)


@router.post(
    "/{ref:ref}/plan/agreement",
    response={200: PlanOut, **WRITE_ERRORS},
    summary="Record the person's answer to the plan",
)
def record_plan_agreement(request: HttpRequest, ref: Path[Ref], payload: AgreementIn) -> PlanRecord:
    """Agreed; does not agree, or could not answer (both need ``details``). Kept against the plan's version."""
    work = _for_work(request, ref)
    services.record_agreement(
        by=staff_of(request), plan=work.require_plan(), answer=payload.answer, details=payload.details
    )
    return _written(request, work)


@router.put(
    "/{ref:ref}/plan/review", response={200: PlanOut, **WRITE_ERRORS}, summary="Set the plan's review date"
)
def set_plan_review(request: HttpRequest, ref: Path[Ref], payload: ReviewIn) -> PlanRecord:
    work = _for_work(request, ref)
    services.set_review_date(by=staff_of(request), plan=work.require_plan(), review_on=payload.review_on)
    return _written(request, work)
