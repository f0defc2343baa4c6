"""The organisation: regions, probation delivery units (PDUs), teams and staff."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from evenhand.core.models import TimeStampedModel


class Grade(models.TextChoices):
    PSO = "PSO", "Probation services officer (PSO)"
    PO = "PO", "Probation officer (PO)"
    SPO = "SPO", "Senior probation officer (SPO)"
    HEAD_OF_PDU = "HOPDU", "Head of PDU"
    ADMIN = "ADMIN", "Administrator"
    ANALYST = "ANALYST", "Analyst"
    INSPECTOR = "INSPECTOR", "Inspector"
    HR_ANALYST = "HR", "HR analyst"


class Role(models.TextChoices):
    """What a member of staff may do in Evenhand; it follows from their grade."""

    PRACTITIONER = "practitioner", "Practitioner"
    SPO = "spo", "Senior probation officer"
    HEAD_OF_PDU = "head_of_pdu", "Head of PDU"
    ANALYST = "analyst", "Analyst"
    INSPECTOR = "inspector", "Inspector"
    ADMIN = "admin", "Administrator"
    # Workforce equality: the staff equality profiles in aggregate only, never one person's (workforce app).
    HR_ANALYST = "hr_analyst", "HR analyst"


ROLE_OF_GRADE: dict[str, Role] = {
    Grade.PSO: Role.PRACTITIONER,
    Grade.PO: Role.PRACTITIONER,
    Grade.SPO: Role.SPO,
    Grade.HEAD_OF_PDU: Role.HEAD_OF_PDU,
    Grade.ADMIN: Role.ADMIN,
    Grade.ANALYST: Role.ANALYST,
    Grade.INSPECTOR: Role.INSPECTOR,
    Grade.HR_ANALYST: Role.HR_ANALYST,
}
# Grades that work inside a PDU and so must belong to one of its teams.
PDU_GRADES = (Grade.PSO, Grade.PO, Grade.SPO, Grade.HEAD_OF_PDU)


class Region(models.Model):
    code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PDU(models.Model):
    """A probation delivery unit: the local office group that holds cases."""

    code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="pdus")

    class Meta:
        ordering = ["name"]
        verbose_name = "PDU"

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=100)
    pdu = models.ForeignKey(PDU, on_delete=models.PROTECT, related_name="teams")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffMember(TimeStampedModel):
    """A member of staff. Service accounts for the API are staff members too, with a grade like anyone."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="staff"
    )
    staff_code = models.CharField(max_length=16, unique=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    grade = models.CharField(max_length=10, choices=Grade.choices)
    contracted_hours = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=Decimal("37.0"),
        validators=[MinValueValidator(Decimal("1.0")), MaxValueValidator(Decimal("48.0"))],
        help_text="Contracted hours per week",
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="staff")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contracted_hours__gte=1) & Q(contracted_hours__lte=48),
                name="staff_hours_in_range",
                violation_error_message="Contracted hours must be between 1 and 48 a week",
            ),
            models.CheckConstraint(
                condition=~Q(grade__in=PDU_GRADES) | Q(team__isnull=False),
                name="staff_pdu_grades_have_team",
                violation_error_message="Practitioners and managers must belong to a team",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="staff_end_after_start",
                violation_error_message="The end date must be on or after the start date",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def role(self) -> Role:
        return ROLE_OF_GRADE[self.grade]

    @property
    def pdu_id(self) -> int | None:
        return self.team.pdu_id if self.team_id else None  # type: ignore[union-attr]
