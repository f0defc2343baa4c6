"""The data migration that copies assessment summaries into assessments."""

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps

from evenhand.assessment.models import Assessment, AssessmentStatus, DiversityTopic, TopicStatus
from evenhand.cases.models import AssessmentSummary, AssessmentType, DiversityDiscussed
from tests.factories import PersonFactory, today

pytestmark = pytest.mark.django_db

copy = import_module("evenhand.assessment.migrations.0002_copy_assessment_summaries").copy


def summary(person, started, completed=None, discussed=""):
    return AssessmentSummary.objects.create(
        person=person,
        type=AssessmentType.OASYS_LAYER_3,
        started_on=today() - dt.timedelta(days=started),
        completed_on=None if completed is None else today() - dt.timedelta(days=completed),
        diversity_factors_discussed=discussed,
    )


def test_summaries_are_copied_once_with_their_status_and_conversation():
    person = PersonFactory()
    old = summary(person, 400, 390, DiversityDiscussed.YES)
    latest = summary(person, 200, 190, DiversityDiscussed.DECLINED)
    stale = summary(person, 150)
    current = summary(person, 10, discussed=DiversityDiscussed.NO)
    copy(apps, None)
    copy(apps, None)  # a second run copies nothing twice
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
