"""A publication as one system of cells and the linear relations a reader knows between them.

A **cell** is one count (a whole number of people or events, 0 or more), named by a key: a tuple that says
what it counts (``("n", "licences", "2026", "pdu", "N01", "ethnic_group", "black")``, say). The same count
published in two tables is one cell, so hiding it in one table hides it in the other. An **implied** cell is
never published but follows from published ones (the people without the outcome, ``n - events``): it can
give a person away as surely as a published cell, so it is protected too, but it cannot be suppressed.

A **relation** is linear with coefficients ±1 (one kind has a share instead, of at most 1) and nothing on
the right:

- ``add(whole, parts)``: the parts add up to the whole (units to their parent, quarters to the year,
  categories to their group, a row's events and non-events to its people);
- ``equal(a, b)``: two keys that count the same people (measures on one population);
- ``at_most(smaller, larger)``: the sum of some cells is at most the sum of others (a subset and its set:
  recall approved and recall requested; licences and orders within the whole caseload);
- ``at_least_share(part, whole, share)``: a count is at least a share of another (a breakdown published
  only where at least 60% of the staff declared: those who declared are at least 0.6 of the staff).

Besides these, a reader knows every count is 0 or more, and, because zeros are published, that a
suppressed count is at least 1.

:class:`CellSystem` builds the system; :meth:`CellSystem.freeze` gives the :class:`Cells` that
protection and the auditor read, and checks that the true values satisfy every relation, so a relation
that is not true of the data (a wrong model of the publication) is found before it protects anything.
"""

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

Key = tuple[Hashable, ...]


@dataclass(frozen=True)
class Cells:
    """The frozen system: values and flags per cell, and the relations as two sparse matrices.

    ``equalities @ x == 0`` and ``inequalities @ x <= 0`` hold for the true values ``x = values``.
    ``cost`` is what suppressing the cell costs (protection minimises the total); ``names`` names each
    relation, equalities first, for messages.
    """

    keys: tuple[Key, ...]
    index: dict[Key, int]
    values: NDArray[np.int64]
    implied: NDArray[np.bool_]
    cost: NDArray[np.float64]
    equalities: sparse.csr_array
    inequalities: sparse.csr_array
    names: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.keys)

    @cached_property
    def relations(self) -> sparse.csr_array:
        """Every relation, equalities first, one row each."""
        return sparse.csr_array(sparse.vstack([self.equalities, self.inequalities], format="csr"))

    @cached_property
    def by_cell(self) -> sparse.csc_array:
        """The relations by column: which relations hold each cell."""
        return sparse.csc_array(self.relations)

    def neighbourhood(
        self,
        cell: int,
        movable: NDArray[np.bool_],
        depth: int | None,
        largest: int | None = None,
        *,
        widest: int | None = None,
        keep: NDArray[np.bool_] | None = None,
        shortcuts: "Shortcuts | None" = None,
    ) -> NDArray[np.intp]:
        """The ``movable`` cells within ``depth`` relations of ``cell`` (every one linked to it, for None),
        with ``cell`` itself; it stops growing before it would pass ``largest`` cells. With ``widest``, each
        relation adds at most that many of its cells outside ``keep`` (the largest, which can best take a
        change), and every cell in ``keep``. With ``shortcuts``, a relation that cannot bind a small change
        is not followed (see :class:`Shortcuts`)."""
        seen = np.zeros(self.size, dtype=bool)
        seen[cell] = True
        frontier = np.array([cell], dtype=np.intp)
        level = 0
        relations = self.relations
        by_cell = self.by_cell
        while frontier.size and (depth is None or level < depth):
            rows = np.unique(_gather(by_cell.indptr, by_cell.indices, frontier))
            leaves = np.zeros(0, dtype=np.intp)
            if shortcuts is not None:
                # A relation is followed from its own absorbing cell (that cell needs the others to move).
                own = np.unique(
                    _gather(by_cell.indptr, by_cell.indices, frontier[shortcuts.absorbing[frontier]])
                )
                skipped = shortcuts.loose[rows] & ~np.isin(rows, own)
                leaves = shortcuts.leaf[rows[skipped]]
                leaves = leaves[leaves >= 0]
                rows = rows[~skipped]
            # The leaves end the search where they are (their one relation is the one not followed).
            tips = np.unique(leaves[movable[leaves] & ~seen[leaves]])
            if widest is None:
                reached = np.unique(_gather(relations.indptr, relations.indices, rows))
                new = reached[movable[reached] & ~seen[reached]]
            else:
                chosen: set[int] = set()
                for row in rows:
                    members = relations.indices[relations.indptr[row] : relations.indptr[row + 1]]
                    members = members[movable[members] & ~seen[members]]
                    kept = members[keep[members]] if keep is not None else members[:0]
                    others = members[~keep[members]] if keep is not None else members
                    others = others[np.argsort(-self.values[others], kind="stable")[:widest]]
                    chosen.update(map(int, kept))
                    chosen.update(map(int, others))
                new = np.array(sorted(chosen), dtype=np.intp)
            if largest is not None and int(seen.sum()) + np.union1d(new, tips).size > largest:
                break
            seen[new] = True
            seen[tips] = True
            frontier = new
            level += 1
        return np.flatnonzero(seen)

    def describe(self, cell: "int | np.integer[Any]") -> str:
        return " / ".join(str(part) for part in self.keys[cell])


@dataclass(frozen=True)
class Shortcuts:
    """Relations a search for the cells that can open a small change need not follow.

    A change of at most ``margin`` to a cell cannot be stopped by an inequality with at least that much
    room, nor by an equality holding an implied cell of at least that value that no other relation holds
    (the people without the outcome: it takes the change, whatever the others do). Such a relation is
    ``loose``; its ``leaf`` is that implied cell (or -1). A search adds the leaf, so that the relation can
    still move, and goes no further through it. Leaving a relation out of the search only leaves cells out
    of the neighbourhood, which stay at their true values: whatever is found there holds in the whole
    system; a cell that needs them is found at a greater depth.
    """

    loose: NDArray[np.bool_]
    leaf: NDArray[np.intp]
    absorbing: NDArray[np.bool_]  # per cell: the leaf of a loose relation

    @classmethod
    def of(cls, cells: "Cells", margin: float) -> "Shortcuts":
        relations = cells.relations
        values = cells.values.astype(np.float64)
        room = -(relations @ values)
        equalities = cells.equalities.shape[0]
        loose = np.zeros(relations.shape[0], dtype=bool)
        loose[equalities:] = room[equalities:] >= margin
        leaf = np.full(relations.shape[0], -1, dtype=np.intp)
        alone = np.flatnonzero(cells.implied & (np.diff(cells.by_cell.indptr) == 1) & (values >= margin))
        rows = cells.by_cell.indices[cells.by_cell.indptr[alone]]  # the one relation of each
        in_equality = rows < equalities
        loose[rows[in_equality]] = True
        leaf[rows[in_equality]] = alone[in_equality]
        absorbing = np.zeros(cells.size, dtype=bool)
        absorbing[leaf[leaf >= 0]] = True
        return cls(loose=loose, leaf=leaf, absorbing=absorbing)


def _gather(
    indptr: NDArray[np.int32], indices: NDArray[np.int32], items: NDArray[np.intp]
) -> NDArray[np.intp]:
    """The indices of every item (a row of a CSR matrix, a column of a CSC one), one array."""
    starts = indptr[items].astype(np.intp)
    lengths = indptr[items + 1].astype(np.intp) - starts
    if not lengths.size:
        return np.zeros(0, dtype=np.intp)
    shift = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return np.asarray(indices[shift + np.arange(int(lengths.sum()))], dtype=np.intp)


class CellSystem:
    """Builds a :class:`Cells`: declare cells with :meth:`cell`, then the relations between them."""

    def __init__(self) -> None:
        self._index: dict[Key, int] = {}
        self._keys: list[Key] = []
        self._values: list[int] = []
        self._implied: list[bool] = []
        self._cost: list[float] = []
        self._rows: list[tuple[bool, list[int], list[float], str]] = []

    def __contains__(self, key: Key) -> bool:
        return key in self._index

    def index(self, key: Key) -> int:
        return self._at(key)

    def __len__(self) -> int:
        return len(self._values)

    def cell(self, key: Key, value: int, *, implied: bool = False, cost: float = 1.0) -> int:
        """Declare a cell (or the same cell again, which must have the same value) and return its index.

        A cell declared both implied and published is published; its cost is the highest it was given.
        """
        if isinstance(value, bool) or not float(value).is_integer() or value < 0:
            raise ValueError(f"the count {key!r} must be a whole number, 0 or more, not {value!r}")
        value = int(value)
        at = self._index.get(key)
        if at is None:
            at = self._index[key] = len(self._values)
            self._keys.append(key)
            self._values.append(value)
            self._implied.append(implied)
            self._cost.append(float(cost))
            return at
        if self._values[at] != value:
            raise ValueError(f"the count {key!r} is given two values, {self._values[at]} and {value}")
        self._implied[at] = self._implied[at] and implied
        self._cost[at] = max(self._cost[at], float(cost))
        return at

    def alias(self, key: Key, same_as: Key) -> None:
        """Name the cell ``same_as`` by ``key`` too: two keys for one count (one fact, published twice)."""
        at = self._at(same_as)
        if self._index.setdefault(key, at) != at:
            raise ValueError(f"{key!r} already names another cell")

    def value(self, key: Key) -> int:
        return self._values[self._index[key]]

    def _at(self, key: Key) -> int:
        try:
            return self._index[key]
        except KeyError:
            raise ValueError(f"no cell {key!r} has been declared") from None

    def add(self, whole: Key, parts: Iterable[Key], name: str = "") -> None:
        """The parts add up to the whole. A key named twice counts twice (two keys for one count of 0)."""
        weights: dict[int, float] = {}
        for key in parts:
            weights[self._at(key)] = weights.get(self._at(key), 0.0) + 1.0
        weights[self._at(whole)] = weights.get(self._at(whole), 0.0) - 1.0
        kept = {cell: w for cell, w in weights.items() if w != 0}
        if kept:
            self._row(True, list(kept), list(kept.values()), name or f"sum to {whole}")

    def equal(self, first: Key, second: Key, name: str = "") -> None:
        """Two keys count the same people."""
        a, b = self._at(first), self._at(second)
        if a != b:
            self._row(True, [a, b], [1.0, -1.0], name or f"{first} equals {second}")

    def at_most(self, smaller: Sequence[Key], larger: Sequence[Key], name: str = "") -> None:
        """The sum of ``smaller`` is at most the sum of ``larger``."""
        weights: dict[int, float] = {}
        for key in smaller:
            weights[self._at(key)] = weights.get(self._at(key), 0.0) + 1.0
        for key in larger:
            weights[self._at(key)] = weights.get(self._at(key), 0.0) - 1.0
        kept = {cell: w for cell, w in weights.items() if w != 0}
        if kept:
            self._row(False, list(kept), list(kept.values()), name or f"{smaller} at most {larger}")

    def at_least_share(self, part: Key, whole: Key, share: float, name: str = "") -> None:
        """``part`` is at least ``share`` (from 0 to 1) of ``whole``: ``share * whole - part <= 0``. The share
        is lowered by a hair so that a part exactly at it (0.6 of 5 is 3.0000000000000004 in floating point)
        is not taken for one that breaks the relation; the bound a reader gets is as good."""
        if not 0 <= share <= 1:
            raise ValueError(f"a share is from 0 to 1, not {share!r}")
        a, b = self._at(part), self._at(whole)
        if a != b and share > 0:
            self._row(False, [b, a], [share - 1e-9, -1.0], name or f"{part} at least {share} of {whole}")

    def _row(self, equality: bool, cells: list[int], coefficients: list[float], name: str) -> None:
        self._rows.append((equality, cells, coefficients, name))

    def freeze(self) -> Cells:
        """The system as :class:`Cells`. Raises ``ValueError`` naming every relation the values break."""
        keys = tuple(self._keys)
        values = np.array(self._values, dtype=np.int64)
        matrices = []
        names: list[str] = []
        for equality in (True, False):
            rows = [row for row in self._rows if row[0] is equality]
            names += [row[3] for row in rows]
            pointer = np.cumsum([0] + [len(row[1]) for row in rows])
            columns = np.array([c for row in rows for c in row[1]], dtype=np.int64)
            data = np.array([w for row in rows for w in row[2]], dtype=np.float64)
            matrices.append(sparse.csr_array((data, columns, pointer), shape=(len(rows), len(keys))))
        equalities, inequalities = matrices
        broken = [names[row] for row in np.flatnonzero(equalities @ values.astype(np.float64) != 0)] + [
            names[equalities.shape[0] + row]
            for row in np.flatnonzero(inequalities @ values.astype(np.float64) > 0)
        ]
        if broken:
            shown = "; ".join(broken[:5]) + (f"; and {len(broken) - 5} more" if len(broken) > 5 else "")
            raise ValueError(
                f"the counts break {len(broken)} of the relations declared between them: {shown}"
            )
        return Cells(
            keys=keys,
            index=dict(self._index),
            values=values,
            implied=np.array(self._implied, dtype=bool),
            cost=np.array(self._cost, dtype=np.float64),
            equalities=equalities,
            inequalities=inequalities,
            names=tuple(names),
        )
