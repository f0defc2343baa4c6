"""A person's tier as computed: a new row each time it changes, with the inputs, the working and the version."""

from django.db import models

from evenhand.core.models import ImmutableModel, RecordChangeError
from evenhand.people.models import Person

from .assessment import Assessment


class TierTrigger(models.TextChoices):
    ASSESSMENT = "assessment", "Assessment completed"
    RISK_REVIEW = "risk_review", "Risk of serious harm review recorded"
    REGISTRATION_ADDED = "registration_added", "Registration added"
    REGISTRATION_ENDED = "registration_ended", "Registration ended"
    RECOMPUTE = "recompute", "Recomputed from the record"


class ImmutableTierError(RecordChangeError):
    """A computed tier is a record: a change is a new row."""


class TierCalculation(ImmutableModel):
    """A tier as computed, with its inputs; a recomputation is a new row."""

    refusal_error = ImmutableTierError
    record_name = "A computed tier"
    instead = "a recomputation is a new row."

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="tier_calculations")
    tier = models.CharField(max_length=2)
    protect = models.CharField(max_length=1)
    protect_points = models.PositiveIntegerField()
    change = models.PositiveSmallIntegerField()
    change_points = models.PositiveIntegerField(null=True, blank=True)  # none without mandate or assessment
    change_reason = models.CharField(max_length=200)
    inputs = models.JSONField()  # tier.TierInputs.as_record()
    lines = models.JSONField()  # the working: [{level, label, points, counted, note}]
    version = models.PositiveSmallIntegerField()
    computed_at = models.DateTimeField()
    trigger = models.CharField(max_length=20, choices=TierTrigger.choices)
    reason = models.CharField(max_length=200, blank=True)
    # The assessment whose completion triggered it, when one did.
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="tier_calculations"
    )

    class Meta:
        ordering = ["-computed_at", "-id"]
        get_latest_by = ["computed_at", "id"]
        indexes = [models.Index(fields=["person", "-computed_at", "-id"]), models.Index(fields=["tier"])]

    def __str__(self) -> str:
        return f"Tier {self.tier} ({self.computed_at:%d %b %Y})"
