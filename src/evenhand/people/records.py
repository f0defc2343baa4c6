"""Records shaped for the viewer's role: what a page, an export or an API response may show of a person.

The door builds these from the models; nothing that shows a person renders a model directly. For analysts a
record carries a pseudonym and an opaque token instead of the name, date of birth, CRN and id, no free text,
and dates to the month (the first day of the month stands for the month). Diversity is present only for the
roles whose work needs it.
"""

import datetime as dt
from dataclasses import dataclass
from typing import overload

from evenhand.core.dates import MonthOnly, MonthOnlyTime
from evenhand.org.models import StaffMember

from .access import can_record_casework, can_see_diversity, can_see_identity, pseudonym, record_token
from .models import VALUES_OF, Address, Characteristic, DiversityEntry, DiversityProfile, Person


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
        # Marked as known to the month, so that every page writes it as "March 2026", never as a day.
        if isinstance(value, dt.datetime):
            return MonthOnlyTime.of(value)
        return MonthOnly.of(value)


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
    # From the history, on the full record only (a list leaves them None).
    sexual_orientation: str | None = None
    sexual_orientation_label: str | None = None
    gender_identity_value: str | None = None
    gender_identity_label: str | None = None
    adjustments: str | None = None

    @classmethod
    def shape(
        cls, profile: DiversityProfile, lens: Lens, entries: dict[str, DiversityEntry] | None = None
    ) -> "DiversityRecord":
        entries = entries or {}
        orientation = entries.get(Characteristic.SEXUAL_ORIENTATION)
        gender = entries.get(Characteristic.GENDER_IDENTITY)
        disability = entries.get(Characteristic.DISABILITY)
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
            sexual_orientation=orientation.value if orientation else None,
            sexual_orientation_label=entry_label(orientation) if orientation else None,
            gender_identity_value=gender.value if gender else None,
            gender_identity_label=entry_label(gender) if gender else None,
            adjustments=lens.text(disability.detail) if disability and disability.detail else None,
        )


def entry_label(entry: DiversityEntry) -> str:
    """The label of a history row's value, from its characteristic's choices."""
    choices = dict(VALUES_OF[entry.characteristic].choices)
    return str(choices.get(entry.value, entry.value))


@dataclass(frozen=True)
class DiversityEntryRecord:
    """One row of a diversity history as the viewer may see it: no staff names, free text or ids for
    analysts."""

    id: int | None
    characteristic: str
    characteristic_label: str
    value: str
    value_label: str
    detail: str | None
    identified_by: str | None
    identified_by_label: str | None
    identified_on: dt.date
    carried_over: bool
    recorded_by_name: str | None
    recorded_at: dt.datetime
    # Entered in error and corrected by a later row (never in force); or the correction of an earlier row.
    is_corrected: bool = False
    is_correction: bool = False
    correction_reason: str | None = None

    @classmethod
    def shape(cls, entry: DiversityEntry, lens: Lens) -> "DiversityEntryRecord":
        """``entry`` with ``recorded_by`` loaded (and ``corrected_by`` for a history)."""
        return cls(
            id=lens.id(entry.pk),
            characteristic=entry.characteristic,
            characteristic_label=entry.get_characteristic_display(),
            value=entry.value,
            value_label=entry_label(entry),
            detail=lens.text(entry.detail) or None,
            identified_by=entry.identified_by or None,
            identified_by_label=entry.get_identified_by_display() or None,
            identified_on=lens.date(entry.identified_on),
            carried_over=entry.carried_over,
            recorded_by_name=lens.text(entry.recorded_by.full_name) if entry.recorded_by else None,
            recorded_at=lens.date(entry.recorded_at),
            is_corrected=getattr(entry, "corrected_by", None) is not None,
            is_correction=entry.corrects_id is not None,
            correction_reason=lens.text(entry.correction_reason) or None,
        )


@dataclass(frozen=True)
class AddressRecord:
    line_1: str
    line_2: str
    town: str
    postcode: str
    start_date: dt.date
    end_date: dt.date | None

    @classmethod
    def shape(cls, address: Address) -> "AddressRecord":
        return cls(
            line_1=address.line_1,
            line_2=address.line_2,
            town=address.town,
            postcode=address.postcode,
            start_date=address.start_date,
            end_date=address.end_date,
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
    # Identity details: None (or empty) for analysts.
    middle_names: str | None = None
    preferred_name: str | None = None
    pnc: str | None = None
    phone: str | None = None
    email: str | None = None
    addresses: tuple[AddressRecord, ...] = ()
    # Who manages a restricted record's lists (names; empty for analysts and for a record not restricted).
    managed_by: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.first_name is not None else str(self.pseudonym)

    @classmethod
    def shape(
        cls,
        person: Person,
        lens: Lens,
        *,
        restricted: bool = False,
        with_diversity: bool = False,
        entries: dict[str, DiversityEntry] | None = None,
        addresses: list[Address] | None = None,
        managed_by: tuple[str, ...] = (),
    ) -> "PersonRecord":
        """``person`` with ``pdu__region`` loaded, and ``diversity`` too when asked for and the lens shows it
        (a list of people leaves it out). ``entries`` (the diversity history in force today), ``addresses``
        and ``managed_by`` are for the full record."""
        diversity = None
        if with_diversity and lens.diversity:
            profile = getattr(person, "diversity", None)
            diversity = DiversityRecord.shape(profile, lens, entries) if profile is not None else None
        identity = lens.identity
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
            middle_names=person.middle_names if identity else None,
            preferred_name=(person.preferred_name or None) if identity else None,
            pnc=(person.pnc or None) if identity else None,
            phone=(person.phone or None) if identity else None,
            email=(person.email or None) if identity else None,
            addresses=tuple(AddressRecord.shape(a) for a in addresses or ()) if identity else (),
            managed_by=managed_by if identity else (),
        )


@dataclass(frozen=True)
class DiversityPage:
    """A person's diversity profile page: the values in force today and the whole history."""

    person: PersonRecord
    history: tuple[DiversityEntryRecord, ...]
    can_record: bool
    can_manage_access: bool = False


@dataclass(frozen=True)
class AccessEntryRecord:
    list_name: str
    staff_id: int
    staff_code: str
    staff_name: str
    staff_role: str
    reason: str
    review_on: dt.date | None
    added_by_name: str | None
    added_at: dt.datetime


@dataclass(frozen=True)
class AccessPage:
    """Who may see a person's record, for a manager of its lists."""

    person: PersonRecord
    exclusions: tuple[AccessEntryRecord, ...]
    restrictions: tuple[AccessEntryRecord, ...]


@dataclass(frozen=True)
class CandidateRecord:
    """A possible duplicate the registrar may see (the door shows no other)."""

    person: PersonRecord
    reason: str


@dataclass(frozen=True)
class PersonChangeRecord:
    field: str
    old_value: str
    new_value: str
    reason: str
    changed_by_name: str | None
    changed_at: dt.datetime


@dataclass(frozen=True)
class DetailsPage:
    """A person's details for a casework role correcting them, with the changes made before. ``model`` is the
    person, for the service the form calls."""

    model: Person
    person: PersonRecord
    changes: tuple[PersonChangeRecord, ...]
