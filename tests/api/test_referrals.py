"""Referrals: making them, moving their status on, filters, visibility and query counts."""

import datetime as dt

import pytest
from django.utils import timezone

from evenhand.cases.models import Referral, ReferralStatus, ReferralStatusChange, ServiceArea
from evenhand.cases.services import make_referral
from tests.api.conftest import API

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def refer(org, sentence, area=ServiceArea.ACCOMMODATION, days=10) -> Referral:
    return make_referral(
        by=org.po,
        sentence=sentence,
        service_area=area,
        reason="Sofa-surfing since her tenancy ended.",
        made_on=timezone.localdate() - dt.timedelta(days=days),
    )


def test_making_a_referral(org, order, client_for):
    response = client_for(org.po).post(
        f"{API}/referrals",
        {
            "sentence_id": order.pk,
            "service_area": "cultural_faith",
            "reason": "Asked for a women's group at her temple.",
            "made_on": str(timezone.localdate()),
            "provider": "Leeds Sangat Centre",
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    referral = Referral.objects.get(pk=response.json()["id"])
    assert (referral.person_id, referral.service_area, referral.status, referral.made_by) == (
        order.person_id,
        ServiceArea.CULTURAL_FAITH,
        ReferralStatus.MADE,
        org.po,
    )
    assert response.json()["next_statuses"] == ["accepted", "declined", "withdrawn"]


def test_a_referral_before_the_sentence_started_is_a_422_and_writes_nothing(org, order, client_for):
    response = client_for(org.po).post(
        f"{API}/referrals",
        {
            "sentence_id": order.pk,
            "service_area": "ete",
            "reason": "Wants to retrain.",
            "made_on": str(order.start_date - dt.timedelta(days=1)),
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["made_on"]
    assert Referral.objects.count() == 0


def test_moving_a_referral_on_and_refusing_a_step_it_cannot_take(org, order, client_for):
    referral = refer(org, order)
    client = client_for(org.po)
    url = f"{API}/referrals/{referral.pk}/status"

    accepted = client.post(
        url,
        {"status": "accepted", "changed_on": str(timezone.localdate()), "note": "Place offered"},
        content_type="application/json",
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["next_statuses"] == ["started", "withdrawn"]

    skipped = client.post(
        url, {"status": "completed", "changed_on": str(timezone.localdate())}, content_type="application/json"
    )
    assert skipped.status_code == 422
    assert list(skipped.json()["errors"]) == ["status"]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert list(referral.status_changes.values_list("status", flat=True)) == ["made", "accepted"]

    malformed = client.post(url, {"status": "done"}, content_type="application/json")
    assert malformed.status_code == 422
    assert ReferralStatusChange.objects.count() == 2


def test_referrals_elsewhere_are_hidden(org, order, client_for):
    referral = refer(org, order)
    client = client_for(org.bradford_po)

    assert ids(client.get(f"{API}/referrals")) == []
    assert client.get(f"{API}/referrals/{referral.pk}").status_code == 404
    moved = client.post(
        f"{API}/referrals/{referral.pk}/status",
        {"status": "withdrawn", "changed_on": str(timezone.localdate())},
        content_type="application/json",
    )
    assert moved.status_code == 404
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.MADE


def test_filters_by_person_service_area_and_status(org, order, client_for):
    housing = refer(org, order, ServiceArea.ACCOMMODATION, days=20)
    work = refer(org, order, ServiceArea.ETE, days=5)
    client = client_for(org.po)
    client.post(
        f"{API}/referrals/{work.pk}/status",
        {"status": "declined", "changed_on": str(timezone.localdate())},
        content_type="application/json",
    )

    assert ids(client.get(f"{API}/referrals")) == [work.pk, housing.pk]
    assert ids(client.get(f"{API}/referrals?person={order.person_id}")) == [work.pk, housing.pk]
    assert ids(client.get(f"{API}/referrals?service_area=accommodation")) == [housing.pk]
    assert ids(client.get(f"{API}/referrals?status=declined")) == [work.pk]
    assert ids(client.get(f"{API}/referrals?person=999999")) == []


def test_analysts_do_not_see_the_reason(org, order, client_for):
    refer(org, order)
    item = client_for(org.analyst).get(f"{API}/referrals").json()["items"][0]
    assert item["reason"] is None
    assert item["service_area"] == "accommodation"


def test_listing_referrals_takes_the_same_few_queries_for_30_rows(
    org, order, client_for, django_assert_max_num_queries
):
    for day in range(30):
        refer(org, order, days=day + 1)
    client = client_for(org.po)
    # Token, last-used stamp, count, page (staff joined), access log.
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/referrals")
    assert len(response.json()["items"]) == 30
