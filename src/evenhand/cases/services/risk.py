"""Risk of serious harm reviews, MAPPA, and registrations: each review a new row, registrations never
overlapping."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from evenhand.core.formatting import date_text
from evenhand.core.services import TEXT, plain_text, require_past, validated
from evenhand.org.models import StaffMember
from evenhand.people.access import ensure_can_record
from evenhand.people.models import Person

from ..models import (
    Registration,
    RegistrationReview,
    RegistrationType,
    RiskSummary,
    RoshLevel,
    add_length,
    highest_rosh,
)
from ..signals import tier_inputs_changed_on_commit

# A risk of serious harm review is due at most six months after the last; sooner on a significant change.
REVIEW_MONTHS = 6
# Records of risk start no earlier than this: anything before is a typing error.
EARLIEST = dt.date(1990, 1, 1)

GROUPS = {
    "rosh_children": "children",
    "rosh_public": "the public",
    "rosh_known_adult": "a known adult",
    "rosh_staff": "staff",
}


def _check_day(value: dt.date, field: str, what: str) -> None:
    if value < EARLIEST:
        raise ValidationError({field: f"{what} must be on or after {date_text(EARLIEST)}"})
    require_past(value, field, what)


def check_risk_review(
    *,
    by: StaffMember,
    person: Person,
    assessed_on: dt.date,
    rosh_children: str,
    rosh_public: str,
    rosh_known_adult: str,
    rosh_staff: str,
    next_review_due: dt.date,
    review_reason: str,
    tier: str,
    tier_source: str,
    rosh: str | None = None,
    mappa_category: int | None = None,
    mappa_level: int | None = None,
) -> RiskSummary:
    """Every rule of a risk of serious harm review (``record_risk_review``), without reading or writing the
    database: the unsaved review, recorded by ``by``. An import checks a chunk of rows with it."""
    levels = {"rosh_children": rosh_children, "rosh_public": rosh_public}
    levels |= {"rosh_known_adult": rosh_known_adult, "rosh_staff": rosh_staff}
    for field, level in levels.items():
        if level not in RoshLevel.values:
            raise ValidationError({field: f"Choose the risk of serious harm to {GROUPS[field]}"})
    highest = highest_rosh(list(levels.values()))
    if rosh in (None, ""):
        rosh = highest
    elif rosh != highest:
        raise ValidationError(
            {"rosh": f"The overall level is the highest of the four: {RoshLevel(highest).label.lower()}"}
        )
    _check_day(assessed_on, "assessed_on", "The date of the review")
    latest = add_length(assessed_on, REVIEW_MONTHS, "months")
    if not assessed_on < next_review_due <= latest:
        raise ValidationError(
            {
                "next_review_due": f"The next review must be due after this one and within {REVIEW_MONTHS} "
                f"months of it (by {date_text(latest)}); sooner when something significant changes"
            }
        )
    if (mappa_category is None) != (mappa_level is None):
        missing = "mappa_level" if mappa_level is None else "mappa_category"
        raise ValidationError({missing: "Give both a MAPPA category and a MAPPA level, or neither"})
    if not review_reason:
        raise ValidationError({"review_reason": "Say why the review was done"})
    if not tier_source:
        raise ValidationError({"tier_source": "Say where the tier comes from"})
    summary = RiskSummary(
        person=person,
        rosh=rosh,
        tier=tier,
        tier_source=tier_source,
        assessed_on=assessed_on,
        review_reason=review_reason,
        next_review_due=next_review_due,
        mappa_category=mappa_category,
        mappa_level=mappa_level,
        recorded_by=by,
        **levels,
    )
    # The fields' own rules (choices); the row's constraints are the checks above.
    summary.clean_fields(exclude=["person", "recorded_by"])
    return summary


@transaction.atomic
def record_risk_review(
    *,
    by: StaffMember,
    person: Person,
    assessed_on: dt.date,
    rosh_children: str,
    rosh_public: str,
    rosh_known_adult: str,
    rosh_staff: str,
    next_review_due: dt.date,
    review_reason: str,
    tier: str,
    tier_source: str,
    rosh: str | None = None,
    mappa_category: int | None = None,
    mappa_level: int | None = None,
) -> RiskSummary:
    """Record a risk of serious harm review as a new row (the latest by date is the current one; earlier ones
    stay as history): the level to children, the public, a known adult and staff, the overall level (the
    highest of the four; worked out when not given), the next review (after this one and at most six months
    on), MAPPA category and level (both or neither), and the tier entered by hand with its source."""
    ensure_can_record(by, person)
    summary = validated(
        check_risk_review(
            by=by,
            person=person,
            assessed_on=assessed_on,
            rosh_children=rosh_children,
            rosh_public=rosh_public,
            rosh_known_adult=rosh_known_adult,
            rosh_staff=rosh_staff,
            next_review_due=next_review_due,
            review_reason=review_reason,
            tier=tier,
            tier_source=tier_source,
            rosh=rosh,
            mappa_category=mappa_category,
            mappa_level=mappa_level,
        )
    )
    summary.save()
    tier_inputs_changed_on_commit(person_id=person.pk, trigger="risk_review")
    return summary


def _overlapping(person: Person, type: str, start: dt.date, end: dt.date | None) -> Registration | None:
    rows = Registration.objects.filter(person=person, type=type).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start)
    )
    if end is not None:
        rows = rows.filter(start_date__lte=end)
    return rows.order_by("start_date").first()


@transaction.atomic
def add_registration(
    *,
    by: StaffMember,
    person: Person,
    type: str,
    start_date: dt.date,
    next_review_date: dt.date,
    notes: str = "",
) -> Registration:
    """Put a person on a register from ``start_date``, to be reviewed on ``next_review_date``. A registration
    of a type the person already holds over any of the same days (open, or ended on or after this start) is
    refused."""
    ensure_can_record(by, person)
    # One writer at a time per person, so two overlapping registrations cannot both pass the check.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    if type not in RegistrationType.values:
        raise ValidationError({"type": "Choose a type of registration"})
    _check_day(start_date, "start_date", "The start of the registration")
    if next_review_date <= start_date:
        raise ValidationError({"next_review_date": "The review must be after the start of the registration"})
    if next_review_date > add_length(start_date, 12, "months"):
        raise ValidationError(
            {"next_review_date": "The first review must be within a year of the start of the registration"}
        )
    clash = _overlapping(person, type, start_date, None)
    if clash is not None:
        until = f"to {date_text(clash.end_date)}" if clash.end_date else "and still open"
        raise ValidationError(
            {
                "start_date": f"The person is already registered for {clash.get_type_display().lower()} from "
                f"{date_text(clash.start_date)} {until}: registrations of the same type cannot overlap"
            }
        )
    registration = validated(
        Registration(
            person=person,
            type=type,
            start_date=start_date,
            next_review_date=next_review_date,
            notes=plain_text(notes, "notes", "the notes", kind=TEXT),
            recorded_by=by,
        )
    )
    registration.save()
    tier_inputs_changed_on_commit(person_id=person.pk, trigger="registration_added")
    return registration


def _open_registration(registration: Registration) -> Registration:
    registration = Registration.objects.select_for_update().select_related("person").get(pk=registration.pk)
    if registration.end_date is not None:
        raise ValidationError({"registration": "This registration has ended"})
    return registration


@transaction.atomic
def review_registration(
    *,
    by: StaffMember,
    registration: Registration,
    reviewed_on: dt.date,
    next_review_date: dt.date,
    notes: str = "",
) -> RegistrationReview:
    """Record a review of an open registration (kept as its own row) and when it is next due."""
    ensure_can_record(by, registration.person)
    registration = _open_registration(registration)
    if reviewed_on < registration.start_date:
        raise ValidationError({"reviewed_on": "The review cannot be before the registration started"})
    require_past(reviewed_on, "reviewed_on", "The date of the review")
    if next_review_date <= reviewed_on:
        raise ValidationError({"next_review_date": "The next review must be after this one"})
    if next_review_date > add_length(reviewed_on, 12, "months"):
        raise ValidationError({"next_review_date": "The next review must be within a year of this one"})
    review = validated(
        RegistrationReview(
            registration=registration,
            reviewed_on=reviewed_on,
            next_review_date=next_review_date,
            notes=plain_text(notes, "notes", "the notes", kind=TEXT),
            reviewed_by=by,
        )
    )
    review.save()
    registration.next_review_date = next_review_date
    registration.save(update_fields=["next_review_date"])
    return review


@transaction.atomic
def end_registration(
    *, by: StaffMember, registration: Registration, end_date: dt.date, reason: str
) -> Registration:
    """End an open registration on ``end_date`` (not before it started, not in the future), with the reason."""
    ensure_can_record(by, registration.person)
    registration = _open_registration(registration)
    if end_date < registration.start_date:
        raise ValidationError({"end_date": "The registration cannot end before it started"})
    require_past(end_date, "end_date", "The end of the registration")
    registration.end_date = end_date
    registration.end_reason = plain_text(reason, "reason", "the reason", kind=TEXT, required=True)[:200]
    registration.ended_by = by
    validated(registration)
    registration.save(update_fields=["end_date", "end_reason", "ended_by"])
    tier_inputs_changed_on_commit(person_id=registration.person_id, trigger="registration_ended")
    return registration
