"""Backing up and restoring the database: SQLite through its online backup API, PostgreSQL through
``pg_dump``/``pg_restore`` in the custom format. Each writes its file whole or not at all; a restore refuses
a database that already holds records unless forced, and is all or nothing.

No app is imported: the records a database holds are looked for by app label in Django's registry.
"""

import os
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connections

SQLITE_HEADER = b"SQLite format 3\x00"
PG_HEADER = b"PGDMP"
# The apps whose rows are the service's records: a database with any of them is not empty.
RECORD_APPS = ("org", "people", "cases", "audit")


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


def _vendor(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups are for SQLite and PostgreSQL, not {vendor}")
    return vendor


def _pg_arguments(alias: str) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump and pg_restore, and the environment holding the password."""
    params: dict[str, Any] = connections[alias].settings_dict
    arguments = ["--no-password", f"--dbname={params['NAME']}"]
    if params.get("HOST"):
        arguments.append(f"--host={params['HOST']}")
    if params.get("PORT"):
        arguments.append(f"--port={params['PORT']}")
    if params.get("USER"):
        arguments.append(f"--username={params['USER']}")
    env = {**os.environ}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    return arguments, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed: install PostgreSQL's client programs") from None
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip() or done.stdout.strip()}")


def backup(path: Path, *, alias: str = "default", force: bool = False) -> Path:
    """Write a backup of the database to ``path``, through a temporary file beside it and a rename."""
    vendor = _vendor(alias)
    path = path.resolve()
    if path.exists() and not force:
        raise BackupError(f"{path} already exists: choose a new file, or replace it with --force")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist")
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(descriptor)
    try:
        if vendor == "sqlite":
            connection = connections[alias]
            connection.ensure_connection()
            with sqlite3.connect(temporary) as target:
                connection.connection.backup(target)
            target.close()
        else:
            arguments, env = _pg_arguments(alias)
            _run(["pg_dump", "--format=custom", "--no-owner", f"--file={temporary}", *arguments], env)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def holds_records(alias: str = "default") -> bool:
    """Whether the database holds any of the service's records (a freshly migrated one does not)."""
    for label in RECORD_APPS:
        for model in apps.get_app_config(label).get_models():
            if model._default_manager.using(alias).exists():
                return True
    return False


def restore(path: Path, *, alias: str = "default", force: bool = False) -> None:
    """Replace the database's content with the backup in ``path``. Refuses a database holding records
    unless ``force``; a file that is not a backup of this kind of database is refused before anything
    changes, and PostgreSQL's restore is one transaction."""
    vendor = _vendor(alias)
    path = path.resolve()
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as error:
        raise BackupError(f"The backup cannot be read: {error.strerror} ({path})") from None
    expected = SQLITE_HEADER if vendor == "sqlite" else PG_HEADER
    if not head.startswith(expected):
        kind = "an SQLite database" if vendor == "sqlite" else "a pg_dump file in the custom format"
        raise BackupError(f"{path} is not a backup of this database: it is not {kind}")
    if not force and holds_records(alias):
        raise BackupError(
            "The database already holds records: restore into a new, migrated database, or replace them"
            " with --force"
        )
    connection = connections[alias]
    if vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(path) as source:
            source.backup(connection.connection)
        source.close()
    else:
        connection.close()
        arguments, env = _pg_arguments(alias)
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                *arguments,
                str(path),
            ],
            env,
        )
