"""Recall on risk information and rescheduled appointments in the synthetic service (``pdu`` scale, seed 1): the
rates are within the bounds ``synth/recall.py`` states, and the equality engine's measure has data."""

import datetime as dt

import pytest
from django.utils import timezone

from evenhand.cases.models import (
    RECALLS,
    Contact,
    DecisionEndorsement,
    EnforcementDecision,
    RiskInformation,
    Sentence,
    SentenceType,
)
from evenhand.equality.measures import CATALOGUE, Period, Source, measure_cells
from evenhand.synth.generator import Result

from . import checks

pytestmark = pytest.mark.django_db


def _period(result: Result) -> Period:
    return Period(dt.date.fromisoformat(result.truth["period"]["start"]), result.end_date)


def licence_years(period: Period) -> float:
    """Years of licence supervision in the period."""
    days = 0
    for start, expected_end, ended in Sentence.objects.filter(type=SentenceType.LICENCE).values_list(
        "start_date", "expected_end_date", "termination_date"
    ):
        first, last = max(start, period.start), min(ended or expected_end, period.end)
        days += max((last - first).days + 1, 0)
    return days / 365.25


def test_risk_information_arrives_at_the_stated_rate_and_urgency(pdu: Result) -> None:
    period = _period(pdu)
    pieces = RiskInformation.objects.count()
    per_year = pieces / licence_years(period)
    emergency = RiskInformation.objects.filter(urgency="emergency").count() / pieces
    print(
        f"\n{pieces} pieces of risk information, {per_year:.2f} a licence-year, {emergency:.0%} emergencies"
    )
    assert 0.3 <= per_year <= 0.6
    assert 0.08 <= emergency <= 0.25
    # Every piece is on a licence, with the deadline the service sets; some still wait for a decision.
    assert not RiskInformation.objects.exclude(sentence__type=SentenceType.LICENCE).exists()
    waiting = RiskInformation.objects.filter(decisions__isnull=True)
    assert waiting.exists()
    assert waiting.filter(decision_due_at__lt=timezone.now()).exists()  # overdue: top of the manager's list


def test_recall_follows_information_at_the_stated_rate_and_the_measure_has_data(pdu: Result) -> None:
    rows = measure_cells(CATALOGUE["recall_after_information"], Source(_period(pdu)))
    trials, events = int(rows["trials"].sum()), int(rows["events"].sum())
    print(f"\nrecall after information: {events} of {trials} ({events / trials:.0%})")
    assert trials > 100
    assert 0.35 <= events / trials <= 0.50
    # The rest are warnings, more contact, licence variations or no further action, each of them there.
    answers = set(
        EnforcementDecision.objects.filter(risk_information__isnull=False)
        .exclude(decision__in=RECALLS)
        .values_list("decision", flat=True)
    )
    assert answers == {"warning", "increased_contact", "licence_variation", "nfa"}


def test_a_decision_not_to_recall_is_endorsed_by_a_manager_or_still_pending(pdu: Result) -> None:
    not_recall = EnforcementDecision.objects.filter(risk_information__isnull=False).exclude(
        decision__in=RECALLS
    )
    endorsed = DecisionEndorsement.objects.filter(decision__in=not_recall).count()
    pending = not_recall.filter(endorsement__isnull=True).count()
    print(f"\n{not_recall.count()} decisions not to recall: {endorsed} endorsed, {pending} pending")
    assert endorsed > 0.8 * not_recall.count()
    assert pending > 0
    assert not DecisionEndorsement.objects.filter(decision__decision__in=RECALLS).exists()


def test_rescheduled_appointments_say_who_asked_and_why_and_are_booked_again(pdu: Result) -> None:
    rescheduled = Contact.objects.filter(outcome="rescheduled")
    assert rescheduled.count() > 100
    assert not rescheduled.filter(change_reason="").exists()
    assert {"person", "practitioner", "service"} == set(
        rescheduled.values_list("change_requested_by", flat=True)
    )
    replaced = rescheduled.filter(rescheduled_to__isnull=False).count()
    assert replaced == rescheduled.count()


@pytest.mark.parametrize("rule", ["risk_information", "rescheduled", "decisions", "contact_window"])
def test_the_new_rows_obey_the_services_rules(pdu: Result, rule: str) -> None:
    problems = checks.RULES[rule]()
    assert problems == [], problems[:5]
