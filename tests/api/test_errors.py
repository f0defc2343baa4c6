"""Every API error has one shape, ``{"detail": str, "errors": {field: [messages]}}``, and nothing a caller sends
is a server error: times at the edge of the calendar, ids beyond 64 bits, implausible text, malformed paths."""

import datetime as dt

import pytest
from django.test import Client

from evenhand.cases.models import Contact, Decision, EnforcementDecision
from evenhand.cases.services import decide_enforcement
from tests.api.conftest import API, days_ago, make_failure

pytestmark = pytest.mark.django_db

TOO_BIG = 2**63  # one more than the largest 64-bit id
RATIONALE = "First missed appointment in a year; she was warned in writing and understood."


def assert_error(response, status: int, fields: set[str] | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    if fields is not None:
        assert set(body["errors"]) == fields
    for messages in body["errors"].values():
        assert messages and all(isinstance(m, str) and m for m in messages)
    return body


def post(client: Client, path: str, body: dict):
    return client.post(f"{API}/{path}", body, content_type="application/json")


def contact(sentence_id: int, **changes) -> dict:
    return {"sentence_id": sentence_id, "type": "office", "starts_at": days_ago(3).isoformat(), **changes}


# --- the shape -------------------------------------------------------------------------------------------


def test_request_validation_errors_name_the_field_where_it_is(org, asha, client_for):
    client = client_for(org.po)

    assert_error(client.get(f"{API}/people?limit=0"), 422, {"limit"})
    assert_error(client.get(f"{API}/contacts?outcome=maybe&offset=-1"), 422, {"outcome", "offset"})
    body = assert_error(
        post(client, "sentences", {"person_id": asha.pk, "offences": [{"category": "nope"}]}),
        422,
    )
    # The expected end may follow from the sentence's length, so it is not required of the body.
    assert {"type", "court", "start_date", "offences.0.category"} == set(body["errors"])
    assert_error(client.post(f"{API}/people", "{not json", content_type="application/json"), 400, set())


def test_401_403_and_409_have_the_shape_with_no_fields(org, asha, client_for):
    assert_error(Client().get(f"{API}/people"), 401, set())
    assert_error(client_for(org.analyst).get(f"{API}/people?crn=L123456"), 403, set())


# --- 404s are JSON ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "people/abc",  # neither an id nor a token
        "people/12345678901234567890",  # 20 digits: beyond 64 bits
        "people/9223372036854775808",  # 19 digits, one past the largest id
        "sentences/-1",
        "contacts/1.5",
        "enforcement-decisions/" + "A" * 61,
        "referrals/%00",
        "contacts/abc/outcome",
        "no-such-resource",
        "people/1/no-such-thing",
        "people/%0A",  # a newline
        "referrals/%27.r3%C2%B1%F1%86%BE%92%F1%B3%AA%A6%0A%C3%9B%C3%A8%F0%BC%80%83%C2%B5/status",
        "",
    ],
)
def test_a_malformed_reference_or_unknown_url_is_a_json_404(org, client_for, path):
    assert_error(client_for(org.po).get(f"{API}/{path}"), 404, set())
    # Without credentials: JSON too (401 where the path is an operation's, 404 where it is nothing).
    assert Client().get(f"{API}/{path}").json()["detail"]


@pytest.mark.parametrize(
    "path", ["referrals/abc/status", "contacts/null/outcome", "no-such-resource", "referrals/%0A/status"]
)
def test_a_post_to_a_malformed_reference_is_a_json_404_not_a_csrf_page(org, token_for, path):
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token_for(org.po)}"})
    client.cookies["sessionid"] = "not-a-session"
    response = client.post(f"{API}/{path}", {"status": "accepted"}, content_type="application/json")
    assert_error(response, 404, set())


# --- times at the edge of the calendar --------------------------------------------------------------------


@pytest.mark.parametrize(
    "starts_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:30+00:00"]
)
def test_a_contact_at_the_edge_of_the_calendar_is_a_422(org, order, client_for, starts_at):
    response = post(client_for(org.po), "contacts", contact(order.pk, starts_at=starts_at))
    assert_error(response, 422, {"starts_at"})
    assert Contact.objects.count() == 0


@pytest.mark.parametrize("bound", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
@pytest.mark.parametrize("name", ["from", "to"])
def test_a_time_filter_at_the_edge_of_the_calendar_is_a_422(org, order, client_for, bound, name):
    response = client_for(org.po).get(f"{API}/contacts?{name}={bound.replace('+', '%2B')}")
    assert_error(response, 422, {name})


def test_a_time_filter_at_the_far_end_of_the_calendar_in_utc_is_fine(org, order, client_for):
    make_failure(org.po, order)
    for client in (client_for(org.po), client_for(org.analyst)):
        assert client.get(f"{API}/contacts?from=9999-12-31T23:59:59%2B00:00").json()["count"] == 0
        assert client.get(f"{API}/contacts?to=9999-12-31T23:59:59%2B00:00").json()["count"] == 1
        assert client.get(f"{API}/contacts?from=0001-01-01T00:00:00%2B00:00").json()["count"] == 1


def test_offsets_beyond_what_the_database_takes_are_read_as_utc(org, order, client_for):
    # Python takes offsets up to 23:59, PostgreSQL up to 15:59: the API hands the database UTC.
    client = client_for(org.po)
    when = days_ago(3).astimezone(dt.timezone(dt.timedelta(hours=23, minutes=59)))
    response = post(client, "contacts", contact(order.pk, starts_at=when.isoformat()))
    assert response.status_code == 201, response.content
    assert Contact.objects.get().starts_at == when
    since = (when - dt.timedelta(minutes=1)).astimezone(dt.timezone(dt.timedelta(hours=-22, minutes=-14)))
    listed = client.get(f"{API}/contacts?from={since.isoformat().replace('+', '%2B')}")
    assert listed.json()["count"] == 1


@pytest.mark.parametrize(
    "decided_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-01-01T10:00"]
)
def test_a_decision_at_the_edge_of_the_calendar_or_without_an_offset_is_a_422(
    org, order, client_for, decided_at
):
    failure = make_failure(org.po, order).contact
    body = {
        "sentence_id": order.pk,
        "decision": "warning",
        "rationale": RATIONALE,
        "triggering_contact_ids": [failure.pk],
        "decided_at": decided_at,
    }
    assert_error(post(client_for(org.po), "enforcement-decisions", body), 422, {"decided_at"})
    assert EnforcementDecision.objects.count() == 0


# --- ids beyond 64 bits -----------------------------------------------------------------------------------


def test_ids_beyond_64_bits_in_bodies_are_a_422_on_the_field(org, order, client_for):
    client = client_for(org.po)
    failure = make_failure(org.po, order).contact
    decision = {"sentence_id": order.pk, "decision": "warning", "rationale": RATIONALE}

    assert_error(post(client, "contacts", contact(TOO_BIG)), 422, {"sentence_id"})
    assert_error(post(client, "referrals", {"sentence_id": TOO_BIG}), 422)
    assert_error(
        post(client, "enforcement-decisions", {**decision, "triggering_contact_ids": [failure.pk, TOO_BIG]}),
        422,
        {"triggering_contact_ids.1"},
    )
    assert_error(
        post(
            client,
            "enforcement-decisions",
            {**decision, "triggering_contact_ids": [failure.pk], "corrects": TOO_BIG},
        ),
        422,
        {"corrects"},
    )
    assert_error(post(client, "sentences", {"person_id": 10**30}), 422)
    assert EnforcementDecision.objects.count() == 0


@pytest.mark.parametrize(
    "query", ["person=9223372036854775808", "sentence=9999999999999999999", "person=99999999999999999999"]
)
def test_ids_beyond_64_bits_in_filters_are_a_422(org, client_for, query):
    field = query.split("=")[0]
    assert_error(client_for(org.po).get(f"{API}/contacts?{query}"), 422, {field})


def test_the_largest_id_is_simply_not_found(org, order, client_for):
    client = client_for(org.po)
    assert client.get(f"{API}/contacts?person={2**63 - 1}").json()["count"] == 0
    assert_error(client.get(f"{API}/sentences/{2**63 - 1}"), 404, set())
    assert_error(post(client, "contacts", contact(2**63 - 1)), 422, {"sentence_id"})


# --- plausible text ---------------------------------------------------------------------------------------


def test_free_text_is_capped_and_refuses_nul(org, order, client_for):
    client = client_for(org.po)
    failure = make_failure(org.po, order).contact

    assert_error(post(client, "contacts", contact(order.pk, notes="x" * 5001)), 422, {"notes"})
    assert_error(post(client, "contacts", contact(order.pk, location="Leeds\x00")), 422, {"location"})
    decision = {"sentence_id": order.pk, "decision": "warning", "triggering_contact_ids": [failure.pk]}
    assert_error(
        post(client, "enforcement-decisions", {**decision, "rationale": "y" * 5001}), 422, {"rationale"}
    )
    assert_error(post(client, "enforcement-decisions", {**decision, "rationale": RATIONALE + "\x00"}), 422)
    assert_error(
        post(
            client,
            "referrals",
            {"sentence_id": order.pk, "service_area": "ete", "reason": "z" * 5001, "made_on": "2025-01-01"},
        ),
        422,
        {"reason"},
    )
    assert_error(client.get(f"{API}/people?name=Pat%00"), 422, {"name"})
    assert Contact.objects.count() == 1
    # The largest note allowed is recorded.
    assert post(client, "contacts", contact(order.pk, notes="x" * 5000)).status_code == 201


def test_a_correction_of_a_decision_on_another_sentence_is_a_422_on_corrects(org, order, asha, client_for):
    from tests.api.conftest import make_order

    other = make_order(org.po, asha)
    earlier = decide_enforcement(
        by=org.po,
        sentence=other,
        decision=Decision.WARNING,
        rationale=RATIONALE,
        triggering_contacts=[make_failure(org.po, other).contact],
    )
    body = {
        "sentence_id": order.pk,
        "decision": "nfa",
        "rationale": RATIONALE,
        "triggering_contact_ids": [],
        "corrects": earlier.pk,
    }
    assert_error(post(client_for(org.po), "enforcement-decisions", body), 422, {"corrects"})


def test_a_method_a_path_does_not_take_answers_in_the_one_shape(org, client_for):
    """ninja answers 405 with an empty body before any handler runs; the API's shape is given to it."""
    response = client_for(org.po).delete(f"{API}/people")
    body = assert_error(response, 405, fields=set())
    assert "GET" in response["Allow"] and "GET" in body["detail"]
    assert "no-store" in response["Cache-Control"]
