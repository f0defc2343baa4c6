"""Disparity statistics: plain, typed functions over NumPy arrays and pandas frames, with no Django import.

The measures layer turns the database into counts; these functions turn counts into the figures a report
shows. Each is documented with its formula and a reference, uses SciPy or statsmodels where they have the
method, and is tested against a reference implementation in ``tests/equality/stats/``.

Modules
-------
- :mod:`.rates`: ``group_rates``: n, events and rate per group with a Wilson interval.
- :mod:`.compare`: ``compare_groups``: each group against a reference group: relative rate (Katz log
  interval), odds ratio (Woolf interval) and a p-value (Fisher's exact test when an expected cell is under 5,
  else Pearson's chi-square without Yates' correction); ``relative_rate``, ``odds_ratio`` and
  ``difference_test`` do the same element by element for any arrays of 2x2 tables.
- :mod:`.adjust`: ``adjusted_comparison``: crude and adjusted (logistic regression on the legitimate drivers)
  odds ratio and relative rate by marginal standardisation, on person-level or aggregated rows;
  ``expected_events``: observed and expected events per unit from the national model.
- :mod:`.multiple`: ``bh_qvalues`` (Benjamini-Hochberg) and ``flag`` (q below the threshold *and* the ratio
  outside the materiality band, 0.8-1.25 by default).
- :mod:`.funnel`: ``unit_comparison`` (O/E per unit, exact interval and p-value, position against the 95% and
  99.8% limits), ``funnel_limits`` and ``funnel_curve`` (the limits to draw); ``binomial_comparison``,
  ``binomial_limits`` and ``binomial_curve``, the same for yes/no outcomes with the binomial variance
  Σp(1 - p) and the one-step (Peto) odds ratio, which the engine uses.
- :mod:`.trend`: ``quarterly``: ``compare_groups`` for each quarter of a series.

Conventions
-----------
- **Input**: counts are one-dimensional, whole and non-negative, with never more events than people; group
  and unit labels are given alongside and must be unique. Anything else raises ``ValueError`` with a message
  naming the argument, the group or unit and the problem, before anything is computed.
- **Output**: a ``pandas.DataFrame`` with one row per group (index ``group``) or unit (index ``unit``), in
  the order given; :func:`.trend.quarterly` is indexed by (``quarter``, ``group``). Column names are fixed:

  - ``n``, ``events``: people, and people with the outcome;
  - ``rate``, ``rate_low``, ``rate_high``: events / n and its Wilson interval;
  - ``is_reference``: the row of the reference group;
  - ``relative_rate``, ``relative_rate_low``, ``relative_rate_high``: the relative rate index and interval;
  - ``odds_ratio``, ``odds_ratio_low``, ``odds_ratio_high``: the odds ratio and its interval;
  - ``test``, ``p_value``: the test used ("Fisher's exact" or "Pearson chi-square") and its p-value;
  - ``crude_...`` and ``adjusted_...``: the same figures before and after adjustment for the drivers;
  - ``observed``, ``expected``, ``ratio`` (with ``ratio_low``, ``ratio_high``): a unit's O, E and O/E;
  - ``lower_95``, ``upper_95``, ``outside_95``, ...: funnel limits per level (:func:`.funnel.limit_columns`);
  - ``note``: empty, or why a figure is missing or how it was computed.

- **Missing figures** are NaN with the reason in ``note`` ("fewer than 30 people", "no people in the
  group, so there is no rate", …), never an exception: a report must show every group. A ratio is 0 or
  infinite when one side has no events (see :func:`.compare.relative_rate`).
- **Intervals** are two-sided at level 1 - ``alpha`` (95% by default); p-values are two-sided. Feed every
  p-value of a report to :func:`.multiple.bh_qvalues` together, then :func:`.multiple.flag`.
- :class:`.common.Estimate` (value, low, high arrays) is what the element-wise functions return;
  :class:`.adjust.AdjustedComparison` carries the adjusted table with what the model left out and why.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .adjust import AdjustedComparison, ModelNotFitted, adjusted_comparison, expected_events
    from .common import Estimate
    from .compare import compare_groups, compare_within, difference_test, odds_ratio, relative_rate
    from .funnel import (
        binomial_comparison,
        binomial_curve,
        binomial_limits,
        funnel_curve,
        funnel_limits,
        limit_columns,
        outside_column,
        unit_comparison,
    )
    from .multiple import MATERIALITY_BAND, Q_THRESHOLD, bh_qvalues, bh_qvalues_by, flag
    from .rates import group_rates, wilson_interval
    from .trend import quarterly

# Each name is imported from its module on first use (PEP 562), so a script that needs only some of the
# statistics (the command line's analysis) does not pay for the others' imports (statsmodels, scipy.stats).
_MODULES = {
    "AdjustedComparison": "adjust",
    "ModelNotFitted": "adjust",
    "adjusted_comparison": "adjust",
    "expected_events": "adjust",
    "Estimate": "common",
    "compare_groups": "compare",
    "compare_within": "compare",
    "difference_test": "compare",
    "odds_ratio": "compare",
    "relative_rate": "compare",
    "binomial_comparison": "funnel",
    "binomial_curve": "funnel",
    "binomial_limits": "funnel",
    "funnel_curve": "funnel",
    "funnel_limits": "funnel",
    "limit_columns": "funnel",
    "outside_column": "funnel",
    "unit_comparison": "funnel",
    "MATERIALITY_BAND": "multiple",
    "Q_THRESHOLD": "multiple",
    "bh_qvalues": "multiple",
    "bh_qvalues_by": "multiple",
    "flag": "multiple",
    "group_rates": "rates",
    "wilson_interval": "rates",
    "quarterly": "trend",
}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return getattr(import_module(f".{_MODULES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MATERIALITY_BAND",
    "Q_THRESHOLD",
    "AdjustedComparison",
    "Estimate",
    "ModelNotFitted",
    "adjusted_comparison",
    "bh_qvalues",
    "bh_qvalues_by",
    "binomial_comparison",
    "binomial_curve",
    "binomial_limits",
    "compare_groups",
    "compare_within",
    "difference_test",
    "expected_events",
    "flag",
    "funnel_curve",
    "funnel_limits",
    "group_rates",
    "limit_columns",
    "odds_ratio",
    "outside_column",
    "quarterly",
    "relative_rate",
    "unit_comparison",
    "wilson_interval",
]
