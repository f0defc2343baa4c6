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

import csv
import dataclasses
import difflib
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

from . import reading
from .drivers import Model, adjusted_model, cells_of, driver_columns, parse_terms
from .reading import LINE, AnalysisError, DataFile, read_file
from .stats.adjust import ADJUSTED_COLUMNS as stats_adjusted_columns
from .stats.adjust import AdjustedComparison
from .stats.compare import compare_groups
from .stats.multiple import MATERIALITY_BAND, Q_THRESHOLD, bh_qvalues, flag

TABLE = "data"
FORMATS = ("json", "csv", "html")
CSV_TABLES = ("groups", "units", "trend")
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


@dataclass(frozen=True)
class Request:
    """What to analyse: the file, the group column, the outcome(s) and the optional parts of the analysis.

    ``outcome`` is one expression or a tuple of them (one Benjamini-Hochberg family across all);
    ``adjust`` holds driver specifications (:mod:`evenhand.equality.drivers`); ``sheet``, ``encoding`` and
    ``delimiter`` say how to read the file (:mod:`evenhand.equality.reading`); ``period`` and ``by`` ask
    for a trend table; ``weight`` names a column of survey or sampling weights.
    """

    path: Path
    group: str
    outcome: str | tuple[str, ...]
    reference: str | None = None
    where: str | None = None
    adjust: tuple[str, ...] = ()
    unit: str | None = None
    min_n: int = 30
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    period: str | None = None
    by: str = "quarter"
    weight: str | None = None

    @property
    def outcomes(self) -> tuple[str, ...]:
        return (self.outcome,) if isinstance(self.outcome, str) else tuple(self.outcome)


@dataclass(frozen=True)
class Analysis:
    """Everything an analysis of one outcome computed, ready to render.

    ``groups`` is :func:`~evenhand.equality.stats.compare_groups`'s table (or, with a weight, its
    design-weighted counterpart) with ``q_value`` and ``flagged``; ``adjusted`` is the
    :class:`~evenhand.equality.stats.AdjustedComparison` (or None without ``--adjust``) whose table has
    ``adjusted_q_value`` and ``adjusted_flagged`` added, with the model's ``formula`` and ``coefficients``;
    ``units`` is one row per unit and group (columns ``unit``, ``group``, ``n``, then
    :func:`~evenhand.equality.stats.unit_comparison`'s, then ``q_value`` and ``outlier``), None without
    ``--unit`` or when the national model could not be fitted, with ``units_reason`` saying why; ``trend``
    the comparison per period with ``--period``. ``rows`` counts the records in the file, those selected by
    ``--where``, those left out for a NULL outcome, and those analysed. ``file`` describes how the file was
    read (format, encoding, delimiter, sheet, notes, missing values in the columns used) and ``family`` the
    Benjamini-Hochberg family the q-values belong to.
    """

    request: Request
    reference: str
    reference_chosen: str
    rows: dict[str, int]
    groups: pd.DataFrame
    adjusted: AdjustedComparison | None
    units: pd.DataFrame | None
    units_reason: str = ""
    outcome: str = ""
    formula: str = ""
    coefficients: pd.DataFrame | None = None
    trend: pd.DataFrame | None = None
    file: dict[str, Any] = dataclasses.field(default_factory=dict)
    family: str = ""


# Reading -------------------------------------------------------------------------------------------------


def read_csv(path: Path) -> DataFile:
    """Read a CSV as :func:`evenhand.equality.reading.read_csv` does (kept for scripts and tests)."""
    return reading.read_csv(path)


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


# Expressions ---------------------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _shown(value: object, length: int = 60) -> str:
    """``value`` for a message, cut short: an expression's value may be long text."""
    text = repr(value)
    return text if len(text) <= length else f"{text[: length - 1]}…"


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

    def __init__(self, data: DataFile) -> None:
        self.data = data
        self.columns = data.columns
        self.connection = sqlite3.connect(":memory:")
        self._selects = 0
        self._denied = ""
        # Every column declared (and no rows) until an expression loads the values it reads; the
        # authorizer is on from the start, and off only while a load runs.
        declared = "".join(f", {_quote(name)}" for name in data.columns)
        self.connection.execute(f"CREATE TABLE {TABLE} ({_quote(LINE)} INTEGER PRIMARY KEY{declared})")
        for limit, value in SQLITE_LIMITS.items():
            self.connection.setlimit(limit, value)
        self.connection.set_authorizer(self._authorize)

    @property
    def lines(self) -> list[int]:
        return self.data.lines

    def _load(self, names: list[str], expression: str) -> tuple[np.ndarray, np.ndarray]:
        """Load into ``data`` one row for each distinct combination of the values of the columns
        ``names`` (in order of first appearance), with the authorizer off; return, for each distinct row,
        the first record that has it, and for each record its distinct row. An expression reads nothing
        else, so its value on a record is its value on that record's row: a million records of a few
        values cost a few evaluations."""
        data = self.data
        if LINE in names:
            first = np.arange(data.records)
            inverse = first
        elif names:
            combined = np.zeros(data.records, dtype=np.int64)
            for name in names:
                column = data.column(name)
                codes, uniques = pd.factorize(column.values, use_na_sentinel=False)
                if column.kind != "TEXT":
                    codes = np.where(column.missing, len(uniques), codes)
                combined = combined * (len(uniques) + 1) + codes
                if combined.max(initial=0) > 2**60:
                    combined = pd.factorize(combined)[0].astype(np.int64)
            _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
            order = np.argsort(first, kind="stable")
            rank = np.empty_like(order)
            rank[order] = np.arange(len(order))
            first, inverse = first[order], rank[inverse]
        else:
            first, inverse = np.zeros(1, dtype=np.intp), np.zeros(data.records, dtype=np.intp)
        columns = [name for name in names if name != LINE]
        declared = "".join(f", {_quote(name)} {data.column(name).kind}" for name in columns)
        lines = np.asarray(data.lines)[first].tolist() if LINE in names else list(range(1, len(first) + 1))
        rows = zip(lines, *[data.column(name).python(first) for name in columns], strict=True)
        self.connection.set_authorizer(None)
        self.connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1_000_000_000)
        try:
            self.connection.execute(f"DROP TABLE IF EXISTS {TABLE}")
            self.connection.execute(f"CREATE TABLE {TABLE} ({_quote(LINE)} INTEGER PRIMARY KEY{declared})")
            placeholders = ", ".join("?" * (len(columns) + 1))
            self.connection.executemany(f"INSERT INTO {TABLE} VALUES ({placeholders})", rows)
        except sqlite3.Error as error:
            raise AnalysisError(f"{data.path} cannot be loaded for analysis: SQLite says: {error}") from None
        for limit, value in SQLITE_LIMITS.items():
            self.connection.setlimit(limit, value)
        self.connection.set_authorizer(self._authorize)
        return first, inverse

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
        values, null = self.evaluate_array(expression, option)
        result: list[int | None] = values.tolist()
        for at in np.flatnonzero(null):
            result[at] = None
        return result

    def evaluate_array(self, expression: str, option: str) -> tuple[np.ndarray, np.ndarray]:
        """The value of a boolean expression on each record: 0/1 (int8) and where it is NULL."""
        known = {name.casefold(): name for name in [*self.columns, LINE]}
        quoted = check_expression(expression, option)
        for name in quoted:
            # SQLite would read an unknown double-quoted name as text ("agee" > 3 is true on every row).
            if name.casefold() not in known:
                raise AnalysisError(
                    f"{option} {expression!r} names a column the file does not have: {name!r}"
                    f" (quote text with single quotes: 'like this'); {self.available()}"
                )
        words = re.findall(r"[^\W\d]\w*", re.sub(r"'(?:[^']|'')*'", "''", expression))
        named = {word.casefold() for word in [*words, *quoted]}
        names = [known[name] for name in known if name in named]
        first, inverse = self._load(names, expression)
        self._selects, self._denied = 0, ""
        sql = f"SELECT ({expression}) FROM {TABLE} ORDER BY {_quote(LINE)}"
        values: list[int | None] = []
        deadline = time.monotonic() + TIME_LIMIT_SECONDS
        self.connection.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
        try:
            rows = self.connection.execute(sql)
            # Checked row by row, so that a value that is not boolean stops the evaluation at once.
            for at, (value,) in zip(first, rows, strict=False):
                if value is not None and (not isinstance(value, int | float) or value not in (0, 1)):
                    raise AnalysisError(
                        f"{option} {expression!r} is not a boolean expression: on line {self.lines[at]} it"
                        f" is {_shown(value)}, but it must be true (1), false (0) or NULL on every row; write"
                        ' a comparison such as "age >= 30" or "outcome = \'recalled\'"'
                    )
                values.append(None if value is None else int(value))
            more = rows.fetchone() is not None
        except sqlite3.Error as error:
            failed_on = self.lines[first[len(values)]] if len(values) < len(first) else None
            raise self._explain(error, expression, option, failed_on) from None
        finally:
            self.connection.set_progress_handler(None, 0)
        if more or len(values) != len(first):  # cannot happen past the checks above; never misalign
            raise AnalysisError(f"{option} {expression!r} must give one value per record")
        distinct_null = np.array([value is None for value in values], dtype=bool)
        distinct = np.array([0 if value is None else value for value in values], dtype=np.int8)
        return distinct[inverse], distinct_null[inverse]

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

PERIODS = ("quarter", "month", "year")
PERIOD_TEXT = re.compile(r"\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")
MULTIPLE_TESTING = (
    "one Benjamini-Hochberg family: every p-value of the run (crude, adjusted and unit, for every outcome)"
    " together; the trend's p-values are descriptive and not part of it"
)
WEIGHTING = (
    "design-weighted: rates are Σ weight * outcome / Σ weight with a linearised (sandwich) standard error"
    " and a Wald interval on the logit scale; ratios with Wald intervals on the log scale and a Wald test of"
    " the log odds ratio; the adjusted model maximises the weighted (pseudo-)likelihood with the robust"
    " (Huber-White, HC0) covariance. Counts of people are unweighted; --min-n applies to them."
)


def _check_request(request: Request) -> None:
    texts = {
        "the file name": str(request.path),
        "--group": request.group,
        "--reference": request.reference,
        "--where": request.where,
        "--adjust": ",".join(request.adjust),
        "--unit": request.unit,
        "--sheet": request.sheet,
        "--period": request.period,
        "--weight": request.weight,
    }
    for what, text in texts.items():
        if text is not None:
            require_utf8(text, what)
    for outcome in request.outcomes:
        require_utf8(outcome, "--outcome")
    if not request.outcomes:
        raise AnalysisError("give at least one --outcome expression")
    repeated_outcomes = sorted({o for o in request.outcomes if request.outcomes.count(o) > 1})
    if repeated_outcomes:
        raise AnalysisError(f"--outcome {repeated_outcomes[0]!r} is given more than once")
    if isinstance(request.min_n, bool) or not isinstance(request.min_n, int) or request.min_n < 0:
        raise AnalysisError(f"--min-n must be a whole number of people, 0 or more, not {request.min_n!r}")
    if any(not name.strip() for name in request.adjust):
        raise AnalysisError(f"--adjust {','.join(request.adjust)!r} has an empty column name")
    terms = parse_terms(request.adjust)
    drivers = driver_columns(terms)
    if request.group in drivers:
        raise AnalysisError(f"the group column {request.group!r} cannot also be a driver in --adjust")
    if request.unit is not None and request.unit == request.group:
        raise AnalysisError(f"--unit and --group are both {request.group!r}; the unit must be another column")
    if request.unit is not None and request.unit in drivers:
        raise AnalysisError(
            f"--unit {request.unit!r} cannot also be a driver in --adjust: the expected events of each unit"
            " would then be its observed ones"
        )
    if request.by not in PERIODS:
        raise AnalysisError(f"--by must be one of {', '.join(PERIODS)}, not {request.by!r}")
    if request.weight is not None and request.unit is not None:
        raise AnalysisError(
            "--unit cannot be used with --weight: the unit comparison's exact tests need counts of people;"
            " analyse the units without weights"
        )
    if request.weight is not None and request.weight in (request.group, *drivers):
        raise AnalysisError(f"--weight {request.weight!r} cannot also be the group or a driver")


def _nearest(name: str, columns: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, columns, n=3, cutoff=0.6)
    lowered = {column.casefold(): column for column in columns}
    if name.casefold() in lowered and lowered[name.casefold()] not in close:
        close.insert(0, lowered[name.casefold()])
    return f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""


def _check_columns(request: Request, data: DataFile) -> None:
    columns = data.columns
    named = [("--group", request.group)]
    named += [("--adjust", name) for name in driver_columns(parse_terms(request.adjust))]
    named += [
        (option, name)
        for option, name in (
            ("--unit", request.unit),
            ("--period", request.period),
            ("--weight", request.weight),
        )
        if name is not None
    ]
    for option, name in named:
        if name not in columns:
            shown = ", ".join(map(repr, columns[:40])) + (", …" if len(columns) > 40 else "")
            raise AnalysisError(
                f"{option} {name!r} is not a column of {data.path}{_nearest(name, columns)}; its columns are: "
                + shown
            )


def _outcome_name(taken: Iterable[str]) -> str:
    name, used = "__outcome__", set(taken)
    while name in used:
        name += "_"
    return name


def _period_labels(data: DataFile, column: str, by: str) -> np.ndarray:
    """Each record's period (``2024``, ``2024 Q1`` or ``2024-01``) from an ISO date (or year-month) in
    ``column``; None where the value is missing. Refuses a value that is not a date, naming the line."""
    values = data.column(column)
    text = pd.Series(values.labels(), dtype=object).where(~values.missing, None)
    parts = text.str.extract(r"^\s*(\d{4})-(\d{1,2})(?:-\d{1,2})?")
    month = pd.to_numeric(parts[1], errors="coerce")
    bad = ~values.missing & ~month.between(1, 12).to_numpy()
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        raise AnalysisError(
            f"--period {column!r}: on line {data.lines[at]} the value {_shown(text[at])} is not a date;"
            " write dates as YYYY-MM-DD (or YYYY-MM)"
        )
    year = parts[0].fillna("")
    if by == "year":
        found = year
    elif by == "quarter":
        found = year + " Q" + ((month.fillna(1).astype(int) - 1) // 3 + 1).astype(str)
    else:
        found = year + "-" + month.fillna(1).astype(int).map("{:02d}".format)
    result = np.array(found.to_numpy(dtype=object), dtype=object)
    result[values.missing] = None
    return result


def weighted_groups(
    names: list[str],
    frame: pd.DataFrame,
    *,
    group: str,
    outcome: str,
    weight: str,
    reference: str,
    min_n: int,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Design-weighted rates per group and each group against the reference (see :data:`WEIGHTING`);
    the same columns as :func:`~evenhand.equality.stats.compare_groups` plus ``weighted_n`` and
    ``weighted_events``."""
    from scipy import special

    z = float(special.ndtri(1 - alpha / 2))
    g = frame[group].to_numpy()
    y = frame[outcome].to_numpy(dtype=np.float64)
    w = frame[weight].to_numpy(dtype=np.float64)
    rows = []
    for name in names:
        inside = g == name
        wi, yi = w[inside], y[inside]
        total = wi.sum()
        rate = float(wi @ yi / total) if total > 0 else math.nan
        variance = float(np.sum(wi**2 * (yi - rate) ** 2) / total**2) if total > 0 else math.nan
        rows.append((int(inside.sum()), int(yi.sum()), total, float(wi @ yi), rate, variance))
    at = names.index(reference)
    ref_n, _, _, _, ref_rate, ref_var = rows[at]
    records = []
    for name, (n, events, total, weighted_events, rate, variance) in zip(names, rows, strict=True):
        record: dict[str, Any] = {
            "n": n,
            "events": events,
            "weighted_n": total,
            "weighted_events": weighted_events,
            "rate": rate,
        }
        if 0 < rate < 1:
            se = math.sqrt(variance) / (rate * (1 - rate))
            logit = math.log(rate / (1 - rate))
            record["rate_low"] = 1 / (1 + math.exp(-(logit - z * se)))
            record["rate_high"] = 1 / (1 + math.exp(-(logit + z * se)))
        else:
            record["rate_low"] = record["rate_high"] = math.nan
        record["is_reference"] = name == reference
        note = ""
        blank = dict.fromkeys(
            [
                "relative_rate",
                "relative_rate_low",
                "relative_rate_high",
                "odds_ratio",
                "odds_ratio_low",
                "odds_ratio_high",
                "p_value",
            ],
            math.nan,
        )
        record.update(blank)
        record["test"] = ""
        if name == reference:
            record["relative_rate"] = record["odds_ratio"] = 1.0
            note = "reference group"
        elif n < min_n or ref_n < min_n:
            note = f"fewer than {min_n} people" + ("" if n < min_n else " in the reference group")
        elif not (0 < rate < 1 and 0 < ref_rate < 1):
            note = "nobody or everybody in the group or the reference had the outcome, so no weighted ratio"
        else:
            log_rr = math.log(rate / ref_rate)
            se_rr = math.sqrt(variance / rate**2 + ref_var / ref_rate**2)
            log_or = math.log(rate / (1 - rate)) - math.log(ref_rate / (1 - ref_rate))
            se_or = math.sqrt(
                variance / (rate * (1 - rate)) ** 2 + ref_var / (ref_rate * (1 - ref_rate)) ** 2
            )
            record.update(
                relative_rate=math.exp(log_rr),
                relative_rate_low=math.exp(log_rr - z * se_rr),
                relative_rate_high=math.exp(log_rr + z * se_rr),
                odds_ratio=math.exp(log_or),
                odds_ratio_low=math.exp(log_or - z * se_or),
                odds_ratio_high=math.exp(log_or + z * se_or),
                p_value=float(2 * special.ndtr(-abs(log_or / se_or))),
                test="Wald (design-weighted)",
            )
        record["note"] = note
        records.append(record)
    return pd.DataFrame(records, index=pd.Index(names, name="group"))


def analyse(request: Request) -> Analysis:
    """The analysis of a request with one outcome (see :func:`analyse_all`)."""
    if len(request.outcomes) != 1:
        raise AnalysisError("analyse() takes one outcome; use analyse_all() for several")
    return analyse_all(request)[0]


def analyse_all(request: Request, data: DataFile | None = None) -> list[Analysis]:
    """Read, select, evaluate and compute every outcome's :class:`Analysis`, or raise
    :class:`AnalysisError`. ``data`` is the file already read (by :func:`analyse_frame`).

    Nothing is written: render the result with :func:`render` and write it with :func:`write_atomically`.
    """
    _check_request(request)
    if data is None:
        data = read_file(
            request.path, sheet=request.sheet, encoding=request.encoding, delimiter=request.delimiter
        )
    _check_columns(request, data)
    terms = parse_terms(request.adjust)
    drivers = driver_columns(terms)
    table = SandboxedTable(data)
    try:
        where = table.evaluate_array(request.where, "--where") if request.where is not None else None
        outcomes = [
            table.evaluate_array(outcome, "--outcome" if len(request.outcomes) == 1 else f"--outcome {n + 1}")
            for n, outcome in enumerate(request.outcomes)
        ]
    finally:
        table.close()

    selected = np.ones(data.records, dtype=bool) if where is None else (where[0] == 1) & ~where[1]
    if not selected.any():
        raise AnalysisError(
            f"--where {request.where!r} selects nobody: it is false or NULL on all {data.records}"
            f" records of {data.path}"
        )
    weights = _weights(data, request.weight, selected) if request.weight is not None else None
    labels = {
        column: data.labels(column)
        for column in dict.fromkeys([request.group, *filter(None, [request.unit])])
    }
    numeric = {column: data.column(column).kind in ("INTEGER", "REAL") for column in drivers}
    periods = _period_labels(data, request.period, request.by) if request.period else None
    used = [request.group, *drivers, *filter(None, [request.unit, request.period, request.weight])]
    file_info = {
        **data.source,
        "notes": list(data.notes),
        "missing": {column: int(data.column(column).missing.sum()) for column in dict.fromkeys(used)},
    }

    results = []
    for expression, (values, null) in zip(request.outcomes, outcomes, strict=True):
        known = selected & ~null
        count = int(known.sum())
        if not count:
            raise AnalysisError(
                f"--outcome {expression!r} is NULL on every selected record, so there is nothing to count;"
                " wrap it as coalesce(…, 0) to count NULL as no event"
            )
        events_total = int(values[known].sum())
        if events_total in (0, count):
            raise AnalysisError(
                f"--outcome {expression!r} is {'never' if events_total == 0 else 'always'} true on the"
                f" {count:,} records analysed, so there is no difference to compare; check the"
                " expression (text is compared with its case: 'Yes' is not 'yes')"
            )
        results.append(
            _analyse_outcome(
                request,
                data,
                expression,
                values,
                selected,
                known,
                labels,
                numeric,
                terms,
                weights,
                periods,
                file_info,
            )
        )
    return _shared_family(results)


def _weights(data: DataFile, column: str, selected: np.ndarray) -> np.ndarray:
    """The weights of every record (checked on the records selected): numbers, 0 or more, not all 0."""
    values = data.column(column)
    if values.kind not in ("INTEGER", "REAL"):
        raise AnalysisError(f"--weight {column!r} must hold numbers; it holds text")
    numbers = values.numbers()
    for bad, why in (
        (selected & values.missing, "is missing on line {line}; every record needs a weight"),
        (
            selected & ~values.missing & ~(numbers >= 0),
            "is {value:g} on line {line}; weights must be 0 or more",
        ),
    ):
        if bad.any():
            at = int(np.flatnonzero(bad)[0])
            raise AnalysisError(f"--weight {column!r} " + why.format(line=data.lines[at], value=numbers[at]))
    if not numbers[selected].any():
        raise AnalysisError(f"--weight {column!r} is 0 on every record selected")
    return numbers


def _analyse_outcome(
    request: Request,
    data: DataFile,
    expression: str,
    values: np.ndarray,
    selected: np.ndarray,
    known: np.ndarray,
    labels: dict[str, np.ndarray],
    numeric: dict[str, bool],
    terms: Sequence[Any],
    weights: np.ndarray | None,
    periods: np.ndarray | None,
    file_info: dict[str, Any],
) -> Analysis:
    drivers = driver_columns(terms)
    frame_columns = list(dict.fromkeys([request.group, *drivers, *filter(None, [request.unit])]))
    outcome_name = _outcome_name(frame_columns)
    weight_name = outcome_name + "w"
    # A numeric column enters as numbers unless its only use is as categories (COL:cat), whose levels are
    # then the values as written.
    as_numbers = {
        driver.column
        for term in terms
        for driver in term.drivers
        if numeric[driver.column] and driver.kind != "cat"
    }
    columns: dict[str, Any] = {}
    for column in frame_columns:
        if column in as_numbers:
            columns[column] = data.column(column).numbers()[known]
        else:
            source = labels[column] if column in labels else data.labels(column)
            # Plain objects: pandas would otherwise copy a million labels into an Arrow string array.
            columns[column] = pd.Series(source[known], dtype=object)
    frame = pd.DataFrame(columns)
    frame[outcome_name] = values[known].astype(np.int64)
    if weights is not None:
        frame[weight_name] = weights[known]

    counts = frame.groupby(request.group, sort=True)[outcome_name].agg(["size", "sum"])
    names = [str(name) for name in counts.index]
    people, events = counts["size"].to_numpy(), counts["sum"].to_numpy()
    reference, chosen = _reference(request, data, names, people)
    model: Model | None = None
    try:
        if weights is None:
            groups = compare_groups(people, events, groups=names, reference=reference, min_n=request.min_n)
        else:
            groups = weighted_groups(
                names,
                frame,
                group=request.group,
                outcome=outcome_name,
                weight=weight_name,
                reference=reference,
                min_n=request.min_n,
            )
        if terms:
            model = adjusted_model(
                frame,
                outcome=outcome_name,
                outcome_text=expression,
                group=request.group,
                reference=reference,
                terms=terms,
                numeric=numeric,
                weight=None if weights is None else weight_name,
                min_n=request.min_n,
                crude=None if weights is None else groups,
            )
        units, units_reason = _units(request, frame, outcome_name, model)
        trend = (
            _trend(
                request,
                frame,
                outcome_name,
                list(periods[known]),
                reference,
                None if weights is None else weight_name,
            )
            if periods is not None
            else None
        )
    except ValueError as error:
        if isinstance(error, AnalysisError):
            raise
        raise AnalysisError(f"the statistics refused the data: {error}") from None

    rows = {
        "in_file": data.records,
        "selected": int(selected.sum()),
        "outcome_null": int(selected.sum() - known.sum()),
        "analysed": int(known.sum()),
    }
    return Analysis(
        request=request,
        reference=reference,
        reference_chosen=chosen,
        rows=rows,
        groups=groups,
        adjusted=None if model is None else model.comparison,
        units=units,
        units_reason=units_reason,
        outcome=expression,
        formula="" if model is None else model.formula,
        coefficients=None if model is None else model.coefficients,
        trend=trend,
        file=file_info,
        family=MULTIPLE_TESTING,
    )


def _shared_family(results: list[Analysis]) -> list[Analysis]:
    """One Benjamini-Hochberg pass over every test of the run (every outcome's crude, adjusted and unit
    p-values), then the same rule for every kind of result."""
    parts: list[np.ndarray] = []
    for result in results:
        parts.append(result.groups["p_value"].to_numpy(dtype=np.float64))
        if result.adjusted is not None:
            parts.append(
                result.adjusted.table.reindex(result.groups.index)["adjusted_p_value"].to_numpy(
                    dtype=np.float64
                )
            )
        if result.units is not None:
            parts.append(result.units["p_value"].to_numpy(dtype=np.float64))
    q = iter(np.split(bh_qvalues(np.concatenate(parts)), np.cumsum([len(part) for part in parts])[:-1]))
    done = []
    for result in results:
        first = next(q)
        groups = result.groups.assign(q_value=first, flagged=flag(first, result.groups["relative_rate"]))
        adjusted = result.adjusted
        if adjusted is not None:
            table = adjusted.table.reindex(result.groups.index)
            second = next(q)
            table = table.assign(
                adjusted_q_value=second, adjusted_flagged=flag(second, table["adjusted_relative_rate"])
            )
            adjusted = dataclasses.replace(adjusted, table=table)
        units = result.units
        if units is not None:
            third = next(q)
            units = units.assign(q_value=third, outlier=flag(third, units["ratio"]))
        done.append(dataclasses.replace(result, groups=groups, adjusted=adjusted, units=units))
    return done


def _trend(
    request: Request,
    frame: pd.DataFrame,
    outcome: str,
    periods: list[str | None],
    reference: str,
    weight: str | None,
) -> pd.DataFrame:
    """The comparison of the groups in each period: one row per period and group, with intervals."""
    frame = frame.assign(__period__=periods)
    frame = frame[frame["__period__"].notna()]
    pieces = []
    for period, rows in frame.groupby("__period__", sort=True):
        counts = rows.groupby(request.group, sort=True)[outcome].agg(["size", "sum"])
        names = [str(name) for name in counts.index]
        if reference not in names:
            continue
        if weight is None:
            table = compare_groups(
                counts["size"].to_numpy(),
                counts["sum"].to_numpy(),
                groups=names,
                reference=reference,
                min_n=request.min_n,
            )
        else:
            table = weighted_groups(
                names,
                rows,
                group=request.group,
                outcome=outcome,
                weight=weight,
                reference=reference,
                min_n=request.min_n,
            )
        pieces.append(table.reset_index().assign(period=str(period)))
    if not pieces:
        return pd.DataFrame(columns=["period", "group", *TREND_COLUMNS])
    result = pd.concat(pieces, ignore_index=True)
    return result[["period", "group", *[c for c in TREND_COLUMNS if c in result.columns]]]


TREND_COLUMNS = [
    "n",
    "events",
    "rate",
    "rate_low",
    "rate_high",
    "relative_rate",
    "relative_rate_low",
    "relative_rate_high",
    "odds_ratio",
    "odds_ratio_low",
    "odds_ratio_high",
    "p_value",
    "note",
]


def _reference(request: Request, data: DataFile, names: list[str], people: np.ndarray) -> tuple[str, str]:
    """The reference group and how it was chosen."""
    if request.reference is None:
        return names[int(np.argmax(people))], "largest group"
    if request.reference in names:
        return request.reference, "given"
    in_file = sorted(set(data.labels(request.group).tolist()))
    if request.reference in in_file:
        raise AnalysisError(
            f"the reference group {request.reference!r} has no people among the records analysed (after"
            " --where, and leaving out records whose outcome is NULL), so nothing can be compared with it"
        )
    shown = ", ".join(map(repr, in_file[:30])) + (", …" if len(in_file) > 30 else "")
    raise AnalysisError(
        f"--reference {request.reference!r} is not a value of column {request.group!r}; its values are: {shown}"
    )


def _units(
    request: Request, frame: pd.DataFrame, outcome_name: str, model: Model | None
) -> tuple[pd.DataFrame | None, str]:
    """Observed against expected events for each unit and group from the national model of the outcome
    on the group and the drivers, or None and why the model failed."""
    if request.unit is None:
        return None, ""
    from .stats.funnel import unit_comparison

    keys = [request.unit, request.group]
    if model is not None:
        if model.predict is None:
            return None, f"the national model could not be fitted: {model.comparison.reason}"
        cells = cells_of(frame, [*keys, *driver_columns(model.predict.terms)], outcome_name, None)
        p = model.predict(cells)
    else:
        cells = cells_of(frame, keys, outcome_name, None)
        rates = cells.groupby(request.group)[["n", "events"]].sum()
        p = (rates["events"] / rates["n"]).reindex(cells[request.group]).to_numpy()
    cells = cells.assign(expected=cells["n"] * p)
    summed = cells.groupby(keys, sort=True)[["people", "events", "expected"]].sum()
    table = unit_comparison(summed["events"], summed["expected"], units=range(len(summed)))
    table.index = pd.RangeIndex(len(table))
    return (
        pd.concat(
            [
                pd.DataFrame(
                    {
                        "unit": [str(unit) for unit, _ in summed.index],
                        "group": [str(group) for _, group in summed.index],
                        "n": summed["people"].to_numpy(dtype=np.int64),
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


def _group_columns(analysis: Analysis) -> list[str]:
    """The group table's columns: with weights, the weighted sums after the counts."""
    if "weighted_n" in analysis.groups.columns:
        return ["n", "events", "weighted_n", "weighted_events", *GROUP_COLUMNS[2:]]
    return GROUP_COLUMNS


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


def to_json(analysis: "Analysis | Sequence[Analysis]") -> str:
    """The analysis as one JSON object: ``inputs``, ``rows``, ``groups``, ``adjusted``, ``units``, ``flags``.

    Strict JSON: a missing figure is ``null`` (its ``note`` says why) and an infinite ratio is ``"inf"``.
    The structure is documented in ``docs/equality.md``. Several outcomes: ``file``,
    ``multiple_testing`` and ``outcomes``, one such object per outcome.
    """
    if not isinstance(analysis, Analysis):
        analyses = list(analysis)
        if len(analyses) == 1:
            return to_json(analyses[0])
        document = {
            "file": analyses[0].file,
            "multiple_testing": analyses[0].family,
            "outcomes": [_document(one) for one in analyses],
        }
    else:
        document = _document(analysis)
    return json.dumps(document, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def _document(analysis: Analysis) -> dict[str, Any]:
    request = analysis.request
    adjusted: dict[str, Any] | None = None
    if analysis.adjusted is not None:
        result = analysis.adjusted
        adjusted = {
            "fitted": result.fitted,
            "reason": result.reason,
            "people": result.people,
            "cells": result.cells,
            "formula": analysis.formula,
            "coefficients": []
            if analysis.coefficients is None
            else _records(analysis.coefficients, list(analysis.coefficients.columns), "term"),
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
            "outcome": analysis.outcome,
            "where": request.where,
            "adjust": list(request.adjust),
            "unit": request.unit,
            "min_n": request.min_n,
            "period": request.period,
            "by": request.by if request.period else None,
            "weight": request.weight,
            "q_threshold": Q_THRESHOLD,
            "materiality_band": list(MATERIALITY_BAND),
        },
        "file": analysis.file,
        "multiple_testing": analysis.family,
        "weighting": WEIGHTING if request.weight else None,
        "rows": analysis.rows,
        "groups": _records(analysis.groups, _group_columns(analysis), "group"),
        "adjusted": adjusted,
        "units": units,
        "trend": None if analysis.trend is None else _records(analysis.trend, list(analysis.trend.columns)),
        "flags": _flags(analysis),
    }
    return document


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


def to_csv(analysis: "Analysis | Sequence[Analysis]", table: str = "groups") -> str:
    """One table as CSV: ``groups`` (the per-group table, with the adjusted figures beside the crude ones
    when there are any), ``units`` (one row per unit and group) or ``trend`` (one row per period and
    group). With several outcomes, the tables one after another with the outcome as the first column.
    Empty cell: no figure; ``inf``: infinite. A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return gets a leading ``'``."""
    if table not in CSV_TABLES:
        raise AnalysisError(f"--table must be one of {', '.join(CSV_TABLES)}, not {table!r}")
    analyses = [analysis] if isinstance(analysis, Analysis) else list(analysis)
    frames = [_csv_frame(one, table) for one in analyses]
    if len(frames) > 1:
        frames = [
            frame.assign(outcome=one.outcome)[["outcome", *frame.columns]]
            for frame, one in zip(frames, analyses, strict=True)
        ]
    frame = pd.concat(frames, ignore_index=True)
    buffer = io.StringIO()
    # RFC 4180's line end: with it, the csv module quotes a field holding a carriage return, which would
    # otherwise end the record for whoever reads the file.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(frame.columns)
    writer.writerows([_cell(value) for value in row] for row in frame.itertuples(index=False))
    return buffer.getvalue()


def _csv_frame(analysis: Analysis, table: str) -> pd.DataFrame:
    if table == "units":
        if analysis.units is None:
            raise AnalysisError(
                "--table units needs --unit"
                if analysis.request.unit is None
                else f"there is no unit table: {analysis.units_reason}"
            )
        return analysis.units.reset_index(drop=True)
    if table == "trend":
        if analysis.trend is None:
            raise AnalysisError("--table trend needs --period")
        return analysis.trend.reset_index(drop=True)
    frame = analysis.groups[_group_columns(analysis)]
    if analysis.adjusted is not None:
        extra = analysis.adjusted.table[[*ADJUSTED_COLUMNS, "note"]].rename(columns={"note": "adjusted_note"})
        frame = frame.join(extra)
    frame = frame.copy()
    frame.insert(0, "group", [str(name) for name in frame.index])
    return frame.reset_index(drop=True)


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


def to_html(analysis: "Analysis | Sequence[Analysis]") -> str:
    """One self-contained, accessible HTML page: what was analysed, then each table with a caption and
    headers, the flags, and how to read them. No scripts or external assets; every value escaped. With
    several outcomes, one section per outcome."""
    if not isinstance(analysis, Analysis):
        analyses = list(analysis)
        if len(analyses) == 1:
            return to_html(analyses[0])
        pages = [to_html(one) for one in analyses]
        head = pages[0][: pages[0].index("<main>\n") + len("<main>\n")]
        sections = []
        for number, (page, one) in enumerate(zip(pages, analyses, strict=True), start=1):
            body = page[page.index("</h1>\n") + len("</h1>\n") : page.index("</main>")]
            sections.append(
                f"<section>\n<h2>Outcome {number}: {html.escape(one.outcome)}</h2>\n{body}</section>\n"
            )
        title = head[head.index("<h1>") :]
        return (
            head
            + f"<p>{html.escape(len(analyses).__str__())} outcomes; q-values: {html.escape(analyses[0].family)}.</p>\n"
            + "".join(sections)
            + "</main>\n</body>\n</html>\n"
        ).replace(title, title, 1)
    request, e = analysis.request, html.escape
    inputs = [
        ("File", str(request.path)),
        (
            "Read as",
            ", ".join(f"{key} {value!r}" for key, value in analysis.file.items() if isinstance(value, str)),
        ),
        ("Notes on the file", "; ".join(analysis.file.get("notes", [])) or "none"),
        (
            "Missing values in the columns used",
            ", ".join(f"{column}: {count:,}" for column, count in analysis.file.get("missing", {}).items())
            or "none",
        ),
        ("Group column", request.group),
        ("Reference group", f"{analysis.reference} ({analysis.reference_chosen})"),
        ("Outcome", analysis.outcome),
        ("Selection", request.where or "every record"),
        ("Adjusted for", ", ".join(request.adjust) or "nothing"),
        ("Model", analysis.formula or "none"),
        (
            "Weights",
            f"{request.weight}: {WEIGHTING}" if request.weight else "none (every person counts once)",
        ),
        ("Unit column", request.unit or "none"),
        ("Multiple testing", analysis.family),
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
            from .stats.funnel import limit_columns, outside_column

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
    if analysis.trend is not None:
        parts.append(f"<h2>Trend by {e(request.by)} ({e(str(request.period))})</h2>\n")
        parts.append(
            _html_table(
                f"Outcome rate by {request.by} and {request.group}, each compared with {analysis.reference}",
                [
                    "Period",
                    "Group",
                    "People",
                    "Events",
                    "Rate (95% interval)",
                    "Relative rate (95% interval)",
                    "p-value",
                    "Note",
                ],
                (
                    [
                        str(row["period"]),
                        str(row["group"]),
                        _number(row["n"], "count"),
                        _number(row["events"], "count"),
                        _with_interval(row, "rate", "rate"),
                        _with_interval(row, "relative_rate"),
                        _number(row["p_value"], "p"),
                        str(row["note"]),
                    ]
                    for _, row in analysis.trend.iterrows()
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


def render(analysis: "Analysis | Sequence[Analysis]", output_format: str, *, table: str = "groups") -> str:
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
