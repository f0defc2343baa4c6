"""Writing generated tables into the configured database, in bulk: COPY into PostgreSQL, executemany into
SQLite, all inside one transaction so that an interrupted run leaves nothing behind."""

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models

from .tables import Table


class EmptyDatabaseRequired(RuntimeError):
    """The generator loads into an empty database only: it assigns its own primary keys."""


# A table's secondary indexes, other than unique ones (which check the rows as they go in), and not those that
# back a constraint on PostgreSQL.
SQLITE_INDEXES = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL"
)
POSTGRESQL_INDEXES = """
    SELECT i.indexname, i.indexdef FROM pg_indexes i
    WHERE i.schemaname = current_schema() AND i.tablename = %s
      AND NOT EXISTS (
        SELECT 1 FROM pg_constraint c
        WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass
      )
"""


class BulkWriter:
    """Writes tables in bulk. A table's secondary indexes are dropped before its first rows and built again by
    ``finish`` (inside the same transaction): building an index once over millions of rows costs far less than
    updating it row by row (about a third of SQLite's time inserting contacts)."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.rows: dict[str, int] = {}
        self.dropped: list[str] = []  # the statements that create the dropped indexes again

    def _drop_indexes(self, cursor: Any, name: str) -> None:
        cursor.execute(SQLITE_INDEXES if self.vendor == "sqlite" else POSTGRESQL_INDEXES, [name])
        for index, sql in cursor.fetchall():
            if "UNIQUE" in sql.upper().split("(", 1)[0]:
                continue
            cursor.execute(f'DROP INDEX "{index}"')
            self.dropped.append(sql)

    def write(self, table: Table) -> int:
        if len(table) == 0:
            return 0
        columns = list(table.columns)
        with connection.cursor() as cursor:
            if table.name not in self.rows:
                self._drop_indexes(cursor, table.name)
            if self.vendor == "postgresql":
                names = ", ".join(f'"{c}"' for c in columns)
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                    for row in table.rows():
                        copy.write_row(row)
            else:
                names = ", ".join(f'"{c}"' for c in columns)
                marks = ", ".join("?" for _ in columns)
                # Django's SQLite cursor uses "%s" placeholders; the raw sqlite3 cursor takes "?".
                cursor.cursor.executemany(
                    f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', table.rows()
                )
        self.rows[table.name] = self.rows.get(table.name, 0) + len(table)
        return len(table)

    def finish(self) -> None:
        """Build the dropped indexes again; move PostgreSQL's id sequences past the ids the generator assigned."""
        with connection.cursor() as cursor:
            for sql in self.dropped:
                cursor.execute(sql)
        self.dropped = []
        if self.vendor != "postgresql":
            return
        written = [m for m in apps.get_models() if m._meta.db_table in self.rows]
        through: list[type[models.Model]] = [
            f.remote_field.through  # type: ignore[misc]
            for m in written
            for f in m._meta.many_to_many
            if f.remote_field.through._meta.db_table in self.rows  # type: ignore[union-attr]
        ]
        statements = connection.ops.sequence_reset_sql(no_style(), [*written, *through])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def ensure_empty() -> None:
    """Refuse to load unless every table the generator writes is empty."""
    for label in ("org", "people", "cases", "assessment", "workforce"):
        for model in apps.get_app_config(label).get_models():
            if model._default_manager.exists():
                raise EmptyDatabaseRequired(
                    f"The database already holds {model._meta.verbose_name_plural}. The generator loads into an "
                    "empty, migrated database (it assigns its own ids): create a fresh one, run "
                    "`evenhand migrate`, then generate."
                )
    # The review app's question sets come with its migrations; its rounds are the generator's to write.
    if apps.get_model("review", "ReviewRound")._default_manager.exists():
        raise EmptyDatabaseRequired(
            "The database already holds review rounds. The generator loads into an empty, migrated database: "
            "create a fresh one, run `evenhand migrate`, then generate."
        )


def _canonical(field: models.Field, value: object) -> str:
    """One value as text, the same whichever database it came from."""
    if value is None:
        return ""
    if isinstance(field, models.DateTimeField):
        if isinstance(value, dt.datetime):
            # SQLite hands back naive datetimes, which Django stores in UTC.
            aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
            return aware.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        return str(value)[:19].replace("T", " ")
    if isinstance(field, models.JSONField):
        # SQLite hands back the text as written, PostgreSQL the parsed jsonb (its keys in its own order).
        data = json.loads(value) if isinstance(value, str) else value
        return json.dumps(data, sort_keys=True, separators=(",", ":"))
    if isinstance(field, models.DecimalField):
        return format(Decimal(str(value)).quantize(Decimal(10) ** -field.decimal_places), "f")
    return str(field.to_python(value))


def database_fingerprint(tables: list[str]) -> str:
    """A hash of the content of these tables as the database holds it, in id order, with values written the
    same way on SQLite and PostgreSQL, so the two can be compared."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for name in tables:
            model = next(m for m in apps.get_models(include_auto_created=True) if m._meta.db_table == name)
            fields = [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
            columns = ", ".join(f'"{f.column}"' for f in fields)
            cursor.execute(f'SELECT {columns} FROM "{name}" ORDER BY "id"')
            digest.update(name.encode())
            while batch := cursor.fetchmany(10_000):
                for row in batch:
                    values = [_canonical(field, value) for field, value in zip(fields, row, strict=True)]
                    digest.update("\x1f".join(values).encode() + b"\x1e")
    return digest.hexdigest()
