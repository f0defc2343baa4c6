"""``evenhand restore FILE [--force]``: the database from a backup made by ``evenhand backup``. Refuses a
database that already holds records unless ``--force``."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evenhand.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore the database from a backup made by `evenhand backup` (into a new, migrated database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="replace the records the database already holds"
        )

    def handle(self, *args: Any, file: Path, force: bool, **options: Any) -> None:
        try:
            restore(file, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if options["verbosity"] > 0:
            self.stdout.write(f"Restored the database from {file}")
