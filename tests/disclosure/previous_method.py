"""The per-table method this package replaced (evenhand/equality/publish/disclosure.py before ADR 0006),
kept for the tests that show what it let a reader work out.

Statistical disclosure control for the published equality tables: primary and secondary suppression.

The rule for publication: cells with fewer than 5 people are shown as ``[c]``, with secondary suppression so
no suppressed cell can be worked out from totals; rates and ratios from suppressed cells are suppressed too.
:func:`suppress` applies it to one comparison table; :func:`check_published` is the gate a report passes
before anything is written. Plain functions over pandas frames, with no Django import.

What a reader can work out
--------------------------
A table has one row per group (White, Black, …), maybe a total row, and maybe blocks (``by``: one block per
unit, each with its own rows and total). Its **count cells** are the count columns (``n``, people;
``events``, people with the outcome) of every row. A count that is part of another (``events`` of ``n``)
also publishes its **complement**, ``n - events`` people without the outcome, as surely as if it had a
column of its own; so complements are count cells too, never shown but never allowed to give a person away.

A reader knows these linear relationships, each "the parts add up to the whole":

- in each row, ``events + (n - events) = n``;
- in each block, for every count column and every complement, the group rows add up to the block's total:
  its total row when the table has one (``total_row``), else a total **treated as published elsewhere**;
- with ``by`` and total rows, the blocks' total rows add up to the grand total, treated as published;
- with ``crossed``, each group's cells across the blocks add up to that group's total, treated as
  published (the national table beside a table of units by group).

Totals outside the table are assumed known because headline figures are published, and assuming otherwise
would be a bet on what readers cannot find.

The rules
---------
1. **Primary suppression.** A count cell of 1 to ``threshold - 1`` (1-4) is suppressed, and so is
   ``events`` when its complement ``n - events`` is 1-4 (suppressing ``events`` rather than ``n`` keeps
   the group's size). **0 is published**: it says that nobody in the group had the outcome, which
   identifies no one, and hiding zeros would also hide the absence of a disparity.
2. **Secondary suppression.** No suppressed cell, and no complement of 1-4, may be revealed by the
   published cells and totals. A cell is revealed **by subtraction**: the one unknown of a relationship is
   its whole minus its other cells, and what that gives can be used again. Or **by bounds**: every count
   is 0 or more (so ``events`` is at most ``n``) and a suppressed count is at least 1 (zeros are
   published), so a cell whose smallest and largest possible values, found by linear programming over
   all the relationships at once as an audit of a suppression pattern does, leave it one whole number is
   revealed too. Nor may the unknown cells of one relationship be revealed to add up to 1-4: two
   suppressed cells that make 2 are 1 and 1, and unknowns that make 3 give away a group of 3 people.
   (A suppressed 0, hidden as a last resort to protect another cell, may be revealed: it is 0.)
   While anything is revealed, one more count is suppressed, chosen from the relationships behind it,
   nearest first: for a subtraction, the relationship that gave the cell away, then those that gave the
   unknown cells it used, and so on; then, as a last resort, relationships further along the unknown
   cells. For a complement the candidates are its row's ``events`` and ``n``. In each step other rows
   come before total rows, non-zero counts before zeros, the smallest first, ties in row then column
   order; the first candidate that stops the problem on its own is taken, else the first of the
   nearest step. Subtraction is settled first and bounds after, as most tables need only the first. This
   stops, as each round suppresses one more cell, and raises :class:`DisclosureError` if something is
   still revealed with nothing left to suppress (a total published outside the table that is itself 1-4).
3. **Derived figures.** When any count of a row is suppressed, every derived column of that row (rate,
   interval, ratios, p-value, note, …) is suppressed: each is computed from the row's counts and would give
   them back. When a count of the reference row is suppressed, every column that compares a row with the
   reference (relative rate, odds ratio, test, p- and q-values, flag, note) is suppressed in every row of
   the block.

The reasons are recorded cell by cell (:data:`PRIMARY`, :data:`SECONDARY`, :data:`DERIVED`,
:data:`REFERENCE`) so a report can add its note and a test can check each rule.

References: Government Statistical Service (2014), "Disclosure control guidance for tables produced from
administrative sources", for threshold rules with primary and secondary (complementary) suppression;
A. Hundepool et al. (2012), *Statistical Disclosure Control*, Wiley, on secondary cell suppression in
tables and on auditing a suppression pattern by linear programming.
"""

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import optimize, sparse

SUPPRESSED = "[c]"
THRESHOLD = 5
PRIMARY = "primary"
SECONDARY = "secondary"
DERIVED = "derived"
REFERENCE = "reference"

# Derived columns that compare a row with the reference row, after any "crude_" or "adjusted_" prefix.
REFERENCE_COLUMNS = ("relative_rate", "odds_ratio", "test", "p_value", "q_value", "flagged", "note")
_PREFIXES = ("crude_", "adjusted_")
# Relationships are solved in floating point; every coefficient is ±1 and every value a whole count.
_TOLERANCE = 1e-9
# How many candidate cells to try for one problem before taking the smallest anyway.
_TRIALS = 20


class DisclosureError(ValueError):
    """A table cannot be protected, or a frame about to be published gives a person away.

    ``problems`` lists each finding in words; the message joins them.
    """

    def __init__(self, summary: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(summary + "".join(f"\n- {problem}" for problem in self.problems))


@dataclass(frozen=True)
class Layout:
    """How a table's cells relate: which columns are counts, where its totals are, what depends on what.

    - ``counts``: the count columns (whole numbers of people), ``("n", "events")`` by default.
    - ``part_of``: part column → whole column within a row, whose difference is a count too; ``None`` means
      ``{"events": "n"}`` when both are counts, else none.
    - ``total_row``: the index label of the total row (in every block); ``None`` when the totals are not in
      the table (they are then treated as published elsewhere).
    - ``by``: the column naming each row's block (unit); each block adds up to its own total.
    - ``crossed``: with ``by``, each group label's cells across the blocks add up to a published total.
    - ``labels``: columns that label rows and are published as they are (``by`` and ``is_reference`` are
      always labels).
    - ``derived``: columns computed from a row's counts; ``None`` means every column that is not a count
      or a label.
    - ``reference``: the index label of the reference row; ``None`` means the rows marked in the
      ``is_reference`` column, if there is one, else no reference.
    - ``reference_columns``: the derived columns that compare a row with the reference; ``None`` means
      those named in :data:`REFERENCE_COLUMNS`, with or without a ``crude_``/``adjusted_`` prefix and
      with any suffix (``relative_rate_low``).
    """

    counts: tuple[str, ...] = ("n", "events")
    part_of: Mapping[str, str] | None = None
    total_row: Hashable | None = None
    by: str | None = None
    crossed: bool = False
    labels: tuple[str, ...] = ()
    derived: tuple[str, ...] | None = None
    reference: Hashable | None = None
    reference_columns: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Suppressed:
    """A table made safe to publish, and why each cell was suppressed.

    ``published`` is the table with every suppressed cell replaced by ``"[c]"`` (those columns have object
    dtype; the others keep theirs). ``reason`` has the same index and columns, holding ``""`` for a
    published cell or :data:`PRIMARY`, :data:`SECONDARY`, :data:`DERIVED` or :data:`REFERENCE`.
    ``layout`` is the resolved :class:`Layout`, to pass to :func:`check_published`.
    """

    published: pd.DataFrame
    reason: pd.DataFrame
    layout: Layout
    threshold: int

    @property
    def mask(self) -> pd.DataFrame:
        """True for every suppressed cell."""
        return self.reason != ""

    @property
    def anything_suppressed(self) -> bool:
        """Whether any cell of the table is suppressed (so the report needs its note on suppression)."""
        return bool(self.mask.to_numpy().any())


def suppress(
    table: pd.DataFrame,
    *,
    counts: Sequence[str] = ("n", "events"),
    part_of: Mapping[str, str] | None = None,
    total_row: Hashable | None = None,
    by: str | None = None,
    crossed: bool = False,
    labels: Sequence[str] = (),
    derived: Sequence[str] | None = None,
    reference: Hashable | None = None,
    reference_columns: Sequence[str] | None = None,
    threshold: int = THRESHOLD,
) -> Suppressed:
    """Suppress the cells of ``table`` that would give people away, by the rules in the module docstring.

    ``table`` has one row per group (and block), identified by its index label (unique within a block), the
    count columns, and derived columns; the keywords are those of :class:`Layout`. ``threshold`` is the
    smallest count that may be published other than 0.

    Raises ``ValueError`` naming the problem for a missing column, a count that is negative, fractional or
    not a number, a part larger than its whole (``events`` > ``n``), a total row that is missing, repeated
    or not the sum of its block, or a repeated row label in a block; and :class:`DisclosureError` (a
    ``ValueError``) when a cell cannot be protected.
    """
    layout = _resolve(
        table,
        Layout(
            counts=tuple(counts),
            part_of=part_of,
            total_row=total_row,
            by=by,
            crossed=crossed,
            labels=tuple(labels),
            derived=None if derived is None else tuple(derived),
            reference=reference,
            reference_columns=None if reference_columns is None else tuple(reference_columns),
        ),
    )
    _check_threshold(threshold)
    values = _count_values(table, layout)
    grid = _Grid(table, layout, values)
    _reference_rows(table, layout, grid)  # refuse a missing reference before the work, not after
    table_cell = grid.table_cell
    small = (grid.values >= 1) & (grid.values < threshold)

    suppressed = table_cell & small
    reasons: dict[int, str] = {int(cell): PRIMARY for cell in np.flatnonzero(suppressed)}
    for row in range(grid.rows):
        for k, (part, whole) in enumerate(_pairs(layout)):
            complement = grid.cell(row, len(layout.counts) + k)
            part_cell = grid.cell(row, layout.counts.index(part))
            whole_cell = grid.cell(row, layout.counts.index(whole))
            if small[complement] and not (suppressed[part_cell] or suppressed[whole_cell]):
                suppressed[part_cell] = True
                reasons[part_cell] = PRIMARY

    # Subtraction alone first, which is quick and settles most tables; then bounds as well.
    free: set[tuple[int, ...]] = set()
    for bounds in (False, True):
        while problems := grid.audit(
            table_cell & ~suppressed, suppressed, threshold, bounds=bounds, free=free
        ):
            problem = problems[0]
            levels = grid.candidates(problem, suppressed)
            if not levels:
                raise DisclosureError(
                    "the table cannot be protected: nothing is left to suppress against this problem (if a"
                    " total published outside the table is itself below the threshold, put the totals in"
                    " the table as a total row, so that they are suppressed with it)",
                    [problem.message],
                )
            chosen = _fix(grid, problem, levels, suppressed, threshold, bounds=bounds)
            suppressed[chosen] = True
            reasons[chosen] = SECONDARY

    reason = pd.DataFrame("", index=table.index, columns=table.columns, dtype=object)
    for cell, why in reasons.items():
        row, column = grid.position(cell)
        reason.iat[row, table.columns.get_loc(layout.counts[column])] = why
    _mark_derived(reason, layout, grid)
    return Suppressed(published=_publish(table, reason), reason=reason, layout=layout, threshold=threshold)


def check_published(
    published: pd.DataFrame,
    original: pd.DataFrame,
    *,
    layout: Layout | None = None,
    threshold: int = THRESHOLD,
) -> None:
    """Refuse a frame about to be published if it gives anyone away; return ``None`` if it is safe.

    ``published`` is ``original`` with some cells replaced by ``"[c]"``; ``layout`` describes both (as
    :attr:`Suppressed.layout`; the default :class:`Layout` otherwise). ``original`` supplies the totals that
    are treated as published outside the table. Checks, reporting every failure at once in a
    :class:`DisclosureError`:

    - the frames have the same rows and columns, and every published count equals the original;
    - no published count, and no complement of published counts, is between 1 and ``threshold - 1``;
    - no suppressed cell other than a 0, and no complement of 1 to ``threshold - 1``, can be worked out
      from the published cells and the totals, by subtraction or with the bounds a reader knows; and the
      unknown cells of a relationship cannot be worked out to add up to 1 to ``threshold - 1``;
    - every derived column of a row with a suppressed count is suppressed, and every reference column of a
      block whose reference row has a suppressed count.

    Raises ``ValueError`` for frames it cannot read (missing columns, counts that are neither whole numbers
    nor ``"[c]"``).
    """
    _check_threshold(threshold)
    if not isinstance(published, pd.DataFrame):
        raise ValueError(f"the published table must be a pandas DataFrame, not {type(published).__name__}")
    layout = _resolve(original, layout or Layout())
    problems: list[str] = []
    if not published.index.equals(original.index) or list(published.columns) != list(original.columns):
        raise DisclosureError(
            "the published frame does not match the original",
            ["it must have the same index and columns, in the same order"],
        )
    values = _count_values(original, layout)
    grid = _Grid(original, layout, values)
    suppressed = np.zeros(grid.cells, dtype=bool)
    for column, name in enumerate(layout.counts):
        for row, shown in enumerate(published[name].tolist()):
            cell = grid.cell(row, column)
            if _is_suppressed(shown):
                suppressed[cell] = True
            elif not _is_number(shown):
                raise ValueError(
                    f"{grid.describe(cell)} is {shown!r}: a published count must be a number or"
                    f" {SUPPRESSED!r}"
                )
            elif float(shown) != grid.values[cell]:
                problems.append(
                    f"{grid.describe(cell)} is published as {shown!r} but is {grid.values[cell]:g}"
                )
            elif 1 <= grid.values[cell] < threshold:
                problems.append(
                    f"{grid.describe(cell)} is {grid.values[cell]:g}, fewer than {threshold}, but is published"
                )
    problems += [
        problem.message for problem in grid.audit(grid.table_cell & ~suppressed, suppressed, threshold)
    ]
    problems += _derived_problems(published, layout, grid, suppressed)
    if problems:
        raise DisclosureError("the table must not be published: it gives people away", problems)


def _pairs(layout: Layout) -> list[tuple[str, str]]:
    """The (part, whole) count columns of a resolved layout: each pair's difference is a count too."""
    return list((layout.part_of or {}).items())


def _check_threshold(threshold: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer) or threshold < 1:
        raise ValueError(f"threshold must be a whole number of people, 1 or more, not {threshold!r}")


def _resolve(table: pd.DataFrame, layout: Layout) -> Layout:
    """The layout with its defaults filled in from ``table``, or a ValueError naming what does not fit."""
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"the table must be a pandas DataFrame, not {type(table).__name__}")
    if table.empty:
        raise ValueError("the table has no rows, so there is nothing to publish")
    columns = list(table.columns)
    shown = ", ".join(map(repr, columns))

    def need(name: str, role: str) -> None:
        if name not in columns:
            raise ValueError(f"{role} {name!r} is not a column of the table (its columns are: {shown})")

    counts = tuple(layout.counts)
    if not counts:
        raise ValueError("counts must name at least one count column")
    if len(set(counts)) != len(counts):
        raise ValueError(f"counts must not repeat a column: {counts!r}")
    for name in counts:
        need(name, "count column")
    if layout.part_of is None:
        part_of = {"events": "n"} if {"events", "n"} <= set(counts) else {}
    else:
        part_of = dict(layout.part_of)
    for part, whole in part_of.items():
        for name in (part, whole):
            if name not in counts:
                raise ValueError(f"part_of names {name!r}, which is not one of the counts {counts!r}")
        if part == whole or part in part_of.values() or whole in part_of:
            raise ValueError(
                f"part_of must pair distinct part and whole columns, one level deep: {part_of!r}"
            )
    if layout.by is not None:
        need(layout.by, "by")
        if layout.by in counts:
            raise ValueError(f"by {layout.by!r} is a count column; it must name each row's block")
        if table[layout.by].isna().any():
            raise ValueError(f"by {layout.by!r} is missing for some rows; every row must name its block")
    elif layout.crossed:
        raise ValueError("crossed needs by: it relates each group's cells across the blocks")
    labels = tuple(dict.fromkeys([*layout.labels, *filter(None, [layout.by])]))
    for name in labels:
        need(name, "label column")
    if "is_reference" in columns and "is_reference" not in labels:
        labels += ("is_reference",)
    if set(labels) & set(counts):
        raise ValueError(
            f"a column cannot be both a count and a label: {sorted(set(labels) & set(counts))!r}"
        )
    if layout.derived is None:
        derived = tuple(name for name in columns if name not in counts and name not in labels)
    else:
        derived = tuple(layout.derived)
        for name in derived:
            need(name, "derived column")
            if name in counts or name in labels:
                raise ValueError(f"{name!r} cannot be derived: it is a count or a label column")
    if layout.reference_columns is None:
        reference_columns = tuple(name for name in derived if _compares(name))
    else:
        reference_columns = tuple(layout.reference_columns)
        for name in reference_columns:
            if name not in derived:
                raise ValueError(f"reference column {name!r} is not one of the derived columns {derived!r}")
    return Layout(
        counts=counts,
        part_of=part_of,
        total_row=layout.total_row,
        by=layout.by,
        crossed=layout.crossed,
        labels=labels,
        derived=derived,
        reference=layout.reference,
        reference_columns=reference_columns,
    )


def _compares(name: str) -> bool:
    for prefix in _PREFIXES:
        name = name.removeprefix(prefix)
    return any(name == stem or name.startswith(stem + "_") for stem in REFERENCE_COLUMNS)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _where(table: pd.DataFrame, layout: Layout, row: int) -> str:
    label = f"{table.index[row]!r}"
    if layout.by is not None:
        label += f" in {layout.by} {table[layout.by].iat[row]!r}"
    return label


def _count_values(table: pd.DataFrame, layout: Layout) -> NDArray[np.float64]:
    """The counts, one row per table row and one column per count, checked whole and non-negative."""
    result = np.zeros((len(table), len(layout.counts)))
    for j, name in enumerate(layout.counts):
        for row, value in enumerate(table[name].tolist()):
            number = float(value) if _is_number(value) else np.nan
            if np.isfinite(number) and number >= 0 and number == np.floor(number):
                result[row, j] = number
                continue
            where = f"{name} for {_where(table, layout, row)}"
            if not _is_number(value):
                problem = f"is {value!r}, not a number"
            elif not np.isfinite(number):
                problem = "is missing or infinite"
            elif number < 0:
                problem = f"is negative ({number:g})"
            else:
                problem = f"is not a whole number ({number:g})"
            raise ValueError(f"{where} {problem}; counts must be whole numbers, 0 or more")
    for part, whole in _pairs(layout):
        p, w = layout.counts.index(part), layout.counts.index(whole)
        over = np.flatnonzero(result[:, p] > result[:, w])
        if over.size:
            row = int(over[0])
            raise ValueError(
                f"{part} exceeds {whole} for {_where(table, layout, row)}: {result[row, p]:g} {part} among"
                f" {result[row, w]:g} {whole} (a part cannot be larger than its whole)"
            )
    return result


@dataclass(frozen=True)
class _Relation:
    """``sum(parts) = whole``, the whole being a cell or, when ``whole`` is None, ``outside`` (published)."""

    parts: tuple[int, ...]
    whole: int | None
    outside: float
    name: str

    @property
    def cells(self) -> tuple[int, ...]:
        return self.parts if self.whole is None else (*self.parts, self.whole)


@dataclass(frozen=True)
class _Problem:
    """What is given away (``key``: a revealed cell or the sum of a relationship), in words, and the
    relationships where one more unknown could stop it, nearest first."""

    key: tuple[str, int]
    message: str
    relations: tuple[tuple[int, ...], ...]


class _Grid:
    """The count cells of a table (counts, then complements, row by row) and the relationships between them.

    Cell ``row * width + column``; columns are the counts in order, then one complement per part.
    """

    def __init__(self, table: pd.DataFrame, layout: Layout, counts: NDArray[np.float64]) -> None:
        self.table = table
        self.layout = layout
        self.pairs = pairs = _pairs(layout)
        self.names = [*layout.counts, *(f"{whole} - {part}" for part, whole in pairs)]
        self.rows = len(table)
        self.width = len(self.names)
        self.cells = self.rows * self.width
        complements = [
            counts[:, layout.counts.index(whole)] - counts[:, layout.counts.index(part)]
            for part, whole in pairs
        ]
        self.values = np.column_stack([counts, *complements]).reshape(-1)
        self.table_cell = np.tile(np.arange(self.width) < len(layout.counts), self.rows)
        self.is_total = np.zeros(self.rows, dtype=bool)
        self.blocks = list(table[layout.by]) if layout.by is not None else [None] * self.rows
        self.relations = self._relations(pairs)
        self.member: list[list[int]] = [[] for _ in range(self.cells)]
        entries: list[tuple[int, int, float]] = []
        for index, relation in enumerate(self.relations):
            for cell in relation.cells:
                self.member[cell].append(index)
            entries += [(index, cell, 1.0) for cell in relation.parts]
            if relation.whole is not None:
                entries.append((index, relation.whole, -1.0))
        # Relationship i is incidence[i] @ cells = right[i]: +1 for each part, -1 for a whole in the table.
        rows, columns, signs = zip(*entries, strict=True) if entries else ((), (), ())
        shape = (len(self.relations), self.cells)
        self.incidence = sparse.csr_array((signs, (rows, columns)), shape=shape)
        self.magnitude = abs(self.incidence)
        self.right = np.array([r.outside if r.whole is None else 0.0 for r in self.relations])

    def cell(self, row: int, column: int) -> int:
        return row * self.width + column

    def position(self, cell: int) -> tuple[int, int]:
        row, column = divmod(int(cell), self.width)
        return row, column

    def describe(self, cell: int) -> str:
        row, column = self.position(cell)
        return f"{self.names[column]} for {_where(self.table, self.layout, row)}"

    def _sources(self, cell: int) -> tuple[int, ...]:
        """The count cells of the table whose suppression hides ``cell``."""
        if self.table_cell[cell]:
            return (cell,)
        row, column = self.position(cell)
        part, whole = self.pairs[column - len(self.layout.counts)]
        return self.cell(row, self.layout.counts.index(part)), self.cell(row, self.layout.counts.index(whole))

    def _relations(self, pairs: list[tuple[str, str]]) -> list[_Relation]:
        layout, counts = self.layout, self.layout.counts
        relations = []
        for row in range(self.rows):
            for k, (part, whole) in enumerate(pairs):
                relations.append(
                    _Relation(
                        parts=(self.cell(row, counts.index(part)), self.cell(row, len(counts) + k)),
                        whole=self.cell(row, counts.index(whole)),
                        outside=0.0,
                        name=f"{part} + ({whole} - {part}) = {whole} for {_where(self.table, layout, row)}",
                    )
                )
        block_rows: dict[Hashable, list[int]] = {}
        for row, block in enumerate(self.blocks):
            block_rows.setdefault(block, []).append(row)
        totals: list[int] = []
        for block, rows in block_rows.items():
            labels = [self.table.index[row] for row in rows]
            seen: set[Hashable] = set()
            for label in labels:
                if label in seen:
                    raise ValueError(f"the row label {label!r} appears more than once{self._in(block)}")
                seen.add(label)
            group_rows = rows
            total: int | None = None
            if layout.total_row is not None:
                if layout.total_row not in seen:
                    raise ValueError(f"there is no total row {layout.total_row!r}{self._in(block)}")
                total = rows[labels.index(layout.total_row)]
                self.is_total[total] = True
                totals.append(total)
                group_rows = [row for row in rows if row != total]
            for column, name in enumerate(self.names):
                parts = tuple(self.cell(row, column) for row in group_rows)
                added = float(sum(self.values[cell] for cell in parts))
                total_cell = None if total is None else self.cell(total, column)
                if total_cell is not None and self.values[total_cell] != added:
                    raise ValueError(
                        f"the total row {layout.total_row!r}{self._in(block)} has {name} ="
                        f" {self.values[total_cell]:g}, but the other rows add up to {added:g}"
                    )
                relations.append(
                    _Relation(
                        parts,
                        total_cell,
                        added,
                        f"the {name} of the rows{self._in(block)} add up to its total",
                    )
                )
        if layout.by is not None and layout.total_row is not None:
            for column, name in enumerate(self.names):
                parts = tuple(self.cell(row, column) for row in totals)
                relations.append(
                    _Relation(
                        parts,
                        None,
                        float(sum(self.values[cell] for cell in parts)),
                        f"the {name} of the total rows add up to the grand total",
                    )
                )
        if layout.crossed:
            across: dict[Hashable, list[int]] = {}
            for row in range(self.rows):
                if not self.is_total[row]:
                    across.setdefault(self.table.index[row], []).append(row)
            for label, rows in across.items():
                for column, name in enumerate(self.names):
                    parts = tuple(self.cell(row, column) for row in rows)
                    relations.append(
                        _Relation(
                            parts,
                            None,
                            float(sum(self.values[cell] for cell in parts)),
                            f"the {name} of {label!r} across the blocks add up to its published total",
                        )
                    )
        return relations

    def _in(self, block: Hashable) -> str:
        return "" if self.layout.by is None else f" of {self.layout.by} {block!r}"

    def audit(
        self,
        known: NDArray[np.bool_],
        suppressed: NDArray[np.bool_],
        threshold: int,
        *,
        bounds: bool = True,
        focus: tuple[str, int] | None = None,
        free: set[tuple[int, ...]] | None = None,
    ) -> list[_Problem]:
        """Everything the published cells (``known``) and the totals give away, in a fixed order.

        Sensitive are the suppressed counts that are not 0 and the complements of 1 to ``threshold - 1``
        (a suppressed 0 that can be worked out gives nobody away). First by subtraction: a relationship with
        one unknown gives it, and again with what that gave. Then, with ``bounds``, by bounds too: every
        count is 0 or more (so ``events`` is at most ``n``) and a suppressed count that is not 0 is at
        least 1 (zeros are published), and linear programming finds whether a cell, or the sum of a
        relationship's unknown cells, can take only its one value. ``focus`` (a problem's key) checks that
        one problem only. ``free`` collects the cells, and sums of cells, found not to be pinned down, and
        skips them next time: suppressing more cells only widens the ranges (any solution before is still
        one after), so it is for a pattern that only grows.
        """
        determined = known.copy()
        value = np.where(known, self.values, np.nan)
        source = self._propagate(determined, value)
        found: _Ranges | None = None

        def fixed(cells: Sequence[int]) -> bool:
            nonlocal found
            key = tuple(sorted(cells))
            if not bounds or (free is not None and key in free):
                return False
            if found is None:
                found = _Ranges(self, determined, value, suppressed)
            pinned = found.fixed(cells)
            if free is not None and not pinned:
                free.add(key)
            return pinned

        problems = []
        if focus is None:
            cells, indexes = list(map(int, np.flatnonzero(~known))), list(range(len(self.relations)))
        else:
            kind, at = focus
            cells, indexes = ([at], []) if kind == "revealed" else ([], [at])
        for cell in cells:
            hidden = bool(suppressed[cell] and self.values[cell] > 0)
            small = not self.table_cell[cell] and 1 <= self.values[cell] < threshold
            if known[cell] or not (hidden or small):
                continue
            if determined[cell]:
                how = self._derivation([int(source[cell])], source, known)
            elif fixed([cell]):
                how = (tuple(self.member[cell]),)
            else:
                continue
            what = "is suppressed" if hidden else f"is fewer than {threshold}"
            message = (
                f"{self.describe(cell)} {what} but can be worked out from the published cells and totals"
            )
            problems.append(_Problem(("revealed", cell), message, how))
        for index in indexes:
            relation = self.relations[index]
            unknown = [cell for cell in relation.parts if not determined[cell]]
            total = float(self.values[unknown].sum()) if unknown else 0.0
            if not unknown or not 0 < total < threshold:
                continue
            if relation.whole is None or determined[relation.whole]:
                how = self._derivation([index], source, known)
            elif fixed(unknown):
                how = ((index,),)
            else:
                continue
            shown = ", ".join(self.describe(cell) for cell in unknown)
            problems.append(
                _Problem(
                    ("sum", index),
                    f"the unknown cells of the relationship '{relation.name}' ({shown}) can be worked out"
                    f" to add up to fewer than {threshold}",
                    how,
                )
            )
        return problems

    def _propagate(self, determined: NDArray[np.bool_], value: NDArray[np.float64]) -> NDArray[np.intp]:
        """Solve every relationship with one unknown, again and again, until none is left (subtraction).

        Returns, for each cell worked out, the relationship that gave it (-1 for the others).
        """
        source = np.full(self.cells, -1, dtype=np.intp)
        while True:
            unknown = (~determined).astype(np.float64)
            single = np.flatnonzero(self.magnitude @ unknown == 1)
            if single.size == 0:
                return source
            rows = self.incidence[single]
            # With one unknown per row, these pick out its cell, its sign, and the sum of the rest.
            cell = np.rint(abs(rows) @ (unknown * np.arange(self.cells))).astype(np.intp)
            sign = rows @ unknown
            rest = rows @ np.where(determined, value, 0.0)
            value[cell] = (self.right[single] - rest) / sign
            determined[cell] = True
            source[cell[::-1]] = single[::-1]  # the first relationship, where several give the same cell

    def _derivation(
        self, first: list[int], source: NDArray[np.intp], known: NDArray[np.bool_]
    ) -> tuple[tuple[int, ...], ...]:
        """The relationships behind a subtraction, level by level: ``first``, then those that gave the
        unknown cells it used, and so on. Adding an unknown to any of them breaks the chain."""
        levels: list[tuple[int, ...]] = []
        seen: set[int] = set()
        frontier = sorted(set(first))
        while frontier:
            levels.append(tuple(frontier))
            seen |= set(frontier)
            following = {
                int(source[cell])
                for index in frontier
                for cell in self.relations[index].cells
                if not known[cell] and source[cell] >= 0
            }
            frontier = sorted(following - seen)
        return tuple(levels)

    def candidates(self, problem: _Problem, suppressed: NDArray[np.bool_]) -> list[list[int]]:
        """Published count cells whose suppression may stop the problem, nearest first, level by level.

        First the count cells of the problem's relationships, level by level (for a subtraction, the
        relationship that gave the cell away, then those behind it); for a complement, the two counts of
        its row, since hiding either hides it. Then, as a last resort, the count cells of the relationships
        reached through the unknown cells of those, and so on. In a level: other rows before total rows,
        non-zero before zero, smallest first, then row and column.
        """
        levels: list[list[int]] = []
        seen_cells: set[int] = set()
        seen_relations: set[int] = set()

        def level(indexes: Sequence[int]) -> list[int]:
            found = {
                source
                for index in indexes
                for cell in self.relations[index].cells
                for source in self._sources(cell)
                if not suppressed[source] and source not in seen_cells
            }
            seen_cells.update(found)
            seen_relations.update(indexes)
            return sorted(found, key=self.order)

        for indexes in problem.relations:
            levels.append(level(indexes))
        frontier = sorted(seen_relations)
        while frontier:
            reached = {
                other
                for index in frontier
                for cell in self.relations[index].cells
                if not (self.table_cell[cell] and not suppressed[cell])  # the chain runs through unknowns
                for other in self.member[cell]
                if other not in seen_relations
            }
            frontier = sorted(reached)
            levels.append(level(frontier))
        return [found for found in levels if found]

    def order(self, cell: int) -> tuple[bool, bool, float, int, int]:
        """Which candidate to try first: other rows before total rows, non-zero first, smallest first."""
        row, column = self.position(cell)
        return (bool(self.is_total[row]), self.values[cell] == 0, float(self.values[cell]), row, column)


class _Ranges:
    """Which cells left unknown by subtraction a reader could still pin down, by linear programming.

    The variables are those cells; the constraints are every relationship that involves one of them, with
    the known cells moved to the right-hand side, and the bounds a reader can assume: 0 or more, and 1 or
    more for a suppressed count that is not 0 (the policy publishes zeros). The true values are one
    solution; a whole-number cell (or sum) is pinned down exactly when no solution moves it by 1 or more
    from its true value, since no other whole number then lies in its range. Every solution found is a
    whole table, so it also clears every other cell it moves that far, which saves most of the programs.
    """

    def __init__(
        self,
        grid: _Grid,
        determined: NDArray[np.bool_],
        value: NDArray[np.float64],
        suppressed: NDArray[np.bool_],
    ) -> None:
        self.open = np.flatnonzero(~determined)
        self.column = {int(cell): i for i, cell in enumerate(self.open)}
        involved = np.flatnonzero(grid.magnitude @ (~determined).astype(np.float64) > 0)
        rows = grid.incidence[involved]
        self.matrix = rows[:, self.open]
        self.targets = grid.right[involved] - rows @ np.where(determined, value, 0.0)
        self.bounds = [
            (1.0 if suppressed[cell] and grid.values[cell] >= 1 else 0.0, None) for cell in self.open
        ]
        self.truth = grid.values[self.open]
        self.cleared = np.zeros(self.open.size, dtype=bool)

    def fixed(self, cells: Sequence[int]) -> bool:
        """Whether the sum of ``cells`` (all unknown) can take only its true value."""
        at = [self.column[int(cell)] for cell in cells]
        if len(at) == 1 and self.cleared[at[0]]:
            return False
        weights = np.zeros(self.open.size)
        weights[at] = 1.0
        truth = float(self.truth[at].sum())
        equality = {"A_eq": self.matrix, "b_eq": self.targets} if self.matrix.shape[0] else {}
        for direction in (-1.0, 1.0):  # the largest value first, then the smallest
            result = optimize.linprog(direction * weights, bounds=self.bounds, method="highs", **equality)
            if result.status == 3:
                return False  # unbounded: not pinned down
            if result.status != 0:
                # The true values are a solution, so only numerical trouble gets here: assume the worst.
                return True
            self.cleared |= np.abs(result.x - self.truth) >= 1 - _TOLERANCE
            if abs(float(weights @ result.x) - truth) >= 1 - _TOLERANCE:
                return False
        return True


def _fix(
    grid: _Grid,
    problem: _Problem,
    levels: list[list[int]],
    suppressed: NDArray[np.bool_],
    threshold: int,
    *,
    bounds: bool,
) -> int:
    """The cell to suppress next: the first candidate, nearest level first, that stops the problem on its
    own, or else the first of the nearest level, as one step towards a fix that takes more cells."""
    for level in levels:
        for candidate in level[:_TRIALS]:
            trial = suppressed.copy()
            trial[candidate] = True
            if not grid.audit(~trial & grid.table_cell, trial, threshold, bounds=bounds, focus=problem.key):
                return candidate
    return levels[0][0]


def _reference_rows(table: pd.DataFrame, layout: Layout, grid: _Grid) -> list[int]:
    if layout.reference is not None:
        rows = [row for row in range(grid.rows) if table.index[row] == layout.reference]
        blocks = {grid.blocks[row] for row in rows}
        missing = [block for block in dict.fromkeys(grid.blocks) if block not in blocks]
        if missing:
            where = "" if layout.by is None else f" in {layout.by} {missing[0]!r}"
            raise ValueError(f"there is no reference row {layout.reference!r}{where}")
        return rows
    if "is_reference" in table.columns:
        return [
            row for row, marked in enumerate(table["is_reference"].tolist()) if marked is True or marked == 1
        ]
    return []


def _mark_derived(reason: pd.DataFrame, layout: Layout, grid: _Grid) -> None:
    counted = reason[list(layout.counts)].ne("").to_numpy().any(axis=1)
    derived = [reason.columns.get_loc(name) for name in layout.derived or ()]
    compared = [reason.columns.get_loc(name) for name in layout.reference_columns or ()]
    for row in map(int, np.flatnonzero(counted)):
        for column in derived:
            reason.iat[row, column] = DERIVED
    hidden_blocks = {grid.blocks[row] for row in _reference_rows(grid.table, layout, grid) if counted[row]}
    for row in range(grid.rows):
        if grid.blocks[row] in hidden_blocks:
            for column in compared:
                if reason.iat[row, column] == "":
                    reason.iat[row, column] = REFERENCE


def _publish(table: pd.DataFrame, reason: pd.DataFrame) -> pd.DataFrame:
    published = table.copy()
    for name in table.columns:
        hidden = reason[name].ne("").to_numpy()
        if hidden.any():
            column = published[name].astype(object).to_numpy(copy=True)
            column[hidden] = SUPPRESSED
            published[name] = pd.Series(column, index=table.index, dtype=object)
    return published


def _derived_problems(
    published: pd.DataFrame, layout: Layout, grid: _Grid, suppressed: NDArray[np.bool_]
) -> list[str]:
    problems = []
    width = len(layout.counts)
    counted: NDArray[np.bool_] = np.asarray(suppressed.reshape(grid.rows, grid.width)[:, :width].any(axis=1))
    for row in map(int, np.flatnonzero(counted)):
        for name in layout.derived or ():
            if not _is_suppressed(published[name].iat[row]):
                problems.append(
                    f"{name} for {_where(published, layout, row)} is published, but a count of that row is"
                    " suppressed and it would give it back"
                )
    hidden_blocks = {grid.blocks[row] for row in _reference_rows(grid.table, layout, grid) if counted[row]}
    for row in range(grid.rows):
        if grid.blocks[row] in hidden_blocks:
            for name in layout.reference_columns or ():
                if not _is_suppressed(published[name].iat[row]):
                    problems.append(
                        f"{name} for {_where(published, layout, row)} is published, but a count of the"
                        " reference row it is compared with is suppressed"
                    )
    return problems


def _is_suppressed(value: object) -> bool:
    return isinstance(value, str) and value == SUPPRESSED
