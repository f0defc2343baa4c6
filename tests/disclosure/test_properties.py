"""Property tests: random tables with their margins and random hierarchies of units, protected and then
attacked from the published figures alone.

Counts are drawn mostly small (1 to 4) or 0, so that most examples need primary and secondary suppression.
"""

import itertools

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from evenhand.disclosure import Cells, CellSystem, Rules, audit, protect
from evenhand.disclosure.rules import least_values

from .helpers import least_known, quick, too_narrow

COUNTS = st.one_of(st.integers(0, 4), st.integers(0, 4), st.integers(5, 40))


@st.composite
def tables(draw: st.DrawFn, dimensions: int) -> Cells:
    """A table of ``dimensions`` characteristics with every margin: each line of cells adds up to its total."""
    sizes = tuple(draw(st.integers(2, 3 if dimensions == 2 else 2)) for _ in range(dimensions))
    inner = np.array(draw(st.lists(COUNTS, min_size=int(np.prod(sizes)), max_size=int(np.prod(sizes)))))
    full = np.zeros(tuple(size + 1 for size in sizes), dtype=np.int64)
    full[tuple(slice(0, size) for size in sizes)] = inner.reshape(sizes)
    for axis, size in enumerate(sizes):
        total = [slice(None)] * dimensions
        total[axis] = size
        full[tuple(total)] = full.take(range(size), axis=axis).sum(axis=axis)
    system = CellSystem()
    for at in itertools.product(*(range(size + 1) for size in sizes)):
        system.cell(at, int(full[at]))
    for axis, size in enumerate(sizes):
        for at in itertools.product(*(range(s + 1) for s in sizes)):
            if at[axis] == size:
                parts = [(*at[:axis], i, *at[axis + 1 :]) for i in range(size)]
                system.add(at, parts)
    return system.freeze()


@st.composite
def hierarchies(draw: st.DrawFn) -> Cells:
    """Units nested in parents nested in the whole: n, events and the people without the outcome (implied)
    of each, each parent's counts the sum of its units'."""
    shape = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    system = CellSystem()

    def declare(where: tuple[int, ...], n: int, events: int) -> None:
        system.cell(("n", *where), n)
        system.cell(("events", *where), events)
        system.cell(("without", *where), n - events, implied=True)
        system.add(("n", *where), [("events", *where), ("without", *where)])

    totals = np.zeros(2, dtype=np.int64)
    for parent, units in enumerate(shape):
        counts = np.zeros(2, dtype=np.int64)
        for unit in range(units):
            n = draw(COUNTS)
            events = draw(st.one_of(st.integers(0, min(n, 4)), st.integers(max(n - 4, 0), n)))
            declare((parent, unit), n, events)
            counts += (n, events)
        declare((parent,), *map(int, counts))
        totals += counts
    declare((), *map(int, totals))
    for column in ("n", "events", "without"):
        for parent, units in enumerate(shape):
            system.add((column, parent), [(column, parent, unit) for unit in range(units)])
        system.add((column,), [(column, parent) for parent in range(len(shape))])
    return system.freeze()


def check_protection(cells: Cells) -> None:
    rules = Rules()
    protection = protect(cells, rules)
    hidden = protection.hidden
    values = cells.values
    assert protection.audit.passed and audit(cells, hidden, rules).passed
    assert too_narrow(cells, hidden, rules) == []
    assert not (hidden & (values == 0)).any()
    published = ~hidden & ~cells.implied
    assert not (published & (values >= 1) & (values < rules.threshold)).any()
    assert not (protection.primary & ~hidden).any()
    assert (protection.primary == ~cells.implied & (values >= 1) & (values < rules.threshold)).all()


@quick
@given(tables(2))
def test_a_two_way_table_with_its_margins_is_protected(cells: Cells) -> None:
    check_protection(cells)


@quick
@given(tables(3))
def test_a_three_way_table_with_its_margins_is_protected(cells: Cells) -> None:
    check_protection(cells)


@quick
@given(hierarchies())
def test_units_nested_in_parents_are_protected(cells: Cells) -> None:
    check_protection(cells)


@quick
@given(st.one_of(tables(2), tables(3), hierarchies()))
def test_the_least_values_never_exceed_what_a_reader_knows_from_the_zeros(cells: Cells) -> None:
    # The bottom of a protection interval must not be above what a reader can in fact rule out, or a
    # cell would be left narrower than the rule allows.
    counts = cells.values >= 1
    assert (least_values(cells)[counts] <= least_known(cells, counts)[counts]).all()
