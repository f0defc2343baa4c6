"""Equality declarations, HR events and applicants' stages refuse UPDATE and DELETE in the database too, like
enforcement decisions (ADR 0003, migration cases.0004): QuerySet.update(), QuerySet.delete() and raw SQL cannot
rewrite a staff member's history any more than Model.save() can. Inserting is unchanged; reversing drops the
triggers. The SQL is written out here, not built from the models, so that this migration always creates the
same triggers whatever later code says.
"""

from django.db import migrations

PROTECTED = {
    "workforce_declaration": ("An equality declaration", "make a new declaration instead."),
    "workforce_hrevent": ("An HR event", "record a correction instead."),
    "workforce_applicantprogress": ("An applicant's stage", "record a correction instead."),
}
FUNCTION = "workforce_refuse_change"


def refusal(record, verb, instead):
    return f"{record} cannot be {verb}; {instead}"


def literal(text):
    return "'" + text.replace("'", "''") + "'"


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"""
            CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION USING
                    MESSAGE = CASE TG_OP WHEN 'DELETE' THEN TG_ARGV[1] ELSE TG_ARGV[0] END,
                    ERRCODE = 'restrict_violation';
            END
            $$
            """,
            params=None,
        )
        for table, (record, instead) in PROTECTED.items():
            schema_editor.execute(
                f'CREATE TRIGGER "{table}_refuse_change" BEFORE UPDATE OR DELETE ON "{table}" '
                f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}"
                f"({literal(refusal(record, 'changed', instead))}, {literal(refusal(record, 'deleted', instead))})",
                params=None,
            )
    elif vendor == "sqlite":
        for table, (record, instead) in PROTECTED.items():
            for event, verb in (("UPDATE", "changed"), ("DELETE", "deleted")):
                schema_editor.execute(
                    f'CREATE TRIGGER "{table}_refuse_{event.lower()}" BEFORE {event} ON "{table}" '
                    f"BEGIN SELECT RAISE(ABORT, {literal(refusal(record, verb, instead))}); END",
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
    dependencies = [("workforce", "0001_initial")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
