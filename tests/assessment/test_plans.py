"""The sentence plan's services: made from a completed assessment, goals and steps with their rules, a service's
step that is the referral (one source), the person's agreement (details required unless agreed; a changed plan
needs agreeing again, the agreed version kept), who may change a plan, and a review's plan carrying the last."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evenhand.assessment.models import (
    Actor,
    AgreementAnswer,
    GoalStatus,
    ImmutablePlanRecordError,
    PlanAgreement,
    PlanChange,
    PlanGoal,
    PlanStep,
    SentencePlan,
    StepStatus,
)
from evenhand.assessment.plan_door import plans_with_parts
from evenhand.assessment.plan_records import PlanRecord
from evenhand.assessment.services import (
    add_goal,
    add_step,
    change_goal,
    change_step,
    complete_assessment,
    make_plan,
    record_agreement,
    set_review_date,
    start_assessment,
)
from evenhand.cases.models import Referral, ReferralStatus, RequirementType, ServiceArea
from evenhand.cases.services import make_referral, update_referral_status
from evenhand.org.models import Grade
from evenhand.people.records import Lens
from tests.assessment.helpers import every_section, every_topic
from tests.assessment.plan_helpers import completed
from tests.factories import AllocationFactory, SentenceFactory, StaffMemberFactory, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    sentence = SentenceFactory(requirements=[{"type": RequirementType.RAR}])
    allocation = AllocationFactory(sentence=sentence)
    return sentence, allocation.practitioner


@pytest.fixture
def plan(case):
    sentence, po = case
    return make_plan(by=po, assessment=completed(po, sentence.person))


def errors(info) -> dict[str, list[str]]:
    return info.value.message_dict


def goal(po, plan, **given):
    arguments = {
        "title": "Find somewhere settled to live",
        "need": "accommodation",
        "target_date": today() + dt.timedelta(days=90),
    }
    arguments.update(given)
    return add_goal(by=po, plan=plan, **arguments)


def set_status(po, plan, changed: PlanGoal, status: str, **given):
    """Change only a goal's status (and what ``given`` adds), its title, need and target date as they were."""
    return change_goal(
        by=po,
        plan=plan,
        goal=changed,
        title=changed.title,
        need=changed.need,
        status=status,
        target_date=changed.target_date,
        **given,
    )


def shaped(plan: SentencePlan, staff) -> PlanRecord:
    return PlanRecord.shape(plans_with_parts().get(pk=plan.pk), Lens.of(staff))


def test_a_plan_answers_a_completed_assessment_once(case):
    sentence, po = case
    open_one = start_assessment(by=po, person=sentence.person)
    with pytest.raises(ValidationError) as refused:
        make_plan(by=po, assessment=open_one)
    assert "complete the assessment first" in errors(refused)["__all__"][0]
    every_section(po, open_one)
    every_topic(po, open_one)
    complete_assessment(by=po, assessment=open_one)
    plan = make_plan(by=po, assessment=open_one)
    assert (plan.version, plan.sentence, plan.person) == (1, sentence, sentence.person)
    assert list(plan.changes.values_list("kind", flat=True)) == ["made"]
    with pytest.raises(ValidationError) as again:
        make_plan(by=po, assessment=open_one)
    assert errors(again) == {"__all__": ["This assessment already has a sentence plan"]}
    assert SentencePlan.objects.count() == 1


def test_goal_rules_name_the_field_and_write_nothing(case, plan):
    _, po = case
    bad = [
        ({"target_date": None}, "target_date", "Enter the target date"),
        ({"target_date": today() - dt.timedelta(days=1)}, "target_date", "must be today or in the future"),
        ({"target_date": today() + dt.timedelta(days=4 * 366)}, "target_date", "within 3 years"),
        ({"need": "astrology"}, "need", "Select the main need area"),
        ({"related_needs": ["drugs", "nonsense"]}, "related_needs", "no need area called"),
        ({"title": "  "}, "title", "Enter the goal"),
        ({"status": GoalStatus.ACHIEVED}, "status", "now or in the future"),
        # Religion was declined: nothing the conversation found to cite.
        ({"topic": "religion"}, "topic", "discussed with the person"),
        ({"topic": "weather"}, "topic", "discussed with the person"),
    ]
    for given, field, text in bad:
        with pytest.raises(ValidationError) as refused:
            goal(po, plan, **given)
        assert text in " ".join(errors(refused)[field]), given
    assert not PlanGoal.objects.exists() and SentencePlan.objects.get().version == 1
    future = goal(po, plan, status=GoalStatus.FUTURE, target_date=None, title="Back into work")
    cited = goal(po, plan, topic="discrimination", related_needs=["thinking", "accommodation", "thinking"])
    assert future.target_date is None
    assert cited.related_needs == ["thinking"]  # the main need and repeats left out
    assert cited.topic.topic == "discrimination" and cited.topic.assessment_id == plan.assessment_id
    assert SentencePlan.objects.get().version == 3


def test_agreement_needs_details_unless_agreed(case, plan):
    _, po = case
    with pytest.raises(ValidationError) as no_goal:
        record_agreement(by=po, plan=plan, answer=AgreementAnswer.AGREED)
    assert "Add a goal" in errors(no_goal)["__all__"][0]
    goal(po, plan)
    for answer, text in (
        (AgreementAnswer.DISAGREES, "why the person does not agree"),
        (AgreementAnswer.COULD_NOT_ANSWER, "why the person could not answer"),
    ):
        with pytest.raises(ValidationError) as refused:
            record_agreement(by=po, plan=plan, answer=answer, details="   ")
        assert text in errors(refused)["details"][0]
    with pytest.raises(ValidationError) as unknown:
        record_agreement(by=po, plan=plan, answer="maybe")
    assert "answer" in errors(unknown)
    assert not PlanAgreement.objects.exists()
    said = record_agreement(
        by=po, plan=plan, answer=AgreementAnswer.DISAGREES, details="Wants the hostel in Bradford instead"
    )
    assert (said.details, said.version, said.recorded_by) == ("Wants the hostel in Bradford instead", 2, po)
    assert not shaped(plan, po).agreed


def test_a_plan_changed_after_agreement_needs_agreeing_again_and_the_agreed_version_is_kept(case, plan):
    _, po = case
    first = goal(po, plan)
    agreed = record_agreement(by=po, plan=plan, answer=AgreementAnswer.AGREED)
    record = shaped(plan, po)
    assert record.agreed and agreed.version == record.version == 2
    goal(po, plan, title="Talk to someone about the stops", need="thinking", topic="discrimination")
    record = shaped(plan, po)
    assert record.version == 3 and not record.agreed and record.changed_since_answer
    # The agreed version survives the change, as it was.
    kept = PlanAgreement.objects.get(pk=agreed.pk)
    assert [g["title"] for g in kept.snapshot["goals"]] == [first.title]
    with pytest.raises(ImmutablePlanRecordError):
        kept.save()
    with pytest.raises(ImmutablePlanRecordError):
        kept.delete()
    # Progress on a step is recorded but is not a change to what was agreed.
    step = add_step(by=po, plan=plan, goal=first, description="Bidding for a flat", actor=Actor.PERSON)
    record_agreement(by=po, plan=plan, answer=AgreementAnswer.AGREED)
    change_step(by=po, plan=plan, step=step, status=StepStatus.IN_PROGRESS)
    assert shaped(plan, po).agreed
    kinds = list(PlanChange.objects.filter(plan=plan).order_by("at", "id").values_list("kind", "version"))
    assert kinds == [
        ("made", 1),
        ("goal_added", 2),
        ("agreement", 2),
        ("goal_added", 3),
        ("step_added", 4),
        ("agreement", 4),
        ("step_changed", 4),
    ]
    assert all(c.by == po for c in PlanChange.objects.filter(plan=plan))


def test_step_and_goal_status_rules(case, plan):
    _, po = case
    housing = goal(po, plan)
    step = add_step(
        by=po, plan=plan, goal=housing, description="Register with the council", actor=Actor.PERSON
    )
    with pytest.raises(ValidationError) as who:
        add_step(by=po, plan=plan, goal=housing, description="Something", actor="the moon")
    assert "actor" in errors(who)
    # Achieved only when every step is completed or no longer needed.
    with pytest.raises(ValidationError) as early:
        set_status(po, plan, housing, GoalStatus.ACHIEVED)
    assert "before the goal is achieved" in errors(early)["status"][0]
    change_step(by=po, plan=plan, step=step, status=StepStatus.COMPLETED)
    with pytest.raises(ValidationError) as final:
        change_step(by=po, plan=plan, step=step, status=StepStatus.IN_PROGRESS)
    assert "A completed step cannot change" in errors(final)["status"][0]
    set_status(po, plan, housing, GoalStatus.ACHIEVED)
    # A closed goal takes no more steps and no more changes.
    with pytest.raises(ValidationError) as closed:
        add_step(by=po, plan=plan, goal=housing, description="More", actor=Actor.PRACTITIONER)
    assert "achieved and cannot change" in errors(closed)["__all__"][0]
    other = goal(po, plan, title="Manage temper", need="thinking")
    with pytest.raises(ValidationError) as reason:
        set_status(po, plan, other, GoalStatus.REMOVED)
    assert errors(reason) == {"note": ["Enter why the goal is removed"]}
    set_status(po, plan, other, GoalStatus.REMOVED, note="Covered by the accredited programme")
    assert PlanGoal.objects.get(pk=other.pk).status_note == "Covered by the accredited programme"


def test_a_service_step_is_the_referral_one_source(case, plan):
    sentence, po = case
    housing = goal(po, plan)
    before = Referral.objects.count()
    with pytest.raises(ValidationError) as no_service:
        add_step(by=po, plan=plan, goal=housing, description="Housing advice", actor=Actor.SERVICE)
    assert "service_area" in errors(no_service) and Referral.objects.count() == before
    step = add_step(
        by=po,
        plan=plan,
        goal=housing,
        description="Housing advice from Shelter",
        actor=Actor.SERVICE,
        service_area=ServiceArea.ACCOMMODATION,
        provider="Shelter",
    )
    referral = Referral.objects.get(pk=step.referral_id)
    assert Referral.objects.count() == before + 1
    assert (referral.reason, referral.provider, referral.sentence) == (
        "Housing advice from Shelter",
        "Shelter",
        sentence,
    )
    assert step.status == "" and step.current_status == StepStatus.NOT_STARTED
    # The referral moves on; the plan step shows it, with nothing copied.
    update_referral_status(by=po, referral=referral, status=ReferralStatus.ACCEPTED, changed_on=today())
    update_referral_status(by=po, referral=referral, status=ReferralStatus.STARTED, changed_on=today())
    shown = shaped(plan, po).goals[0].steps[0]
    assert (shown.status, shown.referral_status_label, shown.referral_id) == (
        "in_progress",
        "Started",
        referral.pk,
    )
    with pytest.raises(ValidationError) as direct:
        change_step(by=po, plan=plan, step=step, status=StepStatus.COMPLETED)
    assert "update the referral" in errors(direct)["status"][0]
    # A referral already made becomes a step; once only; another person's is refused.
    earlier = make_referral(
        by=po, sentence=sentence, service_area=ServiceArea.ETE, reason="Job club", made_on=today()
    )
    add_step(
        by=po, plan=plan, goal=housing, description="Job club", actor=Actor.SERVICE, referral_id=earlier.pk
    )
    with pytest.raises(ValidationError) as twice:
        add_step(
            by=po, plan=plan, goal=housing, description="Again", actor=Actor.SERVICE, referral_id=earlier.pk
        )
    assert "already a step" in errors(twice)["referral_id"][0]
    stranger = SentenceFactory(person__pdu=sentence.person.pdu)
    theirs = make_referral(
        by=po, sentence=stranger, service_area=ServiceArea.ETE, reason="Not theirs", made_on=today()
    )
    with pytest.raises(ValidationError) as foreign:
        add_step(by=po, plan=plan, goal=housing, description="X", actor=Actor.SERVICE, referral_id=theirs.pk)
    assert "Choose one of the person's referrals" in errors(foreign)["referral_id"][0]
    assert PlanStep.objects.filter(referral__isnull=False).count() == 2


def test_only_the_practitioner_and_managers_change_the_plan(case, plan):
    sentence, po = case
    pdu = sentence.person.pdu
    colleague = StaffMemberFactory(grade=Grade.PO, pdu=pdu)
    elsewhere = StaffMemberFactory(grade=Grade.PO)
    analyst = StaffMemberFactory(grade=Grade.ANALYST)
    for staff in (colleague, elsewhere, analyst):
        with pytest.raises(PermissionDenied):
            goal(staff, plan)
        with pytest.raises(PermissionDenied):
            set_review_date(by=staff, plan=plan, review_on=today() + dt.timedelta(days=60))
    spo = StaffMemberFactory(grade=Grade.SPO, pdu=pdu)
    goal(spo, plan)
    set_review_date(by=spo, plan=plan, review_on=today() + dt.timedelta(days=60))
    with pytest.raises(ValidationError) as past:
        set_review_date(by=po, plan=plan, review_on=today() - dt.timedelta(days=1))
    assert "review_on" in errors(past)
    assert SentencePlan.objects.get().review_on == today() + dt.timedelta(days=60)


def test_a_reviews_plan_carries_the_open_goals_and_replaces_the_last(case, plan):
    sentence, po = case
    open_goal = goal(po, plan, topic="discrimination")
    add_step(
        by=po,
        plan=plan,
        goal=open_goal,
        description="Shelter",
        actor=Actor.SERVICE,
        service_area=ServiceArea.ACCOMMODATION,
    )
    done = goal(po, plan, title="Done already", need="thinking")
    set_status(po, plan, done, GoalStatus.ACHIEVED)
    review = start_assessment(by=po, person=sentence.person)
    every_section(po, review)
    every_topic(po, review)
    complete_assessment(by=po, assessment=review)
    later = make_plan(by=po, assessment=review)
    assert SentencePlan.objects.get(pk=plan.pk).replaced_at is not None and later.previous_id == plan.pk
    carried = list(later.goals.all())
    assert [g.title for g in carried] == [open_goal.title]
    assert carried[0].topic.assessment_id == review.pk  # the review's own conversation
    assert carried[0].steps.get().referral_id == open_goal.steps.get().referral_id  # the same referral
    with pytest.raises(ValidationError) as history:
        goal(po, plan)
    assert "replaced" in errors(history)["__all__"][0]
