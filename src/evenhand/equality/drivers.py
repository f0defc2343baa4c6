"""Drivers of every kind for ``evenhand equality analyse --adjust``: the model, its formula and its fit.

A driver is written ``COL`` or ``COL:KIND``:

- ``COL`` — a numeric column (every present value a number) enters as a number (a linear term); any other
  column as categories;
- ``COL:cat`` — categories whatever the values (one coefficient per level but the most common);
- ``COL:linear`` — a number (refused for a column that is not numeric);
- ``COL:bands=0,1,4,10`` — categories by band: ``[0, 1)``, ``[1, 4)``, ``[4, 10)``, ``10+`` (and ``<0``
  below the first cut); a missing value is the band ``(blank)``;
- ``COL:spline`` or ``COL:spline=K`` — a natural (restricted) cubic spline with K knots (default 4, 3 to 7)
  at Harrell's quantiles of the values analysed (F. E. Harrell, Regression Modeling Strategies, 2nd ed.,
  §2.4.6), K - 1 terms: the value and K - 2 cubic terms;
- ``A*B`` — both drivers and their interaction (every product of a column of A and a column of B).

A numeric driver with missing values is refused (name it ``COL:cat`` or band it to keep those people as a
level of their own, or select them out with ``--where``): nobody drops out of a model unseen.

The model is the logistic regression of the outcome on the group (coded against the reference) and the
drivers' terms, fitted by maximum likelihood (Newton-Raphson on cells of people with identical values; the
likelihood of the cells is the person-level one up to a constant). With weights it is the design-weighted
(pseudo-)likelihood and the covariance is the robust sandwich (Huber-White, HC0) one. The adjusted odds
ratio is exp(β_g); the adjusted relative rate is marginally standardised over everyone in the model with a
delta-method interval, as in :func:`evenhand.equality.stats.adjusted_comparison`.

**Separation is reported by name, never hidden.** A group in which nobody (or everybody) had the outcome is
left out of the model, and its row says so. A level of a categorical driver in which nobody or everybody
had it, a design whose terms cannot be told apart (naming them), or a fit whose estimates run off to
infinity (naming the terms) leaves the model unfitted, with the crude figures and the reason.
"""

import itertools
import math
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import special

from .reading import AnalysisError
from .stats.adjust import ADJUSTED_COLUMNS, SEPARATION, AdjustedComparison, comparison_table
from .stats.common import critical_value
from .stats.compare import compare_counts
from .stats.grouping import group_ids

FloatArray = NDArray[np.float64]
KINDS = ("linear", "cat", "bands", "spline")
DEFAULT_KNOTS = 4
# Harrell's knot quantiles for a restricted cubic spline of K knots.
KNOT_QUANTILES = {
    3: (0.10, 0.50, 0.90),
    4: (0.05, 0.35, 0.65, 0.95),
    5: (0.05, 0.275, 0.50, 0.725, 0.95),
    6: (0.05, 0.23, 0.41, 0.59, 0.77, 0.95),
    7: (0.025, 0.1833, 0.3417, 0.50, 0.6583, 0.8167, 0.975),
}
NUMBER = re.compile(r"\s*-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*")
BLANK = "(blank)"


class DriverError(AnalysisError):
    """A driver that cannot be used; the message names it and what to write instead."""


@dataclass(frozen=True)
class Driver:
    """One column and how it enters the model; ``cuts`` for bands, ``knots`` (the count) for a spline."""

    column: str
    kind: str = ""  # "" until the column's type decides (linear for numbers, else cat)
    cuts: tuple[float, ...] = ()
    knots: int = 0

    def written(self) -> str:
        if self.kind == "bands":
            return f"{self.column}:bands=" + ",".join(f"{cut:g}" for cut in self.cuts)
        if self.kind == "spline":
            return f"{self.column}:spline={self.knots}"
        return f"{self.column}:{self.kind}" if self.kind else self.column


@dataclass(frozen=True)
class Term:
    """A main effect (one driver) or an interaction (two or more)."""

    drivers: tuple[Driver, ...]


def split_adjust(texts: Sequence[str]) -> list[str]:
    """``--adjust`` values (each comma-separated, the option maybe repeated) as driver specifications,
    keeping the cuts of ``COL:bands=0,1,4`` together."""
    specs: list[str] = []
    for text in texts:
        for piece in text.split(","):
            if specs and NUMBER.fullmatch(piece) and re.search(r":bands=[^*]*$", specs[-1]):
                specs[-1] += "," + piece.strip()
            else:
                specs.append(piece.strip())
    return specs


def parse_driver(spec: str) -> Driver:
    column, _, kind = spec.partition(":")
    column, kind = column.strip(), kind.strip()
    if not column:
        raise DriverError(f"--adjust {spec!r} has an empty column name")
    if not kind:
        return Driver(column)
    name, _, argument = kind.partition("=")
    name = name.strip().lower()
    if name in ("cat", "linear"):
        if argument:
            raise DriverError(f"--adjust {spec!r}: {name} takes no value")
        return Driver(column, name)
    if name == "bands":
        pieces = [piece for piece in argument.split(",") if piece.strip()]
        if not pieces or not all(NUMBER.fullmatch(piece) for piece in pieces):
            raise DriverError(
                f"--adjust {spec!r}: give the cuts of the bands as numbers, such as {column}:bands=0,1,4,10"
            )
        cuts = tuple(float(piece) for piece in pieces)
        if any(b <= a for a, b in itertools.pairwise(cuts)):
            raise DriverError(f"--adjust {spec!r}: the cuts must increase")
        return Driver(column, "bands", cuts=cuts)
    if name == "spline":
        knots = DEFAULT_KNOTS
        if argument:
            if not argument.strip().isdigit() or int(argument) not in KNOT_QUANTILES:
                raise DriverError(f"--adjust {spec!r}: a spline has 3 to 7 knots, such as {column}:spline=4")
            knots = int(argument)
        return Driver(column, "spline", knots=knots)
    raise DriverError(
        f"--adjust {spec!r}: unknown kind {name!r}; write {column}, {column}:cat, {column}:linear,"
        f" {column}:bands=0,1,4,10 or {column}:spline=4"
    )


def parse_terms(specs: Sequence[str]) -> list[Term]:
    """Terms from driver specifications; ``A*B`` adds A, B (unless already there) and A:B."""
    terms: list[Term] = []
    for spec in specs:
        if not spec:
            raise DriverError("--adjust has an empty column name")
        sides = tuple(parse_driver(side) for side in spec.split("*"))
        if len({driver.column for driver in sides}) != len(sides):
            raise DriverError(f"--adjust {spec!r} interacts a column with itself")
        for driver in sides:
            if len(sides) > 1 and any(term.drivers == (driver,) for term in terms):
                continue
            if len(sides) == 1 or Term((driver,)) not in terms:
                terms.append(Term((driver,)))
        if len(sides) > 1:
            terms.append(Term(sides))
    mains = [term.drivers[0] for term in terms if len(term.drivers) == 1]
    columns = [driver.column for driver in mains]
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    if repeated:
        raise DriverError(f"--adjust names {', '.join(map(repr, repeated))} more than once")
    return terms


def driver_columns(terms: Sequence[Term]) -> list[str]:
    return list(dict.fromkeys(driver.column for term in terms for driver in term.drivers))


# Design ----------------------------------------------------------------------------------------------------


def _harrell_basis(x: FloatArray, knots: FloatArray) -> list[FloatArray]:
    """The restricted cubic spline's nonlinear terms, scaled by (t_K - t_1)², as Harrell's rcspline.eval."""
    k = len(knots)
    last, before = knots[-1], knots[-2]
    scale = (last - knots[0]) ** 2

    def cube(values: FloatArray) -> FloatArray:
        return np.maximum(values, 0.0) ** 3

    return [
        (
            cube(x - knots[j])
            - cube(x - before) * (last - knots[j]) / (last - before)
            + cube(x - last) * (before - knots[j]) / (last - before)
        )
        / scale
        for j in range(k - 2)
    ]


def _band_labels(cuts: tuple[float, ...]) -> list[str]:
    shown = [f"{cut:g}" for cut in cuts]
    labels = [f"<{shown[0]}"]
    labels += [f"[{a}, {b})" for a, b in itertools.pairwise(shown)]
    return [*labels, f"{shown[-1]}+"]


@dataclass
class Resolved:
    """A driver with its data-dependent parts fixed: the kind, the knots, the levels and base."""

    driver: Driver
    kind: str
    knots: tuple[float, ...] = ()
    levels: list[Hashable] = field(default_factory=list)
    base: Hashable = None

    def describe(self) -> str:
        column = self.driver.column
        if self.kind == "linear":
            return column
        if self.kind == "spline":
            return f"ns({column}, knots=[{', '.join(f'{k:.6g}' for k in self.knots)}])"
        if self.kind == "bands":
            return (
                f"C(bands({column}, [{', '.join(f'{c:g}' for c in self.driver.cuts)}]), base={self.base!r})"
            )
        return f"C({column}, base={self.base!r})"


def resolve(
    terms: Sequence[Term],
    frame: pd.DataFrame,
    numeric: dict[str, bool],
    weights: FloatArray,
) -> dict[Driver, Resolved]:
    """Each driver's kind (linear for a numeric column unless said otherwise), its knots at the quantiles
    of the rows analysed and its levels with the most common one as base; refusing what cannot be used."""
    resolved: dict[Driver, Resolved] = {}
    for driver in dict.fromkeys(d for term in terms for d in term.drivers):
        column = driver.column
        kind = driver.kind or ("linear" if numeric[column] else "cat")
        values = frame[column]
        if kind in ("linear", "bands", "spline"):
            if not numeric[column]:
                sample = next(v for v in values if not _is_number(v))
                raise DriverError(
                    f"--adjust {driver.written()!r}: column {column!r} is not numeric (it holds {sample!r});"
                    f" write {column}:cat to adjust for its values as categories"
                )
            missing = int(values.isna().sum())
            if missing and kind != "bands":
                raise DriverError(
                    f"--adjust {driver.written()!r}: {missing:,} record(s) analysed have no value of"
                    f" {column!r}; write {column}:cat or {column}:bands=… to keep them as a level of their"
                    f' own, or leave them out with --where "{column} IS NOT NULL"'
                )
        entry = Resolved(driver, kind)
        if kind == "spline":
            x = values.to_numpy(dtype=np.float64)
            knots = _weighted_quantiles(x, weights, KNOT_QUANTILES[driver.knots])
            if len(np.unique(knots)) < len(knots):
                raise DriverError(
                    f"--adjust {driver.written()!r}: {column!r} has too few distinct values for"
                    f" {driver.knots} knots (they would be {', '.join(f'{k:g}' for k in knots)});"
                    " use fewer knots or a linear term"
                )
            entry.knots = tuple(float(k) for k in knots)
        elif kind in ("cat", "bands"):
            labels = _levels_of(values, entry)
            counts = pd.Series(weights).groupby(labels.to_numpy()).sum()
            if len(counts) < 2:
                raise DriverError(
                    f"--adjust {driver.written()!r}: every record analysed has the same"
                    f" {'band' if kind == 'bands' else 'value'} of {column!r} ({counts.index[0]!r}), so it"
                    " cannot explain a difference; leave it out"
                )
            entry.levels = sorted(counts.index, key=_order_key)
            entry.base = counts.idxmax()
        else:
            x = values.to_numpy(dtype=np.float64)
            if np.all(x == x[0]):
                raise DriverError(
                    f"--adjust {driver.written()!r}: every record analysed has the same value of {column!r}"
                    f" ({x[0]:g}), so it cannot explain a difference; leave it out"
                )
        resolved[driver] = entry
    return resolved


def _order_key(value: Hashable) -> tuple[int, object]:
    return (0, value) if isinstance(value, int | float) else (1, str(value))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _weighted_quantiles(x: FloatArray, weights: FloatArray, quantiles: Sequence[float]) -> FloatArray:
    if np.all(weights == 1.0):
        return np.quantile(x, quantiles)
    order = np.argsort(x, kind="stable")
    cumulative = np.cumsum(weights[order]) / weights.sum()
    positions = np.minimum(np.searchsorted(cumulative, np.asarray(quantiles)), len(x) - 1)
    return np.asarray(x[order][positions], dtype=np.float64)


def _levels_of(values: pd.Series, entry: Resolved) -> pd.Series:
    if entry.kind == "bands":
        cuts = entry.driver.cuts
        x = values.to_numpy(dtype=np.float64, na_value=np.nan)
        labels = np.array(_band_labels(cuts), dtype=object)
        where = np.searchsorted(np.array(cuts), x, side="right")
        result = labels[np.minimum(where, len(labels) - 1)].astype(object)
        result[np.isnan(x)] = BLANK
        return pd.Series(result, index=values.index)
    return values.astype(object)


def _columns_of(entry: Resolved, values: pd.Series) -> list[tuple[str, FloatArray]]:
    """The design columns of one driver, with their names."""
    column = entry.driver.column
    if entry.kind == "linear":
        return [(column, values.to_numpy(dtype=np.float64))]
    if entry.kind == "spline":
        x = values.to_numpy(dtype=np.float64)
        basis = _harrell_basis(x, np.array(entry.knots))
        return [(column, x)] + [(f"{column}_spline{j + 1}", b) for j, b in enumerate(basis)]
    labels = _levels_of(values, entry).to_numpy()
    return [
        (f"{column}[{level}]", (labels == level).astype(np.float64))
        for level in entry.levels
        if level != entry.base
    ]


def design(
    cells: pd.DataFrame, terms: Sequence[Term], resolved: dict[Driver, Resolved]
) -> tuple[list[str], FloatArray]:
    """The drivers' part of the model matrix on ``cells``: column names and a (cells by terms) array."""
    names: list[str] = []
    columns: list[FloatArray] = []
    for term in terms:
        parts = [_columns_of(resolved[driver], cells[driver.column]) for driver in term.drivers]
        combined = parts[0]
        for part in parts[1:]:
            combined = [(f"{a}:{b}", x * y) for a, x in combined for b, y in part]
        for name, values in combined:
            names.append(name)
            columns.append(values)
    matrix = np.column_stack(columns) if columns else np.empty((len(cells), 0))
    return names, matrix


def formula(
    outcome: str, group: str, reference: Hashable, terms: Sequence[Term], resolved: dict[Driver, Resolved]
) -> str:
    """The model as a formula: ``logit P(outcome) ~ C(group, base=…) + drivers``."""
    parts = [f"C({group}, base={reference!r})"]
    for term in terms:
        parts.append(":".join(resolved[driver].describe() for driver in term.drivers))
    return f"logit P({outcome}) ~ " + " + ".join(parts)


# Fit -------------------------------------------------------------------------------------------------------


@dataclass
class Fit:
    names: list[str]  # "(Intercept)", then the group's columns, then the drivers'
    params: FloatArray
    cov: FloatArray
    converged: bool


def newton(
    x: FloatArray,
    n: FloatArray,
    events: FloatArray,
    squares: tuple[FloatArray, FloatArray] | None = None,
) -> Fit:
    """Maximum likelihood for the binomial GLM with logit link on cells (n people, events with the
    outcome; with weights, their sums), by Newton-Raphson with step halving, to a largest step of 1e-10.
    ``squares`` (the sums of squared weights of people with and without the outcome per cell) asks for the
    robust sandwich covariance instead of the model-based (XᵀWX)⁻¹."""

    def log_likelihood(eta: FloatArray) -> float:
        return float(events @ eta - n @ np.logaddexp(0.0, eta))

    beta = np.zeros(x.shape[1])
    total, happened = n.sum(), events.sum()
    beta[0] = math.log(happened / (total - happened))
    eta = x @ beta
    current = log_likelihood(eta)
    converged = False
    for _ in range(100):
        p = special.expit(eta)
        information = x.T @ (x * (n * p * (1 - p))[:, None])
        score = x.T @ (events - n * p)
        try:
            step = np.linalg.solve(information, score)
        except np.linalg.LinAlgError:
            break
        trial = beta + step
        trial_eta = x @ trial
        for _ in range(30):
            value = log_likelihood(trial_eta)
            if value >= current - 1e-12 * abs(current) or np.max(np.abs(step)) < 1e-8:
                current = value
                break
            step /= 2
            trial = beta + step
            trial_eta = x @ trial
        beta, eta = trial, trial_eta
        if np.max(np.abs(eta), initial=0.0) > 3 * SEPARATION:
            break
        if np.max(np.abs(step)) < 1e-10:
            converged = True
            break
    p = special.expit(eta)
    information = x.T @ (x * (n * p * (1 - p))[:, None])
    try:
        bread = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        bread = np.full(information.shape, np.nan)
    if squares is None:
        cov = bread
    else:
        with_event, without = squares
        meat = x.T @ (x * (with_event * (1 - p) ** 2 + without * p**2)[:, None])
        cov = bread @ meat @ bread
    return Fit(names=[], params=beta, cov=cov, converged=converged)


@dataclass(frozen=True)
class Model:
    """What :func:`adjusted_model` fitted: the comparison, the formula, and the coefficients by name."""

    comparison: AdjustedComparison
    formula: str
    coefficients: pd.DataFrame  # index term name; estimate, std_error (empty when not fitted)
    predict: "Predictor | None" = None


@dataclass(frozen=True)
class Predictor:
    """The fitted model's probability for each cell of a frame (groups outside the model at 0 or 1)."""

    params: FloatArray
    group: str
    groups: list[Hashable]  # the group columns' levels, in order
    terms: tuple[Term, ...]
    resolved: dict[Driver, Resolved]
    fixed: dict[Hashable, float]

    def __call__(self, cells: pd.DataFrame) -> FloatArray:
        g = cells[self.group].to_numpy()
        x = np.column_stack(
            [np.ones(len(cells)), *[(g == level).astype(np.float64) for level in self.groups]]
            + ([design(cells, self.terms, self.resolved)[1]] if self.terms else [])
        )
        p = special.expit(x @ self.params)
        for level, value in self.fixed.items():
            p[g == level] = value
        return np.asarray(p, dtype=np.float64)


def cells_of(frame: pd.DataFrame, keys: list[str], outcome: str, weight: str | None) -> pd.DataFrame:
    """People with identical keys summed: ``n`` (or the sum of weights), ``events``, and with weights the
    sums of squared weights of people with (``w2_event``) and without (``w2_none``) the outcome."""
    ids, first = group_ids(frame, keys, sort=False)
    y = frame[outcome].to_numpy(dtype=np.float64)
    w = np.ones(len(frame)) if weight is None else frame[weight].to_numpy(dtype=np.float64)
    size = len(first)
    result = {key: frame[key].to_numpy(dtype=object).take(first) for key in keys}
    cells = pd.DataFrame(result)
    for key in keys:
        if frame[key].dtype.kind in "if":
            cells[key] = frame[key].to_numpy().take(first)
    cells["n"] = np.bincount(ids, weights=w, minlength=size)
    cells["events"] = np.bincount(ids, weights=w * y, minlength=size)
    cells["people"] = np.bincount(ids, minlength=size)
    cells["people_events"] = np.bincount(ids, weights=y, minlength=size)
    if weight is not None:
        cells["w2_event"] = np.bincount(ids, weights=w * w * y, minlength=size)
        cells["w2_none"] = np.bincount(ids, weights=w * w * (1 - y), minlength=size)
    return cells


def adjusted_model(
    frame: pd.DataFrame,
    *,
    outcome: str,
    outcome_text: str,
    group: str,
    reference: Hashable,
    terms: Sequence[Term],
    numeric: dict[str, bool],
    weight: str | None = None,
    min_n: int = 30,
    alpha: float = 0.05,
    crude: pd.DataFrame | None = None,
) -> Model:
    """The adjusted comparison of each group with the reference (see the module docstring).

    ``frame`` has one row per person: the group, the drivers' columns (numeric ones as numbers), the
    outcome (0/1) and optionally a weight. ``crude`` is the crude comparison to put beside the adjusted
    one (by default :func:`~evenhand.equality.stats.compare.compare_counts` on the counts).
    """
    terms = tuple(terms)
    weights = np.ones(len(frame)) if weight is None else frame[weight].to_numpy(dtype=np.float64)
    resolved = resolve(terms, frame, numeric, weights)
    text = formula(outcome_text, group, reference, terms, resolved)
    keys = [group, *driver_columns(terms)]
    cells = cells_of(frame, keys, outcome, weight)
    names = sorted(pd.unique(frame[group]), key=_order_key)
    totals = cells.groupby(group)[["people", "people_events", "n", "events"]].sum().reindex(names)
    people_in = totals["people"].to_numpy(dtype=np.int64)
    events_in = totals["people_events"].to_numpy(dtype=np.int64)
    at = names.index(reference)
    if crude is None:
        crude = compare_counts(list(names), people_in, events_in, at=at, min_n=min_n, alpha=alpha)
    table = comparison_table(crude)
    table.index = pd.Index(names, name="group")
    notes: dict[Hashable, list[str]] = {
        name: [str(crude.loc[name, "note"])] if crude.loc[name, "note"] else [] for name in names
    }
    empty = pd.DataFrame(columns=["estimate", "std_error"])

    def unfitted(reason: str) -> Model:
        table["note"] = ["; ".join([*notes[name], "no adjusted figures: " + reason]) for name in names]
        return Model(AdjustedComparison(table=table, fitted=False, reason=reason), text, empty)

    certain = (events_in == 0) | (events_in == people_in)
    if certain[at]:
        why = "nobody" if events_in[at] == 0 else "everybody"
        return unfitted(
            f"{why} in the reference group had the event, so no model can compare the groups with it"
        )
    fixed: dict[Hashable, float] = {}
    for i, name in enumerate(names):
        if certain[i] and people_in[i] > 0:
            why = "nobody" if events_in[i] == 0 else "everybody"
            notes[name].append(f"{why} in the group had the event, so it is left out of the adjusted model")
            fixed[name] = 0.0 if events_in[i] == 0 else 1.0
    in_model = [name for i, name in enumerate(names) if not certain[i]]
    kept = cells[cells[group].isin(in_model)].reset_index(drop=True)

    # Separation by a level of a categorical driver: name it.
    separated = []
    for driver, entry in resolved.items():
        if entry.kind not in ("cat", "bands"):
            continue
        labels = _levels_of(kept[driver.column], entry)
        sums = kept.groupby(labels.to_numpy())[["people", "people_events"]].sum()
        for level, row in sums.iterrows():
            if row["people_events"] in (0, row["people"]):
                why = "nobody" if row["people_events"] == 0 else "everybody"
                separated.append(
                    f"{driver.column} = {level!r} ({int(row['people']):,} people: {why} had the outcome)"
                )
    if separated:
        return unfitted(
            "separation: " + "; ".join(separated) + " predicts the outcome perfectly; merge the level with"
            " another (COL:bands=…) or leave the driver out"
        )

    group_levels = [name for name in in_model if name != reference]
    g = kept[group].to_numpy()
    driver_names, driver_matrix = design(kept, terms, resolved)
    x = np.column_stack(
        [np.ones(len(kept)), *[(g == level).astype(np.float64) for level in group_levels], driver_matrix]
    )
    column_names = ["(Intercept)", *[f"{group}[{level}]" for level in group_levels], *driver_names]
    gram = x.T @ (x * kept["people"].to_numpy(dtype=np.float64)[:, None])
    scale = np.sqrt(np.maximum(np.diag(gram), 1e-300))
    eigenvalues, eigenvectors = np.linalg.eigh(gram / np.outer(scale, scale))
    if eigenvalues.min() < 1e-10 * max(eigenvalues.max(), 1.0):
        vector = eigenvectors[:, int(np.argmin(eigenvalues))]
        involved = [column_names[j] for j in np.flatnonzero(np.abs(vector) > 0.05)]
        return unfitted(
            "the group and drivers overlap so that their effects cannot be told apart: "
            + ", ".join(involved)
            + " are linearly dependent"
        )
    squares = None if weight is None else (kept["w2_event"].to_numpy(), kept["w2_none"].to_numpy())
    fit = newton(x, kept["n"].to_numpy(dtype=np.float64), kept["events"].to_numpy(dtype=np.float64), squares)
    with np.errstate(invalid="ignore"):
        bse = np.sqrt(np.diag(fit.cov))
    spread = np.max(np.abs(x), axis=0)
    runaway = [
        column_names[j]
        for j in range(1, len(column_names))
        if not np.isfinite(fit.params[j]) or abs(fit.params[j]) * spread[j] > SEPARATION
    ]
    if runaway or not fit.converged or not np.all(np.isfinite(bse)):
        named = ", ".join(runaway) if runaway else "the fit did not converge"
        return unfitted(
            f"perfect prediction (separation): the estimates run off to infinity along {named}; band or"
            " merge those drivers' values, or leave them out"
        )

    z = critical_value(alpha)
    n_cells = kept["n"].to_numpy(dtype=np.float64)
    total = n_cells.sum()
    first_group = 1

    def standardised(level: Hashable) -> tuple[float, FloatArray]:
        assigned = x.copy()
        assigned[:, first_group : first_group + len(group_levels)] = 0.0
        if level != reference:
            assigned[:, first_group + group_levels.index(level)] = 1.0
        p = special.expit(assigned @ fit.params)
        mean = float(n_cells @ p / total)
        gradient = assigned.T @ (n_cells * p * (1 - p)) / total
        return mean, gradient

    reference_mean, reference_gradient = standardised(reference)
    adjusted = {column: np.full(len(names), np.nan) for column in ADJUSTED_COLUMNS}

    for i, name in enumerate(names):
        if name == reference:
            adjusted["adjusted_odds_ratio"][i] = adjusted["adjusted_relative_rate"][i] = 1.0
            continue
        if name not in in_model or people_in[i] < min_n or people_in[at] < min_n:
            continue
        j = first_group + group_levels.index(name)
        beta, se = fit.params[j], bse[j]
        mean, gradient = standardised(name)
        direction = gradient / mean - reference_gradient / reference_mean
        log_se = float(np.sqrt(direction @ fit.cov @ direction))
        log_ratio = math.log(mean / reference_mean)
        figures = [
            math.exp(beta),
            math.exp(beta - z * se),
            math.exp(beta + z * se),
            math.exp(log_ratio),
            math.exp(log_ratio - z * log_se),
            math.exp(log_ratio + z * log_se),
            float(2 * special.ndtr(-abs(beta / se))),
        ]
        for column, value in zip(ADJUSTED_COLUMNS, figures, strict=True):
            adjusted[column][i] = value
    for column, values in adjusted.items():
        table[column] = values
    table["note"] = ["; ".join(notes[name]) for name in names]
    coefficients = pd.DataFrame(
        {"estimate": fit.params, "std_error": bse}, index=pd.Index(column_names, name="term")
    )
    predictor = Predictor(
        params=fit.params, group=group, groups=group_levels, terms=terms, resolved=resolved, fixed=fixed
    )
    comparison = AdjustedComparison(
        table=table,
        fitted=True,
        cells=len(kept),
        people=int(kept["people"].sum()),
        standard_population="everyone in the model (every group but those in which nobody or everybody had"
        " the outcome), with their own drivers' values",
    )
    return Model(comparison, text, coefficients, predictor)
