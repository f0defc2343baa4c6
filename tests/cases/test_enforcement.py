"""Enforcement: what the rules propose after a failure, and recording decisions and their outcomes."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from evenhand.cases.models import (
    RECALLS,
    ContactOutcome,
    Decision,
    DecisionOutcome,
    EnforcementDecision,
    EnforcementOutcome,
    SentenceType,
)
from evenhand.cases.services import (
    decide_enforcement,
    effective_decisions,
    propose_enforcement,
    record_enforcement_outcome,
)
from tests.factories import ContactFactory, local_datetime, today

from .helpers import RATIONALE, contact_on, decide, long_sentence

pytestmark = pytest.mark.django_db

ENFORCEABLE = [ContactOutcome.FAILED_UNACCEPTABLE, ContactOutcome.ATTENDED_FAILED_TO_COMPLY]
NOT_ENFORCEABLE = [
    ContactOutcome.ATTENDED_COMPLIED,
    ContactOutcome.FAILED_ACCEPTABLE,
    ContactOutcome.RESCHEDULED,
]
WARNED_OUT_OF_COURT = [
    SentenceType.COMMUNITY_ORDER,
    SentenceType.SUSPENDED_SENTENCE_ORDER,
    SentenceType.POST_SENTENCE_SUPERVISION,
]

D = dt.date


def proposed(sentence, by, day: dt.date, hour: int = 10, outcome=ContactOutcome.FAILED_UNACCEPTABLE):
    """The decision proposed for a failure recorded on ``day``, or None."""
    recorded = contact_on(sentence, by, day, outcome, hour=hour)
    return recorded.proposal.decision if recorded.proposal else None


def warn(sentence, by, day: dt.date, hour: int = 10) -> EnforcementDecision:
    """A failure the day before ``day`` answered by a warning given on ``day`` at ``hour``."""
    failure = contact_on(sentence, by, day - dt.timedelta(days=1)).contact
    return decide(sentence, by, Decision.WARNING, [failure], at=local_datetime(day, hour))


def state() -> dict[str, Any]:
    """The enforcement tables, to show that a refused call changed nothing."""
    through = EnforcementDecision.triggering_contacts.through
    return {
        "decisions": list(
            EnforcementDecision.objects.values_list("pk", "decision", "rationale", "corrects_id").order_by(
                "pk"
            )
        ),
        "triggers": list(through.objects.values_list("enforcementdecision_id", "contact_id").order_by("pk")),
        "outcomes": list(EnforcementOutcome.objects.values_list("pk", "outcome").order_by("pk")),
    }


# --- the rules ----------------------------------------------------------------------------------------


class TestProposal:
    @pytest.mark.parametrize("type", WARNED_OUT_OF_COURT)
    @pytest.mark.parametrize("outcome", ENFORCEABLE)
    def test_first_failure_on_an_order_or_pss_proposes_a_warning(self, person, po, type, outcome):
        sentence = long_sentence(person, type)
        recorded = contact_on(sentence, po, D(2024, 5, 1), outcome)
        assert recorded.proposal is not None
        assert recorded.proposal.decision == Decision.WARNING
        assert "warning" in recorded.proposal.reason

    @pytest.mark.parametrize("type", WARNED_OUT_OF_COURT)
    def test_further_failure_within_12_months_of_a_warning_proposes_breach(self, person, po, type):
        sentence = long_sentence(person, type)
        warn(sentence, po, D(2024, 5, 2))
        recorded = contact_on(sentence, po, D(2025, 4, 20))
        assert recorded.proposal.decision == Decision.BREACH
        assert "2 May 2024" in recorded.proposal.reason  # the warning it relies on

    def test_pss_is_never_recalled(self, person, po):
        sentence = long_sentence(person, SentenceType.POST_SENTENCE_SUPERVISION)
        assert proposed(sentence, po, D(2024, 1, 10)) == Decision.WARNING
        warn(sentence, po, D(2024, 1, 12))
        assert proposed(sentence, po, D(2024, 2, 10)) == Decision.BREACH

    @pytest.mark.parametrize("type", WARNED_OUT_OF_COURT)
    def test_after_12_months_a_warning_again(self, person, po, type):
        sentence = long_sentence(person, type)
        warn(sentence, po, D(2023, 5, 2))
        assert proposed(sentence, po, D(2024, 5, 20)) == Decision.WARNING

    def test_a_corrected_warning_no_longer_counts(self, person, po):
        sentence = long_sentence(person)
        warning = warn(sentence, po, D(2024, 5, 2))
        decide(
            sentence,
            po,
            Decision.NO_FURTHER_ACTION,
            corrects=warning,
            at=local_datetime(D(2024, 5, 9)),
            rationale="The absence was in fact for a hospital appointment; evidence seen.",
        )
        assert proposed(sentence, po, D(2024, 6, 1)) == Decision.WARNING

    def test_a_warning_corrected_by_a_warning_still_counts(self, person, po):
        sentence = long_sentence(person)
        warning = warn(sentence, po, D(2024, 5, 2))
        decide(sentence, po, Decision.WARNING, corrects=warning, at=local_datetime(D(2024, 5, 3)))
        assert proposed(sentence, po, D(2024, 6, 1)) == Decision.BREACH

    def test_a_warning_given_after_the_failure_does_not_count_for_it(self, person, po):
        sentence = long_sentence(person)
        first = contact_on(sentence, po, D(2024, 5, 1)).contact
        second = contact_on(sentence, po, D(2024, 5, 6)).contact
        decide(sentence, po, Decision.WARNING, [first], at=local_datetime(D(2024, 5, 10)))
        assert propose_enforcement(second).decision == Decision.WARNING

    def test_a_warning_on_another_sentence_does_not_count(self, person, po):
        earlier, current = long_sentence(person), long_sentence(person, SentenceType.SUSPENDED_SENTENCE_ORDER)
        warn(earlier, po, D(2024, 5, 2))
        assert proposed(current, po, D(2024, 6, 1)) == Decision.WARNING
        assert proposed(earlier, po, D(2024, 6, 1)) == Decision.BREACH

    @pytest.mark.parametrize("outcome", ENFORCEABLE)
    def test_on_licence_recall_is_proposed_even_the_first_time(self, person, po, outcome):
        sentence = long_sentence(person, SentenceType.LICENCE)
        recorded = contact_on(sentence, po, D(2024, 5, 1), outcome)
        assert recorded.proposal.decision == Decision.RECALL_STANDARD
        assert "recall" in recorded.proposal.reason

    @pytest.mark.parametrize("type", [*WARNED_OUT_OF_COURT, SentenceType.LICENCE])
    @pytest.mark.parametrize("outcome", NOT_ENFORCEABLE)
    def test_no_proposal_when_there_was_no_unacceptable_failure(self, person, po, type, outcome):
        sentence = long_sentence(person, type)
        warn(sentence, po, D(2024, 5, 2))
        assert proposed(sentence, po, D(2024, 6, 1), outcome=outcome) is None

    def test_no_proposal_for_an_appointment_still_to_happen(self, person, po):
        sentence = long_sentence(person)
        recorded = contact_on(sentence, po, today() + dt.timedelta(days=3), outcome="")
        assert recorded.proposal is None


window_settings = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class TestTwelveMonthWindow:
    @window_settings
    @given(
        warning_day=st.dates(D(2021, 2, 1), D(2025, 6, 30)),
        days_later=st.one_of(st.integers(1, 360), st.integers(370, 900)),
        warning_hour=st.integers(8, 18),
        failure_hour=st.integers(8, 18),
    )
    def test_breach_within_twelve_months_warning_after(
        self, person, po, warning_day, days_later, warning_hour, failure_hour
    ):
        failure_day = warning_day + dt.timedelta(days=days_later)
        assume(failure_day < today())
        with transaction.atomic():
            sentence = long_sentence(person)
            warn(sentence, po, warning_day, hour=warning_hour)
            expected = Decision.BREACH if days_later <= 360 else Decision.WARNING
            assert proposed(sentence, po, failure_day, hour=failure_hour) == expected
            transaction.set_rollback(True)

    @pytest.mark.parametrize(
        ("warned", "failed", "expected"),
        [
            # A 29 February falls inside these twelve months (1 June 2023 to 31 May 2024).
            ((D(2023, 6, 1), 10), (D(2024, 5, 31), 9), Decision.BREACH),
            ((D(2023, 6, 1), 10), (D(2024, 6, 1), 11), Decision.WARNING),
            # No 29 February (1 June 2022 to 31 May 2023).
            ((D(2022, 6, 1), 10), (D(2023, 5, 31), 18), Decision.BREACH),
            ((D(2022, 6, 1), 10), (D(2023, 6, 1), 11), Decision.WARNING),
            ((D(2022, 6, 1), 10), (D(2023, 6, 2), 9), Decision.WARNING),
        ],
    )
    def test_boundaries(self, person, po, warned, failed, expected):
        sentence = long_sentence(person)
        warn(sentence, po, warned[0], hour=warned[1])
        assert proposed(sentence, po, failed[0], hour=failed[1]) == expected

    def test_last_day_of_the_twelve_months_across_a_leap_day(self, person, po):
        sentence = long_sentence(person)
        warn(sentence, po, D(2023, 6, 1), hour=10)
        assert proposed(sentence, po, D(2024, 5, 31), hour=15) == Decision.BREACH

    def test_anniversary_of_the_warning_is_outside_the_twelve_months(self, person, po):
        sentence = long_sentence(person)
        warn(sentence, po, D(2022, 6, 1), hour=10)
        assert proposed(sentence, po, D(2023, 6, 1), hour=9) == Decision.WARNING


# --- decide_enforcement ---------------------------------------------------------------------------------


ALLOWED = {
    SentenceType.COMMUNITY_ORDER: {Decision.WARNING, Decision.BREACH, Decision.NO_FURTHER_ACTION},
    SentenceType.SUSPENDED_SENTENCE_ORDER: {Decision.WARNING, Decision.BREACH, Decision.NO_FURTHER_ACTION},
    SentenceType.POST_SENTENCE_SUPERVISION: {Decision.WARNING, Decision.BREACH, Decision.NO_FURTHER_ACTION},
    SentenceType.LICENCE: {
        Decision.WARNING,
        Decision.RECALL_STANDARD,
        Decision.RECALL_FIXED_TERM,
        Decision.RECALL_EMERGENCY,
        Decision.INCREASED_CONTACT,
        Decision.LICENCE_VARIATION,
        Decision.NO_FURTHER_ACTION,
    },
}


class TestDecide:
    def test_records_who_when_why_on_what_and_the_proposal(self, person, po):
        sentence = long_sentence(person)
        failure = contact_on(sentence, po, D(2024, 5, 1)).contact
        at = local_datetime(D(2024, 5, 3), 14)
        decision = decide_enforcement(
            by=po,
            sentence=sentence,
            decision=Decision.NO_FURTHER_ACTION,
            rationale=f"  {RATIONALE}  ",
            triggering_contacts=[failure],
            decided_at=at,
        )
        stored = EnforcementDecision.objects.get(pk=decision.pk)
        assert stored.sentence == sentence
        assert stored.decision == Decision.NO_FURTHER_ACTION
        assert stored.proposed == Decision.WARNING  # what the rules said, so discretion can be measured
        assert stored.rationale == RATIONALE
        assert stored.decided_by == po
        assert stored.decided_at == at
        assert stored.corrects is None
        assert list(stored.triggering_contacts.all()) == [failure]

    def test_proposed_breach_is_stored_when_the_decision_departs_from_it(self, person, po):
        sentence = long_sentence(person)
        warn(sentence, po, D(2024, 3, 1))
        second = contact_on(sentence, po, D(2024, 6, 1)).contact
        decision = decide(sentence, po, Decision.WARNING, [second])
        assert (decision.decision, decision.proposed) == (Decision.WARNING, Decision.BREACH)

    def test_proposal_is_for_the_earliest_triggering_failure(self, person, po):
        sentence = long_sentence(person)
        early = contact_on(sentence, po, D(2024, 3, 1)).contact
        warn(sentence, po, D(2024, 3, 10))  # answers another failure on 9 March
        late = contact_on(sentence, po, D(2024, 4, 1)).contact
        decision = decide(sentence, po, Decision.BREACH, [late, early])
        assert decision.proposed == Decision.WARNING

    def test_breach_without_a_trigger_stores_no_proposal(self, person, po):
        sentence = long_sentence(person)
        decision = decide(sentence, po, Decision.BREACH, at=local_datetime(D(2024, 5, 1)))
        assert decision.proposed == ""
        assert decision.triggering_contacts.count() == 0

    def test_defaults_to_now(self, person, po):
        sentence = long_sentence(person)
        before = timezone.now()
        decision = decide(sentence, po, Decision.BREACH)
        assert before <= decision.decided_at <= timezone.now()

    @pytest.mark.parametrize("type", list(ALLOWED))
    @pytest.mark.parametrize("choice", list(Decision))
    def test_decisions_allowed_for_each_type_of_sentence(self, person, po, type, choice):
        sentence = long_sentence(person, type)
        failure = contact_on(sentence, po, D(2024, 5, 1)).contact
        if choice in ALLOWED[type]:
            decision = decide(sentence, po, choice, [failure])
            assert EnforcementDecision.objects.filter(pk=decision.pk, decision=choice).exists()
        else:
            before = state()
            with pytest.raises(ValidationError) as caught:
                decide(sentence, po, choice, [failure])
            assert "decision" in caught.value.message_dict
            assert state() == before

    @pytest.mark.parametrize("rationale", ["", "     ", "Too short", "x" * 19, "   " + "x" * 19 + "   "])
    def test_rationale_is_required_and_substantial(self, person, po, rationale):
        sentence = long_sentence(person)
        failure = contact_on(sentence, po, D(2024, 5, 1)).contact
        before = state()
        with pytest.raises(ValidationError) as caught:
            decide(sentence, po, Decision.WARNING, [failure], rationale=rationale)
        assert "rationale" in caught.value.message_dict
        assert state() == before

    def test_twenty_characters_is_enough(self, person, po):
        sentence = long_sentence(person)
        failure = contact_on(sentence, po, D(2024, 5, 1)).contact
        assert decide(sentence, po, Decision.WARNING, [failure], rationale="x" * 20).rationale == "x" * 20

    @pytest.mark.parametrize("choice", [Decision.WARNING, Decision.NO_FURTHER_ACTION])
    def test_warning_and_nfa_must_name_the_failures_they_answer(self, person, po, choice):
        sentence = long_sentence(person)
        before = state()
        with pytest.raises(ValidationError) as caught:
            decide(sentence, po, choice, at=local_datetime(D(2024, 5, 1)))
        assert "triggering_contacts" in caught.value.message_dict
        assert state() == before

    @pytest.mark.parametrize(
        ("type", "choice"), [("CO", Decision.BREACH), ("LIC", Decision.RECALL_EMERGENCY)]
    )
    def test_breach_and_recall_may_follow_something_else(self, person, po, type, choice):
        sentence = long_sentence(person, type)
        decision = decide(sentence, po, choice, at=local_datetime(D(2024, 5, 1)))
        assert decision.pk is not None

    def test_trigger_on_another_sentence_rejected(self, person, po):
        sentence, other = long_sentence(person), long_sentence(person)
        failure = contact_on(other, po, D(2024, 5, 1)).contact
        before = state()
        with pytest.raises(ValidationError) as caught:
            decide(sentence, po, Decision.WARNING, [failure])
        assert "triggering_contacts" in caught.value.message_dict
        assert state() == before

    @pytest.mark.parametrize("outcome", [*NOT_ENFORCEABLE, ""])
    def test_trigger_that_is_not_a_failure_rejected(self, person, po, outcome):
        sentence = long_sentence(person)
        contact = contact_on(sentence, po, D(2024, 5, 1), outcome).contact
        before = state()
        with pytest.raises(ValidationError) as caught:
            decide(sentence, po, Decision.NO_FURTHER_ACTION, [contact])
        assert "triggering_contacts" in caught.value.message_dict
        assert state() == before

    def test_one_bad_trigger_among_good_ones_rejects_the_decision(self, person, po):
        sentence = long_sentence(person)
        good = contact_on(sentence, po, D(2024, 5, 1)).contact
        complied = contact_on(sentence, po, D(2024, 5, 8), ContactOutcome.ATTENDED_COMPLIED).contact
        before = state()
        with pytest.raises(ValidationError):
            decide(sentence, po, Decision.WARNING, [good, complied])
        assert state() == before

    @pytest.mark.parametrize("second", [Decision.WARNING, Decision.BREACH, Decision.NO_FURTHER_ACTION])
    def test_a_failure_is_answered_once(self, person, po, second):
        sentence = long_sentence(person)
        failure = contact_on(sentence, po, D(2024, 5, 1)).contact
        decide(sentence, po, Decision.WARNING, [failure])
        before = state()
        with pytest.raises(ValidationError) as caught:
            decide(sentence, po, second, [failure])
        assert "triggering_contacts" in caught.value.message_dict
        assert state() == before

    def test_decided_at_not_in_the_future(self, person, po):
        sentence = long_sentence(person)
        failure = contact_on(sentence, po, D(2024, 5, 1)).contact
        before = state()
        with pytest.raises(ValidationError) as caught:
            decide(sentence, po, Decision.WARNING, [failure], at=timezone.now() + dt.timedelta(minutes=5))
        assert "decided_at" in caught.value.message_dict
        assert state() == before

    def test_decided_at_not_before_the_failure(self, person, po):
        sentence = long_sentence(person)
        failure = contact_on(sentence, po, D(2024, 5, 1), hour=14).contact
        before = state()
        with pytest.raises(ValidationError) as caught:
            decide(sentence, po, Decision.WARNING, [failure], at=local_datetime(D(2024, 5, 1), 13, 59))
        assert "decided_at" in caught.value.message_dict
        assert state() == before
        # The same minute as the appointment is not before it.
        decide(sentence, po, Decision.WARNING, [failure], at=local_datetime(D(2024, 5, 1), 14))

    def test_not_after_the_sentence_ended(self, person, po):
        sentence = long_sentence(person)
        sentence.termination_date, sentence.termination_reason = D(2024, 6, 30), "revoked_breach"
        sentence.save()
        before = state()
        with pytest.raises(ValidationError) as caught:
            decide(sentence, po, Decision.BREACH, at=local_datetime(D(2024, 7, 1)))
        assert "decided_at" in caught.value.message_dict
        assert state() == before
        decide(sentence, po, Decision.BREACH, at=local_datetime(D(2024, 6, 30), 23))


class TestCorrection:
    def snapshot(self, decision: EnforcementDecision) -> tuple:
        stored = EnforcementDecision.objects.get(pk=decision.pk)
        return (
            stored.decision,
            stored.proposed,
            stored.rationale,
            stored.decided_by_id,
            stored.decided_at,
            stored.corrects_id,
            sorted(stored.triggering_contacts.values_list("pk", flat=True)),
        )

    def test_points_at_the_original_and_leaves_it_untouched(self, person, po, spo):
        sentence = long_sentence(person)
        failure = contact_on(sentence, po, D(2024, 5, 1)).contact
        original = decide(sentence, po, Decision.WARNING, [failure])
        as_it_was = self.snapshot(original)
        correction = decide(
            sentence,
            spo,
            Decision.NO_FURTHER_ACTION,
            corrects=original,
            at=local_datetime(D(2024, 5, 10)),
            rationale="Hospital letter produced: the absence was acceptable after all.",
        )
        assert correction.corrects == original
        assert EnforcementDecision.objects.get(pk=original.pk).corrected_by == correction
        assert self.snapshot(original) == as_it_was
        # The correction answers the same failure when it names none of its own.
        assert list(correction.triggering_contacts.all()) == [failure]
        assert list(effective_decisions(sentence)) == [correction]

    def test_may_name_different_failures(self, person, po):
        sentence = long_sentence(person)
        wrong = contact_on(sentence, po, D(2024, 5, 1)).contact
        right = contact_on(sentence, po, D(2024, 5, 2)).contact
        original = decide(sentence, po, Decision.WARNING, [wrong])
        correction = decide(sentence, po, Decision.WARNING, [right], corrects=original)
        assert list(correction.triggering_contacts.all()) == [right]
        # The first failure is free to be answered again, by a new decision.
        decide(sentence, po, Decision.NO_FURTHER_ACTION, [wrong], at=local_datetime(D(2024, 5, 20)))

    def test_cannot_take_a_failure_another_decision_answers(self, person, po):
        sentence = long_sentence(person)
        first = contact_on(sentence, po, D(2024, 5, 1)).contact
        second = contact_on(sentence, po, D(2024, 5, 2)).contact
        decide(sentence, po, Decision.WARNING, [first])
        other = decide(sentence, po, Decision.NO_FURTHER_ACTION, [second])
        before = state()
        with pytest.raises(ValidationError) as caught:
            decide(sentence, po, Decision.WARNING, [first], corrects=other, at=local_datetime(D(2024, 5, 9)))
        assert "triggering_contacts" in caught.value.message_dict
        assert state() == before

    def test_a_decision_is_corrected_only_once(self, person, po):
        sentence = long_sentence(person)
        failure = contact_on(sentence, po, D(2024, 5, 1)).contact
        original = decide(sentence, po, Decision.WARNING, [failure])
        correction = decide(
            sentence, po, Decision.NO_FURTHER_ACTION, corrects=original, at=local_datetime(D(2024, 5, 5))
        )
        before = state()
        with pytest.raises(ValidationError) as caught:
            decide(sentence, po, Decision.BREACH, corrects=original, at=local_datetime(D(2024, 5, 6)))
        assert "corrects" in caught.value.message_dict
        assert state() == before
        # The chain goes on from the latest correction.
        again = decide(sentence, po, Decision.WARNING, corrects=correction, at=local_datetime(D(2024, 5, 7)))
        assert list(effective_decisions(sentence)) == [again]

    def test_a_failure_answered_by_a_corrected_decision_is_answered_by_the_correction(self, person, po):
        sentence = long_sentence(person)
        failure = contact_on(sentence, po, D(2024, 5, 1)).contact
        original = decide(sentence, po, Decision.WARNING, [failure])
        decide(sentence, po, Decision.NO_FURTHER_ACTION, corrects=original, at=local_datetime(D(2024, 5, 5)))
        before = state()
        with pytest.raises(ValidationError):
            decide(sentence, po, Decision.WARNING, [failure], at=local_datetime(D(2024, 5, 6)))
        assert state() == before

    def test_must_be_on_the_same_sentence(self, person, po):
        sentence, other = long_sentence(person), long_sentence(person)
        original = decide(sentence, po, Decision.BREACH, at=local_datetime(D(2024, 5, 1)))
        before = state()
        with pytest.raises(ValidationError) as caught:
            decide(other, po, Decision.BREACH, corrects=original, at=local_datetime(D(2024, 5, 2)))
        assert "corrects" in caught.value.message_dict
        assert state() == before

    def test_not_dated_before_the_original(self, person, po):
        sentence = long_sentence(person)
        original = decide(sentence, po, Decision.BREACH, at=local_datetime(D(2024, 5, 10)))
        before = state()
        with pytest.raises(ValidationError) as caught:
            decide(
                sentence, po, Decision.NO_FURTHER_ACTION, corrects=original, at=local_datetime(D(2024, 5, 9))
            )
        assert "decided_at" in caught.value.message_dict
        assert state() == before

    def test_correction_must_itself_be_allowed_for_the_sentence(self, person, po):
        sentence = long_sentence(person, SentenceType.LICENCE)
        failure = contact_on(sentence, po, D(2024, 5, 1)).contact
        original = decide(sentence, po, Decision.WARNING, [failure])
        before = state()
        with pytest.raises(ValidationError) as caught:
            decide(sentence, po, Decision.BREACH, corrects=original)
        assert "decision" in caught.value.message_dict
        assert state() == before


# --- outcomes -------------------------------------------------------------------------------------------


OUTCOMES = {
    Decision.BREACH: {
        DecisionOutcome.BREACH_PROVEN,
        DecisionOutcome.BREACH_NOT_PROVEN,
        DecisionOutcome.BREACH_WITHDRAWN,
    },
    Decision.RECALL_STANDARD: {DecisionOutcome.RECALL_APPROVED, DecisionOutcome.RECALL_REJECTED},
    Decision.RECALL_FIXED_TERM: {DecisionOutcome.RECALL_APPROVED, DecisionOutcome.RECALL_REJECTED},
    Decision.RECALL_EMERGENCY: {DecisionOutcome.RECALL_APPROVED, DecisionOutcome.RECALL_REJECTED},
    Decision.WARNING: set(),
    Decision.NO_FURTHER_ACTION: set(),
}


class TestOutcome:
    def decision(self, person, po, choice) -> EnforcementDecision:
        sentence = long_sentence(
            person, SentenceType.LICENCE if choice in RECALLS else SentenceType.COMMUNITY_ORDER
        )
        failure = contact_on(sentence, po, D(2024, 5, 1)).contact
        return decide(sentence, po, choice, [failure], at=local_datetime(D(2024, 5, 3)))

    @pytest.mark.parametrize("choice", list(OUTCOMES))
    @pytest.mark.parametrize("outcome", list(DecisionOutcome))
    def test_only_outcomes_that_fit_the_decision(self, person, po, choice, outcome):
        decision = self.decision(person, po, choice)
        if outcome in OUTCOMES[choice]:
            result = record_enforcement_outcome(
                by=po, decision=decision, outcome=outcome, outcome_date=D(2024, 6, 1)
            )
            stored = EnforcementOutcome.objects.get(decision=decision)
            assert (stored.pk, stored.outcome, stored.outcome_date, stored.recorded_by) == (
                result.pk,
                outcome,
                D(2024, 6, 1),
                po,
            )
        else:
            with pytest.raises(ValidationError) as caught:
                record_enforcement_outcome(
                    by=po, decision=decision, outcome=outcome, outcome_date=D(2024, 6, 1)
                )
            assert "outcome" in caught.value.message_dict
            assert EnforcementOutcome.objects.count() == 0

    def test_recorded_once(self, person, po):
        decision = self.decision(person, po, Decision.BREACH)
        record_enforcement_outcome(
            by=po, decision=decision, outcome="breach_proven", outcome_date=D(2024, 6, 1)
        )
        before = state()
        with pytest.raises(ValidationError):
            record_enforcement_outcome(
                by=po, decision=decision, outcome="breach_withdrawn", outcome_date=D(2024, 6, 2)
            )
        assert state() == before

    def test_not_on_a_corrected_decision(self, person, po):
        decision = self.decision(person, po, Decision.RECALL_STANDARD)
        correction = decide(decision.sentence, po, Decision.RECALL_FIXED_TERM, corrects=decision)
        before = state()
        with pytest.raises(ValidationError) as caught:
            record_enforcement_outcome(
                by=po, decision=decision, outcome="recall_approved", outcome_date=today()
            )
        assert "decision" in caught.value.message_dict
        assert state() == before
        record_enforcement_outcome(
            by=po, decision=correction, outcome="recall_approved", outcome_date=today()
        )

    @pytest.mark.parametrize("outcome_date", [D(2024, 5, 2), today() + dt.timedelta(days=1)])
    def test_date_between_the_decision_and_today(self, person, po, outcome_date):
        decision = self.decision(person, po, Decision.BREACH)
        with pytest.raises(ValidationError) as caught:
            record_enforcement_outcome(
                by=po, decision=decision, outcome="breach_proven", outcome_date=outcome_date
            )
        assert "outcome_date" in caught.value.message_dict
        assert EnforcementOutcome.objects.count() == 0
        record_enforcement_outcome(
            by=po, decision=decision, outcome="breach_proven", outcome_date=D(2024, 5, 3)
        )
        assert EnforcementOutcome.objects.get().outcome_date == D(2024, 5, 3)


def test_unacceptable_failure_on_a_factory_contact_is_proposed_for(person):
    contact = ContactFactory(
        outcome=ContactOutcome.ATTENDED_FAILED_TO_COMPLY, sentence=long_sentence(person, "SSO")
    )
    assert propose_enforcement(contact).decision == Decision.WARNING
