"""``evenhand tier --recompute``: recompute every person's tier from the record, storing the changes."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from evenhand.people.models import Person

from ...services.tiers import BLOCK, recompute_all


class Command(BaseCommand):
    help = "Recompute every person's tier from the record; a new row only where it changed."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--recompute", action="store_true", help="recompute the tier of every person on probation"
        )
        parser.add_argument("--block", type=int, default=BLOCK, help="people per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["recompute"]:
            raise CommandError("Say what to do: evenhand tier --recompute")
        if options["block"] < 1:
            raise CommandError("--block must be at least 1")
        total = Person.objects.count()
        started = time.perf_counter()
        with Progress(
            TextColumn("Tiers"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True
        ) as progress:
            task = progress.add_task("tiers", total=total)
            report = recompute_all(
                block=options["block"], progress=lambda done: progress.update(task, completed=done)
            )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{report.people:,} people, {report.changed:,} tiers changed, {report.refused:,} not computed "
            f"(an input the calculation cannot use; see the log) in {elapsed:.1f} s"
        )
