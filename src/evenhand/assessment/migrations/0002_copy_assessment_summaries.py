"""Copy each assessment summary (cases.AssessmentSummary) into an assessment, once.

A completed summary becomes a complete assessment (locked when a later one of the person's completed), with
no section answers: the summary never held any, so the tier reads it as no assessment. Whether diversity
factors were discussed becomes each topic of the conversation: discussed ("recorded before topics were
kept"), declined, or not yet discussed with that as the reason. The summary stays; its readers move over
later (``summary_id`` links the two).
"""

from typing import Any

from django.db import migrations

KIND = {"oasys_l3": "initial", "oasys_l1": "initial", "psr": "psr", "review": "review"}
TOPICS = (
    "ethnicity",
    "culture",
    "religion",
    "discrimination",
    "language",
    "neurodiversity",
    "caring",
    "gender_identity",
)
BEFORE = "Recorded as discussed before Evenhand kept the conversation topic by topic"
NOT_YET = "Recorded as not discussed before Evenhand kept the conversation topic by topic"


def copy(apps, schema_editor):
    Summary = apps.get_model("cases", "AssessmentSummary")
    Assessment = apps.get_model("assessment", "Assessment")
    Topic = apps.get_model("assessment", "DiversityTopic")
    copied = set(Assessment.objects.exclude(summary_id=None).values_list("summary_id", flat=True))
    open_people = set(
        Assessment.objects.filter(status__in=["in_progress", "awaiting_countersignature"]).values_list(
            "person_id", flat=True
        )
    )
    # Each person's latest completed summary (complete; earlier ones locked) and latest one in progress
    # (the one kept open: one open assessment per person).
    latest_complete: dict[int, tuple[Any, int]] = {}
    latest_open: dict[int, tuple[Any, int]] = {}
    rows = Summary.objects.order_by("person_id", "started_on", "id")
    for person_id, pk, started_on, completed_on in rows.values_list(
        "person_id", "pk", "started_on", "completed_on"
    ).iterator(chunk_size=20_000):
        if completed_on is not None:
            latest_complete[person_id] = max(
                latest_complete.get(person_id, (completed_on, 0)), (completed_on, pk)
            )
        else:
            latest_open[person_id] = max(latest_open.get(person_id, (started_on, 0)), (started_on, pk))
    batch: list[Any] = []
    topics: list[tuple[int, str, str, str]] = []

    def flush():
        Assessment.objects.bulk_create(batch)
        by_summary = {a.summary_id: a for a in batch}
        Topic.objects.bulk_create(
            [
                Topic(
                    assessment=by_summary[summary_id],
                    topic=topic,
                    status=status,
                    not_yet_reason=reason,
                    in_their_words=words,
                )
                for summary_id, status, reason, words in topics
                for topic in TOPICS
            ]
        )
        batch.clear()
        topics.clear()

    for summary in rows.iterator(chunk_size=5_000):
        if summary.pk in copied:
            continue
        done = summary.completed_on is not None
        if not done and (summary.person_id in open_people or latest_open[summary.person_id][1] != summary.pk):
            continue  # one open assessment per person: the newest summary in progress is kept
        if done:
            latest = latest_complete[summary.person_id][1] == summary.pk
            status = "complete" if latest else "locked"
        else:
            status = "in_progress"
        batch.append(
            Assessment(
                person_id=summary.person_id,
                sentence_id=summary.sentence_id,
                kind=KIND.get(summary.type, "initial"),
                status=status,
                assessor_id=summary.assessor_id,
                started_on=summary.started_on,
                completed_on=summary.completed_on,
                summary_id=summary.pk,
            )
        )
        discussed = summary.diversity_factors_discussed
        if discussed == "yes":
            topics.append((summary.pk, "discussed", "", BEFORE))
        elif discussed == "declined":
            topics.append((summary.pk, "declined", "", ""))
        elif discussed == "no":
            topics.append((summary.pk, "not_yet", NOT_YET[:200], ""))
        if len(batch) >= 5_000:
            flush()
    if batch:
        flush()


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_assessments_and_tiers"), ("cases", "0009_appointments")]

    operations = [migrations.RunPython(copy, migrations.RunPython.noop)]
