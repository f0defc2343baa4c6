"""Reviewing a round: assignment away from the reviewer's own team, answers in the version, submission."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evenhand.org.models import Grade
from evenhand.people.models import Restriction
from evenhand.review.models import Prompt, PromptAnswer, Review, ReviewStatus
from evenhand.review.services import assign_reviews, record_answers, submit_review
from tests.factories import StaffMemberFactory, TeamFactory
from tests.review.conftest import case_round


@pytest.fixture
def reviewed(unit: dict) -> dict:
    round_ = case_round(unit, seed=7)
    # The practitioners holding the cases are all in the PDU's first team; the reviewers in two others.
    home = unit["pdu"].teams.order_by("pk").first()
    same_team = StaffMemberFactory(grade=Grade.PO, team=home)
    others = [StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=unit["pdu"])) for _ in range(2)]
    return {**unit, "round": round_, "same_team": same_team, "reviewers": others}


def _answers(review: Review, answer: str = "sufficient") -> dict[int, tuple[str, str]]:
    prompts = Prompt.objects.filter(key_question__question_set=review.sampled.round.question_set)
    return {p.pk: (answer, "") for p in prompts}


def test_cases_go_to_reviewers_outside_the_practitioners_team(reviewed: dict) -> None:
    everyone = [reviewed["same_team"], *reviewed["reviewers"]]
    result = assign_reviews(by=reviewed["head"], round_id=reviewed["round"].pk, reviewers=everyone)
    reviews = list(Review.objects.select_related("sampled__practitioner"))
    assert result.assigned == len(reviews) == 15 and result.unassigned == []  # 14 cases, one marked twice
    for review in reviews:
        holder = review.sampled.practitioner
        if holder is not None:
            assert review.reviewer.team_id != holder.team_id
    twice = [r for r in reviews if r.sampled.double_marked]
    assert {r.marking for r in twice} == {1, 2} and len({r.reviewer_id for r in twice}) == 2
    # Assigning again gives nothing new.
    assert (
        assign_reviews(by=reviewed["head"], round_id=reviewed["round"].pk, reviewers=everyone).assigned == 0
    )


def test_a_restricted_record_goes_only_to_a_reviewer_on_its_list(reviewed: dict) -> None:
    first, second = reviewed["reviewers"]
    case = reviewed["round"].sampled.filter(double_marked=False).first()
    Restriction.objects.create(person_id=case.person_id, staff=second, reason="Known to the family")
    assign_reviews(by=reviewed["head"], round_id=reviewed["round"].pk, reviewers=[first, second])
    assert list(Review.objects.filter(sampled=case).values_list("reviewer_id", flat=True)) == [second.pk]


def test_a_review_answered_and_submitted(reviewed: dict) -> None:
    reviewer = reviewed["reviewers"][0]
    assign_reviews(by=reviewed["head"], round_id=reviewed["round"].pk, reviewers=reviewed["reviewers"])
    review = Review.objects.filter(reviewer=reviewer).first()
    answers = _answers(review)
    first_key = dict(list(answers.items())[:3])
    record_answers(reviewer=reviewer, review_id=review.pk, answers=first_key)
    with pytest.raises(ValidationError, match="C1, C2"):
        submit_review(reviewer=reviewer, review_id=review.pk)
    record_answers(reviewer=reviewer, review_id=review.pk, answers=answers)
    assert submit_review(reviewer=reviewer, review_id=review.pk).status == ReviewStatus.SUBMITTED
    with pytest.raises(ValidationError, match="submitted"):
        record_answers(reviewer=reviewer, review_id=review.pk, answers=first_key)


def test_bad_answers_write_nothing(reviewed: dict) -> None:
    reviewer = reviewed["reviewers"][0]
    assign_reviews(by=reviewed["head"], round_id=reviewed["round"].pk, reviewers=reviewed["reviewers"])
    review = Review.objects.filter(reviewer=reviewer).first()
    good = next(iter(_answers(review)))
    other_version = Prompt.objects.exclude(
        key_question__question_set=review.sampled.round.question_set
    ).first()
    for answers, message in [
        ({good: ("sufficient", ""), other_version.pk: ("sufficient", "")}, "not in the version"),
        ({good: ("yes", "")}, "Answer sufficient"),
        ({good: ("sufficient", "x" * 2001)}, "at most 2,000"),
    ]:
        with pytest.raises(ValidationError, match=message):
            record_answers(reviewer=reviewer, review_id=review.pk, answers=answers)
    assert not PromptAnswer.objects.exists()
    # Someone else's review, or a case of the reviewer's own team, is refused.
    with pytest.raises(PermissionDenied, match="not on your list"):
        record_answers(
            reviewer=reviewed["reviewers"][1], review_id=review.pk, answers={good: ("sufficient", "")}
        )
    held = Review.objects.filter(sampled__practitioner__isnull=False).first()
    held.reviewer = reviewed["same_team"]
    held.save()
    with pytest.raises(PermissionDenied, match="own team"):
        record_answers(reviewer=reviewed["same_team"], review_id=held.pk, answers={good: ("sufficient", "")})


def test_assignment_needs_a_confirmed_round_and_reviewers(reviewed: dict) -> None:
    with pytest.raises(PermissionDenied):
        assign_reviews(
            by=reviewed["reviewers"][0], round_id=reviewed["round"].pk, reviewers=reviewed["reviewers"]
        )
    with pytest.raises(ValidationError, match="at least one"):
        assign_reviews(by=reviewed["head"], round_id=reviewed["round"].pk, reviewers=[])
    analyst = StaffMemberFactory(grade=Grade.ANALYST)
    with pytest.raises(ValidationError, match="cannot review"):
        assign_reviews(by=reviewed["head"], round_id=reviewed["round"].pk, reviewers=[analyst])
    assert not Review.objects.exists()
