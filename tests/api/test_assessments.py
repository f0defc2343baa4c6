"""Assessments and the tier through the API: the same rules as the pages, through the same door."""

import pytest

from evenhand.assessment import sections as S
from evenhand.assessment.models import Assessment, AssessmentStatus, Topic
from evenhand.people.access import record_token
from tests.api.conftest import API

pytestmark = pytest.mark.django_db


def post(client, path, body=None):
    return client.post(f"{API}{path}", body or {}, content_type="application/json")


def put(client, path, body):
    return client.put(f"{API}{path}", body, content_type="application/json")


def started(org, order, client_for):
    response = post(client_for(org.po), "/assessments", {"person_id": order.person_id})
    assert response.status_code == 201, response.content
    return response.json()


def test_an_assessment_through_the_api_from_start_to_the_tier(org, order, client_for):
    client = client_for(org.po)
    body = started(org, order, client_for)
    assert (body["kind"], body["status"]) == ("initial", "in_progress")
    ref = body["id"]
    for sec in S.SECTIONS:
        response = post(
            client,
            f"/assessments/{ref}/sections",
            {
                "section": sec.key,
                "answers": {item.code: 0 for item in sec.items},
                "analysis": f"Analysis of {sec.title}",
                "linked_to_harm": False,
                "linked_to_reoffending": False,
                "complete": True,
            },
        )
        assert response.status_code == 200, response.content
    topics = [{"topic": t.value, "status": "declined"} for t in Topic]
    topics[0] = {"topic": "ethnicity", "status": "not_yet"}
    assert put(client, f"/assessments/{ref}/conversation", {"topics": topics}).status_code == 200
    refused = post(client, f"/assessments/{ref}/complete")
    assert refused.status_code == 422
    assert list(refused.json()["errors"]) == ["ethnicity-not_yet_reason"]
    topics[0]["not_yet_reason"] = "Needs an interpreter; booked for next week"
    assert put(client, f"/assessments/{ref}/conversation", {"topics": topics}).status_code == 200
    assert put(client, f"/assessments/{ref}/predictors", {"ogrs": 150}).json()["errors"] == {
        "ogrs": ["OGRS must be between 0 and 100"]
    }
    done = post(client, f"/assessments/{ref}/complete")
    assert done.status_code == 200 and done.json()["status"] == "complete"
    # Immutable: a change to a completed assessment is refused.
    again = post(client, f"/assessments/{ref}/sections", {"section": "drugs", "answers": {"8.4": 1}})
    assert again.status_code == 422
    tier = client.get(f"{API}/tiers/{order.person_id}")
    assert tier.status_code == 200
    current = tier.json()["current"]
    assert current["tier"] == "D0"  # unpaid work alone: no mandate for change
    assert current["trigger"] == "assessment"


def test_bad_item_answers_are_named(org, order, client_for):
    ref = started(org, order, client_for)["id"]
    response = post(
        client_for(org.po), f"/assessments/{ref}/sections", {"section": "alcohol", "answers": {"9.1": 5}}
    )
    assert response.status_code == 422
    assert "q9_1" in response.json()["errors"]
    assert not Assessment.objects.get(pk=ref).sections.exists()


def test_countersigning_is_for_an_spo_and_never_ones_own(org, order, client_for):
    ref = started(org, order, client_for)["id"]
    Assessment.objects.filter(pk=ref).update(status=AssessmentStatus.AWAITING_COUNTERSIGNATURE)
    assert post(client_for(org.pso), f"/assessments/{ref}/countersign").status_code == 403
    assert post(client_for(org.spo), f"/assessments/{ref}/countersign").status_code == 200


def test_analysts_read_by_token_without_free_text_and_others_see_nothing(org, order, client_for):
    ref = started(org, order, client_for)["id"]
    post(
        client_for(org.po),
        f"/assessments/{ref}/sections",
        {"section": "accommodation", "answers": {"3.3": 2}, "analysis": "Sleeps at Asha's aunt's"},
    )
    analyst = client_for(org.analyst)
    assert analyst.get(f"{API}/assessments/{ref}").status_code == 404
    body = analyst.get(f"{API}/assessments/{record_token('assessment', ref)}").json()
    assert body["id"] is None and body["person_id"] is None and body["assessor"] is None
    accommodation = next(s for s in body["sections"] if s["key"] == "accommodation")
    assert accommodation["analysis"] is None and accommodation["score"] == 2
    assert "Asha" not in str(body)
    assert client_for(org.bradford_po).get(f"{API}/assessments/{ref}").status_code == 404
    assert post(client_for(org.analyst), "/assessments", {"person_id": order.person_id}).status_code == 403
