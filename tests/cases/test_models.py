import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evenhand.cases.models import (
    Allocation,
    Contact,
    ContactOutcome,
    Decision,
    EnforcementDecision,
    EnforcementOutcome,
    ImmutableRecordError,
    Offence,
    Requirement,
    RequirementType,
    RiskSummary,
    Sentence,
    SentenceType,
    TerminationReason,
)
from tests.factories import (
    AllocationFactory,
    ContactFactory,
    OffenceFactory,
    PersonFactory,
    RequirementFactory,
    RiskSummaryFactory,
    SentenceFactory,
    StaffMemberFactory,
)

pytestmark = pytest.mark.django_db

db_settings = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def refused(instance) -> None:
    """The row is refused both by full_clean and, bypassing it, by the database."""
    with pytest.raises(ValidationError):
        instance.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()


class TestSentence:
    def unsaved(self, **fields) -> Sentence:
        return Sentence(
            person=PersonFactory(),
            type=SentenceType.COMMUNITY_ORDER,
            court="Leeds Crown Court",
            **({"start_date": dt.date(2025, 1, 10), "expected_end_date": dt.date(2026, 1, 10)} | fields),
        )

    @pytest.mark.parametrize("end", [dt.date(2025, 1, 10), dt.date(2025, 1, 9)])
    def test_expected_end_after_start(self, end):
        refused(self.unsaved(expected_end_date=end))

    def test_termination_not_before_start(self):
        refused(
            self.unsaved(termination_date=dt.date(2025, 1, 9), termination_reason=TerminationReason.OTHER)
        )

    def test_termination_date_needs_a_reason(self):
        refused(self.unsaved(termination_date=dt.date(2025, 6, 1)))

    def test_reason_needs_a_termination_date(self):
        refused(self.unsaved(termination_reason=TerminationReason.COMPLETED))

    def test_valid_termination_accepted(self):
        sentence = self.unsaved(
            termination_date=dt.date(2025, 1, 10), termination_reason=TerminationReason.DIED
        )
        sentence.full_clean()
        sentence.save()
        assert not Sentence.objects.get(pk=sentence.pk).is_active

    @pytest.mark.parametrize(("days", "active"), [(None, True), (1, True), (0, True), (-1, False)])
    def test_active_until_its_termination_date_has_passed(self, days, active):
        termination = None if days is None else timezone.localdate() + dt.timedelta(days=days)
        sentence = SentenceFactory.build(
            termination_date=termination, termination_reason="completed" if termination else ""
        )
        assert sentence.is_active is active

    @pytest.mark.parametrize(
        ("type", "court_order"),
        [("CO", True), ("SSO", True), ("LIC", False), ("PSS", False)],
    )
    def test_court_orders(self, type, court_order):
        assert SentenceFactory.build(type=type).is_court_order is court_order


class TestOffence:
    def test_one_main_offence_per_sentence(self):
        sentence = SentenceFactory()  # has its main offence
        refused(Offence(sentence=sentence, category="theft", is_main=True))
        assert sentence.offences.filter(is_main=True).count() == 1

    def test_other_offences_may_be_added(self):
        sentence = SentenceFactory()
        OffenceFactory.create_batch(2, sentence=sentence, is_main=False)
        extra = Offence(sentence=sentence, category="drugs")
        extra.full_clean()
        assert sentence.offences.count() == 3

    def test_main_offences_on_different_sentences(self):
        person = PersonFactory()
        SentenceFactory.create_batch(2, person=person)
        assert Offence.objects.filter(sentence__person=person, is_main=True).count() == 2

    def test_flags_in_words(self):
        offence = OffenceFactory.build(racially_or_religiously_aggravated=True, domestic_abuse=True)
        assert offence.flags == ["Racially or religiously aggravated", "Domestic abuse"]


class TestRequirement:
    @db_settings
    @given(hours=st.integers(0, 1000))
    def test_unpaid_work_hours_between_40_and_300(self, hours):
        sentence = SentenceFactory(requirements=[])
        requirement = Requirement(
            sentence=sentence, type=RequirementType.UNPAID_WORK, unpaid_work_hours=hours
        )
        with transaction.atomic():
            if 40 <= hours <= 300:
                requirement.full_clean()
                requirement.save()
                assert Requirement.objects.filter(pk=requirement.pk).exists()
            else:
                refused(requirement)
            transaction.set_rollback(True)

    @pytest.mark.parametrize("days", [0, 401])
    def test_rar_days_between_1_and_400(self, days):
        refused(Requirement(sentence=SentenceFactory(), type=RequirementType.RAR, rar_days=days))

    def test_hours_limit_applies_only_to_unpaid_work(self):
        requirement = RequirementFactory(type=RequirementType.CURFEW, length_months=6)
        requirement.full_clean()

    @pytest.mark.parametrize("type", [RequirementType.UNPAID_WORK, RequirementType.RAR])
    def test_unpaid_work_needs_hours_and_rar_needs_days(self, type):
        refused(Requirement(sentence=SentenceFactory(), type=type))


class TestAllocation:
    def test_one_open_allocation_per_sentence(self):
        allocation = AllocationFactory()
        second = AllocationFactory.build(
            sentence=allocation.sentence,
            practitioner=StaffMemberFactory(pdu=allocation.sentence.person.pdu),
            allocated_by=allocation.allocated_by,
        )
        refused(second)
        assert Allocation.objects.filter(sentence=allocation.sentence, end_date__isnull=True).count() == 1

    def test_closed_allocations_do_not_count(self):
        first = AllocationFactory(end_date=timezone.localdate())
        second = AllocationFactory(sentence=first.sentence, allocated_by=first.allocated_by)
        second.full_clean()
        assert first.sentence.allocations.count() == 2

    def test_end_not_before_start(self):
        allocation = AllocationFactory.build(
            sentence=SentenceFactory(), practitioner=StaffMemberFactory(), allocated_by=StaffMemberFactory()
        )
        allocation.end_date = allocation.start_date - dt.timedelta(days=1)
        refused(allocation)


class TestRiskSummary:
    @pytest.mark.parametrize(("category", "level"), [(1, None), (None, 2)])
    def test_mappa_category_and_level_together(self, category, level):
        refused(
            RiskSummaryFactory.build(
                person=PersonFactory(), recorded_by=None, mappa_category=category, mappa_level=level
            )
        )

    @pytest.mark.parametrize(("category", "level"), [(None, None), (2, 1), (4, 3)])
    def test_both_or_neither_accepted(self, category, level):
        summary = RiskSummaryFactory(mappa_category=category, mappa_level=level)
        summary.full_clean()
        assert RiskSummary.objects.filter(pk=summary.pk, mappa_level=level).exists()


class TestContact:
    @pytest.mark.parametrize(
        ("outcome", "with_time", "with_by"),
        [
            (ContactOutcome.ATTENDED_COMPLIED, False, False),
            (ContactOutcome.ATTENDED_COMPLIED, True, False),
            (ContactOutcome.ATTENDED_COMPLIED, False, True),
            ("", True, False),
            ("", False, True),
            ("", True, True),
        ],
    )
    def test_outcome_goes_with_when_and_by_whom(self, outcome, with_time, with_by):
        contact = ContactFactory()
        contact.outcome = outcome
        contact.outcome_recorded_at = timezone.now() if with_time else None
        contact.outcome_recorded_by = contact.recorded_by if with_by else None
        refused(contact)

    @pytest.mark.parametrize(
        ("outcome", "enforceable"),
        [
            (ContactOutcome.ATTENDED_COMPLIED, False),
            (ContactOutcome.ATTENDED_FAILED_TO_COMPLY, True),
            (ContactOutcome.FAILED_ACCEPTABLE, False),
            (ContactOutcome.FAILED_UNACCEPTABLE, True),
            (ContactOutcome.RESCHEDULED, False),
            ("", False),
        ],
    )
    def test_enforceable_outcomes(self, outcome, enforceable):
        contact = ContactFactory(outcome=outcome)
        contact.full_clean()
        assert contact.is_enforceable is enforceable


def make_decision(**fields) -> EnforcementDecision:
    contact = ContactFactory(outcome=ContactOutcome.FAILED_UNACCEPTABLE)
    decision = EnforcementDecision.objects.create(
        **{
            "sentence": contact.sentence,
            "decision": Decision.WARNING,
            "rationale": "First unacceptable absence: warning letter sent.",
            "decided_by": contact.recorded_by,
            "decided_at": timezone.now(),
        }
        | fields
    )
    decision.triggering_contacts.add(contact)
    return decision


class TestEnforcementDecision:
    def test_rationale_must_not_be_empty(self):
        contact = ContactFactory()
        decision = EnforcementDecision(
            sentence=contact.sentence,
            decision=Decision.NO_FURTHER_ACTION,
            rationale="",
            decided_by=contact.recorded_by,
            decided_at=timezone.now(),
        )
        refused(decision)
        assert EnforcementDecision.objects.count() == 0

    def test_cannot_be_saved_again(self):
        decision = make_decision()
        decision.rationale = "Rewritten after the event."
        with pytest.raises(ImmutableRecordError):
            decision.save()
        with pytest.raises(ImmutableRecordError):
            decision.save(update_fields=["rationale"])
        assert EnforcementDecision.objects.get(pk=decision.pk).rationale.startswith("First unacceptable")

    def test_cannot_be_deleted(self):
        decision = make_decision()
        with pytest.raises(ImmutableRecordError):
            decision.delete()
        assert EnforcementDecision.objects.filter(pk=decision.pk).exists()

    def test_sentence_with_decisions_cannot_be_deleted(self):
        decision = make_decision()
        with pytest.raises(IntegrityError), transaction.atomic():
            decision.sentence.delete()
        assert EnforcementDecision.objects.filter(pk=decision.pk).exists()

    def test_a_decision_is_corrected_at_most_once(self):
        original = make_decision()
        make_decision(sentence=original.sentence, decision=Decision.NO_FURTHER_ACTION, corrects=original)
        with pytest.raises(IntegrityError), transaction.atomic():
            make_decision(sentence=original.sentence, decision=Decision.BREACH, corrects=original)

    def test_is_recall(self):
        assert EnforcementDecision(decision=Decision.RECALL_FIXED_TERM).is_recall
        assert not EnforcementDecision(decision=Decision.BREACH).is_recall

    def test_one_outcome_per_decision(self):
        decision = make_decision(decision=Decision.BREACH)
        EnforcementOutcome.objects.create(
            decision=decision,
            outcome="breach_proven",
            outcome_date=timezone.localdate(),
            recorded_by=decision.decided_by,
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            EnforcementOutcome.objects.create(
                decision=decision,
                outcome="breach_withdrawn",
                outcome_date=timezone.localdate(),
                recorded_by=decision.decided_by,
            )


def test_contact_str_and_requirement_str():
    contact = Contact(type="office", starts_at=timezone.make_aware(dt.datetime(2025, 3, 4, 9, 30)))
    assert str(contact) == "Office appointment on 4 March 2025 at 9:30am"
    assert str(Requirement(type=RequirementType.UNPAID_WORK, unpaid_work_hours=80)) == "Unpaid work, 80 hours"
