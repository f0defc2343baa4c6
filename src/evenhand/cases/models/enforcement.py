"""Enforcement decisions: a record of what a person decided after a failure to comply, and why."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from evenhand.core.formatting import date_text
from evenhand.core.models import ImmutableModel, RecordChangeError
from evenhand.org.models import StaffMember

from .contact import Contact
from .risk_information import RiskInformation
from .sentence import Sentence


class Decision(models.TextChoices):
    WARNING = "warning", "Warning"
    BREACH = "breach", "Breach action initiated"
    RECALL_STANDARD = "recall_standard", "Recall requested: standard"
    RECALL_FIXED_TERM = "recall_fixed_term", "Recall requested: fixed-term"
    RECALL_EMERGENCY = "recall_emergency", "Recall requested: emergency"
    INCREASED_CONTACT = "increased_contact", "Increase in contact"
    LICENCE_VARIATION = "licence_variation", "Licence variation requested"
    NO_FURTHER_ACTION = "nfa", "No further action"


RECALLS = (Decision.RECALL_STANDARD, Decision.RECALL_FIXED_TERM, Decision.RECALL_EMERGENCY)


class DecisionOutcome(models.TextChoices):
    RECALL_APPROVED = "recall_approved", "Recall approved"
    RECALL_REJECTED = "recall_rejected", "Recall not approved"
    BREACH_PROVEN = "breach_proven", "Breach proven"
    BREACH_NOT_PROVEN = "breach_not_proven", "Breach not proven"
    BREACH_WITHDRAWN = "breach_withdrawn", "Breach withdrawn"


class ImmutableRecordError(RecordChangeError):
    """Raised when code tries to change or delete a decision once it is recorded."""


class EnforcementDecision(ImmutableModel):
    """Never edited: a correction is a new decision that points at the one it corrects."""

    refusal_error = ImmutableRecordError
    record_name = "An enforcement decision"
    instead = "record a correction instead."

    sentence = models.ForeignKey(Sentence, on_delete=models.PROTECT, related_name="enforcement_decisions")
    triggering_contacts = models.ManyToManyField(Contact, blank=True, related_name="enforcement_decisions")
    # The risk information this decision answers, when it answers information rather than (or as well as)
    # a failure to comply. A decision not to recall after it needs a manager's endorsement.
    risk_information = models.ForeignKey(
        RiskInformation, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices)
    # What the rules proposed when the decision was made, so the use of discretion can be measured.
    proposed = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    rationale = models.TextField()
    decided_by = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="enforcement_decisions"
    )
    decided_at = models.DateTimeField()
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [
            models.Index(fields=["sentence", "decided_at"]),
            models.Index(fields=["decision", "decided_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(rationale=""),
                name="decision_has_rationale",
                violation_error_message="Enter the reasons for the decision",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({date_text(self.decided_at, tz=timezone.get_current_timezone())})"

    @property
    def is_recall(self) -> bool:
        return self.decision in RECALLS


class EnforcementOutcome(models.Model):
    """What later became of a decision (recall approved, breach proven …): a fact of its own, not an edit."""

    decision = models.OneToOneField(EnforcementDecision, on_delete=models.PROTECT, related_name="outcome")
    outcome = models.CharField(max_length=20, choices=DecisionOutcome.choices)
    outcome_date = models.DateField()
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.get_outcome_display()
