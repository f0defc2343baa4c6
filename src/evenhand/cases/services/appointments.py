"""Appointments: booking, rescheduling, cancelling, and booking a series (weekly unpaid work sessions).

An appointment is a ``Contact`` booked ahead with no outcome. What became of it is its outcome: recorded from
the appointment (``record_contact_outcome``, with its enforcement rules), or "rescheduled" / "cancelled" here
with who asked and why. Rescheduling books a new contact pointing back at the one it replaces.

An appointment that has started cannot be rescheduled or cancelled: what happened at it is recorded instead,
so that a missed appointment cannot quietly disappear.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from evenhand.core.calendar import is_bank_holiday
from evenhand.core.formatting import date_text
from evenhand.core.services import LINE, plain_text, require_text, validated
from evenhand.org.access import is_current
from evenhand.org.models import StaffMember
from evenhand.people.access import ensure_can_record

from ..models import Contact, ContactOutcome, ContactType, Requirement, RequirementType, Sentence
from ..models.contact import ChangeRequestedBy, ContactMode
from .dates import require_within_sentence

# The contact types that count towards each kind of requirement.
COUNTS_TOWARDS: dict[str, tuple[str, ...]] = {
    RequirementType.UNPAID_WORK: (ContactType.UNPAID_WORK,),
    RequirementType.ACCREDITED_PROGRAMME: (ContactType.PROGRAMME,),
    RequirementType.RAR: (
        ContactType.RAR_ACTIVITY,
        ContactType.OFFICE_APPOINTMENT,
        ContactType.HOME_VISIT,
        ContactType.VIDEO,
        ContactType.PHONE,
    ),
}
MAX_OCCURRENCES = 52
REASON_MIN_LENGTH = 5


@dataclass(frozen=True)
class SeriesBooked:
    """A series of appointments and the bank holidays it skipped."""

    contacts: list[Contact]
    skipped: list[dt.date]


def _check_future(starts_at: dt.datetime, field: str = "starts_at") -> None:
    if timezone.is_naive(starts_at):
        raise ValidationError({field: "The date and time must carry a time zone"})
    if starts_at <= timezone.now():
        raise ValidationError({field: "An appointment must be booked for a date and time in the future"})


def _check_day(starts_at: dt.datetime, sentence: Sentence, field: str = "starts_at") -> None:
    day = timezone.localdate(starts_at)
    if is_bank_holiday(day):
        raise ValidationError({field: f"{date_text(day)} is a bank holiday: choose another day"})
    require_within_sentence(day, sentence, field, "The appointment cannot be booked")


def _check_requirement(requirement: Requirement | None, sentence: Sentence, type: str) -> None:
    if requirement is None:
        if (
            type == ContactType.UNPAID_WORK
            and sentence.requirements.filter(type=RequirementType.UNPAID_WORK).exists()
        ):
            raise ValidationError(
                {"requirement": "Select the unpaid work requirement the session counts towards"}
            )
        return
    if requirement.sentence_id != sentence.pk:
        raise ValidationError({"requirement": "Select a requirement of this sentence"})
    allowed = COUNTS_TOWARDS.get(requirement.type)
    if allowed is None:
        raise ValidationError(
            {"requirement": "Appointments count towards unpaid work, a RAR or an accredited programme only"}
        )
    if type not in allowed:
        kinds = " or ".join(ContactType(t).label.lower() for t in allowed)
        raise ValidationError({"type": f"Only a {kinds} counts towards {requirement}"})


def _check_with(with_staff: StaffMember) -> None:
    if not is_current(with_staff):
        raise ValidationError({"with_staff": f"{with_staff.full_name} is not a current member of staff"})


def _check_mode(mode: str, location: str, type: str, duration_minutes: int | None) -> None:
    if mode not in ContactMode.values:
        raise ValidationError({"mode": "Select how the appointment is held"})
    if mode == ContactMode.IN_PERSON and not location:
        raise ValidationError({"location": "Enter where the appointment is held"})
    modes: dict[str, ContactMode] = {
        ContactType.PHONE: ContactMode.PHONE,
        ContactType.VIDEO: ContactMode.VIDEO,
    }
    expected = modes.get(type)
    if expected is not None and mode != expected:
        raise ValidationError(
            {"mode": f"A {ContactType(type).label.lower()} is held by {expected.label.lower()}"}
        )
    if type == ContactType.UNPAID_WORK and duration_minutes is None:
        raise ValidationError({"duration_minutes": "Enter how long the session lasts, in hours and minutes"})


def _new_appointment(
    *,
    by: StaffMember,
    sentence: Sentence,
    type: str,
    starts_at: dt.datetime,
    mode: str,
    location: str,
    with_staff: StaffMember,
    duration_minutes: int | None,
    requirement: Requirement | None,
    notes: str,
    rescheduled_from: Contact | None = None,
) -> Contact:
    contact = validated(
        Contact(
            person=sentence.person,
            sentence=sentence,
            type=type,
            starts_at=starts_at,
            mode=mode,
            location=location,
            with_staff=with_staff,
            duration_minutes=duration_minutes,
            requirement=requirement,
            notes=notes,
            recorded_by=by,
            rescheduled_from=rescheduled_from,
        )
    )
    contact.save()
    return contact


def _checked_booking(
    *,
    by: StaffMember,
    sentence: Sentence,
    type: str,
    mode: str,
    location: str,
    with_staff: StaffMember | None,
    duration_minutes: int | None,
    requirement: Requirement | None,
    notes: str,
) -> tuple[str, StaffMember, str]:
    ensure_can_record(by, sentence.person)
    if type not in ContactType.values:
        raise ValidationError({"type": "Select the type of appointment"})
    location = plain_text(location, "location", "the location", kind=LINE)
    notes = plain_text(notes, "notes", "the notes")
    with_staff = with_staff or by
    _check_with(with_staff)
    _check_mode(mode, location, type, duration_minutes)
    _check_requirement(requirement, sentence, type)
    return location, with_staff, notes


@transaction.atomic
def book_appointment(
    *,
    by: StaffMember,
    sentence: Sentence,
    type: str,
    starts_at: dt.datetime,
    mode: str = ContactMode.IN_PERSON,
    location: str = "",
    with_staff: StaffMember | None = None,
    duration_minutes: int | None = None,
    requirement: Requirement | None = None,
    notes: str = "",
) -> Contact:
    """Book an appointment in the future: its type, when, how (in person at a location, video or telephone),
    with which practitioner (the one booking, unless another is named) and the requirement it counts
    towards. Not on a bank holiday, and within the sentence."""
    location, with_staff, notes = _checked_booking(
        by=by,
        sentence=sentence,
        type=type,
        mode=mode,
        location=location,
        with_staff=with_staff,
        duration_minutes=duration_minutes,
        requirement=requirement,
        notes=notes,
    )
    _check_future(starts_at)
    _check_day(starts_at, sentence)
    return _new_appointment(
        by=by,
        sentence=sentence,
        type=type,
        starts_at=starts_at,
        mode=mode,
        location=location,
        with_staff=with_staff,
        duration_minutes=duration_minutes,
        requirement=requirement,
        notes=notes,
    )


def series_times(
    first: dt.datetime, occurrences: int, every_days: int = 7
) -> tuple[list[dt.datetime], list[dt.date]]:
    """The start times of ``occurrences`` appointments from ``first``, every ``every_days`` days at the same
    local time, a bank holiday skipped (and the series run on one further to make up the number); with the
    days skipped."""
    first = timezone.localtime(first)
    times: list[dt.datetime] = []
    skipped: list[dt.date] = []
    step = 0
    while len(times) < occurrences:
        day = first.date() + dt.timedelta(days=every_days * step)
        step += 1
        if is_bank_holiday(day):
            skipped.append(day)
            continue
        # The same wall-clock time each time, across a change to or from summer time.
        naive = dt.datetime.combine(day, first.time().replace(tzinfo=None))
        times.append(timezone.make_aware(naive, timezone.get_current_timezone()))
    return times, skipped


@transaction.atomic
def book_series(
    *,
    by: StaffMember,
    sentence: Sentence,
    type: str,
    starts_at: dt.datetime,
    occurrences: int,
    every_days: int = 7,
    mode: str = ContactMode.IN_PERSON,
    location: str = "",
    with_staff: StaffMember | None = None,
    duration_minutes: int | None = None,
    requirement: Requirement | None = None,
    notes: str = "",
) -> SeriesBooked:
    """Book ``occurrences`` appointments, the first at ``starts_at`` and then every ``every_days`` days (weekly
    by default) at the same time, skipping bank holidays. All are booked, or none."""
    if not 2 <= occurrences <= MAX_OCCURRENCES:
        raise ValidationError({"occurrences": f"Enter a number of appointments from 2 to {MAX_OCCURRENCES}"})
    if every_days not in (7, 14):
        raise ValidationError({"every_days": "Select weekly or every two weeks"})
    location, with_staff, notes = _checked_booking(
        by=by,
        sentence=sentence,
        type=type,
        mode=mode,
        location=location,
        with_staff=with_staff,
        duration_minutes=duration_minutes,
        requirement=requirement,
        notes=notes,
    )
    _check_future(starts_at)
    times, skipped = series_times(starts_at, occurrences, every_days)
    for when in times:
        require_within_sentence(
            timezone.localdate(when),
            sentence,
            "occurrences",
            f"The appointment on {date_text(when.date())} cannot be booked",
        )
    contacts = [
        _new_appointment(
            by=by,
            sentence=sentence,
            type=type,
            starts_at=when,
            mode=mode,
            location=location,
            with_staff=with_staff,
            duration_minutes=duration_minutes,
            requirement=requirement,
            notes=notes,
        )
        for when in times
    ]
    return SeriesBooked(contacts, skipped)


def _locked_booked(contact: Contact, doing: str) -> Contact:
    contact = Contact.objects.select_for_update().select_related("sentence", "person").get(pk=contact.pk)
    if contact.outcome:
        raise ValidationError(
            {
                "__all__": f"This appointment cannot be {doing}: it is already recorded as "
                f"{contact.get_outcome_display().lower()}"
            }
        )
    if contact.starts_at <= timezone.now():
        raise ValidationError(
            {
                "__all__": f"This appointment has started, so it cannot be {doing}: record what happened instead"
            }
        )
    return contact


def _change(requested_by: str, reason: str) -> str:
    if requested_by not in ChangeRequestedBy.values:
        raise ValidationError({"requested_by": "Select who asked for the change"})
    return require_text(reason, "reason", "the reason", min_length=REASON_MIN_LENGTH)


def _close(contact: Contact, *, by: StaffMember, outcome: str, requested_by: str, reason: str) -> None:
    contact.outcome = outcome
    contact.outcome_recorded_at = timezone.now()
    contact.outcome_recorded_by = by
    contact.change_requested_by = requested_by
    contact.change_reason = reason
    validated(contact)
    contact.save(
        update_fields=[
            "outcome",
            "outcome_recorded_at",
            "outcome_recorded_by",
            "change_requested_by",
            "change_reason",
            "modified_at",
        ]
    )


@transaction.atomic
def reschedule_appointment(
    *,
    by: StaffMember,
    contact: Contact,
    starts_at: dt.datetime,
    requested_by: str,
    reason: str,
    with_staff: StaffMember | None = None,
    location: str | None = None,
) -> Contact:
    """Move a booked appointment to a new time: it is kept, recorded as rescheduled with who asked and why, and
    a new appointment like it (same type, requirement, length; the practitioner and location unless new ones
    are given) is booked, pointing back at it. Returns the new appointment."""
    ensure_can_record(by, contact.person)
    old = _locked_booked(contact, "rescheduled")
    reason = _change(requested_by, reason)
    _check_future(starts_at)
    _check_day(starts_at, old.sentence)
    new_location = (
        old.location if location is None else plain_text(location, "location", "the location", kind=LINE)
    )
    new_with = with_staff or old.with_staff or by
    _check_with(new_with)
    _check_mode(old.mode, new_location, old.type, old.duration_minutes)
    _close(old, by=by, outcome=ContactOutcome.RESCHEDULED, requested_by=requested_by, reason=reason)
    return _new_appointment(
        by=by,
        sentence=old.sentence,
        type=old.type,
        starts_at=starts_at,
        mode=old.mode,
        location=new_location,
        with_staff=new_with,
        duration_minutes=old.duration_minutes,
        requirement=old.requirement,
        notes="",
        rescheduled_from=old,
    )


@transaction.atomic
def cancel_appointment(*, by: StaffMember, contact: Contact, requested_by: str, reason: str) -> Contact:
    """Cancel a booked appointment that has not started, with who asked and why; it is kept, recorded as
    cancelled."""
    ensure_can_record(by, contact.person)
    old = _locked_booked(contact, "cancelled")
    reason = _change(requested_by, reason)
    _close(old, by=by, outcome=ContactOutcome.CANCELLED, requested_by=requested_by, reason=reason)
    return old
