"""Shared by the disclosure tests: tables declared as cell systems, the old per-table method's pattern, and
the reader's attack from the published figures alone."""

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, settings
from numpy.typing import NDArray
from scipy.optimize import linprog

from evenhand.disclosure import Cells, CellSystem, Rules, ranges
from tests.disclosure.previous_method import SUPPRESSED, suppress

# The project's autouse Django settings fixture is function-scoped but irrelevant to these pure functions.
quick = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

RULES = Rules()

# A small margin for the linear programs' floating point: every true range end is a whole number.
SLACK = 1e-6


def group_table(rows: Mapping[str, Sequence[int]], columns: Sequence[str] = ("n", "events")) -> pd.DataFrame:
    """A table of groups with its total row last, as the old method takes it."""
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(columns))
    table.loc["Total"] = table.sum()
    return table


def declare_table(system: CellSystem, where: tuple[str, ...], table: pd.DataFrame) -> None:
    """Declare a table's counts as cells keyed ``(column, *where, row)``, with what a reader knows of them:
    each row's events and people without the outcome (implied) add up to its n, and the rows to the total."""
    columns = list(table.columns)
    for row, counts in table.iterrows():
        for column in columns:
            system.cell((column, *where, row), int(counts[column]))
        if "events" in columns:
            system.cell(("without", *where, row), int(counts["n"] - counts["events"]), implied=True)
            system.add(("n", *where, row), [("events", *where, row), ("without", *where, row)])
    groups = [row for row in table.index if row != "Total"]
    for column in [*columns, *(["without"] if "events" in columns else [])]:
        system.add((column, *where, "Total"), [(column, *where, group) for group in groups])


class OldPattern:
    """The cells the old method shows as ``[c]``, table by table: a cell stays unknown only if every table
    that shows it suppresses it."""

    def __init__(self, cells: Cells) -> None:
        self.cells = cells
        self.suppressed = np.zeros(cells.size, dtype=bool)
        self.shown = np.zeros(cells.size, dtype=bool)

    def suppress(
        self, where: tuple[str, ...], table: pd.DataFrame, *, by: str | None = None, crossed: bool = False
    ) -> pd.DataFrame:
        """Run the old ``suppress`` on ``table`` alone and record its pattern; ``by`` blocks add to ``where``."""
        counts = [column for column in ("n", "events") if column in table.columns]
        published = suppress(table, counts=counts, total_row="Total", by=by, crossed=crossed).published
        for row in range(len(published)):
            label = published.index[row]
            block = () if by is None else (str(published[by].iat[row]),)
            for column in counts:
                at = self.cells.index[(column, *where, *block, label)]
                if published[column].iat[row] == SUPPRESSED:
                    self.suppressed[at] = True
                else:
                    self.shown[at] = True
        return published

    @property
    def hidden(self) -> NDArray[np.bool_]:
        return self.suppressed & ~self.shown


def reader_ranges(cells: Cells, hidden: NDArray[np.bool_]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each cell's least and greatest value for a reader who has only the published figures."""
    known = ~hidden & ~cells.implied
    low, high, _ = ranges(cells, known, np.where(known, cells.values, np.nan))
    return low, high


def least_known(cells: Cells, asked: NDArray[np.bool_]) -> NDArray[np.float64]:
    """The least value of each ``asked`` cell (NaN for the others) for a reader who knows only the zeros,
    which are always published, so that every other count is at least 1: what any reader knows, whatever
    else is published. By linear programming of its own over the relations."""
    zeros = ~cells.implied & (cells.values == 0)
    bounds = np.column_stack([np.where(cells.implied | zeros, 0.0, 1.0), np.where(zeros, 0.0, np.inf)])
    least = np.full(cells.size, np.nan)
    for cell in map(int, np.flatnonzero(asked)):
        objective = np.zeros(cells.size)
        objective[cell] = 1.0
        result = linprog(
            objective,
            A_eq=cells.equalities,
            b_eq=np.zeros(cells.equalities.shape[0]),
            A_ub=cells.inequalities if cells.inequalities.shape[0] else None,
            b_ub=np.zeros(cells.inequalities.shape[0]) if cells.inequalities.shape[0] else None,
            bounds=bounds,
            method="highs",
        )
        assert result.status == 0, result.message
        least[cell] = max(np.ceil(result.fun - SLACK), 0.0)
    return least


def too_narrow(cells: Cells, hidden: NDArray[np.bool_], rules: Rules = RULES) -> list[str]:
    """What the reader's attack on the published figures gives away, in words (empty when all is well):
    every sensitive count published; every sensitive cell whose range is inside its protection interval,
    from ``upper`` above it down to ``lower`` below it or to the least value any reader knows it takes (1
    for a count, 0 for an implied one, more when the relations and the zeros say so); every other
    suppressed count pinned to one value."""
    low, high = reader_ranges(cells, hidden)
    values = cells.values
    sensitive = (values >= 1) & (values < rules.threshold)
    least = least_known(cells, sensitive)
    problems = []
    for cell in range(cells.size):
        name = f"{cells.describe(cell)} ({values[cell]}, read as {low[cell]:g} to {high[cell]:g})"
        if sensitive[cell] and not (hidden[cell] or cells.implied[cell]):
            problems.append(f"{name} is published")
        elif sensitive[cell]:
            bottom = max(least[cell], values[cell] - rules.lower)
            top = values[cell] + rules.upper
            if low[cell] > bottom + SLACK or high[cell] < top - SLACK:
                problems.append(f"{name} must stay open from {bottom:g} to {top}")
        elif hidden[cell] and high[cell] - low[cell] < 1 - SLACK:
            problems.append(f"{name} is pinned")
    return problems
