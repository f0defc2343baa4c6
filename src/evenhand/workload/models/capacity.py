"""What reduces a practitioner's capacity, and the counted tasks (reports) that add to their workload."""

from django.db import models
from django.db.models import F, Q

from evenhand.core.formatting import date_text
from evenhand.core.models import TimeStampedModel
from evenhand.org.models import StaffMember
from evenhand.people.models import Person

from .weighting import TaskType


class ReductionReason(models.TextChoices):
    LONG_TERM_SICKNESS = "long_term_sickness", "Long-term sickness"
    MATERNITY_ADOPTION = "maternity_adoption", "Maternity, adoption or shared parental leave"
    PHASED_RETURN = "phased_return", "Phased return to work"
    TRADE_UNION = "trade_union", "Trade union facility time"
    PQIP = "pqip", "Trainee probation officer (PQiP)"
    NEWLY_QUALIFIED = "nqo", "Newly qualified officer"
    SPECIALIST_ROLE = "specialist_role", "Specialist role or project work"
    OTHER = "other", "Other"


class CapacityReduction(TimeStampedModel):
    """Hours a practitioner cannot spend on their caseload, as a percentage of their hours or as hours a week.

    In force from ``start_date`` to ``end_date`` inclusive; no end date means until further notice.
    """

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="capacity_reductions")
    reason = models.CharField(max_length=20, choices=ReductionReason.choices)
    percentage = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Of contracted hours"
    )
    hours = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True, help_text="A week")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["staff", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(percentage__isnull=False, hours__isnull=True)
                | Q(percentage__isnull=True, hours__isnull=False),
                name="reduction_percentage_or_hours",
                violation_error_message="Give the reduction as a percentage or as hours a week, not both",
            ),
            models.CheckConstraint(
                condition=Q(percentage__isnull=True) | Q(percentage__gt=0, percentage__lte=100),
                name="reduction_percentage_in_range",
                violation_error_message="A reduction must be more than 0%% and no more than 100%%",
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gt=0),
                name="reduction_hours_positive",
                violation_error_message="A reduction must be more than 0 hours",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="reduction_end_after_start",
                violation_error_message="The reduction cannot end before it starts",
            ),
        ]

    def __str__(self) -> str:
        amount = f"{self.percentage.normalize():f}%" if self.percentage is not None else f"{self.hours} hours"
        return f"{self.get_reason_display()}, {amount}"


class CountedTask(TimeStampedModel):
    """A report (or other counted task) a practitioner is writing. It counts from the day it is assigned until
    the day it is completed; an open task is forecast to be completed on its due date."""

    practitioner = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="counted_tasks")
    task_type = models.CharField(max_length=24, choices=TaskType.choices)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="counted_tasks"
    )
    reference = models.CharField(
        max_length=80, blank=True, help_text="For example the court and hearing date, or a case number"
    )
    assigned_on = models.DateField()
    due_date = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["practitioner", "completed_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_date__gte=F("assigned_on")),
                name="task_due_after_assigned",
                violation_error_message="The due date cannot be before the task was assigned",
            ),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("assigned_on")),
                name="task_completed_after_assigned",
                violation_error_message="The task cannot be completed before it was assigned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_task_type_display()} due {date_text(self.due_date)}"
