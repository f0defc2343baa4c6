"""The head of PDU's round pages: draw in the browser's way (a form), see the draw, confirm; refusals."""

import datetime as dt

from django.test import Client
from django.urls import reverse

from evenhand.org.models import Grade
from evenhand.review.models import Review, ReviewRound, RoundStatus
from evenhand.review.services import confirm_round
from tests.factories import StaffMemberFactory, TeamFactory, names, today
from tests.review.conftest import case_round


def _client(staff: object) -> Client:
    client = Client()
    client.force_login(staff.user)  # type: ignore[attr-defined]
    return client


def _date(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def test_a_head_of_pdu_draws_sees_and_confirms_a_round(unit: dict) -> None:
    head_user = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=unit["pdu"], with_user=True)
    client = _client(head_user)
    assert client.get(reverse("review-rounds")).status_code == 200
    form = {
        "kind": "case",
        **_date("period_start", today() - dt.timedelta(days=90)),
        **_date("period_end", today() - dt.timedelta(days=1)),
        "minimum_per_stratum": "2",
        "strata": "ethnic_group_tier",
        "exclude_months": "12",
        "double_mark_share": "0.10",
        "seed": "42",
    }
    # Too large a sample: the form says so and nothing is drawn.
    response = client.post(reverse("review-rounds"), {**form, "sample_size": "500"})
    assert response.status_code == 200 and "larger than the population of 24" in response.content.decode()
    assert not ReviewRound.objects.exists()
    response = client.post(reverse("review-rounds"), {**form, "sample_size": "14"})
    drawn = ReviewRound.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("review-round", args=[drawn.pk])
    assert drawn.seed == 42 and drawn.status == RoundStatus.DRAWN
    page = client.get(reverse("review-round", args=[drawn.pk])).content.decode()
    assert "Confirm the sample" in page and "(none in the period)" in page and 'id="strata"' in page
    for person in unit["people"]:
        assert not names(page, person)
    assert client.post(reverse("review-round-confirm", args=[drawn.pk])).status_code == 302
    drawn.refresh_from_db()
    assert drawn.status == RoundStatus.CONFIRMED
    # Confirming twice, or discarding once confirmed, says why rather than failing.
    response = client.post(reverse("review-round-discard", args=[drawn.pk]), follow=True)
    assert "already confirmed" in response.content.decode()


def test_only_the_pdus_head_sees_its_rounds(unit: dict) -> None:
    spo = StaffMemberFactory(grade=Grade.SPO, pdu=unit["pdu"], with_user=True)
    assert _client(spo).get(reverse("review-rounds")).status_code == 403
    elsewhere = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, with_user=True)
    from evenhand.review.services import draw_round

    drawn = draw_round(
        by=unit["head"],
        pdu=unit["pdu"],
        kind="case",
        sample_size=14,
        minimum_per_stratum=2,
        seed=1,
        period_start=today() - dt.timedelta(days=90),
        period_end=today() - dt.timedelta(days=1),
    )
    assert _client(elsewhere).get(reverse("review-round", args=[drawn.pk])).status_code == 404
    assert _client(elsewhere).post(reverse("review-round-confirm", args=[drawn.pk])).status_code == 404


def test_the_head_gives_a_confirmed_rounds_cases_to_reviewers(unit: dict) -> None:
    head_user = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=unit["pdu"], with_user=True)
    reviewer = StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=unit["pdu"]))
    drawn = case_round(unit, seed=4, confirm=False)
    assign = reverse("review-round-assign", args=[drawn.pk])
    # Before the round is confirmed: no form on the page, and a post says why, assigning nothing.
    assert (
        'id="assign"' not in _client(head_user).get(reverse("review-round", args=[drawn.pk])).content.decode()
    )
    early = _client(head_user).post(assign, {"reviewers": [str(reviewer.pk)]})
    assert early.status_code == 400 and "Confirm the round" in early.content.decode()
    assert not Review.objects.exists()
    confirm_round(by=unit["head"], round_id=drawn.pk)
    page = _client(head_user).get(reverse("review-round", args=[drawn.pk])).content.decode()
    assert 'id="assign"' in page and reviewer.full_name in page
    assert unit["head"].full_name not in page.split('id="assign"')[1]  # a head of PDU reviews nobody
    # Someone not in the choices (another PDU's practitioner): refused on the field.
    stranger = StaffMemberFactory(grade=Grade.PO)
    response = _client(head_user).post(assign, {"reviewers": [str(stranger.pk)]})
    assert response.status_code == 400 and "Select at least one reviewer" in response.content.decode()
    # Nobody else may: an SPO of the PDU (403), another PDU's head (404).
    spo = StaffMemberFactory(grade=Grade.SPO, pdu=unit["pdu"], with_user=True)
    assert _client(spo).post(assign, {"reviewers": [str(reviewer.pk)]}).status_code == 403
    elsewhere = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, with_user=True)
    assert _client(elsewhere).post(assign, {"reviewers": [str(reviewer.pk)]}).status_code == 404
    assert not Review.objects.exists()
    done = _client(head_user).post(assign, {"reviewers": [str(reviewer.pk)]})
    assert done.status_code == 302
    assert Review.objects.filter(reviewer=reviewer).count() == Review.objects.count() > 0
