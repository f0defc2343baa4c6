"""Helpers shared by the services of every app."""

import datetime as dt
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
    limit: dt.date | dt.datetime = now if isinstance(value, dt.datetime) else timezone.localdate(now)
    if value > limit:
        raise ValidationError({field: f"{what} must be today or in the past"})


def require_text(value: str, field: str, what: str, *, min_length: int = 1) -> str:
    text = (value or "").strip()
    if len(text) < min_length:
        more = f" (at least {min_length} characters)" if min_length > 1 else ""
        raise ValidationError({field: f"Enter {what}{more}"})
    return text
