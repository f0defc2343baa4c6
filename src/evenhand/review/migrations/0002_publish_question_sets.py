"""Store the published question sets (review/questions.py), version 1 of each kind."""

from django.db import migrations


def publish(apps, schema_editor):
    from evenhand.review.loading import load

    load(apps.get_model("review", "QuestionSet"), apps.get_model("review", "KeyQuestion"), apps.get_model("review", "Prompt"))


def unpublish(apps, schema_editor):
    # Reversible while nothing was reviewed against them (the reviews' foreign keys protect them after that).
    Prompt = apps.get_model("review", "Prompt")
    KeyQuestion = apps.get_model("review", "KeyQuestion")
    QuestionSet = apps.get_model("review", "QuestionSet")
    Prompt.objects.all().delete()
    KeyQuestion.objects.all().delete()
    QuestionSet.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("review", "0001_question_sets")]

    operations = [migrations.RunPython(publish, unpublish)]
