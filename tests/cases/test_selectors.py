import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evenhand.cases import services as cases
from evenhand.cases.models import ContactOutcome, Decision, RoshLevel, Tier
from evenhand.cases.selectors import (
    active_sentences,
    caseload,
    enforcement_history,
    outstanding_failures,
    referrals_of,
    sentences_of,
    timeline,
    unanswered_failures,
)
from evenhand.org.models import Grade
from evenhand.people.models import Exclusion, Restriction
from tests.factories import (
    AllocationFactory,
    ContactFactory,
    PersonFactory,
    RiskSummaryFactory,
    SentenceFactory,
    StaffMemberFactory,
    local_datetime,
    today,
)

from .helpers import contact_on, decide, long_sentence

pytestmark = pytest.mark.django_db

D = dt.date


def allocated(person, practitioner, **kwargs):
    sentence = SentenceFactory(person=person)
    AllocationFactory(sentence=sentence, practitioner=practitioner, **kwargs)
    return sentence


def outstanding(practitioner, person) -> int:
    """The caseload figure for a person, reading a missing count as none (see test_none_outstanding_is_zero)."""
    return next(p for p in caseload(practitioner) if p.pk == person.pk).outstanding_enforcement or 0


class TestCaseloadMembership:
    def test_only_people_with_an_open_allocation_to_the_practitioner(self, pdu, po):
        colleague = StaffMemberFactory(grade=Grade.PO, pdu=pdu)
        mine = PersonFactory(pdu=pdu, last_name="Adams")
        allocated(mine, po)
        handed_on = PersonFactory(pdu=pdu, last_name="Baker")
        sentence = allocated(handed_on, po, start_date=D(2025, 1, 6), end_date=D(2025, 3, 1))
        AllocationFactory(sentence=sentence, practitioner=colleague, start_date=D(2025, 3, 2))
        theirs = PersonFactory(pdu=pdu, last_name="Clarke")
        allocated(theirs, colleague)
        two_sentences = PersonFactory(pdu=pdu, last_name="Davies")
        allocated(two_sentences, po)
        allocated(two_sentences, po)
        shared = PersonFactory(pdu=pdu, last_name="Evans")
        allocated(shared, po)
        allocated(shared, colleague)
        PersonFactory(pdu=pdu, last_name="Fox")  # in the PDU, allocated to nobody
        assert list(caseload(po)) == [mine, two_sentences, shared]
        assert list(caseload(colleague)) == [handed_on, theirs, shared]

    def test_ordered_by_name(self, pdu, po):
        people = [
            PersonFactory(pdu=pdu, first_name=first, last_name=last)
            for first, last in [("Zoe", "Brown"), ("Amy", "Brown"), ("Bob", "Adams")]
        ]
        for person in people:
            allocated(person, po)
        assert [p.full_name for p in caseload(po)] == ["Bob Adams", "Amy Brown", "Zoe Brown"]

    def test_hides_a_record_the_practitioner_is_excluded_from(self, pdu, po):
        person = PersonFactory(pdu=pdu)
        allocated(person, po)
        assert list(caseload(po)) == [person]
        Exclusion.objects.create(
            person=person, staff=po, reason="Conflict of interest found after allocation"
        )
        assert list(caseload(po)) == []

    def test_hides_a_record_restricted_to_others(self, pdu, po):
        person = PersonFactory(pdu=pdu)
        allocated(person, po)
        Restriction.objects.create(person=person, staff=StaffMemberFactory(pdu=pdu), reason="Named worker")
        assert list(caseload(po)) == []
        Restriction.objects.create(person=person, staff=po, reason="Named worker")
        assert list(caseload(po)) == [person]


class TestCaseloadSummary:
    def test_tier_and_rosh_from_the_latest_risk_summary(self, pdu, po):
        person = PersonFactory(pdu=pdu)
        allocated(person, po)
        RiskSummaryFactory(person=person, tier=Tier.B2, rosh=RoshLevel.MEDIUM, assessed_on=D(2025, 6, 1))
        # Recorded later but assessed earlier: not the current one.
        RiskSummaryFactory(person=person, tier=Tier.A3, rosh=RoshLevel.VERY_HIGH, assessed_on=D(2025, 1, 1))
        (row,) = caseload(po)
        assert (row.tier, row.rosh) == ("B2", "M")
        # Two on the same day: the later record wins.
        RiskSummaryFactory(person=person, tier=Tier.C1, rosh=RoshLevel.LOW, assessed_on=D(2025, 7, 1))
        RiskSummaryFactory(person=person, tier=Tier.A1, rosh=RoshLevel.HIGH, assessed_on=D(2025, 7, 1))
        (row,) = caseload(po)
        assert (row.tier, row.rosh) == ("A1", "H")

    def test_no_risk_summary_yet(self, pdu, po):
        allocated(PersonFactory(pdu=pdu), po)
        (row,) = caseload(po)
        assert (row.tier, row.rosh) == (None, None)

    def test_next_appointment_is_the_earliest_future_one_without_an_outcome(self, pdu, po):
        person = PersonFactory(pdu=pdu)
        sentence = allocated(person, po)
        other_sentence = SentenceFactory(person=person)
        now = timezone.now()
        ContactFactory(sentence=sentence, starts_at=now - dt.timedelta(hours=2))  # overdue, not next
        ContactFactory(sentence=sentence, starts_at=now + dt.timedelta(days=9))
        soonest = now + dt.timedelta(days=2, hours=3)
        ContactFactory(sentence=other_sentence, starts_at=soonest)  # any of the person's sentences
        ContactFactory(
            sentence=SentenceFactory(person=PersonFactory(pdu=pdu)), starts_at=now + dt.timedelta(hours=1)
        )
        (row,) = caseload(po)
        assert row.next_appointment == soonest

    def test_no_next_appointment(self, pdu, po):
        sentence = allocated(PersonFactory(pdu=pdu), po)
        ContactFactory(sentence=sentence, outcome=ContactOutcome.ATTENDED_COMPLIED)
        (row,) = caseload(po)
        assert row.next_appointment is None


class TestOutstandingEnforcement:
    @pytest.fixture
    def case(self, pdu, po):
        person = PersonFactory(pdu=pdu)
        sentence = long_sentence(person)
        AllocationFactory(sentence=sentence, practitioner=po)
        return person, sentence

    def test_counts_unanswered_unacceptable_failures_only(self, case, po):
        person, sentence = case
        for day, outcome in [
            (D(2024, 5, 1), ContactOutcome.FAILED_UNACCEPTABLE),
            (D(2024, 5, 8), ContactOutcome.ATTENDED_FAILED_TO_COMPLY),
            (D(2024, 5, 15), ContactOutcome.ATTENDED_COMPLIED),
            (D(2024, 5, 22), ContactOutcome.FAILED_ACCEPTABLE),
            (D(2024, 5, 29), ContactOutcome.RESCHEDULED),
        ]:
            contact_on(sentence, po, day, outcome)
        assert outstanding(po, person) == 2

    def test_an_answered_failure_no_longer_counts(self, case, po):
        person, sentence = case
        first = contact_on(sentence, po, D(2024, 5, 1)).contact
        contact_on(sentence, po, D(2024, 5, 8))
        decide(sentence, po, Decision.WARNING, [first])
        assert outstanding(po, person) == 1

    def test_still_answered_after_its_decision_is_corrected(self, case, po):
        person, sentence = case
        failure = contact_on(sentence, po, D(2024, 5, 1)).contact
        original = decide(sentence, po, Decision.WARNING, [failure])
        decide(sentence, po, Decision.NO_FURTHER_ACTION, corrects=original, at=local_datetime(D(2024, 5, 9)))
        assert outstanding(po, person) == 0

    def test_answered_only_by_a_corrected_decision_counts_again(self, case, po):
        person, sentence = case
        wrong = contact_on(sentence, po, D(2024, 5, 1)).contact
        right = contact_on(sentence, po, D(2024, 5, 8)).contact
        original = decide(sentence, po, Decision.WARNING, [wrong])
        decide(sentence, po, Decision.WARNING, [right], corrects=original)
        assert list(unanswered_failures().filter(person=person)) == [wrong]
        assert outstanding(po, person) == 1

    def test_counts_every_sentence_of_the_person(self, case, po):
        person, sentence = case
        contact_on(sentence, po, D(2024, 5, 1))
        other = long_sentence(person, "LIC")
        contact_on(other, po, D(2024, 5, 2))
        assert outstanding(po, person) == 2

    def test_none_outstanding_is_zero(self, case, po):
        (row,) = caseload(po)
        assert row.outstanding_enforcement == 0


def test_caseload_is_a_fixed_number_of_queries(pdu, po):
    def populate(n: int) -> None:
        for i in range(n):
            person = PersonFactory(pdu=pdu)
            sentence = long_sentence(person)
            AllocationFactory(sentence=sentence, practitioner=po)
            RiskSummaryFactory(person=person, recorded_by=po)
            RiskSummaryFactory(person=person, recorded_by=po, assessed_on=today())
            ContactFactory(
                sentence=sentence, recorded_by=po, starts_at=timezone.now() + dt.timedelta(days=i + 1)
            )
            contact_on(sentence, po, D(2024, 5, 1))

    def read() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            rows = [
                (p.crn, p.tier, p.rosh, p.next_appointment, p.outstanding_enforcement) for p in caseload(po)
            ]
        return len(rows), len(queries)

    populate(5)
    five, queries_for_five = read()
    populate(25)
    thirty, queries_for_thirty = read()
    assert (five, thirty) == (5, 30)
    assert queries_for_thirty == queries_for_five <= 2


def test_caseload_for_30_people_within_the_query_budget(pdu, po, django_assert_max_num_queries):
    for _ in range(30):
        person = PersonFactory(pdu=pdu)
        sentence = SentenceFactory(person=person)
        AllocationFactory(sentence=sentence, practitioner=po)
        RiskSummaryFactory(person=person, recorded_by=po)
        ContactFactory(sentence=sentence, recorded_by=po, outcome=ContactOutcome.FAILED_UNACCEPTABLE)
    with django_assert_max_num_queries(1):
        rows = list(caseload(po))
        assert all(row.outstanding_enforcement == 1 and row.tier == "C2" for row in rows)
    assert len(rows) == 30


class TestPersonSelectors:
    def test_outstanding_failures_oldest_first(self, person, po):
        sentence = long_sentence(person)
        late = contact_on(sentence, po, D(2024, 6, 1)).contact
        answered = contact_on(sentence, po, D(2024, 5, 15)).contact
        early = contact_on(sentence, po, D(2024, 5, 1), ContactOutcome.ATTENDED_FAILED_TO_COMPLY).contact
        contact_on(sentence, po, D(2024, 5, 20), ContactOutcome.ATTENDED_COMPLIED)
        decide(sentence, po, Decision.WARNING, [answered])
        contact_on(long_sentence(PersonFactory(pdu=person.pdu)), po, D(2024, 5, 2))  # someone else's
        assert list(outstanding_failures(person)) == [early, late]

    def test_timeline_newest_first(self, person, po):
        sentence = long_sentence(person)
        days = [D(2024, 5, 1), D(2024, 7, 1), D(2024, 6, 1)]
        contacts = {
            day: contact_on(sentence, po, day, ContactOutcome.ATTENDED_COMPLIED).contact for day in days
        }
        ContactFactory(sentence=long_sentence(PersonFactory()))
        assert list(timeline(person)) == [
            contacts[D(2024, 7, 1)],
            contacts[D(2024, 6, 1)],
            contacts[D(2024, 5, 1)],
        ]

    def test_enforcement_history_marks_corrected_decisions(self, person, po):
        sentence = long_sentence(person)
        failure = contact_on(sentence, po, D(2024, 5, 1)).contact
        original = decide(sentence, po, Decision.WARNING, [failure])
        correction = decide(
            sentence, po, Decision.NO_FURTHER_ACTION, corrects=original, at=local_datetime(D(2024, 5, 9))
        )
        history = list(enforcement_history(person))
        assert history == [correction, original]
        assert [d.is_corrected for d in history] == [False, True]

    def test_sentences_with_their_current_practitioner(self, person, po, pso, django_assert_max_num_queries):
        old = SentenceFactory(person=person, start_date=D(2023, 1, 9), expected_end_date=D(2024, 1, 9))
        AllocationFactory(sentence=old, practitioner=pso, start_date=D(2023, 1, 9), end_date=D(2024, 1, 9))
        new = SentenceFactory(person=person, start_date=D(2025, 1, 6))
        AllocationFactory(sentence=new, practitioner=pso, start_date=D(2025, 1, 6), end_date=D(2025, 2, 1))
        AllocationFactory(sentence=new, practitioner=po, start_date=D(2025, 2, 2))
        with django_assert_max_num_queries(4):
            sentences = list(sentences_of(person))
            assert sentences == [new, old]
            assert [[a.practitioner for a in s.current_allocations] for s in sentences] == [[po], []]
            assert [len(s.offences.all()) for s in sentences] == [1, 1]

    def test_active_sentences(self, person):
        running = SentenceFactory(person=person)
        ends_today = SentenceFactory(person=person, termination_date=today(), termination_reason="completed")
        SentenceFactory(
            person=person, termination_date=today() - dt.timedelta(days=1), termination_reason="completed"
        )
        assert set(active_sentences(person)) == {running, ends_today}

    def test_referrals_newest_first(self, person, po):
        sentence = SentenceFactory(person=person, start_date=D(2025, 1, 6))
        first = cases.make_referral(
            by=po, sentence=sentence, service_area="ete", reason="Wants work", made_on=D(2025, 2, 1)
        )
        second = cases.make_referral(
            by=po, sentence=sentence, service_area="finance", reason="Debts", made_on=D(2025, 3, 1)
        )
        assert list(referrals_of(person)) == [second, first]
