"""Question sets as published data, judgements from prompts, ratings from stated bands."""

import pytest

from evenhand.review import judgement, loading, questions
from evenhand.review.judgement import RatingBands
from evenhand.review.models import ImmutableQuestionSetError, KeyQuestion, Prompt, QuestionSet, SetKind
from evenhand.review.selectors import bands_of, current_question_set
from evenhand.review.services import load_question_sets

S, N, X = judgement.SUFFICIENT, judgement.NOT_SUFFICIENT, judgement.NOT_APPLICABLE
HMIP = RatingBands(outstanding=80, good=65, requires_improvement=50)


@pytest.mark.django_db
class TestPublishedSets:
    def test_the_migration_stores_every_kind_once(self) -> None:
        assert set(QuestionSet.objects.values_list("kind", flat=True)) == set(SetKind.values)
        assert load_question_sets() == 0  # already there: nothing stored twice

    def test_the_case_set_follows_aspire_with_diversity_prompts(self) -> None:
        case = current_question_set(SetKind.CASE)
        assert case is not None
        keys = list(case.key_questions.all())
        assert [k.stage for k in keys[:3]] == ["assessment"] * 3
        assert {k.stage for k in keys} == {"assessment", "planning", "delivery", "reviewing"}
        c1 = keys[0]
        assert c1.text == "Does assessment focus sufficiently on engaging the person on probation?"
        diversity = [p for p in c1.prompts.all() if p.diversity]
        assert [p.code for p in diversity] == ["C1(c)"]
        assert "experience of discrimination" in diversity[0].text
        assert bands_of(case) == HMIP

    def test_each_decision_set_has_a_diversity_prompt(self) -> None:
        for kind in ("enforcement", "recall", "allocation", "report"):
            assert Prompt.objects.filter(key_question__question_set__kind=kind, diversity=True).exists(), kind

    def test_a_published_version_is_never_edited(self, monkeypatch: pytest.MonkeyPatch) -> None:
        case = QuestionSet.objects.get(kind="case", version=1)
        case.title = "Something else"
        with pytest.raises(ImmutableQuestionSetError):
            case.save()
        # Publishing changed text under the same version number is refused, and nothing is written.
        edited = questions.QuestionSetSpec(
            kind="case",
            version=1,
            title=questions.CASE_V1.title,
            published_on=questions.CASE_V1.published_on,
            key_questions=questions.CASE_V1.key_questions[:-1],
        )
        new = questions.QuestionSetSpec(
            kind="recall",
            version=2,
            title="Recall decision, version 2",
            published_on="2027-01-01",
            key_questions=questions.RECALL_V1.key_questions,
        )
        monkeypatch.setattr(loading, "QUESTION_SETS", (new, edited))
        count = KeyQuestion.objects.count()
        with pytest.raises(loading.PublishedSetChanged, match="publish version 2"):
            load_question_sets()
        assert KeyQuestion.objects.count() == count
        assert not QuestionSet.objects.filter(kind="recall", version=2).exists()

    def test_a_new_version_is_the_current_one(self, monkeypatch: pytest.MonkeyPatch) -> None:
        new = questions.QuestionSetSpec(
            kind="recall",
            version=2,
            title="Recall decision, version 2",
            published_on="2027-01-01",
            key_questions=questions.RECALL_V1.key_questions,
            bands=questions.Bands(outstanding=90, good=70, requires_improvement=40),
        )
        monkeypatch.setattr(loading, "QUESTION_SETS", (*questions.QUESTION_SETS, new))
        assert load_question_sets() == 1
        current = current_question_set("recall")
        assert current is not None and current.version == 2
        assert bands_of(current) == RatingBands(90, 70, 40)


class TestJudgement:
    @pytest.mark.parametrize(
        ("answers", "expected"),
        [
            ([S, S, X], S),
            ([S, N, S], N),
            ([X, X], X),
            ([N], N),
            ([S, X, N], N),
        ],
    )
    def test_a_key_question_from_its_prompts(self, answers: list[str], expected: str) -> None:
        assert judgement.key_question_judgement(answers) == expected

    def test_an_unknown_answer_is_refused(self) -> None:
        with pytest.raises(ValueError, match="Not an answer"):
            judgement.key_question_judgement(["yes"])

    @pytest.mark.parametrize(
        ("share", "expected"),
        [
            (100, "outstanding"),
            (80, "outstanding"),
            (79.9, "good"),
            (65, "good"),
            (64.99, "requires_improvement"),
            (50, "requires_improvement"),
            (49.9, "inadequate"),
            (0, "inadequate"),
        ],
    )
    def test_ratings_by_the_stated_bands(self, share: float, expected: str) -> None:
        assert judgement.rating(share, HMIP) == expected

    def test_bands_are_configurable_and_checked(self) -> None:
        assert judgement.rating(75, RatingBands(70, 60, 30)) == "outstanding"
        assert "Outstanding 80% and over" in HMIP.describe()
        with pytest.raises(ValueError):
            RatingBands(60, 65, 50)
        with pytest.raises(ValueError):
            judgement.rating(101, HMIP)

    def test_a_set_is_rated_by_its_lowest_key_question(self) -> None:
        shares = {"C1": 90.0, "C2": 70.0, "C3": 40.0, "C4": None}
        assert judgement.overall_rating(shares, HMIP) == "inadequate"
        assert judgement.overall_rating({"C1": None}, HMIP) is None
        assert judgement.share_sufficient([S, S, N, X]) == pytest.approx(200 / 3)
        assert judgement.share_sufficient([X]) is None
