"""The round's draw: allocation with a minimum per stratum, reproducible, inclusion probabilities as stated."""

import numpy as np
import pytest

from evenhand.review.sampling import SampleError, allocate, double_marked, draw


class TestAllocation:
    def test_small_strata_get_the_minimum_and_the_rest_is_proportional(self) -> None:
        result = allocate([200, 40, 3, 0, 57], size=50, minimum=5)
        # Minimum 5 each (3 for the stratum of 3), then 32 by what is left (195, 35, 0, 0, 52): 22.1, 4.0, 0, 0, 5.9.
        assert result.sample.tolist() == [27, 9, 3, 0, 11]
        assert result.sample.sum() == 50
        assert result.probabilities[3] == 0  # an empty stratum is reported, not an error
        assert result.probabilities[2] == 1

    def test_never_more_than_a_stratum_has(self) -> None:
        result = allocate([1, 2, 100], size=103, minimum=10)
        assert result.sample.tolist() == [1, 2, 100]

    @pytest.mark.parametrize(
        ("sizes", "n", "minimum", "message"),
        [
            ([10, 5], 16, 2, "larger than the population of 15"),
            ([10, 10, 10], 5, 2, "cannot give each group its minimum"),
            ([10], 0, 2, "at least one case"),
        ],
    )
    def test_bad_sizes_are_clear_errors(self, sizes: list[int], n: int, minimum: int, message: str) -> None:
        with pytest.raises(SampleError, match=message):
            allocate(sizes, n, minimum)


class TestDraw:
    strata = np.array([0] * 30 + [1] * 8 + [2] * 2 + [3] * 20)
    rng = staticmethod(np.random.default_rng)

    def test_reproducible_from_the_seed(self) -> None:
        shuffled = self.rng(3).permutation(self.strata)
        sample = allocate(np.bincount(shuffled), 15, 4).sample
        first = draw(shuffled, sample, self.rng(20261203))
        again = draw(shuffled, sample, self.rng(20261203))
        other = draw(shuffled, sample, self.rng(20261204))
        assert (first == again).all()
        assert not (first == other).all()
        assert np.bincount(shuffled[first[0]], minlength=4).tolist() == sample.tolist()

    def test_inclusion_probabilities_by_simulation(self) -> None:
        # 2,000 draws: each case's frequency within 4 standard errors of its stated probability n_h / N_h.
        strata = self.rng(7).permutation(self.strata)
        allocation = allocate(np.bincount(strata), 15, 4)
        probability = allocation.probabilities[strata]
        masks = draw(strata, allocation.sample, self.rng(11), draws=2000)
        assert (masks.sum(axis=1) == 15).all()
        frequency = masks.mean(axis=0)
        se = np.sqrt(probability * (1 - probability) / 2000)
        assert (np.abs(frequency - probability) <= 4 * se + 1e-12).all()
        # And the test could fail: a biased draw (always the first cases of each stratum) is caught.
        biased = np.zeros_like(masks[0])
        for h, n_h in enumerate(allocation.sample):
            biased[np.flatnonzero(strata == h)[:n_h]] = True
        assert not (np.abs(biased.astype(float) - probability) <= 4 * se + 1e-12).all()

    def test_double_marking_share(self) -> None:
        mask = double_marked(40, 0.1, self.rng(1))
        assert mask.sum() == 4
        assert double_marked(3, 0.1, self.rng(1)).sum() == 1
        assert double_marked(3, 0.0, self.rng(1)).sum() == 0
        with pytest.raises(SampleError):
            double_marked(3, 1.5, self.rng(1))
