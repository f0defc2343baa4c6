"""An assessment: its sections' answers, predictors, who assessed and countersigned, and how much was prefilled.

A completed assessment is never edited. The row refuses a change once it is complete or locked (as an
enforcement decision does); a review is a new assessment that starts from the last one (``previous``).
"""

from typing import Any

from django.db import models
from django.db.models import F, Q

from evenhand.cases.models import RoshLevel, Sentence
from evenhand.org.models import StaffMember
from evenhand.people.models import Person

from ..sections import SECTIONS, SEVERITY_LABELS, Severity


class AssessmentKind(models.TextChoices):
    INITIAL = "initial", "Initial assessment"
    REVIEW = "review", "Review"
    PSR = "psr", "For a pre-sentence report"


class AssessmentStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    # A PSO's assessment of a high or very high risk of serious harm case waits for an SPO.
    AWAITING_COUNTERSIGNATURE = "awaiting_countersignature", "Awaiting countersignature"
    COMPLETE = "complete", "Complete"
    # Complete, and since followed by a later complete assessment: history, never the current one.
    LOCKED = "locked", "Locked"


OPEN = (AssessmentStatus.IN_PROGRESS, AssessmentStatus.AWAITING_COUNTERSIGNATURE)
FINISHED = (AssessmentStatus.COMPLETE, AssessmentStatus.LOCKED)
# A PSO's assessment at these levels needs an SPO's countersignature.
COUNTERSIGN_ROSH = (RoshLevel.HIGH, RoshLevel.VERY_HIGH)

SECTION_CHOICES = [(s.key, s.title) for s in SECTIONS]


class ImmutableAssessmentError(Exception):
    """Raised when code tries to change or delete a completed assessment, or any part of one."""


class Assessment(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="full_assessments")
    sentence = models.ForeignKey(
        Sentence, null=True, blank=True, on_delete=models.PROTECT, related_name="full_assessments"
    )
    kind = models.CharField(max_length=10, choices=AssessmentKind.choices)
    status = models.CharField(
        max_length=26, choices=AssessmentStatus.choices, default=AssessmentStatus.IN_PROGRESS
    )
    # The assessment a review starts from.
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reviews"
    )
    # Null only for an assessment copied from a summary whose assessor was not recorded.
    assessor = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    started_on = models.DateField()
    submitted_at = models.DateTimeField(null=True, blank=True)  # sent for countersignature
    completed_on = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    countersigned_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="countersigned_assessments"
    )
    countersigned_at = models.DateTimeField(null=True, blank=True)
    # Predictors the tier reads: OGRS (a whole percentage) and RSR (to two places), both 0 to 100.
    ogrs = models.PositiveSmallIntegerField("OGRS", null=True, blank=True)
    rsr = models.DecimalField("RSR", max_digits=5, decimal_places=2, null=True, blank=True)
    # Record once, measured: fields carried from the record or the previous assessment versus typed.
    prefilled_fields = models.PositiveIntegerField(default=0)
    typed_fields = models.PositiveIntegerField(default=0)
    # The summary this row was copied from by migration 0002 (cases.AssessmentSummary, since removed).
    summary_id = models.PositiveBigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        indexes = [
            models.Index(fields=["person", "status", "-completed_on"]),
            models.Index(fields=["status", "started_on"]),
            # A person's finished assessments of their case, latest first (the to-do list's assessments due).
            models.Index(
                fields=["person", "-completed_on", "-id"],
                condition=Q(status__in=FINISHED) & ~Q(kind=AssessmentKind.PSR),
                name="assessment_finished_by_person",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ogrs__isnull=True) | Q(ogrs__lte=100),
                name="assessment_ogrs_range",
                violation_error_message="OGRS must be between 0 and 100",
            ),
            models.CheckConstraint(
                condition=Q(rsr__isnull=True) | Q(rsr__gte=0, rsr__lte=100),
                name="assessment_rsr_range",
                violation_error_message="RSR must be between 0 and 100",
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("started_on")),
                name="assessment_full_completed_after_start",
                violation_error_message="The assessment cannot be completed before it started",
            ),
            # Finished exactly when it has a completion date.
            models.CheckConstraint(
                condition=Q(status__in=FINISHED, completed_on__isnull=False)
                | (~Q(status__in=FINISHED) & Q(completed_on__isnull=True)),
                name="assessment_finished_has_date",
                violation_error_message="A completed assessment has a completion date",
            ),
            # One open assessment per person at a time: a second would split the record.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=OPEN),
                name="assessment_one_open_per_person",
                violation_error_message="The person already has an assessment in progress",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} started {self.started_on:%d %b %Y}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # What the database holds decides, not this instance: a stale copy cannot reopen a finished row.
        _refuse_if_finished(self.pk)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        _refuse_if_finished(self.pk)
        return super().delete(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


class SectionSource(models.TextChoices):
    TYPED = "typed", "Typed in this assessment"
    PREFILLED = "prefilled", "Carried from the previous assessment, not yet confirmed"
    NO_CHANGE = "no_change", "Confirmed: no change since the previous assessment"


class SectionAnswer(models.Model):
    """One section of an assessment: its items' answers, score and need, the links to harm and reoffending,
    and the practitioner's analysis in their words."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="sections")
    section = models.CharField(max_length=20, choices=SECTION_CHOICES)
    answers = models.JSONField(default=dict)  # item code -> 0, 1 or 2
    score = models.PositiveSmallIntegerField(null=True, blank=True)  # null for an unscored section
    severity = models.CharField(
        max_length=10, choices=[(s.value, SEVERITY_LABELS[s]) for s in Severity], default=Severity.UNSCORED
    )
    linked_to_harm = models.BooleanField("linked to risk of serious harm", null=True, blank=True)
    linked_to_reoffending = models.BooleanField(null=True, blank=True)
    analysis = models.TextField(blank=True)
    complete = models.BooleanField(default=False)
    source = models.CharField(max_length=10, choices=SectionSource.choices, default=SectionSource.TYPED)
    # What the previous assessment held, as carried into this one (item codes and "analysis", "harm",
    # "reoffending"): what changed is shown against it and typed fields counted from it.
    carried = models.JSONField(default=dict, blank=True)
    prefilled_fields = models.PositiveSmallIntegerField(default=0)
    typed_fields = models.PositiveSmallIntegerField(default=0)
    saved_by = models.ForeignKey(StaffMember, null=True, on_delete=models.PROTECT, related_name="+")
    saved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "section"], name="assessment_section_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_section_display()} of assessment {self.assessment_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        _refuse_if_finished(self.assessment_id)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        _refuse_if_finished(self.assessment_id)
        return super().delete(*args, **kwargs)


def _refuse_if_finished(assessment_id: int | None) -> None:
    """A part of an assessment is written only while the assessment is open."""
    if assessment_id is None:
        return
    if Assessment.objects.filter(pk=assessment_id, status__in=FINISHED).exists():
        raise ImmutableAssessmentError("A completed assessment cannot be changed; start a review instead.")
