"""The data migration that copied assessment summaries into assessments (``assessment.0002``), run on a database
taken back to before it, when ``cases.AssessmentSummary`` still existed (``cases.0010`` has since removed it)."""

import datetime as dt
from importlib import import_module

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from evenhand.assessment.models import Assessment, AssessmentStatus, DiversityTopic, TopicStatus
from tests.factories import PersonFactory, today

copy = import_module("evenhand.assessment.migrations.0002_copy_assessment_summaries").copy
BEFORE = [("assessment", "0001_assessments_and_tiers"), ("cases", "0009_appointments")]


@pytest.mark.django_db(transaction=True)
def test_summaries_are_copied_once_with_their_status_and_conversation():
    person = PersonFactory()
    call_command("migrate", "assessment", "0001", verbosity=0)
    try:
        old_apps = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        Summary = old_apps.get_model("cases", "AssessmentSummary")

        def summary(started, completed=None, discussed=""):
            return Summary.objects.create(
                person_id=person.pk,
                type="oasys_l3",
                started_on=today() - dt.timedelta(days=started),
                completed_on=None if completed is None else today() - dt.timedelta(days=completed),
                diversity_factors_discussed=discussed,
            )

        old = summary(400, 390, "yes")
        latest = summary(200, 190, "declined")
        stale = summary(150)
        current = summary(10, discussed="no")
        copy(old_apps, None)
        copy(old_apps, None)  # a second run copies nothing twice
    finally:
        # Every app forward again: 0002 runs a third time (copying nothing), then cases.0010 drops the summaries.
        call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        assert "cases_assessmentsummary" not in connection.introspection.table_names(cursor)
    rows = {a.summary_id: a for a in Assessment.objects.filter(person=person)}
    assert set(rows) == {old.pk, latest.pk, current.pk}  # one open assessment per person: the newest
    assert stale.pk not in rows
    assert rows[old.pk].status == AssessmentStatus.LOCKED
    assert rows[latest.pk].status == AssessmentStatus.COMPLETE
    assert rows[current.pk].status == AssessmentStatus.IN_PROGRESS
    statuses = lambda a: set(DiversityTopic.objects.filter(assessment=a).values_list("status", flat=True))  # noqa: E731
    assert statuses(rows[old.pk]) == {TopicStatus.DISCUSSED}
    assert statuses(rows[latest.pk]) == {TopicStatus.DECLINED}
    not_yet = DiversityTopic.objects.filter(assessment=rows[current.pk])
    assert not_yet.count() == 8 and all(t.status == TopicStatus.NOT_YET and t.not_yet_reason for t in not_yet)
