"""The API reads through the one door: refusals logged on every kind of record, one export row per person on
each page of every list, one view (not two) for a write, and analysts addressing records by token only."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from evenhand.audit.models import AccessLogEntry, Action, Channel
from evenhand.cases.models import ContactType, Decision, ServiceArea
from evenhand.cases.services import decide_enforcement, make_referral, record_contact
from evenhand.people.access import record_token
from tests.api.conftest import API, days_ago, make_failure, make_order, make_person

pytestmark = pytest.mark.django_db

RATIONALE = "First missed appointment in a year; she was warned in writing and understood."


@pytest.fixture
def records(org, order):
    """One record of each kind on Asha's order: kind → (API path, model)."""
    failure = make_failure(org.po, order).contact
    decision = decide_enforcement(
        by=org.po,
        sentence=order,
        decision=Decision.WARNING,
        rationale=RATIONALE,
        triggering_contacts=[failure],
    )
    referral = make_referral(
        by=org.po,
        sentence=order,
        service_area=ServiceArea.ACCOMMODATION,
        reason="Sofa-surfing since her tenancy ended.",
        made_on=timezone.localdate(),
    )
    return {
        "person": ("people", order.person),
        "sentence": ("sentences", order),
        "contact": ("contacts", failure),
        "decision": ("enforcement-decisions", decision),
        "referral": ("referrals", referral),
    }


KINDS = ["person", "sentence", "contact", "decision", "referral"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_read_answers_404_and_is_logged_as_refused(org, records, client_for, kind):
    path, record = records[kind]
    AccessLogEntry.objects.all().delete()

    response = client_for(org.bradford_po).get(f"{API}/{path}/{record.pk}")

    assert response.status_code == 404
    # Exactly what a record that does not exist answers.
    assert response.json() == client_for(org.bradford_po).get(f"{API}/{path}/999999").json()
    assert [(e.staff, e.person_id, e.action, e.channel) for e in AccessLogEntry.objects.all()] == [
        (org.bradford_po, records["person"][1].pk, Action.REFUSED, Channel.API)
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_a_read_is_one_view_with_the_operation_as_its_purpose(org, records, client_for, kind):
    path, record = records[kind]
    AccessLogEntry.objects.all().delete()

    assert client_for(org.po).get(f"{API}/{path}/{record.pk}").status_code == 200

    entry = AccessLogEntry.objects.get()
    assert (entry.person_id, entry.action, entry.detail) == (
        records["person"][1].pk,
        Action.VIEW,
        f"API GET {API}/{path}/{record.pk}",
    )


@pytest.mark.parametrize("kind", KINDS)
def test_analysts_read_by_token_and_an_id_is_no_record_to_them(org, records, client_for, kind):
    path, record = records[kind]
    client = client_for(org.analyst)
    token = record_token(kind, record.pk)

    body = client.get(f"{API}/{path}/{token}").json()
    assert (body["id"], body["token"]) == (None, token)
    assert client.get(f"{API}/{path}/{record.pk}").status_code == 404
    # A token for another kind of record is no reference to this one.
    other = "contact" if kind != "contact" else "sentence"
    assert client.get(f"{API}/{path}/{record_token(other, record.pk)}").status_code == 404


@pytest.mark.parametrize("path", ["people", "sentences", "contacts", "enforcement-decisions", "referrals"])
def test_a_page_of_any_list_logs_one_export_row_per_person_on_it(org, records, client_for, path):
    # A second person with a record of each kind, so the page holds two people (and Asha several times).
    ben = make_person(org.po, org.leeds, "L888888", "Ben", "Ashworth")
    ben_order = make_order(org.po, ben)
    make_failure(org.po, ben_order)
    decide_enforcement(
        by=org.po,
        sentence=ben_order,
        decision=Decision.WARNING,
        rationale=RATIONALE,
        triggering_contacts=[make_failure(org.po, ben_order, days=20).contact],
    )
    make_referral(
        by=org.po,
        sentence=ben_order,
        service_area=ServiceArea.ETE,
        reason="Wants to retrain.",
        made_on=timezone.localdate(),
    )
    AccessLogEntry.objects.all().delete()

    response = client_for(org.po).get(f"{API}/{path}?limit=200")

    assert response.status_code == 200
    entries = list(AccessLogEntry.objects.all())
    assert len(entries) == 2
    assert {e.person_id for e in entries} == {records["person"][1].pk, ben.pk}
    assert {(e.action, e.channel, e.detail) for e in entries} == {
        (Action.EXPORT, Channel.API, f"API GET {API}/{path}?limit=200")
    }


def test_an_empty_page_is_still_an_export(org, client_for):
    client_for(org.po).get(f"{API}/contacts")
    entry = AccessLogEntry.objects.get()
    assert (entry.person_id, entry.action) == (None, Action.EXPORT)


def test_a_write_logs_one_view_not_two(org, order, client_for):
    AccessLogEntry.objects.all().delete()
    response = client_for(org.po).post(
        f"{API}/contacts",
        {"sentence_id": order.pk, "type": "office", "starts_at": days_ago(2).isoformat()},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert [(e.person_id, e.action) for e in AccessLogEntry.objects.all()] == [(order.person_id, Action.VIEW)]


def test_a_write_on_a_record_out_of_reach_is_logged_as_refused(org, order, client_for):
    AccessLogEntry.objects.all().delete()
    response = client_for(org.bradford_po).post(
        f"{API}/contacts",
        {"sentence_id": order.pk, "type": "office", "starts_at": days_ago(2).isoformat()},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["sentence_id"]
    assert [(e.person_id, e.action) for e in AccessLogEntry.objects.all()] == [
        (order.person_id, Action.REFUSED)
    ]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("sentences", {"person_id": 1}),
        ("contacts", {"sentence_id": 1}),
        ("enforcement-decisions", {"sentence_id": 1}),
        ("referrals", {"sentence_id": 1}),
    ],
)
@pytest.mark.parametrize("role", ["analyst", "inspector", "admin"])
def test_read_only_roles_are_refused_writes_with_403(org, client_for, path, body, role):
    payloads: dict[str, dict[str, Any]] = {
        "sentences": {
            "type": "CO",
            "court": "Leeds",
            "start_date": "2025-01-01",
            "expected_end_date": "2026-01-01",
            "offences": [{"category": "theft", "is_main": True}],
        },
        "contacts": {"type": "office", "starts_at": days_ago(2).isoformat()},
        "enforcement-decisions": {"decision": "warning", "rationale": RATIONALE},
        "referrals": {"service_area": "ete", "reason": "Work", "made_on": "2025-01-01"},
    }
    response = client_for(getattr(org, role)).post(
        f"{API}/{path}", {**payloads[path], **body}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["errors"] == {}


def test_an_analysts_time_filters_work_in_whole_months(org, order, client_for):
    # Analysts see a contact's time as the first of its month; a bound inside a month cannot split it.
    start = timezone.localdate() - dt.timedelta(days=150)
    middle = dt.datetime(start.year, start.month, 15, 12, tzinfo=dt.UTC)
    contact = record_contact(by=org.po, sentence=order, type=ContactType.PHONE, starts_at=middle).contact
    just_after = (middle + dt.timedelta(minutes=1)).isoformat().replace("+", "%2B")
    analyst, po = client_for(org.analyst), client_for(org.po)

    assert [c["id"] for c in po.get(f"{API}/contacts?to={just_after}").json()["items"]] == [contact.pk]
    assert po.get(f"{API}/contacts?from={just_after}").json()["count"] == 0
    # To the analyst the contact is at the first of the month, before a bound later in the month …
    assert analyst.get(f"{API}/contacts?to={just_after}").json()["count"] == 1
    # … and a "from" inside the month means the months after it.
    month = middle.replace(day=1, hour=0).isoformat().replace("+", "%2B")
    assert analyst.get(f"{API}/contacts?from={month}").json()["count"] == 1
    assert analyst.get(f"{API}/contacts?from={just_after}").json()["count"] == 0
    assert analyst.get(f"{API}/contacts?to={month}").json()["count"] == 0
