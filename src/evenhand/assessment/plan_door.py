"""The door to sentence plans: every plan page and API operation loads the plan here.

A plan is addressed by the assessment it answers (its id, or an analyst's token). The assessment is loaded,
its person admitted (``evenhand.people.door.admit``: role, scope, restriction and exclusion lists; the view
or refusal logged), and the plan shaped for the viewer (``plan_records``). Pages and operations that change
a plan open it for casework, and the services then check that the viewer is the person's practitioner or a
manager.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet

from evenhand.audit.models import Channel
from evenhand.cases.records import ReferralRecord
from evenhand.core.ids import parse_id
from evenhand.org.models import StaffMember
from evenhand.people.door import RecordNotFound, admit, open_person_and_model, record_id, refuse
from evenhand.people.records import Lens, PersonRecord

from .models import (
    Assessment,
    AssessmentStatus,
    PlanAgreement,
    PlanChange,
    PlanGoal,
    PlanStep,
    SentencePlan,
)
from .plan_records import FindingRecord, PlanRecord, findings_of
from .records import AssessmentRecord
from .services import can_change_plan

NO_PLAN = "This assessment has no sentence plan yet: make the plan first"
NOT_YOURS = "Only the person's practitioner or their managers can change the sentence plan."


@dataclass(frozen=True)
class PlanPage:
    person: PersonRecord
    lens: Lens
    assessment: AssessmentRecord
    plan: PlanRecord | None
    can_make: bool  # the assessment is complete, has no plan, and the viewer may make one
    can_edit: bool  # the plan is current and the viewer may change it
    findings: list[FindingRecord]  # what the diversity conversation found, for a goal to cite
    referrals: list[ReferralRecord]  # the person's referrals not yet a step of the plan

    @property
    def ref(self) -> str:
        return self.assessment.ref


@dataclass(frozen=True)
class PlanWork:
    """A plan opened to change it: the models the services take, and what the form page shows."""

    assessment: Assessment
    plan: SentencePlan | None
    page: PlanPage

    def require_plan(self) -> SentencePlan:
        """The plan, or (none made yet) a refusal on the whole request."""
        if self.plan is None:
            raise ValidationError({"__all__": NO_PLAN})
        return self.plan


@dataclass(frozen=True)
class PersonPlan:
    person: PersonRecord
    current_ref: str | None  # the assessment whose plan is current
    make_from_ref: str | None  # the latest completed assessment, to make a plan from


def plans_with_parts() -> QuerySet[SentencePlan]:
    """Plans with what a page of one shows, in a fixed number of queries."""
    steps = PlanStep.objects.select_related("referral").order_by("id")
    return SentencePlan.objects.select_related(
        "person", "made_by", "sentence", "assessment"
    ).prefetch_related(
        Prefetch(
            "goals",
            PlanGoal.objects.select_related("topic")
            .prefetch_related(Prefetch("steps", steps))
            .order_by("id"),
        ),
        Prefetch(
            "agreements", PlanAgreement.objects.select_related("recorded_by").order_by("-recorded_at", "-id")
        ),
        Prefetch("changes", PlanChange.objects.select_related("by").order_by("-at", "-id")),
        "assessment__sections",
        "assessment__topics",
    )


def _assessment(viewer: StaffMember, ref: str | int) -> Assessment:
    lens = Lens.of(viewer)
    found = (
        Assessment.objects.select_related("person__pdu__region", "assessor", "previous")
        .prefetch_related("topics")
        .filter(pk=record_id(lens, "assessment", ref))
        .first()
    )
    if found is None:
        raise RecordNotFound("No such assessment.")
    return found


def _page(viewer: StaffMember, assessment: Assessment) -> tuple[PlanPage, SentencePlan | None]:
    lens = Lens.of(viewer)
    person = assessment.person
    plan = plans_with_parts().filter(assessment=assessment).first()
    may_change = lens.casework and can_change_plan(viewer, person)
    referrals: list[ReferralRecord] = []
    if plan is not None and may_change and plan.replaced_at is None:
        taken = PlanStep.objects.filter(goal__plan=plan, referral__isnull=False).values("referral_id")
        rows = person.referrals.exclude(pk__in=taken).select_related("made_by").order_by("-made_on", "-pk")
        referrals = [ReferralRecord.shape(r, lens) for r in rows[:30]]
    page = PlanPage(
        person=PersonRecord.shape(person, lens),
        lens=lens,
        assessment=AssessmentRecord.shape(assessment, lens, with_parts=False),
        plan=PlanRecord.shape(plan, lens) if plan is not None else None,
        can_make=plan is None
        and may_change
        and assessment.status == AssessmentStatus.COMPLETE
        and assessment.kind != "psr",
        can_edit=plan is not None and plan.replaced_at is None and may_change,
        findings=findings_of(list(assessment.topics.all()), lens),
        referrals=referrals,
    )
    return page, plan


def open_plan(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> PlanPage:
    """The sentence plan answering an assessment (or none yet), shaped for the viewer; one view row."""
    assessment = _assessment(viewer, ref)
    admit(viewer=viewer, person_id=assessment.person_id, channel=channel, purpose=purpose)
    return _page(viewer, assessment)[0]


def plan_for_work(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> PlanWork:
    """A plan (or the assessment to make one from) opened to change it: the person's practitioner or a
    manager only (a casework role with access to the record); the view or the refusal logged."""
    assessment = _assessment(viewer, ref)
    admit(viewer=viewer, person_id=assessment.person_id, channel=channel, purpose=purpose, casework=True)
    if not can_change_plan(viewer, assessment.person):
        refuse(
            viewer=viewer, person_id=assessment.person_id, channel=channel, message=NOT_YOURS, role_only=True
        )
    page, plan = _page(viewer, assessment)
    return PlanWork(assessment=assessment, plan=plan, page=page)


def goal_of(work: PlanWork, ref: str | int) -> PlanGoal:
    """One goal of a plan opened for work, by its id; any other reference is no record."""
    pk = parse_id(ref)
    found = PlanGoal.objects.filter(pk=pk, plan=work.require_plan()).first() if pk is not None else None
    if found is None:
        raise RecordNotFound("No such goal in this plan.")
    return found


def step_of(work: PlanWork, ref: str | int) -> PlanStep:
    """One step of a plan opened for work, by its id; any other reference is no record."""
    pk = parse_id(ref)
    found = (
        PlanStep.objects.select_related("goal", "referral")
        .filter(pk=pk, goal__plan=work.require_plan())
        .first()
        if pk is not None
        else None
    )
    if found is None:
        raise RecordNotFound("No such step in this plan.")
    return found


def person_plan(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> PersonPlan:
    """Where a person's sentence plan is: the assessment whose plan is current, or the latest completed
    assessment to make one from; one view row."""
    person, record = open_person_and_model(viewer=viewer, ref=ref, channel=channel, purpose=purpose)
    lens = Lens.of(viewer)
    current = SentencePlan.objects.filter(person=person, replaced_at__isnull=True).first()
    latest = (
        Assessment.objects.filter(person=person, status=AssessmentStatus.COMPLETE)
        .exclude(kind="psr")
        .order_by("-completed_on", "-id")
        .first()
    )

    def ref_of(pk: int) -> str:
        token = lens.token("assessment", pk)
        return token if token is not None else str(pk)

    return PersonPlan(
        person=record,
        current_ref=ref_of(current.assessment_id) if current is not None else None,
        make_from_ref=ref_of(latest.pk) if latest is not None else None,
    )


def written_plan(*, viewer: StaffMember, plan_id: int) -> PlanRecord:
    """A plan the viewer has just changed (its loading logged the view), shaped for them."""
    return PlanRecord.shape(plans_with_parts().get(pk=plan_id), Lens.of(viewer))


__all__ = [
    "NO_PLAN",
    "PersonPlan",
    "PlanPage",
    "PlanWork",
    "goal_of",
    "open_plan",
    "person_plan",
    "plan_for_work",
    "plans_with_parts",
    "step_of",
    "written_plan",
]
