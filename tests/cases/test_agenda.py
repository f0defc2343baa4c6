"""The to-do list read from the records: each kind of item appears when its rule says, for the right person, in
a number of queries that does not grow with the caseload."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evenhand.cases import agenda
from evenhand.cases.models import (
    Contact,
    ContactOutcome,
    ContactType,
    Referral,
    ReferralStatus,
    RequirementType,
    SentenceType,
)
from evenhand.cases.todo import TodoKind
from evenhand.org.models import Grade
from evenhand.people.models import Person
from evenhand.workload.models import Consultation
from tests.factories import (
    AllocationFactory,
    AssessmentFactory,
    PersonFactory,
    RiskSummaryFactory,
    SentenceFactory,
    StaffMemberFactory,
    today,
)

pytestmark = pytest.mark.django_db


def kinds(items) -> list[str]:
    return sorted(i.kind for i in items)


def contact(sentence, by, *, days_ago: float, outcome: str = "", **kwargs) -> Contact:
    return Contact.objects.create(
        person=sentence.person,
        sentence=sentence,
        type=kwargs.pop("type", ContactType.OFFICE_APPOINTMENT),
        starts_at=timezone.now() - dt.timedelta(days=days_ago),
        recorded_by=by,
        with_staff=by,
        outcome=outcome,
        outcome_recorded_at=timezone.now() if outcome else None,
        outcome_recorded_by=by if outcome else None,
        **kwargs,
    )


def busy_person(pdu, po):
    """A person with one item of every kind the cases app holds, and a consultation waiting for ``po``."""
    person = PersonFactory(pdu=pdu)
    start = today() - dt.timedelta(days=100)
    sentence = SentenceFactory(
        person=person,
        start_date=start,
        expected_end_date=today() + dt.timedelta(days=20),  # ends within 4 weeks
        requirements=[{"type": RequirementType.UNPAID_WORK, "unpaid_work_hours": 100}],  # nothing done
    )
    AllocationFactory(sentence=sentence, practitioner=po)
    contact(sentence, po, days_ago=2)  # outcome not recorded
    contact(sentence, po, days_ago=5, outcome=ContactOutcome.FAILED_UNACCEPTABLE)  # decision due
    RiskSummaryFactory(
        person=person,
        assessed_on=today() - dt.timedelta(days=200),
        next_review_due=today() - dt.timedelta(days=1),
    )
    Referral.objects.create(
        person=person,
        sentence=sentence,
        service_area="ete",
        reason="Work",
        made_on=start,
        made_by=po,
        status=ReferralStatus.MADE,
        status_changed_on=today() - dt.timedelta(days=28),
    )
    queued = SentenceFactory(person=person, requirements=[])
    Consultation.objects.create(
        sentence=queued, practitioner=po, consulted_on=today(), recorded_by=po, recorded_at=timezone.now()
    )
    return person


@pytest.fixture
def po(pdu):
    return StaffMemberFactory(grade=Grade.PO, pdu=pdu)


def test_every_kind_for_a_busy_person(pdu, po):
    person = busy_person(pdu, po)
    items = agenda.todo_items([person.pk], viewer=po)[person.pk]
    assert kinds(items) == sorted(
        [
            TodoKind.OUTCOME,
            TodoKind.ENFORCEMENT,
            TodoKind.ASSESSMENT,  # two sentences, neither assessed: the CO started 100 days ago …
            TodoKind.ASSESSMENT,  # … and the queued one started 200 days ago
            TodoKind.ROSH_REVIEW,
            TodoKind.SENTENCE_ENDING,
            TodoKind.REQUIREMENT,
            TodoKind.REFERRAL,
            TodoKind.CONSULTATION,
        ]
    )
    assessment = next(i for i in items if i.kind == TodoKind.ASSESSMENT)
    assert assessment.overdue and "was due" in assessment.text


def test_items_go_when_the_records_answer_them(pdu, po):
    person = busy_person(pdu, po)
    Contact.objects.filter(person=person, outcome="").update(
        outcome=ContactOutcome.ATTENDED_COMPLIED, outcome_recorded_at=timezone.now(), outcome_recorded_by=po
    )
    for sentence in person.sentences.all():
        AssessmentFactory(sentence=sentence, completed_after=10)
    Referral.objects.update(status=ReferralStatus.ACCEPTED, status_changed_on=today() - dt.timedelta(days=27))
    RiskSummaryFactory(person=person, assessed_on=today(), next_review_due=today() + dt.timedelta(days=180))
    items = agenda.todo_items([person.pk], viewer=po)[person.pk]
    assert TodoKind.OUTCOME not in kinds(items)
    assert TodoKind.ASSESSMENT not in kinds(items)
    assert TodoKind.REFERRAL not in kinds(items)
    assert TodoKind.ROSH_REVIEW not in kinds(items)


def test_a_future_appointment_and_a_custody_sentence_are_not_due(pdu, po):
    person = PersonFactory(pdu=pdu)
    sentence = SentenceFactory(
        person=person, type=SentenceType.CUSTODY, requirements=[], length=2, length_unit="years"
    )
    contact(sentence, po, days_ago=-1)
    assert agenda.todo_items([person.pk], viewer=po) == {}


def test_consultations_are_the_practitioners_own(pdu, po):
    person = busy_person(pdu, po)
    colleague = StaffMemberFactory(grade=Grade.PO, pdu=pdu)
    assert TodoKind.CONSULTATION not in kinds(agenda.todo_items([person.pk], viewer=colleague)[person.pk])
    spo = StaffMemberFactory(grade=Grade.SPO, pdu=pdu)
    item = next(
        i for i in agenda.todo_items([person.pk], viewer=spo)[person.pk] if i.kind == TodoKind.CONSULTATION
    )
    assert po.last_name in item.text


def queries_for(n: int, pdu, po) -> tuple[int, dict]:
    people = [busy_person(pdu, po) for _ in range(n)]
    with CaptureQueriesContext(connection) as captured:
        found = agenda.todo_items([p.pk for p in people], viewer=po)
    return len(captured.captured_queries), found


def test_bounded_queries_whatever_the_caseload(pdu, po, django_assert_max_num_queries):
    few, found_few = queries_for(5, pdu, po)
    assert len(found_few) == 5
    many, found_many = queries_for(40, pdu, po)
    assert few == many
    assert len(found_many) == 40 and all(len(v) == 9 for v in found_many.values())
    # One query a kind of record (two for the failures waiting for a decision, and for requirement progress),
    # the assessment app's source and the workload app's consultations.
    with django_assert_max_num_queries(10):
        agenda.todo_items(list(found_many), viewer=po)


def counted(items: dict[int, list[agenda.TodoItem]]) -> dict[int, dict[str, int]]:
    return {
        pk: {kind: sum(1 for i in found if i.kind == kind) for kind in TodoKind.values}
        for pk, found in items.items()
    }


def test_the_counts_are_the_items_counted(pdu, po, django_assert_max_num_queries):
    """``todo_counts`` (My cases, and its sorting) counts outcomes and failures in the database and the other
    kinds from their items: whatever the route, the same numbers as the items the person page lists, in the same
    bounded number of queries."""
    people = [busy_person(pdu, po) for _ in range(6)] + [PersonFactory(pdu=pdu)]
    ids = [p.pk for p in people]
    sentence = people[0].sentences.order_by("pk").first()
    contact(sentence, po, days_ago=3)  # a second outcome to record
    contact(sentence, po, days_ago=-2)  # booked ahead: not yet due
    items = agenda.todo_items(ids, viewer=po)
    with django_assert_max_num_queries(10):
        counts = agenda.todo_counts(ids, viewer=po)
    assert counts == counted(items)
    assert people[-1].pk not in counts  # nothing to do, not listed
    assert counts[ids[0]][TodoKind.OUTCOME] == 2 and sum(counts[ids[0]].values()) == 10
    assert all(counts[pk][TodoKind.ENFORCEMENT] == 1 and sum(counts[pk].values()) == 9 for pk in ids[1:-1])
    spo = StaffMemberFactory(grade=Grade.SPO, pdu=pdu)  # another viewer: no consultation waiting for them
    assert agenda.todo_counts(ids, viewer=spo) == counted(agenda.todo_items(ids, viewer=spo))


def test_the_counts_of_a_query_of_people_are_those_of_their_ids(pdu, po):
    """Given a query rather than ids, the counts read its ids first (the kinds are read in threads in
    production, which must not share a query object) and count the same."""
    ids = [busy_person(pdu, po).pk for _ in range(2)]
    from_query = agenda.todo_counts(Person.objects.filter(pk__in=ids), viewer=po)
    assert from_query == agenda.todo_counts(ids, viewer=po) and set(from_query) == set(ids)


def test_enforcement_items_are_the_failures_no_standing_decision_answers(pdu, po):
    """The same failures as ``selectors.unanswered_failures``: one answered by a warning drops out, one with no
    decision stays, and one answered by a decision later corrected is as the selector says."""
    from evenhand.cases.models import Decision
    from evenhand.cases.selectors import unanswered_failures
    from tests.cases.helpers import contact_on, decide, long_sentence

    person = PersonFactory(pdu=pdu)
    sentence = long_sentence(person)
    first = contact_on(sentence, po, dt.date(2024, 3, 4)).contact
    second = contact_on(sentence, po, dt.date(2024, 3, 11)).contact
    third = contact_on(sentence, po, dt.date(2024, 3, 18)).contact
    decide(sentence, po, Decision.WARNING, [first])
    wrong = decide(sentence, po, Decision.WARNING, [second])
    decide(sentence, po, Decision.BREACH, [], corrects=wrong, at=wrong.decided_at + dt.timedelta(hours=1))

    expected = set(unanswered_failures().filter(person=person).values_list("starts_at", flat=True))
    assert first.starts_at not in expected and third.starts_at in expected
    items = agenda.todo_items([person.pk], viewer=po).get(person.pk, [])
    due = sorted(i.due for i in items if i.kind == TodoKind.ENFORCEMENT)
    assert due == sorted(timezone.localdate(at) for at in expected)
