"""Records shaped for the viewer's role: what a page, an export or an API response may show of a person.

The door builds these from the models; nothing that shows a person renders a model directly. For analysts a
record carries a pseudonym and an opaque token instead of the name, date of birth, CRN and id, no free text,
and dates to the month (the first day of the month stands for the month). Diversity is present only for the
roles whose work needs it.
"""

import datetime as dt
from dataclasses import dataclass
from typing import overload

from evenhand.org.models import StaffMember

from .access import can_record_casework, can_see_diversity, can_see_identity, pseudonym, record_token
from .models import DiversityProfile, Person


def reference(pk: int | None, token: str | None) -> str:
    """How the viewer addresses a record in links and paths: its id, or an analyst's token (one of the two is
    set, as ``Lens.id`` and ``Lens.token`` give them)."""
    return token if token is not None else str(pk)


class Addressed:
    """A shaped record's references, derived from the id and token fields the lens fills."""

    id: int | None
    token: str | None

    @property
    def ref(self) -> str:
        """The id, or an analyst's token: what links and API paths use."""
        return reference(self.id, self.token)


@dataclass(frozen=True)
class Lens:
    """What one member of staff may see; every shaping decision reads it."""

    staff: StaffMember
    identity: bool  # names, CRN, date of birth, ids, free text and exact dates
    diversity: bool
    casework: bool

    @classmethod
    def of(cls, staff: StaffMember) -> "Lens":
        return cls(
            staff=staff,
            identity=can_see_identity(staff),
            diversity=can_see_diversity(staff),
            casework=can_record_casework(staff),
        )

    def token(self, kind: str, pk: int) -> str | None:
        """An analyst's opaque reference to a record in place of its id; None for everyone else."""
        return None if self.identity else record_token(kind, pk)

    def id(self, pk: int | None) -> int | None:
        return pk if self.identity else None

    def text(self, value: str | None) -> str | None:
        """Free text, which names people and quotes CRNs: None for analysts."""
        return value if self.identity else None

    @overload
    def date(self, value: dt.datetime) -> dt.datetime: ...
    @overload
    def date(self, value: dt.date) -> dt.date: ...  # type: ignore[overload-overlap]
    @overload
    def date(self, value: dt.datetime | None) -> dt.datetime | None: ...
    @overload
    def date(self, value: dt.date | None) -> dt.date | None: ...

    def date(self, value: dt.date | None) -> dt.date | None:
        """A date (or a date and time), or for analysts the first day of its month."""
        if value is None or self.identity:
            return value
        if isinstance(value, dt.datetime):
            return value.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return value.replace(day=1)


@dataclass(frozen=True)
class DiversityRecord:
    ethnicity: str
    ethnicity_label: str
    ethnic_group: str
    ethnicity_identified_by: str | None
    ethnicity_identified_by_label: str | None
    ethnicity_identified_on: dt.date | None
    religion: str
    religion_label: str
    disability: str
    disability_label: str
    gender_identity: str | None

    @classmethod
    def shape(cls, profile: DiversityProfile, lens: Lens) -> "DiversityRecord":
        return cls(
            ethnicity=profile.ethnicity,
            ethnicity_label=profile.get_ethnicity_display(),
            ethnic_group=profile.ethnic_group,
            ethnicity_identified_by=profile.ethnicity_identified_by or None,
            ethnicity_identified_by_label=profile.get_ethnicity_identified_by_display() or None,
            ethnicity_identified_on=lens.date(profile.ethnicity_identified_on),
            religion=profile.religion,
            religion_label=profile.get_religion_display(),
            disability=profile.disability,
            disability_label=profile.get_disability_display(),
            # In the person's own words: free text.
            gender_identity=lens.text(profile.gender_identity),
        )


@dataclass(frozen=True)
class PersonRecord(Addressed):
    """A person as this viewer may see them."""

    id: int | None
    token: str | None
    pseudonym: str | None
    crn: str | None
    first_name: str | None
    last_name: str | None
    date_of_birth: dt.date | None
    sex: str
    sex_label: str
    first_language: str
    interpreter_required: bool
    pdu_id: int
    pdu_code: str
    pdu_name: str
    region_name: str
    diversity: DiversityRecord | None
    restricted: bool
    exact_dates: bool

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.first_name is not None else str(self.pseudonym)

    @classmethod
    def shape(
        cls, person: Person, lens: Lens, *, restricted: bool = False, with_diversity: bool = False
    ) -> "PersonRecord":
        """``person`` with ``pdu__region`` loaded, and ``diversity`` too when asked for and the lens shows it
        (a list of people leaves it out)."""
        diversity = None
        if with_diversity and lens.diversity:
            profile = getattr(person, "diversity", None)
            diversity = DiversityRecord.shape(profile, lens) if profile is not None else None
        return cls(
            id=lens.id(person.pk),
            token=lens.token("person", person.pk),
            pseudonym=None if lens.identity else pseudonym(person.pk),
            crn=person.crn if lens.identity else None,
            first_name=person.first_name if lens.identity else None,
            last_name=person.last_name if lens.identity else None,
            date_of_birth=person.date_of_birth if lens.identity else None,
            sex=person.sex,
            sex_label=person.get_sex_display(),
            first_language=person.first_language,
            interpreter_required=person.interpreter_required,
            pdu_id=person.pdu_id,
            pdu_code=person.pdu.code,
            pdu_name=person.pdu.name,
            region_name=person.pdu.region.name,
            diversity=diversity,
            restricted=restricted,
            exact_dates=lens.identity,
        )
