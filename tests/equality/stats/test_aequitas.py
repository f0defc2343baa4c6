"""Counts, rates and relative rates against the real Aequitas 1.1.0, run in its own virtualenv.

Aequitas 1.1.0 needs pandas < 3 and Evenhand pins pandas 3, so Aequitas lives in ``.venv-aequitas`` (built by
``make test`` from ``requirements/aequitas.txt``). These tests write person-level rows to CSV files and run
``tests/equality/aequitas_runner.py`` with that environment's Python **once** for every dataset (importing
Aequitas takes a second or two), then compare its figures with ``group_rates`` and ``compare_groups`` on the
same rows, counted with NumPy.

How Aequitas' columns map to Evenhand's (the outcome is Aequitas' binary ``score``, so "predicted positive"
means "had the event"):

=====================  ==================================================================================
Aequitas               Evenhand
=====================  ==================================================================================
``group_size``         ``n`` (people in the group)
``pp``                 ``events`` (people with the outcome); ``pn`` is ``n - events``
``pprev`` = pp/size    ``rate`` (events / n)
``pprev_disparity``    ``relative_rate`` against the reference: pprev / pprev of the reference
``ppr`` = pp/k         no column: the group's share of all events, ``events / events.sum()`` (not a rate)
``prev``               ``rate`` of ``group_rates`` with the *label* as the event
``fpr`` = fp/(fp+tn)   ``rate`` of ``group_rates`` over the people labelled 0 (events: outcome 1)
``fnr`` = fn/(fn+tp)   ``rate`` of ``group_rates`` over the people labelled 1, counting outcome 0
``fpr_disparity``      ``relative_rate`` of ``compare_groups`` over the people labelled 0
=====================  ==================================================================================

Where they legitimately differ (asserted below, not glossed over):

- **No events in the reference, some in the group**: Evenhand's relative rate is ∞ (documented in
  :func:`evenhand.equality.stats.compare.relative_rate`); Aequitas divides by zero and replaces the ∞ by its
  ``fill_divbyzero`` default, 10.0. A finite ratio above 10 is *not* capped by Aequitas.
- **No events in the reference or the group**: both NaN (0/0).
- **The reference row** when it has no events: Evenhand reports 1 by definition; Aequitas 0/0 = NaN.
- **Small groups**: Aequitas has no minimum group size; ``compare_groups`` gives no ratio for a group (or,
  if the reference is small, for every group) under ``min_n`` = 30 people. The ratios are therefore compared
  with ``min_n=0``, and the default's NaN (with note "fewer than 30 people") is asserted separately.
- Aequitas sees only the groups present in the rows, so a group with no people (which Evenhand reports with
  a NaN rate) cannot arise here.
"""

import json
import math
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from evenhand.equality.stats import compare_groups, group_rates

from .helpers import counts_by_group, person_rows

ROOT = Path(__file__).resolve().parents[3]
AEQUITAS_PYTHON = ROOT / ".venv-aequitas" / "bin" / "python"
RUNNER = ROOT / "tests" / "equality" / "aequitas_runner.py"
# Aequitas' Bias(fill_divbyzero=None) default: what a division by zero (x / 0, x > 0) becomes.
AEQUITAS_FILL_DIVBYZERO = 10.0
ATOL = 1e-9  # with rtol=0: the absolute tolerance the validation asks for

pytestmark = pytest.mark.skipif(
    not AEQUITAS_PYTHON.exists(),
    reason=f"{AEQUITAS_PYTHON.relative_to(ROOT)} does not exist: `make test` builds it "
    "(or `make .venv-aequitas/.evenhand-installed` on its own)",
)


@dataclass(frozen=True)
class Dataset:
    rows: pd.DataFrame  # group, outcome and optionally label_value: one row per person
    reference: str

    @property
    def order(self) -> list[str]:
        return list(dict.fromkeys(self.rows["group"]))


def labelled_rows(
    rng: np.random.Generator, groups: dict[str, tuple[int, float, float, float]]
) -> pd.DataFrame:
    """Rows with a 0/1 label too. Per group: size, P(label), P(outcome | label 1), P(outcome | label 0)."""
    frames = []
    for name, (size, prevalence, if_positive, if_negative) in groups.items():
        label = (rng.random(size) < prevalence).astype(np.int64)
        chance = np.where(label == 1, if_positive, if_negative)
        outcome = (rng.random(size) < chance).astype(np.int64)
        frames.append(pd.DataFrame({"group": name, "outcome": outcome, "label_value": label}))
    rows = pd.concat(frames, ignore_index=True)
    return rows.iloc[rng.permutation(len(rows))].reset_index(drop=True)


def random_datasets(count: int) -> dict[str, Dataset]:
    """``count`` datasets of 5-8 groups: sizes from 1 to 5,000 (log-uniform), rates anywhere in [0, 1]."""
    rng = np.random.default_rng(20261122)
    found = {}
    for i in range(count):
        k = int(rng.integers(5, 9))
        sizes = np.exp(rng.uniform(0, np.log(5000), k)).astype(int) + 1
        rates = rng.choice([0.0, 1.0, 0.001, 0.02, 0.5, 0.97, *rng.uniform(0, 1, 6)], size=k)
        names = [f"Group {j} of dataset {i}" for j in range(k)]
        rows = person_rows(
            rng, dict(zip(names, zip(sizes.tolist(), rates.tolist(), strict=True), strict=True))
        )
        found[f"random-{i:02d}"] = Dataset(rows, reference=names[int(rng.integers(k))])
    return found


def make_datasets() -> dict[str, Dataset]:
    rng = np.random.default_rng(7)
    fixed = {
        # Census-style labels with spaces, a comma, quotes, "NA" and a number-like label, and a group of 18.
        "typical": Dataset(
            person_rows(
                rng,
                {
                    "White British": (4000, 0.08),
                    "Black or Black British": (900, 0.13),
                    "Asian or Asian British": (1200, 0.07),
                    "Mixed, White and Black Caribbean": (300, 0.11),
                    'Other ethnic group ("any other")': (45, 0.2),
                    "Gypsy or Irish Traveller": (18, 0.25),
                    "NA": (120, 0.1),
                    "007": (35, 0.15),
                },
            ),
            reference="White British",
        ),
        # Rates near 0 and 1, none and all: ratios up to about 100, above Aequitas' 10.0 for division by zero.
        "extremes": Dataset(
            person_rows(
                rng,
                {
                    "Low rate reference": (2500, 0.01),
                    "Near one": (400, 0.97),
                    "Near zero": (3000, 0.002),
                    "No events at all": (200, 0.0),
                    "Everyone had the event": (60, 1.0),
                    "Tiny group": (7, 0.5),
                },
            ),
            reference="Low rate reference",
        ),
        # The reference has no events: ∞ (Evenhand) against 10.0 (Aequitas), and 0/0 for a group without any.
        "reference without events": Dataset(
            person_rows(
                rng,
                {
                    "Reference group": (150, 0.0),
                    "Some events": (500, 0.1),
                    "No events either": (80, 0.0),
                    "Few people": (12, 0.5),
                    "Many events": (40, 0.8),
                },
            ),
            reference="Reference group",
        ),
        # A reference under 30 people: Evenhand gives no ratio at the default min_n; Aequitas does.
        "small reference": Dataset(
            person_rows(
                rng,
                {
                    "Small reference": (20, 0.3),
                    "Large group": (2000, 0.12),
                    "Middle group": (250, 0.2),
                    "Another group": (90, 0.05),
                    "Smallest group": (3, 0.67),
                },
            ),
            reference="Small reference",
        ),
        # With a label (say, a later finding): prevalence, and the outcome's false positive and negative rate.
        "labelled": Dataset(
            labelled_rows(
                rng,
                {
                    "White British": (3000, 0.3, 0.6, 0.05),
                    "Black or Black British": (800, 0.35, 0.7, 0.12),
                    "Asian or Asian British": (900, 0.25, 0.55, 0.04),
                    "Mixed ethnic groups": (250, 0.3, 0.65, 0.0),
                    "Other ethnic group": (60, 0.4, 1.0, 0.1),
                    "Small group": (25, 0.5, 0.5, 0.2),
                },
            ),
            reference="White British",
        ),
    }
    return fixed | random_datasets(20)


DATASETS = make_datasets()


@pytest.fixture(scope="module")
def aequitas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Aequitas' output for every dataset, from one run of the runner in ``.venv-aequitas``."""
    folder = tmp_path_factory.mktemp("aequitas")
    arguments: list[str] = []
    for i, dataset in enumerate(DATASETS.values()):
        path = folder / f"dataset-{i:02d}.csv"
        dataset.rows.to_csv(path, index=False)
        arguments += ["--dataset", str(path), dataset.reference]
    # -I: no PYTHONPATH, user site or script folder, so nothing from the main environment leaks in.
    completed = subprocess.run(
        [str(AEQUITAS_PYTHON), "-I", str(RUNNER), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=folder,
        env={**os.environ, "MPLCONFIGDIR": str(folder / "matplotlib")},
    )
    if completed.returncode != 0:
        pytest.fail(f"the Aequitas runner failed (exit {completed.returncode}):\n{completed.stderr}")
    output = json.loads(completed.stdout)
    results = dict(zip(DATASETS, output["datasets"], strict=True))
    return {"aequitas": output["aequitas"], "pandas": output["pandas"], "datasets": results}


def aequitas_table(aequitas: dict[str, Any], name: str) -> pd.DataFrame:
    """One dataset's Aequitas figures, one row per group in the dataset's order (JSON null -> NaN)."""
    groups = aequitas["datasets"][name]["groups"]
    order = DATASETS[name].order
    assert sorted(groups) == sorted(order), "Aequitas must see exactly the groups written, labels unchanged"
    return pd.DataFrame.from_dict(groups, orient="index").loc[order].astype(float)


def evenhand_table(name: str, *, min_n: int = 0) -> pd.DataFrame:
    dataset = DATASETS[name]
    n, events = counts_by_group(dataset.rows, dataset.order)
    return compare_groups(n, events, groups=dataset.order, reference=dataset.reference, min_n=min_n)


def expected_disparity(table: pd.DataFrame) -> np.ndarray:
    """Aequitas' expected ``..._disparity`` for a ``compare_groups`` table (see the module docstring)."""
    ratio = table["relative_rate"].to_numpy(float).copy()
    ratio[np.isposinf(ratio)] = AEQUITAS_FILL_DIVBYZERO
    reference = table["is_reference"].to_numpy(bool)
    if table.loc[reference, "events"].item() == 0:
        ratio[reference] = np.nan  # Aequitas: 0/0; Evenhand: 1 by definition.
    return ratio


def test_the_runner_used_aequitas_1_1_0_on_pandas_2(aequitas: dict[str, Any]) -> None:
    assert aequitas["aequitas"] == "1.1.0"
    assert aequitas["pandas"].startswith("2.")


@pytest.mark.parametrize("name", list(DATASETS))
def test_counts_and_rates_equal_aequitas(aequitas: dict[str, Any], name: str) -> None:
    theirs = aequitas_table(aequitas, name)
    dataset = DATASETS[name]
    n, events = counts_by_group(dataset.rows, dataset.order)
    ours = group_rates(n, events, groups=dataset.order)
    np.testing.assert_array_equal(ours["n"].to_numpy(), theirs["group_size"].to_numpy())
    np.testing.assert_array_equal(ours["events"].to_numpy(), theirs["pp"].to_numpy())
    np.testing.assert_array_equal((ours["n"] - ours["events"]).to_numpy(), theirs["pn"].to_numpy())
    np.testing.assert_allclose(ours["rate"].to_numpy(), theirs["pprev"].to_numpy(), rtol=0, atol=ATOL)
    # ppr is each group's share of all events, not a rate.
    share = ours["events"].to_numpy() / ours["events"].sum()
    np.testing.assert_allclose(share, theirs["ppr"].to_numpy(), rtol=0, atol=ATOL)


@pytest.mark.parametrize("name", list(DATASETS))
def test_relative_rates_equal_aequitas_disparity(aequitas: dict[str, Any], name: str) -> None:
    theirs = aequitas_table(aequitas, name)
    ours = evenhand_table(name, min_n=0)
    np.testing.assert_allclose(
        expected_disparity(ours), theirs["pprev_disparity"].to_numpy(), equal_nan=True, rtol=0, atol=ATOL
    )


def test_zero_events_in_the_reference(aequitas: dict[str, Any]) -> None:
    theirs = aequitas_table(aequitas, "reference without events")["pprev_disparity"]
    ours = evenhand_table("reference without events", min_n=0)["relative_rate"]
    for group in ("Some events", "Few people", "Many events"):
        assert ours[group] == math.inf and theirs[group] == AEQUITAS_FILL_DIVBYZERO
    assert math.isnan(ours["No events either"]) and math.isnan(theirs["No events either"])
    assert ours["Reference group"] == 1 and math.isnan(theirs["Reference group"])


def test_finite_ratios_above_ten_are_not_capped(aequitas: dict[str, Any]) -> None:
    theirs = aequitas_table(aequitas, "extremes")["pprev_disparity"]
    ours = evenhand_table("extremes", min_n=0)
    assert ours.loc["Near one", "relative_rate"] > 50
    assert ours.loc["Everyone had the event", "relative_rate"] > 50
    assert ours.loc["No events at all", "relative_rate"] == 0 and theirs["No events at all"] == 0
    for group in ("Near one", "Everyone had the event"):
        assert theirs[group] == pytest.approx(ours.loc[group, "relative_rate"], rel=0, abs=1e-9)


@pytest.mark.parametrize("name", ["typical", "extremes", "small reference"])
def test_small_groups_get_a_ratio_from_aequitas_but_not_at_the_default_min_n(
    aequitas: dict[str, Any], name: str
) -> None:
    theirs = aequitas_table(aequitas, name)["pprev_disparity"]
    ours = evenhand_table(name, min_n=30)
    unrestricted = evenhand_table(name, min_n=0)
    reference_small = ours.loc[ours["is_reference"], "n"].item() < 30
    small = (ours["n"] < 30) & ~ours["is_reference"]
    refused = small | (reference_small & ~ours["is_reference"])
    assert refused.any()
    assert ours.loc[refused, "relative_rate"].isna().all()
    assert theirs[refused].notna().all()
    assert ours.loc[small, "note"].str.contains("fewer than 30 people").all()
    # Where Evenhand does compare, the default gives the same figures as min_n=0, and so as Aequitas.
    kept = ~refused
    np.testing.assert_allclose(
        expected_disparity(ours)[kept.to_numpy()], theirs[kept].to_numpy(), equal_nan=True, rtol=0, atol=ATOL
    )
    np.testing.assert_array_equal(
        ours.loc[kept, "relative_rate"].to_numpy(), unrestricted.loc[kept, "relative_rate"].to_numpy()
    )


def test_label_rates_equal_aequitas_prev_fpr_and_fnr(aequitas: dict[str, Any]) -> None:
    theirs = aequitas_table(aequitas, "labelled")
    dataset = DATASETS["labelled"]
    rows, order = dataset.rows, dataset.order

    def subset(mask: pd.Series, event: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        chosen = pd.DataFrame({"group": rows.loc[mask, "group"], "outcome": event[mask].astype(int)})
        return counts_by_group(chosen, order)

    labelled = rows.assign(outcome=rows["label_value"])
    prevalence = group_rates(*counts_by_group(labelled, order), groups=order)
    np.testing.assert_allclose(prevalence["rate"].to_numpy(), theirs["prev"].to_numpy(), rtol=0, atol=ATOL)
    np.testing.assert_array_equal(prevalence["events"].to_numpy(), theirs["group_label_pos"].to_numpy())

    negative, positive = rows["label_value"] == 0, rows["label_value"] == 1
    fpr = group_rates(*subset(negative, rows["outcome"] == 1), groups=order)
    fnr = group_rates(*subset(positive, rows["outcome"] == 0), groups=order)
    np.testing.assert_allclose(fpr["rate"].to_numpy(), theirs["fpr"].to_numpy(), rtol=0, atol=ATOL)
    np.testing.assert_allclose(fnr["rate"].to_numpy(), theirs["fnr"].to_numpy(), rtol=0, atol=ATOL)
    np.testing.assert_array_equal(fpr["events"].to_numpy(), theirs["fp"].to_numpy())
    np.testing.assert_array_equal(fnr["events"].to_numpy(), theirs["fn"].to_numpy())

    for mask, event, column in (
        (negative, rows["outcome"] == 1, "fpr_disparity"),
        (positive, rows["outcome"] == 0, "fnr_disparity"),
    ):
        n, events = subset(mask, event)
        ours = compare_groups(n, events, groups=order, reference=dataset.reference, min_n=0)
        np.testing.assert_allclose(
            expected_disparity(ours), theirs[column].to_numpy(), equal_nan=True, rtol=0, atol=ATOL
        )
    # "Mixed ethnic groups" never has the outcome without the label: a false positive rate of exactly 0.
    assert fpr.loc["Mixed ethnic groups", "rate"] == 0 == theirs.loc["Mixed ethnic groups", "fpr"]
