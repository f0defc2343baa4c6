"""Helpers shared by the services of every app."""

import datetime as dt
import re
from dataclasses import dataclass
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

M = TypeVar("M", bound=models.Model)


def validated(instance: M, *, exclude: list[str] | None = None) -> M:
    """Run the model's own validation (fields, choices, constraints) and return the instance.

    Services call this before every save so that a bad value is reported by field, in words,
    instead of surfacing as a database integrity error.
    """
    instance.full_clean(exclude=exclude)
    return instance


def require_past(value: dt.date | dt.datetime, field: str, what: str) -> None:
    now = timezone.now()
    if isinstance(value, dt.datetime):
        limit: dt.date | dt.datetime = now
    elif value < now.date() - dt.timedelta(days=1):
        return  # before today in any time zone (none is more than a day from UTC): no need to ask which
    else:
        limit = timezone.localdate(now)
    if value > limit:
        raise ValidationError({field: f"{what} must be today or in the past"})


# --- free text -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextKind:
    """One kind of free text: how long it may be, and whether it may run over several lines."""

    limit: int
    lines: bool = False


# One limit per kind, the width of the column where the column is limited, so the service reports an
# over-long value in words before the model has to.
NAME = TextKind(100)  # a name, or a few words in a person's own words (their gender identity)
LANGUAGE = TextKind(60)  # a person's first language
LINE = TextKind(120)  # one line: a court, a location, a provider
SHORT_TEXT = TextKind(200)  # a sentence or two: an offence description, why someone is on an access list
TEXT = TextKind(5_000, lines=True)  # notes, a rationale, the reason for a referral

# C0 control characters and DEL: a NUL is refused by PostgreSQL and truncates text in C libraries, and the
# others are never typed. Tab, newline and carriage return belong in text that runs over several lines.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _capitalised(what: str) -> str:
    return what[:1].upper() + what[1:]


def plain_text(
    value: str | None,
    field: str,
    what: str,
    *,
    kind: TextKind = TEXT,
    required: bool = False,
    min_length: int = 1,
) -> str:
    """``value`` without surrounding white space, checked as free text of its ``kind``: no longer than the
    kind's limit and free of control characters (a NUL above all). ``required`` text must have at least
    ``min_length`` characters. Each problem is reported against ``field`` in words naming ``what`` it is."""
    text = (value or "").strip()
    if required and len(text) < min_length:
        more = f" (at least {min_length} characters)" if min_length > 1 else ""
        raise ValidationError({field: f"Enter {what}{more}"})
    if len(text) > kind.limit:
        raise ValidationError(
            {field: f"{_capitalised(what)} must be {kind.limit:,} characters or fewer (it has {len(text):,})"}
        )
    control = (_CONTROL_IN_LINES if kind.lines else _CONTROL).search(text)
    if control is not None:
        character = f"U+{ord(control.group()):04X}"
        raise ValidationError(
            {field: f"{_capitalised(what)} must not contain control characters (it has {character})"}
        )
    return text


def require_text(
    value: str | None, field: str, what: str, *, min_length: int = 1, kind: TextKind = TEXT
) -> str:
    """Free text that must be given (see ``plain_text``): "Enter …" when it is missing or too short."""
    return plain_text(value, field, what, kind=kind, required=True, min_length=min_length)
