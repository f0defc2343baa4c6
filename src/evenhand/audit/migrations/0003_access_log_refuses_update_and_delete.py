"""The access log is append-only in the database too (ADR 0003): an entry refuses UPDATE and DELETE, so that
QuerySet.update(), QuerySet.delete() and raw SQL cannot rewrite who saw a record. Inserting is unchanged.
Reversing drops the triggers.

The triggers (IntegrityError on PostgreSQL and SQLite alike) are those of ``evenhand.core.triggers``, whose
SQL is fixed and built from no model, so that this migration always creates the same triggers whatever later
code says. It stands alone rather than share the cases app's trigger function, so
that either app's triggers can be reversed without the other's.
"""

from django.db import migrations

from evenhand.core.triggers import Refusal, refuse_change

TABLE = "audit_accesslogentry"
FUNCTION = "audit_refuse_change"


def refusal(verb):
    return f"An access log entry cannot be {verb}: the log is append-only; record a correction instead."


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_refused_action")]
    operations = [refuse_change({TABLE: Refusal(refusal("changed"), refusal("deleted"))}, function=FUNCTION)]
