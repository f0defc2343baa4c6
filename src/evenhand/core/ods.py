"""Accessible spreadsheets (OpenDocument) and CSV files for published tables (the equality publication, the
summary of staff concerns).

:func:`write_ods` lays a workbook out as the Government Analysis Function's guidance "Releasing statistics
in spreadsheets" (and its "Making spreadsheets accessible" checklist) asks, so that a screen reader, a
person and a program can all find their way around it:

- the sheets are, in order, ``Cover_sheet``, ``Contents``, ``Notes`` (left out when there are no notes, as
  the guidance asks for no blank worksheets) and one sheet per table;
- every sheet has its title in cell A1, styled as a heading, and its text in column A, one paragraph a
  cell, above the table and never below it;
- ``Contents`` is a table of every other sheet's name, linked to the sheet, and its title; ``Notes`` is a
  table of note numbers (``[note 1]``) and texts, and a table that has notes says so above it;
- a table sheet holds one table, says "This worksheet contains one table." above it, explains any
  shorthand or empty cells it uses, then gives its description and source lines; the table has a single
  header row in bold, no merged cells, no blank rows or columns, and is marked up as a database range
  with a header, the spreadsheet form of a table;
- numbers are stored as numbers (``office:value-type="float"``), text as text. No cell inside a table is
  left empty unless the table says why (``blank``): a missing number is written ``[x]``;
- the shorthand, explained on the cover sheet and above each table that uses it, is the guidance's:
  :data:`SHORTHAND` (``[c]`` confidential, ``[x]`` not available, ``[z]`` not applicable);
- sheet names are at most 31 characters of letters, digits and underscores (no spaces), unique whatever
  the case, as spreadsheet programs require; columns get a width from their content; text wraps in the
  table cells; there are no filters, frozen panes, colours or merged cells, which the guidance advises
  against; the document's title and language (``en-GB``) are set.

Text in an OpenDocument cell is never run as a formula (formulas live in their own attribute), so only
the CSV needs guarding against formula injection: :func:`write_csv` puts an apostrophe before any text
cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, which spreadsheet programs
would otherwise read as a formula; numbers, negative ones included, are written as they are.

Both functions check everything, then write to a temporary file in the target's folder and rename it over
the target, so a failure leaves either the old file or none, never part of one.

References: Government Analysis Function (2021, updated 2024), "Releasing statistics in spreadsheets" and
"Making spreadsheets accessible: a brief checklist of the basics"; OWASP, "CSV Injection".
"""

import contextlib
import csv
import datetime as dt
import io
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
from odf import dc, style, table, text
from odf.element import Element
from odf.opendocument import OpenDocumentSpreadsheet

from evenhand.core.formatting import (
    PUBLISHED_CONFIDENTIAL,
    PUBLISHED_NOT_APPLICABLE,
    PUBLISHED_NOT_AVAILABLE,
)

# The guidance's shorthand for a cell with no figure, and what each means (the symbols are
# evenhand.core.formatting's, which writes every published figure). A publication says what its [c] hides
# by passing its own meanings to write_ods.
Shorthand = Mapping[str, str]
SHORTHAND: Shorthand = {
    PUBLISHED_CONFIDENTIAL: "confidential: a figure withheld so that nobody can be identified from it",
    PUBLISHED_NOT_AVAILABLE: (
        "not available: the figure could not be calculated, for example for a group too small to compare"
    ),
    PUBLISHED_NOT_APPLICABLE: "not applicable: for example a group compared with itself",
}
MISSING = PUBLISHED_NOT_AVAILABLE
COVER, CONTENTS, NOTES = "Cover_sheet", "Contents", "Notes"
ONE_TABLE = "This worksheet contains one table."
_SHEET_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,30}")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NOTE = "[note {}]"
_LANGUAGE = ("en", "GB")


@dataclass(frozen=True)
class Table:
    """One table, on a sheet of its own.

    ``sheet_name``: the tab's name (letters, digits and underscores, at most 31, starting with a letter).
    ``title``: what the table shows, in cell A1. ``frame``: the table; its index is written as the first
    column(s), headed by its name(s), unless it is a plain 0, 1, 2, … index. ``lines``: description and
    source lines, one cell each, above the table. ``notes``: the numbers of the notes that apply.
    ``blank``: why some cells are empty, if any are (text cells that are ``""``); a table with empty
    cells and no reason is refused.
    """

    sheet_name: str
    title: str
    frame: pd.DataFrame
    lines: Sequence[str] = ()
    notes: Sequence[int] = ()
    blank: str | None = None


def write_ods(
    path: Path | str,
    *,
    title: str,
    cover: Sequence[tuple[str, str]],
    notes: Sequence[tuple[int, str]],
    tables: Sequence[Table],
    shorthand: Shorthand | None = None,
) -> None:
    """Write the workbook to ``path`` (an ``.ods`` file), laid out as the module docstring describes.

    ``title`` goes in A1 of the cover sheet and in the document's properties; ``cover`` is its sections,
    each a heading and a text (one cell per line of the text); ``notes`` are (note number, text) pairs,
    referred to from tables by number. Raises ``ValueError`` naming the problem, before anything is
    written, for a bad or repeated sheet name, an empty title or table, a repeated or missing note, a
    column without a name, an infinite or unsupported value, or empty cells without a reason.
    ``shorthand`` gives this publication's meaning of any of :data:`SHORTHAND`'s marks (what its ``[c]``
    hides, say); the others keep theirs.
    """
    target = Path(path)
    meanings = {**SHORTHAND, **{mark: text for mark, text in (shorthand or {}).items() if mark in SHORTHAND}}
    _check_text(title, "the workbook title")
    for heading, body in cover:
        _check_text(heading, "a cover sheet heading")
        _check_text(body, f"the cover sheet text under {heading!r}")
    numbers = _check_notes(notes)
    _check_sheets(tables, numbers)
    grids = {item.sheet_name: _grid(item) for item in tables}
    used = [mark for mark in SHORTHAND if any(mark in grid.shorthand for grid in grids.values())]

    book = _Book(title, meanings)
    book.cover(title, cover, used)
    sheets = [(COVER, "Cover sheet: about these statistics")]
    if notes:
        sheets.append((NOTES, "Notes used in this workbook"))
    sheets += [(item.sheet_name, item.title) for item in tables]
    book.contents(sheets)
    if notes:
        book.notes(notes)
    for item in tables:
        book.table(item, grids[item.sheet_name])
    _write_atomically(target, book.save)


def write_csv(path: Path | str, frame: pd.DataFrame) -> None:
    """Write one table as CSV (UTF-8, comma-separated, one header row) to ``path``.

    The cells are those :func:`write_ods` would write: numbers as numbers, missing ones as ``[x]``,
    suppressed ones as ``[c]``, booleans as ``Yes``/``No``; the index is the first column(s) as there.
    A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    apostrophe so that no spreadsheet program runs it as a formula. Raises ``ValueError`` as
    :func:`write_ods` does for a table it cannot write.
    """
    grid = _grid(Table(sheet_name="csv", title="csv", frame=frame, blank="empty"))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([_safe(header) for header in grid.headers])
    for row in grid.rows:
        writer.writerow([_safe(value) if isinstance(value, str) else _number_text(value) for value in row])
    data = buffer.getvalue().encode("utf-8")
    _write_atomically(Path(path), lambda handle: handle.write(data))


def _safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _check_text(value: object, what: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be some text, not {value!r}")


def _check_notes(notes: Sequence[tuple[int, str]]) -> set[int]:
    numbers: set[int] = set()
    for number, body in notes:
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ValueError(f"a note number must be a whole number from 1, not {number!r}")
        if number in numbers:
            raise ValueError(f"note {number} is given twice")
        _check_text(body, f"the text of note {number}")
        numbers.add(number)
    return numbers


def _check_sheets(tables: Sequence[Table], notes: set[int]) -> None:
    if not tables:
        raise ValueError("a workbook needs at least one table")
    taken = {name.casefold(): name for name in (COVER, CONTENTS, NOTES)}
    for item in tables:
        name = item.sheet_name
        if not isinstance(name, str) or not name:
            raise ValueError(f"a sheet name must be some text, not {name!r}")
        if len(name) > 31:
            raise ValueError(f"sheet name {name!r} is {len(name)} characters long; the most allowed is 31")
        if not _SHEET_NAME.fullmatch(name):
            raise ValueError(
                f"sheet name {name!r} must start with a letter and hold only letters, digits and"
                " underscores (no spaces or punctuation)"
            )
        if name.casefold() in taken:
            raise ValueError(f"sheet name {name!r} is used twice (as {taken[name.casefold()]!r} already)")
        taken[name.casefold()] = name
        _check_text(item.title, f"the title of sheet {name!r}")
        for line in item.lines:
            _check_text(line, f"a line of text on sheet {name!r}")
        for number in item.notes:
            if number not in notes:
                raise ValueError(f"sheet {name!r} refers to note {number!r}, which is not among the notes")
        if item.blank is not None:
            _check_text(item.blank, f"the reason for empty cells on sheet {name!r}")


@dataclass(frozen=True)
class _Grid:
    """A table as cells: its header, then rows of numbers (int or float) and text; "" is an empty cell."""

    headers: list[str]
    rows: list[list[int | float | str | dt.date]]
    shorthand: set[str]
    empty: bool


def _grid(item: Table) -> _Grid:
    """The table's cells, checked: named and unique columns, no infinite values, no unexplained blanks."""
    frame = item.frame
    where = f"sheet {item.sheet_name!r}"
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"the table on {where} must be a pandas DataFrame, not {type(frame).__name__}")
    if frame.empty:
        raise ValueError(f"the table on {where} has no rows or no columns; leave the sheet out instead")
    plain_index = isinstance(frame.index, pd.RangeIndex) and frame.index.name is None
    if not plain_index:
        if any(name is None for name in frame.index.names):
            raise ValueError(
                f"the index of the table on {where} has no name; name it (the name heads its column) or"
                " reset it"
            )
        frame = frame.reset_index()
    headers = [str(name).strip() for name in frame.columns]
    for position, header in enumerate(headers):
        if not header:
            raise ValueError(f"column {position + 1} of the table on {where} has no name")
        if headers.index(header) != position:
            raise ValueError(f"the table on {where} has two columns named {header!r}")
    rows: list[list[int | float | str | dt.date]] = []
    shorthand: set[str] = set()
    empty = False
    for number, record in enumerate(frame.itertuples(index=False, name=None), start=1):
        row = []
        for header, value in zip(headers, record, strict=True):
            cell = _value(value, f"{header!r} in row {number} of the table on {where}")
            if isinstance(cell, str):
                if cell in SHORTHAND:
                    shorthand.add(cell)
                empty = empty or cell == ""
            row.append(cell)
        rows.append(row)
    if empty and item.blank is None:
        raise ValueError(
            f"the table on {where} has empty cells; give the reason (blank=...) or fill them with shorthand"
            f" ({', '.join(SHORTHAND)})"
        )
    return _Grid(headers=headers, rows=rows, shorthand=shorthand, empty=empty)


def _value(value: Any, where: str) -> int | float | str | dt.date:
    """A frame's value as a cell: a whole or decimal number, text or a date; a missing value is ``[x]``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, bool | np.bool_):
        return "Yes" if value else "No"
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return MISSING
        if math.isinf(number):
            raise ValueError(f"{where} is infinite; write it as text or shorthand (such as [z]) instead")
        return number
    if isinstance(value, str):
        return value
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, dt.date):
        return value
    raise ValueError(f"{where} is {value!r}, of type {type(value).__name__}; write numbers, text or dates")


def _number_text(value: int | float | dt.date) -> str:
    """A number as the shortest text that reads back as the same number (a whole one without ``.0``, as
    counts in a column of floats are), or a date in ISO 8601."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) or (value.is_integer() and abs(value) < 2**53):
        return str(int(value))
    return repr(value)


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _width(texts: Sequence[str]) -> str:
    # About 0.22 cm per character of 11-point Arial, with room for padding; wide columns wrap instead.
    longest = max((len(line) for value in texts for line in value.splitlines() or [""]), default=0)
    return f"{min(max(longest * 0.22 + 0.5, 2.5), 9.0):.2f}cm"


class _Book:
    """The OpenDocument spreadsheet being built, with its styles."""

    def __init__(self, title: str, meanings: Shorthand) -> None:
        self.meanings = meanings
        self.document = OpenDocumentSpreadsheet()
        self.document.meta.addElement(dc.Title(text=title))
        self.document.meta.addElement(dc.Language(text="-".join(_LANGUAGE)))
        self.ranges = table.DatabaseRanges()
        self.widths: dict[str, str] = {}
        language, country = _LANGUAGE
        default = style.DefaultStyle(family="table-cell")
        default.addElement(
            style.TextProperties(fontfamily="Arial", fontsize="11pt", language=language, country=country)
        )
        self.document.styles.addElement(default)
        self.heading = self._named("Heading_20_1", "Heading 1", bold=True, size="15pt")
        self.subheading = self._named("Heading_20_2", "Heading 2", bold=True, size="13pt")
        self.header = self._named("Table_20_header", "Table header", bold=True, wrap=True)
        self.body = self._named("Table_20_contents", "Table contents", wrap=True)
        # The cover's paragraphs wrap in its one wide column; a table sheet's lines run on across the
        # empty cells beside them instead of wrapping in a column sized for the table.
        self.prose = self._named("Text_20_body", "Text body", wrap=True)
        self.line = self._named("Text_20_line", "Text line")

    def _named(
        self, name: str, shown: str, *, bold: bool = False, size: str = "11pt", wrap: bool = False
    ) -> str:
        """A named cell style (so the heading is marked as one) and the automatic style cells point at."""
        common = style.Style(name=name, displayname=shown, family="table-cell")
        common.addElement(style.TextProperties(fontweight="bold" if bold else "normal", fontsize=size))
        common.addElement(
            style.TableCellProperties(wrapoption="wrap" if wrap else "no-wrap", verticalalign="top")
        )
        self.document.styles.addElement(common)
        automatic = style.Style(name=f"ce_{name}", family="table-cell", parentstylename=name)
        self.document.automaticstyles.addElement(automatic)
        return f"ce_{name}"

    def _column(self, width: str) -> str:
        if width not in self.widths:
            name = f"co{len(self.widths) + 1}"
            column = style.Style(name=name, family="table-column")
            column.addElement(style.TableColumnProperties(columnwidth=width, breakbefore="auto"))
            self.document.automaticstyles.addElement(column)
            self.widths[width] = name
        return self.widths[width]

    def _sheet(self, name: str, widths: Sequence[str]) -> Element:
        sheet = table.Table(name=name)
        for width in widths:
            sheet.addElement(table.TableColumn(stylename=self._column(width)))
        self.document.spreadsheet.addElement(sheet)
        return sheet

    def _text_row(self, sheet: Element, value: str, cell_style: str, link: str | None = None) -> None:
        row = table.TableRow()
        row.addElement(self._text_cell(value, cell_style, link))
        sheet.addElement(row)

    def _text_cell(self, value: str, cell_style: str, link: str | None = None) -> Element:
        cell = table.TableCell(valuetype="string", stylename=cell_style)
        for line in value.split("\n"):
            paragraph = text.P()
            if link is None:
                paragraph.addText(line)
            else:
                paragraph.addElement(text.A(href=link, type="simple", text=line))
            cell.addElement(paragraph)
        return cell

    def _cell(self, value: int | float | str | dt.date) -> Element:
        if isinstance(value, str):
            if value == "":
                return table.TableCell(stylename=self.body)
            return self._text_cell(value, self.body)
        if isinstance(value, dt.date):
            cell = table.TableCell(valuetype="date", datevalue=value.isoformat(), stylename=self.body)
        else:
            cell = table.TableCell(valuetype="float", value=_number_text(value), stylename=self.body)
        cell.addElement(text.P(text=_number_text(value)))
        return cell

    def _data(
        self, sheet: Element, name: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], first: int
    ) -> None:
        """The table itself, from row ``first`` (1-based), marked up as a database range with a header."""
        header = table.TableRow()
        for value in headers:
            header.addElement(self._text_cell(value, self.header))
        sheet.addElement(header)
        for values in rows:
            row = table.TableRow()
            for value in values:
                row.addElement(value if isinstance(value, Element) else self._cell(value))
            sheet.addElement(row)
        last = f"{_column_letters(len(headers) - 1)}{first + len(rows)}"
        self.ranges.addElement(
            table.DatabaseRange(
                name=f"{name}_table",
                targetrangeaddress=f"{name}.A{first}:{name}.{last}",
                containsheader="true",
                displayfilterbuttons="false",
            )
        )

    def cover(self, title: str, sections: Sequence[tuple[str, str]], shorthand: Sequence[str]) -> None:
        sheet = self._sheet(COVER, ["24cm"])
        self._text_row(sheet, title, self.heading)
        for heading, body in sections:
            self._text_row(sheet, heading, self.subheading)
            for line in body.splitlines():
                if line.strip():
                    self._text_row(sheet, line, self.prose)
        if shorthand:
            self._text_row(sheet, "Shorthand", self.subheading)
            self._text_row(
                sheet,
                "Some cells hold shorthand in square brackets instead of a figure, as the Government Analysis"
                " Function's guidance on releasing statistics in spreadsheets recommends:",
                self.prose,
            )
            for mark in shorthand:
                self._text_row(sheet, f"{mark} means {self.meanings[mark]}", self.prose)

    def contents(self, sheets: Sequence[tuple[str, str]]) -> None:
        names = [name for name, _ in sheets]
        titles = [title for _, title in sheets]
        widths = [_width(["Sheet name", *names]), _width(["Sheet title", *titles])]
        sheet = self._sheet(CONTENTS, widths)
        self._text_row(sheet, "Table of contents", self.heading)
        self._text_row(sheet, ONE_TABLE, self.line)
        self._text_row(sheet, "Select a sheet name to go to that sheet.", self.line)
        rows = [
            [self._text_cell(name, self.body, link=f"#{name}.A1"), self._text_cell(title, self.body)]
            for name, title in sheets
        ]
        self._data(sheet, CONTENTS, ["Sheet name", "Sheet title"], rows, first=4)

    def notes(self, notes: Sequence[tuple[int, str]]) -> None:
        marks = [_NOTE.format(number) for number, _ in notes]
        bodies = [body for _, body in notes]
        sheet = self._sheet(NOTES, [_width(["Note number", *marks]), _width(["Note text", *bodies])])
        self._text_row(sheet, "Notes", self.heading)
        self._text_row(sheet, ONE_TABLE, self.line)
        self._text_row(sheet, "Tables refer to these notes by number, such as [note 1].", self.line)
        rows = [[mark, body] for mark, body in zip(marks, bodies, strict=True)]
        self._data(sheet, NOTES, ["Note number", "Note text"], rows, first=4)

    def table(self, item: Table, grid: _Grid) -> None:
        columns = [
            [header, *(value if isinstance(value, str) else _number_text(value) for value in values)]
            for header, values in zip(grid.headers, zip(*grid.rows, strict=True), strict=True)
        ]
        sheet = self._sheet(item.sheet_name, [_width(column) for column in columns])
        self._text_row(sheet, item.title, self.heading)
        above = [ONE_TABLE]
        if item.notes:
            marks = ", ".join(_NOTE.format(number) for number in sorted(set(item.notes)))
            above.append(f"This table has notes, which are in the Notes worksheet: {marks}.")
        if grid.shorthand:
            meanings = "; ".join(
                f"{mark} means {self.meanings[mark]}" for mark in SHORTHAND if mark in grid.shorthand
            )
            above.append(f"Some cells hold shorthand instead of a figure: {meanings}.")
        if grid.empty:
            above.append(f"Some cells are empty: {item.blank}")
        above += list(item.lines)
        for line in above:
            self._text_row(sheet, line, self.line)
        self._data(sheet, item.sheet_name, grid.headers, grid.rows, first=len(above) + 2)

    def save(self, handle: IO[bytes]) -> None:
        self.document.spreadsheet.addElement(self.ranges)
        self.document.write(handle)


def _write_atomically(target: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write through a temporary file in the target's folder and a rename: ``target`` ends up whole or as
    it was, never in part."""
    if not target.parent.is_dir():
        raise ValueError(f"the folder to write {target.name} in does not exist: {target.parent}")
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        # mkstemp makes the file private (0600); give the result the mode a plain write would have.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~umask)
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def tables_of(published: Iterable[Mapping[str, Any]]) -> list[Table]:
    """The sheets of tables given as plain data: each with its ``sheet``, ``title``, ``description``,
    ``columns`` and ``rows``, as a published table's ``as_dict`` gives them."""
    return [
        Table(
            sheet_name=table["sheet"],
            title=table["title"],
            frame=pd.DataFrame(table["rows"], columns=table["columns"]),
            lines=(table["description"],),
        )
        for table in published
    ]


def ods_bytes(
    *,
    title: str,
    cover: Sequence[tuple[str, str]],
    notes: Sequence[tuple[int, str]],
    tables: Sequence[Table],
    shorthand: Shorthand | None = None,
) -> bytes:
    """The workbook ``write_ods`` writes, as bytes: for a release kept in the database."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "workbook.ods"
        write_ods(path, title=title, cover=cover, notes=notes, tables=tables, shorthand=shorthand)
        return path.read_bytes()
