"""sum_by is pandas' group-by sum: the same rows, order and column types, on every path it takes."""

import numpy as np
import pandas as pd
import pytest

from evenhand.equality.stats.grouping import sum_by


def frame(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            # A categorical whose order is not alphabetical, with a category nobody has.
            "tier": pd.Categorical(rng.choice(["A", "B", "C"], rows), categories=["C", "A", "B", "D"]),
            "sex": pd.Series(rng.choice(["F", "M", None], rows), dtype="str"),  # strings, some missing
            "team": rng.integers(0, 3000, rows),  # many levels: combinations are numbered by hashing
            "group": pd.Categorical(rng.choice(["white", "black", None], rows)),  # a missing category
            "trials": rng.integers(1, 4, rows),
            "events": rng.integers(0, 2, rows),
            "expected": rng.random(rows),
            "flag": rng.random(rows) < 0.3,
        }
    )


def pandas_sum(data: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    return data.groupby(keys, observed=True, dropna=False)[values].sum().reset_index()


@pytest.mark.parametrize(
    "keys",
    [["tier"], ["sex"], ["group", "tier"], ["team", "tier", "sex"], ["tier", "group", "sex", "team"]],
)
@pytest.mark.parametrize("rows", [0, 1, 50, 20_000])
def test_sum_by_equals_pandas_group_by(keys: list[str], rows: int) -> None:
    data = frame(rows, seed=len(keys) + rows)
    values = ["trials", "events", "expected", "flag"]
    ours = sum_by(data, keys, values)
    pd.testing.assert_frame_equal(ours, pandas_sum(data, keys, values), check_exact=False, rtol=1e-12)
    assert ours["trials"].dtype == np.int64 and ours["flag"].dtype == np.int64


def test_unsorted_sums_are_the_same_groups_in_another_order() -> None:
    data = frame(5000, seed=3)
    keys, values = ["team", "tier", "sex"], ["trials", "events"]
    unsorted = sum_by(data, keys, values, sort=False)
    again = unsorted.sort_values(keys, ignore_index=True, na_position="last")
    expected = pandas_sum(data, keys, values).sort_values(keys, ignore_index=True, na_position="last")
    pd.testing.assert_frame_equal(again, expected)


def test_sum_by_needs_a_key() -> None:
    with pytest.raises(ValueError, match="at least one column"):
        sum_by(frame(10, seed=1), [], ["trials"])
