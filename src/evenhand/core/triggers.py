"""Database triggers that refuse UPDATE and DELETE on a table of records (ADR 0003), for migrations.

``refuse_change()`` returns the one migration operation that creates the triggers, and drops them when the
migration is reversed, on PostgreSQL or SQLite:

- PostgreSQL: a function ``<function>()`` raises restrict_violation (SQLSTATE 23001), an integrity error, so
  Django raises IntegrityError, with the refusal the trigger passes it (the first for an UPDATE, the second for
  a DELETE); one row trigger ``<table>_refuse_change`` per table calls it. An app's later migration may reuse
  its function (``function_exists=True``), which it then neither creates nor drops.
- SQLite: ``<table>_refuse_update`` and ``<table>_refuse_delete`` raise ABORT (SQLITE_CONSTRAINT_TRIGGER),
  which Django also raises as IntegrityError. tests/flush.py lifts the ``*_refuse_delete`` ones for the test
  database's flush.

There is deliberately no TRUNCATE trigger: the application never truncates, and the test database's flush does.

Landed migrations call this module, so what it creates must not change: a different trigger is a new function
here (or new SQL in the new migration), never an edit of this one. It imports no models, so any migration may
import it.
"""

from collections.abc import Mapping
from typing import Any, NamedTuple

from django.db import migrations


class Refusal(NamedTuple):
    """What a table's triggers say when they refuse an UPDATE (``changed``) and a DELETE (``deleted``).

    ``deleted=None`` leaves DELETE to the model (no trigger); ``trigger`` names the UPDATE trigger on both
    databases instead of the default names (for a migration that landed with its own name)."""

    changed: str
    deleted: str | None
    trigger: str = ""


def literal(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _postgresql_trigger(table: str, refusal: Refusal, function: str) -> tuple[str, str]:
    name = refusal.trigger or f"{table}_refuse_change"
    events = "UPDATE" if refusal.deleted is None else "UPDATE OR DELETE"
    arguments = ", ".join(literal(text) for text in (refusal.changed, refusal.deleted) if text is not None)
    create = (
        f'CREATE TRIGGER "{name}" BEFORE {events} ON "{table}" FOR EACH ROW '
        f"EXECUTE FUNCTION {function}({arguments})"
    )
    return create, f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"'


def _sqlite_triggers(table: str, refusal: Refusal) -> list[tuple[str, str]]:
    triggers = []
    for event, message in (("UPDATE", refusal.changed), ("DELETE", refusal.deleted)):
        if message is None:
            continue
        name = refusal.trigger if refusal.trigger and event == "UPDATE" else f"{table}_refuse_{event.lower()}"
        create = f'CREATE TRIGGER "{name}" BEFORE {event} ON "{table}" BEGIN SELECT RAISE(ABORT, {literal(message)}); END'
        triggers.append((create, f'DROP TRIGGER IF EXISTS "{name}"'))
    return triggers


def _statements(
    refusals: Mapping[str, Refusal], function: str, function_exists: bool, vendor: str
) -> tuple[list[str], list[str]]:
    """The statements that create the triggers, and those that drop them, in the order to run each."""
    if vendor == "postgresql":
        triggers = [_postgresql_trigger(table, refusal, function) for table, refusal in refusals.items()]
        create = [create for create, _ in triggers]
        drop = [drop for _, drop in triggers]
        if not function_exists:
            create.insert(
                0,
                f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                # The trigger passes the refusal for an update, then the one for a deletion.
                " RAISE EXCEPTION USING MESSAGE = CASE TG_OP WHEN 'DELETE' THEN TG_ARGV[1] ELSE TG_ARGV[0] END,"
                " ERRCODE = 'restrict_violation'; END $$",
            )
            drop.append(f"DROP FUNCTION IF EXISTS {function}()")
        return create, drop
    if vendor == "sqlite":
        pairs = [pair for table, refusal in refusals.items() for pair in _sqlite_triggers(table, refusal)]
        return [create for create, _ in pairs], [drop for _, drop in pairs]
    raise NotImplementedError(f"Evenhand runs on SQLite or PostgreSQL, not {vendor}")


def refuse_change(
    refusals: Mapping[str, Refusal], *, function: str, function_exists: bool = False
) -> migrations.RunPython:
    """The operation that makes each table of ``refusals`` refuse UPDATE and DELETE with its refusal, and
    drops the triggers (and the function, unless ``function_exists``) when reversed. ``function`` names the
    PostgreSQL trigger function; ``function_exists`` reuses the one an earlier migration of the app made."""

    def run(creating: bool) -> Any:
        def execute(apps: Any, schema_editor: Any) -> None:
            create, drop = _statements(refusals, function, function_exists, schema_editor.connection.vendor)
            # params=None: the SQL is run as written, with no placeholders to expand.
            for statement in create if creating else drop:
                schema_editor.execute(statement, params=None)

        return execute

    return migrations.RunPython(run(creating=True), run(creating=False))
