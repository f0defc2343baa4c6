"""Rates per group with Wilson score intervals."""

from collections.abc import Hashable, Iterable

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from .common import Estimate, check_alpha, grouped_counts, people_and_events

NO_PEOPLE = "no people in the group, so there is no rate"


def wilson_interval(n: ArrayLike, events: ArrayLike, *, alpha: float = 0.05) -> Estimate:
    """The rate ``events / n`` with its Wilson score interval, element by element.

    With p̂ = x/n and z = Φ⁻¹(1 - alpha/2), the interval is::

        (p̂ + z²/2n ± z·√(p̂(1 - p̂)/n + z²/4n²)) / (1 + z²/n)

    It stays inside [0, 1] and keeps close to its nominal coverage for small n and for rates near 0 or 1,
    where the textbook p̂ ± z·√(p̂(1 - p̂)/n) does not. Computed as statsmodels' ``proportion_confint``
    (``method="wilson"``) computes it (the tests check them equal), so that the command line need not import
    statsmodels. Where n = 0 the rate and both limits are NaN.

    References: E. B. Wilson (1927), "Probable inference, the law of succession, and statistical inference",
    JASA 22:209-212; R. G. Newcombe (1998), "Two-sided confidence intervals for the single proportion:
    comparison of seven methods", Statistics in Medicine 17:857-872.
    """
    check_alpha(alpha)
    people, happened = people_and_events(n, events)
    rate = np.full(people.shape, np.nan)
    low = np.full(people.shape, np.nan)
    high = np.full(people.shape, np.nan)
    some = people > 0
    rate[some] = happened[some] / people[some]
    if some.any():
        x, m = happened[some], people[some].astype(np.float64)
        q = x / m
        crit = -special.ndtri(alpha / 2)  # scipy.stats.norm.isf(alpha / 2)
        crit2 = crit**2
        denominator = 1 + crit2 / m
        centre = (q + crit2 / (2 * m)) / denominator
        spread = crit * np.sqrt(q * (1.0 - q) / m + crit2 / (4.0 * m**2)) / denominator
        low[some], high[some] = np.clip(centre - spread, 0, 1), np.clip(centre + spread, 0, 1)
    return Estimate(value=rate, low=low, high=high)


def group_rates(
    n: ArrayLike,
    events: ArrayLike,
    *,
    groups: Iterable[Hashable] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Population, events and rate per group, with a Wilson score interval (see :func:`wilson_interval`).

    ``n[i]`` people are in group ``groups[i]`` and ``events[i]`` of them had the outcome. Returns one row
    per group, indexed by ``group`` in the order given, with the columns ``n``, ``events``, ``rate``,
    ``rate_low``, ``rate_high`` and ``note`` (empty, or why a figure is missing: a group with no people
    has no rate). Raises ``ValueError`` for negative or fractional counts, more events than people, or
    lists of different lengths.
    """
    check_alpha(alpha)
    names, people, happened = grouped_counts(n, events, groups)
    rate = wilson_interval(people, happened, alpha=alpha)
    return pd.DataFrame(
        {
            "n": people,
            "events": happened,
            "rate": rate.value,
            "rate_low": rate.low,
            "rate_high": rate.high,
            "note": np.where(people == 0, NO_PEOPLE, ""),
        },
        index=pd.Index(names, name="group", dtype=object),
    )
