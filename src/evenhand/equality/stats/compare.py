"""Each group against a reference group: relative rate, odds ratio and a test of the difference.

For one group against the reference the data are a 2x2 table::

                 event    no event   people
    group          a         b         n₁ = a + b
    reference      c         d         n₀ = c + d

The functions below take ``events`` (a), ``n`` (n₁), ``reference_events`` (c) and ``reference_n`` (n₀) as
arrays (any of them may be a scalar; the result is always at least one-dimensional) and work element by
element, so one call covers every group, unit or quarter at once.
"""

from collections.abc import Hashable, Iterable

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

from .common import (
    Estimate,
    FloatArray,
    IntArray,
    check_alpha,
    check_min_n,
    critical_value,
    grouped_counts,
    join_notes,
    people_and_events,
)
from .rates import NO_PEOPLE, group_rates, wilson_interval

# Below this expected count in any cell of the 2x2 table the chi-square approximation is not trusted
# (Cochran's rule), and Fisher's exact test is used instead.
SMALL_EXPECTED = 5.0
FISHER = "Fisher's exact"
CHI_SQUARE = "Pearson chi-square"
# A 0.5 added to every cell of a table with a zero cell, for its interval only (Haldane 1956; Anscombe 1956).
CONTINUITY = 0.5


def _tables(
    events: ArrayLike, n: ArrayLike, reference_events: ArrayLike, reference_n: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    a, n1, c, n0 = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(x, dtype=np.float64)) for x in (events, n, reference_events, reference_n))
    )
    if np.any(a < 0) or np.any(c < 0) or np.any(a > n1) or np.any(c > n0):
        raise ValueError("events must be between 0 and the number of people, for the group and the reference")
    return a, n1, c, n0


def relative_rate(
    events: ArrayLike,
    n: ArrayLike,
    reference_events: ArrayLike,
    reference_n: ArrayLike,
    *,
    alpha: float = 0.05,
) -> Estimate:
    """The relative rate (the relative rate index) RR = (a/n₁)/(c/n₀) with a Katz log interval.

    The interval is symmetric on the log scale::

        ln RR ± z·SE,   SE = √(1/a - 1/n₁ + 1/c - 1/n₀),   z = Φ⁻¹(1 - alpha/2)

    Zero events: if the group has none (a = 0) and the reference some, RR = 0, its lower limit is 0 and its
    upper limit comes from the same formula after adding 0.5 to every cell of the table (a + 0.5 events among
    n₁ + 1 people, likewise for the reference); if the reference has none and the group some, RR = ∞ with
    upper limit ∞ and the lower limit from the corrected table. So the estimate is always the plain ratio of
    the observed rates, and the correction only stops the finite limit collapsing. If neither has events
    there is no ratio (NaN), and likewise where n₁ or n₀ is 0.

    References: D. Katz, J. Baptista, S. P. Azen, M. C. Pike (1978), "Obtaining confidence intervals for the
    risk ratio in cohort studies", Biometrics 34:469-474; the same interval as statsmodels'
    ``Table2x2.riskratio_confint``. Continuity correction: K. J. Rothman, S. Greenland, T. L. Lash,
    Modern Epidemiology, 3rd ed. (2008), ch. 14.
    """
    z = critical_value(alpha)
    a, n1, c, n0 = _tables(events, n, reference_events, reference_n)
    value = np.full(a.shape, np.nan)
    low = np.full(a.shape, np.nan)
    high = np.full(a.shape, np.nan)
    people = (n1 > 0) & (n0 > 0)

    regular = people & (a > 0) & (c > 0)
    value[regular] = (a[regular] / n1[regular]) / (c[regular] / n0[regular])
    se = np.sqrt(1 / a[regular] - 1 / n1[regular] + 1 / c[regular] - 1 / n0[regular])
    low[regular] = value[regular] * np.exp(-z * se)
    high[regular] = value[regular] * np.exp(z * se)

    none_in_group = people & (a == 0) & (c > 0)
    none_in_reference = people & (a > 0) & (c == 0)
    corrected = none_in_group | none_in_reference
    ac, n1c = a[corrected] + CONTINUITY, n1[corrected] + 2 * CONTINUITY
    cc, n0c = c[corrected] + CONTINUITY, n0[corrected] + 2 * CONTINUITY
    rr = (ac / n1c) / (cc / n0c)
    se = np.sqrt(1 / ac - 1 / n1c + 1 / cc - 1 / n0c)
    corrected_low, corrected_high = np.full(a.shape, np.nan), np.full(a.shape, np.nan)
    corrected_low[corrected], corrected_high[corrected] = rr * np.exp(-z * se), rr * np.exp(z * se)

    value[none_in_group], low[none_in_group], high[none_in_group] = 0.0, 0.0, corrected_high[none_in_group]
    value[none_in_reference] = np.inf
    low[none_in_reference], high[none_in_reference] = corrected_low[none_in_reference], np.inf
    return Estimate(value=value, low=low, high=high)


def odds_ratio(
    events: ArrayLike,
    n: ArrayLike,
    reference_events: ArrayLike,
    reference_n: ArrayLike,
    *,
    alpha: float = 0.05,
) -> Estimate:
    """The sample odds ratio OR = ad/(bc) with a Woolf (logit) interval.

    The interval is ``ln OR ± z·√(1/a + 1/b + 1/c + 1/d)``. When a cell is 0 the estimate is 0, ∞ or (if
    ad = bc = 0) undefined, and the finite limit is computed after adding 0.5 to every cell (the
    Haldane-Anscombe correction) while the other limit is 0 or ∞, as for :func:`relative_rate`. The estimate
    equals the ``statistic`` of ``scipy.stats.fisher_exact`` and, with no zero cell, statsmodels'
    ``Table2x2.oddsratio_confint``.

    References: B. Woolf (1955), "On estimating the relation between blood group and disease", Annals of
    Human Genetics 19:251-253; J. B. S. Haldane (1956), Annals of Human Genetics 20:309-311.
    """
    z = critical_value(alpha)
    a, n1, c, n0 = _tables(events, n, reference_events, reference_n)
    b, d = n1 - a, n0 - c
    top, bottom = a * d, b * c
    value = np.full(a.shape, np.nan)
    low = np.full(a.shape, np.nan)
    high = np.full(a.shape, np.nan)
    people = (n1 > 0) & (n0 > 0)
    # The correction applies only where a cell is zero; elsewhere the plain table is used.
    zero_cell = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    shift = np.where(zero_cell, CONTINUITY, 0.0)
    ac, bc, cc, dc = a + shift, b + shift, c + shift, d + shift
    with np.errstate(divide="ignore", invalid="ignore"):
        log_or = np.log(ac * dc) - np.log(bc * cc)
        se = np.sqrt(1 / ac + 1 / bc + 1 / cc + 1 / dc)
        plain = np.divide(top, bottom)
    finite_low, finite_high = np.exp(log_or - z * se), np.exp(log_or + z * se)

    regular = people & (top > 0) & (bottom > 0)
    value[regular], low[regular], high[regular] = plain[regular], finite_low[regular], finite_high[regular]
    zero = people & (top == 0) & (bottom > 0)
    value[zero], low[zero], high[zero] = 0.0, 0.0, finite_high[zero]
    infinite = people & (top > 0) & (bottom == 0)
    value[infinite], low[infinite], high[infinite] = np.inf, finite_low[infinite], np.inf
    return Estimate(value=value, low=low, high=high)


def _fisher_two_sided(a: IntArray, b: IntArray, c: IntArray, d: IntArray) -> FloatArray:
    """Fisher's exact test, two-sided, for the tables [[a, b], [c, d]], all at once.

    With the margins fixed, the top-left count x is hypergeometric; the p-value is the sum of P(x) over the
    tables no more likely than the one observed, P(x) ≤ P(a)·(1 + 10⁻⁷) (the relative tolerance of R's
    ``fisher.test``, so that tables exactly as likely are counted despite rounding). The probabilities come
    from log-gamma functions over every table's whole support at once: a report's thousand small tables
    take milliseconds, where ``scipy.stats.fisher_exact`` one at a time takes a second. The tests check the
    p-values against SciPy's to 1e-9 (tables of up to 20,000 people); log-gamma rounding grows with the
    table's total, to about 1e-8 of the p-value at 5 million, far below any figure a report shows."""
    n1, n2, column = a + b, c + d, a + c
    total = n1 + n2
    low, high = np.maximum(0, column - n2), np.minimum(n1, column)
    lengths = high - low + 1
    which = np.repeat(np.arange(a.size), lengths)
    starts = np.cumsum(lengths) - lengths
    x = low[which] + np.arange(lengths.sum()) - starts[which]

    def log_probability(x: IntArray, at: IntArray | slice) -> FloatArray:
        n, m, k = n1[at], n2[at], column[at]
        return (
            special.gammaln(n + 1)
            - special.gammaln(x + 1)
            - special.gammaln(n - x + 1)
            + special.gammaln(m + 1)
            - special.gammaln(k - x + 1)
            - special.gammaln(m - k + x + 1)
            - special.gammaln(total[at] + 1)
            + special.gammaln(k + 1)
            + special.gammaln(total[at] - k + 1)
        )

    probability = np.exp(log_probability(x, which))
    observed = np.exp(log_probability(a, slice(None)))
    as_likely = probability <= observed[which] * (1 + 1e-7)
    return np.minimum(np.add.reduceat(np.where(as_likely, probability, 0.0), starts), 1.0)


def difference_test(
    events: ArrayLike, n: ArrayLike, reference_events: ArrayLike, reference_n: ArrayLike
) -> tuple[FloatArray, NDArray[np.object_]]:
    """Two-sided p-value for "the group's rate equals the reference's", and the name of the test used.

    Expected cell counts under no difference are ``row total * column total / N``. If any is under 5 the
    test is Fisher's exact test (two-sided: the probability of every table with the same margins that is no
    more likely than the one observed; :func:`_fisher_two_sided`). Otherwise it is Pearson's
    chi-square test on one degree of freedom **without** Yates' continuity correction::

        X² = N·(ad - bc)² / (n₁·n₀·(a + c)·(b + d)),   p = P(χ²₁ ≥ X²)

    equal to ``scipy.stats.chi2_contingency(table, correction=False)``, computed in closed form so that a
    report's thousands of tables take one vectorised call. Yates' correction is not used because it makes
    the test conservative (actual size well under the nominal 5%), and the small tables where the
    approximation is weak already go to Fisher's test; Campbell (2007) recommends this combination.
    Where n₁ is 0 the p-value is NaN and the test name empty.

    References: I. Campbell (2007), "Chi-squared and Fisher-Irwin tests of two-by-two tables with small
    sample recommendations", Statistics in Medicine 26:3661-3675; W. G. Cochran (1954), "Some methods for
    strengthening the common χ² tests", Biometrics 10:417-451; A. Agresti, Categorical Data Analysis, 3rd
    ed. (2013), §3.5.
    """
    a, n1, c, n0 = _tables(events, n, reference_events, reference_n)
    b, d = n1 - a, n0 - c
    p = np.full(a.shape, np.nan)
    test = np.full(a.shape, "", dtype=object)
    total = n1 + n0
    with np.errstate(divide="ignore", invalid="ignore"):
        column_event, column_none = a + c, b + d
        smallest_expected = np.minimum(n1, n0) * np.minimum(column_event, column_none) / total
    tested = (n1 > 0) & (n0 > 0)
    exact = tested & (smallest_expected < SMALL_EXPECTED)
    if exact.any():
        # Small tables repeat (a report has thousands of them), so each distinct one is tested once.
        tables = np.stack([a[exact], b[exact], c[exact], d[exact]], axis=1).astype(np.int64)
        distinct, position = np.unique(tables, axis=0, return_inverse=True)
        p[exact] = _fisher_two_sided(*distinct.T)[position.ravel()]
    test[exact] = FISHER

    large = tested & ~exact
    statistic = (
        total[large]
        * (a[large] * d[large] - b[large] * c[large]) ** 2
        / (n1[large] * n0[large] * column_event[large] * column_none[large])
    )
    p[large] = special.chdtrc(1, statistic)  # scipy.stats.chi2.sf(statistic, df=1)
    test[large] = CHI_SQUARE
    return p, test


def compare_groups(
    n: ArrayLike,
    events: ArrayLike,
    *,
    groups: Iterable[Hashable],
    reference: Hashable,
    min_n: int = 30,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Rates per group, and each group against the reference group.

    ``n[i]`` people are in ``groups[i]`` and ``events[i]`` of them had the outcome. Returns one row per
    group, indexed by ``group`` in the order given, with the columns of :func:`group_rates` (``n``,
    ``events``, ``rate``, ``rate_low``, ``rate_high``) and:

    - ``is_reference``;
    - ``relative_rate``, ``relative_rate_low``, ``relative_rate_high`` (:func:`relative_rate`);
    - ``odds_ratio``, ``odds_ratio_low``, ``odds_ratio_high`` (:func:`odds_ratio`);
    - ``test`` and ``p_value`` (:func:`difference_test`);
    - ``note``: empty, or why a figure is missing or how it was computed.

    The reference row has relative rate and odds ratio 1 by definition, no interval and no p-value. A group
    with fewer than ``min_n`` people keeps its counts and rate but gets no ratio and no test (note "fewer
    than 30 people"), and so does every group when the reference itself has fewer than ``min_n``.
    Intervals are at level 1 - ``alpha``.

    Raises ``ValueError`` if the reference is not among the groups or has no people, and for bad counts.
    """
    check_alpha(alpha)
    check_min_n(min_n)
    names, people, happened = grouped_counts(n, events, groups)
    if reference not in names:
        shown = ", ".join(repr(name) for name in names)
        raise ValueError(f"reference group {reference!r} is not among the groups ({shown})")
    at = names.index(reference)
    if people[at] == 0:
        raise ValueError(
            f"the reference group {reference!r} has no people, so nothing can be compared with it"
        )

    return compare_counts(names, people, happened, at=at, min_n=min_n, alpha=alpha)


def compare_counts(
    names: list[Hashable],
    people: NDArray[np.int64],
    happened: NDArray[np.int64],
    *,
    at: int,
    min_n: int,
    alpha: float,
) -> pd.DataFrame:
    """The body of :func:`compare_groups` on checked counts, with the reference at position ``at``.

    Unlike ``compare_groups`` it accepts a reference with no people (every other group's note then says so),
    for series such as :func:`evenhand.equality.stats.trend.quarterly` where one period may be empty.
    """
    table = group_rates(people, happened, groups=names, alpha=alpha)
    is_reference = np.arange(len(names)) == at
    comparison, notes = _against(
        people,
        happened,
        np.full(people.shape, people[at]),
        np.full(people.shape, happened[at]),
        is_reference,
        min_n=min_n,
        alpha=alpha,
    )
    return table.drop(columns="note").assign(
        is_reference=is_reference,
        **comparison,
        note=join_notes(table["note"].to_numpy(dtype=object), notes),
    )


def compare_within(
    frame: pd.DataFrame,
    *,
    reference: Hashable,
    unit: str = "unit",
    group: str = "group",
    n: str = "n",
    events: str = "events",
    min_n: int = 30,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """:func:`compare_groups` for every unit at once: each row against the reference group of its own unit.

    ``frame`` has one row per unit and group with the number of people (column ``n``) and of events
    (column ``events``). Returns the frame's unit and group columns with the columns of
    :func:`compare_groups`, in the order given, as one vectorised computation (a national report compares
    groups within some 2,000 units per measure). A unit without a reference row, or whose reference group has
    no people, keeps its rates and says so in ``note``; nothing is raised for it, because one empty unit must
    not stop a report. Raises ``ValueError`` for a missing column, a repeated (unit, group) row or bad counts.
    """
    check_alpha(alpha)
    check_min_n(min_n)
    missing = [column for column in (unit, group, n, events) if column not in frame.columns]
    if missing:
        raise ValueError(
            f"the frame has no column {', '.join(map(repr, missing))}; it has {list(frame.columns)}"
        )
    if frame.duplicated([unit, group]).any():
        first = frame.loc[frame.duplicated([unit, group]), [unit, group]].iloc[0].tolist()
        raise ValueError(f"each unit and group must have one row; {first!r} has more than one")
    people, happened = people_and_events(frame[n].to_numpy(), frame[events].to_numpy())
    is_reference = (frame[group] == reference).to_numpy()
    references = frame.loc[is_reference, [unit, n, events]].set_index(unit)
    units = frame[unit]
    ref_n = units.map(references[n]).fillna(0).to_numpy(dtype=np.int64)
    ref_events = units.map(references[events]).fillna(0).to_numpy(dtype=np.int64)
    rates = wilson_interval(people, happened, alpha=alpha)
    comparison, notes = _against(people, happened, ref_n, ref_events, is_reference, min_n=min_n, alpha=alpha)
    return pd.DataFrame(
        {
            unit: units.to_numpy(),
            group: frame[group].to_numpy(),
            "n": people,
            "events": happened,
            "rate": rates.value,
            "rate_low": rates.low,
            "rate_high": rates.high,
            "is_reference": is_reference,
            **comparison,
            "note": join_notes(np.where(people == 0, NO_PEOPLE, "").astype(object), notes),
        },
        index=frame.index,
    )


def _against(
    people: NDArray[np.int64],
    happened: NDArray[np.int64],
    ref_n: NDArray[np.int64],
    ref_events: NDArray[np.int64],
    is_reference: NDArray[np.bool_],
    *,
    min_n: int,
    alpha: float,
) -> tuple[dict[str, np.ndarray], NDArray[np.object_]]:
    """Ratios, test and notes for each row against its reference counts (arrays of the same length)."""
    reference_small = (ref_n < min_n) | (ref_n == 0)
    compared = ~is_reference & (people >= min_n) & (people > 0) & ~reference_small
    ratio = relative_rate(happened, people, ref_events, ref_n, alpha=alpha)
    odds = odds_ratio(happened, people, ref_events, ref_n, alpha=alpha)
    # Only the rows compared are tested (a national report has thousands of small rows that are not).
    p = np.full(people.shape, np.nan)
    test = np.full(people.shape, "", dtype=object)
    if compared.any():
        p[compared], test[compared] = difference_test(
            happened[compared], people[compared], ref_events[compared], ref_n[compared]
        )
    comparison: dict[str, np.ndarray] = {
        "relative_rate": ratio.value,
        "relative_rate_low": ratio.low,
        "relative_rate_high": ratio.high,
        "odds_ratio": odds.value,
        "odds_ratio_low": odds.low,
        "odds_ratio_high": odds.high,
        "test": test,
        "p_value": p,
    }
    for name, values in comparison.items():
        values[~compared] = "" if name == "test" else np.nan
    comparison["relative_rate"][is_reference & (ref_n > 0)] = 1.0
    comparison["odds_ratio"][is_reference & (ref_n > 0)] = 1.0
    return comparison, _notes(people, happened, ref_n, ref_events, is_reference, min_n)


def _notes(
    people: NDArray[np.int64],
    events: NDArray[np.int64],
    ref_n: NDArray[np.int64],
    ref_events: NDArray[np.int64],
    is_reference: NDArray[np.bool_],
    min_n: int,
) -> NDArray[np.object_]:
    """Why a row has no ratio, or how it was computed; the first condition that holds gives the note."""
    everyone, everyone_ref = events == people, ref_events == ref_n
    choices = [
        (is_reference, "reference group"),
        (people == 0, ""),  # group_rates has said so
        (ref_n == 0, "no people in the reference group, so there is no ratio"),
        (ref_n < min_n, f"the reference group has fewer than {min_n} people, so there is no ratio"),
        (people < min_n, f"fewer than {min_n} people"),
        (
            (events == 0) & (ref_events == 0),
            "no events in this group or the reference group, so there is no ratio",
        ),
        (events == 0, "no events in the group: ratios are 0, upper limits use a 0.5 continuity correction"),
        (
            ref_events == 0,
            "no events in the reference group: ratios are infinite, lower limits use a 0.5 continuity"
            " correction",
        ),
        (
            everyone & everyone_ref,
            "everyone in this group and the reference group had the event, so there is no odds ratio",
        ),
        (
            everyone | everyone_ref,
            "everyone in a group had the event: odds-ratio limits use a 0.5 continuity correction",
        ),
    ]
    notes = np.select([condition for condition, _ in choices], [note for _, note in choices], default="")
    return notes.astype(object)
