"""The explained figure: every case, task and reduction that makes up a practitioner's workload on a date."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from evenhand.cases.models import Allocation
from evenhand.org.models import StaffMember
from evenhand.people.access import visible_people

from ..models import CapacityReduction, CaseWeighting, CountedTask
from .figures import (
    Figure,
    _tier_on,
    allocations_on,
    case_type_expression,
    figure_of,
    reductions_on,
    tasks_on,
)


@dataclass(frozen=True)
class ReductionLine:
    reduction: CapacityReduction
    hours: Decimal  # hours a week this reduction takes, on the date of the figure


@dataclass(frozen=True)
class Breakdown:
    """A figure and the lines it is made of. The lines add up to the figure exactly."""

    figure: Figure
    cases: list[Allocation]  # annotated: case_type, tier_on, points, visible
    tasks: list[CountedTask]  # annotated: points
    reductions: list[ReductionLine]

    @property
    def untiered(self) -> int:
        return len([case for case in self.cases if not case.tier_on])  # type: ignore[attr-defined]


def breakdown_cases(
    practitioner: StaffMember, viewer: StaffMember, day: dt.date, today: dt.date, weighting_id: int
) -> QuerySet[Allocation]:
    """The practitioner's cases on ``day`` with their case type, tier and points, biggest first.

    ``visible`` says whether the viewer may open the person's record; when not, the page shows no name or CRN.
    """
    return (
        Allocation.objects.filter(practitioner=practitioner)
        .filter(allocations_on(day, today))
        .select_related("sentence__person", "sentence__person__pdu", "sentence__person__pdu__region")
        .annotate(case_type=case_type_expression(), tier_on=_tier_on(day))
        .annotate(
            points=Coalesce(
                Subquery(
                    CaseWeighting.objects.filter(
                        version_id=weighting_id, case_type=OuterRef("case_type"), tier=OuterRef("tier_on")
                    ).values("points")[:1]
                ),
                0,
            ),
            visible=Exists(visible_people(viewer).filter(pk=OuterRef("sentence__person_id"))),
        )
        .order_by("-points", "sentence__start_date", "pk")
    )


def breakdown(
    practitioner: StaffMember, viewer: StaffMember, day: dt.date | None = None, today: dt.date | None = None
) -> Breakdown:
    """Which cases, counted tasks and reductions make up ``practitioner``'s figure on ``day``, with points."""
    today = today or timezone.localdate()
    day = day or today
    figure = figure_of(practitioner, day, today=today)
    weighting = figure.weighting
    task_points = Case(
        *[When(task_type=task, then=Value(points)) for task, points in weighting.tasks.items()],
        default=Value(0),
        output_field=IntegerField(),
    )
    tasks = (
        CountedTask.objects.filter(practitioner=practitioner)
        .filter(tasks_on(day, today))
        .select_related("person")
        .annotate(points=task_points)
        .order_by("due_date", "pk")
    )
    reductions = CapacityReduction.objects.filter(staff=practitioner).filter(reductions_on(day))
    return Breakdown(
        figure=figure,
        cases=list(breakdown_cases(practitioner, viewer, day, today, weighting.id)),
        tasks=list(tasks),
        reductions=[
            ReductionLine(
                r,
                r.hours
                if r.hours is not None
                else (r.percentage or Decimal(0)) * practitioner.contracted_hours / 100,
            )
            for r in reductions.order_by("start_date", "pk")
        ],
    )
