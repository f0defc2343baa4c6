"""Shared fixtures of the review tests: a PDU with 24 people under supervision in four ethnic groups."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from evenhand.assessment.models import TierCalculation
from evenhand.org.models import Grade
from evenhand.people.models import Ethnicity
from evenhand.review.models import Prompt, Review, ReviewRound
from evenhand.review.services import assign_reviews, confirm_round, draw_round, record_answers, submit_review
from tests.factories import (
    AllocationFactory,
    PDUFactory,
    PersonFactory,
    SentenceFactory,
    StaffMemberFactory,
    TeamFactory,
    today,
)

# Ethnicity and how many people: a large White group, smaller Black and Asian groups, one Mixed person.
PEOPLE = [
    (Ethnicity.WHITE_BRITISH, 14),
    (Ethnicity.BLACK_CARIBBEAN, 6),
    (Ethnicity.ASIAN_PAKISTANI, 3),
    (Ethnicity.MIXED_OTHER, 1),
]


@pytest.fixture
def unit(db: None) -> dict:
    pdu = PDUFactory()
    head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=pdu)
    people = []
    for ethnicity, count in PEOPLE:
        for i in range(count):
            # Names that no page could show by chance (a surname "White" would read as an ethnic group).
            n = len(people)
            person = PersonFactory(
                pdu=pdu,
                diversity__ethnicity=ethnicity,
                first_name=f"Givenname{n}",
                last_name=f"Familyname{n}x",
            )
            sentence = SentenceFactory(person=person, requirements=[])
            if i % 2 == 0:
                AllocationFactory(sentence=sentence)
            if i % 3 == 0:
                TierCalculation.objects.create(
                    person=person,
                    tier="B1",
                    protect="B",
                    protect_points=20,
                    change=1,
                    change_points=5,
                    change_reason="",
                    inputs={},
                    lines=[],
                    version=2,
                    computed_at=timezone.now() - dt.timedelta(days=40),
                    trigger="recompute",
                )
            people.append(person)
    # Outside the population: a person in another PDU, and a sentence that ended before the period.
    SentenceFactory(requirements=[])
    old = SentenceFactory(person__pdu=pdu, requirements=[], start_date=today() - dt.timedelta(days=900))
    old.termination_date = today() - dt.timedelta(days=400)
    old.termination_reason = "completed"
    old.save()
    return {"pdu": pdu, "head": head, "people": people}


def case_round(unit: dict, *, seed: int, confirm: bool = True, **extra: Any) -> ReviewRound:
    """A round of 14 of the unit's cases (at least 2 a stratum) over the last 90 days, drawn by its head and,
    unless ``confirm`` is False, confirmed."""
    round_ = draw_round(
        by=unit["head"],
        pdu=unit["pdu"],
        kind="case",
        sample_size=14,
        minimum_per_stratum=2,
        seed=seed,
        period_start=today() - dt.timedelta(days=90),
        period_end=today() - dt.timedelta(days=1),
        **extra,
    )
    if confirm:
        confirm_round(by=unit["head"], round_id=round_.pk)
    return round_


def reviewed_round(unit: dict, *, seed: int = 3) -> ReviewRound:
    """A confirmed round, half marked twice, every review submitted by two of the PDU's officers: every key
    question sufficient, except C1 for Black people's cases, whose diversity prompts are not."""
    round_ = case_round(unit, seed=seed, double_mark_share=Decimal("0.5"))
    reviewers = [StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=unit["pdu"])) for _ in range(2)]
    assign_reviews(by=unit["head"], round_id=round_.pk, reviewers=reviewers)
    prompts = list(
        Prompt.objects.filter(key_question__question_set=round_.question_set).select_related("key_question")
    )
    for review in Review.objects.filter(sampled__round=round_).select_related("sampled__stratum", "reviewer"):
        black = review.sampled.stratum.ethnic_group == "black"
        answers = {
            p.pk: (
                "not_sufficient" if black and p.key_question.number == "C1" and p.diversity else "sufficient",
                "",
            )
            for p in prompts
        }
        record_answers(reviewer=review.reviewer, review_id=review.pk, answers=answers)
        submit_review(reviewer=review.reviewer, review_id=review.pk)
    return round_
