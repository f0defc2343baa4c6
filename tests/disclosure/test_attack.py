"""The auditor and the reader's ranges."""

import numpy as np

from evenhand.disclosure import Cells, CellSystem, audit, protect, ranges


def column(counts: dict[str, int]) -> Cells:
    """A column of counts with its total."""
    system = CellSystem()
    system.cell(("Total",), sum(counts.values()))
    for group, n in counts.items():
        system.cell((group,), n)
    system.add(("Total",), [(group,) for group in counts])
    return system.freeze()


def mask(cells: Cells, *keys: str) -> np.ndarray:
    hidden = np.zeros(cells.size, dtype=bool)
    hidden[[cells.index[(key,)] for key in keys]] = True
    return hidden


def test_a_published_count_under_the_threshold_is_a_finding() -> None:
    cells = column({"White": 40, "Black": 3, "Asian": 12})
    result = audit(cells, mask(cells))
    assert [(cells.keys[f.cell], f.message) for f in result.findings] == [
        (("Black",), "Black is published but is 3")
    ]


def test_a_suppressed_zero_is_a_finding_even_when_a_reader_could_not_make_sense_of_it() -> None:
    # Shown as [c], the 0 would be at least 1 to a reader; here the total and the other counts say it is 0.
    cells = column({"White": 40, "Black": 0, "Asian": 12})
    result = audit(cells, mask(cells, "Black"))
    assert [f.message for f in result.findings] == ["Black is suppressed but is 0"]


def test_a_pair_hidden_together_is_narrowed_by_the_other_being_at_least_1() -> None:
    cells = column({"White": 40, "Black": 3, "Asian": 6})
    result = audit(cells, mask(cells, "Black", "Asian"))
    # Black + Asian = 9, and Asian is at least 1: Black is at most 8, which is 3 + 5, just enough.
    assert result.passed
    assert result.narrowest_above == 5 and result.components == 1
    assert "2 of 4 published counts are suppressed" in result.summary()

    narrower = column({"White": 40, "Black": 3, "Asian": 5})
    result = audit(narrower, mask(narrower, "Black", "Asian"))
    assert [narrower.keys[f.cell] for f in result.findings] == [("Black",)]
    assert "between 1 and 7; it must stay open from 1 to 8" in result.findings[0].message


def test_nothing_suppressed_is_said_so() -> None:
    cells = column({"White": 40, "Black": 0, "Asian": 12})
    result = audit(cells, mask(cells))
    assert result.passed and result.suppressed == 0
    assert result.summary() == "No count was suppressed; 4 counts were checked."


def test_the_reader_s_ranges_use_the_published_counts_alone() -> None:
    cells = column({"White": 40, "Black": 3, "Asian": 6, "Mixed": 0})
    hidden = protect(cells).hidden
    known = ~hidden
    truth = ranges(cells, known, cells.values.astype(np.float64))
    nonsense = ranges(cells, known, np.where(known, cells.values, 1_000.0))
    blank = ranges(cells, known, np.where(known, cells.values, np.nan))
    for other in (nonsense, blank):
        assert np.array_equal(truth[0], other[0]) and np.array_equal(truth[1], other[1])
    low, high, components = truth
    black = cells.index[("Black",)]
    assert hidden[black] and low[black] == 1 and high[black] >= 8
    assert components == 1
    assert np.array_equal(low[known], cells.values[known]) and np.array_equal(
        high[known], cells.values[known]
    )
