"""Writes to person records: registering a person, their diversity profile and who may see their record."""

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from evenhand.audit.models import Channel
from evenhand.audit.services import log_access_change
from evenhand.core.dates import age_on
from evenhand.core.services import (
    LANGUAGE,
    LINE,
    NAME,
    SHORT_TEXT,
    plain_text,
    require_past,
    require_text,
    validated,
)
from evenhand.org.access import is_current
from evenhand.org.models import PDU, Role, StaffMember

from .access import can_record_casework, ensure_can_record, ensure_can_view
from .duplicates import Candidate, possible_duplicates
from .identifiers import entered_crn, next_crn, normalise_pnc
from .models import (
    VALUES_OF,
    Address,
    Characteristic,
    DistinctPersonNote,
    DiversityEntry,
    DiversityProfile,
    Ethnicity,
    Exclusion,
    GenderIdentity,
    IdentifiedBy,
    Person,
    PersonChange,
    Restriction,
)
from .selectors import entries_in_force

# The ages at which a person can be on probation: 10 is the age of criminal responsibility in England and
# Wales; beyond 110 a date of birth is a typing error.
MIN_AGE, MAX_AGE = 10, 110
POSTCODE = r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\Z"


def plausible_age(date_of_birth: dt.date, on: dt.date) -> bool:
    """Whether someone born on ``date_of_birth`` is of an age to be on probation on ``on``."""
    return MIN_AGE <= age_on(date_of_birth, on) <= MAX_AGE


@dataclass(frozen=True)
class AddressIn:
    """An address as a form or the API gives it."""

    line_1: str
    town: str
    postcode: str
    start_date: dt.date
    line_2: str = ""
    end_date: dt.date | None = None


class PossibleDuplicates(ValidationError):
    """People already held may be the person being registered: the user must link to one of them (and not
    register) or say why this is a different person (``distinct_reason``)."""

    def __init__(self, candidates: list[Candidate]) -> None:
        self.candidates = candidates
        count = len(candidates)
        super().__init__(
            {
                "distinct_reason": (
                    f"{count} {'person' if count == 1 else 'people'} already held may be this person: open "
                    f"{'their record' if count == 1 else 'one of their records'} instead, or say why this is "
                    "a different person"
                )
            }
        )


def address_row(person: Person, by: StaffMember, address: AddressIn, index: int) -> Address:
    """An address checked (postcode, dates, lines), as an unsaved row recorded by ``by``; problems are named
    ``addresses.<index>.<field>``. No query: an import builds a chunk of them before writing."""
    field = f"addresses.{index}"
    postcode = " ".join((address.postcode or "").upper().split())
    if not re.match(POSTCODE, postcode):
        raise ValidationError({f"{field}.postcode": "Enter a real postcode, like LS1 4AP"})
    require_past(address.start_date, f"{field}.start_date", "The date they lived there from")
    if address.end_date is not None and address.end_date < address.start_date:
        raise ValidationError({f"{field}.end_date": "The end date must be on or after the start date"})
    return Address(
        person=person,
        line_1=require_text(address.line_1, f"{field}.line_1", "address line 1", kind=LINE),
        line_2=plain_text(address.line_2, f"{field}.line_2", "address line 2", kind=LINE),
        town=require_text(address.town, f"{field}.town", "the town or city", kind=LINE),
        postcode=postcode,
        start_date=address.start_date,
        end_date=address.end_date,
        recorded_by=by,
    )


def _phone(phone: str) -> str:
    phone = plain_text(phone, "phone", "the phone number", kind=NAME)
    if phone and (not all(c.isdigit() or c in " +()-" for c in phone) or len(phone) > 20):
        raise ValidationError({"phone": "Enter a phone number, like 0113 496 0000 or +44 7700 900000"})
    return phone


def _email(email: str) -> str:
    email = plain_text(email, "email", "the email address", kind=LINE)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": "Enter an email address, like name@example.com"}) from None
    return email


def _check_date_of_birth(date_of_birth: dt.date) -> None:
    require_past(date_of_birth, "date_of_birth", "Date of birth")
    today = timezone.localdate()
    if not plausible_age(date_of_birth, today):
        raise ValidationError(
            {
                "date_of_birth": f"Date of birth must give an age of {MIN_AGE} to {MAX_AGE} "
                f"(it gives {age_on(date_of_birth, today)})"
            }
        )


def person_details(
    *,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date,
    middle_names: str = "",
    preferred_name: str = "",
    pnc: str = "",
    first_language: str = "English",
    phone: str = "",
    email: str = "",
) -> dict[str, Any]:
    """A new person's details checked and tidied, each problem named by its field, without reading the
    database: ``create_person`` and an import (which checks a chunk of rows before writing it) share it."""
    _check_date_of_birth(date_of_birth)
    return {
        "first_name": require_text(first_name, "first_name", "the first name", kind=NAME),
        "middle_names": plain_text(middle_names, "middle_names", "the middle names", kind=NAME),
        "last_name": require_text(last_name, "last_name", "the last name", kind=NAME),
        "preferred_name": plain_text(preferred_name, "preferred_name", "the preferred name", kind=NAME),
        "date_of_birth": date_of_birth,
        "pnc": normalise_pnc(pnc),
        "first_language": plain_text(first_language, "first_language", "the first language", kind=LANGUAGE)
        or "English",
        "phone": _phone(phone),
        "email": _email(email),
    }


def registering_pdu(by: StaffMember, pdu: PDU | None) -> PDU:
    """The PDU a person registered by ``by`` is managed in: their own (``pdu`` None means it), never another,
    or they would create a record they cannot then open."""
    if pdu is None:
        pdu = by.team.pdu if by.team is not None else None
    if pdu is None or pdu.pk != by.pdu_id:
        raise ValidationError({"pdu": "You can register people only in your own PDU"})
    return pdu


@transaction.atomic
def create_person(
    *,
    by: StaffMember,
    crn: str | None = None,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date,
    sex: str,
    pdu: PDU | None = None,
    middle_names: str = "",
    preferred_name: str = "",
    pnc: str = "",
    first_language: str = "English",
    interpreter_required: bool = False,
    phone: str = "",
    email: str = "",
    gender_identity: str = "",
    gender_identity_words: str = "",
    addresses: Sequence[AddressIn] = (),
    distinct_reason: str = "",
    check_duplicates: bool = True,
) -> Person:
    """Register a person on probation with a diversity profile (nothing recorded but the gender identity they
    gave, if any).

    Only the casework roles (practitioners, SPOs, heads of PDU) register people, in their own PDU;
    administrators, analysts and inspectors are read only (``pdu`` is the registrar's own by default). The CRN is the next Evenhand gives (``crn`` None)
    or the one the person already has (format and uniqueness checked).

    Before anything is written, people already held with the same PNC number, or the same date of birth and a
    similar name, are looked for: if there are any, ``PossibleDuplicates`` is raised unless ``distinct_reason``
    says why this is a different person; that reason is kept against each of them. ``check_duplicates`` is off
    only for bulk loads of records that another system has already matched.
    """
    if not can_record_casework(by):
        raise PermissionDenied(
            "Only practitioners, senior probation officers and heads of PDU can register people."
        )
    pdu = registering_pdu(by, pdu)
    details = person_details(
        first_name=first_name,
        last_name=last_name,
        date_of_birth=date_of_birth,
        middle_names=middle_names,
        preferred_name=preferred_name,
        pnc=pnc,
        first_language=first_language,
        phone=phone,
        email=email,
    )
    first_name, middle_names, last_name = details["first_name"], details["middle_names"], details["last_name"]
    preferred_name, pnc = details["preferred_name"], details["pnc"]
    today = timezone.localdate()
    if gender_identity and gender_identity not in GenderIdentity.values:
        raise ValidationError({"gender_identity": "Select how the person describes their gender identity"})
    distinct_reason = plain_text(distinct_reason, "distinct_reason", "the reason", kind=SHORT_TEXT)
    crn = next_crn() if crn is None else entered_crn(crn)
    candidates = (
        possible_duplicates(
            first_name=first_name,
            middle_names=middle_names,
            last_name=last_name,
            preferred_name=preferred_name,
            date_of_birth=date_of_birth,
            pnc=pnc,
        )
        if check_duplicates
        else []
    )
    if candidates and not distinct_reason:
        raise PossibleDuplicates(candidates)
    person = validated(
        Person(crn=crn, sex=sex, pdu=pdu, interpreter_required=interpreter_required, **details)
    )
    person.save()
    rows = [address_row(person, by, address, i) for i, address in enumerate(addresses)]
    Address.objects.bulk_create(rows)
    DistinctPersonNote.objects.bulk_create(
        DistinctPersonNote(person=person, other=c.person, reason=distinct_reason, recorded_by=by)
        for c in candidates
    )
    DiversityProfile.objects.create(person=person)
    if gender_identity and gender_identity != GenderIdentity.NOT_RECORDED:
        record_diversity_value(
            by=by,
            person=person,
            characteristic=Characteristic.GENDER_IDENTITY,
            value=gender_identity,
            identified_by=IdentifiedBy.SELF,
            identified_on=today,
            detail=gender_identity_words,
        )
    return person


# --- correcting a person's details ------------------------------------------------------------------------------

CORRECTABLE = (
    "first_name",
    "middle_names",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "sex",
    "pnc",
    "first_language",
    "interpreter_required",
    "phone",
    "email",
)


@transaction.atomic
def correct_person(*, by: StaffMember, person: Person, reason: str, **changes: object) -> list[PersonChange]:
    """Correct or update a person's details (names, date of birth, sex, PNC number, language, contact details):
    each field that changes keeps a row with the value before and after, who changed it and why. The CRN is
    never changed. Casework roles who may see the record only; the same rules as registering."""
    ensure_can_record(by, person)
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise ValidationError({unknown[0]: "This detail cannot be changed here"})
    reason = require_text(reason, "reason", "the reason for the change", kind=SHORT_TEXT)
    person = Person.objects.select_for_update().get(pk=person.pk)
    clean: dict[str, object] = {}
    for field, value in changes.items():
        if field in ("first_name", "last_name"):
            clean[field] = require_text(str(value), field, f"the {field.replace('_', ' ')}", kind=NAME)
        elif field in ("middle_names", "preferred_name"):
            clean[field] = plain_text(str(value or ""), field, f"the {field.replace('_', ' ')}", kind=NAME)
        elif field == "pnc":
            pnc = normalise_pnc(str(value or ""))
            if pnc and Person.objects.filter(pnc=pnc).exclude(pk=person.pk).exists():
                raise ValidationError({"pnc": "Another person's record has this PNC number"})
            clean[field] = pnc
        elif field == "first_language":
            clean[field] = (
                plain_text(str(value or ""), field, "the first language", kind=LANGUAGE) or "English"
            )
        elif field == "phone":
            clean[field] = _phone(str(value or ""))
        elif field == "email":
            clean[field] = _email(str(value or ""))
        elif field == "date_of_birth":
            if not isinstance(value, dt.date):
                raise ValidationError({"date_of_birth": "Enter the date of birth"})
            _check_date_of_birth(value)
            clean[field] = value
        elif field == "interpreter_required":
            clean[field] = bool(value)
        else:
            clean[field] = value
    rows = []
    for field, value in clean.items():
        before = getattr(person, field)
        if before == value:
            continue
        setattr(person, field, value)
        rows.append(
            PersonChange(
                person=person,
                field=field,
                old_value=str(before)[:200],
                new_value=str(value)[:200],
                reason=reason,
                changed_by=by,
            )
        )
    if not rows:
        raise ValidationError({"__all__": "Nothing has changed"})
    validated(person)
    person.save()
    return PersonChange.objects.bulk_create(rows)


@transaction.atomic
def add_address(
    *, by: StaffMember, person: Person, address: AddressIn, replaces_current: bool = False
) -> Address:
    """Add an address with its dates. ``replaces_current`` ends the addresses they live at now on the day
    before the new one starts (a move), so the history of where they lived has no overlap."""
    ensure_can_record(by, person)
    row = address_row(person, by, address, 0)
    if replaces_current:
        current = Address.objects.select_for_update().filter(person=person, end_date__isnull=True)
        ended = row.start_date - dt.timedelta(days=1)
        if current.filter(start_date__gt=ended).exists():
            raise ValidationError(
                {"addresses.0.start_date": "The new address must start after the current one started"}
            )
        current.update(end_date=ended)
    row.save()
    return row


# --- the diversity profile ------------------------------------------------------------------------------------

# Staff may record what they observe only where the person was not asked and it can be seen: ethnicity and
# disability. Religion, sexual orientation and gender identity are only ever what the person says.
OBSERVABLE = (Characteristic.ETHNICITY, Characteristic.DISABILITY)
NOT_RECORDED = {c: VALUES_OF[c].NOT_RECORDED.value for c in VALUES_OF}  # type: ignore[attr-defined]
PREFER_NOT_TO_SAY = {c: VALUES_OF[c].PREFER_NOT_TO_SAY.value for c in VALUES_OF}  # type: ignore[attr-defined]
# The values each characteristic may take, and who may identify one, as sets: an import checks every row's.
_VALUES = {c: frozenset(VALUES_OF[c].values) for c in VALUES_OF}
_IDENTIFIED_BY = frozenset(IdentifiedBy.values)


def _carry_over(person: Person, characteristic: str, before: dt.date) -> None:
    """The first change to a characteristic recorded before its history was kept (a profile loaded in bulk)
    keeps the old value as the history's first row, so that the value in force before the change is known."""
    if DiversityEntry.objects.filter(person=person, characteristic=characteristic).exists():
        return
    profile = DiversityProfile.objects.filter(person=person).first()
    if profile is None:
        return
    held: dict[str, str] = {
        Characteristic.ETHNICITY: profile.ethnicity,
        Characteristic.RELIGION: profile.religion,
        Characteristic.DISABILITY: profile.disability,
    }
    value = held.get(characteristic, NOT_RECORDED[characteristic])
    if value == NOT_RECORDED[characteristic]:
        return
    since = profile.ethnicity_identified_on if characteristic == Characteristic.ETHNICITY else None
    since = min(since or profile.created_at.date(), before)
    DiversityEntry.objects.create(
        person=person,
        characteristic=characteristic,
        value=value,
        identified_by="",
        identified_on=since,
        carried_over=True,
        recorded_at=profile.modified_at,
    )


def _sync_profile(person: Person) -> DiversityProfile:
    """The profile's values in force today, from the history (what the equality engine and the workload pages
    read without a date)."""
    profile, _ = DiversityProfile.objects.select_for_update().get_or_create(person=person)
    now = entries_in_force(person, timezone.localdate())
    ethnicity = now.get(Characteristic.ETHNICITY)
    if ethnicity is not None:
        profile.ethnicity = ethnicity.value
        recorded = ethnicity.value != Ethnicity.NOT_RECORDED
        # A value carried over from before the history has no known identifier; the profile says staff.
        profile.ethnicity_identified_by = (ethnicity.identified_by or IdentifiedBy.STAFF) if recorded else ""
        profile.ethnicity_identified_on = ethnicity.identified_on if recorded else None
    if (religion := now.get(Characteristic.RELIGION)) is not None:
        profile.religion = religion.value
    if (disability := now.get(Characteristic.DISABILITY)) is not None:
        profile.disability = disability.value
    if (gender := now.get(Characteristic.GENDER_IDENTITY)) is not None:
        profile.gender_identity = gender.detail or (
            "" if gender.value == GenderIdentity.NOT_RECORDED else GenderIdentity(gender.value).label
        )
    profile.save()
    profile.refresh_from_db(fields=["ethnic_group"])
    return profile


@transaction.atomic
def record_diversity_value(
    *,
    by: StaffMember,
    person: Person,
    characteristic: str,
    value: str,
    identified_by: str = "",
    identified_on: dt.date | None = None,
    detail: str = "",
) -> DiversityEntry:
    """Record one characteristic of a person's diversity profile as a new row of its history: the value, who
    identified it (the person, or a member of staff who observed it) and when; it is in force from that date.

    "Prefer not to say" is the person's answer, so only they can give it; "not recorded" has nobody who
    identified it. Religion, sexual orientation and gender identity are never recorded from observation.
    ``detail`` is the reasonable adjustments a disability needs, or the person's own words.
    """
    ensure_can_record(by, person)
    check_diversity_value(person, characteristic, value, identified_by, identified_on)
    detail = plain_text(detail, "detail", "the details", kind=SHORT_TEXT)
    assert identified_on is not None  # checked above
    _carry_over(person, characteristic, identified_on)
    entry = DiversityEntry.objects.create(
        person=person,
        characteristic=characteristic,
        value=value,
        detail=detail,
        identified_by=identified_by if value != NOT_RECORDED[characteristic] else "",
        identified_on=identified_on,
        recorded_by=by,
    )
    _sync_profile(person)
    return entry


def check_diversity_value(
    person: Person, characteristic: str, value: str, identified_by: str, identified_on: dt.date | None
) -> None:
    """The rules of one value of the diversity profile, each refused naming its field. It reads no database, so
    an import checks each row's values with it."""
    allowed = _VALUES.get(characteristic)
    if allowed is None:
        raise ValidationError({"characteristic": "Select a characteristic"})
    what = Characteristic(characteristic).label.lower
    if value not in allowed:
        raise ValidationError({"value": f"Select the person's {what()}"})
    if identified_on is None:
        raise ValidationError({"identified_on": "Enter the date it was identified"})
    require_past(identified_on, "identified_on", "The date it was identified")
    if identified_on < person.date_of_birth:
        raise ValidationError({"identified_on": "The date it was identified must be after the date of birth"})
    if value == NOT_RECORDED[characteristic]:
        if identified_by:
            raise ValidationError({"identified_by": "Nobody identified a value that is not recorded"})
    elif identified_by not in _IDENTIFIED_BY:
        raise ValidationError({"identified_by": "Select who identified it"})
    elif identified_by == IdentifiedBy.STAFF and value == PREFER_NOT_TO_SAY[characteristic]:
        raise ValidationError({"identified_by": "Only the person can prefer not to say"})
    elif identified_by == IdentifiedBy.STAFF and characteristic not in OBSERVABLE:
        raise ValidationError(
            {"identified_by": f"A {what()} is recorded only as the person gives it, never from observation"}
        )


@transaction.atomic
def correct_diversity_entry(
    *,
    by: StaffMember,
    entry: DiversityEntry,
    value: str,
    identified_by: str = "",
    identified_on: dt.date | None = None,
    detail: str = "",
    reason: str,
) -> DiversityEntry:
    """Correct a row of the diversity history entered in error (the wrong value, the wrong date, who
    identified it): a new row of the same characteristic pointing at it, with the reason. The corrected row
    stays in the history, never in force again; a row is corrected once (correct the correction after)."""
    person = entry.person
    ensure_can_record(by, person)
    entry = DiversityEntry.objects.select_for_update().get(pk=entry.pk)
    if DiversityEntry.objects.filter(corrects=entry).exists():
        raise ValidationError({"corrects": "This value has already been corrected: correct the correction"})
    reason = require_text(reason, "reason", "the reason for the correction", kind=SHORT_TEXT)
    check_diversity_value(person, entry.characteristic, value, identified_by, identified_on)
    assert identified_on is not None  # checked above
    correction = DiversityEntry.objects.create(
        person=person,
        characteristic=entry.characteristic,
        value=value,
        detail=plain_text(detail, "detail", "the details", kind=SHORT_TEXT),
        identified_by=identified_by if value != NOT_RECORDED[entry.characteristic] else "",
        identified_on=identified_on,
        recorded_by=by,
        corrects=entry,
        correction_reason=reason,
    )
    _sync_profile(person)
    return correction


@transaction.atomic
def record_diversity(
    *,
    by: StaffMember,
    person: Person,
    ethnicity: str,
    identified_by: str = "",
    identified_on: dt.date | None = None,
    religion: str | None = None,
    disability: str | None = None,
) -> DiversityProfile:
    """Record several characteristics at once, all identified by ``identified_by`` on ``identified_on`` (each
    a new row of the history, ``record_diversity_value``); the profile in force today is returned."""
    ensure_can_record(by, person)
    if ethnicity not in Ethnicity.values:
        raise ValidationError({"ethnicity": "Select the person's ethnicity"})
    for characteristic, value in (
        (Characteristic.ETHNICITY, ethnicity),
        (Characteristic.RELIGION, religion),
        (Characteristic.DISABILITY, disability),
    ):
        if value is None:
            continue
        not_recorded = value == NOT_RECORDED[characteristic]
        try:
            record_diversity_value(
                by=by,
                person=person,
                characteristic=characteristic,
                value=value,
                identified_by="" if not_recorded else identified_by,
                identified_on=identified_on or (timezone.localdate() if not_recorded else None),
            )
        except ValidationError as error:
            if characteristic != Characteristic.ETHNICITY and hasattr(error, "error_dict"):
                raise ValidationError({characteristic: error.messages}) from error
            raise
    return DiversityProfile.objects.get(person=person)


# --- restricted access ----------------------------------------------------------------------------------------

LISTS: dict[str, type[Exclusion] | type[Restriction]] = {"exclusion": Exclusion, "restriction": Restriction}


def can_manage_access(staff: StaffMember) -> bool:
    """Whether this member of staff's role manages exclusion and restriction lists: heads of PDU, and
    administrators where the service has said so (``EVENHAND_ADMINS_MANAGE_ACCESS``)."""
    if staff.role == Role.HEAD_OF_PDU:
        return True
    return staff.role == Role.ADMIN and bool(getattr(settings, "EVENHAND_ADMINS_MANAGE_ACCESS", False))


def ensure_can_manage(by: StaffMember, person: Person) -> None:
    """A manager of lists, who can see the record (a head of PDU of another PDU cannot), and for a head of PDU
    a record of their own PDU."""
    if not can_manage_access(by):
        raise PermissionDenied("Only a head of PDU can change who may see a record.")
    ensure_can_view(by, person)
    if by.role == Role.HEAD_OF_PDU and by.pdu_id != person.pdu_id:
        raise PermissionDenied("Only a head of the PDU that manages this record can change who may see it.")


def managers_of(person: Person, *, restricted: list[StaffMember], excluded: set[int]) -> list[StaffMember]:
    """Who could still manage the record with these lists: current staff whose role manages lists, in the
    record's PDU for a head of PDU, not excluded, and on the restriction list when there is one."""
    return [
        staff
        for staff in restricted
        if is_current(staff)
        and can_manage_access(staff)
        and staff.pk not in excluded
        and (staff.role != Role.HEAD_OF_PDU or staff.pdu_id == person.pdu_id)
    ]


def _check_manageable(person: Person) -> None:
    """Refuse lists that would leave a restricted record with nobody who can manage it (and so nobody who can
    ever lift the restriction)."""
    restricted = [entry.staff for entry in Restriction.objects.filter(person=person).select_related("staff")]
    if not restricted:
        return
    excluded = set(Exclusion.objects.filter(person=person).values_list("staff_id", flat=True))
    if not managers_of(person, restricted=restricted, excluded=excluded):
        raise ValidationError(
            {
                "staff": "This would leave nobody able to manage the case: keep a head of its PDU on the "
                "restriction list"
            }
        )


def _review_on(review_on: dt.date | None) -> dt.date:
    if review_on is None:
        raise ValidationError({"review_on": "Enter the date to review this by"})
    if review_on <= timezone.localdate():
        raise ValidationError({"review_on": "The review date must be in the future"})
    if review_on > timezone.localdate() + dt.timedelta(days=366):
        raise ValidationError({"review_on": "Review it within a year"})
    return review_on


@transaction.atomic
def add_to_access_list(
    *,
    by: StaffMember,
    person: Person,
    list_name: str,
    staff: StaffMember,
    reason: str,
    review_on: dt.date | None,
    channel: Channel = Channel.UI,
) -> Exclusion | Restriction:
    """Put a member of staff on a record's exclusion list (they can no longer open it) or restriction list
    (once it has one, only those on it can open it), with the reason and when to review it. Heads of the
    record's PDU (and administrators where configured) only; the change goes in the access log.

    Whoever starts a restriction list is put on it too, or they would lose sight of the record they manage. A
    change that leaves a restricted record with nobody able to manage it is refused.
    """
    ensure_can_manage(by, person)
    model = LISTS.get(list_name)
    if model is None:
        raise ValidationError({"list": "Select the exclusion list or the restriction list"})
    reason = require_text(reason, "reason", "the reason", kind=SHORT_TEXT)
    review_on = _review_on(review_on)
    if not is_current(staff):
        raise ValidationError({"staff": "This member of staff has left or has not started"})
    if model.objects.filter(person=person, staff=staff).exists():
        raise ValidationError({"staff": f"{staff.full_name} is already on the {list_name} list"})
    entry = model.objects.create(person=person, staff=staff, reason=reason, added_by=by, review_on=review_on)
    log_access_change(
        staff=by,
        person_id=person.pk,
        channel=channel,
        detail=f"Added {staff.staff_code} to the {list_name} list: {reason} (review by {review_on:%d %b %Y})",
    )
    if (
        model is Restriction
        and staff.pk != by.pk
        and not Restriction.objects.filter(person=person, staff=by).exists()
    ):
        Restriction.objects.create(
            person=person, staff=by, reason="Manages the restriction list", added_by=by, review_on=review_on
        )
        log_access_change(
            staff=by,
            person_id=person.pk,
            channel=channel,
            detail=f"Added {by.staff_code} to the restriction list: manages it",
        )
    _check_manageable(person)
    return entry


@transaction.atomic
def remove_from_access_list(
    *,
    by: StaffMember,
    person: Person,
    list_name: str,
    staff: StaffMember,
    reason: str,
    channel: Channel = Channel.UI,
) -> None:
    """Take a member of staff off a record's exclusion or restriction list, saying why; the change goes in the
    access log. Taking the last one off the restriction list lifts the restriction. A change that leaves a
    restricted record with nobody able to manage it is refused."""
    ensure_can_manage(by, person)
    model = LISTS.get(list_name)
    if model is None:
        raise ValidationError({"list": "Select the exclusion list or the restriction list"})
    reason = require_text(reason, "reason", "the reason", kind=SHORT_TEXT)
    deleted, _ = model.objects.filter(person=person, staff=staff).delete()
    if not deleted:
        raise ValidationError({"staff": f"{staff.full_name} is not on the {list_name} list"})
    _check_manageable(person)
    log_access_change(
        staff=by,
        person_id=person.pk,
        channel=channel,
        detail=f"Removed {staff.staff_code} from the {list_name} list: {reason}",
    )


def exclude_staff(
    *, by: StaffMember, person: Person, staff: StaffMember, reason: str, review_on: dt.date | None = None
) -> Exclusion:
    """Put a member of staff on a record's exclusion list (``add_to_access_list``); reviewed in six months
    unless a date is given."""
    return add_to_access_list(  # type: ignore[return-value]
        by=by,
        person=person,
        list_name="exclusion",
        staff=staff,
        reason=reason,
        review_on=review_on or timezone.localdate() + dt.timedelta(days=182),
    )


def restrict_to_staff(
    *, by: StaffMember, person: Person, staff: StaffMember, reason: str, review_on: dt.date | None = None
) -> Restriction:
    """Add a member of staff to a record's restriction list (``add_to_access_list``); reviewed in six months
    unless a date is given."""
    return add_to_access_list(  # type: ignore[return-value]
        by=by,
        person=person,
        list_name="restriction",
        staff=staff,
        reason=reason,
        review_on=review_on or timezone.localdate() + dt.timedelta(days=182),
    )
