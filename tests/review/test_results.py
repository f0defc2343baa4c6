"""A round's results from submitted reviews: weighted shares by group, the comparison, ratings, agreement."""

from decimal import Decimal

import pytest

from evenhand.org.models import Grade
from evenhand.review.models import Prompt, Review
from evenhand.review.results import round_results
from evenhand.review.services import assign_reviews, record_answers, submit_review
from tests.factories import StaffMemberFactory, TeamFactory
from tests.review.conftest import case_round


def test_results_of_a_round(unit: dict) -> None:
    round_ = case_round(unit, seed=3, double_mark_share=Decimal("0.5"))
    reviewers = [StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=unit["pdu"])) for _ in range(2)]
    assign_reviews(by=unit["head"], round_id=round_.pk, reviewers=reviewers)
    prompts = list(
        Prompt.objects.filter(key_question__question_set=round_.question_set).select_related("key_question")
    )
    for review in Review.objects.select_related("sampled__stratum", "reviewer"):
        group = review.sampled.stratum.ethnic_group
        answers = {}
        for p in prompts:
            answer = "sufficient"
            # The diversity prompt of C1 is not sufficient for Black people's cases: C1 fails for them.
            if p.key_question.number == "C1" and p.diversity and group == "black":
                answer = "not_sufficient"
            # The second marker disagrees on C2 for every other case.
            if (
                p.key_question.number == "C2"
                and p.letter == "a"
                and review.marking == 2
                and review.sampled_id % 2
            ):
                answer = "not_sufficient"
            # C12 does not apply to the cases without a tier.
            if p.key_question.number == "C12" and review.sampled.stratum.tier_band == "none":
                answer = "not_applicable"
            answers[p.pk] = (answer, "")
        record_answers(reviewer=review.reviewer, review_id=review.pk, answers=answers)
        submit_review(reviewer=review.reviewer, review_id=review.pk)

    results = round_results(round_)
    assert results.reviewed == results.sampled == 14
    by = {(r.key_question, r.ethnic_group): r for r in results.rows}
    assert by[("C1", "white")].estimate.share == 1.0
    assert by[("C1", "black")].estimate.share == 0.0
    # Everyone: the weighted share is the population's share of non-Black cases, 18 of 24.
    assert by[("C1", "")].estimate.share == pytest.approx(18 / 24)
    black = by[("C1", "black")]
    assert black.comparison.difference == -1.0 and black.q_value is not None and black.q_value < 0.05
    assert by[("C2", "asian")].comparison.difference == 0.0
    assert by[("C1", "white")].comparison is None  # the reference group
    # C12 applies to the tiered cases only: its domain is smaller.
    assert by[("C12", "")].estimate.cases < 14
    assert results.ratings["white"] == "outstanding" and results.ratings["black"] == "inadequate"
    assert "Outstanding 80% and over" in results.bands
    # Agreement: perfect on C1, less on C2 where the second marker disagreed.
    assert results.agreement["C1"] is not None and results.agreement["C1"].agreement == 1.0
    c2 = results.agreement["C2"]
    assert c2 is not None and c2.agreement < 1.0
    # Against workload: every reviewed case is in one capacity band (here the unallocated ones not known).
    c1 = [r for r in results.by_capacity if r.key_question == "C1"]
    assert len(c1) == 4
    assert sum(r.estimate.population for r in c1 if r.estimate) == pytest.approx(24)


def test_a_round_with_nothing_reviewed(unit: dict) -> None:
    round_ = case_round(unit, seed=3, confirm=False)
    results = round_results(round_)
    assert results.reviewed == 0 and all(r.estimate is None for r in results.rows)
    assert results.ratings == {"": None} and all(k is None for k in results.agreement.values())
