"""Rounds of decisions: an enforcement round draws only the PDU's enforcement decisions of the period (never a
recall or a decision after risk information), reproducibly from its seed, and its review page is blind (no name,
CRN or ethnicity) while showing the decision that is judged."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from evenhand.cases.models import Allocation, Decision, EnforcementDecision
from evenhand.org.models import Grade
from evenhand.review.models import Review, ReviewRound
from evenhand.review.services import assign_reviews, confirm_round, draw_round
from tests.factories import SentenceFactory, StaffMemberFactory, TeamFactory, local_datetime, today

RATIONALE = "Second unacceptable absence within twelve months; the reason given was not evidenced."


def _decide(sentence: object, decision: str, days_ago: int) -> EnforcementDecision:
    holder = Allocation.objects.filter(sentence=sentence).first()
    return EnforcementDecision.objects.create(
        sentence=sentence,
        decision=decision,
        proposed=Decision.BREACH,
        rationale=RATIONALE,
        decided_by=holder.practitioner if holder else StaffMemberFactory(grade=Grade.PO),
        decided_at=local_datetime(today() - dt.timedelta(days=days_ago)),
    )


@pytest.fixture
def decisions(unit: dict) -> dict:
    """A warning or breach for each of the unit's allocated people in the period; besides them, a recall, a
    decision before the period and one in another PDU, none of which an enforcement round may draw."""
    allocated = [
        s for p in unit["people"] for s in p.sentences.all() if Allocation.objects.filter(sentence=s).exists()
    ]
    kept = [
        _decide(s, Decision.WARNING if i % 2 else Decision.BREACH, days_ago=5 + i)
        for i, s in enumerate(allocated)
    ]
    others = [
        _decide(allocated[0], Decision.RECALL_STANDARD, days_ago=3),
        _decide(allocated[1], Decision.WARNING, days_ago=200),
        _decide(SentenceFactory(requirements=[]), Decision.WARNING, days_ago=4),
    ]
    return {**unit, "kept": kept, "others": others}


def enforcement_round(unit: dict, seed: int) -> ReviewRound:
    return draw_round(
        by=unit["head"],
        pdu=unit["pdu"],
        kind="enforcement",
        strata="ethnic_group",
        sample_size=6,
        minimum_per_stratum=1,
        seed=seed,
        period_start=today() - dt.timedelta(days=90),
        period_end=today() - dt.timedelta(days=1),
    )


def test_an_enforcement_round_draws_only_the_units_enforcement_decisions_of_the_period(
    decisions: dict,
) -> None:
    first = enforcement_round(decisions, seed=11)
    assert first.population == len(decisions["kept"]) == 13
    drawn = set(first.sampled.values_list("subject_id", flat=True))
    assert len(drawn) == 6 and drawn <= {d.pk for d in decisions["kept"]}
    # Reproducible from the recorded seed; another seed draws another sample.
    assert (
        set(enforcement_round(decisions, seed=first.seed).sampled.values_list("subject_id", flat=True))
        == drawn
    )
    assert set(enforcement_round(decisions, seed=12).sampled.values_list("subject_id", flat=True)) != drawn
    # Each is the work of who decided, judged on the day they decided.
    for case in first.sampled.all():
        decision = EnforcementDecision.objects.get(pk=case.subject_id)
        assert (
            case.practitioner_id == decision.decided_by_id and case.person_id == decision.sentence.person_id
        )
        assert case.judged_on == decision.decided_at.date()
    # The recall is a recall round's, not this one's.
    recall = draw_round(
        by=decisions["head"],
        pdu=decisions["pdu"],
        kind="recall",
        strata="ethnic_group",
        sample_size=1,
        minimum_per_stratum=0,
        seed=1,
        period_start=today() - dt.timedelta(days=90),
        period_end=today() - dt.timedelta(days=1),
    )
    assert list(recall.sampled.values_list("subject_id", flat=True)) == [decisions["others"][0].pk]


def test_the_decision_review_page_is_blind_and_shows_the_decision(decisions: dict) -> None:
    round_ = confirm_round(by=decisions["head"], round_id=enforcement_round(decisions, seed=11).pk)
    reviewer = StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=decisions["pdu"]), with_user=True)
    assign_reviews(by=decisions["head"], round_id=round_.pk, reviewers=[reviewer])
    review = Review.objects.filter(reviewer=reviewer).select_related("sampled__person").first()
    assert review is not None
    person = review.sampled.person
    client = Client()
    client.force_login(reviewer.user)
    pages = [
        client.get(reverse("review-queue")),
        client.get(reverse("review", args=[review.pk])),
        client.get(reverse("review-question", args=[review.pk, "E2"])),
    ]
    for response in pages:
        assert response.status_code == 200
        text = response.content.decode()
        for hidden in (person.first_name, person.last_name, person.crn, "White", "Black", "Asian", "Mixed"):
            assert hidden not in text, hidden
    page = pages[1].content.decode()
    assert 'id="judged-record"' in page and RATIONALE in page
    assert "Breach action initiated" in page  # the rule's proposal
    decided = EnforcementDecision.objects.get(pk=review.sampled.subject_id)
    assert decided.get_decision_display() in page
    assert decided.decided_by.last_name not in page  # who decided, by grade only
    assert "Were the person&#39;s circumstances considered?" in pages[2].content.decode()
