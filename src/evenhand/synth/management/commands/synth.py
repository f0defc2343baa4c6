"""evenhand synth --scale tiny|pdu|region|national --seed N [--bias FILE] [--truth FILE] [--fingerprint]"""

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from evenhand.jobs.services import start_job
from evenhand.synth.bias import BiasFileError
from evenhand.synth.generator import SynthError, generate
from evenhand.synth.jobs import SYNTH_JOB
from evenhand.synth.load import EmptyDatabaseRequired
from evenhand.synth.scales import SCALES

STAGES = {"organisation": "Organisation", "caseload": "People and a year of casework, PDU by PDU"}


class Command(BaseCommand):
    help = (
        "Generate a synthetic probation service (with optional declared bias) into the configured database, "
        "which must be migrated and empty. The load is one transaction: an interrupted run leaves nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--scale", required=True, choices=list(SCALES))
        parser.add_argument("--seed", type=int, required=True)
        parser.add_argument(
            "--bias", type=Path, help="TOML file of declared effects (docs/synthetic-data.md)"
        )
        parser.add_argument("--truth", type=Path, help="write the ground truth here as JSON")
        parser.add_argument(
            "--end-date", type=dt.date.fromisoformat, help="last day of the 12 months (YYYY-MM-DD)"
        )
        parser.add_argument("--fingerprint", action="store_true", help="print the content hash")
        parser.add_argument("--dry-run", action="store_true", help="generate without writing to the database")
        parser.add_argument(
            "--stats", type=Path, help="write rows per table and seconds per stage here as JSON"
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="queue the generation as a job for a worker (evenhand worker) and print the job's number",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=self.stdout, stderr=False)  # type: ignore[arg-type]  # a text stream
        if options["background"]:
            job = start_job(
                kind=SYNTH_JOB,
                parameters={
                    "scale": options["scale"],
                    "seed": options["seed"],
                    "bias": str(options["bias"].resolve()) if options["bias"] else "",
                    "end_date": options["end_date"].isoformat() if options["end_date"] else "",
                },
            )
            self.stdout.write(f"Queued as job {job.pk}: follow it with `evenhand jobs list`")
            return
        if options["truth"] is not None and not options["truth"].parent.exists():
            raise CommandError(f"The folder for the truth file does not exist: {options['truth'].parent}")
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=options["verbosity"] == 0,
        ) as bars:
            tasks: dict[str, Any] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bars.add_task(STAGES[stage], total=total)
                bars.update(tasks[stage], completed=done)

            try:
                result = generate(
                    scale=options["scale"],
                    seed=options["seed"],
                    bias_path=options["bias"],
                    end_date=options["end_date"],
                    write=not options["dry_run"],
                    progress=progress,
                )
            except (SynthError, BiasFileError, EmptyDatabaseRequired) as error:
                raise CommandError(str(error)) from None
        if options["truth"] is not None:
            options["truth"].write_text(json.dumps(result.truth, indent=1))
        if options["stats"] is not None:
            options["stats"].write_text(json.dumps({"rows": result.rows, "seconds": result.seconds}))
        if options["verbosity"] > 0:
            summary = Table(title=f"{result.scale} scale, seed {result.seed}, 12 months to {result.end_date}")
            summary.add_column("table")
            summary.add_column("rows", justify="right")
            for name, count in result.rows.items():
                summary.add_row(name, f"{count:,}")
            console.print(summary)
            console.print(
                "seconds: " + ", ".join(f"{stage} {seconds:.1f}" for stage, seconds in result.seconds.items())
            )
        if options["fingerprint"]:
            self.stdout.write(f"fingerprint: {result.fingerprint}")
