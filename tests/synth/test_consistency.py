"""Facts the data and the ground truth must agree on, beyond what a single row's validation sees."""

import datetime as dt

import pytest
from django.db.models import Exists, F, OuterRef

from evenhand.cases import rules
from evenhand.cases.models import (
    Allocation,
    Contact,
    ContactType,
    EnforcementDecision,
    Requirement,
    RequirementType,
    Sentence,
    SentenceType,
    TerminationReason,
)
from evenhand.people.models import Person
from evenhand.synth import params
from evenhand.synth.generator import generate

from .conftest import loaded

pytestmark = pytest.mark.django_db


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _national(truth: dict, measure: str, key: str = "n") -> float:
    return sum(cell[key] for cell in truth["measures"][measure]["national"].values())


def test_the_truth_counts_the_enforcement_decisions_in_the_data() -> None:
    with loaded(scale="tiny", seed=2) as result:
        # Recall is proposed on each unacceptable failure on licence and on each piece of risk information.
        recalls = EnforcementDecision.objects.filter(
            proposed__in=["recall_standard", "recall_emergency"]
        ).count()
        breaches = EnforcementDecision.objects.filter(proposed="breach").count()
    assert recalls > 0 and breaches > 0
    assert _national(result.truth, "recall") == recalls
    assert _national(result.truth, "breach") == breaches


def test_the_generator_asks_the_enforcement_rules_for_every_proposal(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    rule = rules.proposed_decision

    def spy(sentence_type: str, **values: dt.date | None) -> str:
        asked.append(decision := rule(sentence_type, **values))
        return decision

    monkeypatch.setattr(rules, "proposed_decision", spy)
    with loaded(scale="tiny", seed=2):
        # Decisions on risk information are proposed as the service proposes them (``proposed_recall``).
        on_failures = EnforcementDecision.objects.filter(risk_information__isnull=True).count()
    assert len(asked) == on_failures
    assert {"warning", "breach", "recall_standard"} <= set(asked)


def test_the_generator_proposes_what_the_rules_propose_even_when_they_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Were a licence enforced like an order, the data would follow: the generator has no rules of its own.
    monkeypatch.setattr(rules, "RECALLABLE", ())
    with loaded(scale="tiny", seed=2):
        proposed = set(
            EnforcementDecision.objects.filter(
                sentence__type=SentenceType.LICENCE, risk_information__isnull=True
            ).values_list("proposed", flat=True)
        )
    assert proposed and not proposed & {"recall_standard", "recall_fixed_term", "recall_emergency"}


def test_the_completion_truth_expects_what_the_generator_does() -> None:
    with loaded(scale="tiny", seed=2) as result:
        # People's current sentences (an earlier order, or the licence before PSS, is not drawn to end).
        later = Sentence.objects.filter(person=OuterRef("person"), start_date__gt=OuterRef("start_date"))
        ended = Sentence.objects.exclude(Exists(later)).filter(
            termination_reason__in=[TerminationReason.COMPLETED, TerminationReason.REVOKED_NEW_OFFENCE]
        )
        licences = ended.filter(type=SentenceType.LICENCE).count()
        others = ended.exclude(type=SentenceType.LICENCE).count()
    n = _national(result.truth, "completion")
    expected = _national(result.truth, "completion", "expected_events_without_bias")
    if n == others:  # the truth counts only the orders the completion draw decides
        assert expected == pytest.approx(params.COMPLETION_BASE * others)
    else:  # or counts licences too, as certain completions
        assert n == licences + others
        assert expected == pytest.approx(licences + params.COMPLETION_BASE * others)


def test_everyone_is_18_to_80_on_the_end_date() -> None:
    # pdu scale, seed 3 has one person of 17 (region scale, seed 1 has three).
    with loaded(scale="pdu", seed=3) as result:
        ages = [
            _age(born, result.end_date) for born in Person.objects.values_list("date_of_birth", flat=True)
        ]
    assert min(ages) >= params.AGE_MIN and max(ages) <= params.AGE_MAX, (min(ages), max(ages))


def test_practitioners_had_started_before_their_allocations() -> None:
    with loaded(scale="tiny", seed=1, end_date=dt.date(2018, 6, 30)):
        assert Allocation.objects.exists()
        early = Allocation.objects.filter(start_date__lt=F("practitioner__start_date")).count()
    assert early == 0


def test_unpaid_work_sessions_are_on_orders_with_unpaid_work() -> None:
    with loaded(scale="tiny", seed=1):
        sessions = Contact.objects.filter(type=ContactType.UNPAID_WORK)
        requirement = Requirement.objects.filter(
            sentence=OuterRef("sentence"), type=RequirementType.UNPAID_WORK
        )
        assert sessions.exists()
        without = sessions.exclude(Exists(requirement)).count()
    assert without == 0


def test_a_seed_whose_pdu_draws_no_probation_officer_still_generates() -> None:
    result = generate(scale="tiny", seed=615, write=False)
    assert result.rows["people_person"] == 240
