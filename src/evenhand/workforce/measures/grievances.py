"""Grievances decided: the share of each group's grievances upheld in full or in part."""

import pandas as pd

from ..models import UPHELD, EventKind, Outcome
from .common import MeasureTable, _declared, _proportion, _with_group


def _grievances_upheld(
    rows: pd.DataFrame, events: pd.DataFrame, context: dict[str, object], withheld: str
) -> MeasureTable:
    """Of the grievances of the unit's staff decided in the period, the share upheld, by group."""
    declared, groups = _declared(rows)
    events = _with_group(events, declared)
    # A grievance decided: with an outcome other than withdrawn.
    grievances = events[events["kind"] == EventKind.GRIEVANCE]
    decided = grievances[grievances["outcome"].isin([o for o in Outcome if o != Outcome.WITHDRAWN])]
    return _proportion(
        ("grievance_upheld", "Grievances upheld (in full or in part)"),
        decided.groupby("group").size().reindex(groups, fill_value=0),
        decided[decided["outcome"].isin(UPHELD)].groupby("group").size(),
        context=context,
        withheld=withheld,
        counted="Grievances decided",
        with_event="Upheld",
        section="Grievances",
    )
