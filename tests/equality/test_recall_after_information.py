"""The measure "recall following risk information", counted by hand on a few records made through the services."""

import datetime as dt

import pytest
from django.utils import timezone

from evenhand.cases import services as cases
from evenhand.cases.models import Decision, InformationSource, Reliability, SentenceType
from evenhand.equality.measures import CATALOGUE, Period, Source, measure_cells
from evenhand.org.models import Grade
from tests.factories import AllocationFactory, PDUFactory, PersonFactory, SentenceFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db

RATIONALE = "Considered the police report against the risk management plan and the licence conditions."
TODAY = dt.date.today()
PERIOD = Period(TODAY - dt.timedelta(days=60), TODAY - dt.timedelta(days=1))


def _at(days_ago: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days_ago)


def test_each_piece_of_information_answered_in_the_period_is_one_trial_and_recall_the_event() -> None:
    pdu = PDUFactory()
    po = StaffMemberFactory(grade=Grade.PO, pdu=pdu)
    spo = StaffMemberFactory(grade=Grade.SPO, pdu=pdu)

    def sentence(type: str = SentenceType.LICENCE):
        made = SentenceFactory(
            person=PersonFactory(pdu=pdu),
            type=type,
            start_date=TODAY - dt.timedelta(days=200),
            expected_end_date=TODAY + dt.timedelta(days=200),
            requirements=[],
        )
        AllocationFactory(sentence=made, practitioner=po)
        return made

    def inform(on, days_ago: int):
        return cases.record_risk_information(
            by=po,
            sentence=on,
            source=InformationSource.POLICE,
            summary="Seen with a co-defendant the licence forbids contact with.",
            received_at=_at(days_ago),
            reliability=Reliability.CONFIRMED,
        )

    def decide(information, decision, days_ago: int, **kwargs):
        return cases.decide_enforcement(
            by=kwargs.pop("by", po),
            sentence=information.sentence,
            decision=decision,
            rationale=RATIONALE,
            risk_information=information,
            decided_at=_at(days_ago),
            **kwargs,
        )

    one, two, three = sentence(), sentence(), sentence()
    # One: two pieces of information, one recalled and one not (endorsed or not, it is a decision).
    decide(inform(one, 30), Decision.RECALL_STANDARD, 29)
    decide(inform(one, 20), Decision.NO_FURTHER_ACTION, 19)
    # Two: a warning corrected to an emergency recall counts once, as its correction.
    warned = decide(inform(two, 10), Decision.WARNING, 9)
    cases.decide_enforcement(
        by=spo, sentence=two, decision=Decision.RECALL_EMERGENCY, rationale=RATIONALE, corrects=warned
    )
    # Three: information before the period, and information still waiting for a decision: no trials.
    decide(inform(three, 90), Decision.RECALL_STANDARD, 89)
    inform(three, 5)
    # A community order's information has no recall decision and is not counted.
    inform(sentence(SentenceType.COMMUNITY_ORDER), 5)

    rows = measure_cells(CATALOGUE["recall_after_information"], Source(PERIOD))
    counted = rows[["trials", "events"]].to_dict("index")
    assert counted == {one.pk: {"trials": 2, "events": 1}, two.pk: {"trials": 1, "events": 1}}


def test_the_measure_is_in_the_catalogue_for_licences() -> None:
    measure = CATALOGUE["recall_after_information"]
    assert measure.title == "Recall following risk information"
    assert measure.trials_from_query and measure.quarters_add_up
