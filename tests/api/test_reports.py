"""Pre-sentence reports through the API: the same rules as the pages (offences from the record, a rationale
with every proposal, the SPO named for dangerousness, never one's own sign-off, immutable once delivered),
through the same door."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from evenhand.assessment.models import DiversityFactor, PreSentenceReport
from evenhand.audit.models import AccessLogEntry, Action
from evenhand.people.access import record_token
from tests.api.conftest import API, today

pytestmark = pytest.mark.django_db


def post(client, path, body=None):
    return client.post(f"{API}{path}", body or {}, content_type="application/json")


def started(org, order, client_for, **changes):
    body = {
        "person_id": order.person_id,
        "court": "Leeds Crown Court",
        "hearing_date": (today() + dt.timedelta(days=21)).isoformat(),
        "format": "standard",
        "main_offence_id": order.offences.get(is_main=True).pk,
        **changes,
    }
    response = post(client_for(org.po), "/reports", body)
    assert response.status_code == 201, response.content
    return response.json()


COMPLETE = [
    {"section": "sources", "sources": ["interview", "cps"]},
    {"section": "offence", "offence_analysis": "Shoplifting to pay a debt to a neighbour."},
    {"section": "circumstances", "circumstances": "Lives alone; two part-time jobs."},
    {"section": "diversity", "diversity": {f.value: f"On {f.value}" for f in DiversityFactor}},
    {"section": "risk", "risk_analysis": "Acquisitive; no violence."},
    {
        "section": "proposal",
        "proposal": "community",
        "requirements": ["unpaid_work"],
        "rationale": "Unpaid work repays the community; her jobs fit around it.",
        "alternatives": "A fine would deepen the debt.",
    },
]


def test_a_report_through_the_api_from_start_to_the_pdf(org, order, client_for):
    client = client_for(org.po)
    body = started(org, order, client_for)
    ref = body["id"]
    assert (body["status"], body["version"], body["offences"][0]["is_main"]) == ("draft", 1, True)
    assert {f["key"] for f in body["factors"]} == set(DiversityFactor.values)
    refused = post(
        client, f"/reports/{ref}/sections", {"section": "proposal", "proposal": "custody", "rationale": ""}
    )
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["rationale"]
    assert post(client, f"/reports/{ref}/submit").json()["errors"].keys() >= {"sources", "proposal"}
    for section in COMPLETE:
        response = post(client, f"/reports/{ref}/sections", {**section, "complete": True})
        assert response.status_code == 200, response.content
    dangerous = post(client, f"/reports/{ref}/submit", {"dangerousness": True})
    assert dangerous.status_code == 422 and list(dangerous.json()["errors"]) == ["named_spo_id"]
    submitted = post(client, f"/reports/{ref}/submit", {"dangerousness": True, "named_spo_id": org.spo.pk})
    assert submitted.status_code == 200 and submitted.json()["status"] == "awaiting_sign_off"
    assert post(client_for(org.po), f"/reports/{ref}/sign-off").status_code == 403  # not an SPO
    delivered = post(client_for(org.spo), f"/reports/{ref}/sign-off")
    assert delivered.status_code == 200 and delivered.json()["status"] == "delivered"
    # Immutable once delivered: a change is refused, a correction is a new version.
    again = post(client, f"/reports/{ref}/sections", {"section": "risk", "risk_analysis": "Changed"})
    assert again.status_code == 422
    correction = post(client, f"/reports/{ref}/corrections")
    assert correction.status_code == 201 and correction.json()["version"] == 2
    pdf = client.get(f"{API}/reports/{ref}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    words = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert "On discrimination" in words and "Unpaid work repays the community" in words
    assert AccessLogEntry.objects.filter(staff=org.po, action=Action.EXPORT, detail__contains="/pdf").exists()


def test_offences_must_be_the_persons_and_bad_fields_are_named(org, order, client_for):
    response = post(
        client_for(org.po),
        "/reports",
        {
            "person_id": order.person_id,
            "court": "Leeds Crown Court",
            "hearing_date": (today() + dt.timedelta(days=900)).isoformat(),
            "format": "standard",
            "main_offence_id": 999_999,
        },
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"hearing_date", "main_offence_id"}
    assert not PreSentenceReport.objects.exists()


def test_analysts_read_by_token_without_free_text_and_others_see_nothing(org, order, client_for):
    ref = started(org, order, client_for)["id"]
    analyst = client_for(org.analyst)
    assert analyst.get(f"{API}/reports/{ref}").status_code == 404
    token = record_token("report", ref)
    body = analyst.get(f"{API}/reports/{token}").json()
    assert body["id"] is None and body["court"] is None and body["author"] is None
    assert all(f["text"] is None for f in body["factors"])
    assert analyst.get(f"{API}/reports/{token}/pdf").status_code == 403
    assert client_for(org.bradford_po).get(f"{API}/reports/{ref}").status_code == 404
    listed = client_for(org.bradford_po).get(f"{API}/reports").json()
    assert listed["count"] == 0
    assert post(client_for(org.analyst), "/reports", {"person_id": order.person_id}).status_code in (403, 422)
