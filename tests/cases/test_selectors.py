import datetime as dt

import pytest

from evenhand.cases import services as cases
from evenhand.cases.models import ContactOutcome, Decision
from evenhand.cases.selectors import (
    active_sentences,
    enforcement_history,
    outstanding_failures,
    referrals_of,
    sentences_of,
    timeline,
)
from tests.factories import (
    AllocationFactory,
    ContactFactory,
    PersonFactory,
    SentenceFactory,
    local_datetime,
    today,
)

from .helpers import contact_on, decide, long_sentence

pytestmark = pytest.mark.django_db

D = dt.date


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
        # Sentences, offences, requirements, current allocations, extensions, corrections.
        with django_assert_max_num_queries(6):
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
