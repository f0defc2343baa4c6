"""The measures of staff (``MEASURES``): the share of each group's staff promoted, temporarily promoted,
leaving, raising a grievance, or in a conduct case or a performance procedure in the period, each person
counted once; and, where the measure counts them, every such event per 100 staff."""

import numpy as np
import pandas as pd

from .common import MEASURES, MeasureTable, _declared, _proportion


def _event_measures(rows: pd.DataFrame, context: dict[str, object], withheld: str) -> list[MeasureTable]:
    """Each measure of ``MEASURES`` for the unit's staff (``rows``), by group."""
    declared, groups = _declared(rows)
    staff_in = declared.groupby("group").size().reindex(groups, fill_value=0)
    staff_n = len(rows)
    tables = []
    for spec in MEASURES.values():
        per_100 = 100 * rows[spec.key].sum() / staff_n if spec.per_100_of and staff_n else None
        table = _proportion(
            (spec.key, spec.title),
            staff_in,
            declared.groupby("group")[spec.key].apply(lambda s: int((s > 0).sum())),
            context=context,
            withheld=withheld,
            per_100=per_100,
            per_100_label=f"{spec.per_100_of} per 100 staff" if spec.per_100_of else "",
        )
        if table.table is not None and spec.per_100_of:
            all_events = declared.groupby("group")[spec.key].sum().reindex(groups, fill_value=0)
            table.table["per_100"] = 100 * all_events / staff_in.replace(0, np.nan)
        tables.append(table)
    return tables
