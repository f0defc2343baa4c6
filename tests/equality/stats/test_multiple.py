"""Benjamini-Hochberg q-values and the flagging rule."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests

from evenhand.equality.stats import bh_qvalues, bh_qvalues_by, flag

from .helpers import quick

p_values = st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=200)


@quick
@given(p_values)
def test_q_values_equal_statsmodels_and_scipy(p: list[float]) -> None:
    q = bh_qvalues(p)
    np.testing.assert_allclose(q, multipletests(p, method="fdr_bh")[1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(q, stats.false_discovery_control(p, method="bh"), rtol=0, atol=1e-12)
    assert np.all(q >= np.asarray(p) - 1e-15) and np.all(q <= 1)


def test_q_values_by_hand() -> None:
    # Sorted: 0.005, 0.01, 0.03, 0.04 with m = 4: 4·p/rank = 0.02, 0.02, 0.04, 0.04, then the running minimum
    # from the largest down; returned in the order given.
    q = bh_qvalues([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(q, [0.02, 0.04, 0.04, 0.02], rtol=0, atol=1e-15)


def test_comparisons_not_made_stay_missing_and_are_not_counted() -> None:
    q = bh_qvalues([0.01, np.nan, 0.04, np.nan])
    assert np.isnan(q[1]) and np.isnan(q[3])
    np.testing.assert_allclose(q[[0, 2]], multipletests([0.01, 0.04], method="fdr_bh")[1])
    assert np.isnan(bh_qvalues([np.nan])).all()
    assert bh_qvalues([]).shape == (0,)


def test_flag_needs_both_a_small_q_value_and_a_ratio_outside_the_band() -> None:
    q = np.array([0.01, 0.01, 0.2, 0.01, 0.01])
    ratio = np.array([1.5, 1.1, 1.5, 0.5, 0.9])
    assert flag(q, ratio).tolist() == [True, False, False, True, False]


@pytest.mark.parametrize(
    ("q", "ratio", "flagged"),
    [
        (0.05, 2.0, False),  # q equal to the threshold is not below it
        (0.0499, 2.0, True),
        (0.01, 1.25, False),  # the ends of the band are inside it
        (0.01, 0.8, False),
        (0.01, 1.2501, True),
        (0.01, 0.7999, True),
        (0.01, np.inf, True),  # no events in the reference group
        (0.01, 0.0, True),  # no events in the group
        (np.nan, 2.0, False),  # no comparison made
        (0.01, np.nan, False),
    ],
)
def test_flag_edges(q: float, ratio: float, flagged: bool) -> None:
    assert flag([q], [ratio]).tolist() == [flagged]


def test_flag_threshold_and_band_are_configurable() -> None:
    assert flag([0.08], [1.5], q_threshold=0.1).tolist() == [True]
    assert flag([0.01], [1.15], band=(0.9, 1.1)).tolist() == [True]
    assert flag([0.01], [1.15], band=(0.5, 2.0)).tolist() == [False]


@quick
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 10)), min_size=1, max_size=50))
def test_flag_is_the_documented_rule(pairs: list[tuple[float, float]]) -> None:
    q, ratio = (np.array(column) for column in zip(*pairs, strict=True))
    expected = [qi < 0.05 and (ri < 0.8 or ri > 1.25) for qi, ri in pairs]
    assert flag(q, ratio).tolist() == expected


def test_bh_by_family_equals_bh_on_each_family() -> None:
    rng = np.random.default_rng(3)
    p = rng.uniform(size=300) ** 2
    p[::17] = np.nan
    families = rng.choice(["a", "b", "c", "d"], size=300)
    q = bh_qvalues_by(p, families)
    for family in "abcd":
        at = families == family
        np.testing.assert_allclose(q[at], bh_qvalues(p[at]), rtol=0, atol=1e-15)
    assert np.isnan(q[::17]).all()
