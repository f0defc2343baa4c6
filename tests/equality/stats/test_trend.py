"""Trend: the comparison quarter by quarter."""

import numpy as np
import pandas as pd
import pytest

from evenhand.equality.stats import compare_groups, quarterly


def series() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "quarter": pd.PeriodIndex(["2025Q2", "2025Q2", "2025Q1", "2025Q1", "2025Q1", "2025Q3"], freq="Q"),
            "group": ["White", "Black", "White", "Black", "Asian", "Black"],
            "n": [400, 120, 380, 100, 60, 90],
            "events": [40, 20, 35, 15, 4, 12],
        }
    )


def test_each_quarter_is_compare_groups_on_that_quarter() -> None:
    table = quarterly(series(), reference="White")
    assert table.index.names == ["quarter", "group"]
    quarters = table.index.get_level_values("quarter").unique()
    assert [str(q) for q in quarters] == ["2025Q1", "2025Q2", "2025Q3"]
    first = compare_groups([380, 100, 60], [35, 15, 4], groups=["White", "Black", "Asian"], reference="White")
    got = table.loc[pd.Period("2025Q1", freq="Q")].loc[["White", "Black", "Asian"]]
    pd.testing.assert_frame_equal(got, first, check_names=False)


def test_a_group_missing_from_a_quarter_is_shown_with_no_people() -> None:
    table = quarterly(series(), reference="White")
    asian = table.loc[(pd.Period("2025Q2", freq="Q"), "Asian")]
    assert asian["n"] == 0 and np.isnan(asian["rate"]) and "no people in the group" in asian["note"]


def test_a_quarter_without_the_reference_keeps_rates_and_says_why() -> None:
    table = quarterly(series(), reference="White")
    black = table.loc[(pd.Period("2025Q3", freq="Q"), "Black")]
    assert black["rate"] == pytest.approx(12 / 90) and np.isnan(black["relative_rate"])
    assert black["note"] == "no people in the reference group, so there is no ratio"


def test_column_names_and_options_pass_through() -> None:
    frame = series().rename(
        columns={"quarter": "q", "group": "ethnicity", "n": "people", "events": "recalls"}
    )
    table = quarterly(
        frame, reference="White", quarter="q", group="ethnicity", n="people", events="recalls", min_n=100
    )
    assert table.index.names == ["q", "ethnicity"]
    assert table.loc[(pd.Period("2025Q1", freq="Q"), "Asian"), "note"] == "fewer than 100 people"
