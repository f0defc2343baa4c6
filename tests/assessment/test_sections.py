"""The assessment's sections: every scored section's thresholds (one below, at, and at the severe threshold),
the two unscored needs, and answers off the scale or missing refused naming the item."""

import pytest

from evenhand.assessment.sections import (
    BY_KEY,
    NEED_SECTIONS,
    AnswerError,
    Severity,
    check_answers,
    section,
    section_score,
    severity,
)

# The published thresholds (hmpps-tier NeedSection.kt; the issue): need at, severe at.
PUBLISHED = {
    "accommodation": (2, 7),
    "ete": (3, 7),
    "relationships": (2, 5),
    "lifestyle": (2, 5),
    "drugs": (2, 8),
    "alcohol": (4, 7),
    "thinking": (4, 7),
    "attitudes": (2, 7),
}


def answers_scoring(key: str, score: int) -> dict[str, int]:
    """Answers to ``key``'s scored items that add up to ``score`` (filled greedily)."""
    sec = BY_KEY[key]
    answers: dict[str, int] = {}
    left = score
    for item in sec.items:
        if not item.scored:
            answers[item.code] = 0
            continue
        value = max((v for v in item.values if v <= left), default=0)
        answers[item.code] = value
        left -= value
    assert left == 0, f"{key} cannot score {score}"
    return answers


@pytest.mark.parametrize(("key", "thresholds"), PUBLISHED.items())
def test_each_scored_section_is_a_need_at_its_published_thresholds(key, thresholds):
    need, severe = thresholds
    sec = BY_KEY[key]
    assert (sec.threshold, sec.severe_threshold) == (need, severe)
    assert sec.maximum >= severe  # the severe threshold can be reached
    for score, expected in (
        (need - 1, Severity.NO_NEED),
        (need, Severity.STANDARD),
        (severe - 1, Severity.STANDARD),
        (severe, Severity.SEVERE),
    ):
        answers = answers_scoring(key, score)
        assert section_score(sec, answers) == score
        assert severity(sec, section_score(sec, answers)) == expected, (key, score)


def test_only_the_eight_published_sections_are_scored_and_finance_and_wellbeing_are_unscored_needs():
    assert {s.key for s in NEED_SECTIONS if s.scored} == set(PUBLISHED)
    for key in ("finance", "wellbeing"):
        assert severity(BY_KEY[key], 6) == Severity.UNSCORED
        assert BY_KEY[key].change_weight == 0
    assert BY_KEY["thinking"].change_weight == BY_KEY["attitudes"].change_weight == 2


def test_a_yes_no_item_scores_0_or_2_and_the_parenting_item_is_not_scored():
    relationships = BY_KEY["relationships"]
    assert section_score(relationships, {"6.7": 2, "6.9": 2}) == 2
    with pytest.raises(AnswerError) as caught:
        section_score(relationships, {"6.7": 1})
    assert caught.value.field == "q6_7"


@pytest.mark.parametrize("bad", [3, -1, "2", 1.0, True])
def test_an_answer_off_the_scale_is_refused_naming_the_item(bad):
    with pytest.raises(AnswerError) as caught:
        check_answers(BY_KEY["drugs"], {"8.5": bad}, complete=False)
    assert caught.value.field == "q8_5" and "must be" in caught.value.message


def test_a_complete_section_needs_every_item_and_an_unknown_item_is_refused():
    alcohol = BY_KEY["alcohol"]
    with pytest.raises(AnswerError) as caught:
        check_answers(alcohol, {"9.1": 1}, complete=True)
    assert caught.value.field == "q9_2"
    assert check_answers(alcohol, {"9.1": 1}, complete=False) == {"9.1": 1}
    with pytest.raises(AnswerError) as caught:
        check_answers(alcohol, {"9.9": 1}, complete=False)
    assert caught.value.field == "q9_9"
    with pytest.raises(AnswerError):
        section("astrology")
