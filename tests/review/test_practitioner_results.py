"""A practitioner's own case review results: seen by them and their line manager, refused (and logged) for
everyone else; the moderated judgement shown where there is one; never the reviewer."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from evenhand.audit.models import AccessLogEntry, Action, Channel
from evenhand.org.models import Grade
from evenhand.people.access import pseudonym
from evenhand.review.door import practitioner_results
from evenhand.review.models import Prompt, Review, SampledCase
from evenhand.review.services import assign_reviews, record_answers, submit_review
from tests.factories import StaffMemberFactory, TeamFactory, UserFactory
from tests.review.conftest import case_round


def _client(staff: object) -> Client:
    client = Client()
    client.force_login(staff.user)  # type: ignore[attr-defined]
    return client


@pytest.fixture
def results(unit: dict) -> dict:
    """A round reviewed in full: C1's diversity prompt not sufficient, with a note, everything else sufficient."""
    round_ = case_round(unit, seed=11)
    reviewer = StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=unit["pdu"]), with_user=True)
    assign_reviews(by=unit["head"], round_id=round_.pk, reviewers=[reviewer])
    prompts = list(
        Prompt.objects.filter(key_question__question_set=round_.question_set).select_related("key_question")
    )
    for review in Review.objects.all():
        answers = {
            p.pk: ("not_sufficient", "Diversity not discussed")
            if p.key_question.number == "C1" and p.diversity
            else ("sufficient", "")
            for p in prompts
        }
        record_answers(reviewer=reviewer, review_id=review.pk, answers=answers)
        submit_review(reviewer=reviewer, review_id=review.pk)
    sampled = SampledCase.objects.filter(round=round_, practitioner__isnull=False).select_related(
        "practitioner"
    )[0]
    practitioner = sampled.practitioner
    practitioner.user = UserFactory(username=practitioner.staff_code.lower())
    practitioner.save(update_fields=["user"])
    spo = StaffMemberFactory(grade=Grade.SPO, team=practitioner.team, with_user=True)
    return {**unit, "round": round_, "reviewer": reviewer, "practitioner": practitioner, "spo": spo}


def test_the_practitioner_and_their_line_manager_see_the_results(results: dict) -> None:
    practitioner = results["practitioner"]
    for viewer in (practitioner, results["spo"]):
        found = practitioner_results(viewer=viewer, staff_code=practitioner.staff_code, channel=Channel.UI)
        assert found.cases and found.own == (viewer == practitioner)
        c1 = found.cases[0].questions[0]
        assert (c1.number, c1.judgement, c1.notes) == ("C1", "not_sufficient", ["Diversity not discussed"])
        assert all(q.judgement == "sufficient" for q in found.cases[0].questions[1:])
    page = _client(practitioner).get(reverse("review-my-results")).content.decode()
    assert "Your case review results" in page and "Diversity not discussed" in page
    assert results["reviewer"].last_name not in page  # no reviewer identity
    manager = _client(results["spo"])
    listing = manager.get(reverse("review-my-results")).content.decode()
    assert reverse("review-staff-results", args=[practitioner.staff_code]) in listing
    response = manager.get(reverse("review-staff-results", args=[practitioner.staff_code]))
    assert response.status_code == 200 and practitioner.full_name in response.content.decode()


def test_everyone_else_is_refused_and_the_refusal_logged(results: dict) -> None:
    practitioner = results["practitioner"]
    others = [
        StaffMemberFactory(grade=Grade.PO, team=practitioner.team, with_user=True),  # a colleague
        StaffMemberFactory(grade=Grade.SPO, team=TeamFactory(pdu=results["pdu"]), with_user=True),
        StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=results["pdu"], with_user=True),  # not a PO's manager
        StaffMemberFactory(grade=Grade.ANALYST, with_user=True),
        results["reviewer"],
    ]
    url = reverse("review-staff-results", args=[practitioner.staff_code])
    for other in others:
        with pytest.raises(PermissionDenied):
            practitioner_results(viewer=other, staff_code=practitioner.staff_code, channel=Channel.UI)
        response = _client(other).get(url)
        assert response.status_code == 403, other.grade
        assert practitioner.last_name not in response.content.decode()
        assert (
            AccessLogEntry.objects.filter(
                staff=other, action=Action.REFUSED, person_id=None, detail__contains=practitioner.staff_code
            ).count()
            == 2
        )
    # A staff code that names nobody is refused the same way: asking says nothing.
    assert _client(others[0]).get(reverse("review-staff-results", args=["NOSUCH1"])).status_code == 403


def test_a_moderated_judgement_is_what_the_practitioner_sees(results: dict) -> None:
    from evenhand.review.models import KeyQuestion, Moderation

    practitioner = results["practitioner"]
    sampled = SampledCase.objects.filter(practitioner=practitioner).first()
    Moderation.objects.create(
        sampled=sampled,
        key_question=KeyQuestion.objects.get(question_set=results["round"].question_set, number="C1"),
        first="not_sufficient",
        second="sufficient",
        agreed="sufficient",
        rationale="The conversation is in the contact log.",
        moderator=results["head"],
        moderated_at=sampled.round.drawn_at,
    )
    found = practitioner_results(viewer=practitioner, staff_code=practitioner.staff_code, channel=Channel.UI)
    case = next(c for c in found.cases if c.case == pseudonym(sampled.person_id))
    assert case.questions[0].judgement == "sufficient" and case.questions[0].moderated
