"""Workload figures: points, available points and capacity, for practitioners on given dates.

    available hours  = contracted hours - reductions in force (a percentage is taken of contracted hours)
    available points = nominal target * available hours / 37
    capacity %       = (case points + task points) / available points * 100

A figure is for a date: the cases allocated on that date, weighted by the person's tier on that date (the
latest tier Evenhand computed for them by then, ``assessment.TierCalculation``; for a person with none computed
by then, the tier on their latest risk summary assessed on or before it) in the weighting table in force on
that date; the counted tasks
open on that date; the reductions in force on that date. A date after today is a forecast: a case is expected
to end on its sentence's expected end date and an open task to be completed on its due date.

The database does the counting: for any set of practitioners and any number of dates, three grouped queries
(cases by practitioner, case type and tier; tasks by practitioner and type; reductions by practitioner) and one
for the practitioners themselves, however many cases they hold. Python multiplies the counts by the weights
and adds up per practitioner.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from evenhand.assessment.models import TierCalculation
from evenhand.cases.models import Allocation, RiskSummary, Sentence, SentenceType
from evenhand.org.models import PDU, Grade, Region, StaffMember, Team
from evenhand.people.models import Person

from ..models import CapacityReduction, CaseType, CountedTask, WeightingVersion
from ..rules import CASE_TYPE_OF_SENTENCE, FULL_TIME_HOURS, LICENCE_SENTENCE_TYPES

CASE_HOLDING_GRADES = (Grade.PSO, Grade.PO)
UNTIERED = "untiered"
ONE_DECIMAL = Decimal("0.1")


class NoWeightingInForce(Exception):
    """No weighting table version takes effect on or before the date asked about."""


# --- weighting tables -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Weighting:
    """One version of the weighting table, loaded."""

    id: int
    number: int
    effective_from: dt.date
    nominal_target: int
    cases: dict[tuple[str, str], int]
    tasks: dict[str, int]

    def case_points(self, case_type: str, tier: str | None) -> int:
        """Points for a case; an untiered case has no weighting yet and counts 0."""
        return self.cases.get((case_type, tier), 0) if tier else 0

    def task_points(self, task_type: str) -> int:
        return self.tasks.get(task_type, 0)


class Weightings:
    """Every version of the weighting table (a handful), loaded in three queries, by the date it applies to."""

    def __init__(self) -> None:
        versions = WeightingVersion.objects.prefetch_related("case_weightings", "task_weightings").order_by(
            "effective_from"
        )
        self.versions = [
            Weighting(
                id=v.pk,
                number=v.number,
                effective_from=v.effective_from,
                nominal_target=v.nominal_target,
                cases={(w.case_type, w.tier): w.points for w in v.case_weightings.all()},
                tasks={w.task_type: w.points for w in v.task_weightings.all()},
            )
            for v in versions
        ]

    def on(self, day: dt.date) -> Weighting:
        """The version in force on ``day``: the latest to take effect on or before it."""
        in_force = [v for v in self.versions if v.effective_from <= day]
        if not in_force:
            raise NoWeightingInForce(f"No workload weighting table is in force on {day:%d %B %Y}")
        return in_force[-1]


# --- figures ----------------------------------------------------------------------------------------------


def _percent(points: Decimal | int, available: Decimal) -> Decimal | None:
    if available <= 0:
        return None
    return (Decimal(points) * 100 / available).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass
class Figure:
    """One practitioner's workload on one date."""

    staff_id: int
    on: dt.date
    weighting: Weighting = field(repr=False)
    contracted_hours: Decimal
    name: str = ""
    staff_code: str = ""
    grade: str = ""
    team_id: int | None = None
    team_name: str = ""
    case_points: int = 0
    task_points: int = 0
    cases: int = 0
    tasks: int = 0
    reduction_hours: Decimal = Decimal(0)
    # Cases by tier letter (A, B, C, D) and "untiered".
    tiers: dict[str, int] = field(default_factory=dict)

    @property
    def points(self) -> int:
        return self.case_points + self.task_points

    @property
    def available_hours(self) -> Decimal:
        return max(self.contracted_hours - self.reduction_hours, Decimal(0))

    @property
    def available_points(self) -> Decimal:
        return self.weighting.nominal_target * self.available_hours / FULL_TIME_HOURS

    @property
    def capacity(self) -> Decimal | None:
        """Capacity %, to one decimal place; None when a 100% reduction leaves no available points."""
        return _percent(self.points, self.available_points)

    def capacity_with(self, extra_points: int) -> Decimal | None:
        """Capacity % if a case or task worth ``extra_points`` were added."""
        return _percent(self.points + extra_points, self.available_points)

    @property
    def over_capacity(self) -> bool:
        capacity = self.capacity
        return self.points > 0 if capacity is None else capacity > 100

    def tier_count(self, letter: str) -> int:
        return self.tiers.get(letter, 0)


@dataclass
class Rollup:
    """The practitioners of a team, PDU or region on one date, added up."""

    key: int
    name: str
    on: dt.date
    nominal_target: int
    practitioners: int = 0
    over_capacity: int = 0
    cases: int = 0
    points: int = 0
    contracted_hours: Decimal = Decimal(0)
    available_hours: Decimal = Decimal(0)

    def add(self, figure: Figure) -> None:
        self.practitioners += 1
        self.over_capacity += figure.over_capacity
        self.cases += figure.cases
        self.points += figure.points
        self.contracted_hours += figure.contracted_hours
        self.available_hours += figure.available_hours

    @property
    def available_points(self) -> Decimal:
        return self.nominal_target * self.available_hours / FULL_TIME_HOURS

    @property
    def capacity(self) -> Decimal | None:
        return _percent(self.points, self.available_points)


# --- the queries ------------------------------------------------------------------------------------------


def _tier_on(day: dt.date | OuterRef, person: str = "sentence__person_id") -> Coalesce:
    """The person's tier on ``day`` (a date, or a date column of the outer query): the latest tier computed
    for them by the end of that day (``assessment.TierCalculation``, the tier the calculation gives from the
    record); for a person with none computed by then, the tier entered on their latest risk summary assessed
    on or before it. Null when they have neither."""
    if isinstance(day, dt.date):
        # A range on the column itself, so the (person, computed_at, id) index answers it.
        next_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
        computed_by = Q(computed_at__lt=timezone.make_aware(next_day))
    else:
        computed_by = Q(computed_at__date__lte=day)
    computed = (
        TierCalculation.objects.filter(computed_by, person_id=OuterRef(person))
        .order_by("-computed_at", "-id")
        .values("tier")[:1]
    )
    recorded = (
        RiskSummary.objects.filter(person_id=OuterRef(person), assessed_on__lte=day)
        .order_by("-assessed_on", "-id")
        .values("tier")[:1]
    )
    return Coalesce(Subquery(computed), Subquery(recorded), output_field=CharField())


def tier_of(person_id: int, day: dt.date) -> str | None:
    """One person's tier on ``day``, as a workload figure weights their cases (:func:`_tier_on`)."""
    return (
        Person.objects.filter(pk=person_id)
        .annotate(tier_on=_tier_on(day, "pk"))
        .values_list("tier_on", flat=True)
        .first()
    )


def case_type_expression(sentence_type: str = "sentence__type") -> Case:
    return Case(
        When(**{f"{sentence_type}__in": LICENCE_SENTENCE_TYPES}, then=Value(CaseType.LICENCE.value)),
        When(**{sentence_type: SentenceType.CUSTODY}, then=Value(CaseType.CUSTODY.value)),
        default=Value(CaseType.COMMUNITY.value),
        output_field=CharField(),
    )


def allocations_on(day: dt.date, today: dt.date) -> Q:
    """Allocations whose case is held on ``day``; after today, only until the sentence's expected end."""
    held = (
        Q(start_date__lte=day)
        & (Q(end_date__isnull=True) | Q(end_date__gte=day))
        & (Q(sentence__termination_date__isnull=True) | Q(sentence__termination_date__gte=day))
        # An allocation corrected as made in error was never the practitioner's case, even on the day it lasted.
        & Q(correction__isnull=True)
    )
    if day > today:
        held &= Q(sentence__expected_end_date__gte=day)
    return held


def tasks_on(day: dt.date, today: dt.date) -> Q:
    """Counted tasks open on ``day``; after today an open task is expected to be done on its due date."""
    still_open = Q(completed_on__isnull=True)
    if day > today:
        still_open &= Q(due_date__gt=day)
    return Q(assigned_on__lte=day) & (Q(completed_on__gt=day) | still_open)


def reductions_on(day: dt.date) -> Q:
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def _union(parts: list[QuerySet]) -> Iterable[dict[str, Any]]:
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def _case_counts(staff: QuerySet[StaffMember], dates: Sequence[dt.date], today: dt.date) -> Iterable[dict]:
    parts = [
        Allocation.objects.filter(practitioner__in=staff.values("pk"))
        .filter(allocations_on(day, today))
        .annotate(slot=Value(i, IntegerField()), case_type=case_type_expression(), tier_on=_tier_on(day))
        .order_by()
        .values("slot", "practitioner_id", "case_type", "tier_on")
        .annotate(n=Count("pk"))
        for i, day in enumerate(dates)
    ]
    return _union(parts)


def _task_counts(staff: QuerySet[StaffMember], dates: Sequence[dt.date], today: dt.date) -> Iterable[dict]:
    parts = [
        CountedTask.objects.filter(practitioner__in=staff.values("pk"))
        .filter(tasks_on(day, today))
        .annotate(slot=Value(i, IntegerField()))
        .order_by()
        .values("slot", "practitioner_id", "task_type")
        .annotate(n=Count("pk"))
        for i, day in enumerate(dates)
    ]
    return _union(parts)


def _reduction_totals(staff: QuerySet[StaffMember], dates: Sequence[dt.date]) -> Iterable[dict]:
    parts = [
        CapacityReduction.objects.filter(staff__in=staff.values("pk"))
        .filter(reductions_on(day))
        .annotate(slot=Value(i, IntegerField()))
        .order_by()
        .values("slot", "staff_id")
        .annotate(hours_total=Sum("hours"), percentage_total=Sum("percentage"))
        for i, day in enumerate(dates)
    ]
    return _union(parts)


def _decimal(value: Any) -> Decimal:
    # SQLite hands sums of decimals back as floats; a decimal's own digits are what was recorded.
    return Decimal(str(value)) if value is not None else Decimal(0)


def figures(
    staff: QuerySet[StaffMember],
    dates: Sequence[dt.date],
    *,
    today: dt.date | None = None,
    weightings: Weightings | None = None,
) -> list[dict[int, Figure]]:
    """The workload of each of ``staff`` on each of ``dates``: one ``{staff id: Figure}`` per date, in order.

    A member of staff appears on a date only if they were in post then (started on or before it, not yet left).
    Seven queries whatever the number of staff, cases or dates.
    """
    today = today or timezone.localdate()
    weightings = weightings or Weightings()
    tables = [weightings.on(day) for day in dates]
    members = list(
        staff.order_by().values(
            "pk",
            "first_name",
            "last_name",
            "staff_code",
            "grade",
            "team_id",
            "team__name",
            "contracted_hours",
            "start_date",
            "end_date",
        )
    )
    result: list[dict[int, Figure]] = []
    for slot, day in enumerate(dates):
        result.append(
            {
                m["pk"]: Figure(
                    staff_id=m["pk"],
                    on=day,
                    weighting=tables[slot],
                    contracted_hours=m["contracted_hours"],
                    name=f"{m['first_name']} {m['last_name']}",
                    staff_code=m["staff_code"],
                    grade=m["grade"],
                    team_id=m["team_id"],
                    team_name=m["team__name"] or "",
                )
                for m in members
                if m["start_date"] <= day and (m["end_date"] is None or m["end_date"] >= day)
            }
        )
    if not members:
        return result
    for row in _case_counts(staff, dates, today):
        figure = result[row["slot"]].get(row["practitioner_id"])
        if figure is None:
            continue
        tier = row["tier_on"]
        figure.cases += row["n"]
        figure.case_points += row["n"] * figure.weighting.case_points(row["case_type"], tier)
        letter = tier[0] if tier else UNTIERED
        figure.tiers[letter] = figure.tiers.get(letter, 0) + row["n"]
    for row in _task_counts(staff, dates, today):
        figure = result[row["slot"]].get(row["practitioner_id"])
        if figure is not None:
            figure.tasks += row["n"]
            figure.task_points += row["n"] * figure.weighting.task_points(row["task_type"])
    for row in _reduction_totals(staff, dates):
        figure = result[row["slot"]].get(row["staff_id"])
        if figure is not None:
            figure.reduction_hours = (
                _decimal(row["hours_total"])
                + _decimal(row["percentage_total"]) * figure.contracted_hours / 100
            )
    return result


def figures_on(staff: QuerySet[StaffMember], day: dt.date | None = None) -> list[Figure]:
    """Each practitioner's figure on one date (today by default), highest capacity first."""
    day = day or timezone.localdate()
    return sort_figures(figures(staff, [day])[0].values(), "capacity")


def figure_of(
    practitioner: StaffMember, day: dt.date | None = None, *, today: dt.date | None = None
) -> Figure:
    """One practitioner's figure on one date (today by default)."""
    today = today or timezone.localdate()
    day = day or today
    found = figures(StaffMember.objects.filter(pk=practitioner.pk), [day], today=today)[0]
    if practitioner.pk in found:
        return found[practitioner.pk]
    # Not in post on that date: nothing counts.
    return Figure(
        staff_id=practitioner.pk,
        on=day,
        weighting=Weightings().on(day),
        contracted_hours=practitioner.contracted_hours,
        name=practitioner.full_name,
        staff_code=practitioner.staff_code,
        grade=practitioner.grade,
        team_id=practitioner.team_id,
    )


SORT_KEYS = {
    "capacity": lambda f: (f.capacity if f.capacity is not None else Decimal("Infinity"), f.points),
    "name": lambda f: f.name.lower(),
    "grade": lambda f: (f.grade, f.name.lower()),
    "cases": lambda f: f.cases,
    "points": lambda f: f.points,
}
DESCENDING = {"capacity", "cases", "points"}


def sort_figures(rows: Iterable[Figure], by: str) -> list[Figure]:
    by = by if by in SORT_KEYS else "capacity"
    return sorted(rows, key=SORT_KEYS[by], reverse=by in DESCENDING)


# --- teams, PDUs and regions ------------------------------------------------------------------------------


def case_holders() -> QuerySet[StaffMember]:
    return StaffMember.objects.filter(grade__in=CASE_HOLDING_GRADES)


def team_workload(team: Team, day: dt.date | None = None, sort: str = "capacity") -> list[Figure]:
    """Every PSO and PO in the team with their figure on ``day``."""
    day = day or timezone.localdate()
    return sort_figures(figures(case_holders().filter(team=team), [day])[0].values(), sort)


def _rollup(
    staff: QuerySet[StaffMember], day: dt.date, group: str, names: dict[int, str]
) -> tuple[list[Rollup], Rollup]:
    weightings = Weightings()
    nominal = weightings.on(day).nominal_target
    groups = {key: Rollup(key=key, name=name, on=day, nominal_target=nominal) for key, name in names.items()}
    total = Rollup(key=0, name="Total", on=day, nominal_target=nominal)
    unit_of = dict(staff.values_list("pk", group))
    for figure in figures(staff, [day], weightings=weightings)[0].values():
        groups[unit_of[figure.staff_id]].add(figure)
        total.add(figure)
    return sorted(groups.values(), key=lambda g: g.name), total


def pdu_rollup(pdu: PDU, day: dt.date | None = None) -> tuple[list[Rollup], Rollup]:
    """Each team of the PDU added up, and the PDU as a whole."""
    day = day or timezone.localdate()
    teams = dict(Team.objects.filter(pdu=pdu).values_list("pk", "name"))
    return _rollup(case_holders().filter(team__pdu=pdu), day, "team_id", teams)


def region_rollup(region: Region, day: dt.date | None = None) -> tuple[list[Rollup], Rollup]:
    """Each PDU of the region added up, and the region as a whole."""
    day = day or timezone.localdate()
    pdus = dict(PDU.objects.filter(region=region).values_list("pk", "name"))
    return _rollup(case_holders().filter(team__pdu__region=region), day, "team__pdu_id", pdus)


# --- over time --------------------------------------------------------------------------------------------


def trend_dates(today: dt.date, months: int = 12) -> list[dt.date]:
    """The last day of each of the previous ``months - 1`` months, then today: a year of month ends."""
    dates = [today]
    month_start = today.replace(day=1)
    for _ in range(months - 1):
        month_end = month_start - dt.timedelta(days=1)
        dates.append(month_end)
        month_start = month_end.replace(day=1)
    return sorted(dates)


def forecast_dates(today: dt.date, weeks: int = 12) -> list[dt.date]:
    return [today + dt.timedelta(weeks=week) for week in range(1, weeks + 1)]


def series(staff: StaffMember, dates: Sequence[dt.date], today: dt.date | None = None) -> list[Figure]:
    """One practitioner's figure on each date (dates when they were not in post are left out)."""
    found = figures(StaffMember.objects.filter(pk=staff.pk), dates, today=today)
    return [by_staff[staff.pk] for by_staff in found if staff.pk in by_staff]


def team_series(
    staff: QuerySet[StaffMember], dates: Sequence[dt.date], name: str, today: dt.date | None = None
) -> list[Rollup]:
    """A group of practitioners added up on each date: the team forecast."""
    weightings = Weightings()
    result = []
    for day, by_staff in zip(dates, figures(staff, dates, today=today, weightings=weightings), strict=True):
        rollup = Rollup(key=0, name=name, on=day, nominal_target=weightings.on(day).nominal_target)
        for figure in by_staff.values():
            rollup.add(figure)
        result.append(rollup)
    return result


# --- one case ---------------------------------------------------------------------------------------------


def case_type_of(sentence: Sentence) -> CaseType:
    return CASE_TYPE_OF_SENTENCE[sentence.type]


def points_for_sentence(sentence: Sentence, day: dt.date | None = None) -> int:
    """What the case would add to a practitioner's workload on ``day``, at the person's tier then."""
    day = day or timezone.localdate()
    return Weightings().on(day).case_points(case_type_of(sentence), tier_of(sentence.person_id, day))
