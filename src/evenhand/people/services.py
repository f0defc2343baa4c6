"""Writes to person records: creating a person, their diversity profile and restricted access."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from evenhand.core.dates import age_on
from evenhand.core.services import (
    LANGUAGE,
    NAME,
    SHORT_TEXT,
    plain_text,
    require_past,
    require_text,
    validated,
)
from evenhand.org.models import PDU, Role, StaffMember

from .access import can_record_casework, ensure_can_record, ensure_can_view
from .models import DiversityProfile, Ethnicity, Exclusion, IdentifiedBy, Person, Restriction

# The ages at which a person can be on probation: 10 is the age of criminal responsibility in England and
# Wales; beyond 110 a date of birth is a typing error.
MIN_AGE, MAX_AGE = 10, 110


def plausible_age(date_of_birth: dt.date, on: dt.date) -> bool:
    """Whether someone born on ``date_of_birth`` is of an age to be on probation on ``on``."""
    return MIN_AGE <= age_on(date_of_birth, on) <= MAX_AGE


@transaction.atomic
def create_person(
    *,
    by: StaffMember,
    crn: str,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date,
    sex: str,
    pdu: PDU,
    first_language: str = "English",
    interpreter_required: bool = False,
) -> Person:
    """Register a person on probation with an empty (not recorded) diversity profile.

    Only the casework roles (practitioners, SPOs, heads of PDU) register people, in their own PDU;
    administrators, analysts and inspectors are read only.
    """
    if not can_record_casework(by):
        raise PermissionDenied(
            "Only practitioners, senior probation officers and heads of PDU can register people."
        )
    if pdu.pk != by.pdu_id:
        # Otherwise they would create a record they cannot then open.
        raise ValidationError({"pdu": "You can register people only in your own PDU"})
    crn = (crn or "").strip().upper()
    require_past(date_of_birth, "date_of_birth", "Date of birth")
    today = timezone.localdate()
    if not plausible_age(date_of_birth, today):
        raise ValidationError(
            {
                "date_of_birth": f"Date of birth must give an age of {MIN_AGE} to {MAX_AGE} "
                f"(it gives {age_on(date_of_birth, today)})"
            }
        )
    person = validated(
        Person(
            crn=crn,
            first_name=require_text(first_name, "first_name", "the first name", kind=NAME),
            last_name=require_text(last_name, "last_name", "the last name", kind=NAME),
            date_of_birth=date_of_birth,
            sex=sex,
            pdu=pdu,
            first_language=plain_text(first_language, "first_language", "the first language", kind=LANGUAGE)
            or "English",
            interpreter_required=interpreter_required,
        )
    )
    person.save()
    DiversityProfile.objects.create(person=person)
    return person


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
    gender_identity: str | None = None,
) -> DiversityProfile:
    """Record or update a person's diversity profile. Who identified the ethnicity, and when, is required."""
    ensure_can_record(by, person)
    profile, _ = DiversityProfile.objects.select_for_update().get_or_create(person=person)
    profile.ethnicity = ethnicity
    if ethnicity == Ethnicity.NOT_RECORDED:
        profile.ethnicity_identified_by, profile.ethnicity_identified_on = "", None
    else:
        if identified_by not in IdentifiedBy.values:
            raise ValidationError({"identified_by": "Select who identified the ethnicity"})
        if identified_on is None:
            raise ValidationError({"identified_on": "Enter the date the ethnicity was identified"})
        require_past(identified_on, "identified_on", "The date the ethnicity was identified")
        profile.ethnicity_identified_by, profile.ethnicity_identified_on = identified_by, identified_on
    if religion is not None:
        profile.religion = religion
    if disability is not None:
        profile.disability = disability
    if gender_identity is not None:
        profile.gender_identity = plain_text(gender_identity, "gender_identity", "gender identity", kind=NAME)
    validated(profile, exclude=["person"])
    profile.save()
    profile.refresh_from_db(fields=["ethnic_group"])
    return profile


def _add_to_list(
    model: type[Exclusion] | type[Restriction],
    by: StaffMember,
    person: Person,
    staff: StaffMember,
    reason: str,
) -> Exclusion | Restriction:
    # A head of PDU manages who may see their PDU's records; administrators are read only.
    if by.role != Role.HEAD_OF_PDU:
        raise PermissionDenied("Only a head of PDU can change who may see a record.")
    ensure_can_view(by, person)
    reason = require_text(reason, "reason", "the reason", kind=SHORT_TEXT)
    entry = validated(model(person=person, staff=staff, reason=reason, added_by=by))
    entry.save()
    return entry


@transaction.atomic
def exclude_staff(*, by: StaffMember, person: Person, staff: StaffMember, reason: str) -> Exclusion:
    """Put a member of staff on a record's exclusion list: they can no longer open it. Heads of PDU only."""
    return _add_to_list(Exclusion, by, person, staff, reason)  # type: ignore[return-value]


@transaction.atomic
def restrict_to_staff(*, by: StaffMember, person: Person, staff: StaffMember, reason: str) -> Restriction:
    """Add a member of staff to a record's restriction list: once it has one, only those listed can open it.
    Heads of PDU only.

    Whoever starts a restriction list is put on it too, or they would lose sight of the record they are
    managing; someone with a conflict should be excluded, and then cannot manage the record at all.
    """
    entry = _add_to_list(Restriction, by, person, staff, reason)
    if staff.pk != by.pk and not Restriction.objects.filter(person=person, staff=by).exists():
        Restriction.objects.create(
            person=person, staff=by, reason="Manages the restriction list", added_by=by
        )
    return entry  # type: ignore[return-value]
