"""The review rounds' estimates as measures of the equality catalogue (issue 15, item 5): registered by the
review app, the same figures as the round's own results, pooled across rounds as one stratified sample,
shown on the equality dashboard with their sampling note, and no person named."""

import datetime as dt
import re
from decimal import Decimal

import numpy as np
import pytest
from django.test import Client

from evenhand.equality import services
from evenhand.equality.engine import Settings, analyse
from evenhand.equality.measures import Period
from evenhand.equality.sampled import sampled_measures, sampling_note
from evenhand.org.models import Grade
from evenhand.review import estimates
from evenhand.review.models import Prompt, Review, ReviewRound
from evenhand.review.questions import QUESTION_SETS
from evenhand.review.results import round_results
from evenhand.review.services import (
    assign_reviews,
    confirm_round,
    draw_round,
    record_answers,
    submit_review,
)
from evenhand.review.stats import stratified_share
from tests.factories import StaffMemberFactory, TeamFactory, today
from tests.review.conftest import case_round

PERIOD = Period(today() - dt.timedelta(days=365), today())


def review_everything(unit: dict, round_: ReviewRound) -> None:
    """Every sampled case reviewed: C1's diversity prompt not sufficient for Black people's cases, C12 not
    applicable to the cases without a tier, the rest sufficient."""
    reviewers = [StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=unit["pdu"])) for _ in range(2)]
    assign_reviews(by=unit["head"], round_id=round_.pk, reviewers=reviewers)
    prompts = list(
        Prompt.objects.filter(key_question__question_set=round_.question_set).select_related("key_question")
    )
    for review in Review.objects.filter(sampled__round=round_).select_related("sampled__stratum", "reviewer"):
        stratum = review.sampled.stratum
        answers = {}
        for p in prompts:
            answer = "sufficient"
            if p.key_question.number == "C1" and p.diversity and stratum.ethnic_group == "black":
                answer = "not_sufficient"
            if p.key_question.number == "C12" and stratum.tier_band == "none":
                answer = "not_applicable"
            answers[p.pk] = (answer, "")
        record_answers(reviewer=review.reviewer, review_id=review.pk, answers=answers)
        submit_review(reviewer=review.reviewer, review_id=review.pk)


def test_every_key_question_is_a_measure_with_the_sampling_note() -> None:
    measures = sampled_measures()
    numbers = {q.number for spec in QUESTION_SETS for q in spec.key_questions}
    assert set(measures) == {f"review:{n}" for n in numbers}
    assert measures["review:C1"].title == "Case review: C1 sufficient"
    assert measures["review:E2"].title.startswith("Enforcement decision review: E2")
    note = sampling_note("review:C1")
    assert "stratified random sample" in note and "inclusion probability" in note
    assert "linearisation" in note and "design-weighted" in note


def test_the_catalogues_figures_are_the_rounds_own(unit: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """For every key question and group, the catalogue's share, interval and cases for the round's PDU (and,
    with one round, its region and the nation) are review.stats' estimates in the round's results; with the
    minimum lowered, the comparisons with White people are the round's too."""
    monkeypatch.setattr(estimates, "MIN_CASES", 1)
    round_ = case_round(unit, seed=3, double_mark_share=Decimal("0.5"))
    review_everything(unit, round_)
    results = round_results(round_)
    analysis = analyse(PERIOD, Settings())
    table = analysis.sampled
    pdu = unit["pdu"]
    assert set(table["level"]) == {"national", "region", "pdu"}
    assert set(table.loc[table["level"] == "pdu", "unit"]) == {pdu.code}
    checked = 0
    for row in results.rows:
        if not row.ethnic_group or row.estimate is None:
            continue
        for level, code in (("pdu", pdu.code), ("region", pdu.region.code), ("national", "national")):
            found = table[
                (table["measure"] == f"review:{row.key_question}")
                & (table["level"] == level)
                & (table["unit"] == code)
                & (table["group"] == row.ethnic_group)
            ]
            assert len(found) == 1
            figure = found.iloc[0]
            assert figure["share"] == pytest.approx(row.estimate.share, abs=1e-12)
            assert figure["share_low"] == pytest.approx(row.estimate.low, abs=1e-12)
            assert figure["share_high"] == pytest.approx(row.estimate.high, abs=1e-12)
            assert figure["cases"] == row.estimate.cases
            if row.comparison is not None:
                assert figure["difference"] == pytest.approx(row.comparison.difference, abs=1e-12)
                if np.isfinite(row.comparison.ratio):
                    assert figure["ratio"] == pytest.approx(row.comparison.ratio)
                assert figure["p_value"] == pytest.approx(row.comparison.p_value, abs=1e-12)
            else:
                assert bool(figure["is_reference"]) == (row.ethnic_group == "white")
            checked += 1
    assert checked >= 3 * 12 * 3
    c1_black = table[(table["measure"] == "review:C1") & (table["group"] == "black")]
    assert (c1_black["share"] == 0).all() and (c1_black["difference"] == -1).all()
    assert (c1_black["ratio"] == 0).all()
    # The engine's flag: certain, and a ratio of 0 is outside the materiality band.
    assert c1_black["flagged"].all()
    flagged = analysis.flagged()
    assert ((flagged["kind"] == "sampled") & (flagged["measure"] == "review:C1")).any()


def test_the_minimum_for_a_comparison(unit: dict) -> None:
    """The fixture's minority groups have fewer than 10 cases reviewed: shares, but no comparison."""
    round_ = case_round(unit, seed=3)
    review_everything(unit, round_)
    table = analyse(PERIOD, Settings()).sampled
    black = table[(table["group"] == "black") & (table["measure"] == "review:C1")]
    assert len(black) == 3 and black["p_value"].isna().all() and not black["flagged"].any()
    assert black["note"].str.contains("fewer than 10 cases").all()


def test_rounds_pool_as_one_stratified_sample(unit: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two rounds of the same PDU: the PDU's figure is the stratified estimator over both rounds' strata,
    written out here from the stored strata and judgements, not the mean of the rounds' shares."""
    first = case_round(unit, seed=3)
    review_everything(unit, first)
    # The same PDU's remaining 10 cases (those reviewed in the first are left out), a second time.
    second = draw_round(
        by=unit["head"],
        pdu=unit["pdu"],
        kind="case",
        sample_size=8,
        minimum_per_stratum=1,
        seed=5,
        period_start=today() - dt.timedelta(days=90),
        period_end=today() - dt.timedelta(days=1),
    )
    confirm_round(by=unit["head"], round_id=second.pk)
    review_everything(unit, second)
    table = analyse(PERIOD, Settings()).sampled
    c1 = table[(table["measure"] == "review:C1") & (table["level"] == "pdu") & (table["group"] == "white")]
    strata = [s for r in (first, second) for s in r.strata_drawn.order_by("pk")]
    index = {s.pk: i for i, s in enumerate(strata)}
    sampled = [c for r in (first, second) for c in r.sampled.select_related("stratum")]
    h = np.array([index[c.stratum_id] for c in sampled])
    white = np.array([c.stratum.ethnic_group == "white" for c in sampled])
    expected = stratified_share(
        np.ones(len(sampled)),
        white,
        h,
        [s.population for s in strata],
        np.maximum(np.bincount(h, minlength=len(strata)), 1),
    )
    assert expected is not None
    assert c1.iloc[0]["cases"] == expected.cases == white.sum()
    assert c1.iloc[0]["share"] == 1.0
    everyone = table[(table["measure"] == "review:C12") & (table["level"] == "pdu")]
    assert everyone["cases"].sum() < len(sampled)  # C12 applies to the tiered cases only


def test_the_dashboard_shows_the_estimates_with_their_note_and_no_names(
    unit: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(estimates, "MIN_CASES", 1)  # so that C1's gap for Black people is compared, flagged
    round_ = case_round(unit, seed=3)
    review_everything(unit, round_)
    services.compute_figures(PERIOD, Settings())
    analyst = StaffMemberFactory(grade=Grade.ANALYST, with_user=True)
    client = Client()
    client.force_login(analyst.user)
    start, end = PERIOD.start, PERIOD.end
    response = client.get(
        "/equality/",
        {
            "from-day": start.day,
            "from-month": start.month,
            "from-year": start.year,
            "to-day": end.day,
            "to-month": end.month,
            "to-year": end.year,
            "unit": unit["pdu"].code,
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="sampled-section"' in page and "Case review: C1 sufficient" in page
    assert "stratified random sample" in page and "linearisation" in page
    assert 'id="sampled-review-C1"' in page
    # Everything flagged lists the sampled comparison too, linking to it.
    assert "case review sample" in page and "#sampled-review-C1" in page
    # Analysts see no names: not of the people reviewed, nor of their practitioners or the reviewers.
    names = [n for p in unit["people"] for n in (p.first_name, p.last_name)]
    names += [r.reviewer.last_name for r in Review.objects.select_related("reviewer")]
    assert not [n for n in names if re.search(rf"\b{re.escape(n)}\b", page)]
