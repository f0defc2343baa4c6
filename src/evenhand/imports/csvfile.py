"""Reading an import file: UTF-8 text (with or without a byte order mark), a header naming the columns, then
one record per row. What is wrong with the file itself (its encoding, its header) refuses the whole file; a
row with the wrong number of fields is a bad row like any other.

Row numbers are the ones a spreadsheet shows: the header is row 1, the first record row 2.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """Something wrong with one row (or the file, on row 1), naming the column where it can."""

    row: int
    column: str
    reason: str
    # The row's fields as they were split, for a row that could not be read into the header's columns.
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


class FileRefused(Exception):
    """The file cannot be imported at all (not UTF-8, a wrong header): nothing is read past the problems."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Row:
    """One record of the file: its row number, and its values by column (every column of the header)."""

    number: int
    values: dict[str, str]


def decode(data: bytes) -> str:
    """The file's text: UTF-8, a byte order mark dropped. Anything else is refused naming the row, and the
    column, of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        start_of_line = before.rfind(b"\n") + 1
        header = next(csv.reader([data[: data.find(b"\n")].decode("utf-8-sig", errors="replace")]), [])
        prefix = before[start_of_line:].decode("utf-8", errors="replace")
        index = len(next(csv.reader([prefix]), [""])) - 1 if prefix else 0
        column = header[index] if line > 1 and 0 <= index < len(header) else ""
        raise FileRefused(
            [
                Problem(
                    line,
                    column.strip(),
                    f"The file is not UTF-8 text (byte 0x{data[error.start]:02X} cannot be read): save it as "
                    '"CSV UTF-8" and import it again',
                )
            ]
        ) from None


def header_of(
    names: list[str], *, required: tuple[str, ...], optional: tuple[str, ...], kind: str
) -> list[str]:
    """The header's column names, tidied (spaces around them and capitals do not matter). Refused, naming
    each column, when a required column is missing, a column is not one of the kind's, or one is given
    twice."""
    columns = [name.strip().lower() for name in names]
    problems = []
    known = set(required) | set(optional)
    seen: set[str] = set()
    for name in columns:
        if name not in known:
            problems.append(
                Problem(
                    1,
                    name,
                    f"There is no column {name!r} in a {kind} file: the columns are "
                    f"{', '.join([*required, *optional])} (docs/import.md)"
                    if name
                    else "A column has no name: name every column of the header",
                )
            )
        elif name in seen:
            problems.append(Problem(1, name, f"The column {name} is in the header twice"))
        seen.add(name)
    for name in required:
        if name not in seen:
            problems.append(Problem(1, name, f"The header has no column {name}: a {kind} file must have it"))
    if problems:
        raise FileRefused(problems)
    return columns


def read_rows(
    text: str, *, required: tuple[str, ...], optional: tuple[str, ...], kind: str
) -> tuple[list[str], Iterator[Row | Problem]]:
    """The header, and then each record as a ``Row`` (or a ``Problem`` for a row with the wrong number of
    fields or that is not CSV at all). Empty lines are skipped."""
    if not text.strip():
        raise FileRefused(
            [Problem(1, "", f"The file is empty: it needs a header row naming the {kind} columns")]
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        first = next(reader)
    except csv.Error as error:
        raise FileRefused([Problem(1, "", f"The header cannot be read as CSV ({error})")]) from None
    columns = header_of(first, required=required, optional=optional, kind=kind)
    return columns, _records(reader, columns)


def _records(reader: Iterator[list[str]], columns: list[str]) -> Iterator[Row | Problem]:
    number = 1
    while True:
        number += 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Problem(number, "", f"The row cannot be read as CSV ({error}): check its quotes")
            continue
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue
        if len(fields) != len(columns):
            column = columns[len(fields)] if len(fields) < len(columns) else ""
            yield Problem(
                number,
                column,
                fields=tuple(fields),
                reason=f"The row has {len(fields)} fields but the header has {len(columns)} columns"
                + (f": it ends before {column}" if column else ": it has more fields than columns")
                + " (a comma in a value needs the value in double quotes)",
            )
            continue
        yield Row(number, dict(zip(columns, fields, strict=True)))
