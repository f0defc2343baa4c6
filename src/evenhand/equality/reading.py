"""Person-level files as they come, for ``evenhand equality analyse`` and :func:`analyse_frame`.

:func:`read_file` reads a CSV (any encoding Python knows, given with ``encoding``, or found from a byte-order
mark; the delimiter found from the header line; quoted fields may span lines), a Parquet file (pyarrow) or a
spreadsheet (XLSX or ODS, the sheet chosen with ``sheet``; python-calamine), and :func:`from_frame` takes a
pandas DataFrame. Each gives a :class:`DataFile`: the columns' values by column, each column with one SQL
type, and what was noticed on the way (``notes``, missing values counted per column).

The rules every source follows:

- **Header**: the first line (row) names the columns, names trimmed. A name that repeats an earlier one
  (compared without case, as SQL compares names) is renamed the way pandas does: the first keeps ``name``,
  later ones become ``name.1``, ``name.2``…; a nameless column becomes ``Unnamed: N`` (N counted from 0).
  A note says so, and whether the repeated columns hold the same values. ``__line__`` is reserved.
- **Missing values**: an empty field and pandas' default missing markers (``NA``, ``N/A``, ``NULL``,
  ``NaN``, ``#N/A``, ``None``, … see :data:`MISSING_MARKERS`) are missing (NULL in expressions, the level
  ``(blank)`` as a label) and counted per column in ``DataFile.missing``.
- **Types**: a column is INTEGER when every present value is a whole number (in a CSV, plainly written:
  ``-12``, ``0``, not ``007`` or ``+3``), else REAL when every one is a number, else TEXT; dates are TEXT in
  ISO form (``2024-01-31``) so that SQLite's date functions read them.
- **Records**: blank lines are skipped; a record with more or fewer fields than
  the header, bad quoting, an undecodable byte, an empty file or a header with no records is an
  :class:`~evenhand.equality.analyse.AnalysisError` naming the line.

No Django import, and nothing heavy at import time: pandas, pyarrow and calamine are imported when a file
of their kind is read.
"""

import codecs
import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

LINE = "__line__"
BLANK = "(blank)"
# pandas' default missing-value markers (pandas._libs.parsers.STR_NA_VALUES), so a file reads here as it
# reads in pandas.
MISSING_MARKERS = frozenset(
    [
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    ]
)
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
PARQUET_SUFFIXES = (".parquet", ".pq")
INTEGER_TEXT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")  # at most 18 digits: always a 64-bit integer
REAL_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
SNIFF_BYTES = 1 << 16

Value = str | int | float | None


class AnalysisError(ValueError):
    """Bad input to an analysis; the message names the problem (file and line, column, option or value)."""


ReadError = AnalysisError  # a file (or frame) that cannot be read as a table of people


class Column:
    """One column's values, by record: ``kind`` is its SQL type; ``values`` an int64 (INTEGER), float64
    (REAL) or object (TEXT) array, with ``missing`` marking the missing values (0, NaN or None there);
    ``texts`` a CSV's fields as written (for labels), None for other sources. A CSV's column keeps its
    pyarrow array and is typed, and its NumPy arrays made, when first asked for: a column the analysis
    does not use costs nothing."""

    def __init__(
        self,
        kind: str = "",
        values: np.ndarray | None = None,
        missing: np.ndarray | None = None,
        texts: np.ndarray | None = None,
        *,
        arrow: Any = None,
    ) -> None:
        self._kind = kind
        self._missing = missing
        self._values = values
        self._texts = texts
        self._arrow = arrow

    def _typed(self) -> None:
        if not self._kind:
            self._kind, self._values, self._missing = _type_text(self._arrow)

    @property
    def kind(self) -> str:
        self._typed()
        return self._kind

    @property
    def missing(self) -> np.ndarray:
        self._typed()
        assert self._missing is not None
        return self._missing

    @property
    def texts(self) -> np.ndarray | None:
        if self._texts is None and self._arrow is not None:
            self._texts = np.asarray(self._arrow.to_numpy(zero_copy_only=False), dtype=object)
        return self._texts

    @property
    def values(self) -> np.ndarray:
        self._typed()
        if self._values is None:
            texts = self.texts
            assert texts is not None
            values = texts.copy()
            values[self.missing] = None
            self._values = values
        return self._values

    def python(self, rows: np.ndarray) -> list[Value]:
        """The values of ``rows`` as Python values (None for missing), as SQLite takes them."""
        chosen = self.values[rows].tolist()
        gone = self.missing[rows]
        if gone.any():
            for at in np.flatnonzero(gone):
                chosen[at] = None
        return chosen

    def numbers(self) -> np.ndarray:
        """The values as float64, NaN where missing (for a numeric column)."""
        numbers = self.values.astype(np.float64)
        numbers[self.missing] = np.nan
        return numbers

    def labels(self) -> np.ndarray:
        """The values as text labels: as written in a CSV, else as text (a whole number without ``.0``);
        ``(blank)`` where missing."""
        if self.texts is not None:
            written = self.texts.copy()
        elif self.kind == "TEXT":
            written = self.values.copy()
        else:
            written = np.array([_text(value) for value in self.values.tolist()], dtype=object)
        written[self.missing] = BLANK
        return written


@dataclass(frozen=True)
class DataFile:
    """A table read from a file or frame.

    ``columns`` are the (disambiguated) names and ``data`` their :class:`Column`; ``records`` how many
    records there are; :attr:`lines` where each record starts (a line of a CSV, a row of a sheet, 2 + its
    position in a frame or Parquet file, counting the header as line 1), worked out when first asked for
    (a CSV's quoted fields may span lines). ``source`` describes how it was read (format, encoding,
    delimiter, sheet); ``notes`` what was noticed; ``missing`` counts missing values per column.
    """

    path: Path
    columns: list[str]
    data: list[Column]
    records: int
    source: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    find_lines: Callable[[], list[int]] | None = None
    known_lines: list[int] | None = None

    @cached_property
    def lines(self) -> list[int]:
        if self.known_lines is not None:
            return self.known_lines
        if self.find_lines is not None:
            return self.find_lines()
        return list(range(2, self.records + 2))

    @property
    def missing(self) -> dict[str, int]:
        """How many values of each column are missing."""
        return {name: int(column.missing.sum()) for name, column in zip(self.columns, self.data, strict=True)}

    @property
    def kinds(self) -> list[str]:
        return [column.kind for column in self.data]

    def column(self, name: str) -> Column:
        return self.data[self.columns.index(name)]

    def labels(self, name: str) -> np.ndarray:
        """The column's values as labels (see :meth:`Column.labels`); refused when a value is the text
        ``(blank)`` and others are missing, which would be counted as one level."""
        column = self.column(name)
        written = column.labels()
        if column.missing.any() and np.any(written[~column.missing] == BLANK):
            raise ReadError(
                f"column {name!r} has both missing values and the value {BLANK!r}, which would be counted"
                " as one level; rename that value"
            )
        return written


def _text(value: Value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# Which reader ------------------------------------------------------------------------------------------------


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix in SPREADSHEET_SUFFIXES:
        return "spreadsheet"
    return "csv"


def read_file(
    path: Path, *, sheet: str | None = None, encoding: str | None = None, delimiter: str | None = None
) -> DataFile:
    """Read ``path`` by its suffix (``.parquet``; ``.xlsx``, ``.xls``, ``.ods``; anything else as CSV)."""
    kind = file_format(path)
    if sheet is not None and kind != "spreadsheet":
        raise ReadError(f"--sheet applies only to a spreadsheet (.xlsx or .ods), not to {path.name}")
    if kind != "csv" and (encoding is not None or delimiter is not None):
        raise ReadError(f"--encoding and --delimiter apply only to a CSV file, not to {path.name}")
    if not path.is_file():
        why = "it is a folder" if path.is_dir() else "there is no such file"
        raise ReadError(f"cannot read {path}: {why}")
    if kind == "parquet":
        return read_parquet(path)
    if kind == "spreadsheet":
        return read_spreadsheet(path, sheet)
    return read_csv(path, encoding=encoding, delimiter=delimiter)


# CSV ------------------------------------------------------------------------------------------------------


def _encoding_of(data: bytes, encoding: str | None) -> tuple[str, str]:
    """The codec to decode with and the name to report: the one given, else from a byte-order mark, else
    UTF-8."""
    if encoding is not None:
        try:
            codec = codecs.lookup(encoding)
        except LookupError:
            raise ReadError(
                f"--encoding {encoding!r} is not an encoding Python knows; try utf-8, cp1252, latin-1,"
                " utf-16 or iso-8859-15"
            ) from None
        name = codec.name
        if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
            return "utf-8-sig", "utf-8"
        return name, name
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "utf-16"
    return "utf-8", "utf-8"


def _delimiter_of(first_line: str, delimiter: str | None) -> str:
    """The delimiter given, else the candidate that appears most often in the header line outside quotes
    (a comma when none does)."""
    if delimiter is not None:
        text = {"tab": "\t", "\\t": "\t"}.get(delimiter, delimiter)
        if len(text) != 1 or text in '"\r\n':
            raise ReadError(f"--delimiter must be one character (or 'tab'), not {delimiter!r}")
        return text
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {candidate: unquoted.count(candidate) for candidate in DELIMITERS}
    best = max(DELIMITERS, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


def read_csv(path: Path, *, encoding: str | None = None, delimiter: str | None = None) -> DataFile:
    """Read a CSV (see the module docstring), or raise :class:`ReadError` naming the line.

    The text is decoded by Python (so an undecodable byte is reported with its line) and parsed by
    pyarrow's CSV reader, all columns as text, then typed; when pyarrow refuses a record, Python's ``csv``
    module reads the file again to name the line and the problem."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ReadError(f"cannot read {path}: {error.strerror or error}") from None
    codec, encoding_name = _encoding_of(data, encoding)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start]
        hint = (
            "; if the file was saved in another encoding, give it with --encoding (such as cp1252 for"
            " Windows Western European, latin-1, or utf-16)"
            if encoding is None
            else ""
        )
        raise ReadError(
            f"{path}, line {line}: the byte 0x{byte:02X} is not {encoding_name} text ({error.reason}){hint}"
        ) from None
    if not text.strip():
        raise ReadError(f"{path} is empty: it has no header line naming the columns")
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    sep = _delimiter_of(first_line, delimiter)
    header = next(csv.reader(io.StringIO(text.lstrip("\r\n"), newline=""), delimiter=sep), [])
    import pyarrow as pa
    import pyarrow.csv as pacsv

    width = len(header)
    names = [f"f{j}" for j in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
            ),
        )
    except (pa.ArrowInvalid, ValueError) as error:
        _strict_csv(path, text, sep)  # names the line, if it can
        raise ReadError(f"{path}: not valid CSV: {error}") from None
    if table.num_rows < 2:
        raise ReadError(f"{path} has a header but no records")
    table = table.slice(1)
    columns = [Column(arrow=table.column(j).combine_chunks()) for j in range(width)]
    names, renamed = disambiguate(header)
    return DataFile(
        path=path,
        columns=names,
        data=columns,
        records=table.num_rows,
        source={"format": "csv", "encoding": encoding_name, "delimiter": sep},
        notes=_renaming_notes(renamed, names, columns),
        find_lines=lambda: _strict_csv(path, text, sep),
    )


def _strict_csv(path: Path, text: str, sep: str) -> list[int]:
    """Read ``text`` with Python's strict ``csv`` reader: the line each record starts on, or a
    :class:`ReadError` naming the line of the first record it refuses."""
    header: list[str] | None = None
    lines: list[int] = []
    start = 1
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    try:
        for record in reader:
            if not record or (
                len(record) == 1 and not record[0].strip() and (header is None or len(header) > 1)
            ):
                pass  # a blank line
            elif header is None:
                header = record
            elif len(record) != len(header):
                raise ReadError(
                    f"{path}, line {start}: the record has {len(record)} field(s) but the header"
                    f" names {len(header)} columns (the delimiter is the"
                    f" {DELIMITER_NAMES.get(sep, repr(sep))}; give another with --delimiter)"
                )
            else:
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as error:
        raise ReadError(f"{path}, line {reader.line_num}: not valid CSV: {error}") from None
    return lines


def _type_text(array: Any) -> tuple[str, np.ndarray | None, np.ndarray]:
    """The SQL type of a column of CSV fields (a pyarrow string array) by the rules of the module
    docstring, its values (None for TEXT: made from the texts when asked for) and its missing values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    missing_mask = pc.is_in(array, value_set=pa.array(sorted(MISSING_MARKERS)))
    missing = np.asarray(missing_mask.to_numpy(zero_copy_only=False), dtype=bool)
    present = pc.filter(array, pc.invert(missing_mask))
    filled = pc.if_else(missing_mask, "0", array)
    if len(present) and pc.all(pc.match_substring_regex(present, f"^{INTEGER_TEXT.pattern}$")).as_py():
        return "INTEGER", np.array(pc.cast(filled, pa.int64()).to_numpy(), dtype=np.int64), missing
    if len(present) and pc.all(pc.match_substring_regex(present, f"^{REAL_TEXT.pattern}$")).as_py():
        values = np.array(pc.cast(filled, pa.float64()).to_numpy(), dtype=np.float64)
        values[missing] = np.nan
        return "REAL", values, missing
    return "TEXT", None, missing


# Header ---------------------------------------------------------------------------------------------------


def disambiguate(header: Sequence[Any]) -> tuple[list[str], list[tuple[int, int]]]:
    """Column names as pandas makes them: trimmed; a nameless column ``Unnamed: N``; a name repeating an
    earlier one (without case) becomes ``name.1``, ``name.2``… Returns the names and, for each renamed
    repeat, (position of the first, position of the repeat)."""
    names: list[str] = []
    taken: dict[str, int] = {}
    renamed: list[tuple[int, int]] = []
    for position, raw in enumerate(header):
        name = "" if raw is None or (isinstance(raw, float) and math.isnan(raw)) else _text(raw).strip()
        if not name:
            name = f"Unnamed: {position}"
        if name.casefold() == LINE:
            raise ReadError(f"the column name {LINE!r} is reserved; rename column {position + 1}")
        if name.casefold() in taken:
            first = taken[name.casefold()]
            suffix = 1
            while f"{name}.{suffix}".casefold() in taken:
                suffix += 1
            renamed.append((first, position))
            name = f"{name}.{suffix}"
        else:
            taken[name.casefold()] = position
        taken.setdefault(name.casefold(), position)
        names.append(name)
    return names, renamed


def _renaming_notes(renamed: list[tuple[int, int]], names: list[str], columns: list[Column]) -> list[str]:
    notes = []
    for first, repeat in renamed:
        one, other = columns[first], columns[repeat]
        same = bool(np.array_equal(one.missing, other.missing)) and bool(
            np.all(one.labels() == other.labels())
        )
        notes.append(
            f"columns {first + 1} and {repeat + 1} are both named {names[first]!r}; column {repeat + 1} is"
            f" read as {names[repeat]!r}. They hold {'the same values' if same else 'different values'}."
        )
    for position, name in enumerate(names):
        if name == f"Unnamed: {position}":
            notes.append(f"column {position + 1} has no name; it is read as {name!r}")
    return notes


# Parquet, spreadsheets and frames ------------------------------------------------------------------------


def _typed(column: Sequence[Any]) -> tuple[str, list[Value], int]:
    """Python values (from a spreadsheet or a frame) as one SQL type; missing (None, NaN, NaT, a missing
    marker in text) as None."""
    values: list[Value] = []
    absent = 0
    for value in column:
        if value is None or value != value:  # None, NaN, NaT
            values.append(None)
        elif isinstance(value, str):
            text = value.strip()
            values.append(None if text in MISSING_MARKERS else value)
        elif isinstance(value, bool):
            values.append(int(value))
        elif isinstance(value, int | float):
            values.append(value)
        elif isinstance(value, dt.datetime):
            values.append(value.date().isoformat() if value.time() == dt.time() else value.isoformat(" "))
        elif isinstance(value, dt.date):
            values.append(value.isoformat())
        elif hasattr(value, "item") and not isinstance(value, str):  # a NumPy scalar
            item = value.item()
            values.extend(_typed([item])[1])
            continue
        else:
            text = str(value)
            values.append(None if text in ("NaT", "<NA>", "nan") else text)
        if values[-1] is None:
            absent += 1
    present = [value for value in values if value is not None]
    if present and all(
        isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 2**53)
        for value in present
    ):
        return "INTEGER", [None if value is None else int(value) for value in values], absent
    if present and all(isinstance(value, int | float) for value in present):
        return "REAL", [None if value is None else float(value) for value in values], absent
    return "TEXT", [None if value is None else _text(value) for value in values], absent


def _column(column: Sequence[Any]) -> Column:
    kind, values, _ = _typed(column)
    missing = np.array([value is None for value in values], dtype=bool)
    if kind == "INTEGER":
        array = np.array([0 if value is None else value for value in values], dtype=np.int64)
    elif kind == "REAL":
        array = np.array([np.nan if value is None else value for value in values], dtype=np.float64)
    else:
        array = np.empty(len(values), dtype=object)
        array[:] = np.array(values, dtype=object)
    return Column(kind, array, missing)


def _table(
    path: Path,
    header: Sequence[Any],
    columns: Sequence[Sequence[Any] | Column],
    lines: list[int] | None,
    source: dict[str, str],
) -> DataFile:
    first = columns[0] if columns else []
    records = len(first.missing) if isinstance(first, Column) else len(first)
    if not columns or not records:
        raise ReadError(f"{path} has a header but no records")
    names, renamed = disambiguate(header)
    data = [column if isinstance(column, Column) else _column(column) for column in columns]
    return DataFile(
        path=path,
        columns=names,
        data=data,
        records=records,
        source=source,
        notes=_renaming_notes(renamed, names, data),
        known_lines=lines,
    )


def read_parquet(path: Path) -> DataFile:
    """A Parquet file through pyarrow."""
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
    except (OSError, ValueError) as error:
        raise ReadError(f"cannot read {path} as Parquet: {error}") from None
    if table.num_columns == 0:
        raise ReadError(f"{path} is empty: it has no columns")
    if table.num_rows == 0:
        raise ReadError(f"{path} has a header but no records")
    columns = [table.column(j).to_pylist() for j in range(table.num_columns)]
    return _table(path, table.column_names, columns, None, {"format": "parquet"})


def read_spreadsheet(path: Path, sheet: str | None) -> DataFile:
    """A sheet of an XLSX or ODS workbook through python-calamine: the first sheet unless ``sheet`` names
    one; its first non-empty row is the header."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own error types for a file it cannot open
        raise ReadError(f"cannot read {path} as a spreadsheet: {error}") from None
    names = list(workbook.sheet_names)
    if not names:
        raise ReadError(f"{path} has no sheets")
    chosen = names[0] if sheet is None else sheet
    if chosen not in names:
        raise ReadError(
            f"--sheet {sheet!r}: {path.name} has no such sheet; its sheets are: {', '.join(map(repr, names))}"
        )
    try:
        rows = workbook.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    except Exception as error:
        raise ReadError(f"cannot read sheet {chosen!r} of {path}: {error}") from None
    numbered = [
        (number, row)
        for number, row in enumerate(rows, start=1)
        if any(cell not in ("", None) for cell in row)
    ]
    if not numbered:
        raise ReadError(f"sheet {chosen!r} of {path} is empty: it has no header row naming the columns")
    (_, header), body = numbered[0], numbered[1:]
    width = max(len(row) for _, row in numbered)
    while width > 0 and all(len(row) < width or row[width - 1] in ("", None) for _, row in numbered):
        width -= 1
    header = list(header) + [""] * (width - len(header))
    columns = [[row[j] if j < len(row) else None for _, row in body] for j in range(width)]
    lines = [number for number, _ in body]
    data = _table(
        path, header[:width], columns, lines, {"format": path.suffix.lower().lstrip("."), "sheet": chosen}
    )
    skipped = len(rows) - len(numbered)
    if skipped:
        data.notes.append(f"{skipped:,} empty row{'s' if skipped != 1 else ''} skipped")
    return data


def from_frame(frame: "pd.DataFrame", name: str = "the frame") -> DataFile:
    """A pandas DataFrame as a :class:`DataFile` (its index is ignored; record i is line i + 2)."""
    if frame.shape[1] == 0:
        raise ReadError(f"{name} has no columns")
    if len(frame) == 0:
        raise ReadError(f"{name} has columns but no rows")
    columns = [
        _numeric_column(frame.iloc[:, j]) or frame.iloc[:, j].astype(object).tolist()
        for j in range(frame.shape[1])
    ]
    return _table(Path(name), list(frame.columns), columns, None, {"format": "frame"})


def _numeric_column(series: "pd.Series") -> Column | None:
    """A numeric or boolean column of a frame as a :class:`Column` without a loop over its values (None
    for any other column)."""
    kind = series.dtype.kind
    if kind not in "iufb":
        return None
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(values)
    present = values[~missing]
    if kind in "iub" or (np.all(present == np.floor(present)) and np.all(np.abs(present) < 2**53)):
        return Column("INTEGER", np.where(missing, 0, values).astype(np.int64), missing)
    return Column("REAL", values, missing)
