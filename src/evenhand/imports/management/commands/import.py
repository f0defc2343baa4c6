"""evenhand import people|sentences|risk|contacts|staff-events FILE.csv --by STAFF_CODE [--partial] [--rejects FILE]
[--source NAME]"""

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from evenhand.imports.jobs import IMPORT_JOB
from evenhand.imports.kinds import KINDS
from evenhand.imports.selectors import importer_by_code
from evenhand.imports.services import (
    DEFAULT_SOURCE,
    ImportRefused,
    ImportResult,
    Reject,
    import_csv,
    write_rejects,
)
from evenhand.jobs.services import start_job


class Command(BaseCommand):
    help = (
        "Import a CSV file of people, sentences, risk reviews or contacts from another system (docs/import.md). "
        "All or nothing: a bad row leaves nothing written and every bad row is listed, unless --partial loads "
        "the good rows and writes the bad ones to a rejects file. Running the same file again loads nothing "
        "twice."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", choices=list(KINDS), help="what the file holds")
        parser.add_argument("file", type=Path, help="the CSV file (UTF-8, a header row; docs/import.md)")
        parser.add_argument(
            "--by",
            required=True,
            metavar="STAFF_CODE",
            help="who imports: a head of PDU (casework) or an HR analyst (staff-events); recorded on the import",
        )
        parser.add_argument(
            "--partial", action="store_true", help="load the good rows; write the bad ones to --rejects"
        )
        parser.add_argument(
            "--rejects",
            type=Path,
            help="where to write the rejected rows (default: FILE with .rejects.csv, with --partial)",
        )
        parser.add_argument(
            "--source",
            default=DEFAULT_SOURCE,
            help=f"the system the file comes from: a re-run recognises its rows by it (default {DEFAULT_SOURCE})",
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="queue the import as a job for a worker (evenhand worker) and print the job's number",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=self.stdout, stderr=False, highlight=False)  # type: ignore[arg-type]
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"The file cannot be read: {error.strerror} ({path})") from None
        by = importer_by_code(options["by"])
        if by is None:
            raise CommandError(f"There is no member of staff with the code {options['by']}")
        if options["background"]:
            job = start_job(
                kind=IMPORT_JOB,
                parameters={
                    "kind": options["kind"],
                    "path": str(path.resolve()),
                    "source": options["source"],
                    "partial": options["partial"],
                },
                by=by,
            )
            self.stdout.write(
                f"Queued as job {job.pk}: follow it at /jobs/{job.pk}/ or with `evenhand jobs list`"
            )
            return
        rejects_path: Path | None = options["rejects"]
        if rejects_path is None and options["partial"]:
            rejects_path = path.with_name(f"{path.stem}.rejects.csv")
        # The rows to come, for the bar (a value over several lines makes it an estimate; it ends full).
        lines = max(data.count(b"\n") + (not data.endswith(b"\n")) - 1, 1)
        with Progress(
            TextColumn(f"Importing {escape(path.name)}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rows"),
            TimeElapsedColumn(),
            console=console,
            disable=options["verbosity"] == 0,
            transient=False,
        ) as bars:
            task = bars.add_task("import", total=lines)
            try:
                result = import_csv(
                    by=by,
                    kind=options["kind"],
                    data=data,
                    source=options["source"],
                    partial=options["partial"],
                    file_name=str(path),
                    progress=lambda done: bars.update(task, completed=min(done, lines)),
                )
            except PermissionDenied as refused:
                raise CommandError(str(refused)) from None
            except DatabaseError as error:
                # Another import of the same rows at the same time, or the database went away: the
                # transaction is rolled back whole.
                raise CommandError(f"The import stopped and nothing was written: {error}") from None
            except ImportRefused as refused:
                bars.stop()
                self._refused(refused, rejects_path)
                raise CommandError(
                    f"Nothing was imported: {len({r.row for r in refused.rejects})} bad row(s), listed above"
                    + ("" if options["partial"] else "; correct them, or import the good rows with --partial")
                ) from None
            bars.update(task, completed=lines)
        self._report(result, rejects_path)

    # The report is plain lines (never wrapped to the terminal), one per bad row.
    def _refused(self, refused: ImportRefused, rejects_path: Path | None) -> None:
        for reject in refused.rejects:
            self.stdout.write(str(reject))
        if rejects_path is not None and refused.result is not None:
            self._write(refused.rejects, refused.result, rejects_path)
            self.stdout.write(f"The bad rows are in {rejects_path}")

    def _report(self, result: ImportResult, rejects_path: Path | None) -> None:
        self.stdout.write(
            f"{result.rows:,} rows: {result.created:,} imported, {result.unchanged:,} already imported, "
            f"{result.matched:,} people already held (linked), {result.rejected:,} rejected"
        )
        for reject in result.rejects:
            self.stdout.write(str(reject))
        if rejects_path is not None and (result.rejects or result.partial):
            self._write(result.rejects, result, rejects_path)
            self.stdout.write(f"Rejected rows: {rejects_path}")

    def _write(self, rejects: list[Reject], result: ImportResult, path: Path) -> None:
        try:
            with path.open("w", newline="", encoding="utf-8") as out:
                write_rejects(rejects, result.columns, out)
        except OSError as error:
            raise CommandError(f"The rejects file cannot be written: {error.strerror} ({path})") from None
