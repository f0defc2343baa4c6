"""`evenhand equality analyse`: several outcomes in one family, trends, weights, the Python interface,
publication with disclosure control, and a start that does not load Django."""

import csv
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from scipy import special

from evenhand.disclosure.manifest import audit_folders
from evenhand.equality.stats import bh_qvalues, compare_groups

ROOT = Path(__file__).resolve().parents[2]


def people(size: int = 2000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["White", "Black", "Asian", "Other"], size=size, p=[0.6, 0.2, 0.17, 0.03])
    tier = rng.choice(list("ABCD"), size=size)
    recalled = rng.random(size) < special.expit(-1.2 + np.where(group == "Black", 0.5, 0.0))
    breached = rng.random(size) < 0.25
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 730, size=size), unit="D")
    return pd.DataFrame(
        {
            "ethnicity": group,
            "tier": tier,
            "age": rng.integers(18, 80, size=size),
            "pdu": rng.choice([f"PDU{i}" for i in range(6)], size=size),
            "recalled": np.where(recalled, "yes", "no"),
            "breached": breached.astype(int),
            "sentenced": day.strftime("%Y-%m-%d"),
            "weight": rng.choice([0.5, 1.0, 2.5], size=size),
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


def run(path: Path, *args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command(
        "equality", "analyse", str(path), "--group", "ethnicity", "--reference", "White", *args, stdout=out
    )
    return json.loads(out.getvalue())


RECALLED, BREACHED = "recalled = 'yes'", "breached = 1"


def test_several_outcomes_share_one_benjamini_hochberg_family(data_csv: Path) -> None:
    both = run(data_csv, "--outcome", RECALLED, "--outcome", BREACHED, "--adjust", "tier")
    assert "one Benjamini-Hochberg family" in both["multiple_testing"]
    first, second = both["outcomes"]
    assert (first["inputs"]["outcome"], second["inputs"]["outcome"]) == (RECALLED, BREACHED)
    p = [
        row["p_value"] if key == "groups" else row["adjusted_p_value"]
        for doc in (first, second)
        for key in ("groups", "adjusted")
        for row in (doc[key] if key == "groups" else doc[key]["groups"])
    ]
    q = bh_qvalues(np.array([math.nan if value is None else value for value in p]))
    got = [
        row["q_value"] if "q_value" in row else row["adjusted_q_value"]
        for doc in (first, second)
        for key in ("groups", "adjusted")
        for row in (doc[key] if key == "groups" else doc[key]["groups"])
    ]
    np.testing.assert_allclose([math.nan if value is None else value for value in got], q, rtol=1e-12)
    # Alone, the outcome's family is smaller, so its q-values differ though its p-values do not.
    alone = run(data_csv, "--outcome", RECALLED, "--adjust", "tier")
    assert alone["groups"][1]["q_value"] != first["groups"][1]["q_value"]
    assert [row["p_value"] for row in alone["groups"]] == [row["p_value"] for row in first["groups"]]


def test_the_trend_compares_the_groups_in_each_period(data_csv: Path, frame: pd.DataFrame) -> None:
    document = run(
        data_csv, "--outcome", RECALLED, "--period", "sentenced", "--by", "quarter", "--min-n", "10"
    )
    trend = pd.DataFrame(document["trend"])
    assert sorted(set(trend["period"])) == [f"{y} Q{q}" for y in (2024, 2025) for q in range(1, 5)]
    rows = frame[
        frame["sentenced"].str.startswith("2025-0") & frame["sentenced"].str[5:7].isin(["04", "05", "06"])
    ]
    counts = rows.groupby("ethnicity")["recalled"].agg(["size", lambda s: (s == "yes").sum()])
    expected = compare_groups(
        counts.iloc[:, 0], counts.iloc[:, 1], groups=list(counts.index), reference="White", min_n=10
    )
    got = trend[trend["period"] == "2025 Q2"].set_index("group")
    np.testing.assert_allclose(
        got["relative_rate_low"].astype(float), expected["relative_rate_low"], rtol=1e-12
    )
    assert got["n"].sum() == len(rows)
    years = pd.DataFrame(
        run(data_csv, "--outcome", RECALLED, "--period", "sentenced", "--by", "year")["trend"]
    )
    assert sorted(set(years["period"])) == ["2024", "2025"]


def test_weighted_rates_and_intervals_equal_a_hand_computation(data_csv: Path, frame: pd.DataFrame) -> None:
    document = run(data_csv, "--outcome", RECALLED, "--weight", "weight")
    assert "design-weighted" in document["weighting"]
    rows = {row["group"]: row for row in document["groups"]}
    y = (frame["recalled"] == "yes").to_numpy(dtype=float)
    w = frame["weight"].to_numpy()
    figures = {}
    for group in ("White", "Black"):
        inside = (frame["ethnicity"] == group).to_numpy()
        total = w[inside].sum()
        rate = (w[inside] * y[inside]).sum() / total
        variance = (w[inside] ** 2 * (y[inside] - rate) ** 2).sum() / total**2
        figures[group] = (rate, variance)
        assert rows[group]["weighted_n"] == pytest.approx(total, rel=1e-12)
        assert rows[group]["rate"] == pytest.approx(rate, rel=1e-12)
        assert rows[group]["n"] == int(inside.sum())  # people are still counted unweighted
        se = math.sqrt(variance) / (rate * (1 - rate))
        logit = math.log(rate / (1 - rate))
        assert rows[group]["rate_low"] == pytest.approx(
            special.expit(logit - 1.959963984540054 * se), rel=1e-9
        )
    (rb, vb), (rw, vw) = figures["Black"], figures["White"]
    log_rr, se_rr = math.log(rb / rw), math.sqrt(vb / rb**2 + vw / rw**2)
    assert rows["Black"]["relative_rate"] == pytest.approx(rb / rw, rel=1e-12)
    assert rows["Black"]["relative_rate_high"] == pytest.approx(
        math.exp(log_rr + 1.959963984540054 * se_rr), rel=1e-9
    )
    # Different from the unweighted figures.
    assert run(data_csv, "--outcome", RECALLED)["groups"][1]["rate"] != rows["Black"]["rate"]


def test_weighted_adjusted_model_has_robust_intervals_like_statsmodels(
    data_csv: Path, frame: pd.DataFrame
) -> None:
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    document = run(data_csv, "--outcome", RECALLED, "--weight", "weight", "--adjust", "tier,age")
    data = frame.assign(y=(frame["recalled"] == "yes").astype(int))
    fit = smf.glm(
        "y ~ C(ethnicity, Treatment('White')) + C(tier) + age",
        data,
        family=sm.families.Binomial(),
        var_weights=data["weight"],
    ).fit(cov_type="HC0", tol=1e-12)
    row = next(row for row in document["adjusted"]["groups"] if row["group"] == "Black")
    term = "C(ethnicity, Treatment('White'))[T.Black]"
    assert math.log(row["adjusted_odds_ratio"]) == pytest.approx(fit.params[term], abs=1e-6)
    assert math.log(row["adjusted_odds_ratio_high"] / row["adjusted_odds_ratio"]) == pytest.approx(
        1.959963984540054 * fit.bse[term], abs=1e-6
    )


def test_the_python_interface_gives_the_same_numbers_as_the_command(
    data_csv: Path, frame: pd.DataFrame
) -> None:
    from evenhand.equality import analyse_frame

    document = run(
        data_csv, "--outcome", RECALLED, "--outcome", BREACHED, "--adjust", "tier,age", "--unit", "pdu"
    )
    result = analyse_frame(
        pd.read_csv(data_csv),
        group="ethnicity",
        reference="White",
        outcome=[RECALLED, BREACHED],
        adjust="tier,age",
        unit="pdu",
    )
    for number, expression in enumerate([RECALLED, BREACHED]):
        cli = pd.DataFrame(document["outcomes"][number]["groups"]).set_index("group")
        mine = result.groups[result.groups["outcome"] == expression].set_index("group")
        for column in ("n", "events", "rate_low", "relative_rate", "p_value", "q_value"):
            np.testing.assert_allclose(mine[column].astype(float), cli[column].astype(float), rtol=1e-12)
        adjusted = pd.DataFrame(document["outcomes"][number]["adjusted"]["groups"]).set_index("group")
        mine_adjusted = result.adjusted[result.adjusted["outcome"] == expression].set_index("group")
        np.testing.assert_allclose(
            mine_adjusted["adjusted_odds_ratio"].astype(float),
            adjusted["adjusted_odds_ratio"].astype(float),
            rtol=1e-12,
        )
        units = pd.DataFrame(document["outcomes"][number]["units"]["rows"])
        mine_units = result.units[result.units["outcome"] == expression]
        np.testing.assert_allclose(mine_units["expected"], units["expected"], rtol=1e-12)
    assert result.formula[RECALLED].startswith("logit P(recalled = 'yes') ~ C(ethnicity, base='White')")
    assert set(result.flags["outcome"]) <= {RECALLED, BREACHED}


def test_the_python_interface_and_the_file_path_do_not_start_django() -> None:
    """The CLI's file path and analyse_frame import neither Django nor its ORM (nor statsmodels or
    scipy.stats, which are heavy), so that they start fast and need no settings."""
    script = (
        "import sys, io, contextlib, pandas as pd\n"
        "from evenhand.equality import analyse_frame\n"
        "frame = pd.DataFrame({'g': ['a', 'b'] * 50, 'y': [0, 1, 1, 0, 0] * 20, 'x': range(100)})\n"
        "analyse_frame(frame, group='g', outcome='y = 1', adjust='x', min_n=0)\n"
        "from evenhand import cli\n"
        "with open(sys.argv[1], 'w') as f: frame.to_csv(f, index=False)\n"
        "out = io.StringIO()\n"
        "try:\n"
        "    with contextlib.redirect_stdout(out):\n"
        "        cli.main(['evenhand', 'equality', 'analyse', sys.argv[1], '--group', 'g', '--outcome', 'y = 1',"
        " '--adjust', 'x', '--min-n', '0'])\n"
        "except SystemExit as stop:\n"
        "    assert stop.code == 0, stop.code\n"
        "assert '\"groups\"' in out.getvalue()\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'statsmodels') or m == 'scipy.stats')\n"
        "print(','.join(loaded))\n"
    )
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            str(Path(os.environ.get("TMPDIR", "/tmp")) / f"light-{os.getpid()}.csv"),
        ],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""  # nothing of Django (so not its ORM), statsmodels or scipy.stats


def test_a_mistyped_argument_is_answered_without_the_heavy_imports() -> None:
    script = (
        "import sys\nfrom evenhand import cli\n"
        "try:\n    cli.main(['evenhand', 'equality', 'analyse', '--grop', 'x'])\nexcept SystemExit as stop:\n"
        "    print(stop.code, 'pandas' in sys.modules, 'django' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.stdout.split() == ["2", "False", "False"]
    assert "the following arguments are required" in done.stderr or "unrecognized arguments" in done.stderr


def published_rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_publishing_suppresses_small_counts_so_that_none_can_be_recovered_from_the_totals(
    tmp_path: Path, frame: pd.DataFrame
) -> None:
    path = tmp_path / "people.csv"
    frame.to_csv(path, index=False)
    folder = tmp_path / "published"
    out = io.StringIO()
    call_command(
        "equality",
        "analyse",
        str(path),
        "--group",
        "ethnicity",
        "--reference",
        "White",
        "--outcome",
        RECALLED,
        "--adjust",
        "tier",
        "--unit",
        "pdu",
        "--publish",
        str(folder),
        "--out",
        str(tmp_path / "all.json"),
        stdout=out,
    )
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "analysis-cells.json.gz",
        "analysis-table-1.csv",
        "analysis-table-2.csv",
        "analysis.html",
        "analysis.ods",
        "analysis.pdf",
    ]
    units = published_rows(folder, "analysis-table-2.csv")
    groups = published_rows(folder, "analysis-table-1.csv")
    hidden = [row for row in units if row["People with the outcome"] == "[c]"]
    assert hidden, "the small 'Other' group has counts of 1 to 4 in some PDUs, which must be suppressed"
    truth = frame[frame["recalled"] == "yes"].groupby(["pdu", "ethnicity"]).size()
    assert any(1 <= truth.get((row["pdu"], row["ethnicity"]), 0) <= 4 for row in hidden)
    # Every derived figure of a suppressed row is suppressed too.
    assert all(row["Observed / expected"] == "[c]" and row["q-value"] == "[c]" for row in hidden)
    # An intruder's first attack: a group's total minus its published units.
    for group in {row["ethnicity"] for row in hidden}:
        total = next(row["People with the outcome"] for row in groups if row["ethnicity"] == group)
        members = [row["People with the outcome"] for row in units if row["ethnicity"] == group]
        unknown = [value for value in members if value == "[c]"]
        if total != "[c]":
            assert len(unknown) >= 2, f"{group}: one suppressed unit would be the total less the others"
            rest = int(total) - sum(int(value) for value in members if value != "[c]")
            assert rest >= len(unknown)  # the suppressed ones share at least this; no single one is known
    # The same for the group table against its total row.
    group_events = [row["People with the outcome"] for row in groups if row["ethnicity"] != "Total"]
    assert group_events.count("[c]") != 1
    # And the full attack by linear programming on everything published, from the files alone.
    assert "No suppressed count can be narrowed" in audit_folders([folder])
    html = (folder / "analysis.html").read_text()
    assert "Methodology" in html and "[c]" in html and "Disclosure control" in html
    assert (folder / "analysis.pdf").read_bytes().startswith(b"%PDF")


def test_publishing_into_a_folder_that_is_not_empty_is_refused_before_any_work(data_csv: Path) -> None:
    folder = data_csv.parent / "used"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    with pytest.raises(CommandError, match="already exists and is not an empty folder"):
        run(data_csv, "--outcome", RECALLED, "--publish", str(folder))
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]
