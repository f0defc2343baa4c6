"""Enforcement decisions: recording, correcting, never editing; filters, visibility and query counts."""

import pytest

from evenhand.cases.models import Decision, EnforcementDecision
from evenhand.cases.services import decide_enforcement
from evenhand.people.access import record_token
from tests.api.conftest import API, make_failure, make_order

pytestmark = pytest.mark.django_db

RATIONALE = "First missed appointment in a year; she was warned in writing and understood."


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def decision_payload(sentence_id: int, contact_ids: list[int], **changes) -> dict:
    return {
        "sentence_id": sentence_id,
        "decision": "warning",
        "rationale": RATIONALE,
        "triggering_contact_ids": contact_ids,
        **changes,
    }


def test_recording_a_decision_on_a_failure(org, order, client_for):
    failure = make_failure(org.po, order).contact

    response = client_for(org.po).post(
        f"{API}/enforcement-decisions",
        decision_payload(order.pk, [failure.pk]),
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    decision = EnforcementDecision.objects.get(pk=body["id"])
    assert (decision.decision, decision.proposed, decision.decided_by) == (
        Decision.WARNING,
        "warning",
        org.po,
    )
    assert list(decision.triggering_contacts.all()) == [failure]
    assert (body["person_id"], body["triggering_contact_ids"], body["corrects"], body["corrected_by"]) == (
        order.person_id,
        [failure.pk],
        None,
        None,
    )


def test_an_empty_rationale_is_a_422_on_rationale_and_writes_nothing(org, order, client_for):
    failure = make_failure(org.po, order).contact

    response = client_for(org.po).post(
        f"{API}/enforcement-decisions",
        decision_payload(order.pk, [failure.pk], rationale="   "),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["rationale"]
    assert response.json()["errors"]["rationale"][0].startswith("Enter the reasons")
    assert EnforcementDecision.objects.count() == 0


def test_service_field_names_are_reported_under_the_api_names(org, order, client_for):
    # A warning must name the failure it answers: the service calls the field triggering_contacts.
    response = client_for(org.po).post(
        f"{API}/enforcement-decisions", decision_payload(order.pk, []), content_type="application/json"
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["triggering_contact_ids"]

    recall_on_an_order = decision_payload(
        order.pk, [make_failure(org.po, order).contact.pk], decision="recall_standard"
    )
    response = client_for(org.po).post(
        f"{API}/enforcement-decisions", recall_on_an_order, content_type="application/json"
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["decision"]
    assert EnforcementDecision.objects.count() == 0


def test_a_correction_is_a_new_decision_pointing_at_the_old_one(org, order, client_for):
    failure = make_failure(org.po, order).contact
    original = decide_enforcement(
        by=org.po,
        sentence=order,
        decision=Decision.WARNING,
        rationale=RATIONALE,
        triggering_contacts=[failure],
    )
    client = client_for(org.spo)

    response = client.post(
        f"{API}/enforcement-decisions",
        decision_payload(
            order.pk,
            [],
            decision="nfa",
            rationale="The appointment letter went to the wrong address; no failure on her part.",
            corrects=original.pk,
        ),
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    correction = response.json()
    assert (correction["corrects"], correction["triggering_contact_ids"]) == (original.pk, [failure.pk])
    old = client.get(f"{API}/enforcement-decisions/{original.pk}").json()
    assert old["corrected_by"] == correction["id"]
    assert old["decision"] == "warning"
    assert old["rationale"] == RATIONALE

    twice = client.post(
        f"{API}/enforcement-decisions",
        decision_payload(order.pk, [], decision="nfa", rationale=RATIONALE, corrects=original.pk),
        content_type="application/json",
    )
    assert twice.status_code == 422
    assert list(twice.json()["errors"]) == ["corrects"]
    assert EnforcementDecision.objects.count() == 2


def test_decisions_cannot_be_changed_or_deleted(org, order, client_for):
    failure = make_failure(org.po, order).contact
    decision = decide_enforcement(
        by=org.po,
        sentence=order,
        decision=Decision.WARNING,
        rationale=RATIONALE,
        triggering_contacts=[failure],
    )
    client = client_for(org.head)
    url = f"{API}/enforcement-decisions/{decision.pk}"

    for method in ("put", "patch", "delete"):
        response = getattr(client, method)(url, {"decision": "nfa"}, content_type="application/json")
        assert response.status_code == 405, method
    decision.refresh_from_db()
    assert decision.decision == Decision.WARNING


def test_decisions_on_contacts_or_sentences_you_cannot_see_are_refused(
    org, order, bradford_person, client_for
):
    failure = make_failure(org.po, order).contact
    bradford_order = make_order(org.bradford_po, bradford_person)
    bradford_failure = make_failure(org.bradford_po, bradford_order).contact
    client = client_for(org.po)

    foreign_contact = client.post(
        f"{API}/enforcement-decisions",
        decision_payload(order.pk, [failure.pk, bradford_failure.pk]),
        content_type="application/json",
    )
    assert foreign_contact.status_code == 422
    assert list(foreign_contact.json()["errors"]) == ["triggering_contact_ids"]
    assert str(bradford_failure.pk) in foreign_contact.json()["errors"]["triggering_contact_ids"][0]

    foreign_sentence = client.post(
        f"{API}/enforcement-decisions",
        decision_payload(bradford_order.pk, [bradford_failure.pk]),
        content_type="application/json",
    )
    assert foreign_sentence.status_code == 422
    assert list(foreign_sentence.json()["errors"]) == ["sentence_id"]
    assert EnforcementDecision.objects.count() == 0


def test_roles_without_casework_cannot_decide(org, order, client_for):
    failure = make_failure(org.po, order).contact
    for staff in (org.admin, org.inspector, org.analyst):
        response = client_for(staff).post(
            f"{API}/enforcement-decisions",
            decision_payload(order.pk, [failure.pk]),
            content_type="application/json",
        )
        assert response.status_code == 403, staff.grade
        assert "detail" in response.json()
    assert EnforcementDecision.objects.count() == 0


def test_filters_visibility_and_what_analysts_see(org, order, bradford_person, client_for):
    first = make_failure(org.po, order, days=30).contact
    second = make_failure(org.po, order, days=5).contact
    warning = decide_enforcement(
        by=org.po, sentence=order, decision=Decision.WARNING, rationale=RATIONALE, triggering_contacts=[first]
    )
    breach = decide_enforcement(
        by=org.po,
        sentence=order,
        decision=Decision.BREACH,
        rationale="A second failure within twelve months of the warning.",
        triggering_contacts=[second],
    )
    bradford_order = make_order(org.bradford_po, bradford_person)
    elsewhere = decide_enforcement(
        by=org.bradford_po,
        sentence=bradford_order,
        decision=Decision.WARNING,
        rationale=RATIONALE,
        triggering_contacts=[make_failure(org.bradford_po, bradford_order).contact],
    )
    client = client_for(org.po)

    assert ids(client.get(f"{API}/enforcement-decisions")) == [breach.pk, warning.pk]
    assert ids(client.get(f"{API}/enforcement-decisions?decision=breach")) == [breach.pk]
    assert ids(client.get(f"{API}/enforcement-decisions?person={order.person_id}&sentence={order.pk}")) == [
        breach.pk,
        warning.pk,
    ]
    assert client.get(f"{API}/enforcement-decisions/{elsewhere.pk}").status_code == 404
    assert client.get(f"{API}/enforcement-decisions?decision=caution").status_code == 422

    # Analysts filter by the person's token; an id means nobody to them.
    analyst = client_for(org.analyst)
    by_token = analyst.get(f"{API}/enforcement-decisions?person={record_token('person', order.person_id)}")
    assert [item["decision"] for item in by_token.json()["items"]] == ["breach", "warning"]
    for item in by_token.json()["items"]:
        assert item["rationale"] is item["decided_by"] is item["triggering_contact_ids"] is None
        assert item["id"] is item["person_id"] is item["sentence_id"] is None
        assert item["person_token"] == record_token("person", order.person_id)
        assert item["sentence_token"] == record_token("sentence", order.pk)
        assert item["decided_at"][8:19] == "01T00:00:00"
    assert [i["token"] for i in by_token.json()["items"]] == [
        record_token("decision", breach.pk),
        record_token("decision", warning.pk),
    ]
    assert ids(analyst.get(f"{API}/enforcement-decisions?person={order.person_id}")) == []


def test_listing_decisions_takes_the_same_few_queries_for_30_rows(
    org, order, client_for, django_assert_max_num_queries
):
    for day in range(30):
        failure = make_failure(org.po, order, days=day + 1).contact
        decide_enforcement(
            by=org.po,
            sentence=order,
            decision=Decision.NO_FURTHER_ACTION,
            rationale=RATIONALE,
            triggering_contacts=[failure],
        )
    client = client_for(org.po)
    # Token, last-used stamp, count, page ids, page (sentence, staff, correction and outcome joined),
    # endorsements, contacts, log; the decisions corrected would be one more, and none is here.
    with django_assert_max_num_queries(8):
        response = client.get(f"{API}/enforcement-decisions")
    assert len(response.json()["items"]) == 30
