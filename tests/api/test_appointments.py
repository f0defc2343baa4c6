"""Appointments and the to-do list through /api/v1: book (one and a series), reschedule, cancel, list; the
caseload's to-do counts and a person's items; who may do what."""

import datetime as dt

import pytest
from django.utils import timezone

from evenhand.cases.models import Contact, ContactOutcome, ContactType
from evenhand.core.calendar import is_working_day
from tests.api.conftest import API, today

pytestmark = pytest.mark.django_db


def working_day(after: int) -> dt.date:
    day = today() + dt.timedelta(days=after)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def at(day: dt.date, hour: int = 10) -> str:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour))).isoformat()


def post(client, path: str, body: dict):
    return client.post(f"{API}{path}", body, content_type="application/json")


def booking(order, **changes) -> dict:
    return {
        "sentence_id": order.pk,
        "type": "office",
        "starts_at": at(working_day(3)),
        "location": "Leeds probation office",
        **changes,
    }


def test_book_a_series_then_reschedule_and_cancel(org, order, client_for):
    client = client_for(org.po)
    response = post(client, "/appointments", booking(order, occurrences=3))
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["appointments"]) == 3
    first = body["appointments"][0]
    assert first["with_staff"] == "LDSPO" and first["outcome"] is None

    response = post(
        client,
        f"/appointments/{first['id']}/reschedule",
        {"starts_at": at(working_day(4), 15), "requested_by": "person", "reason": "Hospital appointment"},
    )
    assert response.status_code == 200, response.content
    new = response.json()
    assert new["rescheduled_from_id"] == first["id"]
    assert Contact.objects.get(pk=first["id"]).outcome == ContactOutcome.RESCHEDULED

    response = post(client, f"/appointments/{new['id']}/cancel", {"requested_by": "service", "reason": ""})
    assert response.status_code == 422
    response = post(
        client, f"/appointments/{new['id']}/cancel", {"requested_by": "service", "reason": "Closed"}
    )
    assert response.status_code == 200 and response.json()["outcome"] == "cancelled"

    listed = client.get(f"{API}/appointments", {"person": order.person_id, "booked": "true"})
    assert listed.status_code == 200
    assert listed.json()["count"] == 2


def test_errors_name_the_api_fields(org, order, client_for):
    client = client_for(org.po)
    response = post(client, "/appointments", booking(order, requirement_id=999999))
    assert response.status_code == 422
    assert "requirement_id" in response.content.decode()
    response = post(client, "/appointments", booking(order, starts_at=at(today() - dt.timedelta(days=1))))
    assert response.status_code == 422 and "starts_at" in response.content.decode()
    assert not Contact.objects.filter(outcome="", starts_at__gt=timezone.now()).exists()


def test_refusals(org, order, client_for):
    assert post(client_for(org.bradford_po), "/appointments", booking(order)).status_code == 422
    assert post(client_for(org.analyst), "/appointments", booking(order)).status_code == 403
    assert client_for(org.analyst).get(f"{API}/appointments").status_code == 403
    assert client_for(org.bradford_po).get(f"{API}/todo/people/{order.person_id}").status_code == 404


def test_the_to_do_list(org, order, client_for):
    Contact.objects.create(
        person=order.person,
        sentence=order,
        type=ContactType.OFFICE_APPOINTMENT,
        location="Office",
        starts_at=timezone.now() - dt.timedelta(days=1),
        recorded_by=org.po,
        with_staff=org.po,
    )
    client = client_for(org.po)
    response = client.get(f"{API}/todo/people/{order.person_id}")
    assert response.status_code == 200, response.content
    assert "outcome" in [i["kind"] for i in response.json()["items"]]
    response = client.get(f"{API}/todo", {"sort": "outcome"})
    assert response.status_code == 200, response.content
    row = response.json()["items"][0]
    assert row["person_id"] == order.person_id and row["counts"]["outcome"] == 1
    assert client.get(f"{API}/todo", {"sort": "nonsense"}).status_code == 422
    head = client_for(org.head).get(f"{API}/todo").json()
    assert order.person_id in [r["person_id"] for r in head["items"]]


def test_an_analyst_reads_no_to_do_items(org, order, client_for):
    from evenhand.people.access import record_token

    Contact.objects.create(
        person=order.person,
        sentence=order,
        type=ContactType.OFFICE_APPOINTMENT,
        location="Office",
        starts_at=timezone.now() - dt.timedelta(days=1),
        recorded_by=org.po,
        with_staff=org.po,
    )
    response = client_for(org.analyst).get(f"{API}/todo/people/{record_token('person', order.person_id)}")
    assert response.status_code == 200, response.content
    assert response.json() == {"person_id": None, "crn": None, "items": []}
