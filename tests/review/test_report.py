"""The round's report: findings (a declared gap for Black people's cases on C1 found, named, and the cases
listed), estimates by group, kappa, moderation counts, actions; for the head of the round's PDU only."""

import datetime as dt

from django.test import Client
from django.urls import reverse

from evenhand.org.models import Grade
from evenhand.review.models import Review
from evenhand.review.report import round_report
from evenhand.review.services import raise_action
from tests.factories import StaffMemberFactory, names, today
from tests.review.conftest import reviewed_round


def _client(staff: object) -> Client:
    client = Client()
    client.force_login(staff.user)  # type: ignore[attr-defined]
    return client


def test_the_report_of_a_round_with_a_gap(unit: dict) -> None:
    round_ = reviewed_round(unit)
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
    for review in Review.objects.select_related("reviewer"):
        assert review.reviewer.last_name not in page
    spo = StaffMemberFactory(grade=Grade.SPO, pdu=unit["pdu"], with_user=True)
    assert _client(spo).get(reverse("review-round-report", args=[round_.pk])).status_code == 403
    other_head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, with_user=True)
    assert _client(other_head).get(reverse("review-round-report", args=[round_.pk])).status_code == 404
