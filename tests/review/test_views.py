"""The reviewer's pages: blind (no name, CRN or ethnicity), the form question by question, refusals."""

import pytest
from django.test import Client
from django.urls import reverse

from evenhand.audit.models import AccessLogEntry, Action
from evenhand.org.models import Grade
from evenhand.review.models import Prompt, PromptAnswer, Review, ReviewStatus
from evenhand.review.services import assign_reviews
from tests.factories import StaffMemberFactory, TeamFactory
from tests.review.conftest import case_round


def _client(staff: object) -> Client:
    client = Client()
    client.force_login(staff.user)  # type: ignore[attr-defined]
    return client


@pytest.fixture
def assigned(unit: dict) -> dict:
    round_ = case_round(unit, seed=5)
    reviewer = StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=unit["pdu"]), with_user=True)
    assign_reviews(by=unit["head"], round_id=round_.pk, reviewers=[reviewer])
    review = (
        Review.objects.filter(reviewer=reviewer, sampled__double_marked=False)
        .select_related("sampled__person")
        .first()
    )
    return {**unit, "reviewer": reviewer, "review": review, "person": review.sampled.person}


def test_the_review_is_blind(assigned: dict) -> None:
    client = _client(assigned["reviewer"])
    person = assigned["person"]
    pages = [
        client.get(reverse("review-queue")),
        client.get(reverse("review", args=[assigned["review"].pk])),
        client.get(reverse("review-question", args=[assigned["review"].pk, "C1"])),
    ]
    for response in pages:
        assert response.status_code == 200
        text = response.content.decode()
        for hidden in (person.first_name, person.last_name, person.crn, "White", "Black", "Asian", "Mixed"):
            assert hidden not in text, hidden
    assert (
        "Does assessment focus sufficiently on engaging the person on probation?" in pages[2].content.decode()
    )
    assert "experience of discrimination" in pages[2].content.decode()
    # Opening the case is in the access log, against the person.
    assert AccessLogEntry.objects.filter(
        staff=assigned["reviewer"], person_id=person.pk, action=Action.VIEW
    ).exists()


def test_answering_question_by_question_and_submitting(assigned: dict) -> None:
    client = _client(assigned["reviewer"])
    review = assigned["review"]
    prompts = list(
        Prompt.objects.filter(key_question__question_set=review.sampled.round.question_set).select_related(
            "key_question"
        )
    )
    c1 = [p for p in prompts if p.key_question.number == "C1"]
    url = reverse("review-question", args=[review.pk, "C1"])
    # A prompt left unanswered: the form says so and nothing is written.
    partial = {f"answer-{p.pk}": "sufficient" for p in c1[:-1]}
    response = client.post(url, partial)
    assert response.status_code == 200 and "Select an answer to prompt (d)" in response.content.decode()
    assert not PromptAnswer.objects.exists()
    response = client.post(
        url, {**partial, f"answer-{c1[-1].pk}": "not_sufficient", f"note-{c1[-1].pk}": "No plan"}
    )
    assert response.status_code == 302 and response["Location"] == reverse(
        "review-question", args=[review.pk, "C2"]
    )
    assert PromptAnswer.objects.filter(review=review).count() == len(c1)
    # Submitting before every key question is answered says which are left.
    response = client.post(reverse("review-submit", args=[review.pk]))
    assert response.status_code == 400 and "C2" in response.content.decode()
    for number in sorted({p.key_question.number for p in prompts} - {"C1"}):
        data = {f"answer-{p.pk}": "sufficient" for p in prompts if p.key_question.number == number}
        assert client.post(reverse("review-question", args=[review.pk, number]), data).status_code == 302
    assert client.post(reverse("review-submit", args=[review.pk])).status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED


def test_refusals(assigned: dict) -> None:
    review = assigned["review"]
    analyst = StaffMemberFactory(grade=Grade.ANALYST, with_user=True)
    assert _client(analyst).get(reverse("review", args=[review.pk])).status_code == 403
    other = StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=assigned["pdu"]), with_user=True)
    assert _client(other).get(reverse("review", args=[review.pk])).status_code == 404
    assert (
        _client(assigned["reviewer"]).get(reverse("review-question", args=[review.pk, "Z9"])).status_code
        == 404
    )
    assert _client(assigned["reviewer"]).get(reverse("review", args=[99999999])).status_code == 404
