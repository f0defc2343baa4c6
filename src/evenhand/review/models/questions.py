"""Question sets: numbered key questions with prompts, each set a published, unchangeable version."""

from typing import Any

from django.db import models
from django.db.models import Q


class SetKind(models.TextChoices):
    """What a set reviews: a whole case (the ASPIRE cycle) or one kind of decision."""

    CASE = "case", "Case supervision (ASPIRE)"
    ENFORCEMENT = "enforcement", "Enforcement decision"
    RECALL = "recall", "Recall decision"
    ALLOCATION = "allocation", "Allocation"
    REPORT = "report", "Pre-sentence report"


class Stage(models.TextChoices):
    ASSESSMENT = "assessment", "Assessment"
    PLANNING = "planning", "Planning"
    DELIVERY = "delivery", "Implementation and delivery"
    REVIEWING = "reviewing", "Reviewing"
    DECISION = "decision", "Decision"


class Answer(models.TextChoices):
    SUFFICIENT = "sufficient", "Sufficient"
    NOT_SUFFICIENT = "not_sufficient", "Not sufficient"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class Rating(models.TextChoices):
    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


class ImmutableQuestionSetError(Exception):
    """A published question set is never changed: a change is a new version."""


class QuestionSet(models.Model):
    kind = models.CharField(max_length=12, choices=SetKind.choices)
    version = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=120)
    published_on = models.DateField()
    # The rating bands, stated with the set: the lowest share (%) of sufficient answers for each rating.
    outstanding_from = models.DecimalField(max_digits=4, decimal_places=1)
    good_from = models.DecimalField(max_digits=4, decimal_places=1)
    requires_improvement_from = models.DecimalField(max_digits=4, decimal_places=1)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="review_set_version_unique"),
            models.CheckConstraint(
                condition=Q(outstanding_from__lte=100)
                & Q(outstanding_from__gt=models.F("good_from"))
                & Q(good_from__gt=models.F("requires_improvement_from"))
                & Q(requires_improvement_from__gt=0),
                name="review_set_bands_ordered",
                violation_error_message="Rating bands must fall from outstanding to requires improvement",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ImmutableQuestionSetError(
                "A published question set cannot be changed; publish a new version."
            )
        super().save(*args, **kwargs)


class KeyQuestion(models.Model):
    question_set = models.ForeignKey(QuestionSet, on_delete=models.PROTECT, related_name="key_questions")
    number = models.CharField(max_length=6)  # "C1"
    stage = models.CharField(max_length=12, choices=Stage.choices)
    text = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["question_set", "position"]
        constraints = [
            models.UniqueConstraint(fields=["question_set", "number"], name="review_key_question_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.text}"


class Prompt(models.Model):
    key_question = models.ForeignKey(KeyQuestion, on_delete=models.PROTECT, related_name="prompts")
    letter = models.CharField(max_length=2)
    text = models.CharField(max_length=300)
    # The prompts on diversity are counted on their own as well (the 2021 thematic's finding).
    diversity = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["key_question", "position"]
        constraints = [
            models.UniqueConstraint(fields=["key_question", "letter"], name="review_prompt_unique")
        ]

    def __str__(self) -> str:
        return f"({self.letter}) {self.text}"

    @property
    def code(self) -> str:
        """The prompt's number within the set, as reviewers cite it: C1(c)."""
        return f"{self.key_question.number}({self.letter})"
