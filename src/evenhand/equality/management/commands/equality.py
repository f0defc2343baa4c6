"""evenhand equality SUBCOMMAND …: the equality engine from the command line.

``evenhand equality analyse FILE --group COLUMN --outcome EXPR …`` runs the disparity statistics on any
person-level file (see :mod:`evenhand.equality.analyse_cli`, :mod:`evenhand.equality.analyse` and
``docs/equality.md``); the ``evenhand`` console script runs it without starting Django.

``evenhand equality report --from YYYY-MM-DD --to YYYY-MM-DD --out DIR`` publishes the equality report
(:mod:`evenhand.equality.publish.report`); ``evenhand equality report --workforce --period 2025-26 [--unit
CODE] --by STAFF_CODE --out DIR`` publishes the workforce equality report instead, by the run the workforce app
registers (:func:`evenhand.equality.registry.register_report`; ``evenhand workforce report`` is its alias);
``evenhand equality audit DIR…`` attacks a written one.

A subcommand is one function decorated with :func:`subcommand`, which names it and declares its arguments;
the function receives the command (for ``stdout``) and the parsed options, and raises ``CommandError`` for
bad input so that the user sees the message and the exit code is 1, without a traceback.
"""

import argparse
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from evenhand.core.formatting import count_text
from evenhand.equality.analyse_cli import ARGUMENTS as ANALYSE_ARGUMENTS
from evenhand.equality.analyse_cli import HELP as ANALYSE_HELP
from evenhand.equality.analyse_cli import UsageError
from evenhand.equality.analyse_cli import run as analyse_run
from evenhand.equality.engine import BadRequest
from evenhand.equality.measures import CHARACTERISTICS, Period
from evenhand.equality.registry import REPORTS

Run = Callable[[BaseCommand, dict[str, Any]], None]


@dataclass(frozen=True)
class Argument:
    """One ``parser.add_argument(*names, **options)`` call, declared ahead of the parser."""

    names: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)


def argument(*names: str, **options: Any) -> Argument:
    """Declare an argument of a subcommand, with the same parameters as ``ArgumentParser.add_argument``."""
    return Argument(names, options)


@dataclass(frozen=True)
class Subcommand:
    help: str
    arguments: tuple[Argument, ...]
    run: Run


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, *, help: str, arguments: tuple[Argument, ...] = ()) -> Callable[[Run], Run]:
    """Register the decorated function as ``evenhand equality NAME`` with the given arguments."""

    def register(run: Run) -> Run:
        SUBCOMMANDS[name] = Subcommand(help=help, arguments=arguments, run=run)
        return run

    return register


@subcommand(
    "analyse",
    help=ANALYSE_HELP,
    arguments=tuple(argument(*names, **options) for names, options in ANALYSE_ARGUMENTS),
)
def analyse_file(command: BaseCommand, options: dict[str, Any]) -> None:
    """The same as ``evenhand equality analyse`` without Django (:mod:`evenhand.equality.analyse_cli`)."""
    try:
        analyse_run(options, command.stdout, options["verbosity"])
    except UsageError as error:
        raise CommandError(str(error)) from None


# The options of each report ``evenhand equality report`` publishes, by their parsed names, as typed.
PROBATION_OPTIONS = {
    "start": "--from",
    "end": "--to",
    "characteristic": "--characteristic",
    "reference": "--reference",
    "min_n": "--min-n",
    "measures": "--measure",
}
WORKFORCE_OPTIONS = {"period": "--period", "unit": "--unit", "by": "--by"}
MIN_N = 30


def _given(options: dict[str, Any], names: dict[str, str]) -> list[str]:
    return [flag for name, flag in names.items() if options.get(name) not in (None, [], "")]


def _check_option_mix(options: dict[str, Any]) -> None:
    """Refuse, as a usage error (exit code 2) before anything is read or written, an option of one report
    given to the other, or a report without the options it needs."""
    probation, workforce = _given(options, PROBATION_OPTIONS), _given(options, WORKFORCE_OPTIONS)
    if options["workforce"]:
        if probation:
            raise CommandError(
                f"{', '.join(probation)}: not an option of the workforce report (--workforce), which takes"
                " --period, --by, --out and --unit",
                returncode=2,
            )
        if "workforce" not in REPORTS:
            raise CommandError(
                "The workforce app is not installed: there is no workforce report", returncode=2
            )
        missing = [flag for flag in ("--period", "--by") if flag not in workforce]
    else:
        if workforce:
            raise CommandError(
                f"{', '.join(workforce)}: an option of the workforce report only; add --workforce to publish"
                " it, or leave it out",
                returncode=2,
            )
        missing = [flag for flag in ("--from", "--to") if flag not in probation]
    if missing:
        report = "the workforce report (--workforce)" if options["workforce"] else "the equality report"
        raise CommandError(f"{report} needs {' and '.join(missing)}", returncode=2)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date in the form YYYY-MM-DD") from None


@subcommand(
    "report",
    help=(
        "Publish the equality report for a period: an HTML report with charts, its PDF, an accessible ODS"
        " spreadsheet and CSV files, all disclosure-controlled, written into a new folder."
    ),
    arguments=(
        argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD", help="first day (required)"),
        argument("--to", dest="end", type=_date, metavar="YYYY-MM-DD", help="last day (required)"),
        argument("--out", type=Path, required=True, metavar="DIR", help="a new (or empty) folder to write"),
        argument(
            "--characteristic",
            choices=[*CHARACTERISTICS, "all"],
            help="the characteristic to split by (default ethnic_group); 'all' writes every characteristic's"
            " report, each in a folder of its own inside DIR",
        ),
        argument("--reference", metavar="GROUP", help="the reference group (default: the characteristic's)"),
        argument("--min-n", type=int, help=f"smallest group given a ratio (default {MIN_N})"),
        argument(
            "--measure",
            dest="measures",
            action="append",
            default=[],
            metavar="KEY",
            help="publish only this measure (repeat for more; default the whole catalogue). Every report of a"
            " period should publish the same measures: audit their folders together if not",
        ),
        argument(
            "--workforce",
            action="store_true",
            help="publish the workforce equality report instead (the same as 'evenhand workforce report'),"
            " with --period, --by, --out and optionally --unit, and none of the options above",
        ),
        argument("--period", help="with --workforce: a year (2025), a financial year (2025-26) or a quarter"),
        argument("--unit", help="with --workforce: national (the default), a region or PDU code"),
        argument("--by", metavar="STAFF_CODE", help="with --workforce: the HR analyst who publishes it"),
    ),
)
def report(command: BaseCommand, options: dict[str, Any]) -> None:
    """Protect the period's whole publication (every characteristic at once), build each report asked for
    and write it whole, or nothing; with ``--workforce``, publish the workforce report instead."""
    from evenhand.disclosure import DisclosureError
    from evenhand.equality.publish.period import publish_period

    _check_option_mix(options)
    if options["workforce"]:
        REPORTS["workforce"](options, command.stdout.write)
        return
    options["characteristic"] = options["characteristic"] or "ethnic_group"
    options["min_n"] = MIN_N if options["min_n"] is None else options["min_n"]
    try:
        period = Period(options["start"], options["end"])
    except ValueError as error:
        raise CommandError(str(error)) from None
    out: Path = options["out"]
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CommandError(f"{out} already exists and is not an empty folder: choose a new folder")
    if not out.resolve().parent.is_dir():
        raise CommandError(f"the folder {out.resolve().parent} does not exist")
    every = options["characteristic"] == "all"
    if every and options["reference"]:
        raise CommandError("--reference names a group of one characteristic: leave it out with 'all'")
    quiet = options["verbosity"] == 0
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), disable=quiet, transient=False
    ) as progress:
        task = progress.add_task("Starting", total=None)

        def say(message: str) -> None:
            progress.update(task, description=message)

        try:
            published = publish_period(
                period,
                characteristics=list(CHARACTERISTICS) if every else [options["characteristic"]],
                out=out,
                reference=options["reference"],
                min_n=options["min_n"],
                measures=tuple(options["measures"]),
                every=every,
                progress=say,
            )
        except (BadRequest, DisclosureError, FileExistsError, FileNotFoundError) as error:
            raise CommandError(str(error)) from None
        progress.update(task, description="Done")
    written, flagged, protected = published.written, published.flagged, published.protected
    if not quiet:
        command.stdout.write(
            f"Wrote {count_text(len(written))} files to {out}; {count_text(flagged)}"
            f" disparit{'y' if flagged == 1 else 'ies'} flagged. {protected.protection.audit.summary()}"
        )
        for path in written:
            command.stdout.write(f"  {path.relative_to(out)}")


@subcommand(
    "audit",
    help=(
        "Attack a written equality publication as a reader would, from its files alone: every published"
        " count against the publication's manifest of cells and relations, then every [c] by linear"
        " programming. Several folders of the same period are attacked together. Exits 1, naming the"
        " counts, if any [c] can be worked out or narrowed to fewer than the protection level's values."
    ),
    arguments=(argument("folders", nargs="+", type=Path, metavar="DIR", help="a folder written by report"),),
)
def audit(command: BaseCommand, options: dict[str, Any]) -> None:
    from evenhand.disclosure import DisclosureError
    from evenhand.disclosure.manifest import audit_folders

    try:
        summary = audit_folders(options["folders"])
    except DisclosureError as error:
        raise CommandError(str(error)) from None
    command.stdout.write(summary)


class Command(BaseCommand):
    help = "The equality engine from the command line: " + ", ".join(SUBCOMMANDS) + "."

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, sub in SUBCOMMANDS.items():
            subparser = subparsers.add_parser(name, help=sub.help, description=sub.help)
            for declared in sub.arguments:
                subparser.add_argument(*declared.names, **declared.options)

    def handle(self, *args: Any, **options: Any) -> None:
        SUBCOMMANDS[options["subcommand"]].run(self, options)
