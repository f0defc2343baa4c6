"""Risk of serious harm, tier and MAPPA: the latest summary for a person is the current one."""

from django.db import models
from django.db.models import Q

from evenhand.org.models import StaffMember
from evenhand.people.models import Person


class RoshLevel(models.TextChoices):
    """Risk of serious harm (RoSH)."""

    LOW = "L", "Low"
    MEDIUM = "M", "Medium"
    HIGH = "H", "High"
    VERY_HIGH = "V", "Very high"


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
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="risk_summaries")
    rosh = models.CharField("risk of serious harm", max_length=1, choices=RoshLevel.choices)
    tier = models.CharField(max_length=2, choices=Tier.choices)
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
        indexes = [models.Index(fields=["person", "-assessed_on"])]
        constraints = [
            # A MAPPA category and level come together, or not at all.
            models.CheckConstraint(
                condition=Q(mappa_category__isnull=True, mappa_level__isnull=True)
                | Q(mappa_category__isnull=False, mappa_level__isnull=False),
                name="risk_mappa_category_and_level",
                violation_error_message="Give both a MAPPA category and a MAPPA level, or neither",
            ),
        ]

    def __str__(self) -> str:
        return f"Tier {self.tier}, {self.get_rosh_display()} RoSH ({self.assessed_on:%d %b %Y})"
