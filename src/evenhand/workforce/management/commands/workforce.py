"""``evenhand workforce report --period 2025-26 [--unit CODE] --by STAFF_CODE --out DIR``: the workforce
equality publication, an alias of ``evenhand equality report --workforce …`` (both run
:func:`evenhand.workforce.report_command.publish_report`, which says what is published and what is refused)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from evenhand.workforce.report_command import publish_report


class Command(BaseCommand):
    help = (
        "Workforce equality from the command line: report (publish a period's workforce report; the same as"
        " 'evenhand equality report --workforce')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        report = subparsers.add_parser(
            "report",
            help="Publish a period's workforce equality report for a unit, for good, and write its files.",
        )
        report.add_argument(
            "--period", required=True, help="a year (2025), a financial year (2025-26) or a quarter (2026Q1)"
        )
        report.add_argument("--unit", default="national", help="national (the default), a region or PDU code")
        report.add_argument("--by", required=True, help="the staff code of the HR analyst who publishes it")
        report.add_argument("--out", type=Path, required=True, metavar="DIR", help="a new (or empty) folder")

    def handle(self, *args: Any, **options: Any) -> None:
        publish_report(options, self.stdout.write)
