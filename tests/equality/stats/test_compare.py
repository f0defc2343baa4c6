"""Each group against the reference: relative rate, odds ratio and p-value, against references and by hand."""

import math

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, selection_rate
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.contingency_tables import Table2x2

from evenhand.equality.stats import compare_groups, difference_test, odds_ratio, relative_rate
from evenhand.equality.stats.compare import compare_within

from .helpers import counts_by_group, person_rows, quick
from .references import aequitas_crosstab, aequitas_disparity

Z = 1.959963984540054
GROUPS = {
    "White": (5000, 0.08),
    "Black": (1100, 0.13),
    "Asian": (1500, 0.06),
    "Mixed": (400, 0.1),
    "Other": (25, 0.2),
}


@st.composite
def two_by_two(draw: st.DrawFn, *, zero_cells: bool = True) -> tuple[int, int, int, int]:
    """(a, n1, c, n0): events and people in a group and in the reference."""
    low = 0 if zero_cells else 1
    n1 = draw(st.integers(1 + low, 5000))
    n0 = draw(st.integers(1 + low, 5000))
    return draw(st.integers(low, n1 - low)), n1, draw(st.integers(low, n0 - low)), n0


def test_relative_rate_by_hand_from_katz_formula() -> None:
    # 15 of 100 people in the group against 10 of 100 in the reference.
    rr = (15 / 100) / (10 / 100)
    se = math.sqrt(1 / 15 - 1 / 100 + 1 / 10 - 1 / 100)
    estimate = relative_rate([15], [100], 10, 100)
    assert estimate.value[0] == pytest.approx(1.5, abs=1e-12)
    assert estimate.low[0] == pytest.approx(rr * math.exp(-Z * se), abs=1e-12)
    assert estimate.high[0] == pytest.approx(rr * math.exp(Z * se), abs=1e-12)
    assert (round(estimate.low[0], 4), round(estimate.high[0], 4)) == (0.7081, 3.1774)


@quick
@given(two_by_two(zero_cells=False))
def test_relative_rate_and_odds_ratio_equal_statsmodels_table2x2(table: tuple[int, int, int, int]) -> None:
    a, n1, c, n0 = table
    reference = Table2x2(np.array([[a, n1 - a], [c, n0 - c]]), shift_zeros=False)
    ratio = relative_rate([a], [n1], c, n0)
    odds = odds_ratio([a], [n1], c, n0)
    assert ratio.value[0] == pytest.approx(reference.riskratio, rel=1e-9)
    np.testing.assert_allclose([ratio.low[0], ratio.high[0]], reference.riskratio_confint(), rtol=1e-9)
    assert odds.value[0] == pytest.approx(reference.oddsratio, rel=1e-9)
    np.testing.assert_allclose([odds.low[0], odds.high[0]], reference.oddsratio_confint(), rtol=1e-9)
    assert ratio.low[0] <= ratio.value[0] <= ratio.high[0]


@quick
@given(two_by_two())
def test_odds_ratio_equals_fisher_exact_statistic(table: tuple[int, int, int, int]) -> None:
    a, n1, c, n0 = table
    expected = stats.fisher_exact([[a, n1 - a], [c, n0 - c]]).statistic
    value = odds_ratio([a], [n1], c, n0).value[0]
    if np.isnan(expected):
        assert np.isnan(value)
    else:
        assert value == pytest.approx(expected, rel=1e-9)


@quick
@given(two_by_two())
def test_p_value_equals_scipy_with_the_documented_switch(table: tuple[int, int, int, int]) -> None:
    a, n1, c, n0 = table
    cells = np.array([[a, n1 - a], [c, n0 - c]])
    expected_cells = stats.contingency.expected_freq(cells)
    p, test = difference_test([a], [n1], c, n0)
    if expected_cells.min() < 5:
        assert test[0] == "Fisher's exact"
        assert p[0] == pytest.approx(stats.fisher_exact(cells).pvalue, rel=1e-9, abs=1e-300)
    else:
        assert test[0] == "Pearson chi-square"
        reference = stats.chi2_contingency(cells, correction=False).pvalue
        assert p[0] == pytest.approx(reference, rel=1e-9, abs=1e-300)


def test_fisher_p_values_of_many_tables_at_once_equal_scipy_including_ties() -> None:
    """Thousands of small tables in one call, as a report has them: each p-value is SciPy's. Symmetric
    tables, where another table is exactly as likely as the one observed, count both; tables with an empty
    row or column have p = 1."""
    rng = np.random.default_rng(8)
    n1, n0 = rng.integers(1, 400, 3000), rng.integers(1, 20_000, 3000)
    events = np.minimum(rng.poisson(3, 3000), n1 + n0)
    a = rng.hypergeometric(n1, n0, events)
    tables = [(a[i], n1[i], events[i] - a[i], n0[i]) for i in range(3000)]
    tables += [(3, 6, 3, 6), (2, 7, 5, 7), (0, 10, 0, 10), (10, 10, 10, 10), (1, 2, 1, 2)]
    a, n1, c, n0 = (np.array(column) for column in zip(*tables, strict=True))
    p, test = difference_test(a, n1, c, n0)
    exact = test == "Fisher's exact"
    assert exact.sum() > 2900
    expected = [
        stats.fisher_exact([[a[i], n1[i] - a[i]], [c[i], n0[i] - c[i]]]).pvalue for i in np.flatnonzero(exact)
    ]
    np.testing.assert_allclose(p[exact], expected, rtol=1e-9, atol=1e-300)
    assert p[-5:] == pytest.approx([1.0, stats.fisher_exact([[2, 5], [5, 2]]).pvalue, 1.0, 1.0, 1.0])


def test_switch_happens_at_an_expected_count_of_five() -> None:
    # 10 people on each side; 10 events in all give expected counts of exactly 5 (chi-square), 9 give 4.5.
    p, test = difference_test([7, 6], [10, 10], [3, 3], [10, 10])
    assert list(test) == ["Pearson chi-square", "Fisher's exact"]
    assert p[0] == pytest.approx(stats.chi2_contingency([[7, 3], [3, 7]], correction=False).pvalue, rel=1e-12)
    assert p[1] == pytest.approx(stats.fisher_exact([[6, 4], [3, 7]]).pvalue, rel=1e-9)
    # Yates' correction is not used: the corrected p-value differs.
    assert p[0] != pytest.approx(stats.chi2_contingency([[7, 3], [3, 7]], correction=True).pvalue, rel=1e-3)


def test_zero_events_in_the_group_give_zero_with_a_corrected_upper_limit() -> None:
    ratio = relative_rate([0], [100], 10, 100)
    assert ratio.value[0] == 0 and ratio.low[0] == 0
    # Katz's formula on the table with 0.5 added to every cell: 0.5 of 101 against 10.5 of 101.
    a, n1, c, n0 = 0.5, 101, 10.5, 101
    by_hand = (a / n1) / (c / n0) * math.exp(Z * math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0))
    assert ratio.high[0] == pytest.approx(by_hand, rel=1e-12)
    odds = odds_ratio([0], [100], 10, 100)
    assert odds.value[0] == 0 and odds.low[0] == 0
    # Woolf's formula on the same corrected table (Haldane-Anscombe: every cell, not only the zero one).
    a, b, c, d = 0.5, 100.5, 10.5, 90.5
    by_hand = (a * d) / (b * c) * math.exp(Z * math.sqrt(1 / a + 1 / b + 1 / c + 1 / d))
    assert odds.high[0] == pytest.approx(by_hand, rel=1e-12)


def test_zero_events_in_the_reference_give_infinity_with_a_corrected_lower_limit() -> None:
    ratio = relative_rate([10], [100], 0, 100)
    assert ratio.value[0] == np.inf and ratio.high[0] == np.inf
    a, n1, c, n0 = 10.5, 101, 0.5, 101
    by_hand = (a / n1) / (c / n0) * math.exp(-Z * math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0))
    assert ratio.low[0] == pytest.approx(by_hand, rel=1e-12)
    table = compare_groups([100, 100], [0, 10], groups=["White", "Black"], reference="White")
    black = table.loc["Black"]
    assert black["relative_rate"] == np.inf and black["p_value"] < 0.01
    assert "no events in the reference group" in black["note"]


def test_everyone_with_the_event_keeps_a_relative_rate_and_corrects_the_odds_ratio() -> None:
    table = compare_groups([100, 40], [10, 40], groups=["White", "Black"], reference="White")
    black = table.loc["Black"]
    assert black["relative_rate"] == pytest.approx(10.0)
    assert black["odds_ratio"] == np.inf and black["odds_ratio_high"] == np.inf
    assert 1 < black["odds_ratio_low"] < np.inf
    assert "continuity correction" in black["note"]


def test_no_events_anywhere_gives_no_ratio_and_says_why() -> None:
    table = compare_groups([100, 100], [0, 0], groups=["White", "Black"], reference="White")
    black = table.loc["Black"]
    assert np.isnan(black["relative_rate"]) and np.isnan(black["odds_ratio"])
    assert black["note"] == "no events in this group or the reference group, so there is no ratio"
    assert black["p_value"] == 1.0


def test_reference_row_is_one_by_definition() -> None:
    table = compare_groups([200, 100], [20, 15], groups=["White", "Black"], reference="White")
    white = table.loc["White"]
    assert white["is_reference"] and not table.loc["Black", "is_reference"]
    assert white["relative_rate"] == 1 and white["odds_ratio"] == 1
    assert np.isnan(white["relative_rate_low"]) and np.isnan(white["p_value"]) and white["test"] == ""
    assert white["note"] == "reference group"


def test_groups_under_min_n_keep_counts_and_rate_but_get_no_ratio() -> None:
    table = compare_groups(
        [500, 29, 30], [50, 10, 10], groups=["White", "Small", "Enough"], reference="White"
    )
    small = table.loc["Small"]
    assert small["n"] == 29 and small["events"] == 10 and small["rate"] == pytest.approx(10 / 29)
    assert np.isnan(small["relative_rate"]) and np.isnan(small["p_value"]) and small["test"] == ""
    assert small["note"] == "fewer than 30 people"
    assert table.loc["Enough", "relative_rate"] == pytest.approx((10 / 30) / 0.1)
    looser = compare_groups([500, 29], [50, 10], groups=["White", "Small"], reference="White", min_n=10)
    assert not np.isnan(looser.loc["Small", "relative_rate"])


def test_small_reference_group_gives_no_ratios() -> None:
    table = compare_groups([20, 500], [2, 50], groups=["White", "Black"], reference="White")
    assert np.isnan(table.loc["Black", "relative_rate"])
    assert table.loc["Black", "note"] == "the reference group has fewer than 30 people, so there is no ratio"


def test_columns_are_the_documented_ones() -> None:
    table = compare_groups([200, 100], [20, 15], groups=["White", "Black"], reference="White")
    assert list(table.columns) == [
        "n",
        "events",
        "rate",
        "rate_low",
        "rate_high",
        "is_reference",
        "relative_rate",
        "relative_rate_low",
        "relative_rate_high",
        "odds_ratio",
        "odds_ratio_low",
        "odds_ratio_high",
        "test",
        "p_value",
        "note",
    ]


@quick
@given(st.lists(two_by_two(), min_size=1, max_size=6))
def test_each_group_is_compared_on_its_own(tables: list[tuple[int, int, int, int]]) -> None:
    """Adding or reordering other groups changes nothing about a group's comparison."""
    a, n1, c, n0 = tables[0]
    alone = compare_groups([n0, n1], [c, a], groups=["ref", "g0"], reference="ref", min_n=0)
    others = [(f"g{i}", t[1], t[0]) for i, t in enumerate(tables[1:], start=1)]
    names = ["ref", *[o[0] for o in others[::-1]], "g0"]
    people = [n0, *[o[1] for o in others[::-1]], n1]
    events = [c, *[o[2] for o in others[::-1]], a]
    crowded = compare_groups(people, events, groups=names, reference="ref", min_n=0)
    columns = ["relative_rate", "relative_rate_low", "relative_rate_high", "odds_ratio", "p_value"]
    np.testing.assert_array_equal(
        alone.loc["g0", columns].to_numpy(float), crowded.loc["g0", columns].to_numpy(float)
    )


def test_relative_rates_equal_fairlearn_and_aequitas_on_person_rows() -> None:
    rows = person_rows(np.random.default_rng(31), GROUPS)
    order = list(GROUPS)
    n, events = counts_by_group(rows, order)
    table = compare_groups(n, events, groups=order, reference="White", min_n=0)

    frame = MetricFrame(
        metrics=selection_rate,
        y_true=rows["outcome"],
        y_pred=rows["outcome"],
        sensitive_features=rows["group"],
    )
    fairlearn_ratio = frame.by_group / frame.by_group["White"]
    np.testing.assert_allclose(
        table["relative_rate"].to_numpy(float), fairlearn_ratio[order], rtol=0, atol=1e-9
    )
    # Fairlearn's own ratio() is the smallest group rate over the largest.
    rates = table["rate"].to_numpy(float)
    assert frame.ratio() == pytest.approx(rates.min() / rates.max(), abs=1e-9)

    crosstab = aequitas_crosstab(rows, "group", score="outcome", label="outcome")
    disparity = aequitas_disparity(crosstab, "pprev", "White")
    np.testing.assert_allclose(table["relative_rate"].to_numpy(float), disparity[order], rtol=0, atol=1e-9)


def test_relative_rate_interval_covers_the_truth_about_95_percent_of_the_time() -> None:
    """2,000 simulated 2x2 tables with known relative rates, from small to large groups and rates."""
    rng = np.random.default_rng(2024)
    tables = 2000
    true_rr = np.exp(rng.uniform(np.log(0.5), np.log(2.5), tables))
    n1 = np.exp(rng.uniform(np.log(30), np.log(3000), tables)).astype(int)
    n0 = np.exp(rng.uniform(np.log(100), np.log(5000), tables)).astype(int)
    p0 = rng.uniform(0.03, np.minimum(0.4, 0.9 / true_rr))
    a = rng.binomial(n1, p0 * true_rr)
    c = rng.binomial(n0, p0)
    estimate = relative_rate(a, n1, c, n0)
    covered = (estimate.low <= true_rr) & (true_rr <= estimate.high)
    assert 0.93 <= covered.mean() <= 0.97, covered.mean()
    # Also where counts are small (under 20 expected events in the group), where the method is weakest.
    small = n1 * p0 * true_rr < 20
    assert small.sum() >= 100
    assert 0.93 <= covered[small].mean() <= 0.97, covered[small].mean()
    # The interval is not just wide: it excludes 1 in most tables with a relative rate of 2 or more.
    strong = true_rr >= 2
    assert ((estimate.low > 1) | (estimate.high < 1))[strong].mean() > 0.8


def test_compare_within_equals_compare_groups_unit_by_unit() -> None:
    rng = np.random.default_rng(11)
    rows = []
    for unit in ["A", "B", "C", "D"]:
        for group in ["White", "Black", "Asian", "Mixed"]:
            n = int(rng.integers(0, 400)) if not (unit == "D" and group == "White") else 0
            rows.append({"unit": unit, "group": group, "n": n, "events": int(rng.binomial(n, 0.2))})
    rows.append({"unit": "E", "group": "Black", "n": 50, "events": 5})  # a unit with no reference row
    frame = pd.DataFrame(rows)
    within = compare_within(frame, reference="White")
    for unit in ["A", "B", "C"]:
        part = frame[frame["unit"] == unit]
        expected = compare_groups(part["n"], part["events"], groups=part["group"], reference="White")
        got = within[within["unit"] == unit].set_index("group")
        pd.testing.assert_frame_equal(
            got.drop(columns="unit"), expected, check_names=False, check_index_type=False, check_dtype=False
        )
    assert within.loc[within["unit"] == "D", "relative_rate"].isna().all()
    assert within.loc[within["unit"] == "E", "note"].str.contains("no people in the reference").all()


def test_compare_within_refuses_repeated_rows() -> None:
    frame = pd.DataFrame({"unit": ["A", "A"], "group": ["White", "White"], "n": [5, 6], "events": [1, 1]})
    with pytest.raises(ValueError, match="one row"):
        compare_within(frame, reference="White")
