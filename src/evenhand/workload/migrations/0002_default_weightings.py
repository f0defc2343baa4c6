"""Seed weighting table version 1: the England and Wales workload management tool's published figures.

The figures are written out here rather than imported from ``evenhand.workload.rules`` so that this migration
always seeds the same table, whatever later code says.
"""

import datetime as dt

from django.db import migrations

TIERS = ["A3", "A2", "A1", "A0", "B3", "B2", "B1", "B0", "C3", "C2", "C1", "C0", "D3", "D2", "D1", "D0"]
CASES = {
    "community": [206, 158, 146, 110, 146, 115, 102, 72, 79, 63, 50, 35, 51, 41, 29, 29],
    "custody": [75, 60, 59, 0, 59, 48, 47, 0, 30, 24, 23, 0, 17, 14, 13, 0],
    "licence": [219, 175, 163, 0, 161, 132, 119, 0, 77, 65, 52, 0, 51, 43, 31, 0],
}
TASKS = {"court_report_standard": 138, "court_report_fast": 65, "parole_report": 120}


def seed(apps, schema_editor):
    WeightingVersion = apps.get_model("workload", "WeightingVersion")
    CaseWeighting = apps.get_model("workload", "CaseWeighting")
    TaskWeighting = apps.get_model("workload", "TaskWeighting")
    if WeightingVersion.objects.filter(number=1).exists():
        return
    version = WeightingVersion.objects.create(
        number=1,
        effective_from=dt.date(2000, 1, 1),
        nominal_target=2176,
        source="England and Wales workload management tool, published figures",
    )
    CaseWeighting.objects.bulk_create(
        CaseWeighting(version=version, case_type=case_type, tier=tier, points=points)
        for case_type, row in CASES.items()
        for tier, points in zip(TIERS, row, strict=True)
    )
    TaskWeighting.objects.bulk_create(
        TaskWeighting(version=version, task_type=task_type, points=points) for task_type, points in TASKS.items()
    )


def unseed(apps, schema_editor):
    WeightingVersion = apps.get_model("workload", "WeightingVersion")
    version = WeightingVersion.objects.filter(number=1).first()
    if version is not None:
        version.case_weightings.all().delete()
        version.task_weightings.all().delete()
        version.delete()


class Migration(migrations.Migration):
    dependencies = [("workload", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
