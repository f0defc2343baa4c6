"""The protection interval: the threshold and levels, and the least value a reader knows a cell takes."""

import numpy as np
import pytest

from evenhand.disclosure import Cells, CellSystem, Rules, protect
from evenhand.disclosure.rules import least_values

from .helpers import too_narrow


def row_of_a_table(parts: dict[str, int]) -> Cells:
    """One row of a two-way table, its total, and a second row that makes the columns' totals."""
    system = CellSystem()
    for row, counts in {
        "small": parts,
        "large": {column: 20 + 7 * i for i, column in enumerate(parts)},
    }.items():
        for column, n in counts.items():
            system.cell((row, column), n)
        system.cell((row, "Total"), sum(counts.values()))
        system.add((row, "Total"), [(row, column) for column in counts])
    for column in [*parts, "Total"]:
        system.cell(("Total", column), sum(system.value((row, column)) for row in ("small", "large")))
        system.add(("Total", column), [("small", column), ("large", column)])
    return system.freeze()


def one_row(n: int, events: int) -> Cells:
    system = CellSystem()
    system.cell(("n",), n)
    system.cell(("events",), events)
    system.cell(("without",), n - events, implied=True)
    system.add(("n",), [("events",), ("without",)])
    return system.freeze()


def least(cells: Cells, key: tuple[str, ...]) -> float:
    return float(least_values(cells)[cells.index[key]])


@pytest.mark.parametrize("threshold, lower, upper", [(1, 5, 5), (5, 0, 5), (5, 5, 0)])
def test_a_threshold_under_2_or_a_level_under_1_is_refused(threshold: int, lower: int, upper: int) -> None:
    with pytest.raises(ValueError, match="threshold must be 2 or more"):
        Rules(threshold=threshold, lower=lower, upper=upper)


def test_a_count_is_at_least_1_and_an_implied_count_at_least_0() -> None:
    cells = one_row(12, 9)
    assert least(cells, ("n",)) == 1 and least(cells, ("events",)) == 1
    assert least(cells, ("without",)) == 0


def test_a_zero_is_0() -> None:
    assert least(row_of_a_table({"a": 1, "b": 0}), ("small", "b")) == 0


def test_a_total_of_counts_that_are_not_0_is_at_least_how_many_there_are() -> None:
    cells = row_of_a_table({"a": 1, "b": 1, "c": 0})
    assert least(cells, ("small", "Total")) == 2
    assert least(cells, ("Total", "Total")) == 5  # and the other row has three


def test_the_people_without_the_outcome_of_a_row_with_no_events_are_its_n() -> None:
    assert least(one_row(3, 0), ("without",)) == 1


def test_a_set_is_at_least_as_large_as_its_subsets() -> None:
    system = CellSystem()
    for key, n in {"requested": 9, "approved": 3, "refused": 2}.items():
        system.cell((key,), n)
    system.at_most([("approved",), ("refused",)], [("requested",)])
    cells = system.freeze()
    assert least(cells, ("requested",)) == 2
    assert least(cells, ("approved",)) == 1


def test_a_total_of_1_and_1_beside_a_zero_is_protected_down_to_2() -> None:
    # The total 2 can never be read as 1: its two parts are [c], each at least 1. It is protected from
    # 2 up, and the parts from 1 to 6.
    cells = row_of_a_table({"a": 1, "b": 1, "c": 0})
    protection = protect(cells)
    assert protection.is_hidden(("small", "Total"))
    assert not protection.is_hidden(("small", "c"))
    assert too_narrow(cells, protection.hidden) == []


def test_3_people_with_no_events_are_protected_though_the_3_without_can_never_be_0() -> None:
    system = CellSystem()
    for group, (n, events) in {"White": (40, 9), "Black": (3, 0), "Asian": (30, 6)}.items():
        system.cell(("n", group), n)
        system.cell(("events", group), events)
        system.cell(("without", group), n - events, implied=True)
        system.add(("n", group), [("events", group), ("without", group)])
    for column in ("n", "events", "without"):
        system.cell((column, "Total"), sum(system.value((column, g)) for g in ("White", "Black", "Asian")))
        system.add((column, "Total"), [(column, g) for g in ("White", "Black", "Asian")])
    cells = system.freeze()
    protection = protect(cells)
    assert protection.is_hidden(("n", "Black")) and not protection.is_hidden(("events", "Black"))
    assert too_narrow(cells, protection.hidden) == []
    assert np.isfinite(protection.audit.narrowest_above)
