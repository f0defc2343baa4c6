"""Moderation of double-marked cases: who may moderate (never one of the two markers), what may be moderated
(a key question the markings disagree on), the record kept, the results using it and kappa not, the pages."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from evenhand.org.models import Grade
from evenhand.review.models import ImmutableModerationError, Moderation, Prompt, Review
from evenhand.review.results import round_results
from evenhand.review.selectors import disagreements
from evenhand.review.services import assign_reviews, moderate, record_answers, submit_review
from evenhand.review.services.moderation import OWN_MARKING
from tests.factories import StaffMemberFactory, TeamFactory, names
from tests.review.conftest import case_round


def _client(staff: object) -> Client:
    client = Client()
    client.force_login(staff.user)  # type: ignore[attr-defined]
    return client


@pytest.fixture
def marked(unit: dict) -> dict:
    """A round with half its cases marked twice; the second marking finds C2(a) not sufficient on every
    double-marked case, and writes a note saying so; everything else is sufficient."""
    round_ = case_round(unit, seed=3, double_mark_share=Decimal("0.5"))
    reviewers = [
        StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=unit["pdu"]), with_user=True)
        for _ in range(3)
    ]
    assign_reviews(by=unit["head"], round_id=round_.pk, reviewers=reviewers)
    prompts = list(
        Prompt.objects.filter(key_question__question_set=round_.question_set).select_related("key_question")
    )
    for review in Review.objects.select_related("reviewer"):
        answers = {}
        for p in prompts:
            second_c2a = review.marking == 2 and p.key_question.number == "C2" and p.letter == "a"
            answers[p.pk] = (
                ("not_sufficient", "Plan has no goal on this") if second_c2a else ("sufficient", "")
            )
        record_answers(reviewer=review.reviewer, review_id=review.pk, answers=answers)
        submit_review(reviewer=review.reviewer, review_id=review.pk)
    twice = Review.objects.filter(sampled__round=round_, marking=2).select_related("sampled").first()
    markers = set(Review.objects.filter(sampled=twice.sampled).values_list("reviewer_id", flat=True))
    return {
        **unit,
        "round": round_,
        "reviewers": reviewers,
        "sampled": twice.sampled,
        "markers": [r for r in reviewers if r.pk in markers],
        "others": [r for r in reviewers if r.pk not in markers],
    }


def _moderate(marked: dict, by: object, **extra: object) -> Moderation:
    arguments = {
        "moderator": by,
        "round_id": marked["round"].pk,
        "sampled_id": marked["sampled"].pk,
        "question": "C2",
        "agreed": "not_sufficient",
        "rationale": "The plan has no goal on accommodation.",
        **extra,
    }
    return moderate(**arguments)  # type: ignore[arg-type]


def test_disagreements_are_the_double_marked_key_questions_that_differ(marked: dict) -> None:
    found = disagreements(marked["round"])
    double = Review.objects.filter(sampled__round=marked["round"], marking=2).count()
    assert double == 7
    assert len(found) == double and {d.number for d in found} == {"C2"}
    d = next(d for d in found if d.sampled_id == marked["sampled"].pk)
    assert (d.first, d.second) == ("sufficient", "not_sufficient") and d.awaiting
    assert [p.letter for p in d.prompts if p.differs] == ["a"]
    assert d.prompts[0].second_note == "Plan has no goal on this"


def test_a_moderation_is_recorded_once_and_used_by_the_results_not_by_kappa(marked: dict) -> None:
    before = round_results(marked["round"])
    moderation = _moderate(marked, marked["head"])
    assert moderation.moderator == marked["head"] and moderation.moderated_at is not None
    assert (moderation.first, moderation.second, moderation.agreed) == (
        "sufficient",
        "not_sufficient",
        "not_sufficient",
    )
    assert not next(
        d for d in disagreements(marked["round"]) if d.sampled_id == marked["sampled"].pk
    ).awaiting
    after = round_results(marked["round"])
    share = {r.ethnic_group: r.estimate.share for r in after.rows if r.key_question == "C2"}
    assert {r.estimate.share for r in before.rows if r.key_question == "C2"} == {1.0}
    assert share[""] < 1.0  # the moderated case now counts as not sufficient
    assert after.agreement["C2"].kappa == before.agreement["C2"].kappa  # still the independent markings
    # Immutable, and once only.
    moderation.rationale = "changed"
    with pytest.raises(ImmutableModerationError):
        moderation.save()
    with pytest.raises(ValidationError, match="already moderated"):
        _moderate(marked, marked["others"][0])


def test_a_reviewer_of_the_round_who_did_not_mark_the_case_moderates(marked: dict) -> None:
    moderation = _moderate(marked, marked["others"][0], agreed="sufficient")
    assert moderation.moderator == marked["others"][0]


def test_a_marker_cannot_moderate_their_own_double_marking(marked: dict) -> None:
    for marker in marked["markers"]:
        with pytest.raises(PermissionDenied, match="You marked this case"):
            _moderate(marked, marker)
    assert not Moderation.objects.exists()


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"question": "C1"}, "question", "agree on C1"),
        ({"question": "Z9"}, "question", "not in the version"),
        ({"agreed": "maybe"}, "agreed", "Select the agreed judgement"),
        ({"rationale": "   "}, "rationale", "Enter why"),
        ({"rationale": "x" * 2001}, "rationale", "2,000 characters"),
    ],
)
def test_bad_moderations_write_nothing(marked: dict, extra: dict, field: str, message: str) -> None:
    with pytest.raises(ValidationError) as error:
        _moderate(marked, marked["head"], **extra)
    assert message in " ".join(error.value.message_dict[field])
    assert not Moderation.objects.exists()


def test_only_the_rounds_reviewers_and_head_moderate(marked: dict) -> None:
    outsider = StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=marked["pdu"]))
    other_head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU)
    for who in (outsider, other_head):
        with pytest.raises(PermissionDenied):
            _moderate(marked, who)
    with pytest.raises(ValidationError, match="No such case"):
        _moderate(marked, marked["head"], sampled_id=marked["sampled"].pk + 10_000)
    assert not Moderation.objects.exists()


def test_the_moderation_pages(marked: dict) -> None:
    head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=marked["pdu"], with_user=True)
    client = _client(head)
    listing = client.get(reverse("review-moderation", args=[marked["round"].pk]))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert 'id="awaiting"' in text and text.count("Moderate<span") == 7
    for person in marked["people"]:
        assert not names(text, person)
    for reviewer in marked["reviewers"]:
        assert reviewer.last_name not in text
    url = reverse("review-moderate", args=[marked["round"].pk, marked["sampled"].pk, "C2"])
    form = client.get(url)
    assert form.status_code == 200 and "Plan has no goal on this" in form.content.decode()
    # Left empty: GOV.UK messages, nothing written.
    empty = client.post(url, {})
    assert empty.status_code == 200
    assert "Select the agreed judgement" in empty.content.decode()
    assert "Enter the reasons for the agreed judgement" in empty.content.decode()
    assert not Moderation.objects.exists()
    done = client.post(url, {"agreed": "not_sufficient", "rationale": "No goal on it."})
    assert done.status_code == 302 and done["Location"] == reverse(
        "review-moderation", args=[marked["round"].pk]
    )
    assert Moderation.objects.get().moderator == head
    # A question agreed on is no disagreement to moderate.
    agreed = reverse("review-moderate", args=[marked["round"].pk, marked["sampled"].pk, "C1"])
    assert client.get(agreed).status_code == 404


def test_a_marker_is_told_why_they_cannot_moderate_and_outsiders_are_refused(marked: dict) -> None:
    marker = marked["markers"][0]
    url = reverse("review-moderate", args=[marked["round"].pk, marked["sampled"].pk, "C2"])
    response = _client(marker).post(url, {"agreed": "sufficient", "rationale": "Mine."}, follow=True)
    assert OWN_MARKING in response.content.decode()
    assert not Moderation.objects.exists()
    outsider = StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=marked["pdu"]), with_user=True)
    assert _client(outsider).get(reverse("review-moderation", args=[marked["round"].pk])).status_code == 403
    assert _client(outsider).get(url).status_code == 403
