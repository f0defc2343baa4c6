"""Sentences, allocation, risk, assessments, contacts and referrals (enforcement is in test_enforcement.py)."""

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from evenhand.cases import services as cases
from evenhand.cases.models import (
    NEXT_STATUSES,
    Allocation,
    AllocationReason,
    Contact,
    ContactOutcome,
    ContactType,
    Decision,
    Offence,
    OffenceCategory,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Requirement,
    RequirementType,
    RiskSummary,
    RoshLevel,
    Sentence,
    SentenceType,
    Tier,
)
from evenhand.core.dates import years_after
from evenhand.org.models import Grade
from evenhand.people.access import can_view_person
from evenhand.people.models import Exclusion, Restriction
from tests.factories import (
    AllocationFactory,
    ContactFactory,
    PDUFactory,
    PersonFactory,
    RiskSummaryFactory,
    SentenceFactory,
    StaffMemberFactory,
    local_datetime,
    today,
)

from .helpers import contact_on, long_sentence

pytestmark = pytest.mark.django_db

D = dt.date
MAIN = cases.OffenceInput(category=OffenceCategory.VIOLENCE, description="Assault by beating", is_main=True)
OTHER = cases.OffenceInput(category=OffenceCategory.CRIMINAL_DAMAGE, racially_or_religiously_aggravated=True)
UNPAID_WORK = cases.RequirementInput(type=RequirementType.UNPAID_WORK, unpaid_work_hours=120)
RAR = cases.RequirementInput(type=RequirementType.RAR, rar_days=20)


def rows() -> dict[str, int]:
    return {
        "sentences": Sentence.objects.count(),
        "offences": Offence.objects.count(),
        "requirements": Requirement.objects.count(),
    }


# --- sentences ------------------------------------------------------------------------------------------


class TestCreateSentence:
    def new(self, by, person, **overrides: Any) -> Sentence:
        fields: dict[str, Any] = {
            "type": SentenceType.COMMUNITY_ORDER,
            "court": "Leeds Magistrates' Court",
            "start_date": D(2025, 3, 3),
            "expected_end_date": D(2026, 9, 3),
            "offences": [MAIN, OTHER],
            "requirements": [UNPAID_WORK, RAR],
        }
        return cases.create_sentence(by=by, person=person, **(fields | overrides))

    def test_community_order_with_its_offences_and_requirements(self, po, person):
        sentence = self.new(po, person)
        stored = Sentence.objects.get(pk=sentence.pk)
        assert (stored.person, stored.type, stored.start_date, stored.expected_end_date) == (
            person,
            "CO",
            D(2025, 3, 3),
            D(2026, 9, 3),
        )
        assert stored.is_active and stored.termination_reason == ""
        main = stored.offences.get(is_main=True)
        assert (main.category, main.description) == ("violence", "Assault by beating")
        other = stored.offences.get(is_main=False)
        assert other.racially_or_religiously_aggravated
        assert sorted(stored.requirements.values_list("type", "unpaid_work_hours", "rar_days")) == [
            ("rar", None, 20),
            ("unpaid_work", 120, None),
        ]

    @pytest.mark.parametrize(
        "offences", [[], [OTHER], [MAIN, MAIN], [MAIN, cases.OffenceInput(category="drugs", is_main=True)]]
    )
    def test_exactly_one_main_offence(self, po, person, offences):
        with pytest.raises(ValidationError) as caught:
            self.new(po, person, offences=offences)
        assert "offences" in caught.value.message_dict
        assert rows() == {"sentences": 0, "offences": 0, "requirements": 0}

    def test_community_order_needs_a_requirement(self, po, person):
        with pytest.raises(ValidationError) as caught:
            self.new(po, person, requirements=[])
        assert "requirements" in caught.value.message_dict
        assert rows()["sentences"] == 0

    def test_suspended_sentence_order_may_have_no_requirement(self, po, person):
        sentence = self.new(po, person, type=SentenceType.SUSPENDED_SENTENCE_ORDER, requirements=[])
        assert sentence.requirements.count() == 0

    @pytest.mark.parametrize("type", [SentenceType.LICENCE, SentenceType.POST_SENTENCE_SUPERVISION])
    def test_licence_and_pss_need_a_custody_sentence(self, po, person, type):
        with pytest.raises(ValidationError) as caught:
            self.new(po, person, type=type, court="HMP Leeds", requirements=[])
        assert "custody" in caught.value.message_dict
        assert rows()["sentences"] == 0

    @pytest.mark.parametrize("type", [SentenceType.LICENCE, SentenceType.POST_SENTENCE_SUPERVISION])
    def test_licence_and_pss_cannot_have_a_rar(self, po, person, type):
        custody = self.new(
            po,
            person,
            type=SentenceType.CUSTODY,
            length=12,
            length_unit="months",
            expected_end_date=D(2025, 9, 3),
            offences=[cases.OffenceInput(category="theft", is_main=True, committed_on=D(2025, 1, 1))],
            requirements=[],
        )
        with pytest.raises(ValidationError) as caught:
            self.new(po, person, type=type, court="HMP Leeds", requirements=[RAR], custody=custody)
        assert "requirements" in caught.value.message_dict
        assert rows()["sentences"] == 1
        assert (
            self.new(po, person, type=type, court="HMP Leeds", requirements=[], custody=custody).type == type
        )

    @pytest.mark.parametrize("end", [D(2025, 3, 3), D(2025, 3, 2)])
    def test_expected_end_after_start(self, po, person, end):
        with pytest.raises(ValidationError) as caught:
            self.new(po, person, expected_end_date=end)
        assert "expected_end_date" in caught.value.message_dict
        assert rows()["sentences"] == 0

    def test_court_required(self, po, person):
        with pytest.raises(ValidationError) as caught:
            self.new(po, person, court="   ")
        assert "court" in caught.value.message_dict

    @pytest.mark.parametrize(
        "requirement",
        [
            cases.RequirementInput(type=RequirementType.UNPAID_WORK, unpaid_work_hours=39),
            cases.RequirementInput(type=RequirementType.UNPAID_WORK, unpaid_work_hours=301),
            cases.RequirementInput(type=RequirementType.RAR, rar_days=0),
            cases.RequirementInput(type="tagging"),
        ],
    )
    def test_an_invalid_requirement_rolls_the_whole_sentence_back(self, po, person, requirement):
        with pytest.raises(ValidationError):
            self.new(po, person, requirements=[RAR, requirement])
        assert rows() == {"sentences": 0, "offences": 0, "requirements": 0}

    def test_an_invalid_offence_rolls_the_whole_sentence_back(self, po, person):
        with pytest.raises(ValidationError):
            self.new(po, person, offences=[MAIN, cases.OffenceInput(category="jaywalking")])
        assert rows() == {"sentences": 0, "offences": 0, "requirements": 0}

    def test_unpaid_work_needs_its_hours(self, po, person):
        with pytest.raises(ValidationError):
            self.new(po, person, requirements=[cases.RequirementInput(type=RequirementType.UNPAID_WORK)])


class TestTerminateSentence:
    def test_ends_the_sentence_and_its_open_allocation(self, po, person):
        sentence = SentenceFactory(person=person, start_date=D(2025, 1, 6))
        closed = AllocationFactory(sentence=sentence, start_date=D(2025, 1, 6), end_date=D(2025, 2, 1))
        current = AllocationFactory(sentence=sentence, practitioner=po, start_date=D(2025, 2, 2))
        cases.terminate_sentence(
            by=po, sentence=sentence, termination_date=D(2025, 10, 1), reason="completed"
        )
        sentence.refresh_from_db()
        assert (sentence.termination_date, sentence.termination_reason) == (D(2025, 10, 1), "completed")
        assert not sentence.is_active
        current.refresh_from_db()
        closed.refresh_from_db()
        assert current.end_date == D(2025, 10, 1)
        assert closed.end_date == D(2025, 2, 1)

    def test_only_once(self, po, person):
        sentence = SentenceFactory(person=person, start_date=D(2025, 1, 6))
        cases.terminate_sentence(
            by=po, sentence=sentence, termination_date=D(2025, 10, 1), reason="completed"
        )
        with pytest.raises(ValidationError) as caught:
            cases.terminate_sentence(
                by=po, sentence=sentence, termination_date=D(2025, 11, 1), reason="other"
            )
        assert "termination_date" in caught.value.message_dict
        sentence.refresh_from_db()
        assert (sentence.termination_date, sentence.termination_reason) == (D(2025, 10, 1), "completed")

    @pytest.mark.parametrize(
        ("termination_date", "reason"),
        [(D(2025, 1, 5), "completed"), (D(2025, 5, 1), ""), (D(2025, 5, 1), "escaped")],
    )
    def test_invalid_termination_rejected(self, po, person, termination_date, reason):
        sentence = SentenceFactory(person=person, start_date=D(2025, 1, 6))
        allocation = AllocationFactory(sentence=sentence)
        with pytest.raises(ValidationError):
            cases.terminate_sentence(
                by=po, sentence=sentence, termination_date=termination_date, reason=reason
            )
        sentence.refresh_from_db()
        allocation.refresh_from_db()
        assert sentence.termination_date is None and allocation.end_date is None

    def test_termination_before_the_current_allocation_started_is_reported_in_words(self, po, person):
        sentence = SentenceFactory(person=person, start_date=D(2025, 1, 6))
        AllocationFactory(sentence=sentence, practitioner=po, start_date=D(2025, 4, 1))
        with pytest.raises(ValidationError):
            cases.terminate_sentence(by=po, sentence=sentence, termination_date=D(2025, 3, 1), reason="other")


# --- allocation -----------------------------------------------------------------------------------------


class TestAllocate:
    def allocate(self, by, sentence, practitioner, start=None, **kwargs) -> Allocation:
        return cases.allocate(
            by=by,
            sentence=sentence,
            practitioner=practitioner,
            reason=kwargs.pop("reason", AllocationReason.NEW_CASE),
            start_date=start or sentence.start_date,
            **kwargs,
        )

    @pytest.mark.parametrize("manager", [Grade.SPO, Grade.HEAD_OF_PDU])
    @pytest.mark.parametrize("grade", [Grade.PSO, Grade.PO])
    def test_a_manager_allocates_to_a_pso_or_po_in_the_pdu(self, person, manager, grade):
        by = StaffMemberFactory(grade=manager, pdu=person.pdu)
        practitioner = StaffMemberFactory(grade=grade, pdu=person.pdu)
        sentence = SentenceFactory(person=person)
        before = timezone.now()
        allocation = self.allocate(by, sentence, practitioner, rationale="  Has capacity and speaks Urdu.  ")
        stored = Allocation.objects.get(pk=allocation.pk)
        assert (stored.sentence, stored.practitioner, stored.allocated_by) == (sentence, practitioner, by)
        assert (stored.start_date, stored.end_date) == (sentence.start_date, None)
        assert stored.rationale == "Has capacity and speaks Urdu."
        assert before <= stored.allocated_at <= timezone.now()

    @pytest.mark.parametrize("grade", [Grade.PSO, Grade.PO, Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN])
    def test_only_managers_allocate(self, person, grade):
        by = StaffMemberFactory(grade=grade, pdu=person.pdu if grade in (Grade.PSO, Grade.PO) else None)
        with pytest.raises(PermissionDenied):
            self.allocate(
                by, SentenceFactory(person=person), StaffMemberFactory(grade=Grade.PO, pdu=person.pdu)
            )
        assert Allocation.objects.count() == 0

    @pytest.mark.parametrize(
        "grade", [Grade.SPO, Grade.HEAD_OF_PDU, Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN]
    )
    def test_only_psos_and_pos_hold_cases(self, person, spo, grade):
        practitioner = StaffMemberFactory(
            grade=grade, pdu=person.pdu if grade in (Grade.SPO, Grade.HEAD_OF_PDU) else None
        )
        with pytest.raises(ValidationError) as caught:
            self.allocate(spo, SentenceFactory(person=person), practitioner)
        assert "practitioner" in caught.value.message_dict
        assert Allocation.objects.count() == 0

    def test_only_to_a_practitioner_in_the_persons_pdu(self, person, spo):
        elsewhere = StaffMemberFactory(grade=Grade.PO, pdu=PDUFactory())
        with pytest.raises(ValidationError) as caught:
            self.allocate(spo, SentenceFactory(person=person), elsewhere)
        assert "practitioner" in caught.value.message_dict
        assert Allocation.objects.count() == 0

    def test_not_to_a_practitioner_who_has_left(self, person, spo):
        sentence = SentenceFactory(person=person)
        leaver = StaffMemberFactory(
            grade=Grade.PO, pdu=person.pdu, end_date=sentence.start_date - dt.timedelta(days=1)
        )
        with pytest.raises(ValidationError) as caught:
            self.allocate(spo, sentence, leaver)
        assert "practitioner" in caught.value.message_dict

    @pytest.mark.parametrize(
        ("rosh", "mappa"),
        [(RoshLevel.HIGH, None), (RoshLevel.VERY_HIGH, None), (RoshLevel.LOW, 2), (RoshLevel.MEDIUM, 3)],
    )
    def test_high_risk_or_mappa_needs_a_po(self, person, spo, pso, po, rosh, mappa):
        RiskSummaryFactory(person=person, rosh=rosh, mappa_category=mappa and 2, mappa_level=mappa)
        sentence = SentenceFactory(person=person)
        with pytest.raises(ValidationError) as caught:
            self.allocate(spo, sentence, pso)
        assert "practitioner" in caught.value.message_dict
        assert Allocation.objects.count() == 0
        assert self.allocate(spo, sentence, po).practitioner == po

    @pytest.mark.parametrize(
        ("rosh", "mappa"), [(RoshLevel.LOW, None), (RoshLevel.MEDIUM, None), (RoshLevel.LOW, 1)]
    )
    def test_low_or_medium_risk_may_go_to_a_pso(self, person, spo, pso, rosh, mappa):
        RiskSummaryFactory(person=person, rosh=rosh, mappa_category=mappa and 1, mappa_level=mappa)
        assert self.allocate(spo, SentenceFactory(person=person), pso).practitioner == pso

    def test_the_latest_risk_summary_decides(self, person, spo, pso):
        RiskSummaryFactory(person=person, rosh=RoshLevel.LOW, assessed_on=D(2025, 6, 1))
        RiskSummaryFactory(
            person=person, rosh=RoshLevel.HIGH, assessed_on=D(2025, 1, 1)
        )  # recorded later, older
        assert self.allocate(spo, SentenceFactory(person=person), pso).practitioner == pso
        RiskSummaryFactory(person=person, rosh=RoshLevel.VERY_HIGH, assessed_on=D(2025, 7, 1))
        with pytest.raises(ValidationError):
            self.allocate(spo, SentenceFactory(person=person), pso)

    def test_reallocation_closes_the_previous_allocation_the_day_before(self, person, spo, pso, po):
        sentence = SentenceFactory(person=person, start_date=D(2025, 1, 6))
        first = self.allocate(spo, sentence, pso, start=D(2025, 1, 6))
        second = self.allocate(
            spo, sentence, po, start=D(2025, 4, 1), reason=AllocationReason.CHANGE_IN_TIER_OR_RISK
        )
        first.refresh_from_db()
        assert first.end_date == D(2025, 3, 31)
        assert second.end_date is None
        assert list(Allocation.objects.filter(sentence=sentence, end_date__isnull=True)) == [second]

    def test_the_next_day_is_the_earliest_reallocation(self, person, spo, pso, po):
        sentence = SentenceFactory(person=person, start_date=D(2025, 1, 6))
        first = self.allocate(spo, sentence, pso, start=D(2025, 2, 1))
        for start in (D(2025, 2, 1), D(2025, 1, 31)):
            with pytest.raises(ValidationError) as caught:
                self.allocate(spo, sentence, po, start=start)
            assert "start_date" in caught.value.message_dict
        first.refresh_from_db()
        assert first.end_date is None
        self.allocate(spo, sentence, po, start=D(2025, 2, 2))
        first.refresh_from_db()
        assert first.end_date == D(2025, 2, 1)

    def test_same_practitioner_twice_rejected(self, person, spo, po):
        sentence = SentenceFactory(person=person, start_date=D(2025, 1, 6))
        first = self.allocate(spo, sentence, po)
        with pytest.raises(ValidationError) as caught:
            self.allocate(spo, sentence, po, start=D(2025, 5, 1))
        assert "practitioner" in caught.value.message_dict
        first.refresh_from_db()
        assert first.end_date is None
        assert Allocation.objects.count() == 1

    def test_not_before_the_sentence_nor_after_it_ended(self, person, spo, po):
        sentence = SentenceFactory(person=person, start_date=D(2025, 1, 6))
        with pytest.raises(ValidationError) as caught:
            self.allocate(spo, sentence, po, start=D(2025, 1, 5))
        assert "start_date" in caught.value.message_dict
        cases.terminate_sentence(
            by=spo, sentence=sentence, termination_date=D(2025, 6, 1), reason="completed"
        )
        sentence.refresh_from_db()
        with pytest.raises(ValidationError) as caught:
            self.allocate(spo, sentence, po, start=D(2025, 2, 1))
        assert "sentence" in caught.value.message_dict
        assert Allocation.objects.count() == 0

    @pytest.mark.parametrize("list_kind", ["exclusion", "restriction"])
    def test_not_to_a_practitioner_who_may_not_see_the_record(self, person, spo, po, list_kind):
        if list_kind == "exclusion":
            Exclusion.objects.create(person=person, staff=po, reason="Related to the victim")
        else:
            Restriction.objects.create(person=person, staff=spo, reason="Named worker")
        assert not can_view_person(po, person)
        with pytest.raises(ValidationError):
            self.allocate(spo, SentenceFactory(person=person), po)


# --- risk and assessment --------------------------------------------------------------------------------


class TestRiskAndAssessment:
    def test_records_a_risk_summary(self, po, person):
        summary = cases.record_risk_summary(
            by=po,
            person=person,
            rosh=RoshLevel.HIGH,
            tier=Tier.A2,
            assessed_on=D(2025, 5, 1),
            mappa_category=2,
            mappa_level=1,
        )
        stored = RiskSummary.objects.get(pk=summary.pk)
        assert (stored.rosh, stored.tier, stored.mappa_category, stored.mappa_level, stored.recorded_by) == (
            "H",
            "A2",
            2,
            1,
            po,
        )

    @pytest.mark.parametrize(("category", "level"), [(1, None), (None, 3)])
    def test_mappa_category_and_level_together(self, po, person, category, level):
        with pytest.raises(ValidationError):
            cases.record_risk_summary(
                by=po,
                person=person,
                rosh="M",
                tier="B2",
                assessed_on=D(2025, 5, 1),
                mappa_category=category,
                mappa_level=level,
            )
        assert RiskSummary.objects.count() == 0

    @pytest.mark.parametrize(("rosh", "tier"), [("X", "B2"), ("M", "E1")])
    def test_unknown_levels_rejected(self, po, person, rosh, tier):
        with pytest.raises(ValidationError):
            cases.record_risk_summary(by=po, person=person, rosh=rosh, tier=tier, assessed_on=D(2025, 5, 1))


# --- contacts -------------------------------------------------------------------------------------------


class TestContacts:
    def test_a_future_appointment_has_no_outcome_and_no_proposal(self, po, person):
        sentence = SentenceFactory(person=person)
        when = local_datetime(today() + dt.timedelta(days=7), 14, 30)
        recorded = cases.record_contact(
            by=po,
            sentence=sentence,
            type=ContactType.HOME_VISIT,
            starts_at=when,
            location=" 12 High Street ",
            notes=" Bring ID ",
        )
        assert recorded.proposal is None
        stored = Contact.objects.get(pk=recorded.contact.pk)
        assert (stored.person, stored.sentence, stored.type, stored.starts_at) == (
            person,
            sentence,
            "home_visit",
            when,
        )
        assert (stored.location, stored.notes, stored.recorded_by) == ("12 High Street", "Bring ID", po)
        assert (stored.outcome, stored.outcome_recorded_at, stored.outcome_recorded_by) == ("", None, None)

    def test_a_past_contact_with_its_outcome(self, po, person):
        sentence = SentenceFactory(person=person)
        before = timezone.now()
        recorded = cases.record_contact(
            by=po,
            sentence=sentence,
            type=ContactType.OFFICE_APPOINTMENT,
            starts_at=local_datetime(today() - dt.timedelta(days=2)),
            outcome=ContactOutcome.ATTENDED_COMPLIED,
        )
        stored = Contact.objects.get(pk=recorded.contact.pk)
        assert stored.outcome == "attended_complied"
        assert stored.outcome_recorded_by == po
        assert before <= stored.outcome_recorded_at <= timezone.now()
        assert recorded.proposal is None

    def test_an_unacceptable_failure_comes_back_with_its_proposal(self, po, person):
        sentence = SentenceFactory(person=person)
        recorded = cases.record_contact(
            by=po,
            sentence=sentence,
            type=ContactType.UNPAID_WORK,
            starts_at=local_datetime(today() - dt.timedelta(days=2)),
            outcome=ContactOutcome.FAILED_UNACCEPTABLE,
        )
        assert recorded.proposal.decision == Decision.WARNING

    def test_an_outcome_cannot_be_recorded_for_the_future(self, po, person):
        sentence = SentenceFactory(person=person)
        with pytest.raises(ValidationError) as caught:
            cases.record_contact(
                by=po,
                sentence=sentence,
                type=ContactType.PHONE,
                starts_at=timezone.now() + dt.timedelta(minutes=10),
                outcome=ContactOutcome.ATTENDED_COMPLIED,
            )
        assert "outcome" in caught.value.message_dict
        assert Contact.objects.count() == 0

    def test_naive_datetime_rejected(self, po, person):
        with pytest.raises(ValidationError) as caught:
            cases.record_contact(
                by=po,
                sentence=SentenceFactory(person=person),
                type="phone",
                starts_at=dt.datetime(2025, 5, 1, 10),
            )
        assert "starts_at" in caught.value.message_dict
        assert Contact.objects.count() == 0

    @pytest.mark.parametrize(
        ("day", "hour", "minute", "inside"),
        [
            (D(2025, 1, 5), 23, 59, False),  # the evening before the sentence started
            (D(2025, 1, 6), 0, 1, True),  # its first morning, in local time (GMT)
            (D(2025, 7, 6), 23, 30, True),  # last day (BST): 22:30 UTC, still the 6th locally
            (D(2025, 7, 7), 0, 30, False),  # the day after: 23:30 UTC on the 6th, but the 7th locally
        ],
    )
    def test_contact_within_the_sentence(self, po, person, day, hour, minute, inside):
        sentence = SentenceFactory(person=person, start_date=D(2025, 1, 6), expected_end_date=D(2025, 7, 6))
        starts_at = local_datetime(day, hour, minute)
        if inside:
            cases.record_contact(by=po, sentence=sentence, type="phone", starts_at=starts_at)
            assert Contact.objects.count() == 1
        else:
            with pytest.raises(ValidationError) as caught:
                cases.record_contact(by=po, sentence=sentence, type="phone", starts_at=starts_at)
            assert "starts_at" in caught.value.message_dict
            assert Contact.objects.count() == 0

    def test_not_after_the_sentence_was_terminated(self, po, person):
        sentence = SentenceFactory(person=person, start_date=D(2025, 1, 6), expected_end_date=D(2027, 1, 6))
        cases.terminate_sentence(by=po, sentence=sentence, termination_date=D(2025, 6, 30), reason="other")
        sentence.refresh_from_db()
        with pytest.raises(ValidationError):
            cases.record_contact(
                by=po, sentence=sentence, type="phone", starts_at=local_datetime(D(2025, 7, 1))
            )
        cases.record_contact(
            by=po, sentence=sentence, type="phone", starts_at=local_datetime(D(2025, 6, 30), 16)
        )
        assert Contact.objects.count() == 1

    def test_unknown_type_or_outcome_rejected(self, po, person):
        sentence = SentenceFactory(person=person)
        when = local_datetime(today() - dt.timedelta(days=1))
        with pytest.raises(ValidationError) as caught:
            cases.record_contact(by=po, sentence=sentence, type="carrier_pigeon", starts_at=when)
        assert "type" in caught.value.message_dict
        with pytest.raises(ValidationError) as caught:
            cases.record_contact(by=po, sentence=sentence, type="phone", starts_at=when, outcome="vanished")
        assert "outcome" in caught.value.message_dict
        assert Contact.objects.count() == 0


class TestContactOutcome:
    def pending(self, po, person, days_ago: int = 1, notes: str = "Agenda: housing.") -> Contact:
        return ContactFactory(
            sentence=SentenceFactory(person=person),
            recorded_by=po,
            starts_at=timezone.now() - dt.timedelta(days=days_ago),
            notes=notes,
        )

    def test_records_the_outcome_once_and_appends_notes(self, po, pso, person):
        contact = self.pending(po, person)
        before = timezone.now()
        recorded = cases.record_contact_outcome(
            by=pso,
            contact=contact,
            outcome=ContactOutcome.ATTENDED_FAILED_TO_COMPLY,
            notes="  Left after ten minutes. ",
        )
        stored = Contact.objects.get(pk=contact.pk)
        assert stored.outcome == "attended_failed"
        assert stored.outcome_recorded_by == pso
        assert stored.recorded_by == po  # who booked it is unchanged
        assert before <= stored.outcome_recorded_at <= timezone.now()
        assert stored.notes == "Agenda: housing.\n\nLeft after ten minutes."
        assert recorded.proposal.decision == Decision.WARNING
        with pytest.raises(ValidationError) as caught:
            cases.record_contact_outcome(
                by=po, contact=stored, outcome=ContactOutcome.ATTENDED_COMPLIED, notes="Changed my mind"
            )
        assert "outcome" in caught.value.message_dict
        again = Contact.objects.get(pk=contact.pk)
        assert (again.outcome, again.notes, again.outcome_recorded_by) == (stored.outcome, stored.notes, pso)

    def test_notes_on_an_empty_record_and_no_notes(self, po, person):
        first = self.pending(po, person, notes="")
        cases.record_contact_outcome(
            by=po, contact=first, outcome=ContactOutcome.RESCHEDULED, notes="Sick child"
        )
        assert Contact.objects.get(pk=first.pk).notes == "Sick child"
        second = self.pending(po, person)
        result = cases.record_contact_outcome(by=po, contact=second, outcome=ContactOutcome.FAILED_ACCEPTABLE)
        assert Contact.objects.get(pk=second.pk).notes == "Agenda: housing."
        assert result.proposal is None

    def test_outcome_required_and_valid(self, po, person):
        contact = self.pending(po, person)
        for outcome in ("", "absconded"):
            with pytest.raises(ValidationError) as caught:
                cases.record_contact_outcome(by=po, contact=contact, outcome=outcome)
            assert "outcome" in caught.value.message_dict
        assert Contact.objects.get(pk=contact.pk).outcome == ""

    def test_not_for_an_appointment_still_to_come(self, po, person):
        contact = self.pending(po, person, days_ago=-1)
        with pytest.raises(ValidationError) as caught:
            cases.record_contact_outcome(by=po, contact=contact, outcome=ContactOutcome.ATTENDED_COMPLIED)
        assert "outcome" in caught.value.message_dict
        stored = Contact.objects.get(pk=contact.pk)
        assert (stored.outcome, stored.outcome_recorded_at) == ("", None)

    def test_proposal_takes_account_of_earlier_warnings(self, po, person):
        sentence = long_sentence(person)
        first = contact_on(sentence, po, D(2024, 3, 1)).contact
        cases.decide_enforcement(
            by=po,
            sentence=sentence,
            decision=Decision.WARNING,
            rationale="First missed appointment, warning letter sent.",
            triggering_contacts=[first],
            decided_at=local_datetime(D(2024, 3, 2)),
        )
        pending = contact_on(sentence, po, D(2024, 4, 1), outcome="").contact
        recorded = cases.record_contact_outcome(
            by=po, contact=pending, outcome=ContactOutcome.FAILED_UNACCEPTABLE
        )
        assert recorded.proposal.decision == Decision.BREACH


# --- referrals ------------------------------------------------------------------------------------------


PATH_TO: dict[str, list[str]] = {
    ReferralStatus.MADE: [],
    ReferralStatus.ACCEPTED: [ReferralStatus.ACCEPTED],
    ReferralStatus.STARTED: [ReferralStatus.ACCEPTED, ReferralStatus.STARTED],
    ReferralStatus.COMPLETED: [ReferralStatus.ACCEPTED, ReferralStatus.STARTED, ReferralStatus.COMPLETED],
    ReferralStatus.DECLINED: [ReferralStatus.DECLINED],
    ReferralStatus.WITHDRAWN: [ReferralStatus.WITHDRAWN],
}
# Written out rather than read from NEXT_STATUSES, so that a change to the table is a visible decision.
ALLOWED_MOVES = {
    ("made", "accepted"),
    ("made", "declined"),
    ("made", "withdrawn"),
    ("accepted", "started"),
    ("accepted", "withdrawn"),
    ("started", "completed"),
    ("started", "withdrawn"),
}


REFERRAL_DAY = D(2025, 5, 1)


class TestReferrals:
    def make(self, po, person, made_on: dt.date = REFERRAL_DAY) -> Referral:
        sentence = SentenceFactory(person=person, start_date=D(2025, 1, 6))
        return cases.make_referral(
            by=po,
            sentence=sentence,
            service_area="accommodation",
            reason=" Sofa surfing ",
            made_on=made_on,
            provider=" St Mungo's ",
        )

    def test_made_with_its_first_history_row(self, po, person):
        referral = self.make(po, person)
        stored = Referral.objects.get(pk=referral.pk)
        assert (stored.person, stored.status, stored.status_changed_on, stored.made_by) == (
            person,
            "made",
            D(2025, 5, 1),
            po,
        )
        assert (stored.reason, stored.provider) == ("Sofa surfing", "St Mungo's")
        assert list(stored.status_changes.values_list("status", "changed_on", "changed_by")) == [
            ("made", D(2025, 5, 1), po.pk)
        ]

    @pytest.mark.parametrize(
        ("made_on", "field"), [(D(2025, 1, 5), "made_on"), (today() + dt.timedelta(days=1), "made_on")]
    )
    def test_date_within_the_sentence_and_not_in_the_future(self, po, person, made_on, field):
        with pytest.raises(ValidationError) as caught:
            self.make(po, person, made_on=made_on)
        assert field in caught.value.message_dict
        assert Referral.objects.count() == ReferralStatusChange.objects.count() == 0

    def test_reason_and_service_area_required(self, po, person):
        sentence = SentenceFactory(person=person)
        with pytest.raises(ValidationError) as caught:
            cases.make_referral(by=po, sentence=sentence, service_area="ete", reason="  ", made_on=today())
        assert "reason" in caught.value.message_dict
        with pytest.raises(ValidationError) as caught:
            cases.make_referral(
                by=po, sentence=sentence, service_area="astrology", reason="Because", made_on=today()
            )
        assert "service_area" in caught.value.message_dict
        assert Referral.objects.count() == 0

    def test_the_table_of_moves_is_as_documented(self):
        assert {(a, b) for a, nexts in NEXT_STATUSES.items() for b in nexts} == ALLOWED_MOVES

    @pytest.mark.parametrize(("current", "target"), list(itertools.product(ReferralStatus.values, repeat=2)))
    def test_status_moves(self, po, person, current, target):
        referral = self.make(po, person)
        day = D(2025, 5, 1)
        for step in PATH_TO[current]:
            day += dt.timedelta(days=1)
            referral = cases.update_referral_status(by=po, referral=referral, status=step, changed_on=day)
        history = list(
            ReferralStatusChange.objects.filter(referral=referral).values_list("status", flat=True)
        )
        assert history == ["made", *PATH_TO[current]]
        moved_on = day + dt.timedelta(days=3)
        if (current, target) in ALLOWED_MOVES:
            result = cases.update_referral_status(
                by=po, referral=referral, status=target, changed_on=moved_on, note=" Called them "
            )
            stored = Referral.objects.get(pk=referral.pk)
            assert (result.status, stored.status, stored.status_changed_on) == (target, target, moved_on)
            last = ReferralStatusChange.objects.filter(referral=referral).last()
            assert (last.status, last.changed_on, last.changed_by, last.note) == (
                target,
                moved_on,
                po,
                "Called them",
            )
        else:
            with pytest.raises(ValidationError) as caught:
                cases.update_referral_status(by=po, referral=referral, status=target, changed_on=moved_on)
            assert "status" in caught.value.message_dict
            stored = Referral.objects.get(pk=referral.pk)
            assert (stored.status, stored.status_changed_on) == (current, day)
            assert ReferralStatusChange.objects.filter(referral=referral).count() == len(history)

    def test_change_not_dated_before_the_last_one_nor_in_the_future(self, po, person):
        referral = self.make(po, person)
        referral = cases.update_referral_status(
            by=po, referral=referral, status="accepted", changed_on=D(2025, 5, 10)
        )
        for when in (D(2025, 5, 9), today() + dt.timedelta(days=1)):
            with pytest.raises(ValidationError) as caught:
                cases.update_referral_status(by=po, referral=referral, status="started", changed_on=when)
            assert "changed_on" in caught.value.message_dict
        assert Referral.objects.get(pk=referral.pk).status == "accepted"
        assert ReferralStatusChange.objects.filter(referral=referral).count() == 2
        # The same day as the last change is fine.
        cases.update_referral_status(by=po, referral=referral, status="started", changed_on=D(2025, 5, 10))
        assert Referral.objects.get(pk=referral.pk).status == "started"

    def test_a_stale_referral_object_cannot_skip_the_rules(self, po, person):
        referral = self.make(po, person)
        cases.update_referral_status(by=po, referral=referral, status="declined", changed_on=D(2025, 5, 2))
        # ``referral`` still says "made" in memory; the service must read the current status.
        with pytest.raises(ValidationError):
            cases.update_referral_status(
                by=po, referral=referral, status="accepted", changed_on=D(2025, 5, 3)
            )
        assert Referral.objects.get(pk=referral.pk).status == "declined"


# --- plausible values -------------------------------------------------------------------------------------
#
# Each of these was accepted before the services checked plausibility: a year 1 sentence, a decision dated
# 1900, 2 MB of notes, a NUL in a court's name. The message names the field and says what is wrong.

TWO_MB = "x" * 2 * 1024 * 1024
CONTROL_CHARACTERS = ["\x00", "\x07", "\x1b", "\x7f"]


def message(caught: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    """The one message a ValidationError gives against ``field`` (it must give one)."""
    (text,) = caught.value.message_dict[field]
    return text


class TestPlausibleSentences:
    new = TestCreateSentence.new

    @pytest.mark.parametrize(
        ("start", "end"),
        [
            (D(1, 1, 1), D(1, 6, 1)),
            (D(1899, 12, 31), D(1900, 6, 1)),
            (D(9999, 1, 1), D(9999, 6, 1)),
        ],
        ids=["year-1", "1899", "year-9999"],
    )
    def test_start_from_1900_to_ten_years_ahead(self, po, pdu, start, end):
        person = PersonFactory(pdu=pdu, date_of_birth=D(1870, 1, 1))
        with pytest.raises(ValidationError) as caught:
            self.new(po, person, start_date=start, expected_end_date=end)
        assert message(caught, "start_date").startswith("The start date must be between 1 January 1900 and ")
        assert rows() == {"sentences": 0, "offences": 0, "requirements": 0}

    def test_the_earliest_and_latest_starts_are_accepted(self, po, pdu):
        old = PersonFactory(pdu=pdu, date_of_birth=D(1870, 1, 1))
        assert self.new(po, old, start_date=D(1900, 1, 1), expected_end_date=D(1901, 1, 1)).pk
        latest = years_after(today(), 10)
        person = PersonFactory(pdu=pdu)
        assert self.new(po, person, start_date=latest, expected_end_date=latest + dt.timedelta(days=1)).pk
        with pytest.raises(ValidationError) as caught:
            self.new(
                po,
                PersonFactory(pdu=pdu),
                start_date=latest + dt.timedelta(days=1),
                expected_end_date=latest + dt.timedelta(days=200),
            )
        assert "start_date" in caught.value.message_dict

    def test_expected_end_at_most_ten_years_after_the_start(self, po, person):
        with pytest.raises(ValidationError) as caught:
            self.new(po, person, start_date=D(2025, 3, 3), expected_end_date=D(2035, 3, 4))
        assert (
            message(caught, "expected_end_date")
            == "The expected end date must be at most 10 years after the start"
        )
        assert rows()["sentences"] == 0
        assert self.new(po, person, start_date=D(2025, 3, 3), expected_end_date=D(2035, 3, 3)).pk

    @pytest.mark.parametrize(
        ("born", "refusal"),
        [
            (D(2015, 3, 4), "a sentence needs them to be 10 to 110"),  # 9 on the start date, 10 the day after
            (D(2007, 3, 4), "The person was 17 on the date of sentence"),  # 18 the day after
            (D(2007, 3, 3), None),  # 18 that day
            (D(1914, 3, 3), "a sentence needs them to be 10 to 110"),  # 111 that day
            (D(1914, 3, 4), None),  # still 110, 111 the day after
            (D(2030, 1, 1), "would not yet be born"),
        ],
    )
    def test_the_person_is_18_to_110_at_sentence(self, po, pdu, born, refusal):
        person = PersonFactory(pdu=pdu, date_of_birth=born)
        if refusal is None:
            assert self.new(po, person, start_date=D(2025, 3, 3)).pk
            return
        with pytest.raises(ValidationError) as caught:
            self.new(po, person, start_date=D(2025, 3, 3))
        assert refusal in message(caught, "start_date")
        assert rows()["sentences"] == 0

    @pytest.mark.parametrize("character", [*CONTROL_CHARACTERS, "\n", "\t"])
    def test_court_is_one_line_of_plain_text(self, po, person, character):
        with pytest.raises(ValidationError) as caught:
            self.new(po, person, court=f"Leeds{character}Magistrates' Court")
        assert message(caught, "court").startswith("The court must not contain control characters")
        assert rows()["sentences"] == 0

    def test_court_at_most_120_characters(self, po, person):
        with pytest.raises(ValidationError) as caught:
            self.new(po, person, court="C" * 121)
        assert message(caught, "court") == "The court must be 120 characters or fewer (it has 121)"
        assert self.new(po, person, court="C" * 120).court == "C" * 120

    @pytest.mark.parametrize(
        ("description", "text"),
        [
            (
                "Assault\x00by beating",
                "The offence description must not contain control characters (it has U+0000)",
            ),
            ("d" * 201, "The offence description must be 200 characters or fewer (it has 201)"),
        ],
        ids=["nul", "too-long"],
    )
    def test_offence_description_is_plain_and_short(self, po, person, description, text):
        offence = cases.OffenceInput(category=OffenceCategory.VIOLENCE, description=description, is_main=True)
        with pytest.raises(ValidationError) as caught:
            self.new(po, person, offences=[offence])
        assert message(caught, "offences") == text
        assert rows() == {"sentences": 0, "offences": 0, "requirements": 0}


class TestPlausibleDecisions:
    @pytest.fixture
    def sentence(self, person) -> Sentence:
        return SentenceFactory(person=person, start_date=D(2025, 1, 6), expected_end_date=D(2025, 7, 6))

    def decide(self, po, sentence, at: dt.datetime, **kwargs: Any):
        return cases.decide_enforcement(
            by=po,
            sentence=sentence,
            decision=kwargs.pop("decision", Decision.BREACH),
            rationale=kwargs.pop("rationale", "A further offence while on the order; breach action."),
            decided_at=at,
            **kwargs,
        )

    def test_a_decision_dated_1900_on_a_2025_sentence_is_refused(self, po, sentence):
        with pytest.raises(ValidationError) as caught:
            self.decide(po, sentence, local_datetime(D(1900, 1, 1)))
        assert message(caught, "decided_at") == (
            "The decision cannot be dated before the sentence started (6 January 2025)"
        )
        assert not sentence.enforcement_decisions.exists()

    def test_not_before_the_sentence_started(self, po, sentence):
        with pytest.raises(ValidationError) as caught:
            self.decide(po, sentence, local_datetime(D(2025, 1, 5), 23, 59))
        assert "decided_at" in caught.value.message_dict
        assert self.decide(po, sentence, local_datetime(D(2025, 1, 6), 0, 1)).pk

    def test_not_after_the_sentence_is_expected_to_end(self, po, sentence):
        with pytest.raises(ValidationError) as caught:
            self.decide(po, sentence, local_datetime(D(2025, 7, 7), 0, 30))
        assert message(caught, "decided_at") == (
            "The decision cannot be dated after the sentence is expected to end (6 July 2025)"
        )
        assert not sentence.enforcement_decisions.exists()
        assert self.decide(po, sentence, local_datetime(D(2025, 7, 6), 23, 30)).pk

    def test_not_before_the_failure_it_answers(self, po, sentence):
        failed = contact_on(sentence, po, D(2025, 3, 3)).contact
        with pytest.raises(ValidationError) as caught:
            self.decide(
                po,
                sentence,
                local_datetime(D(2025, 3, 2)),
                decision=Decision.WARNING,
                triggering_contacts=[failed],
            )
        assert "decided_at" in caught.value.message_dict

    def test_rationale_at_most_5000_characters(self, po, sentence):
        with pytest.raises(ValidationError) as caught:
            self.decide(po, sentence, local_datetime(D(2025, 3, 3)), rationale="r" * 5_001)
        assert message(caught, "rationale") == (
            "The reasons for the decision must be 5,000 characters or fewer (it has 5,001)"
        )
        assert not sentence.enforcement_decisions.exists()

    @pytest.mark.parametrize("character", CONTROL_CHARACTERS)
    def test_rationale_free_of_control_characters(self, po, sentence, character):
        with pytest.raises(ValidationError) as caught:
            self.decide(
                po,
                sentence,
                local_datetime(D(2025, 3, 3)),
                rationale=f"A further offence{character} on the order.",
            )
        assert "must not contain control characters" in message(caught, "rationale")
        assert not sentence.enforcement_decisions.exists()

    def test_rationale_may_run_over_lines(self, po, sentence):
        rationale = "A further offence on the order.\r\n\tBreach action is due."
        assert (
            self.decide(po, sentence, local_datetime(D(2025, 3, 3)), rationale=rationale).rationale
            == rationale
        )


class TestPlausibleContacts:
    def record(self, po, person, **kwargs: Any) -> cases.ContactRecorded:
        return cases.record_contact(
            by=po,
            sentence=kwargs.pop("sentence", None) or SentenceFactory(person=person),
            type="office",
            starts_at=local_datetime(today() - dt.timedelta(days=2)),
            outcome=ContactOutcome.ATTENDED_COMPLIED,
            **kwargs,
        )

    def test_notes_of_2_mb_are_refused(self, po, person):
        with pytest.raises(ValidationError) as caught:
            self.record(po, person, notes=TWO_MB)
        assert message(caught, "notes") == "The notes must be 5,000 characters or fewer (it has 2,097,152)"
        assert Contact.objects.count() == 0

    @pytest.mark.parametrize("character", CONTROL_CHARACTERS)
    def test_notes_free_of_control_characters(self, po, person, character):
        with pytest.raises(ValidationError) as caught:
            self.record(po, person, notes=f"Discussed{character} housing.")
        assert "must not contain control characters" in message(caught, "notes")
        assert Contact.objects.count() == 0

    def test_notes_may_run_over_lines(self, po, person):
        notes = "Discussed housing.\r\n\tNext: the job centre."
        assert self.record(po, person, notes=notes).contact.notes == notes

    @pytest.mark.parametrize(
        ("location", "text"),
        [
            ("Leeds\x00office", "The location must not contain control characters (it has U+0000)"),
            ("Leeds\noffice", "The location must not contain control characters (it has U+000A)"),
            ("L" * 121, "The location must be 120 characters or fewer (it has 121)"),
        ],
        ids=["nul", "newline", "too-long"],
    )
    def test_location_is_one_short_line(self, po, person, location, text):
        with pytest.raises(ValidationError) as caught:
            self.record(po, person, location=location)
        assert message(caught, "location") == text
        assert Contact.objects.count() == 0

    def test_notes_added_with_the_outcome_are_checked_too(self, po, person):
        contact = ContactFactory(
            sentence=SentenceFactory(person=person),
            recorded_by=po,
            starts_at=timezone.now() - dt.timedelta(days=1),
            notes="Booked.",
        )
        for notes in (TWO_MB, "Left early\x00"):
            with pytest.raises(ValidationError) as caught:
                cases.record_contact_outcome(by=po, contact=contact, outcome="attended_complied", notes=notes)
            assert "notes" in caught.value.message_dict
        stored = Contact.objects.get(pk=contact.pk)
        assert (stored.outcome, stored.notes) == ("", "Booked.")


class TestPlausibleReferrals:
    @pytest.fixture
    def sentence(self, person) -> Sentence:
        return SentenceFactory(person=person, start_date=D(2024, 1, 8), expected_end_date=D(2025, 1, 8))

    def make(self, po, sentence, **kwargs: Any) -> Referral:
        fields: dict[str, Any] = {"service_area": "ete", "reason": "Wants work.", "made_on": D(2024, 6, 3)}
        return cases.make_referral(by=po, sentence=sentence, **(fields | kwargs))

    def test_made_on_within_the_sentence(self, po, sentence):
        with pytest.raises(ValidationError) as caught:
            self.make(po, sentence, made_on=D(2025, 1, 9))
        assert message(caught, "made_on") == (
            "The referral cannot be made after the sentence is expected to end (8 January 2025)"
        )
        assert Referral.objects.count() == ReferralStatusChange.objects.count() == 0
        assert self.make(po, sentence, made_on=D(2025, 1, 8)).pk

    def test_not_after_the_sentence_was_terminated(self, po, sentence):
        cases.terminate_sentence(by=po, sentence=sentence, termination_date=D(2024, 6, 3), reason="other")
        sentence.refresh_from_db()
        with pytest.raises(ValidationError) as caught:
            self.make(po, sentence, made_on=D(2024, 6, 4))
        assert (
            message(caught, "made_on") == "The referral cannot be made after the sentence ended (3 June 2024)"
        )

    @pytest.mark.parametrize(
        ("field", "value", "text"),
        [
            ("reason", "Wants\x00work", "The reason for the referral must not contain control characters"),
            ("reason", TWO_MB, "The reason for the referral must be 5,000 characters or fewer"),
            ("provider", "St\x00Mungo's", "The provider must not contain control characters"),
            ("provider", "P" * 121, "The provider must be 120 characters or fewer"),
        ],
        ids=["reason-nul", "reason-2mb", "provider-nul", "provider-too-long"],
    )
    def test_free_text_is_plain_and_bounded(self, po, sentence, field, value, text):
        with pytest.raises(ValidationError) as caught:
            self.make(po, sentence, **{field: value})
        assert message(caught, field).startswith(text)
        assert Referral.objects.count() == 0

    @pytest.mark.parametrize("note", ["Accepted\x00", TWO_MB], ids=["nul", "2mb"])
    def test_a_status_note_is_plain_and_bounded(self, po, sentence, note):
        referral = self.make(po, sentence)
        with pytest.raises(ValidationError) as caught:
            cases.update_referral_status(
                by=po, referral=referral, status="accepted", changed_on=D(2024, 6, 4), note=note
            )
        assert "note" in caught.value.message_dict
        assert Referral.objects.get(pk=referral.pk).status == "made"
        assert ReferralStatusChange.objects.count() == 1
