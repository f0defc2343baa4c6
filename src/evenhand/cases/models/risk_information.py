"""Risk information: something learned about a person from outside their appointments (the police, a partner
agency, the person themselves, a member of the public), and the manager's endorsement that a decision not to
recall after it needs.

Both are records of their time: never edited. A wrong decision on risk information is corrected by a new
decision (``EnforcementDecision.corrects``), which needs its own endorsement if it is again not to recall.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from evenhand.core.formatting import date_text
from evenhand.core.models import ImmutableModel, RecordChangeError
from evenhand.org.models import StaffMember
from evenhand.people.models import Person

from .sentence import Sentence


class InformationSource(models.TextChoices):
    POLICE = "police", "Police"
    PARTNER_AGENCY = "partner_agency", "A partner agency"
    SELF_DISCLOSURE = "self_disclosure", "The person's own disclosure"
    PUBLIC = "public", "A member of the public"
    OTHER = "other", "Other"


class Reliability(models.TextChoices):
    """How far the information can be relied on, as the practitioner judges it when it is received."""

    CONFIRMED = "confirmed", "Confirmed: verified, or from a source with direct knowledge"
    LIKELY = "likely", "Likely: from a source that has been reliable, not yet verified"
    NOT_CONFIRMED = "not_confirmed", "Not confirmed: cannot yet be judged"
    DOUBTFUL = "doubtful", "Doubtful: conflicts with what else is known"


class Urgency(models.TextChoices):
    """How soon a decision on recall is needed: an emergency the same day, otherwise within the service's
    configured time (``EVENHAND_RECALL_DECISION_HOURS``)."""

    EMERGENCY = "emergency", "Emergency: the risk may be imminent, decide today"
    STANDARD = "standard", "Standard"


class ImmutableInformationError(RecordChangeError):
    """Raised when code tries to change or delete risk information or an endorsement once recorded."""


class RiskInformation(ImmutableModel):
    """What was learned about a person, from whom, when, and how reliable it is. On a licence, recall is to be
    considered and a decision is due by ``decision_due_at``."""

    refusal_error = ImmutableInformationError
    record_name = "Risk information"
    instead = "it stays as it was recorded."

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="risk_information")
    sentence = models.ForeignKey(Sentence, on_delete=models.PROTECT, related_name="risk_information")
    source = models.CharField(max_length=20, choices=InformationSource.choices)
    source_detail = models.CharField(max_length=200, blank=True)  # which force, agency or person
    summary = models.TextField()  # what was learned
    received_at = models.DateTimeField()
    reliability = models.CharField(max_length=20, choices=Reliability.choices)
    urgency = models.CharField(max_length=20, choices=Urgency.choices, default=Urgency.STANDARD)
    # Whether Evenhand proposed that recall be considered (a licence), and by when a decision is due.
    recall_considered = models.BooleanField(default=False)
    decision_due_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "risk information"
        indexes = [
            models.Index(fields=["person", "received_at"]),
            models.Index(fields=["decision_due_at"], name="risk_info_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(summary=""),
                name="risk_information_has_summary",
                violation_error_message="Enter what was learned",
            ),
            models.CheckConstraint(
                condition=Q(recall_considered=False) | Q(decision_due_at__isnull=False),
                name="risk_information_recall_has_deadline",
                violation_error_message="A recall decision needs a deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"Information from {self.get_source_display().lower()} ({date_text(self.received_at, tz=timezone.get_current_timezone())})"


class DecisionEndorsement(ImmutableModel):
    """A manager's endorsement (SPO or head of PDU, not the person who decided) of a decision not to recall
    after risk information, with the manager's own reasons. Until it exists the decision is pending."""

    refusal_error = ImmutableInformationError
    record_name = "An endorsement"
    instead = "it stays as it was recorded."

    decision = models.OneToOneField(
        "cases.EnforcementDecision", on_delete=models.PROTECT, related_name="endorsement"
    )
    endorsed_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    endorsed_at = models.DateTimeField()
    rationale = models.TextField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(rationale=""),
                name="endorsement_has_rationale",
                violation_error_message="Enter the reasons for endorsing the decision",
            )
        ]

    def __str__(self) -> str:
        return f"Endorsed ({date_text(self.endorsed_at, tz=timezone.get_current_timezone())})"
