"""Index the name search on PostgreSQL.

A search by name asks for names that start with the words typed, ignoring case, which Django writes as
UPPER(name::text) LIKE 'TERM%'. A plain index cannot serve that; an expression index with text_pattern_ops
can. SQLite, the embedded single-machine database, gets nothing here: its LIKE cannot use an index for a
case-insensitive prefix unless the column is declared NOCASE.
"""

from django.db import migrations

INDEXES = {
    "person_upper_last_name_idx": "last_name",
    "person_upper_first_name_idx": "first_name",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON people_person (UPPER("{column}"::text) text_pattern_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
