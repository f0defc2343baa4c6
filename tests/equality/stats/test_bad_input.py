"""Bad input fails at once with a ValueError that names the problem."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from evenhand.equality.stats import (
    adjusted_comparison,
    bh_qvalues,
    compare_groups,
    expected_events,
    flag,
    funnel_curve,
    group_rates,
    quarterly,
    unit_comparison,
)


@pytest.mark.parametrize(
    ("n", "events", "message"),
    [
        ([10, -1], [1, 0], r"n for 'b' is negative \(-1\)"),
        ([10, 5], [1, -2], r"events for 'b' is negative"),
        ([10, 5], [1, 6], r"events exceed n for 'b': 6 events among 5 people"),
        ([10, 5.5], [1, 0], r"n for 'b' is not a whole number"),
        ([10, np.nan], [1, 0], r"n for 'b' is missing or infinite"),
        ([10, 5], [1, 0, 0], r"n has 2 rows but events has 3"),
        ([[10, 5]], [[1, 0]], r"one-dimensional"),
        (["10", "5"], [1, 0], r"must hold numbers"),
    ],
)
def test_bad_counts(n: object, events: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compare_groups(n, events, groups=["a", "b"], reference="a")  # type: ignore[arg-type]


def test_labels_must_match_the_counts_and_be_unique() -> None:
    with pytest.raises(ValueError, match="groups has 3 labels but the counts have 2 rows"):
        group_rates([10, 5], [1, 0], groups=["a", "b", "c"])
    with pytest.raises(ValueError, match="must not repeat a label: 'a'"):
        group_rates([10, 5], [1, 0], groups=["a", "a"])


def test_unknown_or_empty_reference() -> None:
    with pytest.raises(
        ValueError, match=r"reference group 'White' is not among the groups \('Black', 'Asian'\)"
    ):
        compare_groups([10, 5], [1, 0], groups=["Black", "Asian"], reference="White")
    with pytest.raises(ValueError, match="the reference group 'White' has no people"):
        compare_groups([0, 50], [0, 5], groups=["White", "Black"], reference="White")


@pytest.mark.parametrize("alpha", [0, 1, -0.1, 1.5, "0.05"])
def test_alpha_must_be_a_probability(alpha: object) -> None:
    with pytest.raises(ValueError, match="alpha must be a number between 0 and 1"):
        group_rates([10], [1], alpha=alpha)  # type: ignore[arg-type]


def test_min_n_must_be_a_whole_number_of_people() -> None:
    with pytest.raises(ValueError, match="min_n must be a whole number"):
        compare_groups([10, 5], [1, 0], groups=["a", "b"], reference="a", min_n=-1)


def test_bad_p_values_and_flag_arguments() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        bh_qvalues([0.5, 1.2])
    with pytest.raises(ValueError, match="one-dimensional"):
        bh_qvalues([[0.5]])
    with pytest.raises(ValueError, match="q has shape"):
        flag([0.01, 0.02], [1.5])
    with pytest.raises(ValueError, match="band must be"):
        flag([0.01], [1.5], band=(1.25, 0.8))
    with pytest.raises(ValueError, match="q_threshold"):
        flag([0.01], [1.5], q_threshold=0)


def test_bad_funnel_input() -> None:
    with pytest.raises(ValueError, match="expected counts must be finite and 0 or more"):
        unit_comparison([1, 2], [1.0, -1.0], units=["a", "b"])
    with pytest.raises(ValueError, match="observed has 2 units but expected has 3"):
        unit_comparison([1, 2], [1.0, 1.0, 1.0], units=["a", "b"])
    with pytest.raises(ValueError, match="units has 1 labels"):
        unit_comparison([1, 2], [1.0, 1.0], units=["a"])
    with pytest.raises(ValueError, match="observed for 'b' is negative"):
        unit_comparison([1, -2], [1.0, 1.0], units=["a", "b"])
    with pytest.raises(ValueError, match="limits must be"):
        unit_comparison([1], [1.0], units=["a"], limits=(0.998, 0.95))
    with pytest.raises(ValueError, match="0 < min_expected < max_expected"):
        funnel_curve(0.1, min_expected=1)


def people() -> pd.DataFrame:
    return pd.DataFrame(
        {"group": ["White", "Black"] * 20, "tier": ["low", "high"] * 20, "recalled": [0, 1, 1, 0] * 10}
    )


def test_bad_adjusted_comparison_input() -> None:
    def run(frame: pd.DataFrame, **options: object) -> object:
        arguments: dict[str, object] = {"outcome": "recalled", "group": "group", "reference": "White"}
        arguments["covariates"] = ["tier"]
        return adjusted_comparison(frame, **{**arguments, **options})  # type: ignore[arg-type]

    with pytest.raises(ValueError, match="the frame has no column 'rosh'"):
        run(people(), covariates=["rosh"])
    with pytest.raises(ValueError, match="reference group 'Irish' is not among the groups"):
        run(people(), reference="Irish")
    with pytest.raises(ValueError, match="column 'tier' has missing values"):
        run(people().assign(tier=[None, "high"] * 20))
    with pytest.raises(ValueError, match="outcome 'recalled' must be 0 or 1"):
        run(people().assign(recalled=[0, 2] * 20))
    with pytest.raises(ValueError, match="cannot also be a driver"):
        run(people(), covariates=["group"])
    aggregated = pd.DataFrame(
        {"group": ["White", "Black"], "tier": ["low", "low"], "n": [10, 5], "recalled": [2, 6]}
    )
    with pytest.raises(ValueError, match=r"row 1 has more events \(6\) than people \(5\)"):
        run(aggregated, people="n")
    with pytest.raises(ValueError, match="column 'n' must hold whole counts"):
        run(aggregated.assign(n=[10, -5], recalled=[2, 0]), people="n")
    with pytest.raises(ValueError, match="the reference group 'White' has no people"):
        run(aggregated.assign(n=[0, 5], recalled=[0, 1]), people="n")
    with pytest.raises(ValueError, match="by must name at least one column"):
        expected_events(people(), outcome="recalled", covariates=["tier"], by=[])


def test_bad_trend_input() -> None:
    frame = pd.DataFrame(
        {"quarter": ["Q1", "Q1"], "group": ["White", "Black"], "n": [10, 5], "events": [1, 6]}
    )
    with pytest.raises(ValueError, match="quarter Q1: events exceed n for 'Black'"):
        quarterly(frame, reference="White")
    with pytest.raises(ValueError, match="the frame has no column 'period'"):
        quarterly(frame, reference="White", quarter="period")
    with pytest.raises(ValueError, match="has more than one"):
        quarterly(pd.concat([frame, frame]), reference="White")
    with pytest.raises(ValueError, match="has no people in any quarter"):
        quarterly(frame.assign(n=[0, 5], events=[0, 1]), reference="White")
    with pytest.raises(ValueError, match="no rows"):
        quarterly(frame.iloc[:0], reference="White")


def test_the_statistics_import_no_django() -> None:
    code = (
        "import sys, evenhand.equality.stats; "
        "loaded = [m for m in sys.modules if m == 'django' or m.startswith('django.')]; "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
