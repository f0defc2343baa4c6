"""The workforce equality publication (issue 17 item 5): a period's workforce measures for a unit, as one set
of linked tables, protected and audited by the shared disclosure machinery (``evenhand.disclosure``, ADR 0006)
before anything is written, and stored as a release nobody can change or delete (``WorkforceRelease``).

What it publishes, for each characteristic (ethnic group, sex, disability) whose **declaration rule** the unit
passes (``measures.common._withheld``: below the threshold the publication says why and shows no group):

- the unit's staff by group and by grade within group (representation), with grade and group totals;
- every measure of ``measures.workforce_report`` that is a proportion: per group the people (or things)
  counted and those with the event, the rate with its interval, the relative rate against the reference
  group, its q-value (Benjamini-Hochberg over the report) and flag; promotion also adjusted for grade and
  length of service; the per-100 figures (grievances, conduct cases, performance procedures, PQiP
  applications) with their event counts; the allocations of sensitive cases;
- the figures that are not proportions (median years in grade, median days to a grievance's outcome,
  sickness days per FTE) with the number of staff or grievances behind each.

**The cells and relations** a reader knows, each declared here (``_Builder``): the groups of each table add
up to its total of everyone who declared; the grades of each group add up to the group's staff, and the
groups of each grade to the grade's total; one count published in several tables is one cell (the staff of
a group are the denominator of promotion, temporary promotion, leaving, grievances, conduct, performance and
sickness; those who applied for PQiP are the numerator of one table and the denominator of the next; the
applicants at a recruitment stage likewise; a group's sensitive allocations are a column of one table and the
denominator of the next); and the people with an event are at most the events (a grievance raiser at most the
grievances), leavers by each reason together at most the leavers, the staff in post at the end, the eligible
for PQiP and the practitioners at most the group's staff; and, because a breakdown is shown only where the
unit passes the declaration rule, those who declared at least that share (60%) of the unit's staff. The
people without an event are never published but follow from the two published counts, so they are implied
cells, protected too.

Counts of 1 to 4 are suppressed (``[c]``) and secondary suppression is chosen by ``disclosure.protect`` so
that none can be narrowed to within 5 of its value from every table together; the auditor then attacks the
whole publication by linear programming and its result is stored with the release. A rate, interval,
relative rate or median from a suppressed count is suppressed too, and every relative rate of a table whose
reference group is suppressed.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from evenhand.core import ods
from evenhand.core.formatting import PUBLISHED_CONFIDENTIAL, PUBLISHED_NOT_APPLICABLE, PUBLISHED_NOT_AVAILABLE
from evenhand.disclosure import Cells, CellSystem, Key, Protection, Rules, manifest, protect
from evenhand.disclosure.manifest import PublishedTable
from evenhand.org.models import PDU, Region, StaffMember

from .access import can_see_aggregates
from .measures import (
    CHARACTERISTICS,
    REFERENCE,
    MeasureTable,
    SummaryTable,
    WorkforceReport,
    workforce_report,
)
from .models import WorkforceRelease

RULES = Rules()  # counts of 1 to 4 suppressed, open 5 either side (the equality publication's rule)
SUPPRESSED = PUBLISHED_CONFIDENTIAL
DECLARED = "All who declared"
# What suppressing a cell costs: a total more than a group's figure, the unit's staff most.
COST = {"group": 1.0, "total": 2.0, "unit": 4.0}
SHORTHAND = {
    SUPPRESSED: "confidential: fewer than 5 people, or a figure from which such a number could be worked out",
    PUBLISHED_NOT_AVAILABLE: "not available: no one to work a rate or a figure from",
    PUBLISHED_NOT_APPLICABLE: "not applicable",
}
_YEAR = re.compile(r"^\s*(\d{4})\s*$")
_FINANCIAL = re.compile(r"^\s*(\d{4})\s*-\s*(\d{2})\s*$")
_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*Q\s*([1-4])\s*$", re.IGNORECASE)


def today() -> dt.date:
    return timezone.localdate()


# --- the period and the unit -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicationPeriod:
    """A period the workforce publication covers: a calendar year (``2025``), a financial year (``2025-26``,
    April to March, as the service's own workforce statistics) or a quarter (``2026Q1``)."""

    code: str
    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, text: str) -> PublicationPeriod:
        """Raises ``ValueError`` with a message saying what a period looks like."""
        if match := _YEAR.match(text or ""):
            year = int(match[1])
            return cls(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))
        if match := _FINANCIAL.match(text or ""):
            year, following = int(match[1]), int(match[2])
            if following != (year + 1) % 100:
                raise ValueError(
                    f"'{text.strip()}' is not a financial year: the second year follows the first"
                )
            return cls(f"{year}-{following:02d}", dt.date(year, 4, 1), dt.date(year + 1, 3, 31))
        if match := _QUARTER.match(text or ""):
            year, quarter = int(match[1]), int(match[2])
            start = dt.date(year, 3 * quarter - 2, 1)
            end = (
                dt.date(year, 12, 31)
                if quarter == 4
                else dt.date(year, 3 * quarter + 1, 1) - dt.timedelta(days=1)
            )
            return cls(f"{year}Q{quarter}", start, end)
        raise ValueError(
            f"'{text}' is not a period: enter a year (2025), a financial year (2025-26) or a quarter (2026Q1)"
        )

    @property
    def label(self) -> str:
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"


def unit_code(text: str, *, national_if_empty: bool, must_exist: bool = True) -> str:
    """A unit as typed: ``national`` (in any case), or a region or PDU code in upper case. Nothing typed is
    ``national`` when ``national_if_empty`` (the publication: national unless a unit is given), else ``""``,
    for the caller's own default (the comparison page: the viewer's starting unit). When ``must_exist`` a
    code names a region or PDU that exists (``ValueError`` naming it otherwise); without it the caller checks
    (the comparison page, against the units the viewer may see)."""
    code = (text or "").strip()
    if not code:
        return "national" if national_if_empty else ""
    if code.lower() == "national":
        return "national"
    code = code.upper()
    if not must_exist:
        return code
    if not (Region.objects.filter(code=code).exists() or PDU.objects.filter(code=code).exists()):
        raise ValueError(f"There is no region or PDU with the code '{code}': give one, or 'national'")
    return code


# --- the cells ---------------------------------------------------------------------------------------------


# For each measure of the report: the key of its counted cell and of its events, by group (see the module
# docstring for why several measures share a cell). "{g}" is the group.
def _n_kind(measure: str) -> tuple[str, ...]:
    if measure in ("promotion", "temporary_promotion", "leaving", "grievance", "conduct", "performance"):
        return ("staff",)
    if measure.startswith("leaving_"):
        return ("leavers",)
    if measure == "grievance_upheld":
        return ("decided",)
    if measure == "pqip_applied":
        return ("eligible",)
    if measure == "pqip_success":
        return ("with", "pqip_applied")
    if measure.startswith("recruitment_"):
        before, _ = _stages(measure)
        return ("stage", before)
    if measure == "sensitive_given":
        return ("practitioners",)
    if measure == "sensitive_consulted":
        return ("allocations",)
    raise ValueError(f"the publication does not know the measure {measure}")


def _events_kind(measure: str) -> tuple[str, ...]:
    if measure.startswith("recruitment_"):
        # Stages are reached in order (services.record_applicant_stage), so the applicants at one stage who
        # reached a later one are that later stage's applicants: one count, published in two tables.
        return ("stage", _stages(measure)[1])
    return ("with", measure)


def _stages(measure: str) -> tuple[str, str]:
    from .models import STAGE_ORDER

    rest = measure.removeprefix("recruitment_")
    for before in STAGE_ORDER:
        if rest.startswith(before + "_"):
            return before, rest.removeprefix(before + "_")
    raise ValueError(f"the publication does not know the measure {measure}")


# Columns of a table that are counts of events beside its people: (column, cell kind).
_EXTRA = {
    "grievance": ("all_events", "grievance"),
    "conduct": ("all_events", "conduct"),
    "performance": ("all_events", "performance"),
    "pqip_applied": ("all_events", "pqip_applied"),
    "sensitive_given": ("allocations",),
}


def key(characteristic: str, kind: Sequence[str], group: str) -> Key:
    """A published count: what it counts (``("with", "promotion")``), by which characteristic, for which group
    (or ``DECLARED``, everyone who declared)."""
    return (characteristic, *kind, group)


class _Builder:
    """Declares the cells of every characteristic's report and the relations between them."""

    def __init__(self, staff: int) -> None:
        self.system = CellSystem()
        self.named: set[str] = set()
        self.unit = ("unit", "staff")
        self.system.cell(self.unit, staff, cost=COST["unit"])

    def cell(self, at: Key, value: int, *, implied: bool = False) -> Key:
        total = at[-1] == DECLARED
        self.system.cell(at, int(value), implied=implied, cost=COST["total" if total else "group"])
        return at

    def add(self, whole: Key, parts: Sequence[Key], name: str) -> None:
        if name not in self.named:
            self.named.add(name)
            self.system.add(whole, parts, name)

    def at_most(self, smaller: Sequence[Key], larger: Sequence[Key], name: str) -> None:
        if name not in self.named:
            self.named.add(name)
            self.system.at_most(smaller, larger, name)

    def report(self, report: WorkforceReport) -> None:
        c = report.characteristic
        if report.representation is not None:
            self.representation(c, report.representation)
            self.declaration_rule(c, report.threshold)
        for measure in report.measures:
            if measure.table is not None:
                self.measure(c, measure)
        for summary in report.summaries:
            if summary.table is not None:
                self.summary(c, summary)

    def representation(self, c: str, frame: pd.DataFrame) -> None:
        groups = sorted(set(frame["group"].astype(str)))
        grades = sorted(set(frame["grade"].astype(str)))
        for grade, part in frame.groupby("grade"):
            for group, count in zip(part["group"].astype(str), part["events"], strict=True):
                self.cell(key(c, ("grade", str(grade)), group), int(count))
            self.cell(key(c, ("grade", str(grade)), DECLARED), int(part["events"].sum()))
            self.add(
                key(c, ("grade", str(grade)), DECLARED),
                [key(c, ("grade", str(grade)), g) for g in part["group"].astype(str)],
                f"{c}: the groups in grade {grade} add up",
            )
        for group in groups:
            total = int(frame.loc[frame["group"].astype(str) == group, "events"].sum())
            self.cell(key(c, ("staff",), group), total)
            self.add(
                key(c, ("staff",), group),
                [
                    key(c, ("grade", grade), group)
                    for grade in grades
                    if key(c, ("grade", grade), group) in self.system
                ],
                f"{c}: the grades of {group} add up",
            )
        self.cell(key(c, ("staff",), DECLARED), int(frame["events"].sum()))
        self.add(
            key(c, ("staff",), DECLARED), [key(c, ("staff",), g) for g in groups], f"{c}: staff by group"
        )
        self.add(
            key(c, ("staff",), DECLARED),
            [key(c, ("grade", grade), DECLARED) for grade in grades],
            f"{c}: staff by grade",
        )
        self.at_most([key(c, ("staff",), DECLARED)], [self.unit], f"{c}: the declared within the unit")

    def declaration_rule(self, c: str, threshold: float) -> None:
        """A breakdown is shown only where at least ``threshold`` of the unit's staff declared: so its showing
        tells a reader that those who declared are at least that share of the unit's staff."""
        declared = key(c, ("staff",), DECLARED)
        if declared in self.system:
            self.system.at_least_share(declared, self.unit, threshold, f"{c}: the declaration rule")

    def measure(self, c: str, measure: MeasureTable) -> None:
        assert measure.table is not None
        table = measure.table
        n_kind, events_kind = _n_kind(measure.measure), _events_kind(measure.measure)
        groups = [str(g) for g in table.index]
        for group, row in zip(groups, table.itertuples(), strict=True):
            n, events = int(row.n), int(row.events)
            self._row(c, measure.measure, n_kind, events_kind, group, n, events)
        self._row(
            c,
            measure.measure,
            n_kind,
            events_kind,
            DECLARED,
            int(table["n"].sum()),
            int(table["events"].sum()),
        )
        for kind in (n_kind, events_kind):
            self.add(
                key(c, kind, DECLARED),
                [key(c, kind, g) for g in groups],
                f"{c}: {' '.join(kind)} by group",
            )
        extra = _EXTRA.get(measure.measure)
        if extra is not None:
            column = "allocations" if extra == ("allocations",) else "per_100"
            for group in [*groups, DECLARED]:
                if group == DECLARED:
                    value = round(sum(_extra_counts(table, column)))
                else:
                    value = round(_extra_counts(table, column)[groups.index(group)])
                self.cell(key(c, extra, group), value)
                self.at_most(
                    [key(c, events_kind, group)],
                    [key(c, extra, group)],
                    f"{c} {group}: {' '.join(events_kind)} at most {' '.join(extra)}",
                )
            self.add(
                key(c, extra, DECLARED),
                [key(c, extra, g) for g in groups],
                f"{c}: {' '.join(extra)} by group",
            )
        self._bounds(c, measure.measure, groups)

    def _row(
        self,
        c: str,
        measure: str,
        n_kind: tuple[str, ...],
        events_kind: tuple[str, ...],
        group: str,
        n: int,
        events: int,
    ) -> None:
        n_key = self.cell(key(c, n_kind, group), n)
        events_key = self.cell(key(c, events_kind, group), events)
        without = self.cell(key(c, ("without", measure), group), n - events, implied=True)
        self.add(n_key, [events_key, without], f"{c} {measure} {group}: with and without the event")

    def _bounds(self, c: str, measure: str, groups: list[str]) -> None:
        """Subsets a reader knows of: each within the staff of its group."""
        for group in [*groups, DECLARED]:
            staff = key(c, ("staff",), group)
            if staff not in self.system:
                continue
            for kind in (("eligible",), ("practitioners",)):
                if key(c, kind, group) in self.system:
                    self.at_most([key(c, kind, group)], [staff], f"{c} {group}: {kind[0]} within the staff")
            if measure.startswith("leaving_") and key(c, ("with", "leaving"), group) in self.system:
                self.at_most(
                    [key(c, ("with", "leaving"), group)],
                    [key(c, ("leavers",), group)],
                    f"{c} {group}: staff who left at most the leavings",
                )
            if measure == "grievance_upheld" and key(c, ("all_events", "grievance"), group) in self.system:
                self.at_most(
                    [key(c, ("decided",), group)],
                    [key(c, ("all_events", "grievance"), group)],
                    f"{c} {group}: grievances decided at most those raised",
                )

    def leaving_reasons(self, c: str, report: WorkforceReport) -> None:
        reasons = [
            m.measure for m in report.measures if m.measure.startswith("leaving_") and m.table is not None
        ]
        if not reasons:
            return
        for group in [*[str(g) for g in report.measures[0].table.index], DECLARED]:  # type: ignore[union-attr]
            parts = [key(c, ("with", r), group) for r in reasons if key(c, ("with", r), group) in self.system]
            if key(c, ("leavers",), group) in self.system:
                self.at_most(parts, [key(c, ("leavers",), group)], f"{c} {group}: leavers by reason")

    def summary(self, c: str, summary: SummaryTable) -> None:
        assert summary.table is not None
        kind = {"time_in_grade": ("in_post_end",), "grievance_days": ("grievances_decided_days",)}.get(
            summary.measure, ("staff",)
        )
        groups = [str(g) for g in summary.table.index]
        for group, n in zip(groups, summary.table["n"], strict=True):
            self.cell(key(c, kind, group), int(n))
        if kind == ("staff",):
            return
        self.cell(key(c, kind, DECLARED), int(summary.table["n"].sum()))
        self.add(key(c, kind, DECLARED), [key(c, kind, g) for g in groups], f"{c}: {kind[0]} by group")
        larger = ("staff",) if kind == ("in_post_end",) else ("all_events", "grievance")
        for group in [*groups, DECLARED]:
            if key(c, larger, group) in self.system:
                self.at_most([key(c, kind, group)], [key(c, larger, group)], f"{c} {group}: {kind[0]} bound")


def _extra_counts(table: pd.DataFrame, column: str) -> list[float]:
    if column == "allocations":
        return [float(v) for v in table["allocations"]]
    # per_100 = 100 * events / n: the events back from it (whole numbers, so rounding is exact).
    return [
        0.0 if not n else float(p) * float(n) / 100 for p, n in zip(table["per_100"], table["n"], strict=True)
    ]


def cells_of(reports: Sequence[WorkforceReport]) -> Cells:
    """Every count the publication releases, with every relation a reader knows (module docstring)."""
    builder = _Builder(reports[0].staff)
    for report in reports:
        builder.report(report)
        builder.leaving_reasons(report.characteristic, report)
    return builder.system.freeze()


# --- the published tables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Withheld:
    characteristic: str
    title: str
    reason: str


@dataclass
class Publication:
    """A period's workforce publication for a unit, protected and audited: ready to store and write."""

    period: PublicationPeriod
    unit: str
    unit_name: str
    staff: int
    threshold: float
    tables: list[PublishedTable]
    withheld: list[Withheld]
    method: list[str]
    protection: Protection
    reports: list[WorkforceReport] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        """What is published, as JSON (no true value of a suppressed count)."""
        return {
            "period": self.period.code,
            "label": self.period.label,
            "unit": self.unit,
            "unit_name": self.unit_name,
            "staff": self.staff,
            "threshold": self.threshold,
            "tables": [table.as_dict() for table in self.tables],
            "withheld": [
                {"characteristic": w.characteristic, "title": w.title, "reason": w.reason}
                for w in self.withheld
            ],
            "method": self.method,
        }

    def audit(self) -> dict[str, Any]:
        """The auditor's result, as stored with the release."""
        result = self.protection.audit
        return {
            "passed": result.passed,
            "cells": result.cells,
            "published": result.published,
            "suppressed": result.suppressed,
            "sensitive": result.sensitive,
            "components": result.components,
            "narrowest_above": _finite(result.narrowest_above),
            "narrowest_below": _finite(result.narrowest_below),
            "findings": [finding.message for finding in result.findings],
            "summary": result.summary(),
            "rules": {"threshold": RULES.threshold, "lower": RULES.lower, "upper": RULES.upper},
        }


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


class _Writer:
    def __init__(self, protection: Protection) -> None:
        self.protection = protection
        self.cells = protection.cells

    def hidden(self, at: Key) -> bool:
        return self.protection.is_hidden(at)

    def count(self, at: Key) -> int | str:
        if self.hidden(at):
            return SUPPRESSED
        return int(self.cells.values[self.cells.index[at]])


def _percent(value: float) -> str:
    return PUBLISHED_NOT_AVAILABLE if value is None or not np.isfinite(value) else f"{100 * value:.1f}%"


def _ratio(value: float) -> str:
    return PUBLISHED_NOT_AVAILABLE if value is None or not np.isfinite(value) else f"{value:.2f}"


def _tables(reports: Sequence[WorkforceReport], protection: Protection) -> list[PublishedTable]:
    w = _Writer(protection)
    tables: list[PublishedTable] = []

    def sheet() -> str:
        return f"Table_{len(tables) + 1}"

    for report in reports:
        c = report.characteristic
        label = CHARACTERISTICS[c].lower()
        if report.representation is not None:
            frame = report.representation
            groups = sorted(set(frame["group"].astype(str)))
            grades = sorted(set(frame["grade"].astype(str)))
            columns = ("Grade", *groups, DECLARED)
            rows, places = [], []
            for number, grade in enumerate([*grades, "All grades"]):
                kind = ("staff",) if grade == "All grades" else ("grade", grade)
                cells = [key(c, kind, g) for g in [*groups, DECLARED]]
                rows.append((grade, *(w.count(k) if k in w.cells.index else 0 for k in cells)))
                places += [
                    (number, column, k)
                    for column, k in zip(columns[1:], cells, strict=True)
                    if k in w.cells.index
                ]
            tables.append(
                PublishedTable(
                    sheet(),
                    f"Staff by grade and {label}",
                    f"Staff in post at some time in the period, by their grade and declared {label}.",
                    columns,
                    tuple(rows),
                    tuple(places),
                )
            )
            if "population_share" in frame.columns and report.population is not None:
                tables.append(_population_table(w, c, report, sheet()))
        for measure in report.measures:
            if measure.table is None:
                continue
            tables.append(_measure_table(w, c, measure, sheet()))
        for summary in report.summaries:
            if summary.table is None:
                continue
            tables.append(_summary_table(w, c, summary, sheet()))
    return tables


def _population_table(w: _Writer, c: str, report: WorkforceReport, sheet: str) -> PublishedTable:
    """Each grade's share of staff in each group, with its interval, against the census population's share
    (``census.compare_with_population``). A share from a suppressed count, or of a suppressed grade total
    (which it would give away), is suppressed with its interval and flag."""
    assert report.representation is not None and report.population is not None
    population = report.population
    columns = (
        "Grade",
        CHARACTERISTICS[c],
        "Staff",
        "Share of the grade",
        "Lower 95% limit",
        "Upper 95% limit",
        "Population share",
        "Population share outside the interval",
    )
    rows, places = [], []
    for number, data in enumerate(report.representation.itertuples()):
        grade, group = str(data.grade), str(data.group)
        at, total = key(c, ("grade", grade), group), key(c, ("grade", grade), DECLARED)
        hidden = w.hidden(at) or w.hidden(total)
        shown = [_percent(data.rate), _percent(data.rate_low), _percent(data.rate_high)]
        rows.append(
            (
                grade,
                group,
                w.count(at),
                *([SUPPRESSED] * 3 if hidden else shown),
                _percent(data.population_share),
                SUPPRESSED if hidden else ("Yes" if data.outside else "No"),
            )
        )
        places.append((number, "Staff", at))
    area = population.area + (f" ({population.note})" if population.note else "")
    return PublishedTable(
        sheet,
        f"Staff by grade and {CHARACTERISTICS[c].lower()} against the population",
        f"Each grade's declared staff by {CHARACTERISTICS[c].lower()}, as a share of the grade with its 95%"
        f" Wilson interval, against the population of {area}: {population.description}. Source:"
        f" {population.source}.",
        columns,
        tuple(rows),
        tuple(places),
        labels=2,
    )


def _measure_table(w: _Writer, c: str, measure: MeasureTable, sheet: str) -> PublishedTable:
    assert measure.table is not None
    table = measure.table
    n_kind, events_kind = _n_kind(measure.measure), _events_kind(measure.measure)
    extra = _EXTRA.get(measure.measure)
    reference = REFERENCE[c]
    reference_hidden = str(reference) in [str(g) for g in table.index] and (
        w.hidden(key(c, n_kind, reference)) or w.hidden(key(c, events_kind, reference))
    )
    columns = [CHARACTERISTICS[c], measure.counted, measure.with_event]
    if extra is not None:
        columns.append(
            "Allocations" if extra == ("allocations",) else measure.per_100_label.split(" per 100")[0]
        )
    columns += ["Rate", "Lower 95% limit", "Upper 95% limit", "Relative rate", "q-value", "Flagged"]
    adjusted = measure.adjusted
    if adjusted is not None:
        columns += ["Adjusted relative rate", "Adjusted q-value", "Explained by grade and service"]
    rows, places = [], []
    for number, group in enumerate([*[str(g) for g in table.index], DECLARED]):
        n_key, events_key = key(c, n_kind, group), key(c, events_kind, group)
        hidden = w.hidden(n_key) or w.hidden(events_key)
        row: list[Any] = [group, w.count(n_key), w.count(events_key)]
        places += [(number, columns[1], n_key), (number, columns[2], events_key)]
        if extra is not None:
            row.append(w.count(key(c, extra, group)))
            places.append((number, columns[3], key(c, extra, group)))
        if group == DECLARED:
            n, events = w.count(n_key), w.count(events_key)
            rate = events / n if isinstance(n, int) and isinstance(events, int) and n else float("nan")
            row += [SUPPRESSED if hidden else _percent(rate)] + [PUBLISHED_NOT_APPLICABLE] * 5
            if adjusted is not None:
                row += [PUBLISHED_NOT_APPLICABLE] * 3
        else:
            data = table.loc[table.index.astype(str) == group].iloc[0]
            compared = not (hidden or reference_hidden)
            row += [
                SUPPRESSED if hidden else _percent(data["rate"]),
                SUPPRESSED if hidden else _percent(data["rate_low"]),
                SUPPRESSED if hidden else _percent(data["rate_high"]),
                _ratio(data["relative_rate"]) if compared else SUPPRESSED,
                _ratio(data.get("q_value", float("nan"))) if compared else SUPPRESSED,
                ("Yes" if bool(data.get("flagged", False)) else "No") if compared else SUPPRESSED,
            ]
            if adjusted is not None:
                more = adjusted.loc[adjusted.index.astype(str) == group]
                if more.empty or not compared:
                    row += [SUPPRESSED if not compared else PUBLISHED_NOT_AVAILABLE] * 3
                else:
                    found = more.iloc[0]
                    row += [
                        _ratio(found.get("adjusted_relative_rate", float("nan"))),
                        _ratio(found.get("adjusted_q_value", float("nan"))),
                        "Yes" if bool(found.get("explained", False)) else "No",
                    ]
        rows.append(tuple(row))
    description = f"{measure.title}, by {CHARACTERISTICS[c].lower()}; the reference group is {reference}."
    if measure.adjusted_for:
        description += f" Adjusted for {measure.adjusted_for}." + (
            f" {measure.adjustment_note}." if measure.adjustment_note else ""
        )
    return PublishedTable(
        sheet,
        f"{measure.title} by {CHARACTERISTICS[c].lower()}",
        description,
        tuple(columns),
        tuple(rows),
        tuple(places),
    )


def _summary_table(w: _Writer, c: str, summary: SummaryTable, sheet: str) -> PublishedTable:
    assert summary.table is not None
    kind = {"time_in_grade": ("in_post_end",), "grievance_days": ("grievances_decided_days",)}.get(
        summary.measure, ("staff",)
    )
    columns = (CHARACTERISTICS[c], summary.counted, summary.value_label, "Ratio to the reference group")
    reference_hidden = (
        w.hidden(key(c, kind, str(REFERENCE[c])))
        if key(c, kind, str(REFERENCE[c])) in w.cells.index
        else False
    )
    rows, places = [], []
    for number, (group, data) in enumerate(summary.table.iterrows()):
        at = key(c, kind, str(group))
        hidden = w.hidden(at)
        value = data["value"]
        rows.append(
            (
                str(group),
                w.count(at),
                SUPPRESSED
                if hidden
                else (PUBLISHED_NOT_AVAILABLE if pd.isna(value) else f"{float(value):.1f}"),
                SUPPRESSED if hidden or reference_hidden else _ratio(data["ratio"]),
            )
        )
        places.append((number, columns[1], at))
    return PublishedTable(
        sheet,
        f"{summary.title} by {CHARACTERISTICS[c].lower()}",
        f"{summary.title}, by {CHARACTERISTICS[c].lower()}: {summary.value_label.lower()} per group.",
        columns,
        tuple(rows),
        tuple(places),
    )


def _withheld(reports: Sequence[WorkforceReport]) -> list[Withheld]:
    withheld = []
    for report in reports:
        label = CHARACTERISTICS[report.characteristic]
        if report.representation_withheld:
            withheld.append(
                Withheld(
                    report.characteristic, f"Every table by {label.lower()}", report.representation_withheld
                )
            )
            continue
        for measure in report.measures:
            if measure.table is None and measure.withheld:
                withheld.append(
                    Withheld(report.characteristic, f"{measure.title} by {label.lower()}", measure.withheld)
                )
        for summary in report.summaries:
            if summary.table is None and summary.withheld:
                withheld.append(
                    Withheld(report.characteristic, f"{summary.title} by {label.lower()}", summary.withheld)
                )
    return withheld


def _method(protection: Protection, threshold: float) -> list[str]:
    return [
        "Staff are those in post at some time in the period; each is counted in the group of their latest"
        " declaration made by its end. Staff who have not declared, or preferred not to say, are in no group.",
        f"The declaration rule: a breakdown by a characteristic is published only where at least {threshold:.0%}"
        " of the unit's staff (or, for recruitment, of its applicants) have declared it; below that the"
        " publication says why and shows no group.",
        "Rates have 95% Wilson intervals; relative rates compare each group with the reference group (White, male,"
        " not disabled); q-values control the false discovery rate across every test of a characteristic's report"
        " (Benjamini-Hochberg). Promotion is also compared adjusted for grade and length of service.",
        "Counts of 1 to 4 (and of the people without an event, which are never published but follow from two"
        " published counts) are shown as [c]. A 0 is published, so every [c] is at least 1. Further counts are"
        " suppressed so that, from every table together and every relation a reader knows between the counts"
        " (groups add up to their total, grades to the group, one count published in several tables is one"
        " count, a subset is at most its set), none can be narrowed to within 5 of its value. Rates, ratios and"
        " medians from a suppressed count are suppressed too.",
        "Before anything was published, an attack by linear programming on every published figure worked out the"
        " smallest and largest value each suppressed count could take. " + protection.audit.summary(),
    ]


def build(
    period: PublicationPeriod, *, by: StaffMember, unit: str = "national", threshold: float | None = None
) -> Publication:
    """The period's workforce publication for a unit (``national``, a region or PDU code): every
    characteristic's report, protected and audited together. Raises ``ValueError`` for an unknown unit or a
    bad threshold, ``PermissionDenied`` for anyone but an HR analyst and ``disclosure.DisclosureError`` rather
    than give a table the auditor could break."""
    reports = [
        workforce_report(
            by, start=period.start, end=period.end, characteristic=c, unit=unit, threshold=threshold
        )
        for c in CHARACTERISTICS
    ]
    protection = protect(cells_of(reports), RULES)
    return Publication(
        period=period,
        unit=unit,
        unit_name=reports[0].unit,
        staff=reports[0].staff,
        threshold=reports[0].threshold,
        tables=_tables(reports, protection),
        withheld=_withheld(reports),
        method=_method(protection, reports[0].threshold),
        protection=protection,
        reports=reports,
    )


# --- the files ---------------------------------------------------------------------------------------------


def render_html(figures: dict[str, Any], *, published_on: dt.date | None = None) -> str:
    return render_to_string(
        "workforce/publication_document.html",
        {"figures": figures, "published_on": published_on, "shorthand": SHORTHAND},
    )


def render_ods(figures: dict[str, Any], *, published_on: dt.date | None = None) -> bytes:
    cover = [
        (
            "About these statistics",
            f"Workforce equality of {figures['unit_name']}, {figures['label']}: representation by grade,"
            " promotion, leaving, grievances, conduct and performance procedures, PQiP access, recruitment,"
            " sensitive allocations and sickness, by ethnic group, sex and disability.",
        ),
        ("Methodology", "\n".join(figures["method"])),
    ]
    if figures["withheld"]:
        cover.append(
            ("Not published", "\n".join(f"{w['title']}: {w['reason']}." for w in figures["withheld"]))
        )
    if published_on is not None:
        cover.append(("Published", f"{published_on:%-d %B %Y} by Evenhand."))
    return ods.ods_bytes(
        title=f"Workforce equality, {figures['unit_name']}, {figures['label']}",
        cover=cover,
        notes=[],
        tables=ods.tables_of(figures["tables"]),
        shorthand=SHORTHAND,
    )


def render_manifest(publication: Publication) -> bytes:
    """The disclosure manifest: what a reader knows, for anyone to attack again."""
    return manifest.of_release(publication.protection, publication.tables)


# --- publishing --------------------------------------------------------------------------------------------

FILES = {
    "html": ("text/html; charset=utf-8", "html"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
    "cells": ("application/gzip", "cells.json.gz"),
}


def file_of(release: WorkforceRelease, kind: str) -> bytes:
    return {
        "html": lambda: release.html.encode(),
        "ods": lambda: bytes(release.ods),
        "cells": lambda: bytes(release.manifest),
    }[kind]()


def file_name(release: WorkforceRelease, kind: str) -> str:
    return f"workforce-{release.unit.lower()}-{release.period.lower()}.{FILES[kind][1]}"


def check_publishable(*, period: PublicationPeriod, unit: str, by: StaffMember, on: dt.date) -> str:
    """Whether ``by`` may publish the period's report for the unit on the day, before any work is done (the
    web form asks this before it queues the job): ``PermissionDenied`` for anyone but an HR analyst,
    ``ValueError`` for an unknown unit, ``ValidationError`` before the period has ended or when the report is
    already published. Returns the unit's code."""
    if not can_see_aggregates(by):
        raise PermissionDenied("Only HR analysts publish the workforce report.")
    if on <= period.end:
        raise ValidationError(
            {"period": f"The period {period.code} can be published once it ends on {period.end:%-d %B %Y}"}
        )
    unit = unit_code(unit, national_if_empty=True)
    existing = WorkforceRelease.objects.filter(period=period.code, unit=unit).first()
    if existing is not None:
        raise ValidationError(
            {
                "period": f"The workforce report for {unit}, {period.code} was published on"
                f" {existing.published_on:%-d %B %Y}; a published report is never changed"
            }
        )
    return unit


@transaction.atomic
def publish(
    *, period: PublicationPeriod, unit: str = "national", by: StaffMember, on: dt.date | None = None
) -> WorkforceRelease:
    """Publish the period's workforce report for a unit, once and for good: built, protected, audited,
    rendered and stored with the audit's result. Refused (``PermissionDenied``) for anyone but an HR analyst;
    (``ValidationError``) before the period has ended or when it is already published for the unit; raises
    ``ValueError`` for an unknown unit and ``DisclosureError`` if it cannot be protected."""
    day = on or today()
    unit = check_publishable(period=period, unit=unit, by=by, on=day)
    publication = build(period, by=by, unit=unit)
    figures = publication.figures()
    html = render_html(figures, published_on=day)
    spreadsheet = render_ods(figures, published_on=day)
    cells = render_manifest(publication)
    digest = hashlib.sha256()
    for part in (html.encode(), spreadsheet, gzip.decompress(cells)):
        digest.update(hashlib.sha256(part).digest())
    try:
        with transaction.atomic():
            return WorkforceRelease.objects.create(
                period=period.code,
                unit=unit,
                starts_on=period.start,
                ends_on=period.end,
                published_on=day,
                published_by=by,
                figures=figures,
                audit=publication.audit(),
                html=html,
                ods=spreadsheet,
                manifest=cells,
                sha256=digest.hexdigest(),
            )
    except IntegrityError:
        raise ValidationError(
            {"period": f"The workforce report for {unit}, {period.code} has just been published"}
        ) from None
