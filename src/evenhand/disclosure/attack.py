"""The auditor: attack a suppression pattern by linear programming, as a reader with every published figure.

The reader knows every published count, every relation of the :class:`~.cells.Cells` system, that every
count is 0 or more and that a suppressed count is at least 1 (zeros are published). The cells they do not
know (the suppressed ones, and the implied ones that are never published) fall into **components**: two
unknown cells are in one component when a relation holds both. Components are independent problems, so a
national publication is thousands of small linear programs rather than one vast one.

For each component the auditor finds what the reader can find: with the true values (:func:`audit`, the
step a publication passes before any file is written), whether every sensitive cell stays open over its
protection interval and no other suppressed cell is pinned; without them (:func:`ranges`, for a
publication read back from its files), the smallest and largest value of every unknown cell.

Each linear program is solved by HiGHS (``scipy.optimize.linprog``). Every solution is a whole table the
reader cannot rule out, so one solution can clear many cells at once: the auditor first maximises (and
minimises) the sum of the cells still in doubt, and only then asks about the cells left one at a time.
"""

import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, sparse
from scipy.sparse import csgraph

from .cells import Cells
from .rules import DEFAULT_RULES, DisclosureError, Rules, least_values

# Every coefficient is ±1 and every true value a whole number; solutions are compared with this slack.
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Finding:
    """A cell the reader can narrow too far, in words, with the range the reader can work out."""

    cell: int
    message: str


@dataclass(frozen=True)
class Audit:
    """What an attack on a publication found.

    ``narrowest_above`` and ``narrowest_below`` are the protection achieved: the least distance, over the
    sensitive cells, that the reader provably cannot rule out above and below the true value (each at
    least the rule's level, or down to the floor, when the audit passes).
    """

    cells: int
    published: int
    suppressed: int
    sensitive: int
    components: int
    largest_component: int
    programs: int
    narrowest_above: float
    narrowest_below: float
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    threshold: int = DEFAULT_RULES.threshold  # the rule's: counts of 1 to threshold - 1 are sensitive

    @property
    def passed(self) -> bool:
        return not self.findings

    def summary(self) -> str:
        """One sentence for a methodology."""
        if not self.suppressed:
            return f"No count was suppressed; {self.cells:,} counts were checked."
        return (
            f"{self.suppressed:,} of {self.published + self.suppressed:,} published counts are suppressed, in"
            f" {self.components:,} independent groups of unknown counts (the largest holds"
            f" {self.largest_component:,}). An attack by linear programming on everything published found"
            f" every count of 1 to {self.threshold - 1} open over its whole protection interval: each could be at least"
            f" {_whole(self.narrowest_above)} higher than it is, and could be"
            f" {'as low as the least possible value' if self.narrowest_below >= 0 else 'lower'}"
            " (1 for a suppressed count)."
        )


def _whole(value: float) -> str:
    return "unboundedly" if not np.isfinite(value) else f"{int(np.floor(value + TOLERANCE)):,}"


class AuditRefused(DisclosureError):
    """The auditor refused a publication: ``findings`` names each cell the reader can narrow too far."""

    def __init__(self, result: Audit) -> None:
        self.result = result
        super().__init__(
            f"the publication is refused: {len(result.findings)} suppressed counts can be worked out or"
            " narrowed inside their protection interval from what it publishes",
            [finding.message for finding in result.findings],
        )


def audit(
    cells: Cells, hidden: NDArray[np.bool_], rules: Rules = DEFAULT_RULES, *, exact: bool = True
) -> Audit:
    """Attack the publication of ``cells`` with the ``hidden`` cells suppressed, knowing the true values.

    ``hidden`` marks the published cells shown as ``[c]`` (it may also mark cells an earlier release left
    unknown); implied cells are always unknown. Returns the :class:`Audit`, whose ``findings`` name:

    - a published count, or one a reader can work out exactly, of 1 to ``threshold - 1``;
    - a sensitive cell whose range is inside its protection interval (see :class:`~.rules.Rules`);
    - any other suppressed cell whose range is narrower than ``upper`` (so every ``[c]`` a reader sees
      spans at least that many values: what :func:`ranges` lets an auditor check without the values);
    - a suppressed 0 (zeros are published, so a reader takes every ``[c]`` to be at least 1).

    Without ``exact``, a quicker screen: the findings may include cells that are in fact protected (those
    the programs that clear many cells at once did not reach), never miss one that is not.
    """
    started = time.perf_counter()
    hidden = np.asarray(hidden, dtype=bool) & ~cells.implied
    values = cells.values.astype(np.float64)
    findings: list[Finding] = []
    sensitive = (cells.values >= 1) & (cells.values < rules.threshold)
    for shown in map(int, np.flatnonzero(sensitive & ~hidden & ~cells.implied)):
        findings.append(Finding(shown, f"{cells.describe(shown)} is published but is {cells.values[shown]}"))
    for zero in map(int, np.flatnonzero(hidden & (cells.values == 0))):
        findings.append(Finding(zero, f"{cells.describe(zero)} is suppressed but is 0"))
    floors = least_values(cells)
    up = np.full(cells.size, np.nan)
    down = np.full(cells.size, np.nan)
    # A suppressed 0 is a finding already; the attack takes it as published, since a reader's "a [c] is at
    # least 1" would contradict it and leave nothing to solve.
    unknown = (hidden & (cells.values > 0)) | cells.implied
    up[sensitive & unknown] = values[sensitive & unknown] + rules.upper
    low = np.maximum(floors, values - rules.lower)
    need_down = sensitive & unknown & (low < values)
    down[need_down] = low[need_down]
    # Any other suppressed cell must have a range at least the upper protection level wide (so must every
    # [c], then: what an auditor without the true values can check too); tried first upwards.
    secondary = hidden & ~sensitive
    up[secondary] = values[secondary] + rules.upper

    system = _System(cells, unknown, values)
    above = np.full(cells.size, np.inf)
    below = np.full(cells.size, np.inf)
    for component in system.components:
        if np.isnan(up[component]).all() and np.isnan(down[component]).all():
            continue  # nothing in it needs protecting (the people without the outcome of large rows)
        problem = system.problem(component)
        reached_up = problem.reach(up[component], maximise=True, exact=exact)
        reached_down = problem.reach(down[component], maximise=False, exact=exact)
        for i, at in enumerate(component):
            cell = int(at)
            value = values[cell]
            if sensitive[cell]:
                above[cell] = reached_up[i] - value
                below[cell] = value - reached_down[i] if not np.isnan(down[cell]) else 0.0
                short_down = not np.isnan(down[cell]) and reached_down[i] > down[cell] + TOLERANCE
                if short_down and exact:
                    # As low as the relations allow is as low as any pattern can open it.
                    low[cell] = max(low[cell], np.ceil(structural_floor(cells, cell) - TOLERANCE))
                    short_down = reached_down[i] > low[cell] + TOLERANCE
                    below[cell] = value - reached_down[i]
                if reached_up[i] < up[cell] - TOLERANCE or short_down:
                    findings.append(
                        Finding(
                            cell,
                            f"{cells.describe(cell)} ({'never published' if cells.implied[cell] else 'suppressed'},"
                            f" {int(value)}) can be narrowed to between {min(reached_down[i], value):g}"
                            f" and {reached_up[i]:g}; it must stay open from"
                            f" {int(low[cell])} to {int(value + rules.upper)}",
                        )
                    )
            elif secondary[cell] and reached_up[i] < up[cell] - TOLERANCE:
                # Not that far up; is the range wide enough all the same?
                least = problem.extreme(i, maximise=False) if exact else value
                if reached_up[i] - least < rules.upper - TOLERANCE:
                    findings.append(
                        Finding(
                            cell,
                            f"{cells.describe(cell)} (suppressed, {int(value)}) can be narrowed to between"
                            f" {least:g} and {reached_up[i]:g}, fewer than {rules.upper} values apart",
                        )
                    )
    concerned = sensitive & unknown
    return Audit(
        cells=cells.size,
        published=int((~cells.implied & ~hidden).sum()),
        suppressed=int(hidden.sum()),
        sensitive=int(concerned.sum()),
        components=len(system.components),
        largest_component=max((len(c) for c in system.components), default=0),
        programs=system.programs,
        narrowest_above=float(above[concerned].min()) if concerned.any() else float("inf"),
        narrowest_below=float(below[concerned].min()) if concerned.any() else float("inf"),
        findings=sorted(findings, key=lambda f: f.cell),
        seconds=time.perf_counter() - started,
        threshold=rules.threshold,
    )


# How far the relations around a cell are read for the least value it can take (see structural_floor).
STRUCTURE_DEPTH = 2
STRUCTURE_LARGEST = 4_000


def structural_floor(cells: Cells, cell: int) -> float:
    """The least value a reader could put on ``cell`` even if every count within two relations of it
    were suppressed (and those further away published): a suppressed count is at least 1, so a count
    that is the sum of two suppressed counts is at least 2 whatever else is hidden. No pattern can open a
    cell below this, so the protection interval stops at it (and never at less than the rule's bottom)."""
    movable = (cells.values > 0) | cells.implied
    around = cells.neighbourhood(cell, movable, STRUCTURE_DEPTH, STRUCTURE_LARGEST)
    inside = np.zeros(cells.size, dtype=bool)
    inside[around] = True
    relations = cells.relations
    rows = np.unique(cells.by_cell[:, around].indices)
    matrix = sparse.csr_array(relations[rows][:, around])
    right = -(relations[rows] @ np.where(inside, 0.0, cells.values.astype(np.float64)))
    equality = rows < cells.equalities.shape[0]
    floors = np.where(cells.implied[around], 0.0, 1.0)
    cap = float(2 * cells.values.max(initial=0) + 1_000)
    weights = np.zeros(around.size)
    weights[int(np.searchsorted(around, cell))] = 1.0
    constraints: dict[str, object] = {}
    if equality.any():
        constraints |= {"A_eq": matrix[equality], "b_eq": right[equality]}
    if (~equality).any():
        constraints |= {"A_ub": matrix[~equality], "b_ub": right[~equality]}
    result = optimize.linprog(
        weights, bounds=np.column_stack([floors, np.full(around.size, cap)]), method="highs", **constraints
    )
    if result.status != 0 or result.x is None:
        raise DisclosureError("the auditor could not solve its linear program", [str(result.message)])
    return float(result.fun)


def ranges(
    cells: Cells, known: NDArray[np.bool_], values: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], int]:
    """The smallest and largest value of every unknown cell, from the ``known`` cells' ``values`` alone.

    For a publication read back from its files, where the true values of the suppressed cells are not
    known. A cell that is neither known nor implied is a suppressed count, at least 1; an implied cell is
    at least 0. Known cells get their own value; a range without an upper end is ``inf``. Returns the two
    arrays and the number of components.
    """
    known = np.asarray(known, dtype=bool)
    unknown = ~known
    system = _System(cells, unknown, np.where(known, values, 0.0))
    low = np.where(known, values, np.nan)
    high = low.copy()
    for component in system.components:
        problem = system.problem(component)
        for i, cell in enumerate(component):
            low[cell] = problem.extreme(i, maximise=False)
            high[cell] = problem.extreme(i, maximise=True)
    return low, high, len(system.components)


def narrow(
    cells: Cells, known: NDArray[np.bool_], values: NDArray[np.float64], width: float
) -> list[tuple[int, float, float]]:
    """The unknown, not implied cells whose range, from the ``known`` cells' ``values`` alone, spans fewer
    than ``width`` values, each with its smallest and largest value. Quick where a publication holds: two
    programs per component (the sum of its suppressed cells pushed up, then down) clear most cells, and only
    the rest get their exact range."""
    known = np.asarray(known, dtype=bool)
    system = _System(cells, ~known, np.where(known, values, 0.0))
    found = []
    for component in system.components:
        asked = ~cells.implied[component]
        if not asked.any():
            continue
        problem = system.problem(component)
        weights = asked.astype(np.float64)
        high = problem.solve(weights)
        low = problem.solve(-weights)
        for i in np.flatnonzero(asked & (high - low < width - TOLERANCE)):
            least, most = problem.extreme(int(i), maximise=False), problem.extreme(int(i), maximise=True)
            if most - least < width - TOLERANCE:
                found.append((int(component[i]), least, most))
    return found


class _System:
    """The unknown cells of a publication split into components, with what each component's programs need."""

    def __init__(self, cells: Cells, unknown: NDArray[np.bool_], values: NDArray[np.float64]) -> None:
        self.cells = cells
        self.programs = 0
        relations = cells.relations
        self.equalities = cells.equalities.shape[0]
        self.relations = relations
        self.by_cell = cells.by_cell
        # The right-hand side of each relation once the known cells are moved across.
        self.right = -(relations @ np.where(unknown, 0.0, values))
        self.floors = np.where(cells.implied, 0.0, 1.0)
        # An upper end for every cell, far above any value, so that no program is unbounded.
        self.cap = float(2 * (values.max(initial=0) + cells.values.max(initial=0)) + 1_000)
        columns = np.flatnonzero(unknown)
        linked = sparse.csr_array(relations[:, columns] != 0, dtype=np.float64)
        graph = sparse.csr_array(linked.T @ linked)
        count, labels = csgraph.connected_components(graph, directed=False)
        order = np.argsort(labels, kind="stable")
        bounds = np.searchsorted(labels[order], np.arange(count + 1))
        self.components = [columns[order[bounds[i] : bounds[i + 1]]] for i in range(count)]

    def problem(self, component: NDArray[np.intp]) -> "_Program":
        rows = np.unique(self.by_cell[:, component].indices)
        matrix = sparse.csr_array(self.relations[rows][:, component])
        equality = rows < self.equalities
        return _Program(
            self,
            matrix[equality],
            self.right[rows[equality]],
            matrix[~equality],
            self.right[rows[~equality]],
            self.floors[component],
        )


class _Program:
    """One component's linear programs: the relations among its cells, with the known cells moved across."""

    def __init__(
        self,
        system: _System,
        a_eq: sparse.csr_array,
        b_eq: NDArray[np.float64],
        a_ub: sparse.csr_array,
        b_ub: NDArray[np.float64],
        floors: NDArray[np.float64],
    ) -> None:
        self.system = system
        self.a_eq, self.b_eq, self.a_ub, self.b_ub = a_eq, b_eq, a_ub, b_ub
        self.bounds = np.column_stack([floors, np.full(floors.size, system.cap)])
        self.size = floors.size

    def solve(self, weights: NDArray[np.float64]) -> NDArray[np.float64]:
        """A solution that maximises ``weights @ x``."""
        if self.size == 1:
            return self._alone(float(weights[0]))
        self.system.programs += 1
        constraints: dict[str, object] = {}
        if self.a_eq.shape[0]:
            constraints |= {"A_eq": self.a_eq, "b_eq": self.b_eq}
        if self.a_ub.shape[0]:
            constraints |= {"A_ub": self.a_ub, "b_ub": self.b_ub}
        result = optimize.linprog(-weights, bounds=self.bounds, method="highs", **constraints)
        if result.status != 0 or result.x is None:
            raise DisclosureError(
                "the auditor could not solve its linear program"
                + (" (the published figures contradict each other)" if result.status == 2 else ""),
                [str(result.message)],
            )
        return np.asarray(result.x)

    def _alone(self, weight: float) -> NDArray[np.float64]:
        """A component of one cell: its range read off its relations, without a program."""
        low, high = float(self.bounds[0, 0]), float(self.bounds[0, 1])
        for coefficient, right in zip(self.a_eq.toarray()[:, 0], self.b_eq, strict=True):
            low = max(low, right / coefficient)
            high = min(high, right / coefficient)
        for coefficient, right in zip(self.a_ub.toarray()[:, 0], self.b_ub, strict=True):
            if coefficient > 0:
                high = min(high, right / coefficient)
            elif coefficient < 0:
                low = max(low, right / coefficient)
        if low > high + TOLERANCE:
            raise DisclosureError("the published figures contradict each other", [])
        return np.array([high if weight > 0 else low])

    def extreme(self, at: int, *, maximise: bool) -> float:
        weights = np.zeros(self.size)
        weights[at] = 1.0 if maximise else -1.0
        value = float(self.solve(weights)[at])
        return np.inf if maximise and value >= self.system.cap - 1 else value

    def reach(
        self, targets: NDArray[np.float64], *, maximise: bool, exact: bool = True
    ) -> NDArray[np.float64]:
        """For each cell with a target (not NaN): the furthest value seen towards it, stopping once it is
        reached. Cells are cleared together by programs that push the sum of those still in doubt, while
        that clears any; the rest are asked about one at a time (each such program clearing others on
        the way), or, without ``exact``, left as they are: then a cell short of its target may yet reach it.
        """
        sign = 1.0 if maximise else -1.0
        best = np.full(self.size, -np.inf * sign)
        doubt = ~np.isnan(targets)
        together = True
        while doubt.any():
            if together:
                weights = sign * doubt.astype(np.float64)
            elif exact:
                weights = np.zeros(self.size)
                weights[np.flatnonzero(doubt)[0]] = sign
            else:
                break
            x = self.solve(weights)
            best = np.maximum(best, x) if maximise else np.minimum(best, x)
            reached = doubt & ((sign * (best - targets)) >= -TOLERANCE)
            if not together:
                reached[np.flatnonzero(doubt)[0]] = True  # asked about on its own: settled either way
            together = together and bool(reached.any())
            doubt &= ~reached
        return best
