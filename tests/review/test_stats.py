"""Agreement and the design-weighted estimates, against reference implementations and by simulation."""

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from evenhand.review.sampling import allocate, draw
from evenhand.review.stats import compare, kappa, stratified_share

CATEGORIES = ["sufficient", "not_sufficient", "not_applicable"]


class TestKappa:
    def test_against_scikit_learn(self) -> None:
        rng = np.random.default_rng(5)
        for _ in range(20):
            first = rng.choice(CATEGORIES, size=40, p=[0.6, 0.3, 0.1])
            # The second reviewer agrees 70% of the time, otherwise answers at random.
            second = np.where(rng.random(40) < 0.7, first, rng.choice(CATEGORIES, size=40))
            ours = kappa(first, second, CATEGORIES)
            assert ours.kappa == pytest.approx(cohen_kappa_score(first, second), abs=1e-12)
            assert ours.low < ours.kappa < ours.high

    def test_a_worked_example_with_its_interval(self) -> None:
        # 40 cases: both sufficient 20, both not 12, 5 and 3 disagreements. p_o = 0.8, p_e = (25*23 + 15*17)/1600
        first = ["sufficient"] * 25 + ["not_sufficient"] * 15
        second = ["sufficient"] * 20 + ["not_sufficient"] * 5 + ["sufficient"] * 3 + ["not_sufficient"] * 12
        result = kappa(first, second, CATEGORIES)
        p_e = (25 * 23 + 15 * 17) / 1600
        assert result.kappa == pytest.approx((0.8 - p_e) / (1 - p_e))
        assert result.agreement == 0.8
        assert result.high - result.low == pytest.approx(2 * 1.959964 * result.se, rel=1e-5)

    def test_bad_input(self) -> None:
        with pytest.raises(ValueError, match="categories"):
            kappa(["yes", "no"], ["no", "no"], CATEGORIES)
        with pytest.raises(ValueError, match="one pair"):
            kappa(["sufficient"], ["sufficient", "sufficient"], CATEGORIES)
        assert np.isnan(kappa(["sufficient"] * 3, ["sufficient"] * 3, CATEGORIES).kappa)


def _population(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """600 cases in 6 strata (3 groups x 2 bands) of very different sizes and true shares sufficient."""
    sizes = np.array([300, 150, 60, 40, 30, 20])
    strata = np.repeat(np.arange(6), sizes)
    share = np.array([0.75, 0.6, 0.7, 0.45, 0.55, 0.35])[strata]
    y = (rng.random(strata.size) < share).astype(float)
    group = np.array([0, 0, 1, 1, 2, 2])[strata]
    return strata, y, group


class TestStratifiedShare:
    def test_weights_and_a_census(self) -> None:
        strata = np.array([0, 0, 1, 1, 1])
        y = np.array([1, 0, 1, 1, 0])
        # Stratum 0 of 10 (2 drawn), stratum 1 of 3 (all drawn): (5*1 + 5*0 + 1 + 1 + 0) / 13.
        estimate = stratified_share(y, np.ones(5, bool), strata, [10, 3], [2, 3])
        assert estimate is not None
        assert estimate.share == pytest.approx(7 / 13) and estimate.population == pytest.approx(13)
        census = stratified_share(y, np.ones(5, bool), strata, [2, 3], [2, 3])
        assert census is not None and census.se == 0
        assert stratified_share(y, np.zeros(5, bool), strata, [10, 3], [2, 3]) is None

    def test_unbiased_with_intervals_that_cover(self) -> None:
        # 1,000 simulated rounds over a population with a known truth: the estimate's mean is the truth and
        # the 95% intervals cover it between 93% and 97% of the time, for each group.
        rng = np.random.default_rng(20261203)
        strata, y, group = _population(rng)
        allocation = allocate(np.bincount(strata), 160, 15)
        masks = draw(strata, allocation.sample, rng, draws=1000)
        for g in range(3):
            truth = y[group == g].mean()
            covered, estimates = 0, []
            for mask in masks:
                e = stratified_share(
                    y[mask], group[mask] == g, strata[mask], allocation.population, allocation.sample
                )
                assert e is not None
                estimates.append(e.share)
                covered += e.low <= truth <= e.high
            assert 0.93 <= covered / 1000 <= 0.97, (g, covered)
            assert np.mean(estimates) == pytest.approx(truth, abs=3 * np.std(estimates) / np.sqrt(1000))

    def test_an_unweighted_mean_would_be_biased(self) -> None:
        # Oversampling small strata moves the unweighted mean away from the truth: the weights matter.
        rng = np.random.default_rng(3)
        strata, y, _ = _population(rng)
        allocation = allocate(np.bincount(strata), 120, 20)
        masks = draw(strata, allocation.sample, rng, draws=300)
        unweighted = np.mean([y[m].mean() for m in masks])
        weighted = np.mean(
            [
                stratified_share(
                    y[m], np.ones(m.sum(), bool), strata[m], allocation.population, allocation.sample
                ).share
                for m in masks
            ]  # type: ignore[union-attr]
        )
        assert abs(weighted - y.mean()) < 0.01 < abs(unweighted - y.mean())


def test_comparison_with_the_reference_group() -> None:
    strata = np.array([0] * 20 + [1] * 20)
    y = np.array([1] * 16 + [0] * 4 + [1] * 10 + [0] * 10)
    white = stratified_share(y, strata == 0, strata, [100, 40], [20, 20])
    black = stratified_share(y, strata == 1, strata, [100, 40], [20, 20])
    assert white is not None and black is not None
    result = compare(black, white)
    assert result.difference == pytest.approx(0.5 - 0.8)
    assert result.ratio == pytest.approx(0.5 / 0.8)
    assert result.difference_low < result.difference < result.difference_high < 0
    assert result.ratio_low < result.ratio < result.ratio_high
    assert result.p_value < 0.05


def test_kappa_of_perfect_agreement_has_no_width() -> None:
    answers = ["sufficient", "not_sufficient", "sufficient", "not_applicable"]
    result = kappa(answers, answers, CATEGORIES)
    assert result.kappa == pytest.approx(1.0) and result.se == 0 and result.low == result.high == result.kappa
