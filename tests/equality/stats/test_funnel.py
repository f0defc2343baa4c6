"""Funnel plot limits and unit comparison."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from evenhand.equality.stats import (
    binomial_comparison,
    funnel_curve,
    funnel_limits,
    limit_columns,
    unit_comparison,
)

from .helpers import quick


def poisson_cdf_by_hand(r: int, mean: float) -> float:
    return sum(math.exp(-mean) * mean**k / math.factorial(k) for k in range(r + 1))


def interpolated_limit_by_hand(mean: float, p: float) -> float:
    """Spiegelhalter (2005), appendix A.1.2, step by step with nothing but the Poisson formula."""
    r = 0
    while poisson_cdf_by_hand(r, mean) < p:
        r += 1
    below = poisson_cdf_by_hand(r - 1, mean) if r > 0 else 0.0
    at = poisson_cdf_by_hand(r, mean)
    share = (at - p) / (at - below)
    return max((r - share) / mean, 0.0)


def test_limits_for_ten_expected_events_worked_by_hand() -> None:
    limits = funnel_limits([10.0]).iloc[0]
    # E = 10: F(16) = 0.9730 < 0.975 <= F(17) = 0.9857, so r = 17 and the upper 95% limit is just under 1.7.
    assert poisson_cdf_by_hand(16, 10) < 0.975 <= poisson_cdf_by_hand(17, 10)
    for level, (low_name, high_name) in ((0.95, limit_columns(0.95)), (0.998, limit_columns(0.998))):
        assert limits[low_name] == pytest.approx(interpolated_limit_by_hand(10, (1 - level) / 2), rel=1e-9)
        assert limits[high_name] == pytest.approx(interpolated_limit_by_hand(10, (1 + level) / 2), rel=1e-9)
    assert 1.6 < limits["upper_95"] < 1.7


@quick
@given(st.floats(0.05, 5000))
def test_limits_lie_between_the_poisson_quantiles(mean: float) -> None:
    """The interpolated limit of level p lies in (r_p - 1, r_p] events, r_p the scipy Poisson quantile."""
    limits = funnel_limits([mean]).iloc[0]
    for level in (0.95, 0.998):
        low_name, high_name = limit_columns(level)
        for p, value in (((1 - level) / 2, limits[low_name]), ((1 + level) / 2, limits[high_name])):
            quantile = stats.poisson.ppf(p, mean)
            events = value * mean
            assert events <= quantile + 1e-9
            assert events > quantile - 1 - 1e-9 or value == 0


def test_limits_narrow_with_expected_count_and_approach_the_normal_ones() -> None:
    curve = funnel_curve(10_000, min_expected=1, points=50)
    assert curve["upper_95"].is_monotonic_decreasing and curve["lower_95"].is_monotonic_increasing
    assert (curve["upper_99.8"] >= curve["upper_95"]).all() and (
        curve["lower_99.8"] <= curve["lower_95"]
    ).all()
    assert curve["expected"].iloc[0] == pytest.approx(1) and curve["expected"].iloc[-1] == pytest.approx(
        10_000
    )
    large = funnel_limits([1_000_000.0]).iloc[0]
    z = stats.norm.ppf(0.975)
    assert large["upper_95"] == pytest.approx(1 + z / 1000, abs=2e-5)
    assert large["lower_95"] == pytest.approx(1 - z / 1000, abs=2e-5)


def test_units_outside_the_limits_are_found() -> None:
    table = unit_comparison(
        [100, 160, 130, 60, 2, 0],
        [100.0, 100.0, 100.0, 100.0, 1.5, 0.0],
        units=["in control", "far above", "above 95% only", "far below", "small unit", "empty"],
    )
    assert table.loc["in control", ["outside_95", "outside_99.8"]].tolist() == [False, False]
    assert table.loc["far above", ["outside_95", "outside_99.8", "direction"]].tolist() == [
        True,
        True,
        "above",
    ]
    assert table.loc["above 95% only", ["outside_95", "outside_99.8"]].tolist() == [True, False]
    assert table.loc["far below", ["outside_95", "outside_99.8", "direction"]].tolist() == [
        True,
        True,
        "below",
    ]
    assert not table.loc["small unit", "outside_95"]
    empty = table.loc["empty"]
    assert np.isnan(empty["ratio"]) and not empty["outside_95"] and empty["note"]
    assert table.loc["far above", "ratio"] == pytest.approx(1.6)


@quick
@given(st.integers(0, 400), st.floats(0.2, 300))
def test_p_value_is_the_exact_two_sided_poisson_test(observed: int, expected: float) -> None:
    row = unit_comparison([observed], [expected], units=["u"]).iloc[0]
    by_hand = min(
        1.0, 2 * min(stats.poisson.cdf(observed, expected), stats.poisson.sf(observed - 1, expected))
    )
    assert row["p_value"] == pytest.approx(by_hand, rel=1e-9, abs=1e-300)
    # The exact interval excludes 1 exactly when the test rejects at the same level.
    excludes_one = row["ratio_low"] > 1 or row["ratio_high"] < 1
    if abs(row["p_value"] - 0.05) > 1e-6:
        assert excludes_one == (row["p_value"] < 0.05)


def test_garwood_interval_by_the_chi_square_formula() -> None:
    row = unit_comparison([10], [8.0], units=["u"]).iloc[0]
    assert row["ratio_low"] == pytest.approx(stats.chi2.ppf(0.025, 20) / 2 / 8, rel=1e-9)
    assert row["ratio_high"] == pytest.approx(stats.chi2.ppf(0.975, 22) / 2 / 8, rel=1e-9)


def test_columns_are_the_documented_ones() -> None:
    table = unit_comparison([5], [4.0], units=["PDU1"])
    assert table.index.name == "unit"
    assert list(table.columns) == [
        "observed",
        "expected",
        "ratio",
        "ratio_low",
        "ratio_high",
        "p_value",
        "lower_95",
        "upper_95",
        "outside_95",
        "lower_99.8",
        "upper_99.8",
        "outside_99.8",
        "direction",
        "note",
    ]


def _unit_cells(rng: np.random.Generator, units: int, multiplier: float = 1.0) -> tuple[np.ndarray, ...]:
    """Units of people with known model probabilities; outcomes drawn with the odds multiplied."""
    observed, expected, variance, people = [], [], [], []
    for _ in range(units):
        p = rng.uniform(0.05, 0.6, size=int(rng.integers(200, 600)))
        odds = multiplier * p / (1 - p)
        observed.append(rng.binomial(1, odds / (1 + odds)).sum())
        expected.append(p.sum())
        variance.append((p * (1 - p)).sum())
        people.append(p.size)
    return tuple(np.array(v) for v in (observed, expected, variance, people))


def test_binomial_comparison_is_the_score_test_with_matching_limits() -> None:
    rng = np.random.default_rng(4)
    observed, expected, variance, people = _unit_cells(rng, 40, multiplier=1.3)
    table = binomial_comparison(observed, expected, variance, people, units=[f"u{i}" for i in range(40)])
    z = (observed - expected) / np.sqrt(variance)
    np.testing.assert_allclose(table["p_value"], 2 * stats.norm.sf(np.abs(z)), rtol=1e-12)
    np.testing.assert_allclose(table["odds_ratio"], np.exp((observed - expected) / variance), rtol=1e-12)
    np.testing.assert_allclose(
        table["upper_95"], 1 + 1.959963984540054 * np.sqrt(variance) / expected, rtol=1e-12
    )
    # Outside the 95% limits exactly when p < 0.05.
    assert (table["outside_95"] == (table["p_value"] < 0.05)).all()
    assert set(table.loc[table["outside_95"], "direction"]) <= {"above", "below"}


def test_binomial_comparison_holds_its_size_and_finds_an_odds_multiplier() -> None:
    rng = np.random.default_rng(5)
    observed, expected, variance, people = _unit_cells(rng, 1500)
    null = binomial_comparison(observed, expected, variance, people, units=range(1500))
    assert 0.035 <= (null["p_value"] < 0.05).mean() <= 0.065
    observed, expected, variance, people = _unit_cells(rng, 1000, multiplier=1.5)
    biased = binomial_comparison(observed, expected, variance, people, units=range(1000))
    covered = (biased["odds_ratio_low"] <= 1.5) & (biased["odds_ratio_high"] >= 1.5)
    assert 0.9 <= covered.mean() <= 0.99
    assert biased["odds_ratio"].median() == pytest.approx(1.5, rel=0.05)


def test_binomial_comparison_says_why_a_unit_is_not_tested() -> None:
    table = binomial_comparison(
        [2, 10, 40], [3.0, 20.0, 38.0], [2.5, 10.0, 1.5], [10, 200, 40], units=["small", "fine", "certain"]
    )
    assert table.loc["small", "note"] == "fewer than 30 people"
    assert np.isnan(table.loc["small", "p_value"]) and not table.loc["small", "outside_95"]
    assert table.loc["fine", "note"] == ""
    assert table.loc["certain", "note"] == "fewer than 5 non-events expected"
    with pytest.raises(ValueError, match="more events"):
        binomial_comparison([50], [3.0], [2.0], [40], units=["x"])
