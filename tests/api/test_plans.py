"""The sentence plan through the API: the same rules as the pages, through the same door."""

import datetime as dt

import pytest

from evenhand.assessment.models import PlanAgreement, PlanGoal
from evenhand.cases.models import Referral
from evenhand.people.access import record_token
from tests.api.conftest import API, today
from tests.assessment.plan_helpers import BEARING, completed

pytestmark = pytest.mark.django_db


def post(client, path, body=None):
    return client.post(f"{API}{path}", body or {}, content_type="application/json")


def put(client, path, body):
    return client.put(f"{API}{path}", body, content_type="application/json")


@pytest.fixture
def assessment(org, order):
    return completed(org.po, order.person)


def test_a_plan_through_the_api(org, order, assessment, client_for):
    client = client_for(org.po)
    base = f"/assessments/{assessment.pk}/plan"
    before = client.get(f"{API}{base}")
    assert before.status_code == 200 and before.json()["plan"] is None and before.json()["can_make"]
    made = post(client, base)
    assert made.status_code == 201, made.content
    assert [n["key"] for n in made.json()["needs"]] == ["accommodation", "thinking"]
    target = (today() + dt.timedelta(days=90)).isoformat()
    missing = post(client, f"{base}/goals", {"title": "A settled home", "need": "accommodation"})
    assert missing.status_code == 422 and "target_date" in missing.json()["errors"]
    body = post(
        client,
        f"{base}/goals",
        {
            "title": "A settled home",
            "need": "accommodation",
            "target_date": target,
            "topic": "discrimination",
        },
    ).json()
    goal = body["goals"][0]
    assert (goal["topic"], goal["topic_finding"], body["version"]) == ("discrimination", BEARING, 2)
    step = post(
        client,
        f"{base}/goals/{goal['id']}/steps",
        {"description": "Housing advice", "actor": "service", "service_area": "accommodation"},
    )
    assert step.status_code == 200, step.content
    shown = step.json()["goals"][0]["steps"][0]
    referral = Referral.objects.get(person=order.person)
    assert (shown["referral_id"], shown["status"]) == (referral.pk, "not_started")
    # A service's step moves on with its referral, not by itself.
    refused = put(client, f"{base}/steps/{shown['id']}", {"status": "completed"})
    assert refused.status_code == 422 and "status" in refused.json()["errors"]
    moved = post(
        client, f"/referrals/{referral.pk}/status", {"status": "declined", "changed_on": today().isoformat()}
    )
    assert moved.status_code == 200
    assert client.get(f"{API}{base}").json()["plan"]["goals"][0]["steps"][0]["status"] == "cannot_yet"
    # Could not answer without details: refused, nothing written.
    no_details = post(client, f"{base}/agreement", {"answer": "could_not_answer"})
    assert no_details.status_code == 422
    assert no_details.json()["errors"] == {"details": ["Enter details of why the person could not answer"]}
    assert not PlanAgreement.objects.exists()
    agreed = post(client, f"{base}/agreement", {"answer": "agreed"}).json()
    assert agreed["agreed"] and agreed["agreement"]["version"] == 3
    changed = put(
        client,
        f"{base}/goals/{goal['id']}",
        {"title": "A settled home near my sister", "need": "accommodation", "target_date": target},
    ).json()
    assert not changed["agreed"] and changed["version"] == 4
    review = put(client, f"{base}/review", {"review_on": (today() - dt.timedelta(days=2)).isoformat()})
    assert review.status_code == 422 and "review_on" in review.json()["errors"]


def test_the_api_refuses_as_the_pages_do(org, order, assessment, client_for):
    base = f"/assessments/{assessment.pk}/plan"
    post(client_for(org.po), base)
    post(
        client_for(org.po),
        f"{base}/goals",
        {
            "title": "A settled home",
            "need": "accommodation",
            "target_date": (today() + dt.timedelta(days=9)).isoformat(),
        },
    )
    # Another PDU: no such record.
    assert client_for(org.bradford_po).get(f"{API}{base}").status_code == 404
    assert post(client_for(org.bradford_po), f"{base}/agreement", {"answer": "agreed"}).status_code == 404
    # A colleague who does not hold the case: may read, may not change.
    assert client_for(org.pso).get(f"{API}{base}").status_code == 200
    assert post(client_for(org.pso), f"{base}/agreement", {"answer": "agreed"}).status_code == 403
    # The analyst: by token only, no free text.
    analyst = client_for(org.analyst)
    assert analyst.get(f"{API}{base}").status_code == 404
    body = analyst.get(f"{API}/assessments/{record_token('assessment', assessment.pk)}/plan").json()
    assert body["assessment_id"] is None and body["assessment_token"]
    shown = body["plan"]["goals"][0]
    assert (shown["id"], shown["title"], shown["topic_finding"]) == (None, None, None)
    assert shown["need"] == "accommodation"
    assert (
        post(
            analyst,
            f"/assessments/{record_token('assessment', assessment.pk)}/plan/agreement",
            {"answer": "agreed"},
        ).status_code
        == 403
    )
    # An unknown goal is no record.
    assert (
        put(
            client_for(org.po), f"{base}/goals/999999", {"title": "x", "need": "drugs", "status": "future"}
        ).status_code
        == 404
    )
    assert PlanGoal.objects.count() == 1
