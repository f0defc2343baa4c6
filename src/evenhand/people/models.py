"""People on probation, their diversity profile and who may see their record."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from evenhand.core.models import TimeStampedModel
from evenhand.org.models import PDU, StaffMember

# \Z, not $: in Python $ also matches before a final newline.
CRN_PATTERN = r"^[A-Z][0-9]{6}\Z"
crn_validator = RegexValidator(CRN_PATTERN, "Enter a CRN as one capital letter and six digits, like X123456")


# A Police National Computer number: two digits of the year, a slash, a seven-digit serial and a check letter.
PNC_PATTERN = r"^[0-9]{2}/[0-9]{7}[A-Z]\Z"


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


class Characteristic(models.TextChoices):
    """The characteristics of a diversity profile, each with its own history."""

    ETHNICITY = "ethnicity", "Ethnicity"
    RELIGION = "religion", "Religion or belief"
    DISABILITY = "disability", "Disability"
    SEXUAL_ORIENTATION = "sexual_orientation", "Sexual orientation"
    GENDER_IDENTITY = "gender_identity", "Gender identity"


class SexualOrientation(models.TextChoices):
    """ONS 2021 sexual orientation categories (asked of the person only, never observed)."""

    STRAIGHT = "straight", "Straight or heterosexual"
    GAY_LESBIAN = "gay_lesbian", "Gay or lesbian"
    BISEXUAL = "bisexual", "Bisexual"
    OTHER = "other", "Other sexual orientation"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"
    NOT_RECORDED = "not_recorded", "Not recorded"


class GenderIdentity(models.TextChoices):
    """ONS 2021: is the gender the person identifies with the same as their sex registered at birth?"""

    SAME = "same", "The same as their sex registered at birth"
    DIFFERENT = "different", "Different from their sex registered at birth"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"
    NOT_RECORDED = "not_recorded", "Not recorded"


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
    middle_names = models.CharField(max_length=100, blank=True, db_default="")
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(
        max_length=100,
        blank=True,
        db_default="",
        help_text="The name the person asks to be called, if not their first name",
    )
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    pnc = models.CharField("PNC number", max_length=11, blank=True, db_default="", db_index=True)
    first_language = models.CharField(max_length=60, default="English")
    interpreter_required = models.BooleanField(default=False)
    phone = models.CharField(max_length=20, blank=True, db_default="")
    email = models.EmailField(max_length=120, blank=True, db_default="")
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
            ),
            models.CheckConstraint(
                condition=Q(pnc="") | Q(pnc__regex=PNC_PATTERN),
                name="person_pnc_format",
                violation_error_message="Enter a PNC number like 98/1234567L",
            ),
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


class Address(TimeStampedModel):
    """Where a person lives or lived, from one date to another (no end date: they live there now)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses")
    line_1 = models.CharField("address line 1", max_length=120)
    line_2 = models.CharField("address line 2", max_length=120, blank=True)
    town = models.CharField("town or city", max_length=60)
    postcode = models.CharField(max_length=8)
    start_date = models.DateField("lives there from")
    end_date = models.DateField("lived there until", null=True, blank=True)
    recorded_by = models.ForeignKey(StaffMember, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="address_ends_after_it_starts",
                violation_error_message="The end date must be on or after the start date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.line_1}, {self.town} {self.postcode}"


class PersonChange(models.Model):
    """A correction of one of a person's details (a name, the date of birth, the PNC number …): the value
    before and after, who changed it, when and why. The person row holds the value now; these rows are its
    history, never edited."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=30)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=200)
    changed_by = models.ForeignKey(StaffMember, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.field}: {self.old_value!r} → {self.new_value!r}"


class CrnCounter(models.Model):
    """The last number Evenhand gave a CRN under a prefix letter. Only ever counts up (a row lock serialises
    the writers), so a CRN is never given twice, even after the person it was given to is removed."""

    prefix = models.CharField(max_length=1, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}{self.last_number:06d}"


class DistinctPersonNote(models.Model):
    """Kept when a person is registered although the duplicate check showed someone like them: why the user
    is sure these are two people (for an audit of duplicate records, and for whoever finds the two later)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="distinct_notes")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200)
    recorded_by = models.ForeignKey(StaffMember, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.person_id} is not {self.other_id}: {self.reason}"


# The choices of each characteristic of the diversity profile.
VALUES_OF: dict[str, type[models.TextChoices]] = {
    Characteristic.ETHNICITY: Ethnicity,
    Characteristic.RELIGION: Religion,
    Characteristic.DISABILITY: Disability,
    Characteristic.SEXUAL_ORIENTATION: SexualOrientation,
    Characteristic.GENDER_IDENTITY: GenderIdentity,
}

NOT_RECORDED_VALUES = (Ethnicity.NOT_RECORDED.value, Religion.NOT_RECORDED.value)


class DiversityEntry(models.Model):
    """One value of one characteristic of a person's diversity profile, who identified it and from when it is
    in force. Never edited: a change is a new row, so the value in force on any date can be known.

    ``DiversityProfile`` holds the values in force today, derived from these rows by the service that adds
    them (the equality engine and the workload pages read it; the history is read for a date).
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="diversity_entries")
    characteristic = models.CharField(max_length=20, choices=Characteristic.choices)
    value = models.CharField(max_length=20)
    # Reasonable adjustments for a disability; the person's own words for a gender identity or a religion.
    detail = models.CharField(max_length=200, blank=True)
    identified_by = models.CharField(max_length=5, choices=IdentifiedBy.choices, blank=True)
    identified_on = models.DateField(help_text="When it was identified: the value is in force from this date")
    # A value held before Evenhand kept the history: who identified it is not known.
    carried_over = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(StaffMember, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    # A row entered in error (the wrong person, a slip) is corrected by a new row pointing at it: the
    # corrected row stays in the history but is never in force.
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )
    correction_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["person", "characteristic", "identified_on", "recorded_at", "id"]
        verbose_name_plural = "diversity entries"
        indexes = [models.Index(fields=["characteristic", "identified_on"])]
        constraints = [
            # Who identified a value is known, unless nothing is recorded or it came from before the history.
            models.CheckConstraint(
                condition=(
                    Q(value__in=NOT_RECORDED_VALUES, identified_by="")
                    | Q(carried_over=True, identified_by="")
                    | (~Q(value__in=NOT_RECORDED_VALUES) & ~Q(identified_by="") & Q(carried_over=False))
                ),
                name="diversity_entry_provenance",
                violation_error_message="A recorded value needs who identified it",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_characteristic_display()} of {self.person_id}: {self.value} from {self.identified_on}"
        )


class AccessListEntry(models.Model):
    """Common shape of the two restricted-access lists."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE)
    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE)
    reason = models.CharField(max_length=200)
    added_by = models.ForeignKey(StaffMember, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    review_on = models.DateField("review by", null=True, blank=True)

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
