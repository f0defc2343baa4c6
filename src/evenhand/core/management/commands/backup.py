"""``evenhand backup FILE [--force]``: the whole database into one file (SQLite's online backup, or
``pg_dump`` in the custom format), written whole or not at all."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from evenhand.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database into FILE (restore it with `evenhand restore FILE`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--force", action="store_true", help="replace FILE if it exists")

    def handle(self, *args: Any, file: Path, force: bool, **options: Any) -> None:
        try:
            written = backup(file, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        if options["verbosity"] > 0:
            self.stdout.write(f"Backed up the database to {written}")
