"""``evenhand workforce report --period 2025-26 [--unit CODE] --by STAFF_CODE --out DIR``: publish a period's
workforce equality report for a unit (national unless given), protected and audited by the shared disclosure
machinery, recorded for good as a release (``WorkforceRelease``) and written into a new folder as HTML, an
ODS spreadsheet and the disclosure manifest. Bad input (a period or unit that does not parse or exist, a folder
that is not new, someone other than an HR analyst) is refused with a message and nothing is written."""

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from evenhand.disclosure import DisclosureError
from evenhand.org.models import StaffMember
from evenhand.workforce import publication


class Command(BaseCommand):
    help = "Workforce equality from the command line: report (publish a period's workforce report)."

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
        try:
            period = publication.PublicationPeriod.parse(options["period"])
            unit = publication.unit_code(options["unit"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        out: Path = options["out"]
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise CommandError(f"{out} already exists and is not an empty folder: choose a new folder")
        if not out.resolve().parent.is_dir():
            raise CommandError(f"the folder {out.resolve().parent} does not exist")
        code = options["by"].strip().upper()
        staff = StaffMember.objects.filter(staff_code=code).first()
        if staff is None:
            raise CommandError(f"There is no member of staff with the code {code!r}")
        try:
            release = publication.publish(period=period, unit=unit, by=staff)
        except ValidationError as refused:
            raise CommandError("; ".join(refused.messages)) from None
        except (PermissionDenied, ValueError) as refused:
            raise CommandError(str(refused)) from None
        except DisclosureError as refused:
            raise CommandError(f"The report cannot be published safely: {refused}") from None
        out.mkdir(exist_ok=True)
        for kind in publication.FILES:
            (out / publication.file_name(release, kind)).write_bytes(publication.file_of(release, kind))
        self.stdout.write(
            f"Published the workforce report for {release.unit}, {period.label} (sha256 {release.sha256});"
            f" wrote {len(publication.FILES)} files to {out}. {release.audit['summary']}"
        )
