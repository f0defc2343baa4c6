"""Adjusted comparison: logistic regression on the legitimate drivers, and marginal standardisation."""

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import special

from evenhand.equality.stats import (
    ModelNotFitted,
    adjusted_comparison,
    bh_qvalues,
    expected_events,
    flag,
    unit_comparison,
)

TIER_RATE = {"low": 0.05, "medium": 0.10, "high": 0.20}


def population(
    rng: np.random.Generator,
    groups: Mapping[str, tuple[int, Mapping[str, float], float]],
    *,
    regions: int = 4,
) -> pd.DataFrame:
    """One row per person: group, tier (drawn with the group's tier mix), region and a 0/1 ``recalled``.

    ``groups`` maps a group to (people, tier shares, odds ratio of the group). The log-odds of recall are
    logit(TIER_RATE[tier]) + log(odds ratio) + a region effect of ±0.1, so that the tier and region are the
    only drivers unless a group's odds ratio differs from 1.
    """
    frames = []
    for name, (size, shares, odds) in groups.items():
        tier = rng.choice(list(shares), size=size, p=list(shares.values()))
        region = rng.integers(0, regions, size=size)
        log_odds = (
            special.logit(np.vectorize(TIER_RATE.get)(tier)) + np.log(odds) + 0.1 * (region % 2 * 2 - 1)
        )
        recalled = (rng.random(size) < special.expit(log_odds)).astype(np.int64)
        frames.append(pd.DataFrame({"group": name, "tier": tier, "region": region, "recalled": recalled}))
    return pd.concat(frames, ignore_index=True)


def aggregate(people: pd.DataFrame) -> pd.DataFrame:
    return (
        people.groupby(["group", "tier", "region"])
        .agg(n=("recalled", "size"), recalled=("recalled", "sum"))
        .reset_index()
    )


MIX_WHITE = {"low": 0.6, "medium": 0.25, "high": 0.15}
MIX_HIGH = {"low": 0.15, "medium": 0.25, "high": 0.6}


def test_gap_made_only_by_a_legitimate_driver_is_flagged_crude_but_not_adjusted() -> None:
    rng = np.random.default_rng(11)
    people = population(
        rng,
        {
            "White": (14_000, MIX_WHITE, 1.0),
            "Black": (4_000, MIX_HIGH, 1.0),
            "Asian": (4_000, MIX_WHITE, 1.0),
        },
    )
    result = adjusted_comparison(
        people, outcome="recalled", group="group", reference="White", covariates=["tier", "region"]
    )
    table = result.table
    assert result.fitted and result.reason == ""
    others = table.loc[["Black", "Asian"]]
    crude_flags = flag(bh_qvalues(others["crude_p_value"]), others["crude_relative_rate"])
    adjusted_flags = flag(bh_qvalues(others["adjusted_p_value"]), others["adjusted_relative_rate"])
    assert crude_flags.tolist() == [True, False]
    assert adjusted_flags.tolist() == [False, False]
    # The drivers explain the gap: the adjusted ratio sits near 1, well inside the band, with 1 in its interval.
    black = table.loc["Black"]
    assert black["crude_relative_rate"] > 1.5
    assert 0.85 < black["adjusted_relative_rate"] < 1.15
    assert black["adjusted_relative_rate_low"] < 1 < black["adjusted_relative_rate_high"]
    assert black["adjusted_odds_ratio_low"] < 1 < black["adjusted_odds_ratio_high"]


def test_genuine_group_effect_is_recovered_within_its_interval() -> None:
    rng = np.random.default_rng(12)
    groups = {
        "White": (14_000, MIX_WHITE, 1.0),
        "Black": (5_000, MIX_HIGH, 1.5),
        "Asian": (4_000, MIX_WHITE, 1.0),
    }
    people = population(rng, groups)
    result = adjusted_comparison(
        people, outcome="recalled", group="group", reference="White", covariates=["tier", "region"]
    )
    table = result.table
    black, asian = table.loc["Black"], table.loc["Asian"]
    assert black["adjusted_odds_ratio_low"] < 1.5 < black["adjusted_odds_ratio_high"]
    assert asian["adjusted_odds_ratio_low"] < 1.0 < asian["adjusted_odds_ratio_high"]
    # The true adjusted relative rate over the same standard population (everyone), from the true model.
    base = special.logit(people["tier"].map(TIER_RATE)) + 0.1 * (people["region"] % 2 * 2 - 1)
    true_rr = special.expit(base + np.log(1.5)).mean() / special.expit(base).mean()
    assert black["adjusted_relative_rate_low"] < true_rr < black["adjusted_relative_rate_high"]
    others = table.loc[["Black", "Asian"]]
    assert flag(bh_qvalues(others["adjusted_p_value"]), others["adjusted_relative_rate"]).tolist() == [
        True,
        False,
    ]


def person_level_reference(people: pd.DataFrame, covariates: list[str]) -> tuple[Any, pd.DataFrame]:
    """An independent person-level fit: statsmodels Logit on dummies made by pandas."""
    design = pd.get_dummies(people[["group", *covariates]].astype(str), drop_first=False, dtype=float)
    design = design.drop(columns=["group_White", *[f"{c}_{people[c].astype(str).min()}" for c in covariates]])
    design = sm.add_constant(design)
    return sm.Logit(people["recalled"].to_numpy(float), design).fit(disp=0, tol=1e-12), design


def test_aggregated_rows_give_the_person_level_estimates() -> None:
    rng = np.random.default_rng(13)
    people = population(
        rng,
        {"White": (6_000, MIX_WHITE, 1.0), "Black": (2_000, MIX_HIGH, 1.4), "Asian": (1_500, MIX_WHITE, 0.8)},
    )
    covariates = ["tier", "region"]
    person = adjusted_comparison(
        people, outcome="recalled", group="group", reference="White", covariates=covariates
    )
    cells = aggregate(people)
    grouped = adjusted_comparison(
        cells, outcome="recalled", people="n", group="group", reference="White", covariates=covariates
    )
    assert grouped.cells == len(cells) < len(people) == grouped.people
    numbers = person.table.drop(columns=["note", "is_reference"])
    aligned = grouped.table.drop(columns=["note", "is_reference"]).loc[numbers.index]
    np.testing.assert_allclose(aligned.to_numpy(float), numbers.to_numpy(float), rtol=1e-9)

    # Against statsmodels' person-level logistic regression, fitted independently of the code under test.
    fit, design = person_level_reference(people, covariates)
    z = 1.959963984540054
    for name in ("Black", "Asian"):
        beta, se = fit.params[f"group_{name}"], fit.bse[f"group_{name}"]
        row = grouped.table.loc[name]
        assert row["adjusted_odds_ratio"] == pytest.approx(np.exp(beta), rel=1e-6)
        assert row["adjusted_odds_ratio_low"] == pytest.approx(np.exp(beta - z * se), rel=1e-6)
        assert row["adjusted_odds_ratio_high"] == pytest.approx(np.exp(beta + z * se), rel=1e-6)
        assert row["adjusted_p_value"] == pytest.approx(fit.pvalues[f"group_{name}"], rel=1e-5)

        # Marginal standardisation by hand: everyone assigned the group, over everyone assigned White.
        def mean_as(group: str, params: pd.Series) -> float:
            assigned = design.copy()
            for column in ("group_Black", "group_Asian"):
                assigned[column] = 1.0 if column == f"group_{group}" else 0.0
            return float(special.expit(assigned.to_numpy() @ params.to_numpy()).mean())

        def log_ratio(params: pd.Series, group: str = name) -> float:
            return float(np.log(mean_as(group, params) / mean_as("White", params)))

        assert row["adjusted_relative_rate"] == pytest.approx(np.exp(log_ratio(fit.params)), rel=1e-6)
        # Delta method with a numerical gradient, against the analytic one in the code.
        step = 1e-6
        gradient = np.array(
            [
                (log_ratio(fit.params + step * unit) - log_ratio(fit.params - step * unit)) / (2 * step)
                for unit in np.eye(len(fit.params))
            ]
        )
        log_se = np.sqrt(gradient @ fit.cov_params().to_numpy() @ gradient)
        assert row["adjusted_relative_rate_low"] == pytest.approx(
            np.exp(log_ratio(fit.params) - z * log_se), rel=1e-5
        )
        assert row["adjusted_relative_rate_high"] == pytest.approx(
            np.exp(log_ratio(fit.params) + z * log_se), rel=1e-5
        )


def test_crude_figures_beside_the_adjusted_ones_are_compare_groups_figures() -> None:
    rng = np.random.default_rng(14)
    people = population(rng, {"White": (3_000, MIX_WHITE, 1.0), "Black": (1_000, MIX_HIGH, 1.0)})
    table = adjusted_comparison(
        people, outcome="recalled", group="group", reference="White", covariates=["tier"]
    ).table
    n = people.groupby("group")["recalled"].size()
    events = people.groupby("group")["recalled"].sum()
    crude_rr = (events["Black"] / n["Black"]) / (events["White"] / n["White"])
    assert table.loc["Black", "crude_relative_rate"] == pytest.approx(crude_rr, rel=1e-12)
    assert table.loc["White", "n"] == n["White"] and table.loc["Black", "events"] == events["Black"]


def test_adjusted_intervals_cover_the_truth_about_95_percent_of_the_time() -> None:
    """400 simulated aggregated populations with a known odds ratio of 1.5 and tier-driven rates.

    With 400 runs the standard error of an observed coverage is about 1.1 points, so the band 92-98% is
    about 2.7 standard errors either side of 95%.
    """
    rng = np.random.default_rng(2024)
    cells = pd.DataFrame(
        [(g, t) for g in ("White", "Black") for t in TIER_RATE], columns=["group", "tier"]
    ).assign(n=[2000, 800, 300, 300, 400, 700])
    odds = np.where(cells["group"] == "Black", 1.5, 1.0)
    base = special.logit(cells["tier"].map(TIER_RATE).to_numpy())
    cells["p"] = special.expit(base + np.log(odds))
    # True adjusted relative rate over the standard population (all cells' people, with their own tiers).
    true_rr = (cells["n"] * special.expit(base + np.log(1.5))).sum() / (
        cells["n"] * special.expit(base)
    ).sum()
    covered_or, covered_rr, runs = 0, 0, 400
    for _ in range(runs):
        cells["recalled"] = rng.binomial(cells["n"], cells["p"])
        row = adjusted_comparison(
            cells, outcome="recalled", people="n", group="group", reference="White", covariates=["tier"]
        ).table.loc["Black"]
        covered_or += row["adjusted_odds_ratio_low"] < 1.5 < row["adjusted_odds_ratio_high"]
        covered_rr += row["adjusted_relative_rate_low"] < true_rr < row["adjusted_relative_rate_high"]
    assert 0.92 <= covered_or / runs <= 0.98, covered_or / runs
    assert 0.92 <= covered_rr / runs <= 0.98, covered_rr / runs


def test_a_driver_level_with_no_events_is_left_out_and_reported() -> None:
    rng = np.random.default_rng(16)
    people = population(rng, {"White": (5_000, MIX_WHITE, 1.0), "Black": (2_000, MIX_HIGH, 1.3)})
    unsupervised = pd.DataFrame(
        {"group": ["White"] * 300 + ["Black"] * 200, "tier": "none", "region": 0, "recalled": 0}
    )
    everyone = pd.concat([people, unsupervised], ignore_index=True)
    result = adjusted_comparison(
        everyone, outcome="recalled", group="group", reference="White", covariates=["tier"]
    )
    assert result.fitted
    assert result.dropped[["covariate", "level", "n", "events", "why"]].values.tolist() == [
        ["tier", "none", 500, 0, "nobody had the event"]
    ]
    assert "tier='none'" in result.table.loc["Black", "note"]
    # The limit of the full fit is the fit without those people: their probability is 0 whatever their group.
    without = adjusted_comparison(
        people, outcome="recalled", group="group", reference="White", covariates=["tier"]
    )
    columns = [
        "adjusted_odds_ratio",
        "adjusted_odds_ratio_low",
        "adjusted_relative_rate",
        "adjusted_relative_rate_high",
    ]
    np.testing.assert_allclose(
        result.table.loc["Black", columns].to_numpy(float),
        without.table.loc["Black", columns].to_numpy(float),
    )
    # The crude figures still count everyone.
    assert result.table.loc["Black", "n"] == (everyone["group"] == "Black").sum()


def test_a_group_with_no_events_is_left_out_of_the_model_and_says_why() -> None:
    rng = np.random.default_rng(17)
    people = population(rng, {"White": (5_000, MIX_WHITE, 1.0), "Black": (2_000, MIX_HIGH, 1.0)})
    quiet = pd.DataFrame({"group": "Mixed", "tier": "low", "region": 1, "recalled": np.zeros(200, dtype=int)})
    result = adjusted_comparison(
        pd.concat([people, quiet], ignore_index=True),
        outcome="recalled",
        group="group",
        reference="White",
        covariates=["tier"],
    )
    assert result.fitted
    mixed = result.table.loc["Mixed"]
    assert np.isnan(mixed["adjusted_odds_ratio"]) and np.isnan(mixed["adjusted_relative_rate"])
    assert "nobody in the group had the event, so it is left out of the adjusted model" in mixed["note"]
    assert mixed["crude_relative_rate"] == 0
    assert not np.isnan(result.table.loc["Black", "adjusted_odds_ratio"])


def test_drivers_that_fix_the_group_cannot_be_fitted_and_the_crude_figures_remain() -> None:
    rng = np.random.default_rng(18)
    people = population(rng, {"White": (2_000, MIX_WHITE, 1.0), "Black": (1_000, MIX_HIGH, 1.0)})
    people["same_as_group"] = people["group"]
    result = adjusted_comparison(
        people, outcome="recalled", group="group", reference="White", covariates=["tier", "same_as_group"]
    )
    assert not result.fitted
    assert "cannot be told apart" in result.reason
    black = result.table.loc["Black"]
    assert np.isnan(black["adjusted_odds_ratio"]) and not np.isnan(black["crude_relative_rate"])
    assert "no adjusted figures: " in black["note"]


def test_reference_group_with_a_certain_outcome_cannot_be_modelled() -> None:
    frame = pd.DataFrame(
        {
            "group": ["White", "White", "Black", "Black"],
            "tier": ["low", "high"] * 2,
            "n": [50, 50, 50, 50],
            "e": [0, 0, 5, 9],
        }
    )
    result = adjusted_comparison(
        frame, outcome="e", people="n", group="group", reference="White", covariates=["tier"]
    )
    assert not result.fitted and "nobody in the reference group had the event" in result.reason


def test_small_groups_stay_in_the_model_but_get_no_adjusted_figures() -> None:
    rng = np.random.default_rng(19)
    people = population(rng, {"White": (3_000, MIX_WHITE, 1.0), "Other": (25, MIX_WHITE, 1.0)})
    people.loc[people["group"] == "Other", "recalled"] = [1, 0] * 12 + [1]
    result = adjusted_comparison(
        people, outcome="recalled", group="group", reference="White", covariates=["tier"]
    )
    other = result.table.loc["Other"]
    assert np.isnan(other["adjusted_odds_ratio"]) and other["note"] == "fewer than 30 people"


def test_expected_events_add_up_to_the_observed_ones_within_each_driver_level() -> None:
    rng = np.random.default_rng(20)
    people = population(rng, {"White": (4_000, MIX_WHITE, 1.0), "Black": (1_500, MIX_HIGH, 1.0)}, regions=6)
    table = expected_events(people, outcome="recalled", covariates=["tier"], by=["region", "tier"])
    by_tier = table.groupby(level="tier")[["observed", "expected"]].sum()
    np.testing.assert_allclose(by_tier["expected"], by_tier["observed"], rtol=1e-8)
    assert table["n"].sum() == len(people)
    crude = expected_events(people, outcome="recalled", covariates=[], by=["region"])
    rate = people["recalled"].mean()
    np.testing.assert_allclose(crude["expected"], crude["n"] * rate, rtol=1e-12)


def test_a_unit_with_a_real_excess_stands_out_of_the_funnel() -> None:
    rng = np.random.default_rng(21)
    frames = []
    for unit in range(20):
        odds = 2.5 if unit == 7 else 1.0
        part = population(rng, {"White": (1_500, MIX_WHITE, odds), "Black": (500, MIX_HIGH, odds)}, regions=1)
        frames.append(part.assign(pdu=f"PDU{unit:02d}"))
    people = pd.concat(frames, ignore_index=True)
    table = expected_events(people, outcome="recalled", covariates=["tier"], by=["pdu"])
    units = unit_comparison(table["observed"], table["expected"], units=table.index)
    q = bh_qvalues(units["p_value"])
    assert units.index[q < 0.05].tolist() == ["PDU07"]
    assert units.loc["PDU07", "outside_99.8"] and units.loc["PDU07", "direction"] == "above"


def test_expected_events_say_when_the_national_model_cannot_be_fitted() -> None:
    frame = pd.DataFrame(
        {"pdu": ["A", "B"], "tier": ["low", "low"], "copy": ["A", "B"], "n": [10, 10], "e": [1, 2]}
    )
    frame = pd.concat([frame, frame.assign(tier="high", e=[3, 4])], ignore_index=True)
    frame["tier_again"] = frame["tier"]
    with pytest.raises(ModelNotFitted, match="cannot be told apart"):
        expected_events(frame, outcome="e", people="n", covariates=["tier", "tier_again"], by=["pdu"])


def test_separation_that_no_single_level_shows_is_reported_not_fitted() -> None:
    # Every level of A and of B has people with and without the event, yet (a1, b2) is all events and
    # (a2, b1) none: the coefficients of A and B run off to infinity together.
    rows = [
        (group, a, b, n, e)
        for group in ("White", "Black")
        for a, b, n, e in (
            ("a1", "b1", 50, 10),
            ("a1", "b2", 50, 50),
            ("a2", "b1", 50, 0),
            ("a2", "b2", 50, 20),
        )
    ]
    frame = pd.DataFrame(rows, columns=["group", "A", "B", "n", "e"])
    result = adjusted_comparison(
        frame, outcome="e", people="n", group="group", reference="White", covariates=["A", "B"]
    )
    assert not result.fitted and "separated" in result.reason
    assert result.dropped.empty
    assert np.isnan(result.table.loc["Black", "adjusted_relative_rate"])
    assert result.table.loc["Black", "crude_relative_rate"] == pytest.approx(1.0)


def test_the_design_multiplies_as_the_dense_model_matrix_does() -> None:
    """X kept as codes gives what the dense 0/1 matrix gives for Xβ, Xᵀv and XᵀWX: categorical and plain
    columns, several levels, a base level with no column, and a missing value (which has no column)."""
    from evenhand.equality.stats.adjust import _Design

    rng = np.random.default_rng(5)
    rows = 500
    frame = pd.DataFrame(
        {
            "tier": pd.Categorical(
                rng.choice(["A", "B", "C", "D"], rows), categories=["D", "C", "B", "A", "E"]
            ),
            "age": rng.choice([18, 25, 40], rows),
            "sex": rng.choice(["F", "M", None], rows),
        }
    )
    columns = [("tier", "A"), ("tier", "C"), ("tier", "B"), ("age", 25), ("age", 40), ("sex", "M")]
    dense = np.column_stack(
        [np.ones(rows)] + [(frame[factor] == level).to_numpy(dtype=float) for factor, level in columns]
    )
    design = _Design(frame, columns)
    beta, values, weights = rng.normal(size=7), rng.normal(size=rows), rng.random(rows)
    np.testing.assert_allclose(design @ beta, dense @ beta, rtol=1e-12)
    np.testing.assert_allclose(design.transposed_times(values), dense.T @ values, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        design.cross_product(weights), dense.T @ (dense * weights[:, None]), rtol=1e-12, atol=1e-12
    )


def test_the_newton_fit_equals_statsmodels_glm_on_aggregated_cells() -> None:
    from evenhand.equality.stats.adjust import _Design, _logistic

    rng = np.random.default_rng(21)
    cells = 400
    factors = pd.DataFrame(rng.integers(0, 2, size=(cells, 6)), columns=[f"f{i}" for i in range(6)])
    dense = np.column_stack([np.ones(cells), factors.to_numpy(dtype=float)])
    n = rng.integers(1, 200, size=cells).astype(float)
    p = 1 / (1 + np.exp(-(dense @ rng.normal(0, 0.7, size=7))))
    events = rng.binomial(n.astype(int), p).astype(float)
    fit = _logistic(_Design(factors, [(name, 1) for name in factors.columns]), events, n)
    reference = sm.GLM(np.column_stack([events, n - events]), dense, family=sm.families.Binomial()).fit(
        tol=1e-14
    )
    assert fit.converged
    np.testing.assert_allclose(fit.params, reference.params, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fit.cov, reference.cov_params(), rtol=1e-6, atol=1e-12)
