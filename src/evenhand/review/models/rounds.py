"""Review rounds: a stratified random sample of cases or decisions in a unit and period, drawn by the service
from a recorded seed, each sampled case with its inclusion probability."""

from django.db import models
from django.db.models import Q

from evenhand.org.models import PDU, StaffMember
from evenhand.people.models import EthnicGroup, Person

from .questions import QuestionSet, SetKind


class RoundStatus(models.TextChoices):
    DRAWN = "drawn", "Drawn, to be confirmed"
    CONFIRMED = "confirmed", "Confirmed"
    DISCARDED = "discarded", "Discarded before confirming"
    CLOSED = "closed", "Closed"


class TierBand(models.TextChoices):
    """The tier's protect level, banded for the strata (a person with no tier is a band of its own)."""

    HIGHER = "a_b", "Tier A or B"
    LOWER = "c_d", "Tier C or D"
    NONE = "none", "No tier"


class Strata(models.TextChoices):
    ETHNIC_GROUP_TIER = "ethnic_group_tier", "Ethnic group by tier band"
    ETHNIC_GROUP = "ethnic_group", "Ethnic group"


class ReviewRound(models.Model):
    pdu = models.ForeignKey(PDU, on_delete=models.PROTECT, related_name="review_rounds")
    kind = models.CharField(max_length=12, choices=SetKind.choices)
    question_set = models.ForeignKey(QuestionSet, on_delete=models.PROTECT, related_name="rounds")
    period_start = models.DateField()
    period_end = models.DateField()
    strata = models.CharField(max_length=20, choices=Strata.choices, default=Strata.ETHNIC_GROUP_TIER)
    sample_size = models.PositiveIntegerField()
    minimum_per_stratum = models.PositiveSmallIntegerField()
    exclude_months = models.PositiveSmallIntegerField(
        help_text="Cases reviewed this many months back are left out"
    )
    double_mark_share = models.DecimalField(max_digits=3, decimal_places=2)
    # The generator's seed, so that anyone can draw the same sample again from the same population.
    seed = models.BigIntegerField()
    population = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=RoundStatus.choices, default=RoundStatus.DRAWN)
    drawn_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-drawn_at", "-id"]
        indexes = [models.Index(fields=["pdu", "kind", "status", "period_end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="review_round_period_order",
                violation_error_message="The period must end on or after its start",
            ),
            models.CheckConstraint(
                condition=Q(double_mark_share__gte=0) & Q(double_mark_share__lte=1),
                name="review_round_double_mark_share",
                violation_error_message="The share marked twice is between 0 and 1",
            ),
            models.CheckConstraint(
                condition=Q(seed__gte=0),
                name="review_round_seed",
                violation_error_message="A seed is not negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} review, {self.period_start:%d %b %Y} to {self.period_end:%d %b %Y}"


class RoundStratum(models.Model):
    """One stratum of a round: how many cases it had, how many were drawn, and so each one's probability."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="strata_drawn")
    ethnic_group = models.CharField(max_length=20, choices=EthnicGroup.choices)
    tier_band = models.CharField(max_length=4, choices=TierBand.choices, blank=True)  # blank: not stratified
    population = models.PositiveIntegerField()
    sample = models.PositiveIntegerField()

    class Meta:
        ordering = ["round", "ethnic_group", "tier_band"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "ethnic_group", "tier_band"], name="review_stratum_unique"
            ),
            models.CheckConstraint(
                condition=Q(sample__lte=models.F("population")),
                name="review_stratum_sample_within",
                violation_error_message="A stratum cannot give more cases than it has",
            ),
        ]

    @property
    def probability(self) -> float:
        return self.sample / self.population if self.population else 0.0


class SampledCase(models.Model):
    """A case or decision drawn into a round. ``subject_id`` is the sentence (a case), the enforcement or recall
    decision, the allocation or the pre-sentence report, by the round's kind."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="sampled")
    stratum = models.ForeignKey(RoundStratum, on_delete=models.CASCADE, related_name="sampled")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    # Whose work is judged: the practitioner holding the case, or who decided; its team is never the reviewer's.
    practitioner = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    inclusion_probability = models.FloatField()
    double_marked = models.BooleanField(default=False)
    # Context, not blame (issue 15 item 4): the judged work's date, and the practitioner's workload capacity
    # (%) from the workload model on that date, grade and months in post then; kept because they move on.
    judged_on = models.DateField(null=True, blank=True)
    capacity = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    grade = models.CharField(max_length=10, blank=True)
    months_in_post = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["round", "id"]
        indexes = [models.Index(fields=["person", "round"])]
        constraints = [
            models.UniqueConstraint(fields=["round", "subject_id"], name="review_sampled_once"),
            models.CheckConstraint(
                condition=Q(inclusion_probability__gt=0) & Q(inclusion_probability__lte=1),
                name="review_sampled_probability",
                violation_error_message="An inclusion probability is in (0, 1]",
            ),
        ]
