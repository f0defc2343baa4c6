"""Reading one value of an import row as the type its column holds (docs/import.md, "Formats").

Each function takes the text of the field and the column's name, and refuses a value it cannot read with a
``ValidationError`` naming that column and saying what to enter, as a form would.
"""

import datetime as dt
import functools
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})\Z")
TRUE = ("yes", "y", "true", "1")
FALSE = ("no", "n", "false", "0", "")


def date_value(text: str, column: str, what: str) -> dt.date:
    """A date as ``2024-03-27`` (ISO 8601) or ``27/03/2024`` (day first, as in England and Wales)."""
    text = text.strip()
    if not text:
        raise ValidationError({column: f"Enter {what}"})
    try:
        match = _UK_DATE.match(text)
        if match:
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            {column: f"Enter {what} as a real date, like 2024-03-27 or 27/03/2024 (not {text!r})"}
        ) from None


def optional_date(text: str, column: str, what: str) -> dt.date | None:
    return date_value(text, column, what) if text.strip() else None


def datetime_value(text: str, column: str, what: str) -> dt.datetime:
    """A date and time as ``2024-03-27T14:30`` or ``2024-03-27 14:30`` (ISO 8601, an offset if it has one,
    else UK time) or ``27/03/2024 14:30``."""
    text = text.strip()
    if not text:
        raise ValidationError({column: f"Enter {what}"})
    wrong = ValidationError(
        {column: f"Enter {what} as a date and time, like 2024-03-27 14:30 or 27/03/2024 14:30 (not {text!r})"}
    )
    day_text, _, time_text = text.replace("T", " ", 1).partition(" ")
    try:
        if _UK_DATE.match(day_text):
            day = date_value(day_text, column, what)
            moment = dt.datetime.combine(day, dt.time.fromisoformat(time_text.strip()))
        else:
            moment = dt.datetime.fromisoformat(text)
    except (ValueError, ValidationError):
        raise wrong from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def int_value(text: str, column: str, what: str) -> int | None:
    """A whole number, or None for an empty field."""
    text = text.strip()
    if not text:
        return None
    if not re.match(r"^[0-9]{1,9}\Z", text):
        raise ValidationError({column: f"Enter {what} as a whole number, like 12 (not {text!r})"})
    return int(text)


def bool_value(text: str, column: str, what: str) -> bool:
    """yes or no (also y/n, true/false, 1/0); empty is no."""
    lowered = text.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ValidationError({column: f"Enter yes or no for {what} (not {text.strip()!r})"})


def choice_value(
    text: str, column: str, what: str, choices: type[models.TextChoices] | type[models.IntegerChoices]
) -> str:
    """One of an enumeration's values, given as its code (``CUS``) or its label (``Custody (before release)``),
    capitals not mattering. Empty gives ''."""
    text = text.strip()
    if not text:
        return ""
    found = _lookup(choices).get(text.lower())
    if found is None:
        codes = ", ".join(str(value) for value in choices.values)
        raise ValidationError({column: f"Enter {what} as one of {codes} (not {text!r})"})
    return found


@functools.cache
def _lookup(choices: type[models.TextChoices] | type[models.IntegerChoices]) -> dict[str, str]:
    """An enumeration's values by their code and by their label, in lower case (built once: an import asks
    for them on every row)."""
    by_label = {str(label).lower(): str(value) for value, label in choices.choices}
    return by_label | {str(value).lower(): str(value) for value in choices.values}
