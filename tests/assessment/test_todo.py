"""Assessments due or overdue on the to-do list, read from ``assessment.Assessment`` by the source the assessment
app registers into ``cases.agenda``: the initial assessment by 15 working days from the sentence's start (bank
holidays skipped), a review six months after the latest completed assessment; on the day each is due it is not
yet overdue, the day after it is; one query whatever the caseload; the counts on My cases."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evenhand.assessment.todo import assessments_due
from evenhand.cases import agenda
from evenhand.cases.models import SentenceType
from evenhand.cases.todo import TodoKind, assessment_deadline, assessment_review_due
from evenhand.org.models import Grade
from tests.factories import (
    AllocationFactory,
    AssessmentFactory,
    PDUFactory,
    PersonFactory,
    SentenceFactory,
    StaffMemberFactory,
    local_datetime,
)

pytestmark = pytest.mark.django_db

# Friday 15 August 2025: 15 working days later, skipping the summer bank holiday (Monday 25 August), is Monday
# 8 September (without the holiday it would be Friday 5 September).
START = dt.date(2025, 8, 15)
DEADLINE = dt.date(2025, 9, 8)


@pytest.fixture
def po():
    return StaffMemberFactory(grade=Grade.PO, pdu=PDUFactory(), with_user=True)


def case(po, *, start=START, type=SentenceType.COMMUNITY_ORDER, **more):
    sentence = SentenceFactory(
        person=PersonFactory(pdu=po.team.pdu), type=type, start_date=start, requirements=[], **more
    )
    AllocationFactory(sentence=sentence, practitioner=po, start_date=start)
    return sentence


def assessment_items(person, po, on: dt.date):
    items = agenda.todo_items([person.pk], viewer=po, now=local_datetime(on, 12))
    return [i for i in items.get(person.pk, []) if i.kind == TodoKind.ASSESSMENT]


def test_the_initial_assessment_is_overdue_the_day_after_15_working_days(po):
    sentence = case(po)
    assert assessment_deadline(START) == DEADLINE
    assert assessment_items(sentence.person, po, START - dt.timedelta(days=1)) == []  # not started yet
    (due,) = assessment_items(sentence.person, po, DEADLINE)
    assert (due.due, due.overdue, due.record_id) == (DEADLINE, False, sentence.pk)
    assert "is due by 8 September 2025" in due.text
    (late,) = assessment_items(sentence.person, po, DEADLINE + dt.timedelta(days=1))
    assert late.overdue and "was due by 8 September 2025" in late.text


def test_an_assessment_in_progress_leaves_it_due_and_a_completed_one_answers_it(po):
    sentence = case(po)
    AssessmentFactory(sentence=sentence, completed_after=None)
    assert len(assessment_items(sentence.person, po, DEADLINE + dt.timedelta(days=1))) == 1
    AssessmentFactory(sentence=sentence, completed_after=20, status="complete")
    assert assessment_items(sentence.person, po, DEADLINE + dt.timedelta(days=1)) == []


def test_custody_and_post_sentence_supervision_call_for_no_assessment(po):
    for type_, more in (
        (SentenceType.CUSTODY, {"length": 2, "length_unit": "years"}),
        (SentenceType.POST_SENTENCE_SUPERVISION, {}),
    ):
        sentence = case(po, type=type_, **more)
        assert assessment_items(sentence.person, po, DEADLINE + dt.timedelta(days=30)) == []


@pytest.mark.parametrize(
    ("completed", "due"),
    [
        (dt.date(2025, 9, 8), dt.date(2026, 3, 8)),
        (dt.date(2025, 8, 31), dt.date(2026, 2, 28)),  # six months on from the 31st: the month's last day
    ],
)
def test_a_review_is_overdue_the_day_after_six_months(po, completed, due):
    sentence = case(po)
    AssessmentFactory(sentence=sentence, completed_on=completed)
    assert assessment_review_due(completed) == due
    assert assessment_items(sentence.person, po, due) == []  # due on the day is not late
    (item,) = assessment_items(sentence.person, po, due + dt.timedelta(days=1))
    assert (item.due, item.overdue, item.record_id) == (due, True, sentence.pk)
    assert f"completed on {completed.day} " in item.text and "was due by" in item.text


def test_a_completed_review_answers_it_and_the_latest_completion_counts(po):
    sentence = case(po)
    first = AssessmentFactory(sentence=sentence, completed_on=dt.date(2025, 9, 8), status="locked")
    day = dt.date(2026, 4, 1)
    assert len(assessment_items(sentence.person, po, day)) == 1
    AssessmentFactory(
        sentence=sentence, kind="review", previous=first, started_on=dt.date(2026, 3, 2), completed_on=day
    )
    assert assessment_items(sentence.person, po, day + dt.timedelta(days=1)) == []
    # A review of a pre-sentence report's assessment is not what the case needs: it does not count.
    AssessmentFactory(
        sentence=sentence, kind="psr", started_on=day, completed_on=day + dt.timedelta(days=200)
    )
    assert len(assessment_items(sentence.person, po, assessment_review_due(day) + dt.timedelta(days=1))) == 1


def test_one_review_a_person_and_none_while_a_new_sentence_waits_for_its_assessment(po):
    sentence = case(po)
    person = sentence.person
    AssessmentFactory(sentence=sentence, completed_on=dt.date(2025, 9, 8))
    later = SentenceFactory(person=person, start_date=dt.date(2025, 10, 1), requirements=[])
    day = dt.date(2026, 4, 1)
    # The second sentence started after the completed assessment: its own assessment is due, no review.
    (item,) = assessment_items(person, po, day)
    assert item.record_id == later.pk and "Assessment for the community order" in item.text
    AssessmentFactory(sentence=later, completed_on=dt.date(2025, 10, 10))
    (review,) = assessment_items(person, po, dt.date(2026, 4, 11))  # two running sentences, one review
    assert review.due == dt.date(2026, 4, 10)


def test_one_query_whatever_the_caseload(po):
    def queries(n: int) -> int:
        people = []
        for _ in range(n):
            sentence = case(po)
            AssessmentFactory(sentence=sentence, completed_on=dt.date(2025, 9, 8))
            people.append(sentence.person_id)
        with CaptureQueriesContext(connection) as captured:
            items = list(assessments_due(people, po, dt.date(2026, 4, 1)))
        assert len(items) == n
        return len(captured.captured_queries)

    assert queries(3) == queries(30) == 1


def test_overdue_assessments_counted_on_my_cases(po):
    overdue_review = case(po)
    AssessmentFactory(sentence=overdue_review, started_on=START, completed_on=START)  # a review long overdue
    up_to_date = case(po)
    AssessmentFactory(sentence=up_to_date, completed_on=timezone.localdate())
    client = Client()
    client.force_login(po.user)
    html = client.get(reverse("my-cases")).content.decode()
    assert html.count("Assessments due or overdue: 1") == 1
