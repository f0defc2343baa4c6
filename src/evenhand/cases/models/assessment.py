"""Assessment summaries: when an assessment was done and whether diversity factors were discussed."""

from django.db import models
from django.db.models import F, Q

from evenhand.core.formatting import date_text
from evenhand.org.models import StaffMember
from evenhand.people.models import Person

from .sentence import Sentence


class AssessmentType(models.TextChoices):
    OASYS_LAYER_3 = "oasys_l3", "OASys full assessment (layer 3)"
    OASYS_LAYER_1 = "oasys_l1", "OASys basic assessment (layer 1)"
    PRE_SENTENCE_REPORT = "psr", "Pre-sentence report"
    REVIEW = "review", "Assessment review"


class DiversityDiscussed(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    DECLINED = "declined", "The person declined"


class AssessmentSummary(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="assessments")
    sentence = models.ForeignKey(
        Sentence, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments"
    )
    type = models.CharField(max_length=10, choices=AssessmentType.choices)
    started_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    diversity_factors_discussed = models.CharField(
        max_length=8, choices=DiversityDiscussed.choices, blank=True
    )
    sentence_plan_agreed_on = models.DateField(null=True, blank=True)
    assessor = models.ForeignKey(StaffMember, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-started_on"]
        verbose_name_plural = "assessment summaries"
        indexes = [models.Index(fields=["person", "-started_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_on__gte=F("started_on")),
                name="assessment_completed_after_start",
                violation_error_message="The assessment cannot be completed before it started",
            ),
            models.CheckConstraint(
                condition=Q(sentence_plan_agreed_on__isnull=True)
                | Q(sentence_plan_agreed_on__gte=F("started_on")),
                name="assessment_plan_after_start",
                violation_error_message="The sentence plan cannot be agreed before the assessment started",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} started {date_text(self.started_on)}"
