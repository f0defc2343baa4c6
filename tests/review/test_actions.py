"""Actions from case review findings: raised by the head of the round's PDU from a real finding, to a
practitioner, team or the unit, with an owner and a plausible due date; closed by the owner or the head (done,
or cancelled with a reason); overdue ones listed for the head of PDU. Bad input and refusals write nothing."""

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from evenhand.org.models import Grade
from evenhand.review.models import ActionStatus, Prompt, Review, ReviewAction
from evenhand.review.selectors import case_findings, pdu_actions
from evenhand.review.services import (
    assign_reviews,
    cancel_action,
    complete_action,
    raise_action,
    record_answers,
    submit_review,
)
from tests.factories import StaffMemberFactory, TeamFactory, names, today
from tests.review.conftest import case_round


def _client(staff: object) -> Client:
    client = Client()
    client.force_login(staff.user)  # type: ignore[attr-defined]
    return client


def _date(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


@pytest.fixture
def found(unit: dict) -> dict:
    """A reviewed round: C1 not sufficient on the first sampled case only, everything else sufficient."""
    round_ = case_round(unit, seed=7)
    team = TeamFactory(pdu=unit["pdu"])
    reviewer = StaffMemberFactory(grade=Grade.PO, team=team)
    assign_reviews(by=unit["head"], round_id=round_.pk, reviewers=[reviewer])
    prompts = list(
        Prompt.objects.filter(key_question__question_set=round_.question_set).select_related("key_question")
    )
    reviews = list(Review.objects.filter(sampled__round=round_).order_by("sampled_id"))
    for i, review in enumerate(reviews):
        answers = {
            p.pk: ("not_sufficient" if i == 0 and p.key_question.number == "C1" else "sufficient", "")
            for p in prompts
        }
        record_answers(reviewer=reviewer, review_id=review.pk, answers=answers)
        submit_review(reviewer=reviewer, review_id=review.pk)
    practitioner = StaffMemberFactory(grade=Grade.PO, team=team, with_user=True)
    return {
        **unit,
        "round": round_,
        "team": team,
        "practitioner": practitioner,
        "finding": reviews[0].sampled,
        "agreed": reviews[1].sampled,
    }


def _raise(found: dict, **extra: Any) -> ReviewAction:
    arguments = {
        "by": found["head"],
        "round_id": found["round"].pk,
        "sampled_id": found["finding"].pk,
        "question": "C1",
        "action_for": "practitioner",
        "practitioner_id": found["practitioner"].pk,
        "team_id": None,
        "owner_id": found["practitioner"].pk,
        "description": "Revisit the assessment's diversity conversation.",
        "due_on": today() + dt.timedelta(days=30),
        **extra,
    }
    return raise_action(**arguments)  # type: ignore[arg-type]


def test_case_findings_are_the_key_questions_judged_not_sufficient(found: dict) -> None:
    findings = case_findings(found["round"])
    assert [(f.sampled_id, f.number) for f in findings] == [(found["finding"].pk, "C1")]


def test_an_action_raised_and_closed(found: dict) -> None:
    action = _raise(found)
    assert action.status == ActionStatus.OPEN and action.raised_by == found["head"]
    assert action.raised_at is not None and action.key_question.number == "C1"
    # To a team or the unit, from the round's result as a whole or on one key question.
    to_team = _raise(
        found,
        sampled_id=None,
        question="C2",
        action_for="team",
        practitioner_id=None,
        team_id=found["team"].pk,
        owner_id=found["head"].pk,
    )
    to_unit = _raise(found, sampled_id=None, question="", action_for="unit", practitioner_id=None)
    assert to_team.team == found["team"] and to_unit.key_question is None
    done = complete_action(by=found["practitioner"], action_id=action.pk)
    assert done.status == ActionStatus.DONE and done.closed_by == found["practitioner"] and done.closed_at
    with pytest.raises(ValidationError, match="already done"):
        cancel_action(by=found["head"], action_id=action.pk, reason="No longer needed.")
    with pytest.raises(ValidationError) as error:
        cancel_action(by=found["head"], action_id=to_team.pk, reason=" ")
    assert "Enter why" in error.value.message_dict["reason"][0]
    cancelled = cancel_action(by=found["head"], action_id=to_team.pk, reason="The team is merged.")
    assert cancelled.status == ActionStatus.CANCELLED and cancelled.cancel_reason == "The team is merged."


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"due_on": today() - dt.timedelta(days=1)}, "due_on", "today or in the future"),
        ({"due_on": today() + dt.timedelta(days=800)}, "due_on", "within two years"),
        ({"question": "Z9"}, "finding", "not in the version"),
        ({"question": "C2"}, "finding", "not judged not sufficient"),
        ({"description": "  "}, "description", "Enter what is to be done"),
        ({"action_for": "nobody"}, "action_for", "Select who"),
        ({"action_for": "team", "practitioner_id": None}, "team", "Select a team"),
        ({"owner_id": 10**9}, "owner", "Select an owner"),
    ],
)
def test_bad_actions_write_nothing(found: dict, extra: dict, field: str, message: str) -> None:
    with pytest.raises(ValidationError) as error:
        _raise(found, **extra)
    assert message in " ".join(error.value.message_dict[field])
    assert not ReviewAction.objects.exists()


def test_a_case_that_was_not_a_finding_raises_nothing(found: dict) -> None:
    with pytest.raises(ValidationError, match="not judged not sufficient"):
        _raise(found, sampled_id=found["agreed"].pk)
    elsewhere = StaffMemberFactory(grade=Grade.PO)  # a practitioner of another PDU
    with pytest.raises(ValidationError, match="Select a practitioner"):
        _raise(found, practitioner_id=elsewhere.pk)
    assert not ReviewAction.objects.exists()


def test_only_the_head_raises_and_only_owner_or_head_close(found: dict) -> None:
    for who in (found["practitioner"], StaffMemberFactory(grade=Grade.HEAD_OF_PDU)):
        with pytest.raises(PermissionDenied):
            _raise(found, by=who)
    action = _raise(found, owner_id=found["head"].pk)
    with pytest.raises(PermissionDenied):
        complete_action(by=found["practitioner"], action_id=action.pk)
    assert ReviewAction.objects.get().status == ActionStatus.OPEN


def test_the_head_of_pdu_sees_overdue_actions(found: dict) -> None:
    late = _raise(found)
    soon = _raise(found, description="Supervision on the plan.")
    # Due yesterday: raised in the past (the constraint is on raising, not on time passing).
    ReviewAction.objects.filter(pk=late.pk).update(due_on=today() - dt.timedelta(days=3))
    listed = pdu_actions(found["head"])
    assert [a.pk for a in listed.overdue] == [late.pk] and [a.pk for a in listed.open] == [soon.pk]
    assert pdu_actions(found["practitioner"]).overdue == []  # a practitioner sees only their own
    assert {a.pk for a in pdu_actions(found["practitioner"]).owned} == {late.pk, soon.pk}
    other_head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU)
    assert pdu_actions(other_head).overdue == []
    head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=found["pdu"], with_user=True)
    page = _client(head).get(reverse("review-actions")).content.decode()
    assert 'id="overdue"' in page and "Revisit the assessment" in page
    analyst = StaffMemberFactory(grade=Grade.ANALYST, with_user=True)
    assert _client(analyst).get(reverse("review-actions")).status_code == 403


def test_the_action_pages(found: dict) -> None:
    head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=found["pdu"], with_user=True)
    client = _client(head)
    url = reverse("review-round-actions", args=[found["round"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert f"case:{found['finding'].pk}:C1" in page.content.decode()
    for person in found["people"]:
        assert not names(page.content.decode(), person)
    empty = client.post(url, {})
    text = empty.content.decode()
    assert empty.status_code == 200 and "Select the finding the action follows" in text
    assert "Select who the action is for" in text and "Enter the due date" in text
    past = client.post(
        url,
        {
            "finding": f"case:{found['finding'].pk}:C1",
            "action_for": "practitioner",
            "practitioner": str(found["practitioner"].pk),
            "owner": str(found["practitioner"].pk),
            "description": "Revisit the plan.",
            **_date("due_on", today() - dt.timedelta(days=2)),
        },
    )
    assert past.status_code == 200 and "today or in the future" in past.content.decode()
    assert not ReviewAction.objects.exists()
    made = client.post(
        url,
        {
            "finding": f"case:{found['finding'].pk}:C1",
            "action_for": "practitioner",
            "practitioner": str(found["practitioner"].pk),
            "owner": str(found["practitioner"].pk),
            "description": "Revisit the plan.",
            **_date("due_on", today() + dt.timedelta(days=14)),
        },
    )
    assert made.status_code == 302
    action = ReviewAction.objects.get()
    # The owner closes it; cancelling needs a reason.
    owner = _client(found["practitioner"])
    action_url = reverse("review-action", args=[action.pk])
    assert owner.get(action_url).status_code == 200
    refused = owner.post(action_url, {"outcome": "cancelled", "reason": ""})
    assert refused.status_code == 200 and "Enter why the action is cancelled" in refused.content.decode()
    assert owner.post(action_url, {"outcome": "done"}).status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.closed_by == found["practitioner"]
    # Someone else: no such action for them; a practitioner may not raise.
    stranger = StaffMemberFactory(grade=Grade.PO, team=found["team"], with_user=True)
    assert _client(stranger).get(action_url).status_code == 404
    assert _client(stranger).get(url).status_code == 403
