"""`evenhand equality analyse`: any person-level CSV through the disparity statistics."""

import csv
import dataclasses
import io
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from scipy import special

from evenhand.equality import analyse as analyse_module
from evenhand.equality.analyse import (
    AnalysisError,
    Request,
    SandboxedTable,
    analyse,
    read_csv,
    render,
    write_atomically,
)
from evenhand.equality.stats import (
    adjusted_comparison,
    bh_qvalues,
    compare_groups,
    expected_events,
    flag,
    unit_comparison,
)

TIER_RATE = {"A": 0.05, "B": 0.10, "C": 0.20, "D": 0.35}
MIX_LOW = [0.4, 0.3, 0.2, 0.1]
MIX_HIGH = [0.1, 0.2, 0.3, 0.4]
# group: (people, tier mix). Black people are more often in the high tiers (a legitimate driver of recall)
# and recalled at the same odds within a tier; "<b>Other</b>" is below the default minimum of 30.
GROUPS = {
    "White": (3000, MIX_LOW),
    "Black": (1000, MIX_HIGH),
    "Asian": (1000, MIX_LOW),
    "Mixed": (200, MIX_LOW),
    "<b>Other</b>": (20, MIX_LOW),
}
OUTLIER = ("PDU07", "Asian")  # five times the odds of recall for this group in this unit only
BLANK_OUTCOMES = 15
RECALLED = "recalled = 'yes'"


def people(seed: int = 5) -> pd.DataFrame:
    """One row per person as the CSV holds them (all text), with the planted disparities above."""
    rng = np.random.default_rng(seed)
    frames = []
    for group, (size, mix) in GROUPS.items():
        tier = rng.choice(list(TIER_RATE), size=size, p=mix)
        pdu = np.array([f"PDU{i:02d}" for i in rng.integers(0, 10, size=size)])
        log_odds = special.logit(np.vectorize(TIER_RATE.get)(tier))
        log_odds += np.where((pdu == OUTLIER[0]) & (group == OUTLIER[1]), np.log(5.0), 0.0)
        recalled = rng.random(size) < special.expit(log_odds)
        frames.append(
            pd.DataFrame(
                {
                    "ethnicity": group,
                    "tier": tier,
                    "pdu": pdu,
                    "sex": rng.choice(["F", "M"], size=size),
                    "age": rng.integers(18, 80, size=size).astype(str),
                    "recalled": np.where(recalled, "yes", "no"),
                    "breach": (rng.random(size) < 0.2).astype(int).astype(str),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    frame.insert(0, "crn", [f"X{i:06d}" for i in range(len(frame))])
    frame.loc[rng.choice(len(frame), BLANK_OUTCOMES, replace=False), "recalled"] = ""
    return frame


@pytest.fixture
def frame() -> pd.DataFrame:
    return people()


@pytest.fixture
def data_csv(tmp_path: Path, frame: pd.DataFrame) -> Path:
    path = tmp_path / "people.csv"
    frame.to_csv(path, index=False)
    return path


def run(path: Path, *args: str) -> dict[str, Any]:
    """`evenhand equality analyse PATH ARGS…` through Django's call_command, parsed from stdout."""
    out = io.StringIO()
    call_command("equality", "analyse", str(path), *args, stdout=out)
    return json.loads(out.getvalue())


def table(document: dict[str, Any], key: str = "groups") -> pd.DataFrame:
    return pd.DataFrame(document[key]).set_index("group")


def as_float(values: pd.Series) -> np.ndarray:
    """JSON figures back to floats: null is NaN and "inf" infinity."""
    return np.array([np.nan if value is None else float(value) for value in values])


def known_outcomes(frame: pd.DataFrame) -> pd.DataFrame:
    rows = frame[frame["recalled"] != ""]
    return rows.assign(outcome=(rows["recalled"] == "yes").astype(np.int64))


# The statistics -------------------------------------------------------------------------------------------


def test_results_equal_the_statistics_called_directly(data_csv: Path, frame: pd.DataFrame) -> None:
    document = run(data_csv, "--group", "ethnicity", "--outcome", RECALLED)
    rows = known_outcomes(frame)
    counts = rows.groupby("ethnicity")["outcome"].agg(["size", "sum"])
    expected = compare_groups(counts["size"], counts["sum"], groups=list(counts.index), reference="White")
    got = table(document)

    assert list(got.index) == sorted(GROUPS)
    assert document["inputs"]["reference"] == "White"
    assert document["inputs"]["reference_chosen"] == "largest group"
    assert document["rows"] == {
        "in_file": len(frame),
        "selected": len(frame),
        "outcome_null": BLANK_OUTCOMES,
        "analysed": len(frame) - BLANK_OUTCOMES,
    }
    for column in ["n", "events", "rate", "rate_low", "rate_high", "relative_rate", "relative_rate_high"]:
        np.testing.assert_allclose(as_float(got[column]), expected[column], rtol=1e-12, equal_nan=True)
    for column in ["odds_ratio", "odds_ratio_low", "p_value"]:
        np.testing.assert_allclose(as_float(got[column]), expected[column], rtol=1e-12, equal_nan=True)
    assert got["test"].tolist() == expected["test"].tolist()
    assert got["note"].tolist() == expected["note"].tolist()
    other = next(row for row in document["groups"] if row["group"] == "<b>Other</b>")
    assert other["n"] == 20 and other["relative_rate"] is None  # too few people: counts, but no ratio
    q = bh_qvalues(expected["p_value"])
    np.testing.assert_allclose(as_float(got["q_value"]), q, rtol=1e-12, equal_nan=True)
    assert got["flagged"].tolist() == flag(q, expected["relative_rate"]).tolist()


def test_adjusted_and_unit_figures_equal_the_statistics_called_directly(
    data_csv: Path, frame: pd.DataFrame
) -> None:
    document = run(
        data_csv, "--group", "ethnicity", "--outcome", RECALLED, "--adjust", "tier,sex", "--unit", "pdu"
    )
    rows = known_outcomes(frame)
    adjusted = adjusted_comparison(
        rows, outcome="outcome", group="ethnicity", reference="White", covariates=["tier", "sex"]
    ).table.sort_index()
    got = table(document["adjusted"])
    assert document["adjusted"]["fitted"] is True
    for column in ["adjusted_odds_ratio", "adjusted_relative_rate_low", "adjusted_p_value"]:
        np.testing.assert_allclose(as_float(got[column]), adjusted[column], rtol=1e-9, equal_nan=True)

    per_unit = expected_events(
        rows, outcome="outcome", covariates=["ethnicity", "tier", "sex"], by=["pdu", "ethnicity"]
    )
    units = unit_comparison(per_unit["observed"], per_unit["expected"], units=range(len(per_unit)))
    got_units = pd.DataFrame(document["units"]["rows"])
    assert list(zip(got_units["unit"], got_units["group"], strict=True)) == list(per_unit.index)
    np.testing.assert_allclose(got_units["expected"], per_unit["expected"], rtol=1e-9)
    np.testing.assert_allclose(as_float(got_units["p_value"]), units["p_value"], rtol=1e-9)

    # One Benjamini-Hochberg pass over every test of the run: crude, adjusted and unit.
    crude = compare_groups(
        rows.groupby("ethnicity").size(),
        rows.groupby("ethnicity")["outcome"].sum(),
        groups=sorted(GROUPS),
        reference="White",
    )
    q = bh_qvalues(np.concatenate([crude["p_value"], adjusted["adjusted_p_value"], units["p_value"]]))
    np.testing.assert_allclose(as_float(table(document)["q_value"]), q[:5], rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(as_float(got["adjusted_q_value"]), q[5:10], rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(as_float(got_units["q_value"]), q[10:], rtol=1e-12, equal_nan=True)


def test_where_selects_the_rows_analysed(data_csv: Path, frame: pd.DataFrame) -> None:
    document = run(
        data_csv, "--group", "ethnicity", "--outcome", RECALLED, "--where", "sex = 'F' AND age < 50"
    )
    chosen = frame[(frame["sex"] == "F") & (frame["age"].astype(int) < 50)]
    rows = known_outcomes(chosen)
    got = table(document)
    assert document["rows"]["selected"] == len(chosen)
    assert document["rows"]["analysed"] == len(rows)
    assert got["n"].to_dict() == rows.groupby("ethnicity").size().to_dict()
    assert got["events"].to_dict() == rows.groupby("ethnicity")["outcome"].sum().to_dict()


def test_a_null_outcome_is_left_out_and_counted_unless_coalesced(data_csv: Path, frame: pd.DataFrame) -> None:
    # An empty field is NULL, so recalled = 'yes' is NULL there; coalesce(…, 0) counts it as no event.
    left_out = run(data_csv, "--group", "ethnicity", "--outcome", RECALLED)
    assert left_out["rows"]["outcome_null"] == BLANK_OUTCOMES
    assert sum(row["n"] for row in left_out["groups"]) == len(frame) - BLANK_OUTCOMES
    counted = run(data_csv, "--group", "ethnicity", "--outcome", f"coalesce({RECALLED}, 0)")
    assert counted["rows"]["outcome_null"] == 0
    assert sum(row["n"] for row in counted["groups"]) == len(frame)
    assert sum(row["events"] for row in counted["groups"]) == (frame["recalled"] == "yes").sum()


def test_an_empty_field_is_null_in_expressions_and_blank_as_a_group(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_text("group,score,code\nA,1,007\n,2,010\nA,,011\n")
    data = read_csv(path)
    sandbox = SandboxedTable(data)
    try:
        assert sandbox.evaluate("score > 1", "--outcome") == [0, 1, None]
        assert sandbox.evaluate("code = '007'", "--outcome") == [1, 0, 0]  # leading zeros: text, kept
        assert sandbox.evaluate("typeof(score) = 'integer'", "--outcome") == [1, 1, 0]
    finally:
        sandbox.close()
    result = analyse(Request(path=path, group="group", outcome="score > 1", min_n=0))
    assert list(result.groups.index) == ["(blank)", "A"]
    assert result.rows["outcome_null"] == 1


def test_adjusting_for_a_legitimate_driver_removes_the_gap_it_made(data_csv: Path) -> None:
    document = run(data_csv, "--group", "ethnicity", "--outcome", RECALLED, "--adjust", "tier")
    crude, adjusted = table(document), table(document["adjusted"])
    assert crude.loc["Black", "flagged"]
    assert crude.loc["Black", "relative_rate"] > 1.5
    assert not adjusted.loc["Black", "adjusted_flagged"]
    assert 0.8 < adjusted.loc["Black", "adjusted_relative_rate"] < 1.25
    flagged = [(item["table"], item["group"]) for item in document["flags"]]
    assert ("groups", "Black") in flagged and ("adjusted", "Black") not in flagged
    assert not any(
        flagged["table"] == "adjusted" and flagged["group"] == "Black" for flagged in document["flags"]
    )


def test_the_unit_comparison_finds_the_planted_outlier(data_csv: Path, frame: pd.DataFrame) -> None:
    document = run(
        data_csv, "--group", "ethnicity", "--outcome", RECALLED, "--adjust", "tier", "--unit", "pdu"
    )
    units = document["units"]
    assert units["fitted"] is True and units["reason"] == ""
    present = frame[frame["recalled"] != ""].groupby(["pdu", "ethnicity"]).size()
    assert [(row["unit"], row["group"], row["n"]) for row in units["rows"]] == [
        (*key, n) for key, n in present.items()
    ]
    outliers = [(row["unit"], row["group"], row["direction"]) for row in units["rows"] if row["outlier"]]
    assert outliers == [(*OUTLIER, "above")]
    flagged_units = [(item["unit"], item["group"]) for item in document["flags"] if item["table"] == "units"]
    assert flagged_units == [OUTLIER]
    row = next(row for row in units["rows"] if (row["unit"], row["group"]) == OUTLIER)
    assert row["outside_99.8"] is True and row["q_value"] < 0.05


def test_a_model_that_cannot_be_fitted_is_reported_not_an_error(data_csv: Path, frame: pd.DataFrame) -> None:
    # A driver that is the group itself under another name: no model can tell their effects apart.
    copy = data_csv.parent / "copy.csv"
    frame.assign(background=frame["ethnicity"]).to_csv(copy, index=False)
    document = run(copy, *GOOD, "--adjust", "background", "--unit", "pdu")
    assert document["adjusted"]["fitted"] is False and document["adjusted"]["reason"]
    assert all(row["adjusted_relative_rate"] in (None, 1.0) for row in document["adjusted"]["groups"])
    assert document["units"] == {
        "fitted": False,
        "reason": document["units"]["reason"],
        "rows": [],
    } and document["units"]["reason"].startswith("the national model could not be fitted")
    assert document["groups"] == run(data_csv, *GOOD)["groups"]


# Expressions ----------------------------------------------------------------------------------------------


def nested_replace(depth: int, factor: int) -> str:
    """replace() inside replace() ``depth`` deep, each making every X of the CRN ``factor`` Xs."""
    expression = "crn"
    for _ in range(depth):
        expression = f"replace({expression}, 'X', '{'X' * factor}')"
    return f"length({expression}) > 0"


@pytest.fixture
def sandbox(data_csv: Path) -> Iterator[SandboxedTable]:
    table = SandboxedTable(read_csv(data_csv))
    yield table
    table.close()


@pytest.mark.parametrize(
    "expression",
    [
        "lower(sex) = 'f' AND age BETWEEN 20 AND 40",
        "CAST(age AS TEXT) LIKE '2%'",
        "\"tier\" IN ('C', 'D') OR [pdu] GLOB 'PDU0[12]'",
        "CASE WHEN tier = 'D' THEN 1 ELSE 0 END",
        "breach",
        "length(trim(crn)) = 7 AND substr(crn, 1, 1) = 'X' AND date('2024-01-31') > '2024-01-01'",
        "abs(age - 50) < 10 AND coalesce(nullif(recalled, ''), 'no') = 'no'",
        # Within the bounds on length, nesting, arguments and the values made:
        "coalesce(nullif(lower(trim(substr(replace(crn, 'X', 'Y'), 1, 1))), ''), 'x') = 'y'",
        "age IN (" + ", ".join(map(str, range(18, 400))) + ")",
        " OR ".join(f"age = {age}" for age in range(18, 90)),
        "coalesce(" + ", ".join(["NULL"] * 19) + ", 1) = 1",
        nested_replace(3, 50),
    ],
)
def test_ordinary_expressions_are_allowed(sandbox: SandboxedTable, expression: str) -> None:
    values = sandbox.evaluate(expression, "--outcome")
    assert len(values) == len(sandbox.lines)
    assert set(values) <= {0, 1, None}


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("(SELECT 1 FROM sqlite_master)", "contains a query of its own"),
        ("(SELECT count(*) FROM data) > 0", "is not allowed"),
        ("EXISTS (SELECT 1)", "contains a query of its own"),
        ("load_extension('/tmp/evil.so') IS NULL", r"calls load_extension\(\)"),
        ("max(age) > 1", r"calls max\(\)"),  # an aggregate would collapse the rows
        ("random() > 0", r"calls random\(\)"),
        ("1; DROP TABLE data", "';' is not allowed"),
        ("1; ATTACH DATABASE '/tmp/other.db' AS other", "';' is not allowed"),
        ("1 -- the rest", "comments are not allowed"),
        ("1 /* the rest */", "comments are not allowed"),
        ("1) FROM data UNION SELECT (1", r"a '\)' with no '\('"),
        ("(age > 1", r"a '\(' that is never closed"),
        ("sex = 'F", "a quote that is never closed"),
        ('"agee" > 3', "names a column the file does not have: 'agee'"),
        ("agee > 3", "names a column the file does not have: 'agee'.*'crn', 'ethnicity'"),
        ("nosuch(age)", r"unknown function nosuch\(\)"),
        ("age >", "is not a valid SQL expression: SQLite says: .*syntax error"),
        ("age + 1", "is not a boolean expression: on line 2 it is"),
        ("sex", "is not a boolean expression"),
        ("", "is empty"),
    ],
)
def test_expressions_that_are_not_safe_or_not_boolean_are_refused(
    sandbox: SandboxedTable, expression: str, message: str
) -> None:
    with pytest.raises(AnalysisError, match=message):
        sandbox.evaluate(expression, "--outcome")


@pytest.mark.parametrize(
    "statement",
    [
        "ATTACH DATABASE ':memory:' AS other",
        "DROP TABLE data",
        "DELETE FROM data",
        "INSERT INTO data (crn) VALUES ('Y')",
        "CREATE TABLE other (x)",
        "PRAGMA table_info(data)",
        "SELECT load_extension('/tmp/evil.so')",
        "SELECT name FROM sqlite_master",
    ],
)
def test_the_authorizer_refuses_everything_but_reading_the_table(
    sandbox: SandboxedTable, statement: str
) -> None:
    with pytest.raises(sqlite3.DatabaseError, match=r"not authorized|prohibited"):
        sandbox.connection.execute(statement)
    assert sandbox.evaluate("crn IS NOT NULL", "--where") == [1] * len(sandbox.lines)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        # Unbounded, eight nested replace() calls took 48 s and 2.2 GB.
        (nested_replace(8, 10), "makes a value longer than 1,000,000 bytes on line 2"),
        (nested_replace(3, 200), "makes a value longer than 1,000,000 bytes on line 2"),
        (nested_replace(11, 2), "nests parentheses or function calls more than 10 deep"),
        ("(" * 11 + "1" + ")" * 11, "nests parentheses or function calls more than 10 deep"),
        ("age IN (" + ", ".join(map(str, range(700))) + ")", r"is [\d,]+ characters long; .* at most 2,000"),
        (" OR ".join(["age = 1"] * 150), "is nested more than 100 deep"),
        ("coalesce(" + ", ".join(["age"] * 25) + ") > 0", r"calls coalesce\(\) with more than 20 arguments"),
        (
            "crn LIKE replace('XXX', 'X', '" + "%a" * 400 + "')",
            "a LIKE or GLOB pattern longer than 2,000 bytes",
        ),
    ],
)
def test_expressions_that_would_run_away_are_refused_at_once(
    sandbox: SandboxedTable, expression: str, message: str
) -> None:
    start = time.monotonic()
    with pytest.raises(AnalysisError, match=f"^--outcome .*{message}"):
        sandbox.evaluate(expression, "--outcome")
    assert time.monotonic() - start < 2
    assert sandbox.evaluate("crn IS NOT NULL", "--where") == [1] * len(sandbox.lines)  # still usable


def test_an_evaluation_that_runs_too_long_is_stopped(
    sandbox: SandboxedTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Strings just under the size limit on every row: each is allowed, the whole is not.
    monkeypatch.setattr(analyse_module, "TIME_LIMIT_SECONDS", 0.2)
    start = time.monotonic()
    with pytest.raises(AnalysisError, match=r"^--outcome .* was stopped after 0.2 seconds on line \d+"):
        sandbox.evaluate(nested_replace(3, 99), "--outcome")
    assert time.monotonic() - start < 2


def test_a_value_that_is_not_boolean_stops_the_evaluation_and_is_shown_short(sandbox: SandboxedTable) -> None:
    expression = nested_replace(2, 100).removeprefix("length(").removesuffix(") > 0")  # 10,006 characters
    with pytest.raises(AnalysisError, match=r"on line 2 it is 'X+…, but it must be") as caught:
        sandbox.evaluate(expression, "--outcome")
    assert len(str(caught.value)) < len(expression) + 300


# Bad input ------------------------------------------------------------------------------------------------

GOOD = ["--group", "ethnicity", "--outcome", RECALLED]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("", GOOD, "is empty: it has no header line"),
        ("\n\n", GOOD, "is empty: it has no header line"),
        ("ethnicity,recalled\n", GOOD, "has a header but no records"),
        ("ethnicity,recalled\nWhite,yes\nBlack,yes\n", GOOD, "is always true on the 2 records analysed"),
        ("ethnicity,recalled\nWhite,no\nBlack,no\n", GOOD, "is never true on the 2 records analysed"),
        ("ethnicity,recalled\nWhite,yes\nBlack\nWhite,no\n", GOOD, "line 3: the record has 1 field"),
        ("ethnicity,recalled\nWhite,yes\nBlack,no,extra\n", GOOD, "line 3: the record has 3 field"),
        ('ethnicity,recalled\nWhite,yes\n"Black,no\n', GOOD, "line 3: not valid CSV: unexpected end of data"),
        ("ethnicity,__line__\nWhite,1\n", GOOD, "'__line__' is reserved"),
        ("ethnicity,recalled\n,yes\n(blank),no\n", GOOD, "both missing values and the value '\\(blank\\)'"),
    ],
)
def test_a_bad_file_is_refused_naming_the_line(
    tmp_path: Path, content: str, args: list[str], message: str
) -> None:
    path, out = tmp_path / "bad.csv", tmp_path / "out.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("equality", "analyse", str(path), *args, "--out", str(out))
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind either


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--group", "race", "--outcome", RECALLED], r"--group 'race' is not a column .*'crn', 'ethnicity'"),
        ([*GOOD, "--unit", "team"], "--unit 'team' is not a column"),
        ([*GOOD, "--adjust", "tier,risk"], "--adjust 'risk' is not a column"),
        ([*GOOD, "--adjust", "tier,tier"], "--adjust names 'tier' more than once"),
        ([*GOOD, "--adjust", "ethnicity"], "cannot also be a driver"),
        ([*GOOD, "--unit", "ethnicity"], "--unit and --group are both"),
        ([*GOOD, "--unit", "pdu", "--adjust", "pdu"], "cannot also be a driver in --adjust"),
        (
            ["--group", "ethnicity", "--outcome", "risk = 'high'"],
            "names a column the file does not have: 'risk'",
        ),
        (["--group", "ethnicity", "--outcome", "age + 1"], "not a boolean expression: on line 2"),
        (["--group", "ethnicity", "--outcome", "recalled = "], "not a valid SQL expression: SQLite says"),
        ([*GOOD, "--where", "age * 2"], "--where 'age \\* 2' is not a boolean expression"),
        ([*GOOD, "--where", "age > 200"], "selects nobody: it is false or NULL on all"),
        (["--group", "ethnicity", "--outcome", "NULL"], "NULL on every selected record"),
        ([*GOOD, "--reference", "Martian"], "--reference 'Martian' is not a value of column 'ethnicity'"),
        ([*GOOD, "--reference", "Black", "--where", "ethnicity <> 'Black'"], "'Black' has no people"),
        ([*GOOD, "--min-n", "-1"], "--min-n must be a whole number"),
        ([*GOOD, "--table", "units", "--format", "csv"], "--table units needs --unit"),
        ([*GOOD, "--table", "units"], "--table applies only to --format csv"),
        (["--group", "ethnicity", "--outcome", nested_replace(8, 10)], "makes a value longer than 1,000,000"),
        # A byte of an argument that is not UTF-8 arrives as a lone surrogate (\udcXX).
        (
            ["--group", "ethnicity", "--outcome", "recalled = '\udcff'"],
            "--outcome is not UTF-8 text: character 13 is the byte 0xFF",
        ),
        ([*GOOD, "--where", "sex = '\udce9'"], "--where is not UTF-8 text: character 8 is the byte 0xE9"),
        (["--group", "ethnicity\udcff", "--outcome", RECALLED], "--group is not UTF-8 text"),
        ([*GOOD, "--reference", "Wh\udcffite"], "--reference is not UTF-8 text"),
        ([*GOOD, "--unit", "pdu\udcff"], "--unit is not UTF-8 text"),
        ([*GOOD, "--adjust", "tier,\udcffsex"], "--adjust is not UTF-8 text"),
    ],
)
def test_bad_options_are_refused_and_nothing_is_written(
    data_csv: Path, args: list[str], message: str
) -> None:
    out = data_csv.parent / "out.json"
    out.write_text("the previous result\n")
    with pytest.raises(CommandError, match=message):
        call_command("equality", "analyse", str(data_csv), *args, "--out", str(out))
    assert out.read_text() == "the previous result\n"
    assert sorted(path.name for path in data_csv.parent.iterdir()) == ["out.json", "people.csv"]


def test_a_file_name_that_is_not_utf8_is_refused(data_csv: Path) -> None:
    odd = data_csv.parent / "people\udcff.csv"
    odd.write_bytes(data_csv.read_bytes())
    with pytest.raises(
        CommandError, match=r"the file name is not UTF-8 text: character \d+ is the byte 0xFF"
    ):
        call_command("equality", "analyse", str(odd), *GOOD)
    out = data_csv.parent / "out\udcff.json"
    with pytest.raises(CommandError, match="--out is not UTF-8 text"):
        call_command("equality", "analyse", str(data_csv), *GOOD, "--out", str(out))
    assert not out.exists()


def test_a_file_that_is_not_utf8_is_refused_naming_the_line_of_the_byte(tmp_path: Path) -> None:
    # Far enough down that the reader has decoded ahead of the line it is on.
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"ethnicity,recalled\n" + b"White,yes\n" * 2000 + "Bl\xe9ck,no\n".encode("latin-1"))
    with pytest.raises(
        CommandError, match=r"latin1.csv, line 2002: the byte 0xE9 is not utf-8 text \(.*\); .* --encoding"
    ):
        call_command("equality", "analyse", str(path), *GOOD)


def test_an_output_folder_that_does_not_exist_is_refused_before_any_work(data_csv: Path) -> None:
    with pytest.raises(CommandError, match="the folder for --out does not exist"):
        call_command(
            "equality", "analyse", str(data_csv), *GOOD, "--out", str(data_csv.parent / "no" / "x.json")
        )
    with pytest.raises(CommandError, match="is the input file"):
        call_command("equality", "analyse", str(data_csv), *GOOD, "--out", str(data_csv))


def test_a_missing_file_and_a_missing_subcommand_are_errors(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command("equality", "analyse", str(tmp_path / "none.csv"), *GOOD)
    with pytest.raises(CommandError, match=r"SUBCOMMAND|required"):
        call_command("equality")


# Output ---------------------------------------------------------------------------------------------------


def test_json_is_written_atomically_to_out(data_csv: Path) -> None:
    out = data_csv.parent / "result.json"
    printed = io.StringIO()
    call_command("equality", "analyse", str(data_csv), *GOOD, "--out", str(out), stdout=printed)
    document = json.loads(out.read_text())
    assert set(document) == {
        "inputs",
        "file",
        "multiple_testing",
        "weighting",
        "rows",
        "groups",
        "adjusted",
        "units",
        "trend",
        "flags",
    }
    assert document["adjusted"] is None and document["units"] is None
    assert f"Wrote {out}" in printed.getvalue()
    assert sorted(path.name for path in data_csv.parent.iterdir()) == ["people.csv", "result.json"]


def test_json_is_strict_with_no_figure_as_null_and_infinity_as_a_string(tmp_path: Path) -> None:
    path = tmp_path / "zero.csv"
    path.write_text("group,event\n" + "A,0\n" * 40 + "B,1\nB,0\n" * 20)
    result = analyse(Request(path=path, group="group", outcome="event = 1", reference="A"))
    text = render(result, "json")
    document = json.loads(text, parse_constant=lambda name: pytest.fail(f"non-standard JSON {name}"))
    b = table(document).loc["B"]
    assert b["relative_rate"] == "inf" and b["relative_rate_high"] == "inf"
    assert document["groups"][0]["group"] == "A" and document["groups"][0]["p_value"] is None


def test_csv_has_the_group_table_or_the_unit_table(data_csv: Path) -> None:
    out = io.StringIO()
    call_command(
        "equality", "analyse", str(data_csv), *GOOD, "--adjust", "tier", "--format", "csv", stdout=out
    )
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["group", "n", "events", "rate"]
    assert {"q_value", "flagged", "adjusted_relative_rate", "adjusted_q_value", "adjusted_note"} <= set(
        header
    )
    assert [row[0] for row in body] == sorted(GROUPS)
    white = dict(zip(header, body[sorted(GROUPS).index("White")], strict=True))
    assert white["is_reference"] == "true" and white["p_value"] == "" and white["relative_rate"] == "1.0"

    out = io.StringIO()
    call_command(
        "equality",
        "analyse",
        str(data_csv),
        *GOOD,
        "--unit",
        "pdu",
        "--format",
        "csv",
        "--table",
        "units",
        stdout=out,
    )
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0][:5] == ["unit", "group", "n", "observed", "expected"] and "outlier" in rows[0]
    assert len(rows) > 40


def test_csv_text_that_a_spreadsheet_would_run_is_quoted_and_numbers_stay_numbers(tmp_path: Path) -> None:
    labels = ["=1+2", "+1", "-1", "@SUM(1+1)", "\t=1+2", "\r=1+2", "White"]
    path = tmp_path / "labels.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["group", "unit", "event"])
        for label in labels:
            writer.writerows([label, ("-U1", "=U2")[i % 2], i % 3 == 0] for i in range(60))
    wanted = {"'=1+2", "'+1", "'-1", "'@SUM(1+1)", "'\t=1+2", "'\r=1+2", "White"}

    def cells(*args: str) -> list[list[str]]:
        out = io.StringIO()
        call_command(
            "equality", "analyse", str(path), "--group", "group", "--outcome", "event = 'True'", *args,
            "--format", "csv", stdout=out,
        )  # fmt: skip
        return list(csv.reader(io.StringIO(out.getvalue(), newline="")))

    groups = cells()
    assert {row[0] for row in groups[1:]} == wanted
    units = cells("--unit", "unit", "--table", "units")
    assert {row[0] for row in units[1:]} == {"'-U1", "'=U2"}
    assert {row[1] for row in units[1:]} == wanted
    for row in groups[1:] + units[1:]:
        for cell in row[2:]:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                float(cell)  # only a number may start so

    # A negative figure is a number, not text to quote.
    result = analyse(Request(path=path, group="group", outcome="event = 'True'"))
    negative = dataclasses.replace(result, groups=result.groups.assign(rate=-0.5))
    rows = list(csv.reader(io.StringIO(render(negative, "csv"), newline="")))
    assert {row[rows[0].index("rate")] for row in rows[1:]} == {"-0.5"}


def test_html_is_one_accessible_page_with_every_value_escaped(data_csv: Path) -> None:
    out = data_csv.parent / "report.html"
    call_command(
        "equality",
        "analyse",
        str(data_csv),
        *GOOD,
        "--adjust",
        "tier",
        "--unit",
        "pdu",
        "--where",
        "age > 0 AND '<i>' <> ''",
        "--format",
        "html",
        "--out",
        str(out),
    )
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert page.count("<table>") == 3 and page.count("<caption>") == 3
    assert '<th scope="col">Group</th>' in page and '<th scope="row">White</th>' in page
    assert "&lt;b&gt;Other&lt;/b&gt;" in page and "<b>Other</b>" not in page
    assert "&lt;i&gt;" in page and "<i>" not in page
    assert "<script" not in page and "src=" not in page and "href=" not in page and "http" not in page


def test_write_atomically_replaces_the_whole_file(tmp_path: Path) -> None:
    out = tmp_path / "x.txt"
    out.write_text("old")
    write_atomically(out, "new and complete\n")
    assert out.read_text() == "new and complete\n"
    assert [path.name for path in tmp_path.iterdir()] == ["x.txt"]
