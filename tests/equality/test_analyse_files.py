"""`evenhand equality analyse` on files as they come: formats, encodings, delimiters, repeated headers,
missing markers, and bad input refused with a clear message and nothing written."""

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from evenhand.equality.reading import read_file

GOOD = ["--group", "ethnicity", "--outcome", "recalled = 'yes'"]


def people(size: int = 400, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "ethnicity": rng.choice(
                ["White", "Black", "Asian", "Mixed Ré"], size=size, p=[0.5, 0.2, 0.2, 0.1]
            ),
            "age": rng.integers(18, 80, size=size),
            "priors": rng.poisson(2, size=size),
            "tier": rng.choice(list("ABCD"), size=size),
            "recalled": rng.choice(["yes", "no"], size=size, p=[0.3, 0.7]),
            "note": rng.choice(["one line", "two\nlines", 'a "quote", a comma'], size=size),
        }
    )


def run(path: Path, *args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("equality", "analyse", str(path), *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def frame() -> pd.DataFrame:
    return people()


@pytest.fixture
def expected(tmp_path: Path, frame: pd.DataFrame) -> dict[str, Any]:
    path = tmp_path / "plain.csv"
    frame.to_csv(path, index=False)
    return run(path, *GOOD, "--adjust", "age,tier")


def same_figures(document: dict[str, Any], expected: dict[str, Any]) -> None:
    assert document["groups"] == expected["groups"]
    assert document["adjusted"]["groups"] == expected["adjusted"]["groups"]
    assert document["adjusted"]["formula"] == expected["adjusted"]["formula"]


@pytest.mark.parametrize(
    ("name", "write", "args", "source"),
    [
        ("bom.csv", lambda f, p: f.to_csv(p, index=False, encoding="utf-8-sig"), [], {"encoding": "utf-8"}),
        (
            "windows.csv",
            lambda f, p: f.to_csv(p, index=False, encoding="cp1252"),
            ["--encoding", "cp1252"],
            {"encoding": "cp1252"},
        ),
        ("utf16.csv", lambda f, p: f.to_csv(p, index=False, encoding="utf-16"), [], {"encoding": "utf-16"}),
        ("semicolon.csv", lambda f, p: f.to_csv(p, index=False, sep=";"), [], {"delimiter": ";"}),
        ("tab.tsv", lambda f, p: f.to_csv(p, index=False, sep="\t"), [], {"delimiter": "\t"}),
        ("people.parquet", lambda f, p: f.to_parquet(p, index=False), [], {"format": "parquet"}),
        ("people.xlsx", lambda f, p: f.to_excel(p, index=False, engine="openpyxl"), [], {"format": "xlsx"}),
        ("people.ods", lambda f, p: f.to_excel(p, index=False, engine="odf"), [], {"format": "ods"}),
    ],
)
def test_every_format_and_encoding_gives_the_same_figures(
    tmp_path: Path,
    frame: pd.DataFrame,
    expected: dict[str, Any],
    name: str,
    write: Any,
    args: list[str],
    source: dict[str, str],
) -> None:
    path = tmp_path / name
    write(frame, path)
    document = run(path, *GOOD, "--adjust", "age,tier", *args)
    same_figures(document, expected)
    assert source.items() <= document["file"].items()
    # Quoted fields that span lines are one field: the records are counted right.
    assert document["rows"]["in_file"] == len(frame)


def test_a_sheet_is_chosen_by_name_and_a_missing_one_is_refused_naming_those_there(
    tmp_path: Path, frame: pd.DataFrame, expected: dict[str, Any]
) -> None:
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        pd.DataFrame({"cover": ["Published analysis"]}).to_excel(writer, sheet_name="Cover", index=False)
        frame.to_excel(writer, sheet_name="Data", index=False)
    same_figures(run(path, *GOOD, "--adjust", "age,tier", "--sheet", "Data"), expected)
    out = tmp_path / "out.json"
    with pytest.raises(
        CommandError, match=r"--sheet 'Table 1': book.xlsx has no such sheet; its sheets are: 'Cover', 'Data'"
    ):
        call_command("equality", "analyse", str(path), *GOOD, "--sheet", "Table 1", "--out", str(out))
    assert not out.exists()


def test_repeated_headers_are_renamed_as_pandas_does_with_a_note_on_their_values(tmp_path: Path) -> None:
    path = tmp_path / "repeated.csv"
    path.write_text(
        "ethnicity,recalled,age,Ethnicity,age,age\n"
        + "".join(
            f"{group},{outcome},{age},{group},{age},{age + 1}\n"
            for group, outcome, age in [
                ("White", "yes", 30),
                ("White", "no", 40),
                ("Black", "yes", 50),
                ("Black", "no", 60),
                ("White", "no", 20),
            ]
        )
    )
    data = read_file(path)
    assert data.columns == ["ethnicity", "recalled", "age", "Ethnicity.1", "age.1", "age.2"]
    # pandas names them the same way (it compares with case; SQL, and so this reader, without).
    assert list(pd.read_csv(path).columns)[4:] == ["age.1", "age.2"]
    document = run(path, *GOOD, "--min-n", "0", "--where", '"age.2" > 0')
    notes = document["file"]["notes"]
    assert (
        "columns 1 and 4 are both named 'ethnicity'; column 4 is read as 'Ethnicity.1'. They hold the same values."
        in notes
    )
    assert (
        "columns 3 and 5 are both named 'age'; column 5 is read as 'age.1'. They hold the same values."
        in notes
    )
    assert (
        "columns 3 and 6 are both named 'age'; column 6 is read as 'age.2'. They hold different values."
        in notes
    )
    assert document["rows"]["analysed"] == 5


def test_missing_markers_are_missing_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "missing.csv"
    path.write_text(
        "ethnicity,recalled,age\nWhite,yes,NA\nWhite,no,31\nBlack,N/A,40\nBlack,no,\nNULL,yes,#N/A\nWhite,no,n/a\n"
    )
    data = read_file(path)
    assert data.kinds == ["TEXT", "TEXT", "INTEGER"]  # the markers do not make age text
    assert data.missing == {"ethnicity": 1, "recalled": 1, "age": 4}
    document = run(path, *GOOD, "--min-n", "0", "--where", "age IS NULL OR age > 0")
    assert document["rows"]["outcome_null"] == 1  # 'N/A' is missing, not a "no"
    assert [row["group"] for row in document["groups"]] == ["(blank)", "Black", "White"]
    assert document["file"]["missing"] == {"ethnicity": 1}


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (b"", GOOD, "is empty: it has no header line"),
        (b"ethnicity,recalled\nWhite,yes\nWh\xffite,no\n", GOOD, "line 3: the byte 0xFF is not utf-8 text"),
        (
            b"ethnicity,recalled\nWhite,yes\nBlack,no\n",
            ["--group", "ethnicty", "--outcome", "recalled = 'yes'"],
            r"--group 'ethnicty' is not a column of .* \(did you mean 'ethnicity'\?\)",
        ),
        (
            b"ethnicity,recalled,age\nWhite,yes,3\nBlack,no,4\n",
            [*GOOD, "--weight", "agee"],
            r"--weight 'agee' is not a column .*did you mean 'age'",
        ),
        (
            b"ethnicity,recalled,w\nWhite,yes,1\nBlack,no,-2\n",
            [*GOOD, "--weight", "w"],
            "--weight 'w' is -2 on line 3; weights must be 0 or more",
        ),
        (
            b"ethnicity,recalled,tier\nWhite,yes,A\nBlack,no,A\nWhite,no,A\n",
            [*GOOD, "--adjust", "tier"],
            "every record analysed has the same value of 'tier'",
        ),
        (
            b"ethnicity,recalled,tier\nWhite,yes,A\nBlack,no,B\n",
            [*GOOD, "--adjust", "tier:spline"],
            "column 'tier' is not numeric",
        ),
        (
            b"ethnicity,recalled,tier\nWhite,yes,A\nBlack,no,B\n",
            [*GOOD, "--adjust", "tier:wiggly"],
            "unknown kind 'wiggly'",
        ),
        (b"ethnicity,recalled\nWhite,yes\nBlack,yes\n", GOOD, "is always true"),
        (
            b"ethnicity,recalled,d\nWhite,yes,2024-01-02\nBlack,no,soon\n",
            [*GOOD, "--period", "d"],
            "--period 'd': on line 3 the value 'soon' is not a date",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(
    tmp_path: Path, content: bytes, args: list[str], message: str
) -> None:
    path, out = tmp_path / "bad.csv", tmp_path / "out.json"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("equality", "analyse", str(path), *args, "--min-n", "0", "--out", str(out))
    assert sorted(tmp_path.iterdir()) == [path]  # no output, no folder, no temporary file


def test_an_unreadable_spreadsheet_or_parquet_file_is_refused(tmp_path: Path) -> None:
    for name in ("broken.xlsx", "broken.parquet", "broken.ods"):
        path = tmp_path / name
        path.write_bytes(b"this is not that kind of file")
        with pytest.raises(CommandError, match=f"cannot read .*{name}"):
            call_command("equality", "analyse", str(path), *GOOD)
    with pytest.raises(CommandError, match="it is a folder"):
        call_command("equality", "analyse", str(tmp_path), *GOOD)
