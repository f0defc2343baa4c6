"""Contacts: recording them and their outcomes (with the enforcement proposal), filters and visibility."""

import datetime as dt

import pytest
from django.utils import timezone

from evenhand.cases.models import Contact, ContactOutcome, ContactType
from evenhand.cases.services import record_contact
from tests.api.conftest import API, days_ago, make_failure

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def contact_payload(sentence_id: int, **changes) -> dict:
    return {
        "sentence_id": sentence_id,
        "type": "office",
        "starts_at": days_ago(3).isoformat(),
        "location": "Leeds probation office",
        "notes": "Seen with her support worker.",
        **changes,
    }


def test_recording_an_unacceptable_failure_answers_with_the_proposal(org, order, client_for):
    response = client_for(org.po).post(
        f"{API}/contacts",
        contact_payload(order.pk, outcome="fta_unacceptable"),
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    contact = Contact.objects.get(pk=body["contact"]["id"])
    assert (contact.outcome, contact.recorded_by, contact.person_id) == (
        ContactOutcome.FAILED_UNACCEPTABLE,
        org.po,
        order.person_id,
    )
    assert body["contact"]["recorded_by"] == "LDSPO"
    assert body["proposal"]["decision"] == "warning"
    assert "first unacceptable failure" in body["proposal"]["reason"]


def test_a_future_appointment_has_no_outcome_and_no_proposal(org, order, client_for):
    starts = (timezone.now() + dt.timedelta(days=7)).isoformat()
    response = client_for(org.po).post(
        f"{API}/contacts", contact_payload(order.pk, starts_at=starts), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["proposal"] is None
    assert response.json()["contact"]["outcome"] is None


def test_recording_the_outcome_later_answers_with_the_proposal_and_only_once(org, order, client_for):
    appointment = record_contact(
        by=org.po, sentence=order, type=ContactType.HOME_VISIT, starts_at=days_ago(2)
    ).contact
    client = client_for(org.po)

    response = client.post(
        f"{API}/contacts/{appointment.pk}/outcome",
        {"outcome": "attended_failed", "notes": "Refused to engage."},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["contact"]["outcome"] == "attended_failed"
    assert response.json()["proposal"]["decision"] == "warning"
    appointment.refresh_from_db()
    assert appointment.outcome_recorded_by == org.po
    assert "Refused to engage." in appointment.notes

    again = client.post(
        f"{API}/contacts/{appointment.pk}/outcome",
        {"outcome": "attended_complied"},
        content_type="application/json",
    )
    assert again.status_code == 422
    assert list(again.json()["errors"]) == ["outcome"]
    appointment.refresh_from_db()
    assert appointment.outcome == ContactOutcome.ATTENDED_FAILED_TO_COMPLY


def test_an_acceptable_outcome_has_no_proposal(org, order, client_for):
    appointment = record_contact(
        by=org.po, sentence=order, type=ContactType.PHONE, starts_at=days_ago(2)
    ).contact
    response = client_for(org.po).post(
        f"{API}/contacts/{appointment.pk}/outcome",
        {"outcome": "attended_complied"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["proposal"] is None


def test_contact_rules_are_reported_per_field_and_write_nothing(org, order, client_for):
    client = client_for(org.po)
    outside = (order.start_date - dt.timedelta(days=5)).isoformat() + "T10:00:00+00:00"
    naive = days_ago(3).replace(tzinfo=None).isoformat()
    future_with_outcome = (timezone.now() + dt.timedelta(days=2)).isoformat()

    for changes, field in [
        ({"starts_at": outside}, "starts_at"),
        ({"starts_at": naive}, "starts_at"),
        ({"starts_at": future_with_outcome, "outcome": "attended_complied"}, "outcome"),
    ]:
        response = client.post(
            f"{API}/contacts", contact_payload(order.pk, **changes), content_type="application/json"
        )
        assert response.status_code == 422, changes
        assert list(response.json()["errors"]) == [field]
    assert Contact.objects.count() == 0


def test_contacts_cannot_be_read_or_recorded_from_another_pdu(org, order, client_for):
    failure = make_failure(org.po, order).contact
    client = client_for(org.bradford_po)

    assert ids(client.get(f"{API}/contacts")) == []
    assert client.get(f"{API}/contacts/{failure.pk}").status_code == 404
    outcome = client.post(
        f"{API}/contacts/{failure.pk}/outcome",
        {"outcome": "attended_complied"},
        content_type="application/json",
    )
    assert outcome.status_code == 404
    created = client.post(f"{API}/contacts", contact_payload(order.pk), content_type="application/json")
    assert created.status_code == 422
    assert list(created.json()["errors"]) == ["sentence_id"]
    assert Contact.objects.count() == 1


def test_filters_by_person_sentence_outcome_and_time(org, order, client_for):
    old = make_failure(org.po, order, days=40).contact
    recent = record_contact(
        by=org.po,
        sentence=order,
        type=ContactType.PHONE,
        starts_at=days_ago(5),
        outcome=ContactOutcome.ATTENDED_COMPLIED,
    ).contact
    future = record_contact(
        by=org.po, sentence=order, type=ContactType.VIDEO, starts_at=timezone.now() + dt.timedelta(days=3)
    ).contact
    client = client_for(org.po)

    assert ids(client.get(f"{API}/contacts")) == [future.pk, recent.pk, old.pk]
    assert ids(client.get(f"{API}/contacts?person={order.person_id}&sentence={order.pk}")) == [
        future.pk,
        recent.pk,
        old.pk,
    ]
    assert ids(client.get(f"{API}/contacts?sentence=999999")) == []
    assert ids(client.get(f"{API}/contacts?outcome=fta_unacceptable")) == [old.pk]
    since = days_ago(10).isoformat().replace("+", "%2B")
    until = timezone.now().isoformat().replace("+", "%2B")
    assert ids(client.get(f"{API}/contacts?from={since}")) == [future.pk, recent.pk]
    assert ids(client.get(f"{API}/contacts?from={since}&to={until}")) == [recent.pk]
    assert client.get(f"{API}/contacts?outcome=maybe").status_code == 422


def test_analysts_see_contacts_without_notes_or_locations(org, order, client_for):
    make_failure(org.po, order)
    response = client_for(org.analyst).get(f"{API}/contacts")

    item = response.json()["items"][0]
    assert item["outcome"] == "fta_unacceptable"
    assert item["notes"] is None and item["location"] is None
    assert "Asha" not in response.content.decode()


def test_listing_contacts_takes_the_same_few_queries_for_30_rows(
    org, order, client_for, django_assert_max_num_queries
):
    for day in range(30):
        record_contact(
            by=org.po,
            sentence=order,
            type=ContactType.OFFICE_APPOINTMENT,
            starts_at=days_ago(day + 1),
            outcome=ContactOutcome.ATTENDED_COMPLIED,
        )
    client = client_for(org.po)
    # Token, last-used stamp, count, page (staff joined), access log.
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/contacts")
    assert len(response.json()["items"]) == 30
