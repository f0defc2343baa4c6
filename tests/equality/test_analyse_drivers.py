"""Drivers of every kind in `--adjust`, each equal to statsmodels on the same formula to 1e-6, and
separation or overlapping drivers reported by name."""

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from django.core.management import call_command
from scipy import special

REFERENCE = "White"


def people(size: int = 3000, seed: int = 11) -> pd.DataFrame:
    """Recall depending on age (curved), previous convictions, tier, and a little on the group."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["White", "Black", "Asian"], size=size, p=[0.6, 0.2, 0.2])
    age = rng.integers(18, 80, size=size)
    # At most 6, so that every count has people with and without the outcome (no separation).
    priors = np.minimum(rng.poisson(np.where(group == "Black", 3.0, 2.0)), 6)
    tier = rng.choice(list("ABCD"), size=size)
    log_odds = (
        -1.5
        + 0.0008 * (age - 40) ** 2
        - 0.02 * (age - 40)
        + 0.15 * priors
        + np.select([tier == "C", tier == "D"], [0.4, 0.9], 0.0)
        + np.where(group == "Asian", 0.3, 0.0)
    )
    recalled = rng.random(size) < special.expit(log_odds)
    return pd.DataFrame(
        {
            "ethnicity": group,
            "age": age,
            "priors": priors,
            "tier": tier,
            "recalled": np.where(recalled, "yes", "no"),
        }
    )


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return people()


@pytest.fixture
def data_csv(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "people.csv"
    frame.to_csv(path, index=False)
    return path


def adjusted(path: Path, *drivers: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command(
        "equality",
        "analyse",
        str(path),
        "--group",
        "ethnicity",
        "--reference",
        REFERENCE,
        "--outcome",
        "recalled = 'yes'",
        *[arg for driver in drivers for arg in ("--adjust", driver)],
        stdout=out,
    )
    return json.loads(out.getvalue())["adjusted"]


def statsmodels_fit(frame: pd.DataFrame, drivers: str) -> Any:
    data = frame.assign(y=(frame["recalled"] == "yes").astype(int))
    formula = f"y ~ C(ethnicity, Treatment('{REFERENCE}'))" + (f" + {drivers}" if drivers else "")
    return smf.glm(formula, data, family=sm.families.Binomial()).fit(tol=1e-12)


def check_equal(document: dict[str, Any], fit: Any) -> None:
    assert document["fitted"] is True, document["reason"]
    rows = {row["group"]: row for row in document["groups"]}
    for group in ("Black", "Asian"):
        term = f"C(ethnicity, Treatment('{REFERENCE}'))[T.{group}]"
        beta, se = fit.params[term], fit.bse[term]
        row = rows[group]
        np.testing.assert_allclose(np.log(row["adjusted_odds_ratio"]), beta, atol=1e-6)
        np.testing.assert_allclose(
            np.log(row["adjusted_odds_ratio_high"]) - np.log(row["adjusted_odds_ratio"]),
            1.959963984540054 * se,
            atol=1e-6,
        )
        np.testing.assert_allclose(row["adjusted_p_value"], fit.pvalues[term], atol=1e-6)


def test_a_numeric_driver_enters_as_a_number_by_default(data_csv: Path, frame: pd.DataFrame) -> None:
    document = adjusted(data_csv, "priors")
    assert document["formula"] == "logit P(recalled = 'yes') ~ C(ethnicity, base='White') + priors"
    check_equal(document, statsmodels_fit(frame, "priors"))
    # Entered as categories it is a different model, which statsmodels also agrees with.
    categories = adjusted(data_csv, "priors:cat")
    check_equal(categories, statsmodels_fit(frame, "C(priors)"))
    assert categories["groups"] != document["groups"]


def test_categories_and_several_drivers(data_csv: Path, frame: pd.DataFrame) -> None:
    check_equal(adjusted(data_csv, "tier,age,priors"), statsmodels_fit(frame, "C(tier) + age + priors"))


def test_bands(data_csv: Path, frame: pd.DataFrame) -> None:
    document = adjusted(data_csv, "priors:bands=0,1,4,10")
    banded = frame.assign(band=pd.cut(frame["priors"], [0, 1, 4, 10, np.inf], right=False).astype(str))
    check_equal(document, statsmodels_fit(banded, "C(band)"))
    assert "bands(priors, [0, 1, 4, 10])" in document["formula"]
    levels = {row["term"] for row in document["coefficients"]}
    assert {"priors[[0, 1)]", "priors[10+]"} & levels  # the bands are named (one is the base)


def test_a_natural_spline_with_stated_knots(data_csv: Path, frame: pd.DataFrame) -> None:
    document = adjusted(data_csv, "age:spline=4")
    knots = np.quantile(frame["age"], [0.05, 0.35, 0.65, 0.95])
    assert f"ns(age, knots=[{', '.join(f'{k:.6g}' for k in knots)}])" in document["formula"]
    # patsy's natural cubic regression spline on the same knots spans the same functions of age.
    inner = ", ".join(f"{k!r}" for k in knots[1:-1])
    spline = (
        f"cr(age, knots=({inner}), lower_bound={knots[0]!r}, upper_bound={knots[-1]!r}, constraints='center')"
    )
    check_equal(document, statsmodels_fit(frame, spline))
    # ...and differs from a straight line, which the curved effect of age makes worse.
    assert document["groups"] != adjusted(data_csv, "age")["groups"]


def test_interactions(data_csv: Path, frame: pd.DataFrame) -> None:
    document = adjusted(data_csv, "tier*age")
    assert (
        document["formula"].endswith("C(tier, base='A') + age + C(tier, base='A'):age")
        or ":age" in document["formula"]
    )
    check_equal(document, statsmodels_fit(frame, "C(tier) * age"))
    numeric = adjusted(data_csv, "priors*age")
    check_equal(numeric, statsmodels_fit(frame, "priors * age"))


def test_separation_is_reported_by_name(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = tmp_path / "separated.csv"
    # A small tier in which nobody was recalled: statsmodels would give it a coefficient of about -30.
    none = frame.index[frame["recalled"] == "no"][:40]
    frame.assign(tier=frame["tier"].where(~frame.index.isin(none), "E")).to_csv(path, index=False)
    document = adjusted(path, "tier")
    assert document["fitted"] is False
    assert document["reason"].startswith("separation: tier = 'E' (40 people: nobody had the outcome)")
    assert all(row["adjusted_odds_ratio"] in (None, 1.0) for row in document["groups"])
    # A numeric driver that predicts the outcome perfectly is named too.
    score = tmp_path / "score.csv"
    frame.assign(score=np.where(frame["recalled"] == "yes", 10, 0) + frame["age"] / 100).to_csv(
        score, index=False
    )
    document = adjusted(score, "score")
    assert (
        document["fitted"] is False and "score" in document["reason"] and "separation" in document["reason"]
    )


def test_drivers_that_cannot_be_told_apart_are_named(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = tmp_path / "twice.csv"
    frame.assign(years=frame["age"] * 12 / 12, months=frame["age"] * 12).to_csv(path, index=False)
    document = adjusted(path, "years,months")
    assert document["fitted"] is False
    assert "years" in document["reason"] and "months" in document["reason"]
