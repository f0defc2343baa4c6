"""A finished assessment, its sections and its diversity conversation, and every computed tier refuse UPDATE and
DELETE in the database itself (migration assessment 0004): QuerySet.update(), QuerySet.delete() and raw SQL are
refused and the rows stay as they were. The one change allowed is a complete assessment becoming locked, with
nothing else changed; an open assessment is written as before. Run on SQLite and on PostgreSQL."""

from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from evenhand.assessment.models import (
    Assessment,
    AssessmentStatus,
    DiversityTopic,
    SectionAnswer,
    TierCalculation,
    TopicStatus,
)
from evenhand.assessment.services import (
    complete_assessment,
    confirm_no_change,
    record_predictors,
    start_assessment,
)
from evenhand.cases.models import RequirementType
from tests.assessment.helpers import every_section, every_topic
from tests.factories import AllocationFactory, SentenceFactory
from tests.refusals import Target

pytestmark = pytest.mark.django_db

REWRITTEN = "Rewritten after the event to say something else entirely."
REVIEW = "start a review instead."


def assessed() -> tuple[Assessment, Any]:
    """A person with a complete assessment (and so a computed tier), and their practitioner."""
    sentence = SentenceFactory(requirements=[{"type": RequirementType.RAR}])
    po = AllocationFactory(sentence=sentence).practitioner
    assessment = start_assessment(by=po, person=sentence.person)
    every_section(po, assessment)
    every_topic(po, assessment)
    record_predictors(by=po, assessment=assessment, ogrs=45, rsr="3.50")
    return complete_assessment(by=po, assessment=assessment), po


def targets(assessment: Assessment) -> dict[str, Target]:
    return {
        "assessment": Target(
            Assessment.objects.filter(pk=assessment.pk),
            {"ogrs": 1},
            "ogrs",
            1,
            "A completed assessment",
            REVIEW,
        ),
        "section": Target(
            SectionAnswer.objects.filter(assessment=assessment, section="drugs"),
            {"analysis": REWRITTEN},
            "analysis",
            REWRITTEN,
            "A section of a completed assessment",
            REVIEW,
        ),
        "topic": Target(
            DiversityTopic.objects.filter(assessment=assessment, topic="culture"),
            {"status": TopicStatus.DECLINED},
            "status",
            TopicStatus.DECLINED.value,
            "A topic of a completed assessment's diversity conversation",
            REVIEW,
        ),
        "tier": Target(
            TierCalculation.objects.filter(person_id=assessment.person_id),
            {"tier": "A3"},
            "tier",
            "A3",
            "A computed tier",
            "a recomputation is a new row.",
        ),
    }


@pytest.fixture
def recorded() -> dict[str, Target]:
    assessment, _ = assessed()
    return targets(assessment)


PROTECTED = ["assessment", "section", "topic", "tier"]


@pytest.mark.parametrize("name", PROTECTED)
def test_a_queryset_update_is_refused(recorded, name):
    recorded[name].refuses_queryset_update()


@pytest.mark.parametrize("name", PROTECTED)
def test_a_raw_sql_update_is_refused(recorded, name):
    recorded[name].refuses_raw_update()


@pytest.mark.parametrize("name", PROTECTED)
@pytest.mark.parametrize("where", ["one row", "every row"])
def test_a_raw_sql_delete_is_refused(recorded, name, where):
    recorded[name].refuses_raw_delete(where)


@pytest.mark.parametrize("name", ["section", "topic", "tier"])
def test_a_queryset_delete_is_refused(recorded, name):
    recorded[name].refuses_queryset_delete()


def test_a_complete_assessment_may_only_become_locked(recorded):
    target = recorded["assessment"]
    with pytest.raises(IntegrityError, match=target.refusal("changed")), transaction.atomic():
        target.rows.update(status=AssessmentStatus.LOCKED, ogrs=1)  # locked, and something else changed
    with pytest.raises(IntegrityError, match=target.refusal("changed")), transaction.atomic():
        target.rows.update(status=AssessmentStatus.IN_PROGRESS, completed_on=None)  # reopened
    assert target.rows.get().status == AssessmentStatus.COMPLETE
    before = target.rows.values().get()
    target.rows.update(status=AssessmentStatus.LOCKED)
    assert target.rows.values().get() == {**before, "status": AssessmentStatus.LOCKED.value}
    # Locked is final.
    with pytest.raises(IntegrityError, match=target.refusal("changed")), transaction.atomic():
        target.rows.update(status=AssessmentStatus.COMPLETE)
    assert target.rows.get().status == AssessmentStatus.LOCKED


def test_no_part_may_be_moved_into_a_finished_assessment(recorded):
    finished = recorded["assessment"].rows.get()
    sentence = SentenceFactory(requirements=[{"type": RequirementType.RAR}])
    po = AllocationFactory(sentence=sentence).practitioner
    open_one = start_assessment(by=po, person=sentence.person)
    every_topic(po, open_one)
    topic = DiversityTopic.objects.filter(assessment=open_one, topic="caring")
    finished_topic = DiversityTopic.objects.get(assessment=finished, topic="caring")
    finished_topic_before = DiversityTopic.objects.filter(pk=finished_topic.pk).values().get()
    with pytest.raises(IntegrityError, match="cannot be changed"), transaction.atomic():
        topic.update(assessment=finished)
    assert topic.exists()
    assert DiversityTopic.objects.filter(pk=finished_topic.pk).values().get() == finished_topic_before


def test_an_open_assessment_is_written_and_deleted_as_before(recorded):
    first = recorded["assessment"].rows.get()
    review = start_assessment(by=first.assessor, person=first.person)
    # The review's rows change freely while it is open.
    assert SectionAnswer.objects.filter(assessment=review).update(analysis="Typed again") == 12
    assert DiversityTopic.objects.filter(assessment=review).update(not_yet_reason="Later") == 8
    assert Assessment.objects.filter(pk=review.pk).update(typed_fields=3) == 1
    # Completing it locks the first, the one change a finished assessment allows.
    for section in SectionAnswer.objects.filter(assessment=review):
        confirm_no_change(by=first.assessor, assessment=review, section=section.section)
    every_topic(first.assessor, review)
    complete_assessment(by=first.assessor, assessment=review)
    assert Assessment.objects.get(pk=first.pk).status == AssessmentStatus.LOCKED
    assert Assessment.objects.get(pk=review.pk).status == AssessmentStatus.COMPLETE
    # An open assessment (not yet completed) can still be deleted whole, with its parts.
    third = SentenceFactory(requirements=[{"type": RequirementType.RAR}])
    po = AllocationFactory(sentence=third).practitioner
    draft = start_assessment(by=po, person=third.person)
    every_topic(po, draft)
    Assessment.objects.filter(pk=draft.pk).delete()
    assert not DiversityTopic.objects.filter(assessment_id=draft.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_test_databases_flush_empties_the_tables_and_keeps_the_refusals():
    # Transactional tests end with this flush: on SQLite tests/flush.py lifts the refusal of DELETE for it.
    assessed()
    call_command("flush", interactive=False, verbosity=0)
    for model in (Assessment, SectionAnswer, DiversityTopic, TierCalculation):
        assert not model.objects.exists()

    target = targets(assessed()[0])["tier"]
    with pytest.raises(IntegrityError, match=target.refusal("deleted")), connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{target.table}"')
    assert target.rows.exists()


@pytest.mark.django_db(transaction=True)
def test_reversing_the_migration_drops_the_triggers():
    target = targets(assessed()[0])["section"]
    call_command("migrate", "assessment", "0003_sentence_plans", verbosity=0)
    try:
        target.rows.update(**target.changes)
        assert target.rows.values_list("analysis", flat=True).get() == REWRITTEN
    finally:
        # Every app forward again: going back unapplied the migrations of the apps that depend on this one.
        call_command("migrate", verbosity=0)
    with pytest.raises(IntegrityError, match=target.refusal("changed")):
        target.rows.update(analysis="Rewritten once more.")
    assert target.rows.get().analysis == REWRITTEN
