"""Accessible spreadsheets: read back with pandas and with odfpy, and CSV files safe to open."""

import csv
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from odf import opendocument, table, text
from odf.namespaces import OFFICENS, TABLENS, XLINKNS

from evenhand.disclosure.rules import SUPPRESSED
from evenhand.equality.publish.ods import SHORTHAND, Table, write_csv, write_ods

COVER = [
    ("About these statistics", "Breach and recall by ethnic group.\nFigures are for England and Wales."),
    ("Contact", "equality.statistics@example.gov.uk"),
]
NOTES = [(1, "Rates are per 100 people."), (2, "Ethnic group as recorded on the person's record.")]


def groups() -> pd.DataFrame:
    table = pd.DataFrame(
        {"n": [4000, 900, 1200, 300, 45, 3], "events": [320, 117, 84, 33, 9, 1]},
        index=pd.Index(["White", "Black", "Asian", "Mixed", "Other", "Not recorded"], name="Ethnic group"),
    )
    table["rate"] = table["events"] / table["n"]
    table["relative_rate"] = table["rate"] / table.loc["White", "rate"]
    table.loc["White", "relative_rate"] = np.nan
    # As disclosure control leaves it: Not recorded (3 people) hidden, Other hidden with it, and their
    # rates and ratios with them.
    published = table.astype(object)
    published.loc[["Other", "Not recorded"], :] = SUPPRESSED
    return published


def units() -> pd.DataFrame:
    return pd.DataFrame({"unit": ["North", "South"], "people": [1250, 980], "share": [0.56, 0.44]})


def workbook(path: Path, tables: list[Table] | None = None) -> None:
    write_ods(
        path,
        title="Equality in enforcement: April 2024 to March 2025",
        cover=COVER,
        notes=NOTES,
        tables=tables
        or [
            Table("Table_1", "Recall by ethnic group", groups(), lines=["Source: Evenhand"], notes=[1, 2]),
            Table("Table_2", "People by unit", units()),
        ],
    )


def cells(sheet: table.Table) -> list[list[table.TableCell]]:
    return [row.getElementsByType(table.TableCell) for row in sheet.getElementsByType(table.TableRow)]


def sheets(path: Path) -> dict[str, table.Table]:
    document = opendocument.load(str(path))
    return {
        sheet.getAttribute("name"): sheet for sheet in document.spreadsheet.getElementsByType(table.Table)
    }


def test_sheets_come_in_order_with_their_titles_in_a1(tmp_path: Path) -> None:
    path = tmp_path / "equality.ods"
    workbook(path)
    read = pd.read_excel(path, engine="odf", sheet_name=None, header=None)
    assert list(read) == ["Cover_sheet", "Contents", "Notes", "Table_1", "Table_2"]
    assert read["Cover_sheet"].iat[0, 0] == "Equality in enforcement: April 2024 to March 2025"
    assert read["Contents"].iat[0, 0] == "Table of contents"
    assert read["Notes"].iat[0, 0] == "Notes"
    assert read["Table_1"].iat[0, 0] == "Recall by ethnic group"
    assert read["Table_2"].iat[0, 0] == "People by unit"
    found = sheets(path)
    for sheet in found.values():
        assert str(cells(sheet)[0][0].getAttribute("stylename")).endswith("Heading_20_1")


def test_the_cover_sheet_has_a_paragraph_a_cell_and_explains_the_shorthand(tmp_path: Path) -> None:
    path = tmp_path / "equality.ods"
    workbook(path)
    column = pd.read_excel(path, engine="odf", sheet_name="Cover_sheet", header=None)[0].tolist()
    assert column[1:6] == [
        "About these statistics",
        "Breach and recall by ethnic group.",
        "Figures are for England and Wales.",
        "Contact",
        "equality.statistics@example.gov.uk",
    ]
    assert "Shorthand" in column
    assert f"[c] means {SHORTHAND['[c]']}" in column
    assert f"[x] means {SHORTHAND['[x]']}" in column
    assert not any(str(line).startswith("[z]") for line in column)  # not used, so not explained


def test_a_table_sheet_says_what_it_holds_then_has_one_header_row(tmp_path: Path) -> None:
    path = tmp_path / "equality.ods"
    workbook(path)
    raw = pd.read_excel(path, engine="odf", sheet_name="Table_1", header=None)
    above = raw[0].tolist()[1:5]
    assert above[0] == "This worksheet contains one table."
    assert above[1] == "This table has notes, which are in the Notes worksheet: [note 1], [note 2]."
    assert above[2].startswith("Some cells hold shorthand instead of a figure: [c] means confidential")
    assert "[x] means not available" in above[2]
    assert above[3] == "Source: Evenhand"
    frame = pd.read_excel(path, engine="odf", sheet_name="Table_1", skiprows=5)
    assert list(frame.columns) == ["Ethnic group", "n", "events", "rate", "relative_rate"]
    assert frame["Ethnic group"].tolist() == ["White", "Black", "Asian", "Mixed", "Other", "Not recorded"]
    assert frame["n"].tolist() == [4000, 900, 1200, 300, "[c]", "[c]"]
    assert frame["relative_rate"].iloc[0] == "[x]"
    assert not frame.isna().to_numpy().any()  # no empty cells
    header = cells(sheets(path)["Table_1"])[5]
    assert all(str(cell.getAttribute("stylename")).endswith("Table_20_header") for cell in header)


def test_numbers_are_number_cells_and_shorthand_is_text(tmp_path: Path) -> None:
    path = tmp_path / "equality.ods"
    workbook(path)
    rows = cells(sheets(path)["Table_1"])
    black, other = rows[7], rows[10]
    assert black[1].getAttrNS(OFFICENS, "value-type") == "float"
    assert black[1].getAttrNS(OFFICENS, "value") == "900"
    assert black[3].getAttrNS(OFFICENS, "value-type") == "float"
    assert float(black[3].getAttrNS(OFFICENS, "value")) == pytest.approx(117 / 900)
    assert other[1].getAttrNS(OFFICENS, "value-type") == "string"
    assert str(other[1]) == "[c]"
    assert black[0].getAttrNS(OFFICENS, "value-type") == "string" and str(black[0]) == "Black"


def test_the_contents_link_every_sheet_and_give_its_title(tmp_path: Path) -> None:
    path = tmp_path / "equality.ods"
    workbook(path)
    contents = pd.read_excel(path, engine="odf", sheet_name="Contents", skiprows=3)
    assert list(contents.columns) == ["Sheet name", "Sheet title"]
    assert contents["Sheet name"].tolist() == ["Cover_sheet", "Notes", "Table_1", "Table_2"]
    assert contents["Sheet title"].tolist()[2:] == ["Recall by ethnic group", "People by unit"]
    links = sheets(path)["Contents"].getElementsByType(text.A)
    assert [link.getAttrNS(XLINKNS, "href") for link in links] == [
        "#Cover_sheet.A1",
        "#Notes.A1",
        "#Table_1.A1",
        "#Table_2.A1",
    ]


def test_the_notes_sheet_is_a_table_of_numbers_and_texts(tmp_path: Path) -> None:
    path = tmp_path / "equality.ods"
    workbook(path)
    notes = pd.read_excel(path, engine="odf", sheet_name="Notes", skiprows=3)
    assert notes.to_dict("list") == {
        "Note number": ["[note 1]", "[note 2]"],
        "Note text": [text for _, text in NOTES],
    }


def test_tables_are_marked_up_as_ranges_with_a_header(tmp_path: Path) -> None:
    path = tmp_path / "equality.ods"
    workbook(path)
    document = opendocument.load(str(path))
    ranges = {
        item.getAttrNS(TABLENS, "name"): item.getAttrNS(TABLENS, "target-range-address")
        for item in document.spreadsheet.getElementsByType(table.DatabaseRange)
    }
    assert ranges["Table_1_table"] == "Table_1.A6:Table_1.E12"
    assert ranges["Table_2_table"] == "Table_2.A3:Table_2.C5"
    assert ranges["Contents_table"] == "Contents.A4:Contents.B8"
    assert {
        item.getAttrNS(TABLENS, "contains-header")
        for item in document.spreadsheet.getElementsByType(table.DatabaseRange)
    } == {"true"}


def test_columns_get_widths_and_the_document_its_title_and_language(tmp_path: Path) -> None:
    path = tmp_path / "equality.ods"
    workbook(path)
    document = opendocument.load(str(path))
    columns = sheets(path)["Table_2"].getElementsByType(table.TableColumn)
    assert len(columns) == 3
    widths = [column.getAttribute("stylename") for column in columns]
    assert 'style:column-width="' in document.contentxml().decode()
    assert all(widths)
    meta = document.metaxml()
    assert "<dc:title>Equality in enforcement: April 2024 to March 2025</dc:title>" in meta
    assert "<dc:language>en-GB</dc:language>" in meta


def test_empty_cells_need_a_reason(tmp_path: Path) -> None:
    frame = units().assign(note=["", "merged with West in June"])
    path = tmp_path / "equality.ods"
    with pytest.raises(ValueError, match=r"the table on sheet 'Table_2' has empty cells; give the reason"):
        workbook(path, [Table("Table_2", "People by unit", frame)])
    assert not path.exists()
    workbook(path, [Table("Table_2", "People by unit", frame, blank="no note for that unit.")])
    raw = pd.read_excel(path, engine="odf", sheet_name="Table_2", header=None)
    assert "Some cells are empty: no note for that unit." in raw[0].tolist()


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ([Table("Table 1", "A", units())], r"sheet name 'Table 1' must start with a letter and hold only"),
        ([Table("Table:1", "A", units())], r"hold only letters, digits and underscores"),
        ([Table("T" * 32, "A", units())], r"is 32 characters long; the most allowed is 31"),
        ([Table("Table_1", "A", units()), Table("table_1", "B", units())], r"'table_1' is used twice"),
        ([Table("Contents", "A", units())], r"'Contents' is used twice"),
        ([Table("Table_1", "", units())], r"the title of sheet 'Table_1' must be some text"),
        ([Table("Table_1", "A", units(), notes=[3])], r"refers to note 3, which is not among the notes"),
        ([Table("Table_1", "A", units().iloc[:0])], r"has no rows or no columns"),
        ([Table("Table_1", "A", units().assign(share=np.inf))], r"'share' in row 1 .* is infinite"),
        ([Table("Table_1", "A", units().set_index("unit").rename_axis(None))], r"index .* has no name"),
        ([Table("Table_1", "A", units().rename(columns={"share": "people"}))], r"two columns named 'people'"),
        ([], r"at least one table"),
    ],
)
def test_an_invalid_workbook_is_refused_and_nothing_is_written(
    tmp_path: Path, tables: list[Table], message: str
) -> None:
    path = tmp_path / "equality.ods"
    with pytest.raises(ValueError, match=message):
        write_ods(path, title="T", cover=COVER, notes=NOTES, tables=tables)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "equality.ods"
    path.write_bytes(b"the old workbook")

    def broken(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(opendocument.OpenDocument, "write", broken)
    with pytest.raises(OSError, match="disk full"):
        workbook(path)
    assert path.read_bytes() == b"the old workbook"
    assert list(tmp_path.iterdir()) == [path]


def test_the_workbook_replaces_an_old_one_keeping_its_permissions(tmp_path: Path) -> None:
    path = tmp_path / "equality.ods"
    path.write_bytes(b"old")
    os.chmod(path, 0o640)
    workbook(path)
    assert path.read_bytes()[:2] == b"PK"  # a zip, as OpenDocument files are
    assert path.stat().st_mode & 0o777 == 0o640


def test_a_workbook_without_notes_has_no_notes_sheet(tmp_path: Path) -> None:
    path = tmp_path / "equality.ods"
    write_ods(path, title="T", cover=COVER, notes=[], tables=[Table("Table_1", "People by unit", units())])
    assert list(pd.read_excel(path, engine="odf", sheet_name=None)) == ["Cover_sheet", "Contents", "Table_1"]


# CSV


def test_csv_keeps_numbers_and_markers_and_guards_against_formulas(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "label": ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "plain", "Café"],
            "change": [-3, -0.5, 4, 0, 1, 2, 3],
            "count": ["[c]", 5, 0, "[c]", 7, 8, np.nan],
        }
    )
    path = tmp_path / "table.csv"
    write_csv(path, frame)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["label", "change", "count"]
    assert [row[0] for row in rows[1:]] == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "plain",
        "Café",
    ]
    assert [row[1] for row in rows[1:]] == ["-3", "-0.5", "4", "0", "1", "2", "3"]
    assert [row[2] for row in rows[1:]] == ["[c]", "5", "0", "[c]", "7", "8", "[x]"]
    assert path.read_bytes().decode("utf-8")  # UTF-8 throughout


def test_csv_writes_the_index_and_published_tables(tmp_path: Path) -> None:
    path = tmp_path / "groups.csv"
    write_csv(path, groups())
    read = pd.read_csv(path)
    assert list(read.columns) == ["Ethnic group", "n", "events", "rate", "relative_rate"]
    assert read["n"].tolist() == ["4000", "900", "1200", "300", "[c]", "[c]"]


def test_csv_refuses_what_it_cannot_write_and_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    with pytest.raises(ValueError, match="is infinite"):
        write_csv(path, pd.DataFrame({"ratio": [1.0, np.inf]}))
    assert list(tmp_path.iterdir()) == []
