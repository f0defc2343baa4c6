"""Stored figures go stale when a decision dated within their period is recorded (the dashboard says so
until the next computation)."""

import datetime as dt
from typing import Any

from django.db.models.signals import post_save
from django.utils import timezone

from evenhand.cases.models import Allocation, EnforcementDecision, Referral

from .services import mark_stale


def _day(value: dt.date | dt.datetime) -> dt.date:
    return timezone.localdate(value) if isinstance(value, dt.datetime) else value


def _decided(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if not created or raw:
        return
    when = getattr(instance, "decided_at", None) or getattr(instance, "allocated_at", None)
    when = when or getattr(instance, "made_on", None)
    if when is not None:
        mark_stale(_day(when))


def connect() -> None:
    for model in (EnforcementDecision, Allocation, Referral):
        post_save.connect(_decided, sender=model, dispatch_uid=f"equality-stale-{model.__name__}")
