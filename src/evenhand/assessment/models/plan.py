"""The sentence plan: what the person and their practitioner agree to work on, answering an assessment.

A plan answers one completed assessment (a review's plan starts from the one before, which it replaces).
Goals each have a main need area (a section of the assessment) and may cite what the diversity conversation
found; steps say who acts. A step taken by a service *is* a referral (``cases.Referral``): the step holds the
referral and shows its status, never a copy. What the plan says has a version; the person's agreement is
recorded against a version, with the plan as it then stood, so a plan changed after it was agreed shows as
needing agreement again and the agreed version is kept. Each change is a ``PlanChange`` row.
"""

from django.db import models
from django.db.models import Q

from evenhand.cases.models import Referral, ReferralStatus, Sentence
from evenhand.core.models import ImmutableModel, RecordChangeError
from evenhand.org.models import StaffMember
from evenhand.people.models import Person

from .assessment import SECTION_CHOICES, Assessment
from .conversation import DiversityTopic


class GoalStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    FUTURE = "future", "Future"
    ACHIEVED = "achieved", "Achieved"
    REMOVED = "removed", "Removed"


CLOSED_GOALS = (GoalStatus.ACHIEVED, GoalStatus.REMOVED)


class Actor(models.TextChoices):
    PERSON = "person", "The person"
    PRACTITIONER = "practitioner", "The probation practitioner"
    SERVICE = "service", "A service (a referral)"


class StepStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    CANNOT_YET = "cannot_yet", "Cannot be done yet"
    NO_LONGER_NEEDED = "no_longer_needed", "No longer needed"
    COMPLETED = "completed", "Completed"


# A step is finished once completed or no longer needed: a goal is achieved only when all its steps are.
FINISHED_STEPS = (StepStatus.COMPLETED, StepStatus.NO_LONGER_NEEDED)

# A service's step shows its referral's status, read from the referral (one source).
STEP_STATUS_OF_REFERRAL: dict[str, str] = {
    ReferralStatus.MADE: StepStatus.NOT_STARTED,
    ReferralStatus.ACCEPTED: StepStatus.NOT_STARTED,
    ReferralStatus.STARTED: StepStatus.IN_PROGRESS,
    ReferralStatus.COMPLETED: StepStatus.COMPLETED,
    ReferralStatus.DECLINED: StepStatus.CANNOT_YET,
    ReferralStatus.WITHDRAWN: StepStatus.NO_LONGER_NEEDED,
}


class AgreementAnswer(models.TextChoices):
    AGREED = "agreed", "Yes, the person agrees with the plan"
    DISAGREES = "disagrees", "No, the person does not agree"
    COULD_NOT_ANSWER = "could_not_answer", "The person could not answer"


class PlanChangeKind(models.TextChoices):
    MADE = "made", "Plan made"
    GOAL_ADDED = "goal_added", "Goal added"
    GOAL_CHANGED = "goal_changed", "Goal changed"
    STEP_ADDED = "step_added", "Step added"
    STEP_CHANGED = "step_changed", "Step changed"
    AGREEMENT = "agreement", "Agreement recorded"
    REVIEW_DATE = "review_date", "Review date set"


class ImmutablePlanRecordError(RecordChangeError):
    """An agreement or a change of a plan is a record: never edited or deleted."""


class SentencePlan(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="sentence_plans")
    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="plan")
    # The sentence the plan is for (its referrals are made under it); none before sentence.
    sentence = models.ForeignKey(
        Sentence, null=True, blank=True, on_delete=models.PROTECT, related_name="sentence_plans"
    )
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    made_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField()
    # What the plan says (its goals and steps) goes up a version with each change; agreement is to a version.
    version = models.PositiveIntegerField(default=1)
    review_on = models.DateField(null=True, blank=True)
    # Replaced by the plan of a later assessment: history, no longer changed.
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-made_at", "-id"]
        indexes = [models.Index(fields=["person", "-made_at"]), models.Index(fields=["made_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(replaced_at__isnull=True),
                name="sentence_plan_one_current_per_person",
                violation_error_message="The person already has a current sentence plan",
            ),
        ]

    def __str__(self) -> str:
        return f"Sentence plan made {self.made_at:%d %b %Y}"


class PlanGoal(models.Model):
    plan = models.ForeignKey(SentencePlan, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(max_length=200)  # the goal, in the person's words where they can
    need = models.CharField(max_length=20, choices=SECTION_CHOICES)  # the main need area
    related_needs = models.JSONField(default=list, blank=True)  # further section keys
    status = models.CharField(max_length=10, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    status_note = models.CharField(max_length=200, blank=True)  # why it was removed
    target_date = models.DateField(null=True, blank=True)
    # What the diversity conversation found that this goal responds to (a topic of the plan's assessment).
    topic = models.ForeignKey(
        DiversityTopic, null=True, blank=True, on_delete=models.PROTECT, related_name="plan_goals"
    )
    created_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    changed_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["plan", "id"]
        indexes = [models.Index(fields=["plan", "need"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=GoalStatus.ACTIVE) | Q(target_date__isnull=False),
                name="plan_goal_active_has_target",
                violation_error_message="Enter the target date of an active goal",
            ),
        ]

    def __str__(self) -> str:
        return f"Goal {self.pk} ({self.get_status_display().lower()})"

    @property
    def closed(self) -> bool:
        return self.status in CLOSED_GOALS


class PlanStep(models.Model):
    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="steps")
    description = models.CharField(max_length=200)
    actor = models.CharField(max_length=12, choices=Actor.choices)
    # The step's own status; blank for a service's step, whose status is its referral's.
    status = models.CharField(max_length=16, choices=StepStatus.choices, blank=True)
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="plan_steps"
    )
    created_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    changed_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["goal", "id"]
        constraints = [
            # A service acts through a referral and only then; its status is the referral's, not the step's.
            models.CheckConstraint(
                condition=Q(actor=Actor.SERVICE, referral__isnull=False, status="")
                | (~Q(actor=Actor.SERVICE) & Q(referral__isnull=True) & ~Q(status="")),
                name="plan_step_service_is_a_referral",
                violation_error_message="A service's step is a referral, and only a service's",
            ),
        ]

    def __str__(self) -> str:
        return f"Step {self.pk} ({self.get_actor_display().lower()})"

    @property
    def current_status(self) -> str:
        """The step's status: for a service's step, its referral's (one source)."""
        if self.referral is not None:
            return STEP_STATUS_OF_REFERRAL[self.referral.status]
        return self.status


class _Record(ImmutableModel):
    """A row that is written once and never changed."""

    refusal_error = ImmutablePlanRecordError
    instead = "it is a record."

    class Meta:
        abstract = True


class PlanAgreement(_Record):
    """The person's answer to a version of the plan, with the plan as it then stood."""

    plan = models.ForeignKey(SentencePlan, on_delete=models.PROTECT, related_name="agreements")
    version = models.PositiveIntegerField()
    answer = models.CharField(max_length=16, choices=AgreementAnswer.choices)
    details = models.TextField(blank=True)
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    snapshot = models.JSONField()  # the goals and steps as agreed (or not)

    class Meta:
        ordering = ["plan", "-recorded_at", "-id"]
        indexes = [models.Index(fields=["plan", "answer", "recorded_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(answer=AgreementAnswer.AGREED) | ~Q(details=""),
                name="plan_agreement_details_unless_agreed",
                violation_error_message="Enter the details",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_answer_display()} (version {self.version})"


class PlanChange(_Record):
    """One change to a plan: who, when, what, and the version it made."""

    plan = models.ForeignKey(SentencePlan, on_delete=models.PROTECT, related_name="changes")
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=PlanChangeKind.choices)
    summary = models.CharField(max_length=300)
    by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["plan", "-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (version {self.version})"
