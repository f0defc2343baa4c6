"""Risk of serious harm, tier, MAPPA and registrations: the latest review for a person is the current one, and
every review is kept (a review is a new row, never an edit)."""

from django.db import models
from django.db.models import F, Q

from evenhand.core.formatting import date_text
from evenhand.org.models import StaffMember
from evenhand.people.models import Person


class RoshLevel(models.TextChoices):
    """Risk of serious harm (RoSH)."""

    LOW = "L", "Low"
    MEDIUM = "M", "Medium"
    HIGH = "H", "High"
    VERY_HIGH = "V", "Very high"


# Highest first: the overall level of a review is the highest of its four.
ROSH_ORDER = (RoshLevel.VERY_HIGH, RoshLevel.HIGH, RoshLevel.MEDIUM, RoshLevel.LOW)


def highest_rosh(levels: list[str]) -> str:
    """The highest of some RoSH levels."""
    return min(levels, key=lambda level: ROSH_ORDER.index(RoshLevel(level)))


class ReviewReason(models.TextChoices):
    """Why a risk of serious harm review was done: at the start, on schedule (at most six months after the
    last), or sooner because something significant changed."""

    INITIAL = "initial", "Start of the sentence"
    SCHEDULED = "scheduled", "Scheduled review"
    SIGNIFICANT_CHANGE = "significant_change", "Significant change"
    RELEASE = "release", "Release from custody"
    TRANSFER = "transfer", "Transfer in"


class TierSource(models.TextChoices):
    """Where a tier entered by hand came from, until Evenhand computes it."""

    NATIONAL_TIER_SERVICE = "national", "The national tier calculation, entered by hand"
    PRACTITIONER = "practitioner", "Worked out by the practitioner from the tiering framework"
    IMPORTED = "imported", "Imported from another system"


class Tier(models.TextChoices):
    """Tiering: a letter for risk of harm (A highest) and a number for likelihood of reoffending (3 highest)."""

    A3 = "A3", "A3"
    A2 = "A2", "A2"
    A1 = "A1", "A1"
    A0 = "A0", "A0"
    B3 = "B3", "B3"
    B2 = "B2", "B2"
    B1 = "B1", "B1"
    B0 = "B0", "B0"
    C3 = "C3", "C3"
    C2 = "C2", "C2"
    C1 = "C1", "C1"
    C0 = "C0", "C0"
    D3 = "D3", "D3"
    D2 = "D2", "D2"
    D1 = "D1", "D1"
    D0 = "D0", "D0"


class MappaCategory(models.IntegerChoices):
    CATEGORY_1 = 1, "Category 1: registered sexual offender"
    CATEGORY_2 = 2, "Category 2: violent offender"
    CATEGORY_3 = 3, "Category 3: other dangerous offender"
    CATEGORY_4 = 4, "Category 4: terrorism and terrorism-connected"


class MappaLevel(models.IntegerChoices):
    LEVEL_1 = 1, "Level 1: ordinary agency management"
    LEVEL_2 = 2, "Level 2: multi-agency management"
    LEVEL_3 = 3, "Level 3: multi-agency, senior oversight"


# The grade rule for allocation: a case at high or very high RoSH, or managed under MAPPA at any level, is held
# by a probation officer; PSOs and POs may hold the rest.
PO_ONLY_ROSH = (RoshLevel.HIGH, RoshLevel.VERY_HIGH)


def needs_probation_officer(rosh: str | None, mappa_level: int | None) -> bool:
    """Whether a case with this risk of serious harm and MAPPA level must go to a PO (the grade rule): high or
    very high RoSH, or MAPPA level 2 or 3 (multi-agency management). A level 1 case may go to a PSO."""
    return rosh in PO_ONLY_ROSH or (mappa_level is not None and mappa_level >= 2)


class RiskSummary(models.Model):
    """A risk of serious harm review: RoSH to each group and overall, tier, MAPPA, and when it is next due.

    Summaries recorded before reviews were kept in full have only the overall level and tier (the four
    levels, the next review and the sources are empty)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="risk_summaries")
    rosh = models.CharField("risk of serious harm", max_length=1, choices=RoshLevel.choices)
    rosh_children = models.CharField(
        "RoSH to children", max_length=1, choices=RoshLevel.choices, blank=True, db_default=""
    )
    rosh_public = models.CharField(
        "RoSH to the public", max_length=1, choices=RoshLevel.choices, blank=True, db_default=""
    )
    rosh_known_adult = models.CharField(
        "RoSH to a known adult", max_length=1, choices=RoshLevel.choices, blank=True, db_default=""
    )
    rosh_staff = models.CharField(
        "RoSH to staff", max_length=1, choices=RoshLevel.choices, blank=True, db_default=""
    )
    review_reason = models.CharField(max_length=20, choices=ReviewReason.choices, blank=True, db_default="")
    next_review_due = models.DateField(null=True, blank=True)
    tier = models.CharField(max_length=2, choices=Tier.choices)
    tier_source = models.CharField(max_length=12, choices=TierSource.choices, blank=True, db_default="")
    mappa_category = models.PositiveSmallIntegerField(
        "MAPPA category", choices=MappaCategory.choices, null=True, blank=True
    )
    mappa_level = models.PositiveSmallIntegerField(
        "MAPPA level", choices=MappaLevel.choices, null=True, blank=True
    )
    assessed_on = models.DateField()
    recorded_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-assessed_on", "-id"]
        get_latest_by = ["assessed_on", "id"]
        verbose_name_plural = "risk summaries"
        # A person's latest summary read first in the index's order (no sort a person: the to-do list of a
        # whole PDU reads each person's next review date).
        indexes = [models.Index(fields=["person", "-assessed_on", "-id"], name="cases_risk_latest_by_person")]
        constraints = [
            # A MAPPA category and level come together, or not at all.
            models.CheckConstraint(
                condition=Q(mappa_category__isnull=True, mappa_level__isnull=True)
                | Q(mappa_category__isnull=False, mappa_level__isnull=False),
                name="risk_mappa_category_and_level",
                violation_error_message="Give both a MAPPA category and a MAPPA level, or neither",
            ),
            models.CheckConstraint(
                condition=Q(next_review_due__isnull=True) | Q(next_review_due__gt=F("assessed_on")),
                name="risk_next_review_after_review",
                violation_error_message="The next review must be due after this one",
            ),
            # The four levels come together, or not at all (an older summary).
            models.CheckConstraint(
                condition=Q(rosh_children="", rosh_public="", rosh_known_adult="", rosh_staff="")
                | (~Q(rosh_children="") & ~Q(rosh_public="") & ~Q(rosh_known_adult="") & ~Q(rosh_staff="")),
                name="risk_four_levels_together",
                violation_error_message="Give the risk of serious harm to children, the public, known adults "
                "and staff",
            ),
        ]

    def __str__(self) -> str:
        return f"Tier {self.tier}, {self.get_rosh_display()} RoSH ({date_text(self.assessed_on)})"


class RegistrationType(models.TextChoices):
    """The national register types Evenhand keeps, the tier calculation's complexity factors among them."""

    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse perpetrator"
    CHILD_PROTECTION = "child_protection", "Child protection"
    CHILD_CONCERNS = "child_concerns", "Child concerns"
    MAPPA = "mappa", "MAPPA"
    STREET_GANGS = "street_gangs", "Street gangs"
    HATE_CRIME = "hate_crime", "Hate crime"
    SERIOUS_ORGANISED_CRIME = "serious_organised_crime", "Serious organised crime"
    RISK_TO_STAFF = "risk_to_staff", "Risk to staff"
    VULNERABILITY = "vulnerability", "Vulnerability"
    MENTAL_HEALTH = "mental_health", "Mental health issues"
    SELF_HARM = "self_harm", "Suicide or self-harm"
    RISK_TO_CHILDREN = "risk_to_children", "Risk to children"
    PUBLIC_INTEREST = "public_interest", "Public interest case"
    ADULT_AT_RISK = "adult_at_risk", "Adult at risk"
    TERRORISM = "terrorism", "Terrorism"
    # Not a complexity factor: an integrated offender management nominal adds 2 change points to the tier.
    IOM = "iom", "Integrated offender management nominal"


# The ten complexity factors of the tier calculation (hmpps-tier ProtectLevelCalculator), each worth 2 points.
COMPLEXITY_FACTORS = (
    RegistrationType.MENTAL_HEALTH,
    RegistrationType.SELF_HARM,
    RegistrationType.VULNERABILITY,
    RegistrationType.CHILD_CONCERNS,
    RegistrationType.CHILD_PROTECTION,
    RegistrationType.RISK_TO_CHILDREN,
    RegistrationType.PUBLIC_INTEREST,
    RegistrationType.ADULT_AT_RISK,
    RegistrationType.STREET_GANGS,
    RegistrationType.TERRORISM,
)
# The registration that makes the person an integrated offender management nominal (the tier's change points).
IOM_REGISTRATION = RegistrationType.IOM


class Registration(models.Model):
    """A person on a register (domestic abuse perpetrator, child protection …) from a start date, reviewed on
    a cycle, until it ends. Two registrations of the same type never overlap."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="registrations")
    type = models.CharField(max_length=24, choices=RegistrationType.choices)
    start_date = models.DateField()
    next_review_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    ended_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["person", "type", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_review_date__gt=F("start_date")),
                name="registration_review_after_start",
                violation_error_message="The review must be after the start of the registration",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="registration_ends_after_start",
                violation_error_message="The registration cannot end before it started",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True, end_reason="")
                | (Q(end_date__isnull=False) & ~Q(end_reason="")),
                name="registration_end_has_reason",
                violation_error_message="Give both the date the registration ended and the reason",
            ),
            # The last line of the overlap rule: one open registration of a type per person.
            models.UniqueConstraint(
                fields=["person", "type"],
                condition=Q(end_date__isnull=True),
                name="registration_one_open_per_type",
                violation_error_message="The person already has an open registration of this type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} from {date_text(self.start_date)}"

    @property
    def is_complexity_factor(self) -> bool:
        return self.type in COMPLEXITY_FACTORS


class RegistrationReview(models.Model):
    """A review of a registration: kept, one row each, with the review it set next."""

    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField()
    next_review_date = models.DateField()
    notes = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_review_date__gt=F("reviewed_on")),
                name="registration_review_next_after",
                violation_error_message="The next review must be after this one",
            ),
        ]

    def __str__(self) -> str:
        return f"Reviewed {date_text(self.reviewed_on)}"
