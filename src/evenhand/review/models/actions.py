"""Actions raised from a round's findings: to a practitioner, a team or the unit, with an owner, a due date and
a status; who raised and who closed each, and when."""

from django.db import models
from django.db.models import Q

from evenhand.org.models import StaffMember, Team

from .questions import KeyQuestion
from .rounds import ReviewRound, SampledCase

ACTION_TEXT_LIMIT = 1000


class ActionFor(models.TextChoices):
    PRACTITIONER = "practitioner", "A practitioner"
    TEAM = "team", "A team"
    UNIT = "unit", "The unit (PDU)"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class ReviewAction(models.Model):
    """An action following a finding: a reviewed case's key question judged not sufficient (``sampled`` and
    ``key_question``), or a result of the round as a whole (``key_question`` when it is about one)."""

    round = models.ForeignKey(ReviewRound, on_delete=models.PROTECT, related_name="actions")
    sampled = models.ForeignKey(
        SampledCase, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    key_question = models.ForeignKey(
        KeyQuestion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action_for = models.CharField(max_length=12, choices=ActionFor.choices)
    practitioner = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=ACTION_TEXT_LIMIT)
    owner = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="review_actions")
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    cancel_reason = models.CharField(max_length=ACTION_TEXT_LIMIT, blank=True)
    raised_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(action_for=ActionFor.PRACTITIONER)
                    & Q(practitioner__isnull=False)
                    & Q(team__isnull=True)
                )
                | (Q(action_for=ActionFor.TEAM) & Q(team__isnull=False) & Q(practitioner__isnull=True))
                | (Q(action_for=ActionFor.UNIT) & Q(team__isnull=True) & Q(practitioner__isnull=True)),
                name="review_action_to_whom",
                violation_error_message="An action is to a practitioner, a team or the unit",
            ),
            models.CheckConstraint(
                condition=Q(sampled__isnull=True) | Q(key_question__isnull=False),
                name="review_action_case_finding_question",
                violation_error_message="A finding on a case names its key question",
            ),
            models.CheckConstraint(
                condition=~Q(status=ActionStatus.CANCELLED) | ~Q(cancel_reason=""),
                name="review_action_cancel_reason",
                violation_error_message="A cancelled action says why",
            ),
            models.CheckConstraint(
                condition=Q(status=ActionStatus.OPEN) | Q(closed_at__isnull=False),
                name="review_action_closed_when",
                violation_error_message="A closed action records when",
            ),
        ]

    def __str__(self) -> str:
        return f"Action {self.pk}"
