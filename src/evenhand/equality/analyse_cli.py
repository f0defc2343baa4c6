"""``evenhand equality analyse``: its arguments and what it does, without Django.

The ``evenhand`` console script runs ``evenhand equality analyse …`` through :func:`main` here, without
starting Django (no settings, no system checks, no ORM): an analysis of a file needs none of them, and
starting Django costs about half a second. ``python -m django``-style invocations (``manage.py equality
analyse``, ``call_command("equality", "analyse", …)``) reach the same :func:`run` through the management
command, which declares the same :data:`ARGUMENTS`. Heavy modules (pandas, NumPy, SciPy) are imported only
when the analysis runs, so a mistyped argument is answered at once.
"""

import argparse
import sys
from pathlib import Path
from typing import Any, Protocol


class Output(Protocol):
    def write(self, text: str, /) -> Any: ...


FORMATS = ("json", "csv", "html")
CSV_TABLES = ("groups", "units", "trend")
PERIODS = ("quarter", "month", "year")

HELP = (
    "Compare the rate of an outcome between groups in any person-level file (CSV, Parquet, XLSX or ODS):"
    " rates, relative rates, odds ratios and tests against a reference group, optionally adjusted for"
    " legitimate drivers (numeric or categorical), drilled down to units and over time, with"
    " Benjamini-Hochberg control of false discoveries; optionally published with disclosure control."
)

# (names, options) for ArgumentParser.add_argument, shared with the management command.
ARGUMENTS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (
        ("file",),
        {"type": Path, "help": "CSV, Parquet, XLSX or ODS file, one person per record, with a header"},
    ),
    (("--group",), {"required": True, "metavar": "COLUMN", "help": "column of the groups to compare"}),
    (("--reference",), {"metavar": "VALUE", "help": "the group to compare with (default: the largest)"}),
    (
        ("--outcome",),
        {
            "required": True,
            "action": "append",
            "metavar": "EXPR",
            "help": "SQL boolean expression over the columns: true for a person with the outcome; repeat for"
            " several outcomes (one Benjamini-Hochberg family across them)",
        },
    ),
    (("--where",), {"metavar": "EXPR", "help": "SQL boolean expression: analyse only records where true"}),
    (
        ("--adjust",),
        {
            "action": "append",
            "default": [],
            "metavar": "DRIVER,DRIVER…",
            "help": "legitimate drivers to adjust for: COL (numeric columns linear, others categories),"
            " COL:cat, COL:linear, COL:bands=0,1,4,10, COL:spline=4 (knots), A*B (interaction)",
        },
    ),
    (("--unit",), {"metavar": "COLUMN", "help": "column of units (such as PDU) to compare"}),
    (("--period",), {"metavar": "COLUMN", "help": "column of dates (YYYY-MM-DD) for a trend table"}),
    (("--by",), {"choices": PERIODS, "default": "quarter", "help": "the trend's periods (default quarter)"}),
    (("--weight",), {"metavar": "COLUMN", "help": "column of survey or sampling weights (0 or more)"}),
    (("--sheet",), {"metavar": "NAME", "help": "the sheet of a spreadsheet to read (default the first)"}),
    (
        ("--encoding",),
        {"metavar": "NAME", "help": "a CSV's encoding (default UTF-8, or as its byte-order mark)"},
    ),
    (("--delimiter",), {"metavar": "CHAR", "help": "a CSV's delimiter (default: found from the header)"}),
    (("--min-n",), {"type": int, "default": 30, "help": "smallest group given a ratio (default 30)"}),
    (("--format",), {"choices": FORMATS, "default": "json", "help": "output format (default json)"}),
    (
        ("--table",),
        {
            "choices": CSV_TABLES,
            "help": "with --format csv: the per-group table (default), the unit table or the trend table",
        },
    ),
    (("--out",), {"type": Path, "metavar": "FILE", "help": "write here (atomically) instead of to stdout"}),
    (
        ("--publish",),
        {
            "type": Path,
            "metavar": "DIR",
            "help": "also publish the analysis, disclosure-controlled, as HTML, PDF, ODS and CSV into a new"
            " (or empty) folder",
        },
    ),
]


class UsageError(Exception):
    """A problem with the options or the input; the message is shown and the exit code is 1."""


def run(options: dict[str, Any], stdout: Output, verbosity: int = 1) -> None:
    """Analyse the file, render the result and write it whole (and publish it), or fail having written
    nothing, raising :class:`UsageError`."""
    from .analyse import AnalysisError, Request, analyse_all, check_output, render, write_atomically
    from .drivers import split_adjust

    if options["table"] is not None and options["format"] != "csv":
        raise UsageError("--table applies only to --format csv")
    try:
        request = Request(
            path=options["file"],
            group=options["group"],
            outcome=tuple(options["outcome"]),
            reference=options["reference"],
            where=options["where"],
            adjust=tuple(split_adjust(options["adjust"])),
            unit=options["unit"],
            min_n=options["min_n"],
            sheet=options["sheet"],
            encoding=options["encoding"],
            delimiter=options["delimiter"],
            period=options["period"],
            by=options["by"],
            weight=options["weight"],
        )
        publish: Path | None = options.get("publish")
        if options["out"] is not None:
            check_output(options["out"], request.path)
        if publish is not None:
            from .publish.analysis import check_folder

            check_folder(publish)
        analyses = analyse_all(request)
        text = render(analyses, options["format"], table=options["table"] or "groups")
        written: list[Path] = []
        if publish is not None:
            from .publish.analysis import publish_analysis

            written = publish_analysis(analyses, publish)
        if options["out"] is not None:
            write_atomically(options["out"], text)
    except AnalysisError as error:
        raise UsageError(str(error)) from None
    if options["out"] is None:
        stdout.write(text)
    elif verbosity > 0:
        stdout.write(f"Wrote {options['out']}\n")
    if publish is not None and verbosity > 0:
        stdout.write(f"Published {len(written)} files to {publish}\n")


def parser() -> argparse.ArgumentParser:
    made = argparse.ArgumentParser(prog="evenhand equality analyse", description=HELP)
    for names, options in ARGUMENTS:
        made.add_argument(*names, **options)
    made.add_argument("-v", "--verbosity", type=int, choices=[0, 1, 2, 3], default=1, help="0 for quiet")
    return made


def main(argv: list[str]) -> int:
    """``evenhand equality analyse ARGV…`` without Django: 0 on success, 1 (with the message on stderr)
    for bad input, 2 for bad usage (argparse)."""
    options = vars(parser().parse_args(argv))
    try:
        run(options, sys.stdout, options["verbosity"])
    except UsageError as error:
        sys.stderr.write(f"CommandError: {error}\n")
        return 1
    return 0
