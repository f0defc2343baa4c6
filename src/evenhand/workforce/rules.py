"""The rules an HR event must satisfy: the fields its kind uses, and its place in the staff member's history.

Plain functions over plain values (no database), shared by the services and the import, so that a row of an
HR extract is refused for the same reasons, in the same words, as an event recorded one at a time. Each
refusal is a ``ValidationError`` keyed by the field at fault.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace

from django.core.exceptions import ValidationError

from evenhand.org.models import Grade

from .models import (
    BAND,
    OUTCOMES_OF,
    EventKind,
    ExitTheme,
    GrievanceKind,
    JoinRoute,
    LeavingReason,
    Outcome,
    PqipStage,
)

EARLIEST = dt.date(1950, 1, 1)
MAX_SICKNESS_DAYS = 366
MAX_DAYS_TO_OUTCOME = 3660
COURSE_LIMIT = 120

# Within one day: joining comes first and leaving last, so that a same-day start and first event, or a last
# event and leaving, are in order.
_DAY_ORDER = {EventKind.JOINED: 0, EventKind.LEFT: 2}

# The fields each kind uses (and requires, unless marked optional below); every other field must be empty.
FIELDS_OF: dict[str, tuple[str, ...]] = {
    EventKind.JOINED: ("grade", "route"),
    EventKind.PROMOTED: ("grade",),
    EventKind.TEMPORARY_PROMOTION: ("grade",),
    EventKind.TEMPORARY_PROMOTION_ENDED: (),
    EventKind.DEMOTED: ("grade",),
    EventKind.PQIP: ("pqip_stage",),
    EventKind.TRAINING: ("course",),
    EventKind.SICKNESS: ("days",),
    EventKind.GRIEVANCE: ("grievance_kind", "outcome", "days", "investigator_grade"),
    EventKind.CONDUCT: ("outcome", "days", "investigator_grade"),
    EventKind.PERFORMANCE: ("outcome",),
    EventKind.LEFT: ("leaving_reason", "exit_themes"),
}
OPTIONAL = {"investigator_grade", "exit_themes"}
# A grievance may be recorded before its outcome (then without days); the outcome comes as a correction.
OPTIONAL_OF: dict[str, set[str]] = {EventKind.GRIEVANCE: {"outcome", "days"}, EventKind.CONDUCT: {"days"}}
ALL_FIELDS = (
    "grade",
    "route",
    "pqip_stage",
    "grievance_kind",
    "outcome",
    "days",
    "investigator_grade",
    "course",
    "leaving_reason",
    "exit_themes",
)
_CHOICES: dict[str, type] = {
    "grade": Grade,
    "investigator_grade": Grade,
    "route": JoinRoute,
    "pqip_stage": PqipStage,
    "grievance_kind": GrievanceKind,
    "outcome": Outcome,
    "leaving_reason": LeavingReason,
}
_WORDS = {
    "grade": "grade",
    "route": "route",
    "pqip_stage": "PQiP stage",
    "grievance_kind": "kind of grievance",
    "outcome": "outcome",
    "days": "days",
    "investigator_grade": "investigator's grade",
    "course": "course",
    "leaving_reason": "reason for leaving",
    "exit_themes": "exit interview themes",
}


@dataclass(frozen=True)
class Event:
    """An HR event's values, recorded or proposed (``pk`` None)."""

    kind: str
    occurred_on: dt.date
    grade: str = ""
    route: str = ""
    pqip_stage: str = ""
    grievance_kind: str = ""
    outcome: str = ""
    days: int | None = None
    investigator_grade: str = ""
    course: str = ""
    leaving_reason: str = ""
    exit_themes: tuple[str, ...] = field(default=())
    pk: int | None = None

    @property
    def label(self) -> str:
        return f"{EventKind(self.kind).label.lower()} on {self.occurred_on:%-d %B %Y}"

    def values(self) -> dict[str, object]:
        """The event's fields as an ``HrEvent`` row takes them (every one but ``pk``; the themes as a list)."""
        values = {each.name: getattr(self, each.name) for each in fields(self) if each.name != "pk"}
        values["exit_themes"] = list(self.exit_themes)
        return values

    def sort_key(self) -> tuple[dt.date, int, int]:
        return (self.occurred_on, _DAY_ORDER.get(EventKind(self.kind), 1), self.pk or 2**62)


def _empty(value: object) -> bool:
    return value in ("", None, ()) or value == []


def check_fields(event: Event, *, today: dt.date) -> Event:
    """The event's own values: a known kind, a date in range, the fields its kind needs (known values, in
    bounds) and no others. Returns the event with its text trimmed."""
    if event.kind not in EventKind.values:
        raise ValidationError({"kind": f"'{event.kind}' is not a kind of HR event"})
    kind = EventKind(event.kind)
    if event.occurred_on > today:
        raise ValidationError({"occurred_on": "The date must be today or in the past"})
    if event.occurred_on < EARLIEST:
        raise ValidationError({"occurred_on": f"The date must be on or after {EARLIEST:%-d %B %Y}"})
    event = replace(event, course=event.course.strip(), exit_themes=tuple(event.exit_themes))
    used = FIELDS_OF[kind]
    optional = OPTIONAL | OPTIONAL_OF.get(kind, set())
    for name in ALL_FIELDS:
        value = getattr(event, name)
        if name not in used:
            if not _empty(value):
                raise ValidationError({name: f"A {kind.label.lower()} event has no {_WORDS[name]}"})
            continue
        if _empty(value):
            if name not in optional:
                raise ValidationError({name: f"Enter the {_WORDS[name]} of a {kind.label.lower()} event"})
            continue
        choices = _CHOICES.get(name)
        if choices is not None and value not in choices.values:  # type: ignore[attr-defined]
            raise ValidationError({name: f"'{value}' is not a known {_WORDS[name]}"})
    if kind in OUTCOMES_OF and event.outcome and event.outcome not in OUTCOMES_OF[kind]:
        allowed = ", ".join(OUTCOMES_OF[kind])
        raise ValidationError(
            {"outcome": f"'{event.outcome}' is not an outcome of a {kind.label.lower()} (one of {allowed})"}
        )
    if kind == EventKind.GRIEVANCE and bool(event.outcome) != (event.days is not None):
        raise ValidationError(
            {"days": "Give the days to the outcome exactly when the grievance has an outcome"}
        )
    if event.days is not None:
        limit = MAX_SICKNESS_DAYS if kind == EventKind.SICKNESS else MAX_DAYS_TO_OUTCOME
        low = 1 if kind == EventKind.SICKNESS else 0
        if not low <= event.days <= limit:
            raise ValidationError({"days": f"Days must be a whole number from {low} to {limit}"})
    if len(event.course) > COURSE_LIMIT:
        raise ValidationError({"course": f"The course must be at most {COURSE_LIMIT} characters"})
    unknown = [theme for theme in event.exit_themes if theme not in ExitTheme.values]
    if unknown:
        raise ValidationError({"exit_themes": f"'{unknown[0]}' is not a known exit interview theme"})
    if len(set(event.exit_themes)) != len(event.exit_themes):
        raise ValidationError({"exit_themes": "Give each exit interview theme once"})
    return event


@dataclass
class _State:
    joined_on: dt.date | None = None
    left_on: dt.date | None = None
    grade: str = ""
    temporary_grade: str = ""
    temporary_since: dt.date | None = None


def _step(state: _State, event: Event) -> str | None:
    """Apply one event to the state of employment; the reason it cannot happen then, or None."""
    kind = EventKind(event.kind)
    employed = state.joined_on is not None and state.left_on is None
    if kind == EventKind.JOINED:
        if employed:
            return f"the staff member has been employed since {state.joined_on:%-d %B %Y} (joined twice)"
        state.joined_on, state.left_on, state.grade = event.occurred_on, None, event.grade
        state.temporary_grade, state.temporary_since = "", None
        return None
    if not employed:
        if state.left_on is not None:
            return f"the staff member left on {state.left_on:%-d %B %Y}"
        return "the staff member has no joining event on or before it"
    if kind in (EventKind.PROMOTED, EventKind.DEMOTED):
        higher = BAND[event.grade] > BAND[state.grade]
        lower = BAND[event.grade] < BAND[state.grade]
        if kind == EventKind.PROMOTED and not higher:
            return f"a promotion must be to a higher grade than {Grade(state.grade).label}"
        if kind == EventKind.DEMOTED and not lower:
            return f"a demotion must be to a lower grade than {Grade(state.grade).label}"
        state.grade, state.temporary_grade, state.temporary_since = event.grade, "", None
    elif kind == EventKind.TEMPORARY_PROMOTION:
        if state.temporary_grade:
            return f"a temporary promotion has been running since {state.temporary_since:%-d %B %Y}"
        if BAND[event.grade] <= BAND[state.grade]:
            return f"a temporary promotion must be to a higher grade than {Grade(state.grade).label}"
        state.temporary_grade, state.temporary_since = event.grade, event.occurred_on
    elif kind == EventKind.TEMPORARY_PROMOTION_ENDED:
        if not state.temporary_grade:
            return "there is no temporary promotion running to end"
        state.temporary_grade, state.temporary_since = "", None
    elif kind == EventKind.LEFT:
        state.left_on, state.temporary_grade, state.temporary_since = event.occurred_on, "", None
    return None


def check_history(new: Event, standing: Iterable[Event], *, replaces: int | None = None) -> None:
    """The staff member's standing events with ``new`` added (in place of the event ``replaces``, for a
    correction) must make one consistent history: nothing before joining or after leaving, no joining twice
    while employed, no leaving twice, promotions up and demotions down. The refusal names ``occurred_on`` (or
    ``grade`` for a grade that goes the wrong way) and, when the new event upsets a later one, that one too."""
    events: Sequence[Event] = sorted(
        [e for e in standing if e.pk != replaces] + [new], key=lambda e: e.sort_key()
    )
    state = _State()
    for event in events:
        problem = _step(state, event)
        if problem is None:
            continue
        field_name = "grade" if problem.startswith("a ") and "grade" in problem else "occurred_on"
        if event is new:
            raise ValidationError({field_name: f"The {new.label} cannot be recorded: {problem}"})
        raise ValidationError(
            {"occurred_on": f"The {new.label} would make the {event.label} impossible: {problem}"}
        )
