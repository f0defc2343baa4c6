"""Why staff left: the share of each group's leavers who left by each reason."""

import pandas as pd

from ..models import EventKind, LeavingReason
from .common import MeasureTable, _declared, _proportion, _with_group


def _leaving_reasons(
    rows: pd.DataFrame, events: pd.DataFrame, context: dict[str, object], withheld: str
) -> list[MeasureTable]:
    """Per leaving reason, the share of the unit's leavers in each group who left by it."""
    declared, groups = _declared(rows)
    events = _with_group(events, declared)
    tables = []
    leavers = events[events["kind"] == EventKind.LEFT]
    left_n = leavers.groupby("group").size().reindex(groups, fill_value=0)
    for reason in LeavingReason:
        tables.append(
            _proportion(
                (f"leaving_{reason.value}", f"Leavers who left by {reason.label.lower()}"),
                left_n,
                leavers[leavers["leaving_reason"] == reason].groupby("group").size(),
                context=context,
                withheld=withheld,
                counted="Leavers",
                with_event=reason.label,
                section="Leaving reasons",
            )
        )
    return tables
