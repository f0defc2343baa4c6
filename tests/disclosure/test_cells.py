"""Building a cell system: the counts and relations it refuses."""

import numpy as np
import pytest

from evenhand.disclosure import Cells, CellSystem
from evenhand.disclosure.cells import Shortcuts


def small_table(total: int) -> CellSystem:
    system = CellSystem()
    system.cell(("n", "Total"), total)
    for group, n in {"White": 40, "Black": 7, "Asian": 12}.items():
        system.cell(("n", group), n)
    system.add(("n", "Total"), [("n", "White"), ("n", "Black"), ("n", "Asian")])
    return system


def test_the_relations_hold_for_the_true_counts() -> None:
    cells = small_table(59).freeze()
    assert cells.size == 4
    assert not (cells.equalities @ cells.values).any()


def test_a_total_that_is_not_the_sum_of_its_parts_is_refused() -> None:
    with pytest.raises(ValueError, match=r"break 1 of the relations.*sum to"):
        small_table(60).freeze()


def test_a_subset_larger_than_its_set_is_refused() -> None:
    system = CellSystem()
    system.cell(("requested",), 10)
    system.cell(("approved",), 11)
    system.at_most([("approved",)], [("requested",)], name="approved within requested")
    with pytest.raises(ValueError, match="approved within requested"):
        system.freeze()


def test_two_keys_said_to_count_the_same_people_must_agree() -> None:
    system = CellSystem()
    system.cell(("n", "recall"), 12)
    system.cell(("n", "licence"), 13)
    system.equal(("n", "recall"), ("n", "licence"))
    with pytest.raises(ValueError, match="break 1"):
        system.freeze()


@pytest.mark.parametrize("value", [-1, 2.5, float("nan"), True])
def test_a_count_must_be_a_whole_number_0_or_more(value: float) -> None:
    with pytest.raises(ValueError, match="must be a whole number, 0 or more"):
        CellSystem().cell(("n",), value)  # type: ignore[arg-type]


def test_a_whole_number_given_as_a_float_is_a_count() -> None:
    system = CellSystem()
    system.cell(("n",), 3.0)  # type: ignore[arg-type]
    assert system.freeze().values.tolist() == [3]


def test_one_key_given_two_values_is_refused() -> None:
    system = CellSystem()
    system.cell(("n", "Black"), 7)
    system.cell(("n", "Black"), 7)  # the same count declared again, as by a second table
    with pytest.raises(ValueError, match="given two values, 7 and 8"):
        system.cell(("n", "Black"), 8)


def test_an_alias_is_the_same_cell_and_takes_its_value() -> None:
    system = CellSystem()
    system.cell(("n", "recall", "Black"), 7)
    system.alias(("n", "licence", "Black"), ("n", "recall", "Black"))
    with pytest.raises(ValueError, match="given two values"):
        system.cell(("n", "licence", "Black"), 8)
    cells = system.freeze()
    assert cells.size == 1
    assert cells.index[("n", "licence", "Black")] == cells.index[("n", "recall", "Black")]


def test_a_relation_names_only_declared_cells() -> None:
    system = small_table(59)
    with pytest.raises(ValueError, match=r"no cell .*Mixed"):
        system.add(("n", "Total"), [("n", "White"), ("n", "Mixed")])


def test_a_cell_declared_both_implied_and_published_is_published() -> None:
    system = CellSystem()
    system.cell(("without",), 3, implied=True)
    system.cell(("without",), 3)
    assert not system.freeze().implied.any()
    assert np.array_equal(system.freeze().values, [3])


# The search for a cell's neighbourhood


def linked_measures(without: int) -> tuple[Cells, Shortcuts]:
    """Events ``e1`` of a measure in a group line; its row ``n1 = e1 + w1`` (``w1`` never published); a
    second measure on the same people, ``n1 = f1 + v1``, with ``f1`` in a line of its own; and a subset
    relation with room, ``e1 <= g``."""
    system = CellSystem()
    for key, value in {"e1": 3, "e2": 30, "e3": 27, "T": 60, "f1": 20, "f2": 15, "F": 35, "g": 40}.items():
        system.cell((key,), value)
    system.cell(("n1",), 3 + without)
    system.cell(("w1",), without, implied=True)
    system.cell(("v1",), 3 + without - 20, implied=True)
    system.add(("T",), [("e1",), ("e2",), ("e3",)])
    system.add(("n1",), [("e1",), ("w1",)])
    system.add(("n1",), [("f1",), ("v1",)])
    system.add(("F",), [("f1",), ("f2",)])
    system.at_most([("e1",)], [("g",)])
    cells = system.freeze()
    return cells, Shortcuts.of(cells, margin=20.0)


def names(cells: Cells, found: np.ndarray) -> set[str]:
    return {str(cells.keys[i][0]) for i in found}


def test_a_search_does_not_follow_a_relation_that_cannot_stop_a_small_change() -> None:
    cells, shortcuts = linked_measures(without=50)
    movable = np.ones(cells.size, dtype=bool)
    start = cells.index[("e1",)]
    assert names(cells, cells.neighbourhood(start, movable, 2)) == {
        "e1",
        "e2",
        "e3",
        "T",
        "n1",
        "w1",
        "f1",
        "v1",
        "g",
    }
    # The row's people without the outcome (50) take any small change of e1, and g has room for it: the
    # search keeps to e1's own table, with w1 so that the row can still move.
    assert names(cells, cells.neighbourhood(start, movable, 2, shortcuts=shortcuts)) == {
        "e1",
        "e2",
        "e3",
        "T",
        "w1",
    }


def test_a_search_follows_a_row_whose_people_without_the_outcome_are_few() -> None:
    cells, shortcuts = linked_measures(without=18)  # under the margin: the row can bind e1
    found = cells.neighbourhood(cells.index[("e1",)], np.ones(cells.size, dtype=bool), 1, shortcuts=shortcuts)
    assert {"n1", "w1"} <= names(cells, found)


def test_a_search_from_the_people_without_the_outcome_follows_their_row() -> None:
    cells, shortcuts = linked_measures(without=50)
    found = cells.neighbourhood(cells.index[("w1",)], np.ones(cells.size, dtype=bool), 1, shortcuts=shortcuts)
    assert names(cells, found) == {"w1", "n1", "e1"}


def test_a_relation_with_too_little_room_is_followed() -> None:
    system = CellSystem()
    system.cell(("e1",), 3)
    system.cell(("g",), 10)  # room 7, under the margin of 20
    system.at_most([("e1",)], [("g",)])
    cells = system.freeze()
    shortcuts = Shortcuts.of(cells, margin=20.0)
    assert names(cells, cells.neighbourhood(0, np.ones(2, dtype=bool), 1, shortcuts=shortcuts)) == {"e1", "g"}
