"""Primary and secondary suppression for a whole publication, chosen by optimisation.

**Primary.** Every published count of 1 to ``threshold - 1`` is suppressed. Zeros are published (they
identify nobody, and hiding them would hide the absence of a disparity), so a reader takes every ``[c]``
to be at least 1, and secondary suppression never hides a 0.

**Secondary.** The sensitive cells (primary ones, and implied counts such as the people without the
outcome) that the auditor's quick screen finds too narrow are first opened **together**
(:meth:`_Solver.jointly`): one linear program finds an upward and a downward table that satisfy every
relation, move every such cell by its protection levels and move only cells that are unknown or chosen
for suppression, at least weighted movement; the published cells it moves are suppressed. One pair of
tables that opens every cell opens each one. A cell it cannot open with the others shows a shortfall and
is tried again in the next round. With ``parts`` (a region each, the national figures shared) there is
one such program per part, so a national publication is a dozen programs of a region's size.

What is left is done **one cell at a time**: the model of Fischetti and Salazar (2001) for one sensitive
cell, with a binary ``x`` per candidate cell (suppress it or not) and two deviations from the true table,
``u`` and ``d``, that must satisfy every relation; ``u`` moves the sensitive cell up by its upper
protection level and ``d`` down to the bottom of its protection interval, and a cell may move only if it
is suppressed (or already unknown), within what a reader knows of it (a suppressed count stays at least 1).
Minimising the cost of the ``x`` chosen gives the fewest cells (the builder's costs, with the number of
people as the tie-breaker) that protect that cell. The program is posed on the cell's neighbourhood in the
relations (cells outside it stay fixed, which can only make the answer safer), widened when the
neighbourhood is too small to hold an answer. Suppressing more never narrows any range, so a cell once
protected stays protected while the others are done; the auditor then attacks the whole result, and any
finding starts another round.

The programs are solved by HiGHS through ``scipy.optimize.milp`` and ``linprog``. Before the integer
program, a linear program asks whether the cell is already protected by what is suppressed, which is the
common case once its neighbours have been done. Cells are taken in the order they were declared, so a
builder that declares national figures first protects them first; the result is the same on every run.

References: M. Fischetti and J.-J. Salazar-González (2001), "Solving the cell suppression problem on
tabular data with linear constraints", Management Science 47(7); A. Hundepool et al. (2012), *Statistical
Disclosure Control*, Wiley, chapter 4 (τ-ARGUS's protection levels); the sdcTable package for R.
"""

import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, sparse

from .attack import TOLERANCE, Audit, AuditRefused, audit, structural_floor
from .cells import Cells, Shortcuts
from .rules import DEFAULT_RULES, DisclosureError, Rules, least_values

# How far the neighbourhood of a cell reaches through the relations, tried in turn; the last is every cell
# linked to it (a cycle of suppressions can be long where quarters, years and units all meet).
_DEPTHS: tuple[int | None, ...] = (2, 3, 4, 2, 4, 6, None)
# A neighbourhood stops growing past this many cells, for each depth (None: the whole linked set).
_LARGEST: tuple[int | None, ...] = (1_000, 2_000, 4_000, 4_000, 20_000, 50_000, None)
# The first tries take, from each relation, only its unknown cells and this many others (the largest).
_WIDEST: tuple[int | None, ...] = (2, 2, 2, None, None, None, None)
_TIME_LIMIT = 3.0  # seconds for one integer program: the best answer found by then is taken
# A solution within this fraction of the cheapest is good enough (proving the cheapest takes far longer).
_GAP = 0.25
# Neighbourhoods up to this many cells get the integer program; larger ones the flow program (_Flow).
_EXACT = 400
_ROUNDS = 5
# Rounds of opening every cell left together (the joint program), and how many times its first round is
# solved again with the costs reweighted towards the cells it moved most (fewer cells suppressed).
_JOINT_ROUNDS = 4
_REWEIGHTS = 2
# In a system of _JOINT_LARGE cells or more, fewer cells than _JOINT_SMALLEST are done one at a time: a
# joint round there costs as much as a whole part's program, and the screen's findings may be protected
# already (one at a time, a quick check finds that out).
_JOINT_SMALLEST = 100
_JOINT_LARGE = 20_000
# Systems of at least this many cells run the parts' programs in worker processes, one per core.
PARALLEL_SMALLEST = 20_000

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Protection:
    """A suppression pattern and the audit it passed. ``hidden`` marks the published cells shown as ``[c]``."""

    cells: Cells
    rules: Rules
    hidden: NDArray[np.bool_]
    primary: NDArray[np.bool_]
    audit: Audit
    programs: int
    seconds: float

    @property
    def secondary(self) -> NDArray[np.bool_]:
        return self.hidden & ~self.primary

    def is_hidden(self, key: tuple) -> bool:  # type: ignore[type-arg]
        return bool(self.hidden[self.cells.index[key]])


def protect(
    cells: Cells,
    rules: Rules = DEFAULT_RULES,
    *,
    hidden: NDArray[np.bool_] | None = None,
    published: NDArray[np.bool_] | None = None,
    parts: NDArray[np.int_] | None = None,
    progress: Progress | None = None,
) -> Protection:
    """Choose the cells to suppress and audit the result; raise :class:`DisclosureError` if it cannot be done.

    ``hidden`` marks cells that must be suppressed whatever their value (an earlier release of the same
    period suppressed them); ``published`` marks cells that must not be (an earlier release published
    them). ``parts`` splits the joint programs (see :meth:`_Solver.jointly`): a part number per cell, -1
    for the cells every part shares (the national figures, with a part per region). Raises
    :class:`~.attack.AuditRefused` if the audit still finds a cell narrowed after every round (which would
    be a fault in this module, not in the publication).
    """
    started = time.perf_counter()
    say = progress or (lambda _: None)
    sensitive = (cells.values >= 1) & (cells.values < rules.threshold)
    primary = sensitive & ~cells.implied
    fixed = np.zeros(cells.size, dtype=bool) if published is None else np.asarray(published, dtype=bool)
    clash = primary & fixed
    if clash.any():
        raise DisclosureError(
            "an earlier release published counts that are now fewer than the threshold",
            [cells.describe(cell) for cell in np.flatnonzero(clash)],
        )
    suppressed = primary.copy()
    if hidden is not None:
        suppressed |= np.asarray(hidden, dtype=bool) & ~cells.implied
    say(f"{int(primary.sum()):,} counts under {rules.threshold} suppressed; choosing secondary suppressions")
    with _Solver(cells, rules, fixed) as solver:
        return _protect(solver, suppressed, primary, parts, say, started)


def _protect(
    solver: "_Solver",
    suppressed: NDArray[np.bool_],
    primary: NDArray[np.bool_],
    parts: NDArray[np.int_] | None,
    say: Progress,
    started: float,
) -> Protection:
    cells, rules = solver.cells, solver.rules

    def protect_all(targets: list[int]) -> int:
        """Protect the cells, together first, then each in turn; the number of cells newly suppressed."""
        before = int(suppressed.sum())
        for round_ in range(_JOINT_ROUNDS):
            if len(targets) < _JOINT_SMALLEST and cells.size >= _JOINT_LARGE:
                break
            say(f"{len(targets):,} cells to open together (round {round_ + 1})")
            chosen = solver.jointly(targets, suppressed, parts, reweights=_REWEIGHTS if round_ == 0 else 0)
            if not (chosen & ~suppressed).any():
                break
            suppressed[:] |= chosen
            targets = [finding.cell for finding in audit(cells, suppressed, rules, exact=False).findings]
            say(f"{int(suppressed.sum()):,} suppressed; {len(targets):,} cells left")
            if not targets:
                return int(suppressed.sum()) - before
        for done, cell in enumerate(targets, 1):
            suppressed[:] |= solver.protect(cell, suppressed)
            if done % 100 == 0:
                say(f"{done:,} of {len(targets):,} done one at a time; {int(suppressed.sum()):,} suppressed")
        return int(suppressed.sum()) - before

    # The quick screen first (it may name cells that are in fact protected), then the full audit.
    for _ in range(_ROUNDS):
        screen = audit(cells, suppressed, rules, exact=False)
        if not screen.passed and protect_all([finding.cell for finding in screen.findings]):
            continue
        result = audit(cells, suppressed, rules)
        if result.passed:
            return Protection(
                cells=cells,
                rules=rules,
                hidden=suppressed,
                primary=primary,
                audit=result,
                programs=solver.programs + result.programs,
                seconds=time.perf_counter() - started,
            )
        if not protect_all([finding.cell for finding in result.findings]):
            break
    raise AuditRefused(audit(cells, suppressed, rules))


class _Solver:
    """The integer programs of secondary suppression, one sensitive cell at a time."""

    def __init__(self, cells: Cells, rules: Rules, fixed: NDArray[np.bool_]) -> None:
        self.cells = cells
        self.rules = rules
        self.fixed = fixed
        self.programs = 0
        relations = cells.relations
        self.relations = relations
        self.by_cell = cells.by_cell
        self.equalities = cells.equalities.shape[0]
        values = cells.values.astype(np.float64)
        self.values = values
        # Room left in each inequality by the true values (0 for an equality).
        self.slack = -(relations @ values)
        self.floors = least_values(cells)
        self.reach = float(2 * (rules.upper + rules.lower))
        self.shortcuts = Shortcuts.of(cells, self.reach)
        # Cells that may be suppressed: published, not 0, not published by an earlier release. The cost
        # breaks ties towards fewer people.
        self.candidate = ~cells.implied & (cells.values >= 1) & ~fixed
        self.price = cells.cost * (1.0 + np.log1p(values) / (1.0 + np.log1p(values.max(initial=0))) / 100)
        self.pool: ProcessPoolExecutor | None = None
        self.parallel = True

    def __enter__(self) -> "_Solver":
        return self

    def __exit__(self, *_: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "pool": None}

    def _workers(self) -> ProcessPoolExecutor | None:
        """Worker processes for the parts' programs, started once, each holding this solver."""
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        # A daemonic process (a task queue's worker) may not start processes of its own.
        daemon = multiprocessing.current_process().daemon
        if not self.parallel or daemon or cores < 2 or self.cells.size < PARALLEL_SMALLEST:
            return None
        if self.pool is None:
            # Spawned, not forked: HiGHS may hold threads, which a fork would copy half-way.
            self.pool = ProcessPoolExecutor(
                max_workers=cores,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_hold,
                initargs=(self,),
            )
        return self.pool

    def protect(self, cell: int, suppressed: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """The cells to suppress (besides those already) so that ``cell`` is protected."""
        unknown = suppressed | self.cells.implied
        movable = unknown | self.candidate
        value = self.values[cell]
        sensitive = 1 <= value < self.rules.threshold
        up = float(self.rules.upper)
        low = float(self.bottoms(np.array([cell]))[0])
        if sensitive and low < value and not self._open(cell, unknown, up, value - low):
            # Down to what the relations allow at most: no pattern opens it further (attack.structural_floor).
            low = max(low, np.ceil(structural_floor(self.cells, cell) - TOLERANCE))
        down = value - low
        if self._open(cell, unknown, up, down):
            return np.zeros(self.cells.size, dtype=bool)  # already protected by what is suppressed
        previous = -1
        for depth, largest, widest in zip(_DEPTHS, _LARGEST, _WIDEST, strict=True):
            around = self.cells.neighbourhood(
                cell, movable, depth, largest, widest=widest, keep=unknown, shortcuts=self.shortcuts
            )
            if around.size == previous:
                continue
            previous = around.size
            if around.size <= _EXACT:
                chosen = _Model(self, around, unknown, cell, up, down).solve(integer=True)
            else:
                chosen = _Flow(self, around, unknown, cell, up, down).solve()
            if chosen is not None:
                out = np.zeros(self.cells.size, dtype=bool)
                out[chosen] = True
                return out
        raise DisclosureError(
            "a count cannot be protected: no choice of cells to suppress leaves it open over its"
            " protection interval",
            [f"{self.cells.describe(cell)} ({int(value)})"],
        )

    def jointly(
        self,
        targets: list[int],
        suppressed: NDArray[np.bool_],
        parts: NDArray[np.int_] | None,
        *,
        reweights: int = 0,
    ) -> NDArray[np.bool_]:
        """Open many cells with few programs: one upward and one downward table that open every target at
        once (the flow program, with a shortfall for any it cannot open, left for the next round or for
        one at a time). Suppressing what opens them together opens each.

        With ``parts``, one program per part, on the part's cells and the shared ones (part -1), for the
        targets in it; then one for the shared targets, on the shared cells and those one relation from
        them. Cells outside a program keep their true values, so what it finds holds in the whole system.
        """
        out = np.zeros(self.cells.size, dtype=bool)
        targets_ = np.array(sorted(set(targets)), dtype=np.intp)
        if not targets_.size:
            return out
        unknown = suppressed | self.cells.implied
        if parts is None:
            programs = [(targets_, np.arange(self.cells.size))]
        else:
            shared = parts < 0
            programs = [
                (targets_[parts[targets_] == part], np.flatnonzero(shared | (parts == part)))
                for part in np.unique(parts[targets_])
                if part >= 0
            ]
            if shared[targets_].any():
                rows = np.unique(self.by_cell[:, np.flatnonzero(shared)].indices)
                near = np.unique(self.relations[rows].indices)
                programs.append((targets_[shared[targets_]], np.union1d(np.flatnonzero(shared), near)))
        programs = [(cells_, around) for cells_, around in programs if cells_.size]
        pool = self._workers() if len(programs) > 1 else None
        answers = None
        if pool is not None:
            try:
                futures = [pool.submit(_open_together, c, a, unknown, reweights) for c, a in programs]
                answers = [future.result() for future in futures]
            except (RuntimeError, OSError, BrokenProcessPool):
                # No workers here (a script without a main guard, no process limit left): do it here.
                pool.shutdown(cancel_futures=True)
                self.pool, self.parallel, pool = None, False, None
        if answers is None:
            answers = [self.open_together(c, a, unknown, reweights) for c, a in programs]
        for chosen, programs_solved in answers:
            self.programs += 0 if pool is None else programs_solved
            if chosen is not None:
                out[chosen] = True
        return out

    def open_together(
        self, cells_: NDArray[np.intp], around: NDArray[np.intp], unknown: NDArray[np.bool_], reweights: int
    ) -> tuple[NDArray[np.intp] | None, int]:
        """One joint program: the cells to suppress (None if none), and the programs solved."""
        before = self.programs
        down = self.values[cells_] - self.bottoms(cells_)
        flow = _Flow(self, around, unknown, cells_, float(self.rules.upper), down, soft=True)
        return flow.solve(reweights=reweights), self.programs - before

    def bottoms(self, cells_: NDArray[np.intp]) -> NDArray[np.float64]:
        """The bottom of each cell's protection interval: ``lower`` below a sensitive cell's value, or the
        least value the relations allow; a cell that is not sensitive need not go down at all."""
        values = self.values[cells_]
        sensitive = (values >= 1) & (values < self.rules.threshold)
        return np.where(sensitive, np.maximum(self.floors[cells_], values - self.rules.lower), values)

    def _open(self, cell: int, unknown: NDArray[np.bool_], up: float, down: float) -> bool:
        """Whether what is suppressed already leaves the cell open (near it: a sure answer when yes)."""
        around = self.cells.neighbourhood(cell, unknown, 3, 8_000, shortcuts=self.shortcuts)
        return _Model(self, around, unknown, cell, up, down).solve(integer=False) is not None


_held: "_Solver | None" = None


def _hold(solver: "_Solver") -> None:
    """A worker process's initialiser: keep the solver its programs are posed on."""
    global _held
    _held = solver


def _open_together(
    cells_: NDArray[np.intp], around: NDArray[np.intp], unknown: NDArray[np.bool_], reweights: int
) -> tuple[NDArray[np.intp] | None, int]:
    assert _held is not None
    return _held.open_together(cells_, around, unknown, reweights)


class _Model:
    """The integer program for one sensitive cell on a neighbourhood of it.

    Variables, each a block of the neighbourhood's size: ``x`` (suppress), ``u`` (the upward table's
    deviation from the truth) and ``d`` (the downward table's). Cells outside the neighbourhood keep their
    true values in both tables.
    """

    def __init__(
        self,
        solver: _Solver,
        around: NDArray[np.intp],
        unknown: NDArray[np.bool_],
        cell: int,
        up: float,
        down: float,
    ) -> None:
        self.solver = solver
        self.around = around
        n = around.size
        rows = np.unique(solver.by_cell[:, around].indices)
        block = sparse.csr_array(solver.relations[rows][:, around])
        equality = rows < solver.equalities
        slack = solver.slack[rows]
        zero = sparse.csr_array((rows.size, n))
        identity = sparse.identity(n, format="csr")
        values = solver.values[around]
        floors = solver.floors[around]
        reach = solver.reach
        parts = [
            sparse.hstack([zero, block, zero]),
            sparse.hstack([zero, zero, block]),
            # A cell moves only if suppressed: -(v - floor) x <= u <= reach x, and the same for d.
            sparse.hstack([-reach * identity, identity, sparse.csr_array((n, n))]),
            sparse.hstack([sparse.diags(floors - values), -identity, sparse.csr_array((n, n))]),
            sparse.hstack([-reach * identity, sparse.csr_array((n, n)), identity]),
            sparse.hstack([sparse.diags(floors - values), sparse.csr_array((n, n)), -identity]),
        ]
        self.matrix = sparse.csr_array(sparse.vstack(parts, format="csr"))
        lower_rows = np.where(equality, 0.0, -np.inf)
        self.lower = np.concatenate([lower_rows, lower_rows, np.full(4 * n, -np.inf)])
        self.upper = np.concatenate([np.where(equality, 0.0, slack)] * 2 + [np.zeros(4 * n)])
        known = ~unknown[around]
        self.candidate = known & solver.candidate[around]
        x_low = np.where(known, 0.0, 1.0)
        x_high = np.where(self.candidate | ~known, 1.0, 0.0)
        self.x_high = x_high
        at = int(np.searchsorted(around, cell))
        u_low, u_high = floors - values, np.full(n, reach)
        d_low, d_high = floors - values, np.full(n, reach)
        u_low[at] = max(u_low[at], up)
        if down > 0:
            d_high[at] = -down
        self.low = np.concatenate([x_low, u_low, d_low])
        self.high = np.concatenate([x_high, u_high, d_high])
        self.cost = np.concatenate([np.where(self.candidate, solver.price[around], 0.0), np.zeros(2 * n)])
        self.n = n

    def solve(self, *, integer: bool) -> NDArray[np.intp] | None:
        """The cells to suppress, or None if there is no answer on this neighbourhood. Without ``integer``,
        the candidates stay published: an answer (then empty) means the cell is protected already."""
        self.solver.programs += 1
        high = self.high.copy()
        integrality = np.zeros(3 * self.n)
        if integer:
            integrality[: self.n] = 1
        else:
            high[: self.n] = np.where(self.candidate, 0.0, high[: self.n])
        result = optimize.milp(
            self.cost,
            integrality=integrality,
            bounds=optimize.Bounds(self.low, high),
            constraints=optimize.LinearConstraint(self.matrix, self.lower, self.upper),
            options={"time_limit": _TIME_LIMIT, "disp": False, "mip_rel_gap": _GAP},
        )
        if result.x is None:
            return None
        x = result.x[: self.n]
        return self.around[self.candidate & (x > 0.5)]


class _Flow:
    """The same question as :class:`_Model` as one linear program: the least costly movement of the
    neighbourhood's cells that opens the cell, where moving a published cell costs its price per unit and
    moving an unknown one almost nothing. A vertex solution moves few cells (a cycle through the
    relations); the published ones it moves are the ones to suppress. Its answer always exists when the
    integer program's does, and it is found many times faster."""

    def __init__(
        self,
        solver: _Solver,
        around: NDArray[np.intp],
        unknown: NDArray[np.bool_],
        cell: int | NDArray[np.intp],
        up: float | NDArray[np.float64],
        down: float | NDArray[np.float64],
        *,
        soft: bool = False,
    ) -> None:
        self.solver = solver
        self.around = around
        n = around.size
        rows = np.unique(solver.by_cell[:, around].indices)
        block = sparse.csr_array(solver.relations[rows][:, around])
        equality = rows < solver.equalities
        slack = solver.slack[rows]
        zero = sparse.csr_array((rows.size, 2 * n))
        signed = sparse.hstack([block, -block])  # u = u+ - u-
        self.matrix = sparse.csr_array(
            sparse.vstack([sparse.hstack([signed, zero]), sparse.hstack([zero, signed])], format="csr")
        )
        self.lower = np.concatenate([np.where(equality, 0.0, -np.inf)] * 2)
        self.upper = np.concatenate([np.where(equality, 0.0, slack)] * 2)
        values = solver.values[around]
        floors = solver.floors[around]
        known = ~unknown[around]
        self.candidate = known & solver.candidate[around]
        movable = self.candidate | ~known
        plus = np.where(movable, solver.reach, 0.0)
        minus = np.where(movable, values - floors, 0.0)
        # Several cells at once (a batch far apart): one upward and one downward table open them all.
        at = np.searchsorted(around, np.atleast_1d(cell))
        u_plus_low = np.zeros(n)
        u_plus_low[at] = up
        u_minus_high = minus.copy()
        u_minus_high[at] = 0.0
        d_minus_low = np.zeros(n)
        d_minus_low[at] = down
        d_plus_high = plus.copy()
        d_plus_high[at] = 0.0
        self.low = np.concatenate([u_plus_low, np.zeros(n), np.zeros(n), d_minus_low])
        self.high = np.concatenate([plus, u_minus_high, d_plus_high, minus])
        weight = np.where(self.candidate, solver.price[around], 1e-3)
        self.cost = np.tile(weight, 4)
        self.n = n
        self.targets = at
        self.soft = soft
        if soft:
            # Each target's shortfall, up and down, as a variable that costs far more than any suppression:
            # the program is always feasible, and a target it cannot open shows a shortfall.
            k = at.size
            self.low[at], self.low[3 * n + at] = 0.0, 0.0
            shortfall = sparse.csr_array(
                (np.ones(2 * k), (np.arange(2 * k), np.concatenate([at, 3 * n + at]))), shape=(2 * k, 4 * n)
            )
            rows = sparse.hstack([shortfall, sparse.identity(2 * k, format="csr")])
            self.matrix = sparse.csr_array(
                sparse.vstack(
                    [sparse.hstack([self.matrix, sparse.csr_array((self.matrix.shape[0], 2 * k))]), rows]
                )
            )
            wanted = np.concatenate([np.broadcast_to(up, k), np.broadcast_to(down, k)]).astype(np.float64)
            self.lower = np.concatenate([self.lower, wanted])
            self.upper = np.concatenate([self.upper, np.full(2 * k, np.inf)])
            self.low = np.concatenate([self.low, np.zeros(2 * k)])
            self.high = np.concatenate([self.high, wanted])
            self.cost = np.concatenate([self.cost, np.full(2 * k, 1e4)])

    def solve(self, *, reweights: int = 0) -> NDArray[np.intp] | None:
        """The cells to suppress, or None if the cell cannot be opened on this neighbourhood. Each of
        ``reweights`` solves again with each published cell's cost divided by how far the last solution
        moved it (a reweighted L1 program, which moves fewer cells further: fewer suppressions)."""
        if (self.low > self.high).any():
            return None
        chosen = None
        price = self.cost[: self.n].copy()
        for attempt in range(reweights + 1):
            self.solver.programs += 1
            result = optimize.milp(
                self.cost,
                bounds=optimize.Bounds(self.low, self.high),
                constraints=optimize.LinearConstraint(self.matrix, self.lower, self.upper),
                options={"disp": False},
            )
            if result.status != 0 or result.x is None:
                return chosen
            self.x = result.x
            movement = np.abs(result.x[: 4 * self.n].reshape(4, self.n)).sum(axis=0)
            chosen = self.around[self.candidate & (movement > 1e-7)]
            if attempt < reweights:
                weight = np.where(self.candidate, price * 5 / (movement + 0.5), price)
                self.cost[: 4 * self.n] = np.tile(weight, 4)
        return chosen

    def opened(self) -> NDArray[np.bool_]:
        """After a soft solve: which targets were opened in full (no shortfall either way)."""
        k = self.targets.size
        shortfall = self.x[4 * self.n :]
        return (shortfall[:k] < 1e-7) & (shortfall[k:] < 1e-7)
