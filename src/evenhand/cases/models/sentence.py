"""Sentences and what they are made of: offences, requirements, allocations, extensions."""

import calendar
import datetime as dt
from functools import lru_cache

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from evenhand.core.formatting import date_text
from evenhand.core.models import ImmutableModel, RecordChangeError, TimeStampedModel
from evenhand.org.models import StaffMember
from evenhand.people.models import Person


class SentenceType(models.TextChoices):
    COMMUNITY_ORDER = "CO", "Community order"
    SUSPENDED_SENTENCE_ORDER = "SSO", "Suspended sentence order"
    CUSTODY = "CUS", "Custody (before release)"
    LICENCE = "LIC", "Licence"
    POST_SENTENCE_SUPERVISION = "PSS", "Post-sentence supervision"


# Orders made by a court and enforced by breach proceedings in court.
COURT_ORDERS = (SentenceType.COMMUNITY_ORDER, SentenceType.SUSPENDED_SENTENCE_ORDER)
# Supervision that follows a custodial sentence: it starts from a custody sentence, on release.
AFTER_RELEASE = (SentenceType.LICENCE, SentenceType.POST_SENTENCE_SUPERVISION)


class TerminationReason(models.TextChoices):
    COMPLETED = "completed", "Completed successfully"
    EARLY_GOOD_PROGRESS = "early_good_progress", "Terminated early for good progress"
    REVOKED_BREACH = "revoked_breach", "Revoked following breach"
    REVOKED_NEW_OFFENCE = "revoked_new_offence", "Revoked following further offence"
    RECALLED = "recalled", "Recalled to custody"
    RELEASED = "released", "Released from custody"
    DIED = "died", "Died"
    OTHER = "other", "Other"


# Revocation is how a court ends an order after a breach or a further offence (a licence is recalled instead).
REVOCATIONS = (TerminationReason.REVOKED_BREACH, TerminationReason.REVOKED_NEW_OFFENCE)


class LengthUnit(models.TextChoices):
    """The unit a court gives a sentence's length in."""

    DAYS = "days", "Days"
    WEEKS = "weeks", "Weeks"
    MONTHS = "months", "Months"
    YEARS = "years", "Years"


@lru_cache(maxsize=8192)  # a caseload's to-do list asks it of the same dates thousands of times
def add_length(start: dt.date, length: int, unit: str) -> dt.date:
    """The day a sentence of ``length`` ``unit``s passed on ``start`` expires: the same day ``length`` months
    (or years) later, or the month's last day when it is shorter; ``length`` days or weeks later."""
    if unit == LengthUnit.DAYS:
        return start + dt.timedelta(days=length)
    if unit == LengthUnit.WEEKS:
        return start + dt.timedelta(weeks=length)
    months = length * 12 if unit == LengthUnit.YEARS else length
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


class Sentence(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="sentences")
    type = models.CharField(max_length=3, choices=SentenceType.choices)
    court = models.CharField(
        max_length=120, help_text="The sentencing court, or the releasing prison for a licence"
    )
    start_date = models.DateField(help_text="The date of sentence; for a licence, the date of release")
    expected_end_date = models.DateField(
        help_text="When the sentence is expected to end; for custody, the expected date of release"
    )
    # As the court passed it ("18 months"); empty for sentences recorded before lengths were kept.
    length = models.PositiveIntegerField(null=True, blank=True)
    length_unit = models.CharField(max_length=6, choices=LengthUnit.choices, blank=True, db_default="")
    # A licence or post-sentence supervision starts from the custody sentence it follows.
    custody = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_after_release",
        limit_choices_to={"type": SentenceType.CUSTODY},
    )
    termination_date = models.DateField(null=True, blank=True)
    termination_reason = models.CharField(max_length=24, choices=TerminationReason.choices, blank=True)

    class Meta:
        ordering = ["-start_date"]
        indexes = [
            models.Index(fields=["person", "start_date"]),
            models.Index(fields=["type", "start_date"]),
            models.Index(fields=["termination_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_end_date__gt=F("start_date")),
                name="sentence_end_after_start",
                violation_error_message="The expected end date must be after the start date",
            ),
            models.CheckConstraint(
                condition=Q(termination_date__isnull=True) | Q(termination_date__gte=F("start_date")),
                name="sentence_terminated_after_start",
                violation_error_message="The sentence cannot end before it started",
            ),
            models.CheckConstraint(
                condition=Q(termination_date__isnull=True, termination_reason="")
                | (Q(termination_date__isnull=False) & ~Q(termination_reason="")),
                name="sentence_termination_has_reason",
                violation_error_message="Give both the date the sentence ended and the reason",
            ),
            models.CheckConstraint(
                condition=Q(length__isnull=True, length_unit="")
                | (Q(length__isnull=False, length__gte=1) & ~Q(length_unit="")),
                name="sentence_length_with_unit",
                violation_error_message="Give the length of the sentence with its unit (days, weeks, months "
                "or years)",
            ),
            models.CheckConstraint(
                condition=~Q(type="CUS") | Q(length__isnull=False),
                name="sentence_custody_has_length",
                violation_error_message="Give the length of the custodial sentence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} from {date_text(self.start_date)}"

    @property
    def is_court_order(self) -> bool:
        return self.type in COURT_ORDERS

    @property
    def is_custody(self) -> bool:
        return self.type == SentenceType.CUSTODY

    @property
    def expiry_date(self) -> dt.date | None:
        """The day the sentence as passed expires (date of sentence plus its length), when its length is known."""
        if self.length is None or not self.length_unit:
            return None
        return add_length(self.start_date, self.length, self.length_unit)

    @property
    def length_text(self) -> str:
        if self.length is None:
            return ""
        unit = LengthUnit(self.length_unit).label.lower()
        return f"{self.length} {unit[:-1] if self.length == 1 else unit}"

    @property
    def is_active(self) -> bool:
        """Not yet ended: no termination date, or one still to come (the same rule as the selectors use)."""
        return self.termination_date is None or self.termination_date >= timezone.localdate()


class OffenceCategory(models.TextChoices):
    """Offence groups after the Home Office / ONS offence classification."""

    VIOLENCE = "violence", "Violence against the person"
    SEXUAL = "sexual", "Sexual offences"
    ROBBERY = "robbery", "Robbery"
    THEFT = "theft", "Theft offences"
    BURGLARY = "burglary", "Burglary"
    CRIMINAL_DAMAGE = "criminal_damage", "Criminal damage and arson"
    DRUGS = "drugs", "Drug offences"
    WEAPONS = "weapons", "Possession of weapons offences"
    PUBLIC_ORDER = "public_order", "Public order offences"
    FRAUD = "fraud", "Fraud offences"
    MISC_SOCIETY = "misc_society", "Miscellaneous crimes against society"
    SUMMARY_MOTORING = "motoring", "Summary motoring offences"
    SUMMARY_OTHER = "summary_other", "Summary non-motoring offences"


class OffenceFlag(models.TextChoices):
    """The yes/no flags an offence carries. Each value is the name of the ``Offence`` field that holds it, so the
    workload app's sensitive-case protocol and staff sensitivities can refer to flags by value."""

    RACIALLY_OR_RELIGIOUSLY_AGGRAVATED = (
        "racially_or_religiously_aggravated",
        "Racially or religiously aggravated",
    )
    HATE_CRIME = "hate_crime", "Hate crime"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    SEXUAL = "sexual", "Sexual"
    TERRORISM = "terrorism", "Terrorism"


class Offence(models.Model):
    sentence = models.ForeignKey(Sentence, on_delete=models.CASCADE, related_name="offences")
    category = models.CharField(max_length=20, choices=OffenceCategory.choices)
    description = models.CharField(max_length=200, blank=True)
    is_main = models.BooleanField("main offence", default=False)
    committed_on = models.DateField("date of offence", null=True, blank=True)
    racially_or_religiously_aggravated = models.BooleanField(default=False)
    hate_crime = models.BooleanField(default=False)
    domestic_abuse = models.BooleanField(default=False)
    sexual = models.BooleanField("sexual motivation", default=False)
    terrorism = models.BooleanField("terrorism connection", default=False)

    class Meta:
        ordering = ["-is_main", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sentence"],
                condition=Q(is_main=True),
                name="offence_one_main",
                violation_error_message="A sentence has one main offence",
            ),
        ]
        indexes = [
            models.Index(
                fields=["sentence"],
                condition=Q(racially_or_religiously_aggravated=True),
                name="offence_raceagg_idx",
            )
        ]

    def __str__(self) -> str:
        return self.description or self.get_category_display()

    @property
    def flags(self) -> list[str]:
        return [flag.label for flag in OffenceFlag if getattr(self, flag.value)]


class RequirementType(models.TextChoices):
    UNPAID_WORK = "unpaid_work", "Unpaid work"
    RAR = "rar", "Rehabilitation activity requirement (RAR)"
    ACCREDITED_PROGRAMME = "programme", "Accredited programme"
    CURFEW = "curfew", "Curfew with electronic monitoring"
    DRUG_TREATMENT = "drug_treatment", "Drug rehabilitation"
    ALCOHOL_TREATMENT = "alcohol_treatment", "Alcohol treatment"
    MENTAL_HEALTH_TREATMENT = "mental_health", "Mental health treatment"
    RESIDENCE = "residence", "Residence"
    EXCLUSION = "exclusion", "Exclusion"


class RequirementStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    ACTIVE = "active", "In progress"
    COMPLETED = "completed", "Completed"
    TERMINATED = "terminated", "Terminated"


class Requirement(models.Model):
    """A requirement of a community or suspended sentence order."""

    sentence = models.ForeignKey(Sentence, on_delete=models.CASCADE, related_name="requirements")
    type = models.CharField(max_length=20, choices=RequirementType.choices)
    unpaid_work_hours = models.PositiveSmallIntegerField(null=True, blank=True)
    rar_days = models.PositiveSmallIntegerField("RAR days", null=True, blank=True)
    length_months = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=RequirementStatus.choices, default=RequirementStatus.NOT_STARTED
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            # Unpaid work is 40 to 300 hours; a RAR has a maximum number of activity days.
            models.CheckConstraint(
                condition=~Q(type="unpaid_work")
                | Q(unpaid_work_hours__isnull=False, unpaid_work_hours__gte=40, unpaid_work_hours__lte=300),
                name="requirement_unpaid_work_hours",
                violation_error_message="Unpaid work must be between 40 and 300 hours",
            ),
            models.CheckConstraint(
                condition=~Q(type="rar") | Q(rar_days__isnull=False, rar_days__gte=1, rar_days__lte=400),
                name="requirement_rar_days",
                violation_error_message="A RAR must be between 1 and 400 days",
            ),
        ]

    def __str__(self) -> str:
        if self.type == RequirementType.UNPAID_WORK:
            return f"Unpaid work, {self.unpaid_work_hours} hours"
        if self.type == RequirementType.RAR:
            return f"RAR, up to {self.rar_days} days"
        return self.get_type_display()


class AllocationReason(models.TextChoices):
    """Why a case went to this practitioner: the fixed list a manager chooses from when allocating."""

    NEW_CASE = "new_case", "New case"
    CASELOAD_ADJUSTMENT = "caseload_adjustment", "Caseload adjustment"
    CHANGE_IN_TIER_OR_RISK = "tier_or_risk", "Change in tier or risk"
    CHANGE_OF_ADDRESS = "change_of_address", "Change of address"
    OFFICER_LEFT = "officer_left", "Officer left"
    RISK_TO_STAFF = "risk_to_staff", "Risk to staff"
    TRANSFER_IN = "transfer_in", "Transfer in"
    OTHER = "other", "Other"


class Allocation(models.Model):
    """Who is responsible for a sentence, from when to when, and who decided it and why."""

    sentence = models.ForeignKey(Sentence, on_delete=models.PROTECT, related_name="allocations")
    practitioner = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="allocations")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=20, choices=AllocationReason.choices)
    rationale = models.TextField(blank=True)
    allocated_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    allocated_at = models.DateTimeField()
    # What the workload model said when the decision was made; empty for allocations made before it existed
    # or imported. Kept with the decision because the figures move on afterwards.
    capacity_before = models.DecimalField(
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="The practitioner's capacity (%) just before this allocation",
    )
    capacity_after = models.DecimalField(
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="The practitioner's capacity (%) with this case added",
    )

    class Meta:
        ordering = ["-start_date"]
        indexes = [
            models.Index(fields=["practitioner", "end_date"]),
            models.Index(fields=["sentence", "end_date"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["sentence"],
                condition=Q(end_date__isnull=True),
                name="allocation_one_open",
                violation_error_message="The sentence already has a current allocation",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="allocation_end_after_start",
                violation_error_message="The allocation cannot end before it started",
            ),
            models.CheckConstraint(
                condition=Q(capacity_before__isnull=True, capacity_after__isnull=True)
                | Q(capacity_before__isnull=False, capacity_after__isnull=False),
                name="allocation_capacity_before_and_after",
                violation_error_message="Give the capacity both before and after the allocation, or neither",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sentence} → {self.practitioner}"


class ImmutableExtensionError(RecordChangeError):
    """Raised when code tries to change or delete an extension once it is recorded."""


class SentenceExtension(ImmutableModel):
    """A court's (or, for a licence, the releasing authority's) order extending a sentence: a record of its own,
    never edited, beside the sentence whose expected end it moved."""

    refusal_error = ImmutableExtensionError
    record_name = "An extension"
    instead = "record another one instead."

    sentence = models.ForeignKey(Sentence, on_delete=models.PROTECT, related_name="extensions")
    ordered_on = models.DateField()
    previous_end_date = models.DateField()
    new_end_date = models.DateField()
    reason = models.TextField()
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-ordered_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_end_date__gt=F("previous_end_date")),
                name="extension_moves_end_later",
                violation_error_message="The new end date must be after the current one",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="extension_has_reason",
                violation_error_message="Enter the reason for the extension",
            ),
        ]

    def __str__(self) -> str:
        return f"Extended to {date_text(self.new_end_date)}"


class SentenceCorrection(ImmutableModel):
    """A correction of a sentence's details typed in error (court, date of sentence, length, expected end): who
    corrected what, from what to what, and why. Kept beside the sentence, never edited."""

    refusal_error = ImmutableExtensionError
    record_name = "A correction"
    instead = "record another one instead."

    sentence = models.ForeignKey(Sentence, on_delete=models.PROTECT, related_name="corrections")
    changes = models.JSONField(help_text='Each corrected field: {"field": ["before", "after"]}')
    reason = models.TextField()
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="sentence_correction_has_reason",
                violation_error_message="Enter the reason for the correction",
            ),
        ]

    def __str__(self) -> str:
        return f"Corrected {', '.join(self.changes)}"
