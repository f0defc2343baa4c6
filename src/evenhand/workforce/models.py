"""Staff equality profiles and HR events.

A **declaration** is one staff member's answer about one characteristic, given by themselves, at a time. A new
answer is a new row; nothing is ever overwritten, so the profile's history is the rows in order and the profile
now is the latest row of each characteristic. "Prefer not to say" is an answer; "not declared" is the absence
of any row for the characteristic, so the two can never be confused.

An **HR event** (joined, a grade change, a grievance, a sickness spell, left …) is a dated record like an
enforcement decision (ADR 0003): never edited or deleted, in the application or by the database's triggers
(migration 0002); a mistake is corrected by a new event whose ``corrects`` points at the one it replaces.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from evenhand.core.models import ImmutableModel, RecordChangeError
from evenhand.org.models import Grade, StaffMember
from evenhand.people.models import Disability, Ethnicity, GenderIdentity, Religion, SexualOrientation

# --- the equality profile --------------------------------------------------------------------------------


class StaffCharacteristic(models.TextChoices):
    """What a staff member may declare, each with its own history."""

    ETHNICITY = "ethnicity", "Ethnicity"
    SEX = "sex", "Sex"
    GENDER_IDENTITY = "gender_identity", "Gender identity"
    DISABILITY = "disability", "Disability"
    RELIGION = "religion", "Religion or belief"
    SEXUAL_ORIENTATION = "sexual_orientation", "Sexual orientation"
    AGE_BAND = "age_band", "Age"
    CARING = "caring", "Caring responsibilities"


PREFER_NOT_TO_SAY = "prefer_not_to_say"


class StaffSex(models.TextChoices):
    """Sex as the staff member declares it (people on probation have ``people.Sex``, recorded by staff)."""

    FEMALE = "F", "Female"
    MALE = "M", "Male"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"


class AgeBand(models.TextChoices):
    """The age bands of the HMPPS staff equalities report."""

    UNDER_25 = "16-24", "16 to 24"
    FROM_25 = "25-29", "25 to 29"
    FROM_30 = "30-39", "30 to 39"
    FROM_40 = "40-49", "40 to 49"
    FROM_50 = "50-59", "50 to 59"
    FROM_60 = "60+", "60 or over"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"


class Caring(models.TextChoices):
    """Caring responsibilities (Civil Service People Survey wording)."""

    NONE = "none", "None"
    CHILDREN = "children", "Primary carer of a child or children (under 18)"
    ADULTS = "adults", "Carer of a disabled, ill or older adult"
    BOTH = "both", "Both"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"


# The answers of each characteristic. Ethnicity, religion, disability, sexual orientation and gender identity
# are the ONS 2021 categories used for people on probation (people.models), so the two can be compared; their
# "not recorded" is not an answer a person gives (not declaring is), and ethnicity's "prefer not to say" is
# its census code PNS.
_NOT_ANSWERS = {"NR", "not_recorded"}


def _answers(choices: type[models.TextChoices]) -> list[tuple[str, str]]:
    return [(value, label) for value, label in choices.choices if value not in _NOT_ANSWERS]


ANSWERS: dict[str, list[tuple[str, str]]] = {
    StaffCharacteristic.ETHNICITY: _answers(Ethnicity),
    StaffCharacteristic.SEX: _answers(StaffSex),
    StaffCharacteristic.GENDER_IDENTITY: _answers(GenderIdentity),
    StaffCharacteristic.DISABILITY: _answers(Disability),
    StaffCharacteristic.RELIGION: _answers(Religion),
    StaffCharacteristic.SEXUAL_ORIENTATION: _answers(SexualOrientation),
    StaffCharacteristic.AGE_BAND: _answers(AgeBand),
    StaffCharacteristic.CARING: _answers(Caring),
}
# The answer that declines, per characteristic: declared, but not a group a breakdown can show.
DECLINED = {
    key: (Ethnicity.PREFER_NOT_TO_SAY.value if key == "ethnicity" else PREFER_NOT_TO_SAY) for key in ANSWERS
}


class ImmutableWorkforceRecordError(RecordChangeError):
    """Raised when code tries to change or delete a declaration or an HR event once it is recorded."""


class _Immutable(ImmutableModel):
    """Refuses an update or a deletion in the application; the database's triggers refuse them too."""

    refusal_error = ImmutableWorkforceRecordError

    class Meta:
        abstract = True


class Declaration(_Immutable):
    """One self-declared answer; the latest of a staff member's answers about a characteristic stands."""

    record_name = "An equality declaration"
    instead = "make a new declaration instead."

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="declarations")
    characteristic = models.CharField(max_length=20, choices=StaffCharacteristic.choices)
    value = models.CharField(max_length=20)
    declared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["staff", "characteristic", "-declared_at", "-id"]
        indexes = [models.Index(fields=["staff", "characteristic", "declared_at"])]

    def __str__(self) -> str:
        return f"{self.characteristic} declaration of staff {self.staff_id}"


# --- HR events -------------------------------------------------------------------------------------------


class EventKind(models.TextChoices):
    JOINED = "joined", "Joined"
    PROMOTED = "promoted", "Promoted"
    TEMPORARY_PROMOTION = "temporary_promotion", "Temporary promotion (on allowance)"
    TEMPORARY_PROMOTION_ENDED = "temporary_promotion_ended", "Temporary promotion ended"
    DEMOTED = "demoted", "Demoted"
    PQIP = "pqip", "PQiP application stage"
    TRAINING = "training", "Training completed"
    SICKNESS = "sickness", "Sickness absence"
    GRIEVANCE = "grievance", "Grievance"
    CONDUCT = "conduct", "Conduct and discipline case"
    PERFORMANCE = "performance", "Performance improvement procedure"
    LEFT = "left", "Left"


class JoinRoute(models.TextChoices):
    DIRECT = "direct", "Direct entry"
    PQIP = "pqip", "Professional Qualification in Probation (PQiP)"
    INTERNAL = "internal", "Internal move"


class PqipStage(models.TextChoices):
    """The stages of an existing staff member's application to qualify as a probation officer."""

    APPLIED = "applied", "Applied"
    SHORTLISTED = "shortlisted", "Shortlisted"
    OFFERED = "offered", "Offered a place"
    STARTED = "started", "Started"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn or unsuccessful"


class GrievanceKind(models.TextChoices):
    RACE = "race_discrimination", "Race discrimination"
    OTHER_DISCRIMINATION = "other_discrimination", "Other discrimination"
    BULLYING = "bullying_harassment", "Bullying or harassment"
    TERMS = "terms_conditions", "Terms and conditions"
    MANAGEMENT = "management", "Management decisions"
    OTHER = "other", "Other"


class Outcome(models.TextChoices):
    """Outcomes of grievances, conduct cases and performance procedures (each kind allows its own)."""

    UPHELD = "upheld", "Upheld"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"
    WITHDRAWN = "withdrawn", "Withdrawn"
    NO_CASE = "no_case", "No case to answer"
    INFORMAL = "informal", "Informal action"
    WRITTEN_WARNING = "written_warning", "Written warning"
    FINAL_WARNING = "final_warning", "Final written warning"
    DISMISSED = "dismissed", "Dismissed"
    IMPROVED = "improved", "Performance improved; procedure closed"
    ONGOING = "ongoing", "Not yet concluded"


OUTCOMES_OF: dict[str, tuple[str, ...]] = {
    EventKind.GRIEVANCE: (Outcome.UPHELD, Outcome.PARTLY_UPHELD, Outcome.NOT_UPHELD, Outcome.WITHDRAWN),
    EventKind.CONDUCT: (
        Outcome.NO_CASE,
        Outcome.INFORMAL,
        Outcome.WRITTEN_WARNING,
        Outcome.FINAL_WARNING,
        Outcome.DISMISSED,
        Outcome.ONGOING,
    ),
    EventKind.PERFORMANCE: (Outcome.IMPROVED, Outcome.WRITTEN_WARNING, Outcome.DISMISSED, Outcome.ONGOING),
}
# A grievance's outcome counts as upheld for the "share upheld" measure when it is one of these.
UPHELD = (Outcome.UPHELD, Outcome.PARTLY_UPHELD)


class LeavingReason(models.TextChoices):
    RESIGNATION = "resignation", "Resignation"
    RETIREMENT = "retirement", "Retirement"
    DISMISSAL = "dismissal", "Dismissal"
    END_OF_CONTRACT = "end_of_contract", "End of contract"
    OTHER = "other", "Other"


class ExitTheme(models.TextChoices):
    """Themes an exit interview raised (any number)."""

    WORKLOAD = "workload", "Workload"
    PAY = "pay", "Pay"
    PROGRESSION = "progression", "Career progression"
    MANAGEMENT = "management", "Management"
    DISCRIMINATION = "discrimination", "Discrimination or racism"
    WELLBEING = "wellbeing", "Health and wellbeing"
    RELOCATION = "relocation", "Relocation or personal reasons"
    OTHER = "other", "Other"


# Pay bands in grade order, for telling a promotion from a demotion. Probation grades after the workforce
# quarterlies (PSO band 3, PO band 4, SPO band 5); the others are Evenhand's assumption (unverified).
BAND: dict[str, int] = {
    Grade.ADMIN: 2,
    Grade.PSO: 3,
    Grade.PO: 4,
    Grade.ANALYST: 4,
    Grade.HR_ANALYST: 4,
    Grade.SPO: 5,
    Grade.HEAD_OF_PDU: 6,
    Grade.INSPECTOR: 6,
}
# The kinds that carry a grade: the grade the staff member joined at or moved to.
GRADED = (EventKind.JOINED, EventKind.PROMOTED, EventKind.TEMPORARY_PROMOTION, EventKind.DEMOTED)


class HrEvent(_Immutable):
    """One dated HR event of a staff member. The columns a kind does not use are empty (checked by
    ``workforce.rules``, which says which field is wrong)."""

    record_name = "An HR event"
    instead = "record a correction instead."

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="hr_events")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    occurred_on = models.DateField()
    grade = models.CharField(max_length=10, choices=Grade.choices, blank=True)
    route = models.CharField(max_length=10, choices=JoinRoute.choices, blank=True)
    pqip_stage = models.CharField(max_length=12, choices=PqipStage.choices, blank=True)
    grievance_kind = models.CharField(max_length=30, choices=GrievanceKind.choices, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    # Sickness: days lost in the spell. Grievances, conduct cases: days from raising to the outcome.
    days = models.PositiveIntegerField(null=True, blank=True)
    # Who investigated a grievance or conduct case: their grade, not their name (analysts never see names).
    investigator_grade = models.CharField(max_length=10, choices=Grade.choices, blank=True)
    course = models.CharField(max_length=120, blank=True)
    leaving_reason = models.CharField(max_length=20, choices=LeavingReason.choices, blank=True)
    exit_themes = models.JSONField(default=list, blank=True)
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )
    recorded_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["staff", "occurred_on", "id"]
        indexes = [
            models.Index(fields=["kind", "occurred_on"]),
            models.Index(fields=["staff", "occurred_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(days__isnull=True) | Q(days__lte=3660),
                name="hr_event_days_bounded",
                violation_error_message="Days must be at most 3660",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on}"


# --- recruitment -----------------------------------------------------------------------------------------


class ApplicantStage(models.TextChoices):
    APPLIED = "applied", "Applied"
    SIFTED_IN = "sifted_in", "Sifted in"
    INTERVIEWED = "interviewed", "Interviewed"
    OFFERED = "offered", "Offered"
    APPOINTED = "appointed", "Appointed"


STAGE_ORDER = list(ApplicantStage.values)


class Campaign(models.Model):
    """A recruitment campaign for one grade, run nationally or for one region."""

    reference = models.CharField(max_length=20, unique=True)
    grade = models.CharField(max_length=10, choices=Grade.choices)
    region = models.ForeignKey(
        "org.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_on", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="campaign_closes_after_it_opens",
                violation_error_message="A campaign closes on or after the day it opens",
            )
        ]

    def __str__(self) -> str:
        return self.reference


class Applicant(models.Model):
    """An applicant to a campaign, known by the campaign's own reference, never by name, with the
    characteristics they declared on the application (empty: not declared) and the furthest stage reached."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="applicants")
    reference = models.CharField(max_length=20)
    ethnicity = models.CharField(max_length=3, choices=_answers(Ethnicity), blank=True)
    sex = models.CharField(max_length=20, choices=StaffSex.choices, blank=True)
    disability = models.CharField(max_length=20, choices=_answers(Disability), blank=True)
    # Already on the staff (an internal applicant), for PQiP access from PSO and administrative grades.
    internal_grade = models.CharField(max_length=10, choices=Grade.choices, blank=True)

    class Meta:
        ordering = ["campaign", "reference"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "reference"], name="applicant_reference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.campaign.reference}/{self.reference}"


class ApplicantProgress(_Immutable):
    """An applicant reaching a stage, on a date (immutable, like an HR event)."""

    record_name = "An applicant's stage"
    instead = "record a correction instead."

    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="stages")
    stage = models.CharField(max_length=12, choices=ApplicantStage.choices)
    reached_on = models.DateField()

    class Meta:
        ordering = ["applicant", "reached_on", "id"]
        constraints = [models.UniqueConstraint(fields=["applicant", "stage"], name="applicant_stage_once")]

    def __str__(self) -> str:
        return f"{self.applicant} {self.stage}"


class WorkforceRelease(_Immutable):
    """A period's published workforce report for a unit, frozen: the figures as published (suppression
    applied), the HTML and spreadsheet made from them, the disclosure manifest and the auditor's result,
    stored once with who published it, when and a checksum of the files. Never changed or deleted (here and
    by the database's triggers); a unit's period is published once."""

    record_name = "A published workforce report"
    instead = "it stays as it was published."

    period = models.CharField(max_length=7)  # "2025", "2025-26", "2026Q1"
    unit = models.CharField(max_length=12)  # "national", a region or a PDU code
    starts_on = models.DateField()
    ends_on = models.DateField()
    published_on = models.DateField()
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    figures = models.JSONField()
    audit = models.JSONField()
    html = models.TextField()
    ods = models.BinaryField()
    manifest = models.BinaryField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="workforce_release_once"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")) & Q(published_on__gt=models.F("ends_on")),
                name="workforce_release_after_its_period",
                violation_error_message="A period's workforce report is published after the period has ended",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.period}"
