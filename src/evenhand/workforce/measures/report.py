"""A workforce report put together: every measure of a unit's staff in a period, one Benjamini-Hochberg
family across its tests, and representation by grade against the census population; for HR analysts and
(of their own PDU, small groups hidden) heads of PDU."""

import datetime as dt

import numpy as np
import pandas as pd

from evenhand.equality.stats import bh_qvalues, flag
from evenhand.equality.stats.rates import group_rates
from evenhand.org.models import StaffMember

from ..access import ensure_can_see_aggregates, ensure_can_see_pdu_figures
from ..census import compare_with_population, population_of_unit
from .adjustment import _adjust_more, _adjust_promotion
from .common import (
    CHARACTERISTICS,
    SMALLEST_GROUP,
    MeasureTable,
    WorkforceReport,
    _unit_rows,
    _withheld,
    threshold_setting,
)
from .frames import applicant_frame, period_events, staff_frame
from .grievances import _grievances_upheld
from .leaving import _leaving_reasons
from .recruitment import _pqip_access, _recruitment
from .sensitive import _sensitive, sensitive_allocations
from .staff import _event_measures
from .summaries import _summaries
from .suppression import suppress_small_cells


def _staff_measures(
    rows: pd.DataFrame, events: pd.DataFrame, context: dict[str, object], withheld: str
) -> list[MeasureTable]:
    """The staff measures, leaving reasons, grievances upheld and PQiP access of the unit's staff."""
    return [
        *_event_measures(rows, context, withheld),
        *_leaving_reasons(rows, events, context, withheld),
        _grievances_upheld(rows, events, context, withheld),
        *_pqip_access(rows, events, context, withheld),
    ]


def _control_false_discoveries(report: WorkforceReport) -> None:
    """One Benjamini-Hochberg family for every test of the report (crude and adjusted), then the flag rule
    on each comparison's own ratio; a promotion gap flagged crude but not adjusted is marked explained."""
    tables = [m.table for m in report.measures if m.table is not None]
    adjusted = [m.adjusted for m in report.measures if m.adjusted is not None]
    pvalues = np.concatenate(
        [t["p_value"].to_numpy(dtype=float) for t in tables]
        + [a["adjusted_p_value"].to_numpy(dtype=float) for a in adjusted]
        + [np.zeros(0)]
    )
    if not len(pvalues):
        return
    qvalues = bh_qvalues(np.where(np.isnan(pvalues), 1.0, pvalues))
    qvalues = np.where(np.isnan(pvalues), np.nan, qvalues)
    at = 0
    for table in tables:
        q = qvalues[at : at + len(table)]
        table["q_value"] = q
        table["flagged"] = flag(q, table["relative_rate"].to_numpy(dtype=float))
        at += len(table)
    for measure in report.measures:
        if measure.adjusted is None or measure.table is None:
            continue
        frame = measure.adjusted
        q = qvalues[at : at + len(frame)]
        at += len(frame)
        frame["adjusted_q_value"] = q
        frame["crude_flagged"] = measure.table["flagged"].to_numpy(dtype=bool)
        frame["adjusted_flagged"] = flag(q, frame["adjusted_relative_rate"].to_numpy(dtype=float))
        frame["explained"] = (
            frame["crude_flagged"]
            & ~frame["adjusted_flagged"]
            & frame["adjusted_relative_rate"].notna().to_numpy()
        )


def _representation(declared: pd.DataFrame) -> pd.DataFrame | None:
    by_grade = declared.groupby(["grade", "group"]).size().unstack(fill_value=0)
    rows = []
    for grade, counts in by_grade.iterrows():
        rates = group_rates(np.full(len(counts), counts.sum()), counts.to_numpy(), groups=list(counts.index))
        rates.insert(0, "grade", grade)
        rows.append(rates.reset_index())
    return pd.concat(rows, ignore_index=True) if rows else None


def workforce_report(
    viewer: StaffMember,
    *,
    start: dt.date,
    end: dt.date,
    characteristic: str = "ethnic_group",
    unit: str = "national",
    threshold: float | None = None,
    min_n: int = 30,
) -> WorkforceReport:
    """The workforce measures of a period for one unit (``national``, a region code or a PDU code), split by
    ``characteristic``; for HR analysts. Every comparison's p-value goes into one Benjamini-Hochberg family."""
    ensure_can_see_aggregates(viewer)
    return _report(
        start=start, end=end, characteristic=characteristic, unit=unit, threshold=threshold, min_n=min_n
    )


def analyst_workforce_report(
    viewer: StaffMember,
    *,
    start: dt.date,
    end: dt.date,
    characteristic: str = "ethnic_group",
    unit: str = "national",
    threshold: float | None = None,
    min_n: int = SMALLEST_GROUP,
) -> WorkforceReport:
    """What an HR analyst's page (``/workforce/``) and the API's measures show: :func:`workforce_report` with
    every group under the smallest group the equality engine compares (``min_n``) shown without its counts or
    figures (``suppress_small_cells``), as a head of PDU sees their PDU's. HR analysts see aggregates with no
    names; a group's count below that size would say how many colleagues declared something, and with the
    events beside it, what happened to them. The publication reads :func:`workforce_report` whole, and protects
    its counts itself."""
    report = workforce_report(
        viewer,
        start=start,
        end=end,
        characteristic=characteristic,
        unit=unit,
        threshold=threshold,
        min_n=min_n,
    )
    return suppress_small_cells(report)


def pdu_workforce_report(
    viewer: StaffMember,
    *,
    start: dt.date,
    end: dt.date,
    characteristic: str = "ethnic_group",
    threshold: float | None = None,
    min_n: int = 30,
) -> WorkforceReport:
    """The same measures for a head of PDU, of their own PDU's staff only (the declaration rule applied to the
    PDU), with every group of fewer than ``min_n`` shown without its counts (``suppress_small_cells``).
    Refuses anyone but a head of PDU with a PDU (``PermissionDenied``)."""
    ensure_can_see_pdu_figures(viewer)
    code = StaffMember.objects.filter(pk=viewer.pk).values_list("team__pdu__code", flat=True).get()
    report = _report(
        start=start, end=end, characteristic=characteristic, unit=code, threshold=threshold, min_n=min_n
    )
    return suppress_small_cells(report)


def _report(
    *,
    start: dt.date,
    end: dt.date,
    characteristic: str,
    unit: str,
    threshold: float | None,
    min_n: int,
) -> WorkforceReport:
    if characteristic not in CHARACTERISTICS:
        raise ValueError(
            f"Unknown characteristic '{characteristic}': choose one of {', '.join(CHARACTERISTICS)}"
        )
    if end < start:
        raise ValueError("The period ends before it starts")
    threshold = threshold_setting() if threshold is None else threshold
    if not 0 <= threshold <= 1:
        raise ValueError("The declaration threshold is a share from 0 to 1")
    rows, unit_name, level = _unit_rows(
        staff_frame(start=start, end=end, characteristic=characteristic), unit
    )
    report = WorkforceReport(characteristic, start, end, unit_name, threshold, len(rows), min_n=min_n)
    withheld = _withheld(
        rows, unit=unit_name, characteristic=characteristic, threshold=threshold, who="staff"
    )
    events = period_events(rows.index.tolist(), start=start, end=end)
    share = float((rows["group"] != "").sum()) / len(rows) if len(rows) else 0.0
    context: dict[str, object] = {
        "characteristic": characteristic,
        "unit": unit_name,
        "share": share,
        "min_n": min_n,
        "start": start,
        "end": end,
    }
    report.measures = _staff_measures(rows, events, context, withheld)
    _adjust_promotion(report.measures[0], rows, characteristic, min_n)
    _adjust_more(report.measures, rows, events, characteristic, min_n)
    applicants = applicant_frame(start=start, end=end, characteristic=characteristic)
    report.measures += _recruitment(applicants, level=level, context=context, threshold=threshold)
    allocations = sensitive_allocations(rows.index.tolist(), start=start, end=end)
    report.measures += _sensitive(rows, allocations, context, withheld)
    report.summaries = _summaries(rows, events, context, withheld)
    _control_false_discoveries(report)
    if withheld:
        report.representation_withheld = withheld
    else:
        report.representation = _representation(rows[rows["group"] != ""])
        _against_population(report, unit, level)
    return report


def _against_population(report: WorkforceReport, unit: str, level: str) -> None:
    """By ethnic group, each grade's share of staff in each group against the unit's census population."""
    if report.characteristic != "ethnic_group" or report.representation is None:
        return
    population = population_of_unit(unit, level)
    if population is None:
        report.population_missing = f"The census figures shipped with Evenhand have no population for {unit}"
        return
    report.population = population
    report.representation = compare_with_population(report.representation, population)
