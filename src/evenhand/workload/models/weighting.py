"""Weighting tables: how many points a case or a counted task is worth, in versions that take effect from a date.

A version is never changed once published. A figure for a date uses the version in force on that date, so a
past figure keeps the version it was computed with when a new one takes effect.
"""

from django.db import models
from django.db.models import Q

from evenhand.cases.models import Tier
from evenhand.org.models import StaffMember


class CaseType(models.TextChoices):
    """The workload tool's three kinds of case. ``rules.CASE_TYPE_OF_SENTENCE`` maps sentence types onto them."""

    COMMUNITY = "community", "Community sentence"
    CUSTODY = "custody", "Custody"
    LICENCE = "licence", "Licence"


class TaskType(models.TextChoices):
    """Work that is counted as well as cases. A new kind of task needs a value here and a new table version."""

    STANDARD_COURT_REPORT = "court_report_standard", "Standard court report"
    FAST_COURT_REPORT = "court_report_fast", "Fast court report"
    PAROLE_REPORT = "parole_report", "Parole report"


class WeightingVersion(models.Model):
    number = models.PositiveIntegerField(unique=True)
    effective_from = models.DateField(unique=True)
    nominal_target = models.PositiveIntegerField(
        help_text="Points a full-time (37-hour) PO or PSO is expected to carry at 100% capacity"
    )
    source = models.CharField(max_length=200, help_text="Where the figures come from")
    published_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(nominal_target__gt=0),
                name="weighting_nominal_target_positive",
                violation_error_message="The nominal target must be more than 0 points",
            )
        ]

    def __str__(self) -> str:
        return f"Weighting table version {self.number}, from {self.effective_from:%d %b %Y}"


class CaseWeighting(models.Model):
    version = models.ForeignKey(WeightingVersion, on_delete=models.PROTECT, related_name="case_weightings")
    case_type = models.CharField(max_length=10, choices=CaseType.choices)
    tier = models.CharField(max_length=2, choices=Tier.choices)
    points = models.PositiveIntegerField()

    class Meta:
        ordering = ["version", "case_type", "tier"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "case_type", "tier"],
                name="case_weighting_once",
                violation_error_message="A table has one figure for each case type and tier",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_case_type_display()} {self.tier}: {self.points} points"


class TaskWeighting(models.Model):
    version = models.ForeignKey(WeightingVersion, on_delete=models.PROTECT, related_name="task_weightings")
    task_type = models.CharField(max_length=24, choices=TaskType.choices)
    points = models.PositiveIntegerField()

    class Meta:
        ordering = ["version", "task_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "task_type"],
                name="task_weighting_once",
                violation_error_message="A table has one figure for each kind of task",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_task_type_display()}: {self.points} points"
