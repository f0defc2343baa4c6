"""Equality declarations, HR events and applicants' stages refuse UPDATE and DELETE in the database too, like
enforcement decisions (ADR 0003, migration cases.0004): QuerySet.update(), QuerySet.delete() and raw SQL cannot
rewrite a staff member's history any more than Model.save() can. Inserting is unchanged; reversing drops the
triggers. The triggers are those of ``evenhand.core.triggers``, whose SQL is fixed and built from no model,
so that this migration always creates the same triggers whatever later code says.
"""

from django.db import migrations

from evenhand.core.triggers import Refusal, refuse_change

PROTECTED = {
    "workforce_declaration": ("An equality declaration", "make a new declaration instead."),
    "workforce_hrevent": ("An HR event", "record a correction instead."),
    "workforce_applicantprogress": ("An applicant's stage", "record a correction instead."),
}
FUNCTION = "workforce_refuse_change"


def refusal(record, verb, instead):
    return f"{record} cannot be {verb}; {instead}"


class Migration(migrations.Migration):
    dependencies = [("workforce", "0001_initial")]
    operations = [
        refuse_change(
            {
                table: Refusal(refusal(record, "changed", instead), refusal(record, "deleted", instead))
                for table, (record, instead) in PROTECTED.items()
            },
            function=FUNCTION,
        )
    ]
