"""Custody before release, release onto licence (and post-sentence supervision), ending, revoking and extending
a sentence: the services and their rules."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evenhand.cases import services as cases
from evenhand.cases.models import (
    Allocation,
    Decision,
    DecisionOutcome,
    Offence,
    OffenceCategory,
    Requirement,
    RequirementType,
    Sentence,
    SentenceExtension,
    SentenceType,
    TerminationReason,
)
from evenhand.org.models import Grade
from evenhand.people.models import Exclusion
from evenhand.workload.models import CaseType
from evenhand.workload.rules import PUBLISHED_WEIGHTINGS
from evenhand.workload.selectors import allocation_queue, figure_of, points_for_sentence
from evenhand.workload.services import ensure_published_weightings
from tests.factories import (
    AllocationFactory,
    PersonFactory,
    RiskSummaryFactory,
    SentenceFactory,
    StaffMemberFactory,
    today,
)

pytestmark = pytest.mark.django_db

D = dt.date
SENTENCED = D(2025, 1, 6)
RACIST_ASSAULT = cases.OffenceInput(
    category=OffenceCategory.VIOLENCE,
    description="Racially aggravated assault",
    is_main=True,
    committed_on=D(2024, 10, 1),
    racially_or_religiously_aggravated=True,
)
DAMAGE = cases.OffenceInput(category=OffenceCategory.CRIMINAL_DAMAGE, committed_on=D(2024, 10, 1))


def message(caught: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    (text,) = caught.value.message_dict[field]
    return text


def counts() -> dict[str, int]:
    return {
        "sentences": Sentence.objects.count(),
        "offences": Offence.objects.count(),
        "requirements": Requirement.objects.count(),
        "allocations": Allocation.objects.count(),
    }


def custody(by: Any, person: Any, **overrides: Any) -> Sentence:
    """Twelve months' custody passed on 6 January 2025, release expected at the half-way point."""
    fields: dict[str, Any] = {
        "type": SentenceType.CUSTODY,
        "court": "Leeds Crown Court",
        "start_date": SENTENCED,
        "length": 12,
        "length_unit": "months",
        "expected_end_date": D(2025, 7, 6),
        "offences": [RACIST_ASSAULT, DAMAGE],
    }
    return cases.create_sentence(by=by, person=person, **(fields | overrides))


def release(by: Any, sentence: Sentence, **overrides: Any) -> cases.Release:
    fields: dict[str, Any] = {"released_on": D(2025, 7, 4), "releasing_prison": "HMP Leeds"}
    return cases.record_release(by=by, custody=sentence, **(fields | overrides))


# --- custody before release ----------------------------------------------------------------------------------


class TestCustody:
    def test_recorded_as_the_court_passed_it(self, po, person):
        sentence = custody(po, person)
        stored = Sentence.objects.get(pk=sentence.pk)
        assert (stored.type, stored.length, stored.length_unit) == ("CUS", 12, "months")
        assert stored.expected_end_date == D(2025, 7, 6)  # the expected release
        assert stored.expiry_date == D(2026, 1, 6)
        assert stored.length_text == "12 months"
        assert sorted(stored.offences.values_list("committed_on", flat=True)) == [D(2024, 10, 1)] * 2

    def test_needs_its_length(self, po, person):
        with pytest.raises(ValidationError) as caught:
            custody(po, person, length=None, length_unit="")
        assert message(caught, "length") == "Give the length of the custodial sentence"
        assert counts()["sentences"] == 0

    def test_needs_the_expected_release(self, po, person):
        with pytest.raises(ValidationError) as caught:
            custody(po, person, expected_end_date=None)
        assert message(caught, "expected_end_date") == "Give the expected date of release"

    def test_release_expected_no_later_than_the_end_of_the_sentence(self, po, person):
        with pytest.raises(ValidationError) as caught:
            custody(po, person, expected_end_date=D(2026, 1, 7))
        assert "no later than the end of the sentence (6 January 2026)" in message(
            caught, "expected_end_date"
        )
        assert custody(po, person, expected_end_date=D(2026, 1, 6)).pk

    def test_needs_the_date_of_each_offence(self, po, person):
        with pytest.raises(ValidationError) as caught:
            custody(po, person, offences=[RACIST_ASSAULT, cases.OffenceInput(category="theft")])
        assert "Give the date of each offence" in message(caught, "offences")
        assert counts() == {"sentences": 0, "offences": 0, "requirements": 0, "allocations": 0}

    def test_an_offence_after_the_sentence_is_refused(self, po, person):
        later = cases.OffenceInput(
            category="theft", is_main=True, committed_on=SENTENCED + dt.timedelta(days=1)
        )
        with pytest.raises(ValidationError) as caught:
            custody(po, person, offences=[later])
        assert "on or before the date of sentence" in message(caught, "offences")

    def test_has_no_requirements(self, po, person):
        unpaid = cases.RequirementInput(type=RequirementType.UNPAID_WORK, unpaid_work_hours=100)
        with pytest.raises(ValidationError) as caught:
            custody(po, person, requirements=[unpaid])
        assert message(caught, "requirements") == "A custody (before release) has no requirements"
        assert counts()["sentences"] == 0

    def test_enters_the_allocation_queue_under_the_sensitive_case_protocol(self, po, spo, person):
        sentence = custody(po, person)
        queued = {s.pk: s for s in allocation_queue(spo)}
        assert sentence.pk in queued
        assert queued[sentence.pk].sensitive is True

    def test_counts_in_the_workload_with_the_published_custody_points(self, po, person):
        ensure_published_weightings()
        RiskSummaryFactory(person=person, tier="B2", assessed_on=SENTENCED)
        sentence = custody(po, person)
        expected = PUBLISHED_WEIGHTINGS.cases[CaseType.CUSTODY]["B2"]
        assert points_for_sentence(sentence, D(2025, 3, 1)) == expected == 48

    def test_the_practitioners_figure_counts_custody_then_licence_points(self, po, spo, person):
        ensure_published_weightings()
        RiskSummaryFactory(person=person, tier="B2", assessed_on=SENTENCED)
        sentence = custody(po, person)
        AllocationFactory(sentence=sentence, practitioner=po, allocated_by=spo, start_date=SENTENCED)
        before = figure_of(po, D(2025, 3, 1), today=D(2025, 3, 1))
        assert (before.cases, before.case_points) == (1, PUBLISHED_WEIGHTINGS.cases[CaseType.CUSTODY]["B2"])
        release(po, sentence)
        after = figure_of(po, D(2025, 8, 1), today=D(2025, 8, 1))
        assert (after.cases, after.case_points) == (1, PUBLISHED_WEIGHTINGS.cases[CaseType.LICENCE]["B2"])
        # The day of release counts the licence only, not the custody case as well.
        on_release = figure_of(po, D(2025, 7, 4), today=D(2025, 7, 4))
        assert on_release.cases == 1

    def test_no_enforcement_decision_in_custody(self, po, person):
        sentence = custody(po, person)
        with pytest.raises(ValidationError) as caught:
            cases.decide_enforcement(
                by=po, sentence=sentence, decision=Decision.BREACH, rationale="x" * 30, triggering_contacts=[]
            )
        assert "decision" in caught.value.message_dict


# --- release ----------------------------------------------------------------------------------------------------


class TestRelease:
    def test_starts_the_licence_from_the_same_record(self, po, person):
        sentence = custody(po, person)
        done = release(po, sentence)
        sentence.refresh_from_db()
        assert (sentence.termination_date, sentence.termination_reason) == (D(2025, 7, 4), "released")
        licence = done.licence
        assert (licence.type, licence.custody, licence.court) == ("LIC", sentence, "HMP Leeds")
        assert (licence.start_date, licence.expected_end_date) == (D(2025, 7, 4), D(2026, 1, 6))
        copied = list(
            licence.offences.values_list(
                "category", "is_main", "committed_on", "racially_or_religiously_aggravated"
            )
        )
        assert sorted(copied) == sorted(
            [("violence", True, D(2024, 10, 1), True), ("criminal_damage", False, D(2024, 10, 1), False)]
        )

    def test_post_sentence_supervision_follows_a_short_sentence(self, po, person):
        done = release(po, custody(po, person))
        assert done.pss is not None
        assert done.pss.type == SentenceType.POST_SENTENCE_SUPERVISION
        assert (done.pss.start_date, done.pss.expected_end_date) == (D(2026, 1, 7), D(2026, 7, 4))
        assert done.pss.custody_id == done.custody.pk

    @pytest.mark.parametrize(
        ("overrides", "applies"),
        [
            ({}, True),
            ({"length": 2, "length_unit": "years", "expected_end_date": D(2026, 1, 6)}, False),  # two years
            ({"length": 23, "length_unit": "months", "expected_end_date": D(2025, 12, 6)}, True),
            (
                {
                    "offences": [
                        cases.OffenceInput(category="theft", is_main=True, committed_on=D(2015, 1, 31)),
                    ]
                },
                False,  # an offence before 1 February 2015
            ),
            (
                {
                    "offences": [
                        cases.OffenceInput(category="theft", is_main=True, committed_on=D(2015, 2, 1))
                    ]
                },
                True,
            ),
            ({"length": 1, "length_unit": "days", "expected_end_date": D(2025, 1, 7)}, False),  # one day
            ({"length": 2, "length_unit": "days", "expected_end_date": D(2025, 1, 7)}, True),
        ],
    )
    def test_which_sentences_post_sentence_supervision_follows(self, po, person, overrides, applies):
        assert cases.pss_applies(custody(po, person, **overrides)) is applies

    def test_no_supervision_after_a_long_sentence(self, po, person):
        done = release(
            po, custody(po, person, length=3, length_unit="years", expected_end_date=D(2026, 7, 6))
        )
        assert done.pss is None
        assert done.licence.expected_end_date == D(2028, 1, 6)

    def test_a_release_before_the_sentence_date_is_refused(self, po, person):
        sentence = custody(po, person)
        before = counts()
        with pytest.raises(ValidationError) as caught:
            release(po, sentence, released_on=D(2025, 1, 5))
        assert (
            message(caught, "released_on")
            == "The release cannot be before the date of sentence (6 January 2025)"
        )
        assert counts() == before
        sentence.refresh_from_db()
        assert sentence.termination_date is None

    def test_a_release_still_to_come_is_refused(self, po, person):
        sentence = custody(
            po,
            person,
            start_date=today() - dt.timedelta(days=30),
            offences=[RACIST_ASSAULT],
            expected_end_date=today() + dt.timedelta(days=100),
        )
        with pytest.raises(ValidationError) as caught:
            release(po, sentence, released_on=today() + dt.timedelta(days=1))
        assert "today or in the past" in message(caught, "released_on")

    def test_a_release_once_the_sentence_expired_is_refused(self, po, person):
        with pytest.raises(ValidationError) as caught:
            release(po, custody(po, person), released_on=D(2026, 1, 6))
        assert "expired on 6 January 2026" in message(caught, "released_on")

    def test_only_once(self, po, person):
        sentence = custody(po, person)
        release(po, sentence)
        with pytest.raises(ValidationError) as caught:
            release(po, sentence, released_on=D(2025, 7, 5))
        assert message(caught, "released_on") == "This custody sentence has already ended"
        assert Sentence.objects.filter(type=SentenceType.LICENCE).count() == 1

    def test_only_custody_is_released(self, po, person):
        order = SentenceFactory(person=person, start_date=D(2025, 1, 6))
        with pytest.raises(ValidationError) as caught:
            release(po, order)
        assert message(caught, "sentence") == "Only a custody sentence is released"

    def test_a_licence_takes_only_the_conditions_a_licence_allows(self, po, person):
        sentence = custody(po, person)
        unpaid = cases.RequirementInput(type=RequirementType.UNPAID_WORK, unpaid_work_hours=100)
        with pytest.raises(ValidationError) as caught:
            release(po, sentence, requirements=[unpaid])
        assert message(caught, "requirements") == "Unpaid work is not allowed on a licence"
        # Nothing half-written: the custody sentence is still running.
        sentence.refresh_from_db()
        assert sentence.termination_date is None
        assert Sentence.objects.count() == 1
        curfew = cases.RequirementInput(type=RequirementType.CURFEW, length_months=3)
        done = release(po, sentence, requirements=[curfew])
        assert list(done.licence.requirements.values_list("type", flat=True)) == ["curfew"]

    def test_the_practitioner_who_held_custody_keeps_the_licence_and_pss(self, po, spo, person):
        sentence = custody(po, person)
        AllocationFactory(sentence=sentence, practitioner=po, allocated_by=spo, start_date=D(2025, 1, 10))
        done = release(po, sentence)
        held = Allocation.objects.get(sentence=sentence)
        assert held.end_date == D(2025, 7, 3)
        licence_held = Allocation.objects.get(sentence=done.licence)
        assert (licence_held.practitioner, licence_held.start_date, licence_held.end_date) == (
            po,
            D(2025, 7, 4),
            None,
        )
        assert Allocation.objects.get(sentence=done.pss).start_date == D(2026, 1, 7)
        queued = {s.pk for s in allocation_queue(spo, today=D(2025, 7, 10))}
        assert done.licence.pk not in queued and done.pss.pk not in queued

    def test_an_unallocated_release_goes_to_the_queue_under_the_protocol(self, po, spo, person):
        done = release(po, custody(po, person))
        queued = {s.pk: s for s in allocation_queue(spo, today=D(2025, 7, 10))}
        assert done.licence.pk in queued and queued[done.licence.pk].sensitive

    def test_a_practitioner_excluded_since_does_not_keep_it(self, po, spo, pdu, person):
        other = StaffMemberFactory(grade=Grade.PO, pdu=pdu)
        sentence = custody(po, person)
        AllocationFactory(sentence=sentence, practitioner=other, allocated_by=spo, start_date=D(2025, 1, 10))
        Exclusion.objects.create(person=person, staff=other, reason="Knows the victim")
        done = release(po, sentence)
        assert not Allocation.objects.filter(sentence=done.licence).exists()

    def test_a_licence_needs_custody_of_the_same_person(self, po, pdu, person):
        someone_else = custody(po, PersonFactory(pdu=pdu))
        with pytest.raises(ValidationError) as caught:
            cases.create_sentence(
                by=po,
                person=person,
                type=SentenceType.LICENCE,
                court="HMP Leeds",
                start_date=D(2025, 7, 4),
                expected_end_date=D(2026, 1, 6),
                offences=[RACIST_ASSAULT],
                custody=someone_else,
            )
        assert message(caught, "custody") == "Choose a custody sentence of this person"

    def test_a_licence_cannot_start_before_the_custody_sentence(self, po, person):
        sentence = custody(po, person)
        with pytest.raises(ValidationError) as caught:
            cases.create_sentence(
                by=po,
                person=person,
                type=SentenceType.LICENCE,
                court="HMP Leeds",
                start_date=D(2025, 1, 1),
                expected_end_date=D(2026, 1, 6),
                offences=[RACIST_ASSAULT],
                custody=sentence,
            )
        assert "cannot be before the date of sentence" in message(caught, "start_date")

    def test_refused_to_another_pdu_an_analyst_and_an_excluded_practitioner(self, po, pdu, person):
        sentence = custody(po, person)
        excluded = StaffMemberFactory(grade=Grade.PO, pdu=pdu)
        Exclusion.objects.create(person=person, staff=excluded, reason="A relative")
        for who in (
            StaffMemberFactory(grade=Grade.PO),  # another PDU
            StaffMemberFactory(grade=Grade.ANALYST),
            excluded,
        ):
            with pytest.raises(PermissionDenied):
                release(who, sentence)
        assert Sentence.objects.count() == 1


# --- requirements by sentence type, unpaid work hours, age --------------------------------------------------------


def order(by: Any, person: Any, **overrides: Any) -> Sentence:
    fields: dict[str, Any] = {
        "type": SentenceType.COMMUNITY_ORDER,
        "court": "Leeds Magistrates' Court",
        "start_date": D(2025, 3, 3),
        "length": 18,
        "length_unit": "months",
        "offences": [cases.OffenceInput(category="theft", is_main=True)],
        "requirements": [cases.RequirementInput(type=RequirementType.RAR, rar_days=20)],
    }
    return cases.create_sentence(by=by, person=person, **(fields | overrides))


class TestOrders:
    def test_the_expected_end_follows_from_the_length(self, po, person):
        assert order(po, person).expected_end_date == D(2026, 9, 3)

    @pytest.mark.parametrize("hours", [39, 301, None])
    def test_unpaid_work_is_40_to_300_hours(self, po, person, hours):
        with pytest.raises(ValidationError) as caught:
            order(
                po, person, requirements=[cases.RequirementInput(type="unpaid_work", unpaid_work_hours=hours)]
            )
        assert message(caught, "requirements") == "Unpaid work must be between 40 and 300 hours"
        assert counts()["sentences"] == 0

    @pytest.mark.parametrize("hours", [40, 300])
    def test_unpaid_work_at_the_bounds(self, po, person, hours):
        sentence = order(
            po, person, requirements=[cases.RequirementInput(type="unpaid_work", unpaid_work_hours=hours)]
        )
        assert sentence.requirements.get().unpaid_work_hours == hours

    def test_length_needs_its_unit(self, po, person):
        with pytest.raises(ValidationError) as caught:
            order(po, person, length_unit="")
        assert "length" in caught.value.message_dict

    def test_under_18_at_sentence_is_refused(self, po, pdu):
        young = PersonFactory(pdu=pdu, date_of_birth=D(2008, 1, 1))
        with pytest.raises(ValidationError) as caught:
            order(po, young)
        assert message(caught, "start_date").startswith("The person was 17 on the date of sentence")
        assert counts()["sentences"] == 0


# --- ending, revoking, extending -------------------------------------------------------------------------------


class TestEnding:
    def test_release_is_not_a_reason_to_end_by_hand(self, po, person):
        with pytest.raises(ValidationError) as caught:
            cases.terminate_sentence(
                by=po, sentence=custody(po, person), termination_date=D(2025, 5, 1), reason="released"
            )
        assert "Record a release" in message(caught, "reason")

    def test_revocation_on_breach_needs_a_proven_breach(self, po, person):
        sentence = order(po, person)
        with pytest.raises(ValidationError) as caught:
            cases.terminate_sentence(
                by=po,
                sentence=sentence,
                termination_date=D(2025, 9, 1),
                reason=TerminationReason.REVOKED_BREACH,
            )
        assert "needs a proven breach" in message(caught, "reason")
        breach = cases.decide_enforcement(
            by=po,
            sentence=sentence,
            decision=Decision.BREACH,
            rationale="A further failure within twelve months of the warning given.",
            decided_at=dt.datetime(2025, 6, 2, 10, tzinfo=dt.UTC),
        )
        cases.record_enforcement_outcome(
            by=po, decision=breach, outcome=DecisionOutcome.BREACH_PROVEN, outcome_date=D(2025, 8, 1)
        )
        # Not before the breach was proven.
        with pytest.raises(ValidationError):
            cases.terminate_sentence(
                by=po,
                sentence=sentence,
                termination_date=D(2025, 7, 31),
                reason=TerminationReason.REVOKED_BREACH,
            )
        ended = cases.terminate_sentence(
            by=po, sentence=sentence, termination_date=D(2025, 8, 1), reason=TerminationReason.REVOKED_BREACH
        )
        assert (ended.termination_date, ended.termination_reason) == (D(2025, 8, 1), "revoked_breach")

    def test_a_breach_not_proven_revokes_nothing(self, po, person):
        sentence = order(po, person)
        breach = cases.decide_enforcement(
            by=po,
            sentence=sentence,
            decision=Decision.BREACH,
            rationale="A further failure within twelve months of the warning given.",
            decided_at=dt.datetime(2025, 6, 2, 10, tzinfo=dt.UTC),
        )
        cases.record_enforcement_outcome(
            by=po, decision=breach, outcome=DecisionOutcome.BREACH_NOT_PROVEN, outcome_date=D(2025, 8, 1)
        )
        with pytest.raises(ValidationError):
            cases.terminate_sentence(
                by=po,
                sentence=sentence,
                termination_date=D(2025, 8, 2),
                reason=TerminationReason.REVOKED_BREACH,
            )

    def test_a_licence_is_recalled_not_revoked(self, po, person):
        licence = release(po, custody(po, person)).licence
        with pytest.raises(ValidationError) as caught:
            cases.terminate_sentence(
                by=po,
                sentence=licence,
                termination_date=D(2025, 9, 1),
                reason=TerminationReason.REVOKED_NEW_OFFENCE,
            )
        assert "a licence is recalled" in message(caught, "reason")
        assert (
            cases.terminate_sentence(
                by=po, sentence=licence, termination_date=D(2025, 9, 1), reason=TerminationReason.RECALLED
            ).termination_reason
            == "recalled"
        )

    def test_an_order_is_not_recalled(self, po, person):
        with pytest.raises(ValidationError) as caught:
            cases.terminate_sentence(
                by=po,
                sentence=order(po, person),
                termination_date=D(2025, 9, 1),
                reason=TerminationReason.RECALLED,
            )
        assert message(caught, "reason") == "Only a licence ends by recall"


class TestExtension:
    def test_moves_the_end_and_keeps_the_order_as_a_record(self, po, person):
        sentence = order(po, person)
        extension = cases.extend_sentence(
            by=po,
            sentence=sentence,
            new_end_date=D(2027, 3, 3),
            ordered_on=D(2025, 9, 1),
            reason="Court extended the order on breach.",
        )
        sentence.refresh_from_db()
        assert sentence.expected_end_date == D(2027, 3, 3)
        stored = SentenceExtension.objects.get(pk=extension.pk)
        assert (stored.previous_end_date, stored.new_end_date, stored.recorded_by) == (
            D(2026, 9, 3),
            D(2027, 3, 3),
            po,
        )

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"new_end_date": D(2026, 9, 3)}, "new_end_date"),  # not later
            ({"new_end_date": D(2036, 3, 4)}, "new_end_date"),  # beyond ten years
            ({"ordered_on": D(2025, 3, 2)}, "ordered_on"),  # before the sentence
            ({"reason": "  "}, "reason"),
        ],
    )
    def test_bad_extensions_are_refused(self, po, person, changes, field):
        sentence = order(po, person)
        fields = {"new_end_date": D(2027, 3, 3), "ordered_on": D(2025, 9, 1), "reason": "Extended on breach."}
        with pytest.raises(ValidationError) as caught:
            cases.extend_sentence(by=po, sentence=sentence, **(fields | changes))
        assert field in caught.value.message_dict
        assert SentenceExtension.objects.count() == 0
        sentence.refresh_from_db()
        assert sentence.expected_end_date == D(2026, 9, 3)

    def test_not_an_ended_sentence_nor_custody(self, po, person):
        sentence = order(po, person)
        cases.terminate_sentence(by=po, sentence=sentence, termination_date=D(2025, 9, 1), reason="completed")
        for target in (sentence, custody(po, person)):
            with pytest.raises(ValidationError) as caught:
                cases.extend_sentence(
                    by=po,
                    sentence=target,
                    new_end_date=D(2027, 3, 3),
                    ordered_on=D(2025, 9, 1),
                    reason="Extended.",
                )
            assert "sentence" in caught.value.message_dict

    def test_an_extension_is_never_edited(self, po, person):
        extension = cases.extend_sentence(
            by=po,
            sentence=order(po, person),
            new_end_date=D(2027, 3, 3),
            ordered_on=D(2025, 9, 1),
            reason="Extended.",
        )
        extension.reason = "Changed"
        with pytest.raises(Exception, match="cannot be changed"):
            extension.save()


class TestCorrection:
    def test_corrects_the_details_and_keeps_what_changed(self, po, person):
        sentence = custody(po, person)
        correction = cases.correct_sentence(
            by=po,
            sentence=sentence,
            reason="The length was typed as 12 months; the court passed 14",
            length=14,
            expected_end_date=D(2025, 8, 6),
        )
        sentence.refresh_from_db()
        assert (sentence.length, sentence.expected_end_date, sentence.expiry_date) == (
            14,
            D(2025, 8, 6),
            D(2026, 3, 6),
        )
        assert correction.changes == {
            "length": ["12", "14"],
            "expected_end_date": ["2025-07-06", "2025-08-06"],
        }
        assert correction.recorded_by == po
        with pytest.raises(Exception, match="cannot be changed"):
            correction.save()

    def test_nothing_to_correct(self, po, person):
        sentence = custody(po, person)
        with pytest.raises(ValidationError) as caught:
            cases.correct_sentence(by=po, sentence=sentence, reason="No change", court="Leeds Crown Court")
        assert "Nothing would change" in message(caught, "reason")

    def test_the_rules_of_recording_hold(self, po, person):
        sentence = custody(po, person)
        with pytest.raises(ValidationError) as caught:
            cases.correct_sentence(
                by=po, sentence=sentence, reason="Release", expected_end_date=D(2026, 2, 1)
            )
        assert "no later than the end of the sentence" in message(caught, "expected_end_date")
        with pytest.raises(ValidationError) as caught:
            cases.correct_sentence(by=po, sentence=sentence, reason="Date", start_date=D(1990, 1, 1))
        assert "at most 10 years after the start" in message(caught, "expected_end_date")
        with pytest.raises(ValidationError) as caught:
            cases.correct_sentence(by=po, sentence=sentence, reason="Date", start_date=D(2025, 7, 6))
        assert "must be after the start date" in message(caught, "expected_end_date")
        sentence.refresh_from_db()
        assert (sentence.start_date, sentence.expected_end_date) == (SENTENCED, D(2025, 7, 6))

    def test_the_sentence_still_holds_its_casework(self, po, spo, person):
        sentence = custody(po, person)
        AllocationFactory(sentence=sentence, practitioner=po, allocated_by=spo, start_date=D(2025, 2, 1))
        with pytest.raises(ValidationError) as caught:
            cases.correct_sentence(by=po, sentence=sentence, reason="Date", start_date=D(2025, 2, 2))
        assert "from 1 February 2025" in message(caught, "start_date")
        assert cases.correct_sentence(by=po, sentence=sentence, reason="Date", start_date=D(2025, 2, 1)).pk

    def test_a_licence_cannot_be_moved_before_its_custody(self, po, person):
        licence = release(po, custody(po, person)).licence
        with pytest.raises(ValidationError) as caught:
            cases.correct_sentence(by=po, sentence=licence, reason="Date", start_date=D(2025, 1, 1))
        assert "cannot be before the date of sentence" in message(caught, "start_date")

    def test_refused_to_another_pdu_and_an_analyst(self, po, person):
        sentence = custody(po, person)
        for who in (StaffMemberFactory(grade=Grade.PO), StaffMemberFactory(grade=Grade.ANALYST)):
            with pytest.raises(PermissionDenied):
                cases.correct_sentence(by=who, sentence=sentence, reason="Sneaky", court="Elsewhere")
