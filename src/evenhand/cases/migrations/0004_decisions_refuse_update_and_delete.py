"""Enforcement decisions, the failures each answered, what became of them, and each entry in a referral's history
refuse UPDATE and DELETE in the database too (ADR 0003), so that QuerySet.update(), QuerySet.delete() and raw
SQL cannot rewrite them any more than Model.save() can. Inserting is unchanged. Reversing drops the triggers.

PostgreSQL: a row trigger raises restrict_violation (SQLSTATE 23001), an integrity error, so Django raises
IntegrityError. There is deliberately no TRUNCATE trigger: the application never truncates, and the test
database's flush does (see ADR 0003). SQLite: a trigger for each of UPDATE and DELETE raises ABORT
(SQLITE_CONSTRAINT_TRIGGER), which Django also raises as IntegrityError.

The SQL is written out here rather than built from the models, so that this migration always creates the same
triggers whatever later code says.
"""

from django.db import migrations

# The protected tables, and the record that a refusal names.
PROTECTED = {
    "cases_enforcementdecision": "An enforcement decision",
    "cases_enforcementdecision_triggering_contacts": "The failures an enforcement decision answered",
    "cases_enforcementoutcome": "The outcome of an enforcement decision",
    "cases_referralstatuschange": "An entry in a referral's history",
}
FUNCTION = "cases_refuse_change"


def refusal(record, verb):
    return f"{record} cannot be {verb}; record a correction instead."


def literal(text):
    return "'" + text.replace("'", "''") + "'"


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
        for table, record in PROTECTED.items():
            schema_editor.execute(
                f'CREATE TRIGGER "{table}_refuse_change" BEFORE UPDATE OR DELETE ON "{table}" '
                f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}"
                f"({literal(refusal(record, 'changed'))}, {literal(refusal(record, 'deleted'))})",
                params=None,
            )
    elif vendor == "sqlite":
        for table, record in PROTECTED.items():
            for event, verb in (("UPDATE", "changed"), ("DELETE", "deleted")):
                schema_editor.execute(
                    f'CREATE TRIGGER "{table}_refuse_{event.lower()}" BEFORE {event} ON "{table}" '
                    f"BEGIN SELECT RAISE(ABORT, {literal(refusal(record, verb))}); END",
                    params=None,
                )
    else:
        raise NotImplementedError(f"Evenhand runs on SQLite or PostgreSQL, not {vendor}")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in PROTECTED:
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_refuse_change" ON "{table}"', params=None)
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()", params=None)
    elif vendor == "sqlite":
        for table in PROTECTED:
            for event in ("update", "delete"):
                schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_refuse_{event}"', params=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_contact_outcome_index_covers_sentence")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
