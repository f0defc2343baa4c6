"""Reviews: a reviewer's answers to each prompt of the round's question set for one sampled case."""

from django.db import models
from django.db.models import Q

from evenhand.org.models import StaffMember

from .questions import Answer, Prompt
from .rounds import SampledCase

NOTE_LIMIT = 2000


class ReviewStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"


class Review(models.Model):
    sampled = models.ForeignKey(SampledCase, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="case_reviews")
    # 1 for every sampled case; 2 for the independent second marking of a double-marked one.
    marking = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.IN_PROGRESS)
    assigned_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        indexes = [models.Index(fields=["reviewer", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["sampled", "marking"], name="review_marking_once"),
            models.UniqueConstraint(fields=["sampled", "reviewer"], name="review_reviewer_once"),
            models.CheckConstraint(
                condition=Q(marking__in=[1, 2]),
                name="review_marking_first_or_second",
                violation_error_message="A case is marked once, or twice when double-marked",
            ),
        ]

    def __str__(self) -> str:
        return f"Review {self.pk} (marking {self.marking})"


class PromptAnswer(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="answers")
    prompt = models.ForeignKey(Prompt, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=16, choices=Answer.choices)
    note = models.CharField(max_length=NOTE_LIMIT, blank=True)

    class Meta:
        ordering = ["review", "prompt"]
        constraints = [
            models.UniqueConstraint(fields=["review", "prompt"], name="review_prompt_answered_once")
        ]
