"""Helpers for the case tests: contacts and decisions made through the services, on fixed past dates."""

import datetime as dt

from evenhand.cases import services as cases
from evenhand.cases.models import Contact, ContactOutcome, ContactType, EnforcementDecision, Sentence
from evenhand.org.models import StaffMember
from evenhand.people.models import Person
from tests.factories import SentenceFactory, local_datetime

# Long enough for decide_enforcement's minimum and written the way a practitioner would.
RATIONALE = "Did not attend and gave no reason when contacted; discussed with the SPO."

# Fixed past dates, so the rules about 12-month windows can be tested on known calendars.
SENTENCE_START = dt.date(2021, 1, 4)
SENTENCE_END = dt.date(2028, 1, 4)


def long_sentence(person: Person, type: str = "CO") -> Sentence:
    return SentenceFactory(
        person=person, type=type, start_date=SENTENCE_START, expected_end_date=SENTENCE_END
    )


def contact_on(
    sentence: Sentence,
    by: StaffMember,
    day: dt.date,
    outcome: str = ContactOutcome.FAILED_UNACCEPTABLE,
    hour: int = 10,
    minute: int = 0,
) -> cases.ContactRecorded:
    return cases.record_contact(
        by=by,
        sentence=sentence,
        type=ContactType.OFFICE_APPOINTMENT,
        starts_at=local_datetime(day, hour, minute),
        outcome=outcome,
    )


def decide(
    sentence: Sentence,
    by: StaffMember,
    decision: str,
    contacts: list[Contact] | None = None,
    at: dt.datetime | None = None,
    **kwargs,
) -> EnforcementDecision:
    if at is None and contacts:
        at = max(c.starts_at for c in contacts) + dt.timedelta(days=1)
    return cases.decide_enforcement(
        by=by,
        sentence=sentence,
        decision=decision,
        rationale=kwargs.pop("rationale", RATIONALE),
        triggering_contacts=contacts or [],
        decided_at=at,
        **kwargs,
    )
