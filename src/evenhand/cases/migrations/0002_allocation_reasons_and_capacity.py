"""Allocation reasons become the workload model's fixed list, and an allocation keeps the capacity figures.

Reasons map one to one (new sentence → new case, workload → caseload adjustment, risk → change in tier or risk,
practitioner left → officer left). "Continuity with a previous practitioner" has no place in the new list: those
allocations become "other", with the old reason kept at the start of the rationale so nothing is lost, and the
reverse migration restores it.
"""

from django.db import migrations, models
from django.db.models import Value
from django.db.models.functions import Concat, Substr

RENAMED = {
    "new_sentence": "new_case",
    "workload": "caseload_adjustment",
    "risk": "tier_or_risk",
    "practitioner_left": "officer_left",
}
CONTINUITY_NOTE = "Continuity with a previous practitioner. "


def forward(apps, schema_editor):
    Allocation = apps.get_model("cases", "Allocation")
    for old, new in RENAMED.items():
        Allocation.objects.filter(reason=old).update(reason=new)
    Allocation.objects.filter(reason="continuity").update(
        reason="other", rationale=Concat(Value(CONTINUITY_NOTE), "rationale")
    )


def backward(apps, schema_editor):
    Allocation = apps.get_model("cases", "Allocation")
    Allocation.objects.filter(reason="other", rationale__startswith=CONTINUITY_NOTE).update(
        reason="continuity", rationale=Substr("rationale", len(CONTINUITY_NOTE) + 1)
    )
    for old, new in RENAMED.items():
        Allocation.objects.filter(reason=new).update(reason=old)
    # The new list's extra reasons have no old equivalent.
    Allocation.objects.filter(reason__in=["change_of_address", "risk_to_staff"]).update(reason="other")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0001_initial'),
        ('org', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='allocation',
            name='capacity_after',
            field=models.DecimalField(blank=True, decimal_places=1, help_text="The practitioner's capacity (%) with this case added", max_digits=6, null=True),
        ),
        migrations.AddField(
            model_name='allocation',
            name='capacity_before',
            field=models.DecimalField(blank=True, decimal_places=1, help_text="The practitioner's capacity (%) just before this allocation", max_digits=6, null=True),
        ),
        migrations.AlterField(
            model_name='allocation',
            name='reason',
            field=models.CharField(choices=[('new_case', 'New case'), ('caseload_adjustment', 'Caseload adjustment'), ('tier_or_risk', 'Change in tier or risk'), ('change_of_address', 'Change of address'), ('officer_left', 'Officer left'), ('risk_to_staff', 'Risk to staff'), ('transfer_in', 'Transfer in'), ('other', 'Other')], max_length=20),
        ),
        migrations.AddConstraint(
            model_name='allocation',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('capacity_after__isnull', True), ('capacity_before__isnull', True)), models.Q(('capacity_after__isnull', False), ('capacity_before__isnull', False)), _connector='OR'), name='allocation_capacity_before_and_after', violation_error_message='Give the capacity both before and after the allocation, or neither'),
        ),
        migrations.RunPython(forward, backward),
    ]
