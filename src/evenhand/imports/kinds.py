"""The four kinds of import file (people, sentences, risk, contacts): their columns, how a row is checked, and
how a chunk of checked rows is written.

A row is checked by the rules the services apply when a record is made on screen or through the API (the
``person_details``, ``check_sentence``, ``check_risk_review`` and ``check_contact`` functions they share),
against what one query per chunk has loaded (the people named by CRN that the importer may record casework
on, the sentences named by source id, the CRNs and PNC numbers already held). A chunk of good rows is then
written with a few bulk inserts (``bulk.py``) instead of a service call, and a dozen queries, per row.
"""

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from evenhand.cases.models import (
    Contact,
    ContactOutcome,
    ContactType,
    LengthUnit,
    Offence,
    OffenceCategory,
    OffenceFlag,
    Requirement,
    RequirementType,
    ReviewReason,
    RiskSummary,
    RoshLevel,
    Sentence,
    SentenceType,
    Tier,
    TierSource,
)
from evenhand.cases.services import OffenceInput, RequirementInput
from evenhand.cases.services.contacts import check_contact
from evenhand.cases.services.risk import check_risk_review
from evenhand.cases.services.sentences import check_sentence
from evenhand.cases.signals import tier_inputs_changed_on_commit
from evenhand.org.models import PDU, Role, StaffMember
from evenhand.people.access import visible_people
from evenhand.people.identifiers import crn_format, next_crns, normalise_pnc, used_crn_message
from evenhand.people.models import (
    Address,
    Characteristic,
    Disability,
    DiversityEntry,
    DiversityProfile,
    Ethnicity,
    IdentifiedBy,
    Person,
    Religion,
    Sex,
)
from evenhand.people.services import (
    NOT_RECORDED,
    AddressIn,
    address_row,
    check_diversity_value,
    person_details,
    registering_pdu,
)

from .bulk import insert, insert_values, reserve_ids
from .csvfile import Row
from .models import ImportedRow, ImportKind
from .values import bool_value, choice_value, date_value, datetime_value, int_value, optional_date


@dataclass
class Checked:
    """A row that passed its checks: the unsaved record and the rows that belong to it (an address, the
    offences and requirements of a sentence), or the id of a person already held under its CRN."""

    row: Row
    record: models.Model | None
    parts: list[models.Model] = field(default_factory=list)
    matched_id: int | None = None
    # Rows of the diversity history, as values (a person's id added when it is written).
    diversity: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Context:
    """What an import knows across its chunks: who imports, from which system, the PDUs, and what it has met
    in the file so far (a CRN or a PNC number on two rows is refused on the second)."""

    by: StaffMember
    source: str
    pdus: dict[str, PDU]
    # When the import started: the time its rows of history say they were recorded.
    now: dt.datetime = field(default_factory=timezone.now)
    crn_rows: dict[str, int] = field(default_factory=dict)
    pnc_rows: dict[str, int] = field(default_factory=dict)


def _required_choice(
    text: str, column: str, what: str, choices: type[models.TextChoices] | type[models.IntegerChoices]
) -> str:
    value = choice_value(text, column, what, choices)
    if not value:
        raise ValidationError({column: f"Enter {what}"})
    return value


def _crn_text(row: Row) -> str:
    """The row's CRN as ``crn_format`` tidies it (spaces anywhere dropped, capitals), to look it up."""
    return "".join(row.values.get("crn", "").split()).upper()


def _imported(source: str, kind: str, source_ids: set[str]) -> dict[str, int]:
    """The records already imported from ``source`` under these source ids: source id → record id."""
    return dict(
        ImportedRow.objects.filter(source=source, kind=kind, source_id__in=source_ids).values_list(
            "source_id", "record_id"
        )
    )


class Kind(ABC):
    """One kind of import file."""

    kind: ClassVar[ImportKind]
    # What a file of this kind is called in messages ("a people file").
    label: ClassVar[str]
    required: ClassVar[tuple[str, ...]]
    optional: ClassVar[tuple[str, ...]]
    # A service's field name → the column it comes from, where the two differ.
    columns_of_fields: ClassVar[dict[str, str]] = {}
    # The roles that may import a file of this kind (services.can_import): heads of PDU, into their own PDU,
    # for casework.
    importers: ClassVar[tuple[str, ...]] = (Role.HEAD_OF_PDU,)

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)

    def column_of(self, field_name: str, message: str) -> str:
        """The column a service's complaint about ``field_name`` is about."""
        if field_name in self.columns:
            return field_name
        return self.columns_of_fields.get(field_name, "" if field_name == "__all__" else field_name)

    def prepare(self, rows: Sequence[Row], context: Context) -> None:  # noqa: B027  (most kinds load something)
        """Load, in a few queries, what checking this chunk of rows needs."""

    @abstractmethod
    def check(self, row: Row, context: Context) -> Checked:
        """Check one row by the services' rules; a ``ValidationError`` names what is wrong by field."""

    @abstractmethod
    def write(self, checked: list[Checked], context: Context) -> list[int]:
        """Write a chunk of checked rows; the id of each one's record, in order."""

    def _people_by_crn(self, rows: Sequence[Row], context: Context) -> dict[str, Person]:
        """The people named by the rows' CRNs on whom the importer may record casework (the services'
        ``ensure_can_record``: the importer's role was checked once; the record must be visible to them)."""
        crns = {_crn_text(row) for row in rows} - {""}
        people = visible_people(context.by).filter(crn__in=crns).only("id", "crn", "date_of_birth", "pdu_id")
        return {person.crn: person for person in people}

    def _person(self, people: dict[str, Person], text: str) -> Person:
        crn = crn_format(text)
        person = people.get(crn)
        if person is None:
            raise ValidationError(
                {
                    "crn": f"There is no person with CRN {crn} whose record you have access to: import them first"
                }
            )
        return person


# --- people ------------------------------------------------------------------------------------------------


class PeopleKind(Kind):
    kind = ImportKind.PEOPLE
    label = "people"
    required = ("source_id", "first_name", "last_name", "date_of_birth", "sex")
    optional = (
        "crn",
        "middle_names",
        "preferred_name",
        "pnc",
        "first_language",
        "interpreter_required",
        "phone",
        "email",
        "pdu",
        "address_line_1",
        "address_line_2",
        "town",
        "postcode",
        "address_from",
        "ethnicity",
        "religion",
        "disability",
        "diversity_identified_by",
        "diversity_identified_on",
    )
    columns_of_fields = {
        "addresses.0.line_1": "address_line_1",
        "addresses.0.line_2": "address_line_2",
        "addresses.0.town": "town",
        "addresses.0.postcode": "postcode",
        "addresses.0.start_date": "address_from",
        "addresses.0.end_date": "address_from",
    }
    ADDRESS = ("address_line_1", "address_line_2", "town", "postcode", "address_from")
    # The characteristics of the diversity profile a file may carry, each with its choices.
    DIVERSITY: ClassVar[dict[str, tuple[str, type[models.TextChoices]]]] = {
        "ethnicity": (Characteristic.ETHNICITY, Ethnicity),
        "religion": (Characteristic.RELIGION, Religion),
        "disability": (Characteristic.DISABILITY, Disability),
    }

    def prepare(self, rows: Sequence[Row], context: Context) -> None:
        crns = {_crn_text(row) for row in rows} - {""}
        self.held = {
            crn: (pk, born)
            for crn, pk, born in Person.objects.filter(crn__in=crns).values_list("crn", "id", "date_of_birth")
        }
        self.visible = set(visible_people(context.by).filter(crn__in=crns).values_list("id", flat=True))
        pncs = set()
        for row in rows:
            try:
                pncs.add(normalise_pnc(row.values.get("pnc", "")))
            except ValidationError:
                continue
        self.pncs = dict(Person.objects.filter(pnc__in=pncs - {""}).values_list("pnc", "id"))

    def check(self, row: Row, context: Context) -> Checked:
        values = row.values
        crn = crn_format(values["crn"]) if values.get("crn", "").strip() else None
        if crn is not None:
            first = context.crn_rows.setdefault(crn, row.number)
            if first != row.number:
                raise ValidationError({"crn": f"CRN {crn} is also on row {first}: a person is on one row"})
        date_of_birth = date_value(values["date_of_birth"], "date_of_birth", "the date of birth")
        details = person_details(
            first_name=values["first_name"],
            last_name=values["last_name"],
            date_of_birth=date_of_birth,
            middle_names=values.get("middle_names", ""),
            preferred_name=values.get("preferred_name", ""),
            pnc=values.get("pnc", ""),
            first_language=values.get("first_language", "") or "English",
            phone=values.get("phone", ""),
            email=values.get("email", ""),
        )
        sex = _required_choice(values["sex"], "sex", "the sex (M, F or N for not known)", Sex)
        code = values.get("pdu", "").strip().upper()
        pdu = context.pdus.get(code) if code else None
        if code and pdu is None:
            raise ValidationError({"pdu": f"There is no PDU with the code {code}"})
        person = Person(
            crn=crn or "",
            sex=sex,
            pdu=registering_pdu(context.by, pdu),
            interpreter_required=bool_value(
                values.get("interpreter_required", ""),
                "interpreter_required",
                "whether an interpreter is needed",
            ),
            **details,
        )
        # The fields' own rules (choices, lengths); the CRN's format is checked above, or Evenhand gives it.
        person.clean_fields(exclude=["crn", "pdu"])
        matched_id = None
        if crn is not None and crn in self.held:
            pk, born = self.held[crn]
            # The same person, already held (registered by hand, or imported from another system): linked, not
            # duplicated. Someone else's CRN, or a record the importer may not see, is refused as on screen.
            if pk not in self.visible or born != date_of_birth:
                raise ValidationError({"crn": used_crn_message(crn)})
            matched_id = pk
        pnc = details["pnc"]
        if pnc:
            first = context.pnc_rows.setdefault(pnc, row.number)
            if first != row.number:
                raise ValidationError({"pnc": f"PNC number {pnc} is also on row {first}"})
            if self.pncs.get(pnc, matched_id) != matched_id:
                raise ValidationError({"pnc": "Another person's record has this PNC number"})
        if matched_id is not None:
            return Checked(row, None, matched_id=matched_id)
        parts: list[models.Model] = []
        if any(values.get(column, "").strip() for column in self.ADDRESS):
            address = AddressIn(
                line_1=values.get("address_line_1", ""),
                line_2=values.get("address_line_2", ""),
                town=values.get("town", ""),
                postcode=values.get("postcode", ""),
                start_date=date_value(
                    values.get("address_from", ""), "address_from", "the date they have lived there from"
                ),
            )
            parts.append(address_row(person, context.by, address, 0))
        return Checked(row, person, parts, diversity=self._diversity(values, person, context))

    def _diversity(self, values: dict[str, str], person: Person, context: Context) -> list[dict[str, Any]]:
        """The profile's values the row gives (none "not recorded": that is what a new profile holds), each a
        row of its history, checked as ``record_diversity_value`` checks it: who identified it and when."""
        given = {
            column: choice_value(values.get(column, ""), column, f"the {column}", choices)
            for column, (_, choices) in self.DIVERSITY.items()
        }
        given = {column: value for column, value in given.items() if value and value != NOT_RECORDED[column]}
        if not given:
            return []
        identified_by = choice_value(
            values.get("diversity_identified_by", ""),
            "diversity_identified_by",
            "who identified the diversity values (self or staff)",
            IdentifiedBy,
        )
        identified_on = date_value(
            values.get("diversity_identified_on", ""),
            "diversity_identified_on",
            "the date they were identified",
        )
        entries: list[dict[str, Any]] = []
        for column, value in given.items():
            characteristic = self.DIVERSITY[column][0]
            try:
                check_diversity_value(person, characteristic, value, identified_by, identified_on)
            except ValidationError as error:
                fields = {"value": column, "identified_by": "diversity_identified_by"}
                fields["identified_on"] = "diversity_identified_on"
                raise ValidationError(
                    {fields.get(name, name): messages for name, messages in error.message_dict.items()}
                ) from None
            entries.append(
                {
                    "characteristic": characteristic,
                    "value": value,
                    "identified_by": identified_by,
                    "identified_on": identified_on,
                    "recorded_by_id": context.by.pk,
                    "recorded_at": context.now,
                }
            )
        return entries

    def write(self, checked: list[Checked], context: Context) -> list[int]:
        new = [c for c in checked if c.record is not None]
        people: list[Person] = [c.record for c in new]  # type: ignore[misc]
        unnumbered = [person for person in people if not person.crn]
        given = next_crns(len(unnumbered), skip=context.crn_rows)
        for person, crn in zip(unnumbered, given, strict=True):
            person.crn = crn
        for person, pk in zip(people, reserve_ids(Person, len(people)), strict=True):
            person.pk = pk
        insert(Person, people)
        # Registering a person gives them a diversity profile (create_person); the values the row gives are
        # each a row of its history and, identified today or before, the values in force (_sync_profile).
        entries = []
        profiles = []
        for c in new:
            person_id = c.record.pk  # type: ignore[union-attr]
            profile: dict[str, Any] = {"person_id": person_id}
            for entry in c.diversity:
                entries.append({**entry, "person_id": person_id})
                profile[entry["characteristic"]] = entry["value"]
                if entry["characteristic"] == Characteristic.ETHNICITY:
                    profile["ethnicity_identified_by"] = entry["identified_by"]
                    profile["ethnicity_identified_on"] = entry["identified_on"]
            profiles.append(profile)
        insert_values(DiversityEntry, entries)
        insert_values(DiversityProfile, profiles)
        addresses = [part for c in new for part in c.parts if isinstance(part, Address)]
        for address in addresses:
            address.person_id = address.person.pk
        insert(Address, addresses)
        return [c.matched_id if c.record is None else c.record.pk for c in checked]  # type: ignore[misc]


# --- sentences ---------------------------------------------------------------------------------------------


def _flags(text: str) -> dict[str, bool]:
    flags = {}
    for part in text.replace(",", ";").split(";"):
        if part.strip():
            flags[choice_value(part, "offence_flags", "each flag", OffenceFlag)] = True
    return flags


# The unit each requirement's number is in: hours of unpaid work, days of a RAR, months of anything else.
def _requirements(text: str) -> list[RequirementInput]:
    requirements = []
    for part in text.split(";"):
        if not part.strip():
            continue
        name, _, number_text = part.partition(":")
        kind = choice_value(name, "requirements", "each requirement's type", RequirementType)
        number = int_value(number_text, "requirements", f"the {kind} requirement's number")
        if kind == RequirementType.UNPAID_WORK:
            requirements.append(RequirementInput(type=kind, unpaid_work_hours=number))
        elif kind == RequirementType.RAR:
            requirements.append(RequirementInput(type=kind, rar_days=number))
        else:
            requirements.append(RequirementInput(type=kind, length_months=number))
    return requirements


class SentencesKind(Kind):
    kind = ImportKind.SENTENCES
    label = "sentences"
    required = ("source_id", "crn", "type", "court", "start_date", "offence_category")
    optional = (
        "expected_end_date",
        "length",
        "length_unit",
        "offence_description",
        "offence_date",
        "offence_flags",
        "requirements",
        "custody_source_id",
    )
    columns_of_fields = {"custody": "custody_source_id", "person": "crn"}

    def column_of(self, field_name: str, message: str) -> str:
        if field_name == "offences":
            return "offence_description" if "description" in message else "offence_date"
        return super().column_of(field_name, message)

    def prepare(self, rows: Sequence[Row], context: Context) -> None:
        self.people = self._people_by_crn(rows, context)
        wanted = {row.values.get("custody_source_id", "").strip() for row in rows} - {""}
        ids = _imported(context.source, ImportKind.SENTENCES, wanted)
        custody = Sentence.objects.in_bulk(list(ids.values()))
        self.custody = {source_id: custody[pk] for source_id, pk in ids.items() if pk in custody}

    def check(self, row: Row, context: Context) -> Checked:
        values = row.values
        person = self._person(self.people, values["crn"])
        custody_id = values.get("custody_source_id", "").strip()
        custody = self.custody.get(custody_id) if custody_id else None
        if custody_id and custody is None:
            raise ValidationError(
                {
                    "custody_source_id": f"No sentence with source id {custody_id} has been imported from "
                    f"{context.source}: import the custody sentences first"
                }
            )
        offence = OffenceInput(
            category=_required_choice(
                values["offence_category"], "offence_category", "the main offence's category", OffenceCategory
            ),
            description=values.get("offence_description", ""),
            is_main=True,
            committed_on=optional_date(
                values.get("offence_date", ""), "offence_date", "the date of the offence"
            ),
            **_flags(values.get("offence_flags", "")),
        )
        length_unit = choice_value(values.get("length_unit", ""), "length_unit", "the unit", LengthUnit)
        requirements = _requirements(values.get("requirements", ""))
        sentence, offences = check_sentence(
            person=person,
            type=_required_choice(values["type"], "type", "the type of sentence", SentenceType),
            court=values["court"],
            start_date=date_value(values["start_date"], "start_date", "the date of sentence"),
            expected_end_date=optional_date(
                values.get("expected_end_date", ""), "expected_end_date", "the expected end date"
            ),
            offences=[offence],
            requirements=requirements,
            length=int_value(values.get("length", ""), "length", "the length"),
            length_unit=length_unit,
            custody=custody,
        )
        parts: list[models.Model] = [Offence(sentence=sentence, **o.__dict__) for o in offences]
        parts += [Requirement(sentence=sentence, **r.__dict__) for r in requirements]
        for part in parts:
            part.clean_fields(exclude=["sentence"])
        return Checked(row, sentence, parts)

    def write(self, checked: list[Checked], context: Context) -> list[int]:
        sentences: list[Sentence] = [c.record for c in checked]  # type: ignore[misc]
        for sentence, pk in zip(sentences, reserve_ids(Sentence, len(sentences)), strict=True):
            sentence.pk = pk
        insert(Sentence, sentences)
        parts: list[Offence | Requirement] = [part for c in checked for part in c.parts]  # type: ignore[misc]
        for part in parts:
            part.sentence_id = part.sentence.pk
        insert(Offence, [p for p in parts if isinstance(p, Offence)])
        insert(Requirement, [p for p in parts if isinstance(p, Requirement)])
        return [sentence.pk for sentence in sentences]


# --- risk --------------------------------------------------------------------------------------------------


class RiskKind(Kind):
    kind = ImportKind.RISK
    label = "risk"
    required = (
        "source_id",
        "crn",
        "assessed_on",
        "rosh_children",
        "rosh_public",
        "rosh_known_adult",
        "rosh_staff",
        "next_review_due",
        "review_reason",
        "tier",
    )
    optional = ("rosh", "tier_source", "mappa_category", "mappa_level")
    columns_of_fields = {"person": "crn"}

    def prepare(self, rows: Sequence[Row], context: Context) -> None:
        self.people = self._people_by_crn(rows, context)

    def check(self, row: Row, context: Context) -> Checked:
        values = row.values
        person = self._person(self.people, values["crn"])
        levels = {
            column: _required_choice(
                values[column], column, f"the {column.replace('_', ' ')} level", RoshLevel
            )
            for column in ("rosh_children", "rosh_public", "rosh_known_adult", "rosh_staff")
        }
        summary = check_risk_review(
            by=context.by,
            person=person,
            assessed_on=date_value(values["assessed_on"], "assessed_on", "the date of the review"),
            next_review_due=date_value(
                values["next_review_due"], "next_review_due", "the next review's date"
            ),
            review_reason=_required_choice(
                values["review_reason"], "review_reason", "why the review was done", ReviewReason
            ),
            tier=_required_choice(values["tier"], "tier", "the tier", Tier),
            # A tier that comes from another system says so, unless the file says where it came from.
            tier_source=choice_value(
                values.get("tier_source", ""), "tier_source", "the tier's source", TierSource
            )
            or TierSource.IMPORTED,
            rosh=choice_value(values.get("rosh", ""), "rosh", "the overall level", RoshLevel) or None,
            mappa_category=int_value(
                values.get("mappa_category", ""), "mappa_category", "the MAPPA category"
            ),
            mappa_level=int_value(values.get("mappa_level", ""), "mappa_level", "the MAPPA level"),
            **levels,
        )
        return Checked(row, summary)

    def write(self, checked: list[Checked], context: Context) -> list[int]:
        summaries: list[RiskSummary] = [c.record for c in checked]  # type: ignore[misc]
        for summary, pk in zip(summaries, reserve_ids(RiskSummary, len(summaries)), strict=True):
            summary.pk = pk
        insert(RiskSummary, summaries)
        # As record_risk_review does: the apps built on the case record (the tier calculation) hear of each
        # person's new review once the import commits, and not at all if it does not.
        for person_id in dict.fromkeys(summary.person_id for summary in summaries):
            tier_inputs_changed_on_commit(person_id=person_id, trigger="risk_review")
        return [summary.pk for summary in summaries]


# --- contacts ----------------------------------------------------------------------------------------------


class ContactsKind(Kind):
    kind = ImportKind.CONTACTS
    label = "contacts"
    required = ("source_id", "crn", "sentence_source_id", "type", "starts_at")
    optional = ("location", "outcome", "notes")
    columns_of_fields = {"sentence": "sentence_source_id", "person": "crn"}

    def prepare(self, rows: Sequence[Row], context: Context) -> None:
        wanted = {row.values.get("sentence_source_id", "").strip() for row in rows} - {""}
        ids = _imported(context.source, ImportKind.SENTENCES, wanted)
        sentences = Sentence.objects.select_related("person").in_bulk(list(ids.values()))
        visible = set(
            visible_people(context.by)
            .filter(pk__in={s.person_id for s in sentences.values()})
            .values_list("id", flat=True)
        )
        self.sentences = {
            source_id: sentences[pk]
            for source_id, pk in ids.items()
            if pk in sentences and sentences[pk].person_id in visible
        }

    def check(self, row: Row, context: Context) -> Checked:
        values = row.values
        crn = crn_format(values["crn"])
        source_id = values["sentence_source_id"].strip()
        sentence = self.sentences.get(source_id)
        if sentence is None:
            raise ValidationError(
                {
                    "sentence_source_id": f"No sentence with source id {source_id or '(none)'} whose record you "
                    f"have access to has been imported from {context.source}: import the sentences first"
                }
            )
        if sentence.person.crn != crn:
            raise ValidationError({"crn": f"The sentence with source id {source_id} is another person's"})
        contact = check_contact(
            by=context.by,
            sentence=sentence,
            type=_required_choice(values["type"], "type", "the type of contact", ContactType),
            starts_at=datetime_value(values["starts_at"], "starts_at", "the date and time of the contact"),
            location=values.get("location", ""),
            notes=values.get("notes", ""),
            outcome=choice_value(values.get("outcome", ""), "outcome", "the outcome", ContactOutcome),
        )
        return Checked(row, contact)

    def write(self, checked: list[Checked], context: Context) -> list[int]:
        contacts: list[Contact] = [c.record for c in checked]  # type: ignore[misc]
        for contact, pk in zip(contacts, reserve_ids(Contact, len(contacts)), strict=True):
            contact.pk = pk
        insert(Contact, contacts)
        return [contact.pk for contact in contacts]


# Imported here, below every name it uses from this module: the staff-events kind has a module of its own.
from .staff_events import StaffEventsKind  # noqa: E402

KINDS: dict[str, type[Kind]] = {
    kind.kind.value: kind for kind in (PeopleKind, SentencesKind, RiskKind, ContactsKind, StaffEventsKind)
}


def kind_of(name: str) -> Kind:
    """A new import of the kind called ``name`` (people, sentences, risk, contacts): it keeps what it loads
    for the chunk it is checking, so each import has its own."""
    return KINDS[name]()
