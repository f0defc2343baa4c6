"""Small cells hidden: what a head of PDU sees of a report, so that a small PDU's figures cannot single
anyone out."""

import numpy as np

from .common import WorkforceReport

_HIDDEN = [
    "n",
    "events",
    "rate",
    "rate_low",
    "rate_high",
    "per_100",
    "allocations",
    "share_of_allocations",
    "share_of_practitioners",
]


def suppress_small_cells(report: WorkforceReport) -> WorkforceReport:
    """Hide the counts and figures of every group with fewer than the report's ``min_n`` in a table's
    denominator (and of every grade-and-group cell of fewer than ``min_n`` staff), so that a small PDU's
    figures cannot single anyone out; the row's note says why."""
    small = f"fewer than {report.min_n}: not shown"
    for measure in report.measures:
        for frame in (measure.table, measure.adjusted):
            if frame is None:
                continue
            hide = frame["n"] < report.min_n
            frame.loc[hide, [c for c in _HIDDEN if c in frame.columns]] = np.nan
            frame["note"] = frame["note"].astype(object)
            frame.loc[hide, "note"] = small
    for summary in report.summaries:
        if summary.table is not None:
            hide = summary.table["n"] < report.min_n
            summary.table.loc[hide, ["value", "low", "high", "ratio"]] = np.nan
            summary.table["n"] = summary.table["n"].astype(float)
            summary.table.loc[hide, "n"] = np.nan
            summary.table.loc[hide, "note"] = small
    if report.representation is not None:
        frame = report.representation
        hide = frame["events"] < report.min_n
        frame.loc[hide, ["events", "rate", "rate_low", "rate_high"]] = np.nan
        if "outside" in frame.columns:
            frame["outside"] = frame["outside"].astype(object)
            frame.loc[hide, "outside"] = None
        frame["note"] = frame["note"].astype(object)
        frame.loc[hide, "note"] = small
    report.suppressed = True
    return report
