"""Risk information (issue 13 item 3): the record, the proposal and deadline on a licence, the decision, and the
manager's endorsement a decision not to recall needs."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from evenhand.cases import services as cases
from evenhand.cases.models import (
    Decision,
    DecisionEndorsement,
    EnforcementDecision,
    ImmutableInformationError,
    InformationSource,
    Reliability,
    RiskInformation,
    SentenceType,
    Urgency,
)
from evenhand.org.models import Grade
from tests.factories import AllocationFactory, SentenceFactory, StaffMemberFactory, local_datetime

pytestmark = pytest.mark.django_db

RATIONALE = "Police report of contact with the victim; risk is managed by curfew and more contact."
ENDORSED = "Agree: the police intelligence is unconfirmed and the plan manages the risk for now."


def licence(person, po):
    sentence = SentenceFactory(
        person=person,
        type=SentenceType.LICENCE,
        start_date=timezone.localdate() - dt.timedelta(days=100),
        expected_end_date=timezone.localdate() + dt.timedelta(days=300),
        requirements=[],
    )
    AllocationFactory(sentence=sentence, practitioner=po)
    return sentence


def inform(sentence, by, *, at=None, urgency=Urgency.STANDARD, **kwargs):
    return cases.record_risk_information(
        by=by,
        sentence=sentence,
        source=kwargs.pop("source", InformationSource.POLICE),
        summary=kwargs.pop("summary", "Arrested for a public order offence near the victim's address."),
        received_at=at or timezone.now() - dt.timedelta(hours=2),
        reliability=kwargs.pop("reliability", Reliability.LIKELY),
        urgency=urgency,
        **kwargs,
    )


def decide_on(information, by, decision, **kwargs):
    return cases.decide_enforcement(
        by=by,
        sentence=information.sentence,
        decision=decision,
        rationale=kwargs.pop("rationale", RATIONALE),
        risk_information=information,
        decided_at=kwargs.pop("decided_at", timezone.now() - dt.timedelta(minutes=5)),
        **kwargs,
    )


class TestTheRecordAndTheProposal:
    def test_a_licence_proposes_recall_with_a_deadline_in_the_configured_time(self, person, po):
        received = timezone.now() - dt.timedelta(hours=3)
        with override_settings(RECALL_DECISION_HOURS=48):
            info = inform(licence(person, po), po, at=received)
        assert info.recall_considered
        assert info.decision_due_at == received + dt.timedelta(hours=48)
        assert cases.proposed_recall(info) == Decision.RECALL_STANDARD

    def test_the_default_deadline_is_24_hours(self, person, po):
        received = timezone.now() - dt.timedelta(hours=3)
        info = inform(licence(person, po), po, at=received)
        assert info.decision_due_at == received + dt.timedelta(hours=24)

    def test_an_emergency_is_due_by_the_end_of_the_same_day(self, person, po):
        day = timezone.localdate() - dt.timedelta(days=1)
        info = inform(licence(person, po), po, at=local_datetime(day, 23, 10), urgency=Urgency.EMERGENCY)
        assert info.decision_due_at == local_datetime(day + dt.timedelta(days=1), 0, 0)
        assert cases.proposed_recall(info) == Decision.RECALL_EMERGENCY

    def test_an_order_records_the_information_without_a_recall_decision(self, person, po):
        order = SentenceFactory(person=person, start_date=timezone.localdate() - dt.timedelta(days=50))
        AllocationFactory(sentence=order, practitioner=po)
        info = inform(order, po)
        assert not info.recall_considered and info.decision_due_at is None
        with pytest.raises(ValidationError) as error:
            decide_on(info, po, Decision.WARNING)
        assert error.value.message_dict == {
            "risk_information": ["No decision on recall is due on that information"]
        }

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"summary": "  "}, "summary", "Enter what was learned"),
            ({"source": "rumour"}, "source", "Select where the information came from"),
            ({"reliability": "maybe"}, "reliability", "Select how reliable the information is"),
            ({"urgency": "soonish"}, "urgency", "Select how urgent a decision is"),
            ({"source": InformationSource.OTHER}, "source_detail", "Enter who the information came from"),
            (
                {"at": timezone.now() + dt.timedelta(days=2)},
                "received_at",
                "The date the information was received must be today or in the past",
            ),
        ],
        ids=[
            "no-summary",
            "unknown-source",
            "unknown-reliability",
            "unknown-urgency",
            "other-unnamed",
            "future",
        ],
    )
    def test_bad_input_is_refused_by_field_and_nothing_is_written(
        self, person, po, overrides, field, message
    ):
        sentence = licence(person, po)
        with pytest.raises(ValidationError) as error:
            inform(sentence, po, **overrides)
        assert error.value.message_dict[field] == [message]
        assert not RiskInformation.objects.exists()

    def test_information_before_the_licence_started_is_refused(self, person, po):
        sentence = licence(person, po)
        with pytest.raises(ValidationError) as error:
            inform(sentence, po, at=local_datetime(sentence.start_date - dt.timedelta(days=1)))
        assert "before the sentence started" in error.value.message_dict["received_at"][0]

    @pytest.mark.parametrize("grade", [Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN])
    def test_roles_that_do_not_record_casework_are_refused(self, person, po, grade):
        with pytest.raises(PermissionDenied):
            inform(licence(person, po), StaffMemberFactory(grade=grade))
        assert not RiskInformation.objects.exists()

    def test_a_practitioner_of_another_pdu_is_refused(self, person, po):
        with pytest.raises(PermissionDenied):
            inform(licence(person, po), StaffMemberFactory(grade=Grade.PO))

    def test_the_record_is_never_edited(self, person, po):
        info = inform(licence(person, po), po)
        info.summary = "Something else"
        with pytest.raises(ImmutableInformationError):
            info.save()
        with pytest.raises(ImmutableInformationError):
            info.delete()


class TestTheDecisionAndItsEndorsement:
    def test_recall_is_settled_without_an_endorsement(self, person, po):
        info = inform(licence(person, po), po)
        decision = decide_on(info, po, Decision.RECALL_STANDARD)
        assert decision.risk_information == info
        assert decision.proposed == Decision.RECALL_STANDARD
        assert not cases.needs_endorsement(decision)

    @pytest.mark.parametrize(
        "choice",
        [
            Decision.NO_FURTHER_ACTION,
            Decision.WARNING,
            Decision.INCREASED_CONTACT,
            Decision.LICENCE_VARIATION,
        ],
    )
    def test_every_decision_not_to_recall_needs_an_endorsement(self, person, po, choice):
        info = inform(licence(person, po), po)
        assert cases.needs_endorsement(decide_on(info, po, choice))

    def test_a_decision_not_to_recall_is_endorsed_by_an_spo_with_reasons(self, person, po, spo):
        info = inform(licence(person, po), po)
        decision = decide_on(info, po, Decision.NO_FURTHER_ACTION)
        endorsement = cases.endorse_decision(by=spo, decision=decision, rationale=ENDORSED)
        assert endorsement.endorsed_by == spo and endorsement.rationale == ENDORSED
        assert DecisionEndorsement.objects.get(decision=decision) == endorsement

    def test_the_decider_cannot_endorse_their_own_decision(self, person, po, spo):
        info = inform(licence(person, po), spo)
        decision = decide_on(info, spo, Decision.NO_FURTHER_ACTION)
        with pytest.raises(ValidationError) as error:
            cases.endorse_decision(by=spo, decision=decision, rationale=ENDORSED)
        assert "another senior probation officer" in error.value.message_dict["decision"][0]
        assert not DecisionEndorsement.objects.exists()
        # A head of PDU may.
        head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=person.pdu)
        cases.endorse_decision(by=head, decision=decision, rationale=ENDORSED)

    @pytest.mark.parametrize("grade", [Grade.PO, Grade.PSO, Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN])
    def test_only_managers_endorse(self, person, po, grade):
        info = inform(licence(person, po), po)
        decision = decide_on(info, po, Decision.NO_FURTHER_ACTION)
        with pytest.raises(PermissionDenied):
            cases.endorse_decision(
                by=StaffMemberFactory(grade=grade, pdu=person.pdu), decision=decision, rationale=ENDORSED
            )
        assert not DecisionEndorsement.objects.exists()

    def test_an_spo_of_another_pdu_cannot_endorse(self, person, po):
        decision = decide_on(inform(licence(person, po), po), po, Decision.NO_FURTHER_ACTION)
        with pytest.raises(PermissionDenied):
            cases.endorse_decision(
                by=StaffMemberFactory(grade=Grade.SPO), decision=decision, rationale=ENDORSED
            )

    @pytest.mark.parametrize("rationale", ["", "   ", "Fine."])
    def test_an_endorsement_needs_reasons(self, person, po, spo, rationale):
        decision = decide_on(inform(licence(person, po), po), po, Decision.NO_FURTHER_ACTION)
        with pytest.raises(ValidationError) as error:
            cases.endorse_decision(by=spo, decision=decision, rationale=rationale)
        assert error.value.message_dict["rationale"][0].startswith(
            "Enter the reasons for endorsing the decision"
        )
        assert not DecisionEndorsement.objects.exists()

    def test_recall_and_decisions_on_failures_are_not_endorsed(self, person, po, spo):
        decision = decide_on(inform(licence(person, po), po), po, Decision.RECALL_EMERGENCY)
        with pytest.raises(ValidationError):
            cases.endorse_decision(by=spo, decision=decision, rationale=ENDORSED)

    def test_an_endorsement_is_given_once(self, person, po, spo):
        decision = decide_on(inform(licence(person, po), po), po, Decision.NO_FURTHER_ACTION)
        cases.endorse_decision(by=spo, decision=decision, rationale=ENDORSED)
        head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=person.pdu)
        with pytest.raises(ValidationError) as error:
            cases.endorse_decision(by=head, decision=decision, rationale=ENDORSED)
        assert error.value.message_dict["decision"] == ["That decision has already been endorsed"]

    def test_one_standing_decision_per_information_and_a_correction_answers_the_same(self, person, po, spo):
        info = inform(licence(person, po), po)
        first = decide_on(info, po, Decision.NO_FURTHER_ACTION)
        with pytest.raises(ValidationError) as error:
            decide_on(info, po, Decision.WARNING)
        assert "record a correction" in error.value.message_dict["risk_information"][0]
        # The SPO disagrees and corrects it to a recall: the correction answers the same information.
        correction = cases.decide_enforcement(
            by=spo,
            sentence=info.sentence,
            decision=Decision.RECALL_STANDARD,
            rationale=RATIONALE,
            corrects=first,
        )
        assert correction.risk_information == info
        with pytest.raises(ValidationError) as error:
            cases.endorse_decision(by=spo, decision=first, rationale=ENDORSED)

    @pytest.mark.parametrize("choice", [Decision.BREACH])
    def test_only_recall_or_not_to_recall_answers_information(self, person, po, choice):
        info = inform(licence(person, po), po)
        with pytest.raises(ValidationError) as error:
            decide_on(info, po, choice)
        assert "decision" in error.value.message_dict
        assert not EnforcementDecision.objects.exists()

    def test_a_decision_cannot_come_before_the_information(self, person, po):
        info = inform(licence(person, po), po, at=timezone.now() - dt.timedelta(hours=1))
        with pytest.raises(ValidationError) as error:
            decide_on(info, po, Decision.RECALL_STANDARD, decided_at=timezone.now() - dt.timedelta(hours=2))
        assert error.value.message_dict["decided_at"] == [
            "The decision cannot be dated before the information was received"
        ]

    def test_a_decision_on_another_sentences_information_is_refused(self, person, po):
        info = inform(licence(person, po), po)
        other = licence(person, po)
        with pytest.raises(ValidationError) as error:
            cases.decide_enforcement(
                by=po,
                sentence=other,
                decision=Decision.RECALL_STANDARD,
                rationale=RATIONALE,
                risk_information=info,
            )
        assert error.value.message_dict == {
            "risk_information": ["That information is about another sentence"]
        }

    def test_an_endorsement_is_never_edited(self, person, po, spo):
        decision = decide_on(inform(licence(person, po), po), po, Decision.NO_FURTHER_ACTION)
        endorsement = cases.endorse_decision(by=spo, decision=decision, rationale=ENDORSED)
        with pytest.raises(ImmutableInformationError):
            endorsement.save()
