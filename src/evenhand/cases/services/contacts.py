"""Recording contacts and their outcomes. An unacceptable failure comes back with the decision that is due."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from evenhand.core.formatting import date_text
from evenhand.core.services import LINE, plain_text, validated
from evenhand.org.models import StaffMember
from evenhand.people.access import ensure_can_record

from ..models import Contact, ContactOutcome, Sentence
from .dates import sentence_ends
from .enforcement import Proposal, propose_enforcement


@dataclass(frozen=True)
class ContactRecorded:
    contact: Contact
    # The enforcement decision that is due, when the outcome was an unacceptable failure to comply.
    proposal: Proposal | None


def _check_within_sentence(sentence: Sentence, starts_at: dt.datetime) -> None:
    day = timezone.localdate(starts_at)
    end = sentence_ends(sentence)
    if day < sentence.start_date or day > end:
        raise ValidationError(
            {
                "starts_at": f"The contact must fall within the sentence ({date_text(sentence.start_date)} to "
                f"{date_text(end)})"
            }
        )


def _check_outcome(outcome: str, starts_at: dt.datetime) -> None:
    if outcome == ContactOutcome.CANCELLED:
        raise ValidationError({"outcome": "Cancel an appointment from the appointment, giving the reason"})
    if outcome and starts_at > timezone.now():
        raise ValidationError({"outcome": "You cannot record an outcome for a contact in the future"})


def check_contact(
    *,
    by: StaffMember,
    sentence: Sentence,
    type: str,
    starts_at: dt.datetime,
    location: str = "",
    notes: str = "",
    outcome: str = "",
) -> Contact:
    """Every rule of recording a contact (``record_contact``), without reading or writing the database: the
    unsaved contact, recorded by ``by``. An import checks a chunk of rows with it before writing."""
    if timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": "The date and time must carry a time zone"})
    _check_within_sentence(sentence, starts_at)
    _check_outcome(outcome, starts_at)
    contact = Contact(
        person=sentence.person,
        sentence=sentence,
        type=type,
        starts_at=starts_at,
        location=plain_text(location, "location", "the location", kind=LINE),
        notes=plain_text(notes, "notes", "the notes"),
        outcome=outcome,
        outcome_recorded_at=timezone.now() if outcome else None,
        outcome_recorded_by=by if outcome else None,
        recorded_by=by,
    )
    # The fields' own rules (choices, lengths); the row's constraint is the outcome's, set together above.
    contact.clean_fields(exclude=["person", "sentence", "recorded_by", "outcome_recorded_by"])
    return contact


@transaction.atomic
def record_contact(
    *,
    by: StaffMember,
    sentence: Sentence,
    type: str,
    starts_at: dt.datetime,
    location: str = "",
    notes: str = "",
    outcome: str = "",
) -> ContactRecorded:
    """Record a contact: a future appointment (no outcome yet) or one that happened, with its outcome."""
    ensure_can_record(by, sentence.person)
    contact = validated(
        check_contact(
            by=by,
            sentence=sentence,
            type=type,
            starts_at=starts_at,
            location=location,
            notes=notes,
            outcome=outcome,
        )
    )
    contact.save()
    return ContactRecorded(contact, propose_enforcement(contact))


@transaction.atomic
def record_contact_outcome(
    *, by: StaffMember, contact: Contact, outcome: str, notes: str = ""
) -> ContactRecorded:
    """Record what happened at an appointment. An outcome is recorded once; notes are added to, never replaced."""
    ensure_can_record(by, contact.person)
    contact = Contact.objects.select_for_update().select_related("sentence", "person").get(pk=contact.pk)
    if contact.outcome:
        raise ValidationError({"outcome": "An outcome has already been recorded for this contact"})
    if not outcome:
        raise ValidationError({"outcome": "Select the outcome"})
    _check_outcome(outcome, contact.starts_at)
    notes = plain_text(notes, "notes", "the notes")
    contact.outcome = outcome
    contact.outcome_recorded_at = timezone.now()
    contact.outcome_recorded_by = by
    if notes:
        contact.notes = f"{contact.notes}\n\n{notes}".strip()
    validated(contact)
    contact.save(
        update_fields=["outcome", "outcome_recorded_at", "outcome_recorded_by", "notes", "modified_at"]
    )
    return ContactRecorded(contact, propose_enforcement(contact))
