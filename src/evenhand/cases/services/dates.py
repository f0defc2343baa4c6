"""The span of a sentence, which the contacts, decisions and referrals recorded on it fall within."""

import datetime as dt

from django.core.exceptions import ValidationError

from evenhand.core.formatting import date_text

from ..models import Sentence


def sentence_ends(sentence: Sentence) -> dt.date:
    """The last day of a sentence: the day it was terminated, or else the day it is expected to end."""
    return sentence.termination_date or sentence.expected_end_date


def require_within_sentence(day: dt.date, sentence: Sentence, field: str, what: str) -> None:
    """Refuse a ``day`` before the sentence started or after its last day, against ``field``; ``what`` starts
    the message: "The decision cannot be dated" gives "The decision cannot be dated before the sentence
    started (4 January 2021)"."""
    if day < sentence.start_date:
        raise ValidationError(
            {field: f"{what} before the sentence started ({date_text(sentence.start_date)})"}
        )
    end = sentence_ends(sentence)
    if day > end:
        ended = "ended" if sentence.termination_date is not None else "is expected to end"
        raise ValidationError({field: f"{what} after the sentence {ended} ({date_text(end)})"})
