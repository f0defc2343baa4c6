"""The index of contacts by outcome and time also holds the sentence, so counting missed appointments per
sentence in a period reads the index alone (the equality engine's "absence judged unacceptable")."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_allocation_reasons_and_capacity"),
        ("org", "0001_initial"),
        ("people", "0002_name_search_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="contact",
            name="cases_conta_outcome_da2780_idx",
        ),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                fields=["outcome", "starts_at", "sentence"], name="cases_contact_outcome_cover"
            ),
        ),
    ]
