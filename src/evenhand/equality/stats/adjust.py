"""Adjusted comparison: how much of a gap between groups the legitimate drivers of a decision explain.

A logistic regression of the outcome on the group and the measure's legitimate drivers (tier, risk of
serious harm, offence group, age band, …, all treated as categories)::

    logit P(event) = β₀ + β_g + Σ_k c_{k, level of driver k}

gives the adjusted odds ratio exp(β_g) of each group against the reference (β_ref = 0), and, by marginal
standardisation, the adjusted relative rate. Both are reported beside the crude figures.

**Aggregated rows.** Everyone with the same group and driver levels has the same fitted probability, so the
model is fitted on one row per combination (a "cell": people n and events e) as a binomial GLM with the
two-column response (e, n - e). Its likelihood is the person-level likelihood up to a constant, so the
estimates and their covariance are the same as a person-level fit, and a national population of millions
becomes a few thousand cells. Person-level frames are aggregated to cells first.

**Empty cells and separation.** A group, or a level of a driver, in which nobody (or everybody) had the event
drives its coefficient to -∞ (or +∞), and maximum likelihood does not converge. Such a *group* is left out
of the model and its row says why. Such a *driver level* is left out too, and listed in
``AdjustedComparison.dropped``: in the limit its people's fitted probability is exactly 0 (or 1) whatever
their group, and the remaining coefficients are the limit of the full fit, so nothing is lost. If the model
still cannot be fitted (the drivers fix the group, or the fit does not converge), the crude figures are
returned with the reason, not an error.

References: A. Agresti, Categorical Data Analysis, 3rd ed. (2013), §5.1 and §6.5 (grouped binomial data,
infinite estimates); A. J. Localio, D. J. Margolis, J. A. Berlin (2007), "Relative risks and confidence
intervals were easily computed indirectly from multivariable logistic regression", Journal of Clinical
Epidemiology 60:874-882; C. J. Muller, R. F. MacLehose (2014), "Estimating predicted probabilities from
logistic regression: different methods correspond to different target populations", International Journal
of Epidemiology 43:962-970.
"""

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import special

from .common import FloatArray, check_alpha, check_min_n, critical_value
from .compare import compare_counts
from .grouping import IntpArray, codes_of, sum_by

# A log-odds coefficient or standard error beyond this means the fit ran off towards a separated solution
# (an odds ratio of e^20 ≈ 5e8 is not an estimate of anything), not that it found one.
SEPARATION = 20.0
STANDARD_POPULATION = "everyone in the frame, except the members of any group left out of the model, with their own driver levels"

# The adjusted figures an AdjustedComparison's table carries, beside the crude ones.
ADJUSTED_COLUMNS = [
    "adjusted_odds_ratio",
    "adjusted_odds_ratio_low",
    "adjusted_odds_ratio_high",
    "adjusted_relative_rate",
    "adjusted_relative_rate_low",
    "adjusted_relative_rate_high",
    "adjusted_p_value",
]


@dataclass(frozen=True)
class AdjustedComparison:
    """The crude and adjusted comparison of each group with the reference.

    ``table`` has one row per group, indexed by ``group`` in order of first appearance, with the columns
    ``n``, ``events``, ``rate``, ``is_reference``; the crude figures ``crude_relative_rate`` (with
    ``_low``/``_high``), ``crude_odds_ratio`` (with ``_low``/``_high``) and ``crude_p_value`` as in
    :func:`~evenhand.equality.stats.compare.compare_groups`; the adjusted figures ``adjusted_odds_ratio``,
    ``adjusted_relative_rate`` (each with ``_low``/``_high``) and ``adjusted_p_value`` (Wald test of
    β_g = 0, which is also the test of an adjusted relative rate of 1); and ``note``.

    ``fitted`` is false when no model could be fitted, with ``reason`` saying why; ``dropped`` lists the
    driver levels left out of the model (columns ``covariate``, ``level``, ``n``, ``events``, ``why``);
    ``cells`` and ``people`` count what the model was fitted on; ``standard_population`` says over whom
    the adjusted relative rate is standardised.
    """

    table: pd.DataFrame
    fitted: bool
    reason: str = ""
    dropped: pd.DataFrame = field(default_factory=lambda: _dropped_frame([]))
    cells: int = 0
    people: int = 0
    standard_population: str = STANDARD_POPULATION


class ModelNotFitted(ValueError):
    """The logistic regression could not be fitted; the message says why."""


@dataclass(frozen=True)
class _Fit:
    columns: list[tuple[str, Hashable]]  # (factor, level) for each coefficient after the intercept
    params: FloatArray
    cov: NDArray[np.float64]
    bse: FloatArray
    pvalues: FloatArray
    kept: pd.DataFrame  # the cells fitted
    fixed: pd.DataFrame  # cells left out with their driver level, with their fixed probability "p"
    dropped: pd.DataFrame


def _cells(frame: pd.DataFrame, *, outcome: str, columns: list[str], people: str | None) -> pd.DataFrame:
    """One row per combination of ``columns`` with its people ``n`` and ``events``; empty cells dropped."""
    wanted = [*columns, outcome, *([people] if people else [])]
    missing = [column for column in wanted if column not in frame.columns]
    if missing:
        raise ValueError(
            f"the frame has no column {', '.join(map(repr, missing))}; it has {list(frame.columns)}"
        )
    for column in columns:
        if frame[column].isna().any():
            raise ValueError(
                f"column {column!r} has missing values; record them as a level of their own"
                " (such as 'not recorded') so that nobody drops out of the comparison unseen"
            )
    if people is None:
        values = frame[outcome]
        if values.isna().any() or not values.isin([0, 1]).all():
            raise ValueError(
                f"outcome {outcome!r} must be 0 or 1 (or true/false) for each person;"
                " for aggregated rows give the column of people as people="
            )
        n = np.ones(len(frame), dtype=np.int64)
        events = values.to_numpy().astype(np.int64)
    else:
        n, events = _aggregated_counts(frame, outcome, people)
    table = frame[columns].copy()
    table["n"], table["events"] = n, events
    # The order of the cells does not matter to a fit, and sorting a national table's cells costs time.
    cells = sum_by(table, columns, ["n", "events"], sort=False)
    return cells[cells["n"] > 0].reset_index(drop=True)


def _aggregated_counts(
    frame: pd.DataFrame, outcome: str, people: str
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    n = frame[people].to_numpy(dtype=np.float64, na_value=np.nan)
    events = frame[outcome].to_numpy(dtype=np.float64, na_value=np.nan)
    for values, name in ((n, people), (events, outcome)):
        if not np.all(np.isfinite(values)) or np.any(values < 0) or np.any(values != np.floor(values)):
            raise ValueError(f"column {name!r} must hold whole counts, 0 or more, with none missing")
    if np.any(events > n):
        at = int(np.flatnonzero(events > n)[0])
        raise ValueError(f"row {at} has more events ({events[at]:g}) than people ({n[at]:g})")
    return n.astype(np.int64), events.astype(np.int64)


def _dropped_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["covariate", "level", "n", "events", "why"])


def _leave_out_certain_levels(
    cells: pd.DataFrame, covariates: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Drop, until none is left, every driver level in which nobody or everybody had the event.

    Returns the cells kept, the cells left out (with ``p`` = 0 or 1, their fitted probability in the limit),
    and the list of levels left out.
    """
    n = cells["n"].to_numpy(dtype=np.float64)
    events = cells["events"].to_numpy(dtype=np.float64)
    coded = [(covariate, *codes_of(cells[covariate])) for covariate in covariates]
    alive = np.ones(len(cells), dtype=bool)
    fixed = np.full(len(cells), np.nan)  # the probability a left-out cell is fixed at
    dropped: list[dict[str, object]] = []
    changed = True
    while changed and alive.any():
        changed = False
        for covariate, codes, values in coded:
            people = np.bincount(codes[alive], weights=n[alive], minlength=len(values))
            happened = np.bincount(codes[alive], weights=events[alive], minlength=len(values))
            for certain, p, why in (
                ((people > 0) & (happened == 0), 0.0, "nobody had the event"),
                ((people > 0) & (happened == people), 1.0, "everybody had the event"),
            ):
                for code in np.flatnonzero(certain):
                    dropped.append(
                        {
                            "covariate": covariate,
                            "level": values[code],
                            "n": int(people[code]),
                            "events": int(happened[code]),
                            "why": why,
                        }
                    )
                leaving = alive & certain[codes]
                if leaving.any():
                    fixed[leaving] = p
                    alive &= ~leaving
                    changed = True
    kept = cells[alive]
    fixed_cells = cells[~alive].assign(p=fixed[~alive])
    return kept.reset_index(drop=True), fixed_cells, _dropped_frame(dropped)


class _Design:
    """The model matrix X: an intercept, then one 0/1 column per (factor, level) in ``columns``; a row whose
    level has no column (the factor's base) has 0 in all of that factor's columns.

    X is kept as, per factor, the column each row has its 1 in, not as a matrix: each row has one 1 per
    factor, so Xβ is a sum of look-ups, Xᵀv one ``bincount`` per factor, and XᵀWX one ``bincount`` per pair
    of factors (a weighted cross-tabulation), several times faster than sparse matrix products."""

    def __init__(self, cells: pd.DataFrame, columns: list[tuple[str, Hashable]]) -> None:
        positions: dict[str, dict[Hashable, int]] = {}
        for j, (factor, level) in enumerate(columns, start=1):
            positions.setdefault(factor, {})[level] = j
        self.size = len(columns) + 1
        none = self.size  # a slot past the last column: a base level, which has no column
        self.rows = len(cells)
        self.factors = [np.zeros(self.rows, dtype=np.intp)]  # the intercept's column, 0, in every row
        for factor, where in positions.items():
            codes, values = codes_of(cells[factor])
            lookup = np.array([where.get(value, none) for value in values] + [none], dtype=np.intp)
            self.factors.append(lookup[codes])
        self._pairs: list[IntpArray] | None = None

    def __matmul__(self, beta: FloatArray) -> FloatArray:
        """Xβ."""
        padded = np.append(beta, 0.0)
        eta = np.full(self.rows, beta[0])
        for column in self.factors[1:]:
            eta += padded[column]
        return eta

    def transposed_times(self, values: FloatArray) -> FloatArray:
        """Xᵀv."""
        total = np.zeros(self.size + 1)
        for column in self.factors:
            total += np.bincount(column, weights=values, minlength=self.size + 1)
        return total[: self.size]

    def cross_product(self, weights: FloatArray) -> NDArray[np.float64]:
        """XᵀWX, W = diag(weights), as a dense matrix. A 0/1 column times itself is itself, so the diagonal
        and the intercept's row are Xᵀw; each pair of factors adds its weighted cross-tabulation."""
        width = self.size + 1
        if self._pairs is None:
            factors = self.factors[1:]
            self._pairs = [
                first * width + second for i, first in enumerate(factors) for second in factors[i + 1 :]
            ]
        pairs = np.zeros(width * width)
        for pair in self._pairs:
            pairs += np.bincount(pair, weights=weights, minlength=width * width)
        square = pairs.reshape(width, width)[: self.size, : self.size]
        product = square + square.T
        sums = self.transposed_times(weights)
        product[0, :] = product[:, 0] = sums
        product[np.diag_indices(self.size)] = sums
        return product


def _full_rank(x: _Design) -> tuple[bool, int]:
    """Whether the columns of X are linearly independent, from the eigenvalues of XᵀX (cheap for a tall
    0/1 design, unlike a decomposition of X itself)."""
    eigenvalues = np.linalg.eigvalsh(x.cross_product(np.ones(x.rows)))
    tolerance = eigenvalues.max(initial=0.0) * 1e-11
    rank = int(np.sum(eigenvalues > tolerance))
    return rank == x.size, rank


@dataclass
class _Newton:
    params: FloatArray
    cov: NDArray[np.float64]
    converged: bool


def _logistic(x: _Design, events: FloatArray, n: FloatArray) -> _Newton:
    """Maximum likelihood for the binomial GLM with logit link on aggregated cells, by Newton-Raphson
    (identical to IRLS for the canonical link): β ← β + (XᵀWX)⁻¹ Xᵀ(y - np), W = n·p(1 - p), starting from
    the intercept-only estimate, halving a long step (any coefficient moving more than 0.5) that lowers the
    likelihood, until the largest change in β is below 1e-10. The covariance is (XᵀWX)⁻¹ at the estimate.

    statsmodels' GLM gives the same estimates and covariance (the tests check them to 1e-8 and 1e-6) but
    decomposes the whole tall design matrix at every iteration and at set-up; on a national table of 60,000
    cells that is seconds per measure, where XᵀWX from :class:`_Design` is milliseconds. Reference:
    A. Agresti, Categorical Data Analysis (2013), §4.6.
    """

    def log_likelihood(eta: FloatArray) -> float:
        return float(events @ eta - n @ np.logaddexp(0.0, eta))

    beta = np.zeros(x.size)
    total, happened = n.sum(), events.sum()
    if 0 < happened < total:
        beta[0] = np.log(happened / (total - happened))  # the intercept-only estimate: a step or two fewer
    eta = x @ beta
    current = log_likelihood(eta)
    converged = False
    for _ in range(100):
        p = special.expit(eta)
        information = x.cross_product(n * p * (1 - p))
        score = x.transposed_times(events - n * p)
        try:
            step = np.linalg.solve(information, score)
        except np.linalg.LinAlgError:
            break
        for _ in range(30):
            trial = beta + step
            trial_eta = x @ trial
            if np.max(np.abs(step)) <= 0.5:
                break  # a short Newton step on this concave likelihood does not overshoot: no need to check
            value = log_likelihood(trial_eta)
            if value >= current - 1e-12 * abs(current):
                current = value
                break
            step /= 2
        beta, eta = trial, trial_eta
        if np.max(np.abs(beta), initial=0.0) > 2 * SEPARATION:
            break  # separated: the estimates run off to infinity
        if np.max(np.abs(step)) < 1e-10:
            converged = True
            break  # the information is that of the estimate: a step under 1e-10 changes nothing that matters
    if not converged:
        p = special.expit(eta)
        information = x.cross_product(n * p * (1 - p))
    try:
        cov = np.asarray(np.linalg.inv(information), dtype=np.float64)
    except np.linalg.LinAlgError:
        cov = np.full(information.shape, np.nan)
    return _Newton(params=beta, cov=cov, converged=converged)


def _fit(
    cells: pd.DataFrame, factors: Sequence[str], *, bases: dict[str, Hashable], free: Sequence[str]
) -> _Fit:
    """Fit the binomial GLM on cells, with each factor coded against its base level.

    ``free`` are the factors (the drivers) whose certain levels may be left out; a base not given is the
    factor's most common level, which changes no estimate of interest but keeps the others well determined.
    """
    kept, fixed, dropped = _leave_out_certain_levels(cells, free)
    if kept.empty:
        raise ModelNotFitted("in every level of the drivers nobody, or everybody, had the event")
    columns: list[tuple[str, Hashable]] = []
    people = kept["n"].to_numpy(dtype=np.float64)
    for factor in factors:
        codes, levels = codes_of(kept[factor])
        sizes = np.bincount(codes, weights=people, minlength=len(levels))
        base = bases.get(factor, levels[int(np.argmax(sizes))])
        columns += [
            (factor, level) for level, size in zip(levels, sizes, strict=True) if size > 0 and level != base
        ]
    x = _Design(kept, columns)
    full, rank = _full_rank(x)
    if not full:
        raise ModelNotFitted(
            "the groups and drivers overlap so that their effects cannot be told apart"
            f" (the design of {x.size} terms has rank {rank})"
        )
    events = kept["events"].to_numpy(dtype=np.float64)
    result = _logistic(x, events, kept["n"].to_numpy(dtype=np.float64))
    params = result.params
    with np.errstate(invalid="ignore"):
        bse = np.sqrt(np.diag(result.cov))
    finite = np.all(np.isfinite(params)) and np.all(np.isfinite(bse))
    if (
        not finite
        or np.max(np.abs(params[1:]), initial=0) > SEPARATION
        or np.max(bse, initial=0) > SEPARATION
    ):
        raise ModelNotFitted(
            "the model could not be fitted: some estimates run off to infinity (the data are separated)"
        )
    if not result.converged:
        raise ModelNotFitted("the model could not be fitted: the fit did not converge")
    return _Fit(
        columns=columns,
        params=params,
        cov=result.cov,
        bse=bse,
        pvalues=2 * special.ndtr(-np.abs(params / bse)),  # 2 scipy.stats.norm.sf(|z|)
        kept=kept,
        fixed=fixed,
        dropped=dropped,
    )


def _standardiser(
    fit: _Fit, *, group: str, covariates: Sequence[str]
) -> Callable[[Hashable], tuple[float, FloatArray]]:
    """For each group g: the mean predicted probability over the standard population with everyone
    assigned to g, and its gradient with respect to the coefficients. The standard population's design is
    built once; assigning g only switches g's column on."""
    if covariates:
        patterns = sum_by(fit.kept, covariates, ["n"])
    else:
        patterns = pd.DataFrame({"n": [fit.kept["n"].sum()]})
    drivers_only = [(factor, level) for factor, level in fit.columns if factor != group]
    base = _Design(patterns, drivers_only)
    where = [0] + [j for j, (factor, _) in enumerate(fit.columns, start=1) if factor != group]
    base_eta = base @ fit.params[where]
    weights = patterns["n"].to_numpy(dtype=np.float64)
    total = weights.sum() + fit.fixed["n"].sum()
    fixed_events = (fit.fixed["n"] * fit.fixed["p"]).sum()

    def standardised(assign: Hashable) -> tuple[float, FloatArray]:
        column = fit.columns.index((group, assign)) + 1 if (group, assign) in fit.columns else None
        eta = base_eta + (fit.params[column] if column is not None else 0.0)
        p = special.expit(eta)
        mean = (weights @ p + fixed_events) / total
        slope = weights * p * (1 - p)
        gradient = np.zeros(len(fit.params))
        gradient[where] = base.transposed_times(slope) / total
        if column is not None:
            gradient[column] = slope.sum() / total
        return float(mean), gradient

    return standardised


def adjusted_comparison(
    frame: pd.DataFrame,
    *,
    outcome: str,
    group: str,
    reference: Hashable,
    covariates: Sequence[str],
    people: str | None = None,
    min_n: int = 30,
    alpha: float = 0.05,
) -> AdjustedComparison:
    """Each group against the reference, crude and adjusted for the legitimate drivers ``covariates``.

    ``frame`` is either one row per person, with ``outcome`` 0 or 1 (or false/true), or one row per
    combination of group and drivers, with the number of people in the column named by ``people`` and the
    number of them with the event in ``outcome``. Both give the same answer.

    - Adjusted odds ratio: exp(β_g) from the logistic regression in the module docstring, with the Wald
      interval exp(β_g ± z·SE(β_g)) and Wald p-value.
    - Adjusted relative rate, by marginal standardisation: with P_g the mean predicted probability when
      everyone in the standard population is assigned group g and keeps their own driver levels,
      RR_g = P_g / P_ref. The standard population is the whole population compared (everyone in the frame
      except members of a group left out of the model), so the ratio answers "how would the rate differ if
      everyone were treated as group g rather than as the reference?". Its interval is exp(ln RR_g ± z·SE)
      with SE from the delta method, SE² = ∇ᵀ V ∇, ∇ = ∇P_g/P_g - ∇P_ref/P_ref, ∇P_g = (1/N) Σ_cells
      n·p(1 - p)·x and V the fitted covariance of the coefficients.

    Groups with fewer than ``min_n`` people stay in the model but get no adjusted figures, as with the crude
    ones. Driver levels are categories (numbers are treated as labels). Returns an
    :class:`AdjustedComparison`; raises ``ValueError`` for a missing column or value, bad counts, an unknown
    reference or a reference with no people.
    """
    check_alpha(alpha)
    check_min_n(min_n)
    covariates = list(covariates)
    if group in covariates:
        raise ValueError(f"the group column {group!r} cannot also be a driver to adjust for")
    if len(set(covariates)) != len(covariates):
        raise ValueError(f"each driver must be named once, not {covariates!r}")
    cells = _cells(frame, outcome=outcome, columns=[group, *covariates], people=people)
    names = list(pd.unique(frame[group]))
    totals = sum_by(cells, [group], ["n", "events"]).set_index(group).reindex(names, fill_value=0)
    if reference not in names:
        raise ValueError(
            f"reference group {reference!r} is not among the groups ({', '.join(map(repr, names))})"
        )
    at = names.index(reference)
    people_in = totals["n"].to_numpy(dtype=np.int64)
    events_in = totals["events"].to_numpy(dtype=np.int64)
    if people_in[at] == 0:
        raise ValueError(
            f"the reference group {reference!r} has no people, so nothing can be compared with it"
        )

    crude = compare_counts(names, people_in, events_in, at=at, min_n=min_n, alpha=alpha)
    table = comparison_table(crude)
    notes = {name: [str(crude.loc[name, "note"])] if crude.loc[name, "note"] else [] for name in names}

    uncertain = (events_in > 0) & (events_in < people_in)
    if not uncertain[at]:
        why = "nobody" if events_in[at] == 0 else "everybody"
        reason = f"{why} in the reference group had the event, so no model can compare the groups with it"
        return _unfitted(table, notes, reason)
    for i, name in enumerate(names):
        if not uncertain[i] and people_in[i] > 0:
            why = "nobody" if events_in[i] == 0 else "everybody"
            notes[name].append(f"{why} in the group had the event, so it is left out of the adjusted model")
    in_model = [name for i, name in enumerate(names) if uncertain[i]]
    # Leaving out a driver level can leave a group with a certain outcome among the people that remain;
    # such a group is left out in turn, until every group in the model has people with and without events.
    while True:
        kept, _, _ = _leave_out_certain_levels(cells[cells[group].isin(in_model)], covariates)
        remaining = sum_by(kept, [group], ["n", "events"]).set_index(group)
        certain = [
            name
            for name in in_model
            if name not in remaining.index or remaining.loc[name, "events"] in (0, remaining.loc[name, "n"])
        ]
        if not certain:
            break
        if reference in certain:
            return _unfitted(
                table,
                notes,
                "the reference group's outcome is certain within the driver levels that can be modelled",
            )
        for name in certain:
            notes[name].append(
                "the group's outcome is certain within the driver levels that can be modelled,"
                " so it is left out of the adjusted model"
            )
        in_model = [name for name in in_model if name not in certain]
    try:
        fit = _fit(
            cells[cells[group].isin(in_model)],
            [group, *covariates],
            bases={group: reference},
            free=covariates,
        )
    except ModelNotFitted as error:
        return _unfitted(table, notes, str(error))

    z = critical_value(alpha)
    standardised = _standardiser(fit, group=group, covariates=covariates)
    reference_mean, reference_gradient = standardised(reference)
    adjusted = {name: np.full(len(names), np.nan) for name in ADJUSTED_COLUMNS}
    for i, name in enumerate(names):
        if name == reference:
            adjusted["adjusted_odds_ratio"][i] = adjusted["adjusted_relative_rate"][i] = 1.0
            continue
        if name not in in_model or people_in[i] < min_n or people_in[at] < min_n:
            continue
        j = fit.columns.index((group, name)) + 1
        beta, se = fit.params[j], fit.bse[j]
        mean, gradient = standardised(name)
        log_ratio = np.log(mean / reference_mean)
        direction = gradient / mean - reference_gradient / reference_mean
        log_se = float(np.sqrt(direction @ fit.cov @ direction))
        figures = [
            np.exp(beta),
            np.exp(beta - z * se),
            np.exp(beta + z * se),
            np.exp(log_ratio),
            np.exp(log_ratio - z * log_se),
            np.exp(log_ratio + z * log_se),
            fit.pvalues[j],
        ]
        for column, value in zip(ADJUSTED_COLUMNS, figures, strict=True):
            adjusted[column][i] = value
    for column, values in adjusted.items():
        table[column] = values
    if len(fit.dropped):
        levels = ", ".join(f"{row.covariate}={row.level!r}" for row in fit.dropped.itertuples())
        for name in names:
            if name in in_model and name != reference:
                notes[name].append(f"left out of the model as certain: {levels}")
    table["note"] = ["; ".join(notes[name]) for name in names]
    return AdjustedComparison(
        table=table,
        fitted=True,
        dropped=fit.dropped,
        cells=len(fit.kept),
        people=int(fit.kept["n"].sum()),
    )


def comparison_table(crude: pd.DataFrame) -> pd.DataFrame:
    """An :class:`AdjustedComparison`'s table before the model: the counts, the rate and the crude
    figures of ``crude`` (a :func:`~evenhand.equality.stats.compare.compare_groups` table), with the
    adjusted columns empty."""
    table = pd.DataFrame(
        {
            "n": crude["n"],
            "events": crude["events"],
            "rate": crude["rate"],
            "is_reference": crude["is_reference"],
            **{
                f"crude_{name}": crude[name]
                for name in (
                    "relative_rate",
                    "relative_rate_low",
                    "relative_rate_high",
                    "odds_ratio",
                    "odds_ratio_low",
                    "odds_ratio_high",
                    "p_value",
                )
            },
        }
    )
    for name in ADJUSTED_COLUMNS:
        table[name] = np.nan
    return table


def _unfitted(table: pd.DataFrame, notes: dict[Hashable, list[str]], reason: str) -> AdjustedComparison:
    table["note"] = ["; ".join([*notes[name], "no adjusted figures: " + reason]) for name in table.index]
    return AdjustedComparison(table=table, fitted=False, reason=reason)


def expected_events(
    frame: pd.DataFrame,
    *,
    outcome: str,
    covariates: Sequence[str],
    by: Sequence[str],
    people: str | None = None,
) -> pd.DataFrame:
    """Observed and expected events per unit (or per unit and group), by indirect standardisation.

    Fits the national logistic regression of the outcome on ``covariates`` (categories, as in
    :func:`adjusted_comparison`; include the group among them for an expectation that allows for the
    national group gap, leave it out for one that does not), predicts each person's probability, and sums
    over the rows of each combination of the ``by`` columns: E = Σ p̂, O = Σ events. With no covariates,
    E = n * the national rate. People in a driver level where nobody (everybody) had the event are expected
    to have 0 (1) events. Returns a frame indexed by the ``by`` columns with ``n``, ``observed``,
    ``expected`` and ``variance`` (Σ p̂(1 - p̂), the variance of O if the unit is like the nation), ready for :func:`evenhand.equality.stats.funnel.unit_comparison`.

    Raises :class:`ModelNotFitted` (a ``ValueError``) when the national model cannot be fitted, and
    ``ValueError`` for missing columns or values and bad counts.
    """
    covariates, by = list(covariates), list(by)
    if not by:
        raise ValueError("by must name at least one column to sum the expected events over")
    columns = list(dict.fromkeys([*by, *covariates]))
    cells = _cells(frame, outcome=outcome, columns=columns, people=people)
    if covariates:
        national = sum_by(cells, covariates, ["n", "events"])
    else:
        national = cells[["n", "events"]].sum().to_frame().T
    total, happened = int(national["n"].sum()), int(national["events"].sum())
    if happened in (0, total):
        p = np.full(len(cells), 0.0 if happened == 0 else 1.0)
    else:
        fit = _fit(national, covariates, bases={}, free=covariates)
        p = special.expit(_Design(cells, fit.columns) @ fit.params)
        for row in fit.dropped.itertuples():
            p[(cells[row.covariate] == row.level).to_numpy()] = 0.0 if row.events == 0 else 1.0
    cells = cells.assign(expected=cells["n"] * p, variance=cells["n"] * p * (1 - p))
    result = sum_by(cells, by, ["n", "events", "expected", "variance"]).set_index(by)
    return result.rename(columns={"events": "observed"})
