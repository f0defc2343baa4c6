"""``evenhand voice_summary --quarter 2026Q3``: build a quarter's summary of staff concerns, protected and
audited, and show it; ``--out DIR`` writes its files (HTML, PDF, ODS, disclosure manifest) to look at before
publishing; ``--publish --by STAFF_CODE`` publishes it for good (a handler group's lead; once per quarter)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from evenhand.disclosure import DisclosureError
from evenhand.org.models import StaffMember
from evenhand.voice import summary


class Command(BaseCommand):
    help = "Build (and with --publish, publish for good) the quarterly summary of staff concerns."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quarter", required=True, help="the quarter, like 2026Q3")
        parser.add_argument("--out", help="a new or empty folder to write the files to")
        parser.add_argument(
            "--publish", action="store_true", help="publish the summary (it cannot be undone)"
        )
        parser.add_argument("--by", help="the staff code of the handler group lead who publishes it")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            quarter = summary.Quarter.parse(options["quarter"])
        except ValueError as error:
            raise CommandError(str(error)) from None
        out = Path(options["out"]) if options.get("out") else None
        if out is not None and out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise CommandError(f"{out} already exists and is not an empty folder: choose a new folder")
        if options["publish"]:
            release = self._publish(quarter, options.get("by"))
            self.stdout.write(
                f"Published the summary for {quarter.label} on {release.published_on} (sha256 {release.sha256})"
            )
            files = {
                "html": release.html.encode(),
                "pdf": bytes(release.pdf),
                "ods": bytes(release.ods),
                "cells.json.gz": bytes(release.manifest),
            }
            figures = release.figures
        else:
            try:
                built = summary.build(quarter)
            except DisclosureError as refused:
                raise CommandError(f"The summary cannot be published safely: {refused}") from None
            figures = built.figures()
            self.stdout.write(built.protection.audit.summary())
            files = {}
            if out is not None:
                html = summary.render_html(figures)
                files = {
                    "html": html.encode(),
                    "pdf": summary.render_pdf(html),
                    "ods": summary.render_ods(figures),
                    "cells.json.gz": summary.render_manifest(built),
                }
        for table in figures["tables"]:
            self.stdout.write(f"\n{table['title']}")
            for row in table["rows"]:
                self.stdout.write("  " + " | ".join(str(value) for value in row))
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            for extension, data in files.items():
                (out / f"staff-concerns-{quarter.code.lower()}.{extension}").write_bytes(data)
            self.stdout.write(f"\nWrote {len(files)} files to {out}")

    def _publish(self, quarter: summary.Quarter, code: str | None) -> Any:
        if not code:
            raise CommandError("Give the staff code of the handler group lead who publishes it: --by CODE")
        staff = StaffMember.objects.filter(staff_code=code.strip().upper()).first()
        if staff is None:
            raise CommandError(f"There is no member of staff with the code {code!r}")
        try:
            return summary.publish(quarter=quarter, by=staff)
        except (ValidationError, PermissionDenied) as refused:
            messages = refused.messages if isinstance(refused, ValidationError) else [str(refused)]
            raise CommandError("; ".join(messages)) from None
        except DisclosureError as refused:
            raise CommandError(f"The summary cannot be published safely: {refused}") from None
