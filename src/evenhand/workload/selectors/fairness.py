"""Allocation by ethnic group of the person on probation: who gets a PO at each tier, and how long they wait.

Each sentence's first allocation is counted once, with the person's tier on the day the allocation began (as the
workload figure reads it: the computed tier, else the one entered on a risk review) and the
grade of the practitioner it went to; the wait is the whole days from the sentence's start to the day the
practitioner became responsible (the allocation's start date: imported and historic allocations carry it, while
the moment a decision was keyed in may be long after). Two grouped queries; the equality engine can read the
same rows.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from evenhand.cases.models import Allocation, Tier
from evenhand.org.models import PDU, Grade, Region
from evenhand.people.models import EthnicGroup

from ..db import DaysBetween
from .figures import _tier_on

NOT_TIERED = "not tiered"


def first_allocations(*, region: Region | None = None, pdu: PDU | None = None) -> QuerySet[Allocation]:
    """Each sentence's first allocation, for people managed in the region or PDU (everywhere if neither)."""
    earlier = Allocation.objects.filter(sentence_id=OuterRef("sentence_id")).filter(
        Q(start_date__lt=OuterRef("start_date")) | Q(start_date=OuterRef("start_date"), pk__lt=OuterRef("pk"))
    )
    allocations = Allocation.objects.filter(~Exists(earlier))
    if pdu is not None:
        allocations = allocations.filter(sentence__person__pdu=pdu)
    elif region is not None:
        allocations = allocations.filter(sentence__person__pdu__region=region)
    return allocations


@dataclass
class WaitSummary:
    allocations: int = 0
    total_days: int = 0
    within_a_week: int = 0
    over_four_weeks: int = 0
    histogram: dict[int, int] = field(default_factory=dict)

    @property
    def mean_days(self) -> float | None:
        return self.total_days / self.allocations if self.allocations else None

    @property
    def median_days(self) -> float | None:
        if not self.allocations:
            return None
        ordered = sorted(self.histogram.items())
        middle = [(self.allocations - 1) // 2, self.allocations // 2]
        values = []
        for position in middle:
            seen = 0
            for days, count in ordered:
                seen += count
                if position < seen:
                    values.append(days)
                    break
        return sum(values) / 2


@dataclass
class GradeCounts:
    po: int = 0
    pso: int = 0

    @property
    def total(self) -> int:
        return self.po + self.pso

    @property
    def po_share(self) -> float | None:
        return 100 * self.po / self.total if self.total else None


@dataclass
class FairnessReport:
    since: dt.date
    groups: list[tuple[str, str]]
    tiers: list[str]
    # (ethnic group, tier or NOT_TIERED) -> grades allocated
    grades: dict[tuple[str, str], GradeCounts]
    waits: dict[str, WaitSummary]

    def grade_counts(self, group: str, tier: str) -> GradeCounts:
        return self.grades.get((group, tier), GradeCounts())

    def group_total(self, group: str) -> GradeCounts:
        total = GradeCounts()
        for (g, _), counts in self.grades.items():
            if g == group:
                total.po += counts.po
                total.pso += counts.pso
        return total


def allocation_fairness(
    *, region: Region | None = None, pdu: PDU | None = None, since: dt.date | None = None
) -> FairnessReport:
    """First allocations that began on or after ``since`` (a year ago by default), by the person's ethnic group."""
    since = since or timezone.localdate() - dt.timedelta(days=365)
    allocations = (
        first_allocations(region=region, pdu=pdu)
        .filter(start_date__gte=since)
        .annotate(
            group=Coalesce(
                F("sentence__person__diversity__ethnic_group"), Value(EthnicGroup.NOT_RECORDED.value)
            )
        )
    )
    # The tier the workload figure weighted the case by on that day: computed, or else entered on a review.
    tier_then = _tier_on(OuterRef("start_date"))
    grades: dict[tuple[str, str], GradeCounts] = defaultdict(GradeCounts)
    for row in (
        allocations.annotate(tier=tier_then)
        .order_by()
        .values("group", "tier", "practitioner__grade")
        .annotate(n=Count("pk"))
    ):
        counts = grades[(row["group"], row["tier"] or NOT_TIERED)]
        if row["practitioner__grade"] == Grade.PO:
            counts.po += row["n"]
        else:
            counts.pso += row["n"]
    waits: dict[str, WaitSummary] = defaultdict(WaitSummary)
    for wait_row in (
        allocations.annotate(days=DaysBetween(F("start_date"), F("sentence__start_date")))
        .order_by()
        .values("group", "days")
        .annotate(n=Count("pk"))
    ):
        wait = waits[wait_row["group"]]
        days, n = wait_row["days"], wait_row["n"]
        wait.allocations += n
        wait.total_days += days * n
        wait.within_a_week += n if days <= 7 else 0
        wait.over_four_weeks += n if days > 28 else 0
        wait.histogram[days] = wait.histogram.get(days, 0) + n
    return FairnessReport(
        since=since,
        groups=list(EthnicGroup.choices),
        tiers=[*Tier.values, NOT_TIERED],
        grades=dict(grades),
        waits=dict(waits),
    )
