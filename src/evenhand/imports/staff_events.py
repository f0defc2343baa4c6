"""The staff-events kind of import file: an HR extract of staff members' HR events (workforce app, issue 17).

Each row is one event of one member of staff, named by their staff code, checked by the workforce rules the
service applies to an event recorded one at a time (``workforce.rules``: the fields its kind uses, and its
place in the staff member's history). The history a row is checked against is the staff member's standing
events with the good rows of the file before it, so a file may hold a whole career, joining first.
"""

from collections.abc import Sequence
from dataclasses import replace
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.utils import timezone

from evenhand.org.models import Grade, Role, StaffMember
from evenhand.workforce.models import (
    EventKind,
    ExitTheme,
    GrievanceKind,
    HrEvent,
    JoinRoute,
    LeavingReason,
    Outcome,
    PqipStage,
)
from evenhand.workforce.rules import Event, check_fields, check_history
from evenhand.workforce.selectors import standing_events_of
from evenhand.workforce.services import events_imported

from .bulk import insert, reserve_ids
from .csvfile import Row
from .kinds import Checked, Context, Kind
from .models import ImportKind
from .values import choice_value, date_value, int_value

FILE_ROW_IDS = 2**60


class StaffEventsKind(Kind):
    kind = ImportKind.STAFF_EVENTS
    label = "staff events"
    # HR extracts are loaded by HR analysts: the events are theirs to measure, and they name no profile.
    importers: ClassVar[tuple[str, ...]] = (Role.HR_ANALYST,)
    required = ("source_id", "staff_code", "kind", "occurred_on")
    optional = (
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
    CHOICES: ClassVar[dict[str, tuple[str, type]]] = {
        "grade": ("the grade", Grade),
        "route": ("the route into the job", JoinRoute),
        "pqip_stage": ("the PQiP stage", PqipStage),
        "grievance_kind": ("the kind of grievance", GrievanceKind),
        "outcome": ("the outcome", Outcome),
        "investigator_grade": ("the investigator's grade", Grade),
        "leaving_reason": ("the reason for leaving", LeavingReason),
    }

    def __init__(self) -> None:
        # Per staff member met so far: their standing events and this file's good rows, as rule values.
        self.history: dict[int, list[Event]] = {}
        self.staff: dict[str, StaffMember] = {}

    def prepare(self, rows: Sequence[Row], context: Context) -> None:
        codes = {row.values.get("staff_code", "") for row in rows} - {""} - set(self.staff)
        found = list(StaffMember.objects.filter(staff_code__in=codes).only("id", "staff_code"))
        self.staff.update({member.staff_code: member for member in found})
        for pk, events in standing_events_of([m.pk for m in found if m.pk not in self.history]).items():
            self.history[pk] = events

    def check(self, row: Row, context: Context) -> Checked:
        values = row.values
        staff = self.staff.get(values["staff_code"])
        if staff is None:
            raise ValidationError(
                {"staff_code": f"There is no member of staff with the code {values['staff_code']}"}
            )
        kind = choice_value(values["kind"], "kind", "the kind of event", EventKind)
        if not kind:
            raise ValidationError({"kind": "Enter the kind of event"})
        chosen = {
            column: choice_value(values.get(column, ""), column, what, choices)  # type: ignore[arg-type]
            for column, (what, choices) in self.CHOICES.items()
        }
        themes = tuple(
            choice_value(theme, "exit_themes", "each exit interview theme", ExitTheme)
            for theme in values.get("exit_themes", "").split(";")
            if theme.strip()
        )
        event = Event(
            kind=kind,
            occurred_on=date_value(values["occurred_on"], "occurred_on", "the date of the event"),
            grade=chosen["grade"],
            route=chosen["route"],
            pqip_stage=chosen["pqip_stage"],
            grievance_kind=chosen["grievance_kind"],
            outcome=chosen["outcome"],
            days=int_value(values.get("days", ""), "days", "the days"),
            investigator_grade=chosen["investigator_grade"],
            course=values.get("course", ""),
            leaving_reason=chosen["leaving_reason"],
            exit_themes=themes,
        )
        event = check_fields(event, today=timezone.localdate())
        history = self.history.setdefault(staff.pk, [])
        check_history(event, history)
        # Later rows of the file are checked against this one: an id past any stored event's, in file order, so
        # that on one day it comes after what is stored and after the rows above it.
        history.append(replace(event, pk=FILE_ROW_IDS + row.number))
        record = HrEvent(
            staff_id=staff.pk,
            **event.values(),
            recorded_by=context.by,
            recorded_at=context.now,
        )
        return Checked(row, record)

    def write(self, checked: list[Checked], context: Context) -> list[int]:
        events: list[HrEvent] = [c.record for c in checked]  # type: ignore[misc]
        for event, pk in zip(events, reserve_ids(HrEvent, len(events)), strict=True):
            event.pk = pk
        insert(HrEvent, events)
        # The workforce comparison's stored figures over these days are stale (recomputed after the import).
        events_imported(event.occurred_on for event in events)
        return [event.pk for event in events]
