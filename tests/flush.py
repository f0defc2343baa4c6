"""Letting the test database's flush past the triggers that refuse DELETE on decisions and the access log.

Transactional tests (the live_server browser tests, ``django_db(transaction=True)``) end with Django's flush,
which empties every table. On PostgreSQL the flush is one TRUNCATE, which row triggers do not see. On SQLite
it is a DELETE FROM for each table, which the triggers refuse, as they should any other DELETE. So, in the
tests only, SQLite's flush drops the refusing triggers, empties the tables and creates the triggers again from
the SQL SQLite stored for them, in one transaction: if anything fails, the triggers are back as they were.

Why not a flag row that the triggers test in a WHEN clause? That would be a switch in the production schema
which turns the refusal off for anyone who can insert one row. This way the triggers are unconditional, and
only the test suite knows how to lift them.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction

# The migrations name SQLite's refusals <table>_refuse_update and <table>_refuse_delete; a flush only deletes.
REFUSALS = (
    r"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%\_refuse\_delete' ESCAPE '\'"
)

Flush = Callable[[Any, Sequence[str]], None]


def past_refusals(execute_sql_flush: Flush) -> Flush:
    """Wrap SQLite's ``DatabaseOperations.execute_sql_flush`` to lift the DELETE refusals for the flush only."""

    def flush(self: Any, sql_list: Sequence[str]) -> None:
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            cursor.execute(REFUSALS)
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            execute_sql_flush(self, sql_list)
            for _, sql in triggers:
                cursor.execute(sql)

    return flush
