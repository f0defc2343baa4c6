"""Any person-level CSV through the disparity statistics: ``evenhand equality analyse``.

One record of the file is one person. :func:`analyse` reads the file strictly, evaluates the outcome (and
an optional selection) as SQL boolean expressions over its columns in a sandboxed in-memory SQLite database,
and runs :mod:`evenhand.equality.stats` on the result; :func:`render` turns the :class:`Analysis` into JSON,
CSV or HTML and :func:`write_atomically` writes it. Every problem with the input is an
:class:`AnalysisError` whose message names it, raised before anything is written. No Django import, so the
same code serves the management command and any script. Usage and the JSON structure: ``docs/equality.md``.

Reading the file
    UTF-8 (a byte-order mark is allowed), the ``csv`` module's default dialect (commas, double quotes), the
    first line a header of column names (surrounding spaces trimmed). Refused, naming the line: an empty
    file; a blank or nameless header; two columns with the same name, compared without case as SQL compares
    names; a column named ``__line__`` (reserved: it holds each record's line number); a record with more
    or fewer fields than the header (a blank line has none); bad quoting; a header with no records.

Column types
    Each column gets one SQL type from all its non-empty values: INTEGER when every one is a plainly written
    whole number (``-12``, ``0``; not ``007`` or ``+3``), else REAL when every one is a plain decimal number
    (``1.5``, ``-2e3``), else TEXT. An empty field is NULL. So ``age >= 30`` compares numbers and a code
    such as ``007`` stays text. The ``--group``, ``--unit`` and ``--adjust`` columns are labels: their text
    as written in the file, with an empty field as the level ``(blank)``, so nobody drops out unseen.

Expressions
    ``--outcome`` and ``--where`` are SQL expressions over the file's columns, as in a ``WHERE`` clause:
    comparisons, ``AND``/``OR``/``NOT``, ``IN``, ``BETWEEN``, ``LIKE``, ``GLOB``, ``IS NULL``, ``CASE``,
    ``CAST`` and the functions in :data:`FUNCTIONS`. Column names are case-insensitive; double-quote a name
    that is not a plain word (``"date of birth"``). An expression must not contain ``;`` or a comment, nor
    close a parenthesis it did not open, nor leave a quote or parenthesis open, so it cannot break out of
    the ``SELECT (…) FROM data`` it is placed in; SQLite then prepares it under an authorizer that allows
    that one ``SELECT``, reads of the loaded table and the listed functions, and refuses everything else
    (other tables, subqueries, ``ATTACH``, writes, pragmas, ``load_extension``). Each expression must be
    boolean: 1 (true), 0 (false) or NULL on every row. A row is selected when ``--where`` is true (false and
    NULL leave it out, as in SQL). A row whose outcome is NULL, such as a comparison with an empty field, is
    **left out and counted** (``rows.outcome_null``): an unknown outcome is not a "no". Write
    ``coalesce(EXPR, 0)`` to count it as no event instead. An expression is bounded so that it cannot run
    away (eight nested ``replace()`` calls can build gigabytes): at most 2,000 characters, parentheses at
    most 10 deep, no text longer than 1,000,000 bytes, and 30 seconds over the whole file; each refused
    with a message. An expression or option that is not UTF-8 text is refused too.

Statistics
    Groups are listed in sorted order of label. The reference is ``--reference``, or else the largest group
    (the first in that order on a tie). Per group: :func:`~evenhand.equality.stats.compare_groups`; with
    ``--adjust``: :func:`~evenhand.equality.stats.adjusted_comparison` with those columns as categorical
    drivers; with ``--unit``: :func:`~evenhand.equality.stats.expected_events` for every unit and group
    from the national model of the outcome on the group and the drivers, then
    :func:`~evenhand.equality.stats.unit_comparison` (O/E, exact interval and p-value, funnel limits). With
    the group in the model, a unit's O/E for a group compares its people of that group with the same group
    nationally: a national gap shows in the group table, a local one in the unit table. One
    Benjamini-Hochberg pass covers every p-value of the run (crude, adjusted and unit), and the same rule
    marks each kind of result (:func:`~evenhand.equality.stats.flag`: q < 0.05 and the ratio, or O/E,
    outside 0.8-1.25). When the adjusted or the national unit model cannot be fitted, the analysis still
    succeeds and says why in ``reason``.
"""

import codecs
import csv
import dataclasses
import html
import io
import json
import math
import os
import re
import sqlite3
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evenhand.core import formatting
from evenhand.core.spreadsheet import spreadsheet_safe

from .stats import (
    MATERIALITY_BAND,
    Q_THRESHOLD,
    AdjustedComparison,
    ModelNotFitted,
    adjusted_comparison,
    bh_qvalues,
    compare_groups,
    expected_events,
    flag,
    limit_columns,
    outside_column,
    unit_comparison,
)
from .stats.adjust import ADJUSTED_COLUMNS as stats_adjusted_columns

TABLE = "data"
LINE = "__line__"
BLANK = "(blank)"
FORMATS = ("json", "csv", "html")
CSV_TABLES = ("groups", "units")
# Scalar functions an expression may call. Aggregates (count, sum, min/max with one argument) would collapse
# the rows, and random() or printf() (which can build a huge string) have no place in a yes/no question.
FUNCTIONS = frozenset(
    [
        "abs",
        "coalesce",
        "ifnull",
        "iif",
        "nullif",
        "length",
        "lower",
        "upper",
        "trim",
        "ltrim",
        "rtrim",
        "substr",
        "substring",
        "replace",
        "instr",
        "round",
        "like",
        "glob",
        "typeof",
        "date",
        "time",
        "datetime",
        "julianday",
        "strftime",
    ]
)
INTEGER_TEXT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")  # at most 18 digits: always a 64-bit integer
REAL_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
QUOTES = {"'": "'", '"': '"', "`": "`", "[": "]"}
# Bounds on an expression and on what evaluating it may cost, so that a mistaken or hostile one is refused in
# moments: eight nested replace() calls can otherwise build a string of gigabytes and run for a minute.
MAX_EXPRESSION_LENGTH = 2000  # characters
MAX_NESTING = 10  # parentheses (and so function calls) inside one another
# The longest text SQLite may make; well above the longest field the csv module reads (131,072 characters
# of at most 4 bytes), so every value of the file can still be read.
MAX_VALUE_BYTES = 1_000_000
MAX_EXPRESSION_DEPTH = 100  # SQLite's expression tree, which a long chain of AND or OR also deepens
MAX_FUNCTION_ARGUMENTS = 20
MAX_PATTERN_BYTES = 2000  # a LIKE or GLOB pattern, which may be made while the expression runs
# One expression over the whole file; SQLite evaluates an ordinary one on a million records in 2-3 s.
TIME_LIMIT_SECONDS = 30.0
PROGRESS_STEPS = 1000  # SQLite instructions between looks at the clock
SQLITE_LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: MAX_VALUE_BYTES,
    # The expression in UTF-8 (at most 4 bytes a character) inside the SELECT it is placed in.
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: 4 * MAX_EXPRESSION_LENGTH + 200,
    sqlite3.SQLITE_LIMIT_EXPR_DEPTH: MAX_EXPRESSION_DEPTH,
    sqlite3.SQLITE_LIMIT_FUNCTION_ARG: MAX_FUNCTION_ARGUMENTS,
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: MAX_PATTERN_BYTES,
}


class AnalysisError(Exception):
    """Bad input to an analysis; the message names the problem (file and line, column, option or value)."""


@dataclass(frozen=True)
class Request:
    """What to analyse: the file, the group column, the outcome and the optional parts of the analysis."""

    path: Path
    group: str
    outcome: str
    reference: str | None = None
    where: str | None = None
    adjust: tuple[str, ...] = ()
    unit: str | None = None
    min_n: int = 30


@dataclass(frozen=True)
class CsvFile:
    """A CSV file read strictly: its column names, its records as text and the line each record starts on."""

    path: Path
    columns: list[str]
    records: list[list[str]]
    lines: list[int]


@dataclass(frozen=True)
class Analysis:
    """Everything an analysis computed, ready to render.

    ``groups`` is :func:`~evenhand.equality.stats.compare_groups`'s table with ``q_value`` and ``flagged``;
    ``adjusted`` is the :class:`~evenhand.equality.stats.AdjustedComparison` (or None without ``--adjust``)
    whose table has ``adjusted_q_value`` and ``adjusted_flagged`` added; ``units`` is one row per unit and
    group (columns ``unit``, ``group``, ``n``, then :func:`~evenhand.equality.stats.unit_comparison`'s, then
    ``q_value`` and ``outlier``), None without ``--unit`` or when the national model could not be fitted,
    with ``units_reason`` saying why. ``rows`` counts the records in the file, those selected by ``--where``,
    those left out for a NULL outcome, and those analysed.
    """

    request: Request
    reference: str
    reference_chosen: str
    rows: dict[str, int]
    groups: pd.DataFrame
    adjusted: AdjustedComparison | None
    units: pd.DataFrame | None
    units_reason: str = ""


# Reading -------------------------------------------------------------------------------------------------


def read_csv(path: Path) -> CsvFile:
    """Read ``path`` strictly (see the module docstring), or raise :class:`AnalysisError` naming the line."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise AnalysisError(f"cannot read {path}: {error.strerror or error}") from None
    header: list[str] | None = None
    records: list[list[str]] = []
    lines: list[int] = []
    start = 1  # the line the next record starts on (a quoted field may span lines)
    with handle:
        reader = csv.reader(handle, strict=True)
        try:
            for record in reader:
                if header is None:
                    header = _header(record, path)
                elif len(record) != len(header):
                    if not record:
                        raise AnalysisError(
                            f"{path}, line {start}: the line is blank; after the header every line must"
                            f" be a record of {len(header)} fields"
                        )
                    raise AnalysisError(
                        f"{path}, line {start}: the record has {len(record)} field(s) but the header"
                        f" names {len(header)} columns"
                    )
                else:
                    records.append(record)
                    lines.append(start)
                start = reader.line_num + 1
        except csv.Error as error:
            raise AnalysisError(f"{path}, line {reader.line_num}: not valid CSV: {error}") from None
        except UnicodeDecodeError as error:
            raise AnalysisError(
                f"{path}, line {_undecodable_line(path, start)}: not UTF-8 text ({error.reason});"
                " save the file as UTF-8"
            ) from None
    if header is None:
        raise AnalysisError(f"{path} is empty: it has no header line naming the columns")
    if not records:
        raise AnalysisError(f"{path} has a header but no records")
    return CsvFile(path=path, columns=header, records=records, lines=lines)


def _undecodable_line(path: Path, default: int) -> int:
    """The line of the first byte of ``path`` that is not UTF-8 (the reader decodes ahead of the line it
    is on, so its count is not it), or ``default`` if the file cannot be read again."""
    try:
        data = path.read_bytes().removeprefix(codecs.BOM_UTF8)
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return data.count(b"\n", 0, error.start) + 1
    except OSError:
        pass
    return default


def require_utf8(text: str, what: str) -> None:
    """Refuse text that is not UTF-8, naming ``what`` it is (an option, the file name).

    Python keeps the bytes of a command-line argument that do not decode as lone surrogates, which SQLite,
    JSON and the output file cannot take.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(text[error.start])
        found = f"the byte 0x{code - 0xDC00:02X}" if 0xDC80 <= code <= 0xDCFF else f"U+{code:04X}"
        raise AnalysisError(
            f"{what} is not UTF-8 text: character {error.start + 1} is {found}; give it in UTF-8"
        ) from None


def _header(record: list[str], path: Path) -> list[str]:
    if not record:
        raise AnalysisError(f"{path}, line 1: the line is blank; the first line must name the columns")
    names = [name.strip() for name in record]
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        if not name:
            raise AnalysisError(f"{path}, line 1: column {position} has no name")
        if name.casefold() == LINE:
            raise AnalysisError(
                f"{path}, line 1: the column name {LINE!r} is reserved; rename column {position}"
            )
        if name.casefold() in seen:
            first = seen[name.casefold()]
            raise AnalysisError(
                f"{path}, line 1: columns {first} and {position} are both named {names[first - 1]!r}"
                + ("" if names[first - 1] == name else f" / {name!r} (SQL names ignore case)")
            )
        seen[name.casefold()] = position
    return names


# Expressions ---------------------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _shown(value: object, length: int = 60) -> str:
    """``value`` for a message, cut short: an expression's value may be long text."""
    text = repr(value)
    return text if len(text) <= length else f"{text[: length - 1]}…"


def _column_type(values: Iterable[str]) -> str:
    present = [value for value in values if value != ""]
    if present and all(INTEGER_TEXT.fullmatch(value) for value in present):
        return "INTEGER"
    if present and all(REAL_TEXT.fullmatch(value) for value in present):
        return "REAL"
    return "TEXT"


def check_expression(expression: str, option: str) -> list[str]:
    """Refuse an expression that could be more than one expression inside ``SELECT (…) FROM data``, and
    return the names it quotes (``"age band"``, `` `age` ``, ``[age]``) for the caller to check.

    Outside quoted text and names: no ``;``, no comment, no ``)`` without its ``(``; and nothing left open
    at the end. What is left can only be an expression (or fail to parse), which the authorizer then limits.
    Also refused: text that is not UTF-8, more than :data:`MAX_EXPRESSION_LENGTH` characters, and
    parentheses more than :data:`MAX_NESTING` deep.
    """
    if not expression.strip():
        raise AnalysisError(f"{option} is empty; give a SQL boolean expression such as \"tier = 'A'\"")
    require_utf8(expression, option)
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise AnalysisError(
            f"{option} is {len(expression):,} characters long; an expression may have at most"
            f" {MAX_EXPRESSION_LENGTH:,} (a list of values is shorter as IN (…) than as a chain of OR)"
        )
    names: list[str] = []
    depth, at = 0, 0
    while at < len(expression):
        char = expression[at]
        if char in QUOTES:
            closing, start, text = QUOTES[char], at + 1, []
            while True:
                end = expression.find(closing, start)
                if end < 0:
                    raise AnalysisError(f"{option} {expression!r} has a quote that is never closed")
                text.append(expression[start:end])
                if closing == "]" or not expression.startswith(closing * 2, end):
                    break
                text.append(closing)  # a doubled quote ('it''s') stands for itself
                start = end + 2
            if char != "'":
                names.append("".join(text))
            at = end + 1
            continue
        if char == ";":
            raise AnalysisError(f"{option} {expression!r} must be one expression: ';' is not allowed")
        if expression.startswith(("--", "/*"), at):
            raise AnalysisError(f"{option} {expression!r} must be one expression: comments are not allowed")
        if char == "(":
            depth += 1
            if depth > MAX_NESTING:
                raise AnalysisError(
                    f"{option} {expression!r} nests parentheses or function calls more than {MAX_NESTING}"
                    " deep; write it more simply"
                )
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise AnalysisError(f"{option} {expression!r} has a ')' with no '(' before it")
        at += 1
    if depth:
        raise AnalysisError(f"{option} {expression!r} has a '(' that is never closed")
    return names


class SandboxedTable:
    """The file's records in an in-memory SQLite table ``data``, open only to expressions over its columns.

    The authorizer is installed after loading: from then on the connection prepares nothing but one
    ``SELECT`` reading ``data`` and calling the functions in :data:`FUNCTIONS`. SQLite's limits
    (:data:`SQLITE_LIMITS`) then bound the size of any value it makes, the depth of an expression, the
    arguments of a call and a LIKE pattern, and each evaluation stops after :data:`TIME_LIMIT_SECONDS`.
    """

    def __init__(self, data: CsvFile) -> None:
        self.columns = data.columns
        self.lines = data.lines
        self.connection = sqlite3.connect(":memory:")
        kinds = [_column_type(record[i] for record in data.records) for i in range(len(data.columns))]
        converters = [{"INTEGER": int, "REAL": float, "TEXT": str}[kind] for kind in kinds]
        declared = ", ".join(f"{_quote(name)} {kind}" for name, kind in zip(data.columns, kinds, strict=True))
        rows = (
            (
                line,
                *(
                    None if value == "" else convert(value)
                    for value, convert in zip(record, converters, strict=True)
                ),
            )
            for line, record in zip(data.lines, data.records, strict=True)
        )
        try:
            self.connection.execute(f"CREATE TABLE {TABLE} ({_quote(LINE)} INTEGER PRIMARY KEY, {declared})")
            placeholders = ", ".join("?" * (len(data.columns) + 1))
            self.connection.executemany(f"INSERT INTO {TABLE} VALUES ({placeholders})", rows)
        except sqlite3.Error as error:
            self.connection.close()
            raise AnalysisError(f"{data.path} cannot be loaded for analysis: SQLite says: {error}") from None
        self._selects = 0
        self._denied = ""
        for limit, value in SQLITE_LIMITS.items():
            self.connection.setlimit(limit, value)
        self.connection.set_authorizer(self._authorize)

    def close(self) -> None:
        """Close the database (it lives in memory, so this frees it)."""
        self.connection.close()

    def _authorize(self, action: int, first: str | None, second: str | None, *_: str | None) -> int:
        why = ""
        if action == sqlite3.SQLITE_SELECT:
            self._selects += 1
            if self._selects == 1:
                return sqlite3.SQLITE_OK
            why = "contains a query of its own (SELECT); only the file's columns can be used"
        elif action == sqlite3.SQLITE_READ:
            if first == TABLE:
                return sqlite3.SQLITE_OK
            why = f"reads the table {first!r}; only the file's columns can be used"
        elif action == sqlite3.SQLITE_FUNCTION:
            if second is not None and second.lower() in FUNCTIONS:
                return sqlite3.SQLITE_OK
            why = (
                f"calls {second}(), which is not among the functions allowed ({', '.join(sorted(FUNCTIONS))})"
            )
        else:
            why = (
                f"does something other than compute a value from the file's columns (SQLite action {action})"
            )
        self._denied = self._denied or why
        return sqlite3.SQLITE_DENY

    def available(self) -> str:
        """The sentence listing the file's columns, for error messages."""
        return "the file's columns are: " + ", ".join(map(repr, self.columns))

    def evaluate(self, expression: str, option: str) -> list[int | None]:
        """The value of a boolean expression on each record, in file order: 1, 0 or None (NULL)."""
        known = {name.casefold() for name in [*self.columns, LINE]}
        for name in check_expression(expression, option):
            # SQLite would read an unknown double-quoted name as text ("agee" > 3 is true on every row).
            if name.casefold() not in known:
                raise AnalysisError(
                    f"{option} {expression!r} names a column the file does not have: {name!r}"
                    f" (quote text with single quotes: 'like this'); {self.available()}"
                )
        self._selects, self._denied = 0, ""
        sql = f"SELECT ({expression}) FROM {TABLE} ORDER BY {_quote(LINE)}"
        values: list[int | None] = []
        deadline = time.monotonic() + TIME_LIMIT_SECONDS
        self.connection.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
        try:
            rows = self.connection.execute(sql)
            # Checked row by row, so that a value that is not boolean stops the evaluation at once.
            for line, (value,) in zip(self.lines, rows, strict=False):
                if value is not None and (not isinstance(value, int | float) or value not in (0, 1)):
                    raise AnalysisError(
                        f"{option} {expression!r} is not a boolean expression: on line {line} it is"
                        f" {_shown(value)}, but it must be true (1), false (0) or NULL on every row; write a"
                        ' comparison such as "age >= 30" or "outcome = \'recalled\'"'
                    )
                values.append(None if value is None else int(value))
            more = rows.fetchone() is not None
        except sqlite3.Error as error:
            failed_on = self.lines[len(values)] if len(values) < len(self.lines) else None
            raise self._explain(error, expression, option, failed_on) from None
        finally:
            self.connection.set_progress_handler(None, 0)
        if more or len(values) != len(self.lines):  # cannot happen past the checks above; never misalign
            raise AnalysisError(f"{option} {expression!r} must give one value per record")
        return values

    def _explain(self, error: sqlite3.Error, expression: str, option: str, line: int | None) -> AnalysisError:
        message = str(error)
        on_line = "" if line is None else f" on line {line}"
        if getattr(error, "sqlite_errorname", "") == "SQLITE_TOOBIG" or message == "string or blob too big":
            return AnalysisError(
                f"{option} {expression!r} makes a value longer than {MAX_VALUE_BYTES:,} bytes{on_line};"
                " an expression may not build text that large"
            )
        if getattr(error, "sqlite_errorname", "") == "SQLITE_INTERRUPT" or message == "interrupted":
            return AnalysisError(
                f"{option} {expression!r} was stopped after {TIME_LIMIT_SECONDS:g} seconds{on_line};"
                " write it more simply"
            )
        if message.startswith("Expression tree is too large"):
            return AnalysisError(
                f"{option} {expression!r} is nested more than {MAX_EXPRESSION_DEPTH} deep (a long chain of"
                " AND or OR counts too: write a list of values as IN (…))"
            )
        if message.startswith("too many arguments on function "):
            name = message.removeprefix("too many arguments on function ")
            return AnalysisError(
                f"{option} {expression!r} calls {name}() with more than {MAX_FUNCTION_ARGUMENTS} arguments"
            )
        if message == "LIKE or GLOB pattern too complex":
            return AnalysisError(
                f"{option} {expression!r} uses a LIKE or GLOB pattern longer than {MAX_PATTERN_BYTES:,} bytes"
                f"{on_line}"
            )
        if message.startswith("no such column: "):
            name = message.removeprefix("no such column: ")
            return AnalysisError(
                f"{option} {expression!r} names a column the file does not have: {name!r}; {self.available()}"
            )
        if message.startswith("no such function: "):
            name = message.removeprefix("no such function: ")
            return AnalysisError(
                f"{option} {expression!r} calls an unknown function {name}(); the functions allowed are"
                f" {', '.join(sorted(FUNCTIONS))}"
            )
        if self._denied:
            return AnalysisError(f"{option} {expression!r} is not allowed: it {self._denied}")
        return AnalysisError(f"{option} {expression!r} is not a valid SQL expression: SQLite says: {message}")


# Analysis ------------------------------------------------------------------------------------------------


def _check_request(request: Request) -> None:
    texts = {
        "the file name": str(request.path),
        "--group": request.group,
        "--outcome": request.outcome,
        "--reference": request.reference,
        "--where": request.where,
        "--adjust": ",".join(request.adjust),
        "--unit": request.unit,
    }
    for what, text in texts.items():
        if text is not None:
            require_utf8(text, what)
    if isinstance(request.min_n, bool) or not isinstance(request.min_n, int) or request.min_n < 0:
        raise AnalysisError(f"--min-n must be a whole number of people, 0 or more, not {request.min_n!r}")
    if any(not name.strip() for name in request.adjust):
        raise AnalysisError(f"--adjust {','.join(request.adjust)!r} has an empty column name")
    repeated = sorted({name for name in request.adjust if request.adjust.count(name) > 1})
    if repeated:
        raise AnalysisError(f"--adjust names {', '.join(map(repr, repeated))} more than once")
    if request.group in request.adjust:
        raise AnalysisError(f"the group column {request.group!r} cannot also be a driver in --adjust")
    if request.unit is not None and request.unit == request.group:
        raise AnalysisError(f"--unit and --group are both {request.group!r}; the unit must be another column")
    if request.unit is not None and request.unit in request.adjust:
        raise AnalysisError(
            f"--unit {request.unit!r} cannot also be a driver in --adjust: the expected events of each unit"
            " would then be its observed ones"
        )


def _check_columns(request: Request, columns: Sequence[str]) -> None:
    named = [("--group", request.group)]
    named += [("--adjust", name) for name in request.adjust]
    named += [("--unit", request.unit)] if request.unit is not None else []
    for option, name in named:
        if name not in columns:
            raise AnalysisError(
                f"{option} {name!r} is not a column of {request.path}; its columns are: "
                + ", ".join(map(repr, columns))
            )


def _labels(data: CsvFile, column: str, rows: Sequence[int]) -> list[str]:
    at = data.columns.index(column)
    values = [data.records[i][at] for i in rows]
    if "" in values and BLANK in values:
        raise AnalysisError(
            f"column {column!r} has both empty fields and the value {BLANK!r}, which would be counted as one"
            " level; rename that value"
        )
    return [value or BLANK for value in values]


def _outcome_name(taken: Iterable[str]) -> str:
    name, used = "__outcome__", set(taken)
    while name in used:
        name += "_"
    return name


def analyse(request: Request) -> Analysis:
    """Read, select, evaluate and compute everything :class:`Analysis` holds, or raise :class:`AnalysisError`.

    Nothing is written: render the result with :func:`render` and write it with :func:`write_atomically`.
    """
    _check_request(request)
    data = read_csv(request.path)
    _check_columns(request, data.columns)
    table = SandboxedTable(data)
    try:
        outcome = table.evaluate(request.outcome, "--outcome")
        where = table.evaluate(request.where, "--where") if request.where is not None else None
    finally:
        table.close()

    everyone = range(len(data.records))
    selected = [i for i in everyone if where is None or where[i] == 1]
    if not selected:
        raise AnalysisError(
            f"--where {request.where!r} selects nobody: it is false or NULL on all {len(data.records)}"
            f" records of {request.path}"
        )
    known = [i for i in selected if outcome[i] is not None]
    if not known:
        raise AnalysisError(
            f"--outcome {request.outcome!r} is NULL on every selected record, so there is nothing to count;"
            " wrap it as coalesce(…, 0) to count NULL as no event"
        )
    frame_columns = list(dict.fromkeys([request.group, *request.adjust, *filter(None, [request.unit])]))
    outcome_name = _outcome_name(frame_columns)
    frame = pd.DataFrame({column: _labels(data, column, known) for column in frame_columns})
    frame[outcome_name] = np.array([outcome[i] for i in known], dtype=np.int64)

    counts = frame.groupby(request.group, sort=True)[outcome_name].agg(["size", "sum"])
    names = [str(name) for name in counts.index]
    people, events = counts["size"].to_numpy(), counts["sum"].to_numpy()
    reference, chosen = _reference(request, data, names, people)
    try:
        groups = compare_groups(people, events, groups=names, reference=reference, min_n=request.min_n)
        adjusted = (
            adjusted_comparison(
                frame,
                outcome=outcome_name,
                group=request.group,
                reference=reference,
                covariates=list(request.adjust),
                min_n=request.min_n,
            )
            if request.adjust
            else None
        )
        units, units_reason = _units(request, frame, outcome_name)
    except ValueError as error:  # the checks above should leave the statistics nothing to refuse
        raise AnalysisError(f"the statistics refused the data: {error}") from None

    # One Benjamini-Hochberg pass over every test of the run, then the same rule for every kind of result.
    parts = [groups["p_value"].to_numpy(dtype=np.float64)]
    adjusted_table = None if adjusted is None else adjusted.table.reindex(names)
    if adjusted_table is not None:
        parts.append(adjusted_table["adjusted_p_value"].to_numpy(dtype=np.float64))
    if units is not None:
        parts.append(units["p_value"].to_numpy(dtype=np.float64))
    q = np.split(bh_qvalues(np.concatenate(parts)), np.cumsum([len(part) for part in parts])[:-1])
    groups = groups.assign(q_value=q[0], flagged=flag(q[0], groups["relative_rate"]))
    if adjusted is not None and adjusted_table is not None:
        adjusted_table = adjusted_table.assign(
            adjusted_q_value=q[1], adjusted_flagged=flag(q[1], adjusted_table["adjusted_relative_rate"])
        )
        adjusted = dataclasses.replace(adjusted, table=adjusted_table)
    if units is not None:
        units = units.assign(q_value=q[-1], outlier=flag(q[-1], units["ratio"]))

    rows = {
        "in_file": len(data.records),
        "selected": len(selected),
        "outcome_null": len(selected) - len(known),
        "analysed": len(known),
    }
    return Analysis(
        request=request,
        reference=reference,
        reference_chosen=chosen,
        rows=rows,
        groups=groups,
        adjusted=adjusted,
        units=units,
        units_reason=units_reason,
    )


def _reference(request: Request, data: CsvFile, names: list[str], people: np.ndarray) -> tuple[str, str]:
    """The reference group and how it was chosen."""
    if request.reference is None:
        return names[int(np.argmax(people))], "largest group"
    if request.reference in names:
        return request.reference, "given"
    in_file = sorted(set(_labels(data, request.group, range(len(data.records)))))
    if request.reference in in_file:
        raise AnalysisError(
            f"the reference group {request.reference!r} has no people among the records analysed (after"
            " --where, and leaving out records whose outcome is NULL), so nothing can be compared with it"
        )
    shown = ", ".join(map(repr, in_file[:30])) + (", …" if len(in_file) > 30 else "")
    raise AnalysisError(
        f"--reference {request.reference!r} is not a value of column {request.group!r}; its values are: {shown}"
    )


def _units(request: Request, frame: pd.DataFrame, outcome_name: str) -> tuple[pd.DataFrame | None, str]:
    """Observed against expected events for each unit and group, or None and why the model failed."""
    if request.unit is None:
        return None, ""
    try:
        expected = expected_events(
            frame,
            outcome=outcome_name,
            covariates=[request.group, *request.adjust],
            by=[request.unit, request.group],
        )
    except ModelNotFitted as error:
        return None, f"the national model could not be fitted: {error}"
    keys = list(expected.index)
    table = unit_comparison(expected["observed"], expected["expected"], units=range(len(keys)))
    table.index = pd.RangeIndex(len(table))
    return (
        pd.concat(
            [
                pd.DataFrame(
                    {
                        "unit": [str(unit) for unit, _ in keys],
                        "group": [str(group) for _, group in keys],
                        "n": expected["n"].to_numpy(dtype=np.int64),
                    }
                ),
                table,
            ],
            axis=1,
        ),
        "",
    )


# Rendering -----------------------------------------------------------------------------------------------

GROUP_COLUMNS = [
    "n",
    "events",
    "rate",
    "rate_low",
    "rate_high",
    "is_reference",
    "relative_rate",
    "relative_rate_low",
    "relative_rate_high",
    "odds_ratio",
    "odds_ratio_low",
    "odds_ratio_high",
    "test",
    "p_value",
    "q_value",
    "flagged",
    "note",
]
ADJUSTED_COLUMNS = [*stats_adjusted_columns, "adjusted_q_value", "adjusted_flagged"]


def _plain(value: Any) -> Any:
    """A value as JSON has it: NaN (no figure) as None, an infinite ratio as the string "inf"."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
    return value


def _records(frame: pd.DataFrame, columns: Sequence[str], label: str | None = None) -> list[dict[str, Any]]:
    records = []
    for name, row in frame.iterrows():
        record = {} if label is None else {label: str(name)}
        record.update({column: _plain(row[column]) for column in columns})
        records.append(record)
    return records


def _flags(analysis: Analysis) -> list[dict[str, Any]]:
    found = [
        {
            "table": "groups",
            "group": str(name),
            "ratio": _plain(row["relative_rate"]),
            "q_value": row["q_value"],
        }
        for name, row in analysis.groups.iterrows()
        if row["flagged"]
    ]
    if analysis.adjusted is not None:
        found += [
            {
                "table": "adjusted",
                "group": str(name),
                "ratio": _plain(row["adjusted_relative_rate"]),
                "q_value": row["adjusted_q_value"],
            }
            for name, row in analysis.adjusted.table.iterrows()
            if row["adjusted_flagged"]
        ]
    if analysis.units is not None:
        found += [
            {
                "table": "units",
                "unit": row["unit"],
                "group": row["group"],
                "ratio": _plain(row["ratio"]),
                "q_value": row["q_value"],
                "direction": row["direction"],
            }
            for _, row in analysis.units.iterrows()
            if row["outlier"]
        ]
    return [{key: _plain(value) for key, value in item.items()} for item in found]


def to_json(analysis: Analysis) -> str:
    """The analysis as one JSON object: ``inputs``, ``rows``, ``groups``, ``adjusted``, ``units``, ``flags``.

    Strict JSON: a missing figure is ``null`` (its ``note`` says why) and an infinite ratio is ``"inf"``.
    The structure is documented in ``docs/equality.md``.
    """
    request = analysis.request
    adjusted: dict[str, Any] | None = None
    if analysis.adjusted is not None:
        result = analysis.adjusted
        adjusted = {
            "fitted": result.fitted,
            "reason": result.reason,
            "people": result.people,
            "cells": result.cells,
            "standard_population": result.standard_population,
            "dropped": _records(result.dropped, list(result.dropped.columns)),
            "groups": _records(
                result.table,
                ["n", "events", "rate", "is_reference"]
                + [column for column in result.table.columns if column.startswith("crude_")]
                + [*ADJUSTED_COLUMNS, "note"],
                "group",
            ),
        }
    units: dict[str, Any] | None = None
    if request.unit is not None:
        units = {
            "fitted": analysis.units is not None,
            "reason": analysis.units_reason,
            "rows": [] if analysis.units is None else _records(analysis.units, list(analysis.units.columns)),
        }
    document = {
        "inputs": {
            "file": str(request.path),
            "group": request.group,
            "reference": analysis.reference,
            "reference_chosen": analysis.reference_chosen,
            "outcome": request.outcome,
            "where": request.where,
            "adjust": list(request.adjust),
            "unit": request.unit,
            "min_n": request.min_n,
            "q_threshold": Q_THRESHOLD,
            "materiality_band": list(MATERIALITY_BAND),
        },
        "rows": analysis.rows,
        "groups": _records(analysis.groups, GROUP_COLUMNS, "group"),
        "adjusted": adjusted,
        "units": units,
        "flags": _flags(analysis),
    }
    return json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def _cell(value: Any) -> str:
    """One CSV cell. Text (a group or unit label from the file, a note) is guarded against being run as a
    formula when the file is opened in a spreadsheet; a number is written as a number, ``-0.5`` included."""
    if isinstance(value, str):
        return spreadsheet_safe(value)
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_csv(analysis: Analysis, table: str = "groups") -> str:
    """One table as CSV: ``groups`` (the per-group table, with the adjusted figures beside the crude ones
    when there are any) or ``units`` (one row per unit and group). Empty cell: no figure; ``inf``: infinite.
    A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``."""
    if table not in CSV_TABLES:
        raise AnalysisError(f"--table must be one of {', '.join(CSV_TABLES)}, not {table!r}")
    buffer = io.StringIO()
    # RFC 4180's line end: with it, the csv module quotes a field holding a carriage return, which would
    # otherwise end the record for whoever reads the file.
    writer = csv.writer(buffer, lineterminator="\r\n")
    if table == "units":
        if analysis.units is None:
            raise AnalysisError(
                "--table units needs --unit"
                if analysis.request.unit is None
                else f"there is no unit table: {analysis.units_reason}"
            )
        writer.writerow(analysis.units.columns)
        writer.writerows([_cell(value) for value in row] for row in analysis.units.itertuples(index=False))
        return buffer.getvalue()
    frame = analysis.groups[GROUP_COLUMNS]
    if analysis.adjusted is not None:
        extra = analysis.adjusted.table[[*ADJUSTED_COLUMNS, "note"]].rename(columns={"note": "adjusted_note"})
        frame = frame.join(extra)
    writer.writerow(["group", *frame.columns])
    writer.writerows(
        [_cell(str(name)), *map(_cell, row)] for name, row in zip(frame.index, frame.to_numpy(), strict=True)
    )
    return buffer.getvalue()


def _number(value: Any, kind: str = "ratio") -> str:
    """A figure in words, as :mod:`evenhand.core.formatting` writes it on screen."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, str) and value in ("inf", "-inf"):  # a flag's ratio, already JSON (see _plain)
        value = float(value)
    if kind == "rate":
        return formatting.percent_text(value)
    if kind == "count":
        return formatting.count_text(value)
    if kind == "p":
        return formatting.p_value_text(value)
    return formatting.ratio_text(value)


def _with_interval(row: pd.Series, column: str, kind: str = "ratio") -> str:
    return formatting.estimate_text(
        row[column],
        row[f"{column}_low"],
        row[f"{column}_high"],
        kind="percent" if kind == "rate" else "ratio",
    )


def _html_table(caption: str, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A table with a caption, column headers and the first cell of each row as its header; all escaped."""
    head = "".join(f'<th scope="col">{html.escape(header)}</th>' for header in headers)
    body = "".join(
        f'<tr><th scope="row">{html.escape(row[0])}</th>'
        + "".join(f"<td>{html.escape(cell)}</td>" for cell in row[1:])
        + "</tr>\n"
        for row in rows
    )
    return (
        f"<table>\n<caption>{html.escape(caption)}</caption>\n<thead><tr>{head}</tr></thead>\n"
        f"<tbody>\n{body}</tbody>\n</table>\n"
    )


STYLE = (
    "body{font-family:system-ui,sans-serif;line-height:1.4;margin:2rem;color:#0b0c0c}"
    "table{border-collapse:collapse;margin:1rem 0 2rem}caption{text-align:left;font-weight:bold;"
    "padding:.5rem 0}th,td{border-bottom:1px solid #b1b4b6;padding:.3rem .6rem;text-align:left;"
    "vertical-align:top}td{font-variant-numeric:tabular-nums}dt{font-weight:bold}dd{margin:0 0 .5rem}"
)


def to_html(analysis: Analysis) -> str:
    """One self-contained, accessible HTML page: what was analysed, then each table with a caption and
    headers, the flags, and how to read them. No scripts or external assets; every value escaped."""
    request, e = analysis.request, html.escape
    inputs = [
        ("File", str(request.path)),
        ("Group column", request.group),
        ("Reference group", f"{analysis.reference} ({analysis.reference_chosen})"),
        ("Outcome", request.outcome),
        ("Selection", request.where or "every record"),
        ("Adjusted for", ", ".join(request.adjust) or "nothing"),
        ("Unit column", request.unit or "none"),
        ("Smallest group compared", f"{request.min_n} people"),
        (
            "Records",
            f"{analysis.rows['in_file']:,} in the file, {analysis.rows['selected']:,} selected,"
            f" {analysis.rows['outcome_null']:,} left out because the outcome is NULL,"
            f" {analysis.rows['analysed']:,} analysed",
        ),
    ]
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>Equality analysis of {e(request.path.name)}</title>\n<style>{STYLE}</style>\n</head>\n",
        f"<body>\n<main>\n<h1>Equality analysis of {e(request.path.name)}</h1>\n<h2>What was analysed</h2>\n<dl>\n",
        *(f"<dt>{e(term)}</dt><dd>{e(value)}</dd>\n" for term, value in inputs),
        "</dl>\n<h2>Groups</h2>\n",
        _html_table(
            f"Outcome rate by {request.group}, each group compared with {analysis.reference}",
            [
                "Group",
                "People",
                "Events",
                "Rate (95% interval)",
                "Relative rate (95% interval)",
                "Odds ratio (95% interval)",
                "Test",
                "p-value",
                "q-value",
                "Flagged",
                "Note",
            ],
            (
                [
                    str(name),
                    _number(row["n"], "count"),
                    _number(row["events"], "count"),
                    _with_interval(row, "rate", "rate"),
                    _with_interval(row, "relative_rate"),
                    _with_interval(row, "odds_ratio"),
                    str(row["test"]),
                    _number(row["p_value"], "p"),
                    _number(row["q_value"], "p"),
                    _number(bool(row["flagged"])),
                    str(row["note"]),
                ]
                for name, row in analysis.groups.iterrows()
            ),
        ),
    ]
    if analysis.adjusted is not None:
        result = analysis.adjusted
        parts.append("<h2>Adjusted comparison</h2>\n")
        if not result.fitted:
            parts.append(f"<p>No adjusted figures: {e(result.reason)}</p>\n")
        parts.append(
            _html_table(
                f"Crude and adjusted comparison with {analysis.reference}, adjusted for {', '.join(request.adjust)}",
                [
                    "Group",
                    "Crude relative rate",
                    "Adjusted relative rate (95% interval)",
                    "Adjusted odds ratio (95% interval)",
                    "p-value",
                    "q-value",
                    "Flagged",
                    "Note",
                ],
                (
                    [
                        str(name),
                        _number(row["crude_relative_rate"]),
                        _with_interval(row, "adjusted_relative_rate"),
                        _with_interval(row, "adjusted_odds_ratio"),
                        _number(row["adjusted_p_value"], "p"),
                        _number(row["adjusted_q_value"], "p"),
                        _number(bool(row["adjusted_flagged"])),
                        str(row["note"]),
                    ]
                    for name, row in result.table.iterrows()
                ),
            )
        )
    if request.unit is not None:
        parts.append(f"<h2>Units ({e(request.unit)})</h2>\n")
        if analysis.units is None:
            parts.append(f"<p>No unit comparison: {e(analysis.units_reason)}</p>\n")
        else:
            low, high = limit_columns(0.95)
            parts.append(
                _html_table(
                    f"Observed and expected events by {request.unit} and {request.group}",
                    [
                        "Unit",
                        "Group",
                        "People",
                        "Observed",
                        "Expected",
                        "Observed / expected (95% interval)",
                        "95% limits",
                        "Outside 99.8% limits",
                        "q-value",
                        "Outlier",
                    ],
                    (
                        [
                            str(row["unit"]),
                            str(row["group"]),
                            _number(row["n"], "count"),
                            _number(row["observed"], "count"),
                            formatting.number_text(row["expected"], 1),
                            _with_interval(row, "ratio"),
                            formatting.interval_text(row[low], row[high]),
                            _number(bool(row[outside_column(0.998)])),
                            _number(row["q_value"], "p"),
                            f"yes, {row['direction']}" if row["outlier"] else "no",
                        ]
                        for _, row in analysis.units.iterrows()
                    ),
                )
            )
    flags = _flags(analysis)
    parts.append("<h2>Flags</h2>\n")
    if flags:
        parts.append("<ul>\n")
        for item in flags:
            where = f"unit {item['unit']}, " if "unit" in item else ""
            parts.append(
                f"<li>{e(item['table'])}: {e(where)}group {e(item['group'])}, ratio {e(_number(item['ratio']))},"
                f" q = {e(_number(item['q_value'], 'p'))}</li>\n"
            )
        parts.append("</ul>\n")
    else:
        parts.append("<p>Nothing is flagged.</p>\n")
    low_band, high_band = MATERIALITY_BAND
    parts.append(
        "<h2>How to read this</h2>\n<p>q-values are Benjamini-Hochberg adjusted across every test above."
        f" A result is flagged when its q-value is below {Q_THRESHOLD} and its ratio lies outside"
        f" {low_band}&ndash;{high_band}. &ldquo;{formatting.NOT_AVAILABLE}&rdquo; means there is no figure; the note says why.</p>\n"
        "</main>\n</body>\n</html>\n"
    )
    return "".join(parts)


def render(analysis: Analysis, output_format: str, *, table: str = "groups") -> str:
    """The analysis as text in ``output_format`` (json, csv or html); ``table`` chooses the CSV table."""
    if output_format == "json":
        return to_json(analysis)
    if output_format == "csv":
        return to_csv(analysis, table)
    if output_format == "html":
        return to_html(analysis)
    raise AnalysisError(f"--format must be one of {', '.join(FORMATS)}, not {output_format!r}")


# Writing -------------------------------------------------------------------------------------------------


def check_output(out: Path, source: Path) -> None:
    """Refuse an output path that cannot be written or that is the input, before any work is done."""
    require_utf8(str(out), "--out")
    if not out.parent.is_dir():
        raise AnalysisError(f"the folder for --out does not exist: {out.parent}")
    if out.exists() and out.resolve() == source.resolve():
        raise AnalysisError(f"--out {out} is the input file; choose another name")


def write_atomically(out: Path, text: str) -> None:
    """Write ``text`` to ``out`` through a temporary file in the same folder and a rename, so ``out`` is
    either left as it was or holds the whole of ``text``, never part of it."""
    if not out.parent.is_dir():
        raise AnalysisError(f"the folder for --out does not exist: {out.parent}")
    descriptor, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    try:
        # mkstemp makes the file private (0600); give the result the mode a plain write would have.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, out.stat().st_mode & 0o7777 if out.exists() else 0o666 & ~umask)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temporary, out)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise AnalysisError(f"cannot write {out}: {error.strerror or error}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
