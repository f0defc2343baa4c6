"""The kinds of job, registered by the apps that run them (from their ``AppConfig.ready``), so that this app
runs an equality analysis or an import without importing the apps above it (ADR 4).

A kind names what the job does in words, how to run it, who may follow it, and what its finished result
links to; a schedule starts a job when it is due (checked by every worker's keeper, ``evenhand worker``).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone

if TYPE_CHECKING:
    from evenhand.org.models import StaffMember

    from .models import Job
    from .runner import Reporter


class JobFailed(Exception):
    """The job cannot be done as asked: the message says why, for the person who asked (not retried).
    ``field`` names the parameter at fault, when there is one."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Kind:
    """One kind of job. ``run(job, reporter)`` does the work, reporting its progress through ``reporter``,
    and returns the result to keep (JSON: a reference to what it made). ``steps`` is how many steps it
    reports when all goes well, for the progress bar."""

    name: str
    title: Callable[[dict[str, Any]], str]
    run: Callable[["Job", "Reporter"], dict[str, Any]]
    may_follow: Callable[["StaffMember", "Job"], bool] = lambda staff, job: False
    links: Callable[["Job"], list[tuple[str, str]]] = lambda job: []
    steps: Callable[[dict[str, Any]], int] = lambda parameters: 10
    max_attempts: int = 2


@dataclass(frozen=True)
class Schedule:
    """A job started when due: ``due(now)`` returns the key of the run that is due now (one run per key,
    ever), or None; ``start(key)`` starts it."""

    name: str
    due: Callable[[dt.datetime], str | None]
    start: Callable[[str], Any]


KINDS: dict[str, Kind] = {}
SCHEDULES: dict[str, Schedule] = {}
# Called after work that changes what figures summarise (an import): each app that keeps figures says what
# to do (the equality app starts its precomputation).
AFTER_DATA_CHANGES: list[Callable[[], Any]] = []
# Called after an import of one kind of data only, by the kind's name (the workforce app's figures after a
# "staff-events" import): figures that summarise nothing else are not computed again after other imports.
AFTER_IMPORT_OF: dict[str, list[Callable[[], Any]]] = {}


def register(kind: Kind) -> Kind:
    KINDS[kind.name] = kind
    return kind


def daily(job: str, *, from_hour: int = 0) -> Callable[[dt.datetime], str | None]:
    """A schedule's ``due`` for a job run once a day, from ``from_hour`` o'clock local time: the key of the
    day's run (``JOB:nightly:YYYY-MM-DD``) from then on, None before it."""
    if not 0 <= from_hour <= 23:
        raise ValueError("from_hour must be an hour of the day, 0 to 23")

    def due(now: dt.datetime) -> str | None:
        local = timezone.localtime(now)
        return f"{job}:nightly:{local.date()}" if local.hour >= from_hour else None

    return due


def schedule(entry: Schedule) -> Schedule:
    SCHEDULES[entry.name] = entry
    return entry


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise JobFailed(f"There is no kind of job called '{name}'") from None


def data_changed(kind: str = "") -> None:
    """Tell every app that keeps figures that the data they summarise has changed (after an import of
    ``kind``), unless the settings say not to (the tests, whose jobs would run at once)."""
    from django.conf import settings

    if not getattr(settings, "JOBS_AFTER_DATA_CHANGES", True):
        return
    for callback in [*AFTER_DATA_CHANGES, *AFTER_IMPORT_OF.get(kind, [])]:
        callback()
