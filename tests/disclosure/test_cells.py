"""Building a cell system: the counts and relations it refuses."""

import numpy as np
import pytest

from evenhand.disclosure import CellSystem


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
