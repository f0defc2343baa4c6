"""A finished assessment and its computed tiers refuse change in the database too (ADR 0010, as ADR 0003 does for
decisions), so that QuerySet.update(), QuerySet.delete() and raw SQL cannot rewrite them any more than
Model.save() can. Inserting is unchanged. Reversing drops the triggers.

- ``assessment_assessment``: a complete or locked row refuses UPDATE and DELETE, but for the one change the
  record allows, complete to locked (a later assessment completed) with every other column as it was.
- ``assessment_sectionanswer`` and ``assessment_diversitytopic``: a row of a complete or locked assessment
  refuses UPDATE and DELETE (and no row may be moved into one).
- ``assessment_tiercalculation``: every row refuses UPDATE and DELETE; a recomputation is a new row.

PostgreSQL: a row trigger raises restrict_violation (SQLSTATE 23001), an integrity error, so Django raises
IntegrityError; the assessment row's trigger compares the rows as JSON less the status, so a column added later
is covered too. SQLite: a trigger for each of UPDATE and DELETE raises ABORT (SQLITE_CONSTRAINT_TRIGGER), which
Django also raises as IntegrityError; SQLite cannot compare whole rows, so the assessment row's UPDATE trigger
names the columns of this migration (a later migration adding a column to the table recreates it). There is
deliberately no TRUNCATE trigger (the test database's flush truncates on PostgreSQL; on SQLite it deletes, and
tests/flush.py lifts the ``*_refuse_delete`` triggers for it).

The SQL is written out here rather than built from the models, so that this migration always creates the same
triggers whatever later code says. It stands alone rather than share another app's trigger function, so that
either app's triggers can be reversed without the other's.
"""

from django.db import migrations

FINISHED = "('complete', 'locked')"
ASSESSMENT = "assessment_assessment"
PARTS = {
    "assessment_sectionanswer": "A section of a completed assessment",
    "assessment_diversitytopic": "A topic of a completed assessment's diversity conversation",
}
TIERS = "assessment_tiercalculation"
# Every column of assessment_assessment at this migration but the status: complete to locked changes none.
KEPT = (
    "id",
    "person_id",
    "sentence_id",
    "kind",
    "previous_id",
    "assessor_id",
    "started_on",
    "submitted_at",
    "completed_on",
    "completed_at",
    "countersigned_by_id",
    "countersigned_at",
    "ogrs",
    "rsr",
    "prefilled_fields",
    "typed_fields",
    "summary_id",
)
REVIEW = "start a review instead."


def refusal(record, verb, instead=REVIEW):
    return f"{record} cannot be {verb}; {instead}"


ASSESSMENT_REFUSALS = (
    refusal("A completed assessment", "changed"),
    refusal("A completed assessment", "deleted"),
)
TIER_REFUSALS = (
    refusal("A computed tier", "changed", "a recomputation is a new row."),
    refusal("A computed tier", "deleted", "a recomputation is a new row."),
)
FUNCTIONS = ("assessment_refuse_change", "assessment_refuse_finished_part")


def literal(text):
    return "'" + text.replace("'", "''") + "'"


def _postgresql(schema_editor):
    # params=None: the SQL is run as written, with no placeholders to expand.
    schema_editor.execute(
        f"""
        CREATE FUNCTION {FUNCTIONS[0]}() RETURNS trigger LANGUAGE plpgsql AS $$
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
        f"""
        CREATE FUNCTION {FUNCTIONS[1]}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            parents bigint[] := ARRAY[OLD.assessment_id];
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                parents := parents || NEW.assessment_id;
            END IF;
            IF EXISTS (
                SELECT 1 FROM "{ASSESSMENT}" WHERE id = ANY(parents) AND status IN {FINISHED}
            ) THEN
                RAISE EXCEPTION USING
                    MESSAGE = CASE TG_OP WHEN 'DELETE' THEN TG_ARGV[1] ELSE TG_ARGV[0] END,
                    ERRCODE = 'restrict_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        END
        $$
        """,
        params=None,
    )
    changed, deleted = (literal(text) for text in ASSESSMENT_REFUSALS)
    schema_editor.execute(
        f'CREATE TRIGGER "{ASSESSMENT}_refuse_update" BEFORE UPDATE ON "{ASSESSMENT}" FOR EACH ROW '
        f"WHEN (OLD.status IN {FINISHED} AND NOT (OLD.status = 'complete' AND NEW.status = 'locked' "
        f"AND (to_jsonb(NEW) - 'status') = (to_jsonb(OLD) - 'status'))) "
        f"EXECUTE FUNCTION {FUNCTIONS[0]}({changed}, {deleted})",
        params=None,
    )
    schema_editor.execute(
        f'CREATE TRIGGER "{ASSESSMENT}_refuse_delete" BEFORE DELETE ON "{ASSESSMENT}" FOR EACH ROW '
        f"WHEN (OLD.status IN {FINISHED}) EXECUTE FUNCTION {FUNCTIONS[0]}({changed}, {deleted})",
        params=None,
    )
    for table, record in PARTS.items():
        schema_editor.execute(
            f'CREATE TRIGGER "{table}_refuse_change" BEFORE UPDATE OR DELETE ON "{table}" FOR EACH ROW '
            f"EXECUTE FUNCTION {FUNCTIONS[1]}"
            f"({literal(refusal(record, 'changed'))}, {literal(refusal(record, 'deleted'))})",
            params=None,
        )
    changed, deleted = (literal(text) for text in TIER_REFUSALS)
    schema_editor.execute(
        f'CREATE TRIGGER "{TIERS}_refuse_change" BEFORE UPDATE OR DELETE ON "{TIERS}" FOR EACH ROW '
        f"EXECUTE FUNCTION {FUNCTIONS[0]}({changed}, {deleted})",
        params=None,
    )


def _sqlite_trigger(table, event, when, message):
    condition = f" WHEN {when}" if when else ""
    return (
        f'CREATE TRIGGER "{table}_refuse_{event.lower()}" BEFORE {event} ON "{table}"{condition} '
        f"BEGIN SELECT RAISE(ABORT, {literal(message)}); END"
    )


def _sqlite(schema_editor):
    unchanged = " AND ".join(f'NEW."{column}" IS OLD."{column}"' for column in KEPT)
    statements = [
        _sqlite_trigger(
            ASSESSMENT,
            "UPDATE",
            f"OLD.status IN {FINISHED} AND NOT (OLD.status = 'complete' AND NEW.status = 'locked' "
            f"AND {unchanged})",
            ASSESSMENT_REFUSALS[0],
        ),
        _sqlite_trigger(ASSESSMENT, "DELETE", f"OLD.status IN {FINISHED}", ASSESSMENT_REFUSALS[1]),
        _sqlite_trigger(TIERS, "UPDATE", "", TIER_REFUSALS[0]),
        _sqlite_trigger(TIERS, "DELETE", "", TIER_REFUSALS[1]),
    ]
    for table, record in PARTS.items():
        finished = f'SELECT 1 FROM "{ASSESSMENT}" WHERE status IN {FINISHED} AND id'
        statements += [
            _sqlite_trigger(
                table,
                "UPDATE",
                f"EXISTS ({finished} IN (OLD.assessment_id, NEW.assessment_id))",
                refusal(record, "changed"),
            ),
            _sqlite_trigger(
                table, "DELETE", f"EXISTS ({finished} = OLD.assessment_id)", refusal(record, "deleted")
            ),
        ]
    for statement in statements:
        schema_editor.execute(statement, params=None)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _postgresql(schema_editor)
    elif vendor == "sqlite":
        _sqlite(schema_editor)
    else:
        raise NotImplementedError(f"Evenhand runs on SQLite or PostgreSQL, not {vendor}")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        names = [
            (ASSESSMENT, f"{ASSESSMENT}_refuse_update"),
            (ASSESSMENT, f"{ASSESSMENT}_refuse_delete"),
            (TIERS, f"{TIERS}_refuse_change"),
            *((table, f"{table}_refuse_change") for table in PARTS),
        ]
        for table, name in names:
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"', params=None)
        for function in FUNCTIONS:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}()", params=None)
    elif vendor == "sqlite":
        for table in (ASSESSMENT, TIERS, *PARTS):
            for event in ("update", "delete"):
                schema_editor.execute(f'DROP TRIGGER IF EXISTS "{table}_refuse_{event}"', params=None)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0003_sentence_plans")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]
