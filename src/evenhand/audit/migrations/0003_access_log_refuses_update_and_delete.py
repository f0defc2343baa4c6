"""The access log is append-only in the database too (ADR 0003): an entry refuses UPDATE and DELETE, so that
QuerySet.update(), QuerySet.delete() and raw SQL cannot rewrite who saw a record. Inserting is unchanged.
Reversing drops the triggers.

PostgreSQL: a row trigger raises restrict_violation (SQLSTATE 23001), an integrity error, so Django raises
IntegrityError. There is deliberately no TRUNCATE trigger: the application never truncates, and the test
database's flush does (see ADR 0003). SQLite: a trigger for each of UPDATE and DELETE raises ABORT
(SQLITE_CONSTRAINT_TRIGGER), which Django also raises as IntegrityError.

The SQL is written out here rather than built from the models, so that this migration always creates the same
triggers whatever later code says. It stands alone rather than share the cases app's trigger function, so
that either app's triggers can be reversed without the other's.
"""

from django.db import migrations

TABLE = "audit_accesslogentry"
FUNCTION = "audit_refuse_change"


def refusal(verb):
    return f"An access log entry cannot be {verb}: the log is append-only; record a correction instead."


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    # params=None: the SQL is run as written, with no placeholders to expand.
    if vendor == "postgresql":
        schema_editor.execute(
            f"""
            CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                -- The trigger passes the refusal for an update, then the one for a deletion.
                RAISE EXCEPTION USING
                    MESSAGE = CASE TG_OP WHEN 'DELETE' THEN TG_ARGV[1] ELSE TG_ARGV[0] END,
                    ERRCODE = 'restrict_violation';
            END
            $$
            """,
            params=None,
        )
        schema_editor.execute(
            f'CREATE TRIGGER "{TABLE}_refuse_change" BEFORE UPDATE OR DELETE ON "{TABLE}" '
            f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}('{refusal('changed')}', '{refusal('deleted')}')",
            params=None,
        )
    elif vendor == "sqlite":
        for event, verb in (("UPDATE", "changed"), ("DELETE", "deleted")):
            schema_editor.execute(
                f'CREATE TRIGGER "{TABLE}_refuse_{event.lower()}" BEFORE {event} ON "{TABLE}" '
                f"BEGIN SELECT RAISE(ABORT, '{refusal(verb)}'); END",
                params=None,
            )
    else:
        raise NotImplementedError(f"Evenhand runs on SQLite or PostgreSQL, not {vendor}")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{TABLE}_refuse_change" ON "{TABLE}"', params=None)
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()", params=None)
    elif vendor == "sqlite":
        for event in ("update", "delete"):
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{TABLE}_refuse_{event}"', params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_refused_action")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
