"""The to-do rules: when each thing a practitioner must do becomes due, as plain functions of dates.

Nothing here reads the database and nothing of the to-do list is stored: :mod:`evenhand.cases.agenda` reads the
records a caseload is made of and asks these functions, so the list is always what the records say.

==============================  ============================================================================
item                            due when
==============================  ============================================================================
appointment outcome             the appointment has started and no outcome is recorded
enforcement decision            an unacceptable failure to comply has no standing decision answering it
consultation                    a manager recorded a consultation and the practitioner has not answered
assessment                      a community or suspended sentence order, or a licence, has started and no
                                assessment has been completed since; overdue after 15 working days
assessment review               six months after the latest completed assessment, while such a sentence
                                runs: overdue from the day after (listed only when overdue)
risk of serious harm review     the latest review's next review date has passed (due on the day is not late)
sentence ending                 the sentence is expected to end today or in the next 28 days
requirement at risk             at the current rate it will not be completed by its expected end
referral without an update      still open and its status last changed 28 days ago or more
==============================  ============================================================================
"""

import datetime as dt
from functools import lru_cache

from django.db import models

from evenhand.core.calendar import is_working_day

from .models import LengthUnit, ReferralStatus, SentenceType, add_length

ASSESSMENT_WORKING_DAYS = 15
# An assessment is reviewed at least every six months, as risk of serious harm is (``record_risk_review``).
ASSESSMENT_REVIEW_MONTHS = 6
ENDING_WITHIN_DAYS = 28
REFERRAL_QUIET_DAYS = 28

# Sentences that call for an assessment and sentence plan when they start (on release, for a licence).
ASSESSED_SENTENCES = (
    SentenceType.COMMUNITY_ORDER,
    SentenceType.SUSPENDED_SENTENCE_ORDER,
    SentenceType.LICENCE,
)
# Referral statuses still waiting for something to happen.
OPEN_REFERRALS = (ReferralStatus.MADE, ReferralStatus.ACCEPTED, ReferralStatus.STARTED)


class TodoKind(models.TextChoices):
    OUTCOME = "outcome", "Appointment outcomes to record"
    ENFORCEMENT = "enforcement", "Enforcement decisions due"
    CONSULTATION = "consultation", "Consultations waiting for an answer"
    ASSESSMENT = "assessment", "Assessments due or overdue"
    ROSH_REVIEW = "rosh_review", "Risk of serious harm reviews overdue"
    SENTENCE_ENDING = "sentence_ending", "Sentences ending in the next 4 weeks"
    REQUIREMENT = "requirement", "Requirements at risk"
    REFERRAL = "referral", "Referrals with no update in 28 days"


@lru_cache(maxsize=8192)  # the bank holidays are fixed: a sentence start's deadline, once per process
def add_working_days(day: dt.date, count: int) -> dt.date:
    """The day ``count`` working days after ``day`` (``day`` itself not counted; weekends and bank holidays in
    England and Wales skipped): 1 working day after Friday 22 May 2026 is Tuesday 26 May."""
    if count < 0:
        raise ValueError("count must not be negative")
    while count:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def outcome_due(starts_at: dt.datetime, now: dt.datetime) -> bool:
    """An appointment's outcome is due once it has started."""
    return starts_at <= now


def assessment_deadline(sentence_start: dt.date) -> dt.date:
    """The last day to complete the assessment of a sentence: 15 working days after it starts."""
    return add_working_days(sentence_start, ASSESSMENT_WORKING_DAYS)


def assessment_due(sentence_start: dt.date, today: dt.date) -> bool:
    """An assessment not yet completed is due from the day the sentence starts."""
    return today >= sentence_start


def assessment_overdue(sentence_start: dt.date, today: dt.date) -> bool:
    return today > assessment_deadline(sentence_start)


def assessment_review_due(last_completed: dt.date) -> dt.date:
    """The day a review of the assessment completed on ``last_completed`` is due: six months later (the
    month's last day when it is shorter)."""
    return add_length(last_completed, ASSESSMENT_REVIEW_MONTHS, LengthUnit.MONTHS)


def assessment_review_overdue(last_completed: dt.date, today: dt.date) -> bool:
    """A review is overdue the day after it was due (due on the day is not late)."""
    return today > assessment_review_due(last_completed)


def rosh_review_overdue(next_review_due: dt.date | None, today: dt.date) -> bool:
    """A risk of serious harm review is overdue the day after it was due."""
    return next_review_due is not None and today > next_review_due


def sentence_ending_soon(ends_on: dt.date, today: dt.date) -> bool:
    """A sentence expected to end from today to 28 days ahead (a sentence already past its end is not
    "ending": it should have been ended, which the sentence's own record shows)."""
    return today <= ends_on <= today + dt.timedelta(days=ENDING_WITHIN_DAYS)


def referral_quiet(status: str, status_changed_on: dt.date, today: dt.date) -> bool:
    """An open referral whose status has not changed in 28 days or more."""
    return status in OPEN_REFERRALS and (today - status_changed_on).days >= REFERRAL_QUIET_DAYS
