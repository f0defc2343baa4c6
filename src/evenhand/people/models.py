"""People on probation, their diversity profile and who may see their record."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from evenhand.core.models import TimeStampedModel
from evenhand.org.models import PDU, StaffMember

# \Z, not $: in Python $ also matches before a final newline.
CRN_PATTERN = r"^[A-Z][0-9]{6}\Z"
crn_validator = RegexValidator(CRN_PATTERN, "Enter a CRN as one capital letter and six digits, like X123456")


class Sex(models.TextChoices):
    MALE = "M", "Male"
    FEMALE = "F", "Female"
    NOT_KNOWN = "N", "Not known"


class EthnicGroup(models.TextChoices):
    """The five top-level ONS 2021 groups, with 'prefer not to say' and 'not recorded' kept apart."""

    ASIAN = "asian", "Asian, Asian British or Asian Welsh"
    BLACK = "black", "Black, Black British, Black Welsh, Caribbean or African"
    MIXED = "mixed", "Mixed or Multiple ethnic groups"
    WHITE = "white", "White"
    OTHER = "other", "Other ethnic group"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"
    NOT_RECORDED = "not_recorded", "Not recorded"


class Ethnicity(models.TextChoices):
    """The 19 ONS 2021 England and Wales ethnic categories, codes after the census (A1…E2)."""

    ASIAN_BANGLADESHI = "A1", "Asian: Bangladeshi"
    ASIAN_CHINESE = "A2", "Asian: Chinese"
    ASIAN_INDIAN = "A3", "Asian: Indian"
    ASIAN_PAKISTANI = "A4", "Asian: Pakistani"
    ASIAN_OTHER = "A5", "Asian: any other Asian background"
    BLACK_AFRICAN = "B1", "Black: African"
    BLACK_CARIBBEAN = "B2", "Black: Caribbean"
    BLACK_OTHER = "B3", "Black: any other Black, Black British or Caribbean background"
    MIXED_WHITE_ASIAN = "M1", "Mixed: White and Asian"
    MIXED_WHITE_BLACK_AFRICAN = "M2", "Mixed: White and Black African"
    MIXED_WHITE_BLACK_CARIBBEAN = "M3", "Mixed: White and Black Caribbean"
    MIXED_OTHER = "M4", "Mixed: any other Mixed or multiple ethnic background"
    WHITE_BRITISH = "W1", "White: English, Welsh, Scottish, Northern Irish or British"
    WHITE_IRISH = "W2", "White: Irish"
    WHITE_GYPSY_TRAVELLER = "W3", "White: Gypsy or Irish Traveller"
    WHITE_ROMA = "W4", "White: Roma"
    WHITE_OTHER = "W5", "White: any other White background"
    OTHER_ARAB = "O1", "Other: Arab"
    OTHER_ANY = "O2", "Other: any other ethnic group"
    PREFER_NOT_TO_SAY = "PNS", "Prefer not to say"
    NOT_RECORDED = "NR", "Not recorded"


GROUP_OF_ETHNICITY: dict[str, EthnicGroup] = {
    Ethnicity.PREFER_NOT_TO_SAY: EthnicGroup.PREFER_NOT_TO_SAY,
    Ethnicity.NOT_RECORDED: EthnicGroup.NOT_RECORDED,
    **{
        code: {
            "A": EthnicGroup.ASIAN,
            "B": EthnicGroup.BLACK,
            "M": EthnicGroup.MIXED,
            "W": EthnicGroup.WHITE,
        }.get(code[0], EthnicGroup.OTHER)
        for code in Ethnicity.values
        if code not in ("PNS", "NR")
    },
}


class IdentifiedBy(models.TextChoices):
    SELF = "self", "The person (self-identified)"
    STAFF = "staff", "A member of staff"


class Religion(models.TextChoices):
    """ONS 2021 religion categories."""

    NO_RELIGION = "none", "No religion"
    CHRISTIAN = "christian", "Christian"
    BUDDHIST = "buddhist", "Buddhist"
    HINDU = "hindu", "Hindu"
    JEWISH = "jewish", "Jewish"
    MUSLIM = "muslim", "Muslim"
    SIKH = "sikh", "Sikh"
    OTHER = "other", "Any other religion or belief"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"
    NOT_RECORDED = "not_recorded", "Not recorded"


class Disability(models.TextChoices):
    """Equality Act 2010 disability, as the person declares it."""

    YES = "yes", "Yes"
    NO = "no", "No"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"
    NOT_RECORDED = "not_recorded", "Not recorded"


def _ethnic_group_expression() -> models.Case:
    whens = [
        models.When(
            ethnicity__in=[c for c, g in GROUP_OF_ETHNICITY.items() if g == group], then=models.Value(group)
        )
        for group in EthnicGroup.values
    ]
    return models.Case(*whens, default=models.Value(EthnicGroup.NOT_RECORDED))


class Person(TimeStampedModel):
    """A person on probation, known by their case reference number (CRN)."""

    crn = models.CharField("CRN", max_length=7, unique=True, validators=[crn_validator])
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    first_language = models.CharField(max_length=60, default="English")
    interpreter_required = models.BooleanField(default=False)
    pdu = models.ForeignKey(PDU, on_delete=models.PROTECT, related_name="people", verbose_name="managing PDU")

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(fields=["pdu", "last_name"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(crn__regex=CRN_PATTERN),
                name="person_crn_format",
                violation_error_message="Enter a CRN as one capital letter and six digits, like X123456",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.crn})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class DiversityProfile(TimeStampedModel):
    """Special-category data, kept in its own row so that only roles that need it ever load it."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="diversity")
    ethnicity = models.CharField(max_length=3, choices=Ethnicity.choices, default=Ethnicity.NOT_RECORDED)
    # Derived in the database so that equality aggregates can group on it without a Python mapping.
    ethnic_group = models.GeneratedField(
        expression=_ethnic_group_expression(),
        output_field=models.CharField(max_length=20, choices=EthnicGroup.choices),
        db_persist=True,
    )
    ethnicity_identified_by = models.CharField(max_length=5, choices=IdentifiedBy.choices, blank=True)
    ethnicity_identified_on = models.DateField(null=True, blank=True)
    religion = models.CharField(max_length=20, choices=Religion.choices, default=Religion.NOT_RECORDED)
    disability = models.CharField(max_length=20, choices=Disability.choices, default=Disability.NOT_RECORDED)
    gender_identity = models.CharField(
        max_length=100, blank=True, help_text="In the person's own words, if they choose to give it"
    )

    class Meta:
        indexes = [models.Index(fields=["ethnic_group"]), models.Index(fields=["ethnicity"])]
        constraints = [
            # Who identified an ethnicity, and when, is known exactly when an ethnicity is recorded.
            models.CheckConstraint(
                condition=(
                    Q(ethnicity="NR", ethnicity_identified_by="", ethnicity_identified_on__isnull=True)
                    | (
                        ~Q(ethnicity="NR")
                        & ~Q(ethnicity_identified_by="")
                        & Q(ethnicity_identified_on__isnull=False)
                    )
                ),
                name="diversity_ethnicity_provenance",
                violation_error_message="A recorded ethnicity needs who identified it and when",
            ),
        ]

    def __str__(self) -> str:
        return f"Diversity profile of {self.person.crn}"


class AccessListEntry(models.Model):
    """Common shape of the two restricted-access lists."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE)
    reason = models.CharField(max_length=200)
    added_by = models.ForeignKey(StaffMember, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Exclusion(AccessListEntry):
    """A member of staff who must not see this person's record (for example a relative or a known conflict)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "staff"],
                name="exclusion_once",
                violation_error_message="This member of staff is already on the exclusion list",
            )
        ]
        default_related_name = "exclusions"


class Restriction(AccessListEntry):
    """When a record has restriction entries, only the staff listed may see it."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "staff"],
                name="restriction_once",
                violation_error_message="This member of staff is already on the restriction list",
            )
        ]
        default_related_name = "restrictions"
