"""Figures per group that are not proportions: years in the current grade, days from a grievance to its
outcome, and sickness days per FTE, each with its ratio to the reference group's."""

import datetime as dt

import numpy as np
import pandas as pd

from ..models import EventKind
from .common import SummaryTable, _summary, _with_ratio

# Full-time hours a week, for full-time equivalents (the civil service's standard week).
FULL_TIME_HOURS = 37.0


def _summaries(
    rows: pd.DataFrame, events: pd.DataFrame, context: dict[str, object], withheld: str
) -> list[SummaryTable]:
    """Years in the current grade, days to a grievance's outcome and sickness days per FTE, per group."""
    start, end = context["start"], context["end"]
    assert isinstance(start, dt.date) and isinstance(end, dt.date)
    unit = str(context["unit"])
    if withheld:
        return [
            SummaryTable("time_in_grade", "Time in the current grade", unit, None, withheld),
            SummaryTable("grievance_days", "Days from a grievance to its outcome", unit, None, withheld),
            SummaryTable("sickness", "Sickness days per FTE", unit, None, withheld),
        ]
    declared = rows[rows["group"] != ""]
    groups = sorted(set(declared["group"]))
    # The day each left (the staff record, or a leaving event in the period, whichever is first).
    left_on = events[events["kind"] == EventKind.LEFT].groupby("staff_id")["occurred_on"].min()
    last = [
        min(d for d in (end, recorded, left_on.get(pk)) if isinstance(d, dt.date))
        for pk, recorded in zip(declared.index, declared["end_date"], strict=True)
    ]
    in_post = declared[[day >= end for day in last]]
    years = pd.DataFrame(
        {
            "group": in_post["group"],
            "value": [(end - since).days / 365.25 for since in in_post["in_grade_since"]],
        }
    )
    summaries = [
        _summary(
            "time_in_grade",
            "Time in the current grade",
            years,
            groups=groups,
            context=context,
            withheld=withheld,
            value_label="Median years",
            counted="Staff in post at the end",
            spread="Quartiles",
        )
    ]
    mine = events[events["staff_id"].isin(declared.index)]
    grievances = mine[(mine["kind"] == EventKind.GRIEVANCE) & mine["days"].notna()]
    days = pd.DataFrame(
        {"group": grievances["staff_id"].map(declared["group"]), "value": grievances["days"].astype(float)}
    )
    summaries.append(
        _summary(
            "grievance_days",
            "Days from a grievance to its outcome",
            days,
            groups=groups,
            context=context,
            withheld=withheld,
            value_label="Median days",
            counted="Grievances with an outcome",
            spread="Quartiles",
        )
    )
    period_days = (end - start).days + 1
    first = declared["start_date"].map(lambda d: max(d, start))
    share = [max((b - a).days + 1, 0) / period_days for a, b in zip(first, last, strict=True)]
    fte = pd.Series(share, index=declared.index) * declared["hours"] / FULL_TIME_HOURS
    sick = mine[mine["kind"] == EventKind.SICKNESS].groupby("staff_id")["days"].sum()
    by_group = pd.DataFrame(
        {
            "n": declared.groupby("group").size(),
            "fte": fte.groupby(declared["group"]).sum(),
            "days": sick.reindex(declared.index, fill_value=0).groupby(declared["group"]).sum(),
        }
    ).reindex(groups)
    by_group["value"] = by_group["days"] / by_group["fte"].replace(0, np.nan)
    by_group["low"] = by_group["high"] = np.nan
    summaries.append(
        SummaryTable(
            "sickness",
            "Sickness days per FTE",
            str(context["unit"]),
            _with_ratio(by_group, context, int(str(context["min_n"]))),
            value_label="Days lost per FTE",
        )
    )
    return summaries
