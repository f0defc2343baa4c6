"""Synthetic case review rounds (issue 15, item 8): valid rows by the review services' rules, the draw
reproducible from the recorded seed, quality falling with capacity, and a declared gap that moves the declared
group's answers, appears in the ground truth and is found by the round's own estimates (``pdu`` scale)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.db.models import Q
from django.utils import timezone

from evenhand.assessment.models import PreSentenceReport
from evenhand.audit.models import Channel
from evenhand.cases.models import RECALLS, Allocation, EnforcementDecision
from evenhand.review.door import open_review
from evenhand.review.judgement import NOT_APPLICABLE, SUFFICIENT, key_question_judgement
from evenhand.review.models import (
    Moderation,
    Prompt,
    PromptAnswer,
    Review,
    ReviewRound,
    RoundStatus,
    RoundStratum,
    SampledCase,
    SetKind,
    Strata,
)
from evenhand.review.population import population
from evenhand.review.results import round_results
from evenhand.review.sampling import allocate, double_marked, draw
from evenhand.review.services import draw_round
from evenhand.review.services.reviews import REVIEWER_ROLES, conflict_of, unanswered
from evenhand.synth import params
from evenhand.synth.generator import Result, generate
from evenhand.synth.reviews import CELLS, GROUP_CELLS

from .conftest import load_for_module

pytestmark = pytest.mark.django_db
MULTIPLIER = 0.25  # the declared odds multiplier of a key question judged sufficient, Black people, one PDU


@pytest.fixture(scope="module")
def reviewed(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Result]:
    """``pdu`` scale, seed 1, with a declared quality gap for Black people in its PDU and a round large enough
    to detect it (600 cases, at least 15 per stratum), loaded once for the module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(params, "REVIEW_SAMPLE_SIZE", 600)
        patch.setattr(params, "REVIEW_MINIMUM_PER_STRATUM", 15)
        with django_db_blocker.unblock():
            code = generate(scale="pdu", seed=1, write=False).pdu_codes[0]
        path = tmp_path_factory.mktemp("bias") / "review.toml"
        path.write_text(
            f'[[effect]]\nmeasure = "review_sufficient"\ngroup = "black"\nunit = "{code}"\n'
            f"multiplier = {MULTIPLIER}\n",
            encoding="utf-8",
        )
        yield from load_for_module(django_db_blocker, scale="pdu", seed=1, bias_path=path)


def _first_judgements(round_: ReviewRound) -> dict[int, dict[str, str]]:
    """{sampled id: {key question number: judgement}} of the first markings."""
    answers: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    rows = PromptAnswer.objects.filter(review__sampled__round=round_, review__marking=1).values_list(
        "review__sampled_id", "prompt__key_question__number", "answer"
    )
    for sampled, number, answer in rows:
        answers[sampled][number].append(answer)
    return {s: {n: key_question_judgement(a) for n, a in by.items()} for s, by in answers.items()}


def _share(judgements: list[str]) -> float:
    applicable = [j for j in judgements if j != NOT_APPLICABLE]
    return sum(j == SUFFICIENT for j in applicable) / len(applicable)


def test_every_round_row_is_valid_by_the_services_rules(reviewed: Result) -> None:
    rounds = {r.kind: r for r in ReviewRound.objects.all()}
    assert set(rounds) == set(SetKind.values)  # a case round and one of each kind of decision
    assert ReviewRound.objects.count() == len(SetKind.values)
    assert reviewed.rows["review_sampledcase"] == sum(r.sample_size for r in rounds.values())
    for model in (ReviewRound, RoundStratum, SampledCase, Review, Moderation):
        for row in model.objects.all():
            row.full_clean()
    for answer in PromptAnswer.objects.order_by("pk")[::97]:
        answer.full_clean()
    for kind, round_ in rounds.items():
        # A decision round's 40, or more where 15 from each group need more.
        assert round_.sample_size == 600 if kind == SetKind.CASE else round_.sample_size >= 40
        _check_round(round_)


def _check_round(round_: ReviewRound) -> None:
    """A round's rows as the services would have left them: strata, probabilities, reviewers, answers,
    double marking and moderation."""
    assert round_.status == RoundStatus.CLOSED
    strata = list(round_.strata_drawn.all())
    assert len(strata) == (len(CELLS) if round_.kind == SetKind.CASE else len(GROUP_CELLS))
    assert sum(s.population for s in strata) == round_.population
    assert sum(s.sample for s in strata) == round_.sample_size
    prompts = set(
        Prompt.objects.filter(key_question__question_set=round_.question_set).values_list("pk", flat=True)
    )
    reviews = list(
        Review.objects.filter(sampled__round=round_).select_related(
            "reviewer", "sampled__practitioner", "sampled__round"
        )
    )
    for review in reviews:
        assert conflict_of(review.reviewer, review.sampled) is None
        assert review.reviewer.role in REVIEWER_ROLES
        assert review.reviewer.pdu_id == round_.pdu_id
        assert unanswered(review) == []  # every key question answered, every prompt
        assert review.submitted_at is not None and review.submitted_at >= review.assigned_at
    answers = PromptAnswer.objects.filter(review__sampled__round=round_)
    answered = answers.values_list("prompt_id", flat=True).distinct()
    assert set(answered) <= prompts  # nothing answered outside the round's version
    assert answers.count() == len(reviews) * len(prompts)
    sampled = list(round_.sampled.select_related("stratum"))
    for case in sampled:
        assert case.inclusion_probability == pytest.approx(case.stratum.sample / case.stratum.population)
        assert case.reviews.count() == (2 if case.double_marked else 1)
    twice = [c for c in sampled if c.double_marked]
    assert len(twice) == round(0.10 * len(sampled))
    for case in twice:
        first, second = case.reviews.order_by("marking")
        assert first.reviewer_id != second.reviewer_id
    # Moderation: exactly the key questions the two markings judge differently, by someone who marked neither.
    marked: dict[tuple[int, int], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for sampled_id, marking, number, answer in answers.filter(
        review__sampled__double_marked=True
    ).values_list("review__sampled_id", "review__marking", "prompt__key_question__number", "answer"):
        marked[(sampled_id, marking)][number].append(answer)
    disagreements = {
        (case.pk, number)
        for case in twice
        for number, given in marked[(case.pk, 1)].items()
        if key_question_judgement(given) != key_question_judgement(marked[(case.pk, 2)][number])
    }
    moderations = list(Moderation.objects.filter(sampled__round=round_).select_related("key_question"))
    assert {(m.sampled_id, m.key_question.number) for m in moderations} == disagreements
    if round_.kind == SetKind.CASE:
        assert disagreements, "10% double-marked at 88% agreement per key question should disagree somewhere"
    for m in moderations:
        assert m.moderator_id not in set(m.sampled.reviews.values_list("reviewer_id", flat=True))
        assert m.agreed == m.first


def test_the_recorded_seed_draws_the_same_sample_from_the_services_population(reviewed: Result) -> None:
    round_ = ReviewRound.objects.get(kind=SetKind.CASE)
    # The population as the service reads it (the round itself set aside, or its cases count as reviewed).
    ReviewRound.objects.filter(pk=round_.pk).update(status=RoundStatus.DISCARDED)
    try:
        members, _ = population(
            pdu=round_.pdu,
            kind=round_.kind,
            start=round_.period_start,
            end=round_.period_end,
            exclude_months=12,
        )
    finally:
        ReviewRound.objects.filter(pk=round_.pk).update(status=RoundStatus.CLOSED)
    assert len(members) == round_.population
    index = {cell: i for i, cell in enumerate(CELLS)}
    codes = np.array([index[(m.ethnic_group, m.tier_band)] for m in members])
    sizes = np.bincount(codes, minlength=len(CELLS))
    stored = {(s.ethnic_group, s.tier_band): (s.population, s.sample) for s in round_.strata_drawn.all()}
    assert {cell: (int(sizes[i]), stored[cell][1]) for i, cell in enumerate(CELLS)} == stored
    allocation = allocate(sizes, round_.sample_size, round_.minimum_per_stratum)
    rng = np.random.default_rng(round_.seed)
    chosen = np.flatnonzero(draw(codes, allocation.sample, rng)[0])
    twice = double_marked(len(chosen), float(round_.double_mark_share), rng)
    drawn = {members[i].subject_id: bool(t) for i, t in zip(chosen, twice, strict=True)}
    assert dict(round_.sampled.values_list("subject_id", "double_marked")) == drawn
    practitioners = dict(round_.sampled.values_list("subject_id", "practitioner_id"))
    assert all(practitioners[members[i].subject_id] == members[i].practitioner_id for i in chosen)


def _of_kind(round_: ReviewRound, subjects: set[int]) -> set[int]:
    """Which of ``subjects`` are records of the round's kind, in its PDU and period, read from the database as
    the service's population does not (so that a wrong population would not agree with itself)."""
    start = timezone.make_aware(dt.datetime.combine(round_.period_start, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(round_.period_end + dt.timedelta(1), dt.time.min))
    pdu = round_.pdu_id
    recall = Q(decision__in=RECALLS) | Q(risk_information__isnull=False)
    decisions = EnforcementDecision.objects.filter(
        pk__in=subjects, sentence__person__pdu_id=pdu, decided_at__gte=start, decided_at__lt=end
    )
    found = {
        SetKind.ENFORCEMENT: decisions.exclude(recall),
        SetKind.RECALL: decisions.filter(recall),
        SetKind.ALLOCATION: Allocation.objects.filter(
            pk__in=subjects, sentence__person__pdu_id=pdu, allocated_at__gte=start, allocated_at__lt=end
        ),
        SetKind.REPORT: PreSentenceReport.objects.filter(
            pk__in=subjects,
            person__pdu_id=pdu,
            delivered_on__gte=round_.period_start,
            delivered_on__lte=round_.period_end,
        ),
    }[SetKind(round_.kind)]
    return set(found.values_list("pk", flat=True))


@pytest.mark.parametrize("kind", ["enforcement", "recall", "allocation", "report"])
def test_each_decision_round_is_the_services_draw_from_its_seed_of_its_kind_only(
    reviewed: Result, kind: str
) -> None:
    round_ = ReviewRound.objects.get(kind=kind)
    assert round_.strata == Strata.ETHNIC_GROUP
    drawn = dict(round_.sampled.values_list("subject_id", "double_marked"))
    assert len(drawn) == round_.sample_size
    assert _of_kind(round_, set(drawn)) == set(drawn)
    # The service draws the same sample from the same population and seed (the synthetic round set aside, or
    # its records count as reviewed).
    ReviewRound.objects.filter(pk=round_.pk).update(status=RoundStatus.DISCARDED)
    again = draw_round(
        by=round_.drawn_by,
        pdu=round_.pdu,
        kind=kind,
        period_start=round_.period_start,
        period_end=round_.period_end,
        sample_size=round_.sample_size,
        minimum_per_stratum=round_.minimum_per_stratum,
        strata=round_.strata,
        exclude_months=round_.exclude_months,
        double_mark_share=round_.double_mark_share,
        seed=round_.seed,
    )
    assert again.population == round_.population
    assert dict(again.sampled.values_list("subject_id", "double_marked")) == drawn
    stored = {(s.ethnic_group, s.population, s.sample) for s in round_.strata_drawn.all()}
    assert {(s.ethnic_group, s.population, s.sample) for s in again.strata_drawn.all()} == stored
    assert dict(again.sampled.values_list("subject_id", "practitioner_id")) == dict(
        round_.sampled.values_list("subject_id", "practitioner_id")
    )
    assert dict(again.sampled.values_list("subject_id", "judged_on")) == dict(
        round_.sampled.values_list("subject_id", "judged_on")
    )
    if kind == SetKind.RECALL:
        # The decisions not to recall after risk information are in a recall round's population.
        assert (
            EnforcementDecision.objects.filter(
                sentence__person__pdu=round_.pdu, risk_information__isnull=False
            )
            .exclude(decision__in=RECALLS)
            .exists()
        )


def test_a_gap_declared_on_a_decision_question_moves_only_that_question_and_group(
    bias_file: Callable[[str], Path],
) -> None:
    path = bias_file('[[effect]]\nmeasure = "review:E2"\ngroup = "black"\nunit = "YH01"\nmultiplier = 0.2\n')
    truth = generate(scale="pdu", seed=1, bias_path=path, write=False).truth["measures"]
    e2 = truth["review:E2"]["pdus"]["YH01"]
    assert e2["black"]["declared_multiplier"] == 0.2 and e2["black"]["effect"] < 0.75
    assert all(e2[g]["effect"] == 1.0 for g in ("white", "asian", "mixed", "other"))
    for other in ("review:E1", "review:E3", "review:R2", "review:A2", "review:P1", "review:C1"):
        assert truth[other]["pdus"]["YH01"]["black"]["effect"] == 1.0, other
    assert truth["review_sufficient"]["pdus"]["YH01"]["black"]["effect"] == 1.0


def test_quality_falls_with_the_practitioners_capacity(reviewed: Result) -> None:
    round_ = ReviewRound.objects.get(kind=SetKind.CASE)
    judged = _first_judgements(round_)
    capacity = dict(round_.sampled.exclude(capacity=None).values_list("pk", "capacity"))
    low = [j for pk, c in capacity.items() if c < 100 for j in judged[pk].values()]
    high = [j for pk, c in capacity.items() if c >= 120 for j in judged[pk].values()]
    assert len(low) > 100 and len(high) > 100
    assert _share(low) - _share(high) > 0.15
    # The round's results against workload show it too.
    results = round_results(round_)
    by_band: dict[str, list[float]] = defaultdict(list)
    for row in results.by_capacity:
        if row.estimate is not None:
            by_band[row.band].append(row.estimate.share)
    assert np.mean(by_band["under 90%"]) > np.mean(by_band["110% and over"]) + 0.15


def test_the_same_seed_gives_the_same_rounds_and_truth() -> None:
    first = generate(scale="pdu", seed=3, write=False)
    second = generate(scale="pdu", seed=3, write=False)
    assert first.fingerprint == second.fingerprint
    assert first.rows["review_promptanswer"] == second.rows["review_promptanswer"] > 0
    assert first.truth["measures"]["review_sufficient"] == second.truth["measures"]["review_sufficient"]
    other = generate(scale="pdu", seed=4, write=False)
    assert other.fingerprint != first.fingerprint


def test_a_declared_gap_moves_the_groups_answers_is_in_the_truth_and_the_round_finds_it(
    reviewed: Result,
) -> None:
    code = reviewed.pdu_codes[0]
    truth = reviewed.truth["measures"]["review_sufficient"]["pdus"][code]
    assert truth["black"]["declared_multiplier"] == MULTIPLIER
    assert truth["black"]["effect"] < 0.7
    assert truth["white"]["effect"] == 1.0 and truth["white"]["declared_multiplier"] == 1.0
    # Each key question's own measure carries the effect of the declared bias on every key question.
    assert reviewed.truth["measures"]["review:C1"]["pdus"][code]["black"]["effect"] < 0.7
    # The case round's measure leaves the decision rounds as they were.
    assert reviewed.truth["measures"]["review:E1"]["pdus"][code]["black"]["effect"] == 1.0
    round_ = ReviewRound.objects.get(kind=SetKind.CASE)
    group = dict(round_.sampled.values_list("pk", "stratum__ethnic_group"))
    judged = _first_judgements(round_)
    black = [j for pk, by in judged.items() if group[pk] == "black" for j in by.values()]
    white = [j for pk, by in judged.items() if group[pk] == "white" for j in by.values()]
    assert _share(white) - _share(black) > 0.2
    results = round_results(round_)
    found = [r for r in results.rows if r.ethnic_group == "black"]
    assert len(found) == 12
    assert all(r.comparison is not None and r.comparison.difference < 0 for r in found)
    significant = [r for r in found if r.q_value is not None and r.q_value < 0.05]
    assert len(significant) >= 9, [(r.key_question, r.q_value) for r in found]
    # No gap declared for the other groups: the round finds few (Benjamini-Hochberg at 5%).
    others = [
        r
        for r in results.rows
        if r.ethnic_group in ("asian", "mixed") and r.q_value is not None and r.q_value < 0.05
    ]
    assert len(others) <= 3, [(r.ethnic_group, r.key_question, r.q_value) for r in others]


def test_a_gap_declared_on_one_key_question_moves_only_that_question(
    bias_file: Callable[[str], Path],
) -> None:
    path = bias_file('[[effect]]\nmeasure = "review:C3"\ngroup = "black"\nunit = "YH01"\nmultiplier = 0.3\n')
    truth = generate(scale="pdu", seed=1, bias_path=path, write=False).truth["measures"]
    c3 = truth["review:C3"]["pdus"]["YH01"]
    assert c3["black"]["declared_multiplier"] == 0.3 and c3["black"]["effect"] < 0.75
    assert c3["white"]["effect"] == 1.0
    assert truth["review:C1"]["pdus"]["YH01"]["black"]["effect"] == 1.0
    # Over every key question, one in twelve moved: a diluted effect.
    assert 0.9 < truth["review_sufficient"]["pdus"]["YH01"]["black"]["effect"] < 1.0


def test_a_report_review_shows_the_report_but_not_the_ethnicity_it_carries(reviewed: Result) -> None:
    reviews = Review.objects.filter(sampled__round__kind=SetKind.REPORT, marking=1).select_related(
        "reviewer", "sampled__person__diversity"
    )
    shown = 0
    for review in reviews[:10]:
        page = open_review(viewer=review.reviewer, review_id=review.pk, channel=Channel.UI, purpose="Review")
        facts = dict(page.case.decision)
        assert facts["Proposal"] and facts["Reasons for the proposal"]
        ethnicity = review.sampled.person.diversity.get_ethnicity_display()
        assert "Recorded ethnicity" not in repr(facts) and ethnicity not in repr(facts)
        shown += "Ethnicity: written (not shown in a blind review)" in facts["Diversity"]
    assert shown  # the synthetic reports write the recorded ethnicity in their diversity section
