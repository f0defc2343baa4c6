"""Trend: the comparison against the reference group, quarter by quarter."""

from collections.abc import Hashable

import pandas as pd

from .common import check_alpha, check_min_n, grouped_counts
from .compare import compare_counts


def quarterly(
    frame: pd.DataFrame,
    *,
    reference: Hashable,
    quarter: str = "quarter",
    group: str = "group",
    n: str = "n",
    events: str = "events",
    min_n: int = 30,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """:func:`~evenhand.equality.stats.compare.compare_groups` for each quarter of a series.

    ``frame`` has one row per quarter and group, with the number of people (column ``n``) and of events
    (column ``events``); quarters are any sortable labels, such as pandas ``Period`` values from
    ``dates.dt.to_period("Q")``. A group missing from a quarter is shown with 0 people, so every group has a
    row in every quarter. Returns the columns of ``compare_groups``, indexed by (``quarter``, ``group``) with
    quarters in order.

    Each quarter is a separate comparison with its own interval; a quarter in which the reference group has
    no people keeps its rates and says so in ``note``. Raises ``ValueError`` for a missing column, a
    repeated (quarter, group) row, bad counts, or a reference group with no people in any quarter.
    """
    check_alpha(alpha)
    check_min_n(min_n)
    missing = [column for column in (quarter, group, n, events) if column not in frame.columns]
    if missing:
        raise ValueError(
            f"the frame has no column {', '.join(map(repr, missing))}; it has {list(frame.columns)}"
        )
    if frame.empty:
        raise ValueError("the frame has no rows, so there is no quarter to compare")
    if frame.duplicated([quarter, group]).any():
        first = frame.loc[frame.duplicated([quarter, group]), [quarter, group]].iloc[0].tolist()
        raise ValueError(f"each quarter and group must have one row; {first!r} has more than one")
    groups = list(pd.unique(frame[group]))
    if reference not in groups:
        raise ValueError(
            f"reference group {reference!r} is not among the groups ({', '.join(map(repr, groups))})"
        )
    if frame.loc[frame[group] == reference, n].sum() == 0:
        raise ValueError(f"the reference group {reference!r} has no people in any quarter")

    full = pd.MultiIndex.from_product([sorted(pd.unique(frame[quarter])), groups], names=[quarter, group])
    counts = frame.set_index([quarter, group])[[n, events]].reindex(full, fill_value=0)
    parts = []
    at = groups.index(reference)
    for label, rows in counts.groupby(level=quarter, sort=True):
        try:
            names, people, happened = grouped_counts(rows[n].to_numpy(), rows[events].to_numpy(), groups)
        except ValueError as error:
            raise ValueError(f"quarter {label}: {error}") from error
        result = compare_counts(names, people, happened, at=at, min_n=min_n, alpha=alpha)
        result.index.name = group
        parts.append(pd.concat({label: result}, names=[quarter]))
    return pd.concat(parts)
