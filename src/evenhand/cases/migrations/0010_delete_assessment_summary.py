"""The assessment summary is gone: every reader uses ``assessment.Assessment``, into which migration
``assessment.0002`` copied each summary (so this runs after it)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_appointments"),
        ("assessment", "0002_copy_assessment_summaries"),
    ]

    operations = [
        migrations.DeleteModel(name="AssessmentSummary"),
    ]
