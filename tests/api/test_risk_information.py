"""Risk information through the API (issue 13 item 3): the same rules as the web pages."""

import datetime as dt

import pytest
from django.utils import timezone

from evenhand.cases.models import DecisionEndorsement, EnforcementDecision, RiskInformation, SentenceType
from evenhand.people.access import record_token
from tests.api.conftest import API
from tests.factories import AllocationFactory, SentenceFactory

pytestmark = pytest.mark.django_db

RATIONALE = "The information is unconfirmed; contact doubles while the police check it."
ENDORSED = "Agreed: unconfirmed intelligence, and the plan manages the risk for now."


@pytest.fixture
def licence(org, asha):
    sentence = SentenceFactory(
        person=asha,
        type=SentenceType.LICENCE,
        start_date=timezone.localdate() - dt.timedelta(days=60),
        expected_end_date=timezone.localdate() + dt.timedelta(days=300),
        requirements=[],
    )
    AllocationFactory(sentence=sentence, practitioner=org.po, allocated_by=org.spo)
    return sentence


def payload(sentence, **changes):
    return {
        "sentence_id": sentence.pk,
        "source": "police",
        "summary": "Arrested last night after a disturbance at the victim's address.",
        "received_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
        "reliability": "confirmed",
        "urgency": "emergency",
        **changes,
    }


def post(client, path, body):
    return client.post(f"{API}{path}", body, content_type="application/json")


def test_the_flow_through_the_api(org, licence, client_for):
    po, spo = client_for(org.po), client_for(org.spo)
    response = post(po, "/risk-information", payload(licence))
    assert response.status_code == 201, response.json()
    body = response.json()
    received = timezone.localtime(RiskInformation.objects.get().received_at)
    due = dt.datetime.fromisoformat(body["decision_due_at"])
    assert (
        timezone.localdate(due) == received.date() + dt.timedelta(days=1)
        and timezone.localtime(due).hour == 0
    )
    assert body["status"] in ("decision_due", "overdue") and body["recall_considered"]

    decided = post(
        po, f"/risk-information/{body['id']}/decision", {"decision": "nfa", "rationale": RATIONALE}
    )
    assert decided.status_code == 201, decided.json()
    decision = decided.json()
    assert decision["needs_endorsement"] and not decision["endorsed"]
    assert decision["proposed"] == "recall_emergency"
    waiting = spo.get(f"{API}/risk-information?waiting=true").json()
    assert [i["id"] for i in waiting["items"]] == [body["id"]]
    assert waiting["items"][0]["status"] == "pending_endorsement"

    # The decider may not endorse; a practitioner may not; the SPO may.
    assert (
        post(
            po, f"/risk-information/decisions/{decision['id']}/endorsement", {"rationale": ENDORSED}
        ).status_code
        == 403
    )
    endorsed = post(spo, f"/risk-information/decisions/{decision['id']}/endorsement", {"rationale": ENDORSED})
    assert endorsed.status_code == 201 and endorsed.json()["endorsed"]
    assert spo.get(f"{API}/risk-information?waiting=true").json()["items"] == []
    assert spo.get(f"{API}/risk-information/{body['id']}").json()["status"] == "decided"


def test_a_manager_cannot_endorse_their_own_decision(org, licence, client_for):
    spo = client_for(org.spo)
    info = post(spo, "/risk-information", payload(licence)).json()
    decision = post(
        spo, f"/risk-information/{info['id']}/decision", {"decision": "warning", "rationale": RATIONALE}
    )
    response = post(
        spo, f"/risk-information/decisions/{decision.json()['id']}/endorsement", {"rationale": ENDORSED}
    )
    assert response.status_code == 422
    assert "another senior probation officer" in response.json()["errors"]["decision"][0]
    assert not DecisionEndorsement.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"source": "rumour"}, "source"),
        ({"summary": "   "}, "summary"),
        ({"received_at": (timezone.now() + dt.timedelta(days=2)).isoformat()}, "received_at"),
        ({"reliability": "certain"}, "reliability"),
        ({"source": "other"}, "source_detail"),
    ],
    ids=["unknown-source", "blank-summary", "future", "unknown-reliability", "other-unnamed"],
)
def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(org, licence, client_for, changes, field):
    response = post(client_for(org.po), "/risk-information", payload(licence, **changes))
    assert response.status_code == 422
    assert any(field in key for key in response.json()["errors"]), response.json()
    assert not RiskInformation.objects.exists()


def test_a_decision_without_reasons_is_refused(org, licence, client_for):
    po = client_for(org.po)
    info = post(po, "/risk-information", payload(licence)).json()
    response = post(po, f"/risk-information/{info['id']}/decision", {"decision": "nfa", "rationale": ""})
    assert response.status_code == 422 and "rationale" in response.json()["errors"]
    assert not EnforcementDecision.objects.exists()


@pytest.mark.parametrize("who", ["analyst", "inspector", "admin"])
def test_roles_without_casework_cannot_write(org, licence, client_for, who):
    response = post(client_for(getattr(org, who)), "/risk-information", payload(licence))
    assert response.status_code == 403
    assert not RiskInformation.objects.exists()


def test_another_pdu_sees_nothing_and_an_analyst_reads_no_free_text(org, licence, client_for):
    info = post(
        client_for(org.po),
        "/risk-information",
        payload(licence, source="partner_agency", source_detail="Women's Aid"),
    ).json()
    assert client_for(org.bradford_po).get(f"{API}/risk-information/{info['id']}").status_code == 404
    assert client_for(org.bradford_po).get(f"{API}/risk-information").json()["count"] == 0
    analyst = client_for(org.analyst)
    assert analyst.get(f"{API}/risk-information/{info['id']}").status_code == 404
    seen = analyst.get(f"{API}/risk-information/{record_token('risk_information', info['id'])}").json()
    assert seen["summary"] is None and seen["source_detail"] is None and seen["id"] is None
    assert dt.datetime.fromisoformat(seen["received_at"]).day == 1
