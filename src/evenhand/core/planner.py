"""Keeping PostgreSQL's planner statistics up to date after a bulk load.

Autovacuum analyses a table only some time after a tenth of it has changed, so just after the synthetic
generator or an import has filled tables the planner still believes them (nearly) empty and chooses plans
for a few rows (nested loops over sequential scans) that take seconds on a national database. Analysing the
tables that were written, once the load has committed, gives it the real sizes and distributions at once.
"""

from collections.abc import Iterable

from django.db import connection


def analyse(tables: Iterable[str]) -> None:
    """``ANALYZE`` the named tables on PostgreSQL (nothing on SQLite, whose planner needs no statistics for
    the embedded default's sizes). The names are the models' own ``db_table``, quoted as identifiers."""
    names = sorted(set(tables))
    if connection.vendor != "postgresql" or not names:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(quote(name) for name in names))
