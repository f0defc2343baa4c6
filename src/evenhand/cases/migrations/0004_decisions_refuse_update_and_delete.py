"""Enforcement decisions, the failures each answered, what became of them, and each entry in a referral's history
refuse UPDATE and DELETE in the database too (ADR 0003), so that QuerySet.update(), QuerySet.delete() and raw
SQL cannot rewrite them any more than Model.save() can. Inserting is unchanged. Reversing drops the triggers.

The triggers (IntegrityError on PostgreSQL and SQLite alike) are those of ``evenhand.core.triggers``, whose
SQL is fixed and built from no model, so that this migration always creates the same triggers whatever later
code says.
"""

from django.db import migrations

from evenhand.core.triggers import Refusal, refuse_change

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


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_contact_outcome_index_covers_sentence")]
    operations = [
        refuse_change(
            {
                table: Refusal(refusal(record, "changed"), refusal(record, "deleted"))
                for table, record in PROTECTED.items()
            },
            function=FUNCTION,
        )
    ]
