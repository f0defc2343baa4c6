"""Unit comparison: observed against expected events per unit, and the funnel plot's control limits.

A unit (region, PDU or team) with expected count E (from the national model with the measure's drivers,
see :func:`evenhand.equality.stats.adjust.expected_events`) and observed count O is plotted at (E, O/E).
If the unit is "in control", O is a Poisson count with mean E, and the control limits mark where O/E falls
with probability 95% and 99.8% under that assumption, about 2 and 3 standard errors either side of 1.
"""

from collections.abc import Hashable, Iterable, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats
from statsmodels.stats.rates import confint_poisson, test_poisson

from .common import FloatArray, check_alpha, check_min_n, counts, critical_value, join_notes, labels

LIMITS = (0.95, 0.998)


def limit_columns(level: float) -> tuple[str, str]:
    """The names of the lower and upper limit columns for a level: ``("lower_95", "upper_95")`` for 0.95,
    ``("lower_99.8", "upper_99.8")`` for 0.998."""
    label = f"{level * 100:g}"
    return f"lower_{label}", f"upper_{label}"


def outside_column(level: float) -> str:
    """The name of the column saying whether a unit is outside the limits at ``level``: ``outside_95``."""
    return f"outside_{level * 100:g}"


def _check_levels(limits: Sequence[float]) -> list[float]:
    levels = list(limits)
    if not levels or any(not 0 < level < 1 for level in levels):
        raise ValueError(
            f"limits must be coverage levels between 0 and 1, such as (0.95, 0.998), not {limits!r}"
        )
    if sorted(levels) != levels or len(set(levels)) != len(levels):
        raise ValueError(f"limits must be distinct and in increasing order, not {limits!r}")
    return levels


def _expected(values: ArrayLike) -> FloatArray:
    expected = np.asarray(values, dtype=np.float64)
    if expected.ndim != 1:
        raise ValueError(f"expected must be a one-dimensional list, not an array of shape {expected.shape}")
    if not np.all(np.isfinite(expected)) or np.any(expected < 0):
        raise ValueError("expected counts must be finite and 0 or more")
    return expected


def _poisson_quantile_limit(expected: FloatArray, p: float) -> FloatArray:
    """Spiegelhalter's interpolated p-quantile of O/E for O ~ Poisson(E), for E > 0."""
    # r_p: the smallest r with F(r) ≥ p. scipy's ppf gives it; one step each way guards against rounding.
    r = stats.poisson.ppf(p, expected)
    r = np.where(stats.poisson.cdf(r - 1, expected) >= p, r - 1, r)
    r = np.where(stats.poisson.cdf(r, expected) < p, r + 1, r)
    share = (stats.poisson.cdf(r, expected) - p) / stats.poisson.pmf(r, expected)
    return np.maximum((r - share) / expected, 0.0)


def funnel_limits(expected: ArrayLike, *, limits: Sequence[float] = LIMITS) -> pd.DataFrame:
    """Control limits for O/E at each expected count, for each coverage level in ``limits``.

    For level L the limits are the (1 - L)/2 and (1 + L)/2 quantiles of O/E when O ~ Poisson(E), made
    continuous in E by Spiegelhalter's interpolation: with F the Poisson(E) distribution function and r_p
    the smallest count with F(r_p) ≥ p::

        w = (F(r_p) - p) / (F(r_p) - F(r_p - 1)),   limit_p = (r_p - w) / E

    so the limit moves smoothly between the integer quantiles instead of jumping (a lower limit below 0 is
    shown as 0). Returns a frame with the column ``expected`` and, per level, ``lower_95``/``upper_95``
    style columns (see :func:`limit_columns`). Where E = 0 the limits are NaN.

    References: D. J. Spiegelhalter (2005), "Funnel plots for comparing institutional performance",
    Statistics in Medicine 24:1185-1202, appendix A.1.2; B. N. Manktelow, S. E. Seaton (2012), "Specifying
    the probability characteristics of funnel plot control limits", PLoS ONE 7:e45723.
    """
    levels = _check_levels(limits)
    values = _expected(expected)
    table = pd.DataFrame({"expected": values})
    some = values > 0
    for level in levels:
        lower, upper = np.full(values.shape, np.nan), np.full(values.shape, np.nan)
        lower[some] = _poisson_quantile_limit(values[some], (1 - level) / 2)
        upper[some] = _poisson_quantile_limit(values[some], (1 + level) / 2)
        low_name, high_name = limit_columns(level)
        table[low_name], table[high_name] = lower, upper
    return table


def funnel_curve(
    max_expected: float,
    *,
    min_expected: float = 0.5,
    points: int = 200,
    limits: Sequence[float] = LIMITS,
) -> pd.DataFrame:
    """The funnel for a plot: :func:`funnel_limits` at ``points`` expected counts spaced evenly on a log scale
    from ``min_expected`` to ``max_expected`` (the largest unit's E), so the narrow end is drawn as finely
    as the wide end."""
    if not 0 < min_expected < max_expected or not np.isfinite(max_expected):
        raise ValueError(
            f"the curve needs 0 < min_expected < max_expected, not {min_expected!r} and {max_expected!r}"
        )
    if points < 2:
        raise ValueError(f"the curve needs at least 2 points, not {points!r}")
    return funnel_limits(np.geomspace(min_expected, max_expected, points), limits=limits)


def unit_comparison(
    observed: ArrayLike,
    expected: ArrayLike,
    *,
    units: Iterable[Hashable],
    limits: Sequence[float] = LIMITS,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Each unit's observed against expected events: ratio, interval, p-value and position in the funnel.

    Returns one row per unit, indexed by ``unit`` in the order given, with the columns:

    - ``observed``, ``expected`` and ``ratio`` = O/E;
    - ``ratio_low``, ``ratio_high``: the exact (Garwood) 1 - ``alpha`` interval for O/E, from the chi-square
      quantiles χ²(alpha/2; 2O)/2E and χ²(1 - alpha/2; 2O + 2)/2E (statsmodels ``confint_poisson``, "exact-c");
    - ``p_value``: the exact two-sided Poisson test of O/E = 1, twice the smaller tail
      min(1, 2·min(P(X ≤ O), P(X ≥ O))) for X ~ Poisson(E) (statsmodels ``test_poisson``, "exact-c"),
      so p < ``alpha`` exactly when the interval excludes 1;
    - per level in ``limits``: the control limits at this unit's E (:func:`funnel_limits`) and
      ``outside_95``-style booleans, true when O/E is strictly beyond either limit;
    - ``direction``: "above" or "below" when the unit is outside the narrowest limits, else "";
    - ``note``: empty, or why there is no ratio (no events were expected).

    The ``outside_*`` columns describe the picture: because O is a whole number and the limits are
    interpolated, a unit just outside a plotted 95% limit can have p slightly above 0.05. Decide which units
    to list with ``p_value`` and :func:`evenhand.equality.stats.multiple.bh_qvalues` across the report, so
    that false discoveries are controlled as everywhere else.

    Reference: D. J. Spiegelhalter (2005), Statistics in Medicine 24:1185-1202; F. Garwood (1936),
    "Fiducial limits for the Poisson distribution", Biometrika 28:437-442.
    """
    check_alpha(alpha)
    levels = _check_levels(limits)
    shape = np.shape(observed)
    if len(shape) != 1:
        raise ValueError(f"observed must be a one-dimensional list of counts, not an array of shape {shape}")
    names = labels(units, shape[0], "units")
    observed_counts = counts(observed, "observed", names)
    values = _expected(expected)
    if values.shape != observed_counts.shape:
        raise ValueError(f"observed has {observed_counts.size} units but expected has {values.size}")

    some = values > 0
    ratio = np.full(values.shape, np.nan)
    low, high, p = ratio.copy(), ratio.copy(), ratio.copy()
    ratio[some] = observed_counts[some] / values[some]
    if some.any():
        low[some], high[some] = confint_poisson(
            observed_counts[some], values[some], method="exact-c", alpha=alpha
        )
        p[some] = test_poisson(observed_counts[some], values[some], 1.0, method="exact-c").pvalue
    table = pd.DataFrame(
        {
            "observed": observed_counts,
            "expected": values,
            "ratio": ratio,
            "ratio_low": low,
            "ratio_high": high,
            "p_value": np.minimum(p, 1.0),
        },
        index=pd.Index(names, name="unit", dtype=object),
    )
    funnel = funnel_limits(values, limits=levels)
    with np.errstate(invalid="ignore"):
        for level in levels:
            low_name, high_name = limit_columns(level)
            lower, upper = funnel[low_name].to_numpy(), funnel[high_name].to_numpy()
            table[low_name], table[high_name] = lower, upper
            table[outside_column(level)] = (ratio < lower) | (ratio > upper)
        low_name, high_name = limit_columns(levels[0])
        direction = np.where(
            ratio > table[high_name].to_numpy(),
            "above",
            np.where(ratio < table[low_name].to_numpy(), "below", ""),
        )
    table["direction"] = direction.astype(object)
    none_expected = np.where(some, "", "no events were expected, so there is no ratio").astype(object)
    table["note"] = join_notes(none_expected)
    return table


def binomial_limits(
    expected: ArrayLike, variance: ArrayLike, *, limits: Sequence[float] = LIMITS
) -> pd.DataFrame:
    """Control limits for O/E when O is a sum of independent yes/no outcomes with the model's probabilities.

    Then E = Σ p and Var(O) = V = Σ p(1 - p), and for level L the limits are the normal approximation
    ``1 ± z·√V / E`` with z = Φ⁻¹((1 + L)/2) (a lower limit below 0 is shown as 0). V is smaller than E, the
    Poisson variance, by the factor 1 - p̄, so these limits are the right width for common outcomes (a
    recall rate of 40%) where Poisson limits would be too wide. Returns the columns of
    :func:`funnel_limits`; where E or V is 0 the limits are NaN.

    Reference: Spiegelhalter (2005), section 3.2 (indirectly standardised proportions).
    """
    levels = _check_levels(limits)
    values = _expected(expected)
    spread = _expected(variance)
    if spread.shape != values.shape:
        raise ValueError(f"expected has {values.size} values but variance has {spread.size}")
    table = pd.DataFrame({"expected": values})
    some = (values > 0) & (spread > 0)
    for level in levels:
        z = stats.norm.ppf((1 + level) / 2)
        half = np.full(values.shape, np.nan)
        half[some] = z * np.sqrt(spread[some]) / values[some]
        low_name, high_name = limit_columns(level)
        table[low_name], table[high_name] = np.maximum(1 - half, 0.0), 1 + half
    return table


def binomial_curve(
    max_expected: float,
    dispersion: float,
    *,
    min_expected: float = 0.5,
    points: int = 200,
    limits: Sequence[float] = LIMITS,
) -> pd.DataFrame:
    """The funnel to draw for :func:`binomial_comparison`: :func:`binomial_limits` along E, with the variance
    taken as ``dispersion · E`` (the national V/E, which is 1 - the mean probability)."""
    if not 0 < dispersion <= 1:
        raise ValueError(f"dispersion must be in (0, 1], not {dispersion!r}")
    if not 0 < min_expected < max_expected or not np.isfinite(max_expected):
        raise ValueError(
            f"the curve needs 0 < min_expected < max_expected, not {min_expected!r} and {max_expected!r}"
        )
    along = np.geomspace(min_expected, max_expected, points)
    return binomial_limits(along, dispersion * along, limits=limits)


def binomial_comparison(
    observed: ArrayLike,
    expected: ArrayLike,
    variance: ArrayLike,
    n: ArrayLike,
    *,
    units: Iterable[Hashable] | None = None,
    min_n: int = 30,
    limits: Sequence[float] = LIMITS,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Each unit's observed against expected events when every person's outcome is yes or no.

    With the national model's probability p for each of the unit's n people, E = Σ p and V = Σ p(1 - p):

    - ``ratio`` = O/E, with the interval (O ∓ z·√V)/E and the limits of :func:`binomial_limits`;
    - ``p_value``: the score test of "this unit is like the nation", z = (O - E)/√V, two-sided, so the unit
      is outside the 95% limits exactly when p < 0.05;
    - ``odds_ratio``: the one-step (Peto) estimate of the odds multiplier θ in logit p' = logit p + ln θ,
      ln θ ≈ (O - E)/V, with the interval exp((O - E)/V ± z/√V). The materiality band is applied to it (an
      odds multiplier of 1.5 on a 40% rate is a rate ratio of only 1.25, at the edge of the band);
    - ``outside_95``-style columns and ``direction`` as in :func:`unit_comparison`; ``note``.

    Rows are indexed by ``units`` (0, 1, … when none are given). A unit with fewer than ``min_n`` people, or fewer than 5 expected events or non-events (where the normal
    approximation is poor), keeps O and E but gets no ratio interval, test or odds ratio, and says why.

    References: Spiegelhalter (2005); S. Yusuf, R. Peto et al. (1985), "Beta blockade during and after
    myocardial infarction", Prog Cardiovasc Dis 27:335-371 (the one-step odds ratio); Agresti (2013) §1.3.
    """
    check_alpha(alpha)
    check_min_n(min_n)
    levels = _check_levels(limits)
    shape = np.shape(observed)
    if len(shape) != 1:
        raise ValueError(f"observed must be a one-dimensional list of counts, not an array of shape {shape}")
    names = labels(units, shape[0], "units")
    observed_counts = counts(observed, "observed", names)
    people = counts(n, "n", names)
    values, spread = _expected(expected), _expected(variance)
    if not values.shape == spread.shape == observed_counts.shape == people.shape:
        raise ValueError("observed, expected, variance and n must have one value per unit")
    if np.any(observed_counts > people) or np.any(values > people + 1e-9):
        raise ValueError("a unit cannot have more events, observed or expected, than people")

    z = critical_value(alpha)
    tested = (people >= min_n) & (values >= 5) & (people - values >= 5) & (spread > 0)
    ratio = np.full(values.shape, np.nan)
    some = values > 0
    ratio[some] = observed_counts[some] / values[some]
    nan = np.full(values.shape, np.nan)
    low, high, p, odds, odds_low, odds_high = (nan.copy() for _ in range(6))
    root = np.sqrt(spread[tested])
    excess = observed_counts[tested] - values[tested]
    low[tested] = np.maximum(observed_counts[tested] - z * root, 0.0) / values[tested]
    high[tested] = (observed_counts[tested] + z * root) / values[tested]
    p[tested] = 2 * stats.norm.sf(np.abs(excess) / root)
    log_odds = excess / spread[tested]
    odds[tested] = np.exp(log_odds)
    odds_low[tested], odds_high[tested] = np.exp(log_odds - z / root), np.exp(log_odds + z / root)
    table = pd.DataFrame(
        {
            "n": people,
            "observed": observed_counts,
            "expected": values,
            "variance": spread,
            "ratio": ratio,
            "ratio_low": low,
            "ratio_high": high,
            "odds_ratio": odds,
            "odds_ratio_low": odds_low,
            "odds_ratio_high": odds_high,
            "p_value": p,
        },
        index=pd.Index(names, name="unit", dtype=object),
    )
    funnel = binomial_limits(values, spread, limits=levels)
    with np.errstate(invalid="ignore"):
        for level in levels:
            low_name, high_name = limit_columns(level)
            lower, upper = funnel[low_name].to_numpy(), funnel[high_name].to_numpy()
            table[low_name], table[high_name] = lower, upper
            table[outside_column(level)] = tested & ((ratio < lower) | (ratio > upper))
        low_name, high_name = limit_columns(levels[0])
        direction = np.where(
            tested & (ratio > table[high_name].to_numpy()),
            "above",
            np.where(tested & (ratio < table[low_name].to_numpy()), "below", ""),
        )
    table["direction"] = direction.astype(object)
    why = np.select(
        [tested, people < min_n, values < 5, people - values < 5],
        [
            "",
            f"fewer than {min_n} people",
            "fewer than 5 events expected",
            "fewer than 5 non-events expected",
        ],
        default="the model gives these people no uncertainty",
    ).astype(object)
    table["note"] = join_notes(why)
    return table
