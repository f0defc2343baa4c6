"""Risk of serious harm reviews and registrations through the API: recorded, listed, refused."""

import datetime as dt

import pytest
from django.utils import timezone

from evenhand.audit.models import AccessLogEntry, Action
from evenhand.cases.models import Registration, RegistrationReview, RiskSummary
from evenhand.people.access import record_token
from evenhand.people.services import exclude_staff
from tests.api.conftest import API

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def review_payload(person_id: int, **changes) -> dict:
    day = today() - dt.timedelta(days=2)
    return {
        "person_id": person_id,
        "assessed_on": str(day),
        "rosh_children": "L",
        "rosh_public": "H",
        "rosh_known_adult": "M",
        "rosh_staff": "M",
        "next_review_due": str(day + dt.timedelta(days=120)),
        "review_reason": "scheduled",
        "tier": "B1",
        "tier_source": "national",
        "mappa_category": 2,
        "mappa_level": 1,
        **changes,
    }


def test_a_risk_review_is_recorded_and_listed_with_its_history(org, asha, client_for):
    client = client_for(org.po)
    first = client.post(f"{API}/risk-reviews", review_payload(asha.pk), content_type="application/json")
    assert first.status_code == 201, first.content
    assert (first.json()["rosh"], first.json()["tier_source"], first.json()["recorded_by"]) == (
        "H",
        "national",
        "LDSPO",
    )
    later = review_payload(
        asha.pk, assessed_on=str(today()), next_review_due=str(today() + dt.timedelta(days=30))
    )
    later["rosh_children"] = "V"
    assert client.post(f"{API}/risk-reviews", later, content_type="application/json").status_code == 201
    listed = client.get(f"{API}/risk-reviews?person={asha.pk}").json()
    assert [item["rosh"] for item in listed["items"]] == ["V", "H"]
    assert listed["count"] == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rosh": "L"}, "rosh"),
        ({"next_review_due": str(today() + dt.timedelta(days=200))}, "next_review_due"),
        ({"mappa_level": None}, "mappa_level"),
        ({"person_id": 999_999}, "person_id"),
    ],
)
def test_a_bad_review_is_refused_naming_the_field(org, asha, client_for, changes, field):
    payload = {**review_payload(asha.pk), **changes}
    response = client_for(org.po).post(f"{API}/risk-reviews", payload, content_type="application/json")
    assert response.status_code == 422, response.content
    assert list(response.json()["errors"]) == [field]
    assert RiskSummary.objects.count() == 0


def registration_payload(person_id: int, **changes) -> dict:
    return {
        "person_id": person_id,
        "type": "child_protection",
        "start_date": str(today() - dt.timedelta(days=10)),
        "next_review_date": str(today() + dt.timedelta(days=80)),
        **changes,
    }


def test_registrations_added_reviewed_ended_and_never_overlapping(org, asha, client_for):
    client = client_for(org.po)
    added = client.post(
        f"{API}/registrations", registration_payload(asha.pk), content_type="application/json"
    )
    assert added.status_code == 201, added.content
    registration_id = added.json()["id"]
    assert added.json()["is_complexity_factor"] is True
    overlapping = client.post(
        f"{API}/registrations",
        registration_payload(asha.pk, start_date=str(today())),
        content_type="application/json",
    )
    assert overlapping.status_code == 422
    assert "cannot overlap" in overlapping.json()["errors"]["start_date"][0]
    reviewed = client.post(
        f"{API}/registrations/reviews",
        {
            "registration_id": registration_id,
            "reviewed_on": str(today()),
            "next_review_date": str(today() + dt.timedelta(days=90)),
        },
        content_type="application/json",
    )
    assert reviewed.status_code == 201, reviewed.content
    assert len(reviewed.json()["reviews"]) == 1
    ended = client.post(
        f"{API}/registrations/endings",
        {"registration_id": registration_id, "end_date": str(today()), "reason": "Plan closed"},
        content_type="application/json",
    )
    assert ended.status_code == 201, ended.content
    assert ended.json()["active"] is False
    assert client.get(f"{API}/registrations?person={asha.pk}&active=false").json()["count"] == 1
    assert client.get(f"{API}/registrations?person={asha.pk}&active=true").json()["count"] == 0


def test_analysts_list_registrations_pseudonymised(org, asha, client_for):
    client_for(org.po).post(
        f"{API}/registrations",
        registration_payload(asha.pk, notes="Named child: Ruby"),
        content_type="application/json",
    )
    listed = client_for(org.analyst).get(f"{API}/registrations?person={record_token('person', asha.pk)}")
    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert (item["id"], item["person_id"], item["notes"], item["recorded_by"]) == (None, None, None, None)
    assert item["start_date"].endswith("-01")


@pytest.mark.parametrize("who", ["bradford_po", "analyst", "excluded"])
def test_writes_are_refused_to_those_without_access(org, asha, client_for, who):
    registration = (
        client_for(org.po)
        .post(f"{API}/registrations", registration_payload(asha.pk), content_type="application/json")
        .json()["id"]
    )
    if who == "excluded":
        viewer = org.pso
        exclude_staff(by=org.head, person=asha, staff=viewer, reason="Lives next door")
    else:
        viewer = getattr(org, who)
    client = client_for(viewer)
    calls = [
        (f"{API}/risk-reviews", review_payload(asha.pk)),
        (f"{API}/registrations", registration_payload(asha.pk, type="hate_crime")),
        (
            f"{API}/registrations/reviews",
            {"registration_id": registration, "reviewed_on": str(today()), "next_review_date": "2030-01-01"},
        ),
        (
            f"{API}/registrations/endings",
            {"registration_id": registration, "end_date": str(today()), "reason": "x"},
        ),
    ]
    for url, body in calls:
        response = client.post(url, body, content_type="application/json")
        assert response.status_code in (403, 422), (url, response.status_code, response.content)
        if response.status_code == 422:
            assert set(response.json()["errors"]) <= {"person_id", "registration_id"}
    assert RiskSummary.objects.count() == 0
    assert Registration.objects.count() == 1 and RegistrationReview.objects.count() == 0
    assert Registration.objects.get().end_date is None
    if who != "analyst":  # an analyst is refused for the role before anything is looked up
        assert (
            AccessLogEntry.objects.filter(staff=viewer, person_id=asha.pk, action=Action.REFUSED).count() == 4
        )
    other_pdu_list = client.get(f"{API}/registrations?person={asha.pk}")
    if who != "analyst":
        assert other_pdu_list.json()["items"] == []


def test_one_review_and_one_registration_are_read_by_id_or_token_and_refused_as_missing(
    org, asha, client_for
):
    po = client_for(org.po)
    review_id = po.post(
        f"{API}/risk-reviews", review_payload(asha.pk), content_type="application/json"
    ).json()["id"]
    registration_id = po.post(
        f"{API}/registrations",
        registration_payload(asha.pk, notes="Named child: Ruby"),
        content_type="application/json",
    ).json()["id"]
    assert po.get(f"{API}/risk-reviews/{review_id}").json()["rosh"] == "H"
    assert po.get(f"{API}/registrations/{registration_id}").json()["notes"] == "Named child: Ruby"

    analyst = client_for(org.analyst)
    # An analyst addresses a record by its token; its id is refused like a missing record.
    assert analyst.get(f"{API}/registrations/{registration_id}").status_code == 404
    registration = analyst.get(f"{API}/registrations/{record_token('registration', registration_id)}")
    assert registration.status_code == 200, registration.content
    body = registration.json()
    assert (body["id"], body["notes"], body["token"]) == (
        None,
        None,
        record_token("registration", registration_id),
    )
    # A token of one kind does not open a record of another.
    assert analyst.get(f"{API}/risk-reviews/{record_token('registration', review_id)}").status_code == 404
    assert (
        analyst.get(f"{API}/risk-reviews/{record_token('risk_review', review_id)}").json()["recorded_by"]
        is None
    )

    other_pdu = client_for(org.bradford_po)
    before = AccessLogEntry.objects.filter(staff=org.bradford_po, action=Action.REFUSED).count()
    assert other_pdu.get(f"{API}/risk-reviews/{review_id}").status_code == 404
    assert other_pdu.get(f"{API}/registrations/{registration_id}").status_code == 404
    assert AccessLogEntry.objects.filter(staff=org.bradford_po, action=Action.REFUSED).count() == before + 2
    assert po.get(f"{API}/registrations/999999").status_code == 404
