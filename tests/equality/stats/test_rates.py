"""Rates per group: Wilson intervals against statsmodels, rates against Fairlearn and Aequitas' formulas."""

import math

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, count, selection_rate
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from evenhand.equality.stats import group_rates, wilson_interval

from .helpers import counts_by_group, person_rows, quick
from .references import aequitas_crosstab

GROUPS = {
    "White": (4000, 0.08),
    "Black": (900, 0.13),
    "Asian": (1200, 0.07),
    "Mixed": (300, 0.11),
    "Other": (45, 0.2),
}


@st.composite
def people_and_events(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    size = draw(st.integers(1, 8))
    n = draw(st.lists(st.integers(1, 100_000), min_size=size, max_size=size))
    events = [draw(st.integers(0, people)) for people in n]
    return n, events


@quick
@given(people_and_events(), st.sampled_from([0.05, 0.01, 0.1, 0.002]))
def test_wilson_interval_equals_statsmodels(counts: tuple[list[int], list[int]], alpha: float) -> None:
    n, events = counts
    low, high = proportion_confint(np.array(events), np.array(n), alpha=alpha, method="wilson")
    table = group_rates(n, events, alpha=alpha)
    np.testing.assert_allclose(table["rate_low"], low, rtol=0, atol=1e-12)
    np.testing.assert_allclose(table["rate_high"], high, rtol=0, atol=1e-12)
    np.testing.assert_allclose(table["rate"], np.array(events) / np.array(n), rtol=0, atol=1e-15)
    assert (table["rate_low"] <= table["rate"] + 1e-15).all() and (
        table["rate"] <= table["rate_high"] + 1e-15
    ).all()


def test_wilson_interval_by_the_formula() -> None:
    # 7 events among 50 people, z = 1.959964: the score interval worked from Wilson's formula.
    z = 1.959963984540054
    p, n = 7 / 50, 50
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    estimate = wilson_interval([50], [7])
    assert estimate.low[0] == pytest.approx(centre - half, abs=1e-12)
    assert estimate.high[0] == pytest.approx(centre + half, abs=1e-12)


def test_wilson_interval_equals_newcombes_published_examples() -> None:
    # Newcombe (1998), Statistics in Medicine 17:857-872, table II, method 3 (score interval, no correction).
    estimate = wilson_interval([263, 148, 20, 29], [81, 15, 0, 1])
    np.testing.assert_array_equal(estimate.low.round(4), [0.2553, 0.0624, 0.0, 0.0061])
    np.testing.assert_array_equal(estimate.high.round(4), [0.3662, 0.1605, 0.1611, 0.1718])


def test_group_with_no_people_has_no_rate_and_says_why() -> None:
    table = group_rates([0, 10], [0, 3], groups=["Other", "White"])
    other = table.loc["Other"]
    assert other["n"] == 0 and other["events"] == 0
    assert np.isnan(other["rate"]) and np.isnan(other["rate_low"]) and np.isnan(other["rate_high"])
    assert other["note"] == "no people in the group, so there is no rate"
    assert table.loc["White", "note"] == ""
    assert table.loc["White", "rate"] == pytest.approx(0.3)


def test_columns_and_index_are_the_documented_ones() -> None:
    table = group_rates([10, 20], [1, 2], groups=["a", "b"])
    assert list(table.columns) == ["n", "events", "rate", "rate_low", "rate_high", "note"]
    assert table.index.name == "group" and list(table.index) == ["a", "b"]


def test_zero_and_all_events_stay_inside_zero_and_one() -> None:
    table = group_rates([40, 40], [0, 40])
    assert table["rate_low"].iloc[0] == 0 and 0 < table["rate_high"].iloc[0] < 0.1
    assert table["rate_high"].iloc[1] == pytest.approx(1) and 0.9 < table["rate_low"].iloc[1] < 1


def test_counts_and_rates_equal_fairlearn_metricframe() -> None:
    rows = person_rows(np.random.default_rng(20240501), GROUPS)
    frame = MetricFrame(
        metrics={"selection_rate": selection_rate, "count": count},
        y_true=rows["outcome"],
        y_pred=rows["outcome"],
        sensitive_features=rows["group"],
    )
    order = list(GROUPS)
    n, events = counts_by_group(rows, order)
    table = group_rates(n, events, groups=order)
    by_group = frame.by_group.loc[order]
    np.testing.assert_array_equal(table["n"].to_numpy(), by_group["count"].to_numpy())
    np.testing.assert_allclose(
        table["rate"].to_numpy(), by_group["selection_rate"].to_numpy(), rtol=0, atol=1e-9
    )


def test_counts_and_rates_equal_aequitas_crosstab() -> None:
    rows = person_rows(np.random.default_rng(7), GROUPS)
    crosstab = aequitas_crosstab(rows, "group", score="outcome", label="outcome")
    order = list(GROUPS)
    n, events = counts_by_group(rows, order)
    table = group_rates(n, events, groups=order)
    crosstab = crosstab.loc[order]
    np.testing.assert_array_equal(table["n"].to_numpy(), crosstab["group_size"].to_numpy())
    np.testing.assert_array_equal(table["events"].to_numpy(), crosstab["pp"].to_numpy())
    np.testing.assert_allclose(table["rate"].to_numpy(), crosstab["pprev"].to_numpy(), rtol=0, atol=1e-9)
    np.testing.assert_allclose(table["rate"].to_numpy(), crosstab["prev"].to_numpy(), rtol=0, atol=1e-9)


def test_accepts_pandas_series_and_float_counts() -> None:
    n = pd.Series([10.0, 20.0])
    table = group_rates(n, pd.Series([5.0, 5.0]), groups=("x", "y"))
    assert table["n"].dtype.kind == "i" and table.loc["y", "rate"] == 0.25
