"""The round's report: findings (a declared gap for Black people's cases on C1 found, named, and the cases
listed), estimates by group, kappa, moderation counts, actions; for the head of the round's PDU only."""

import datetime as dt
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from evenhand.org.models import Grade
from evenhand.review.models import Prompt, Review
from evenhand.review.report import round_report
from evenhand.review.services import assign_reviews, raise_action, record_answers, submit_review
from tests.factories import StaffMemberFactory, TeamFactory, names, today
from tests.review.conftest import case_round


def _client(staff: object) -> Client:
    client = Client()
    client.force_login(staff.user)  # type: ignore[attr-defined]
    return client


def test_the_report_of_a_round_with_a_gap(unit: dict) -> None:
    round_ = case_round(unit, seed=3, double_mark_share=Decimal("0.5"))
    reviewers = [StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=unit["pdu"])) for _ in range(2)]
    assign_reviews(by=unit["head"], round_id=round_.pk, reviewers=reviewers)
    prompts = list(
        Prompt.objects.filter(key_question__question_set=round_.question_set).select_related("key_question")
    )
    for review in Review.objects.select_related("sampled__stratum", "reviewer"):
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
    raise_action(
        by=unit["head"],
        round_id=round_.pk,
        sampled_id=None,
        question="C1",
        action_for="unit",
        practitioner_id=None,
        team_id=None,
        owner_id=unit["head"].pk,
        description="Diversity training for every team on C1.",
        due_on=today() + dt.timedelta(days=60),
    )
    report = round_report(unit["head"], round_.pk)
    assert any("C1: Black" in f and "less often" in f for f in report.round_findings)
    assert any(f.startswith("Black") and "inadequate" in f for f in report.round_findings)
    black_cases = Review.objects.filter(marking=1, sampled__stratum__ethnic_group="black").count()
    assert len(report.case_findings) == black_cases and {f.number for f in report.case_findings} == {"C1"}
    assert report.awaiting_moderation == 0 and len(report.actions) == 1

    head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=unit["pdu"], with_user=True)
    response = _client(head).get(reverse("review-round-report", args=[round_.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    for section in (
        'id="round-findings"',
        'id="case-findings"',
        'id="estimates"',
        'id="kappa"',
        'id="actions"',
    ):
        assert section in page
    assert "Diversity training for every team on C1." in page
    for person in unit["people"]:
        assert not names(page, person)
    for reviewer in reviewers:
        assert reviewer.last_name not in page
    spo = StaffMemberFactory(grade=Grade.SPO, pdu=unit["pdu"], with_user=True)
    assert _client(spo).get(reverse("review-round-report", args=[round_.pk])).status_code == 403
    other_head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, with_user=True)
    assert _client(other_head).get(reverse("review-round-report", args=[round_.pk])).status_code == 404
