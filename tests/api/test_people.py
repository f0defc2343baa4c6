"""People: who sees whom, what each role sees of them, the access log, registering, pages and query counts."""

import pytest

from evenhand.audit.models import AccessLogEntry, Action, Channel
from evenhand.cases.models import AllocationReason
from evenhand.cases.services import allocate
from evenhand.people.access import pseudonym, record_token
from evenhand.people.models import Person
from evenhand.people.services import exclude_staff, restrict_to_staff
from tests.api.conftest import API, make_order, make_person

pytestmark = pytest.mark.django_db


def crns(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [person["crn"] for person in response.json()["items"]]


# --- who sees whom ---------------------------------------------------------------------------------------


def test_a_practitioner_lists_the_people_of_their_own_pdu(org, asha, bradford_person, client_for):
    assert crns(client_for(org.po).get(f"{API}/people")) == ["L123456"]
    assert crns(client_for(org.bradford_po).get(f"{API}/people")) == ["B654321"]


def test_a_practitioner_in_another_pdu_cannot_read_the_record(org, asha, client_for):
    response = client_for(org.bradford_po).get(f"{API}/people/{asha.pk}")
    assert response.status_code == 404
    # Exactly what a record that does not exist answers, so nothing is given away.
    missing = client_for(org.bradford_po).get(f"{API}/people/999999")
    assert missing.status_code == 404
    assert response.json() == missing.json()
    assert not AccessLogEntry.objects.filter(action=Action.VIEW).exists()
    # The attempt on a real record is logged for administrators; the miss on a non-existent one is not.
    assert [
        (e.staff, e.person_id, e.channel) for e in AccessLogEntry.objects.filter(action=Action.REFUSED)
    ] == [(org.bradford_po, asha.pk, Channel.API)]


def test_a_person_allocated_to_me_in_another_pdu_is_visible(org, bradford_person, client_for):
    # Bilal moves to Leeds' caseload while still managed by Bradford (a Bradford SPO allocates him to a
    # Bradford PO first; then the record is visible to that PO wherever it is managed).
    sentence = make_order(org.bradford_po, bradford_person)
    allocate(
        by=org.bradford_spo,
        sentence=sentence,
        practitioner=org.bradford_po,
        reason=AllocationReason.NEW_CASE,
        start_date=sentence.start_date,
    )
    bradford_person.pdu = org.leeds
    bradford_person.save(update_fields=["pdu"])
    assert crns(client_for(org.bradford_po).get(f"{API}/people")) == ["B654321"]
    assert client_for(org.bradford_po).get(f"{API}/people/{bradford_person.pk}").status_code == 200


def test_a_restricted_record_is_seen_only_by_the_staff_on_its_list(org, asha, client_for):
    restrict_to_staff(by=org.head, person=asha, staff=org.pso, reason="Relative works in the team")

    assert crns(client_for(org.po).get(f"{API}/people")) == []
    assert client_for(org.po).get(f"{API}/people/{asha.pk}").status_code == 404
    assert crns(client_for(org.pso).get(f"{API}/people")) == ["L123456"]
    assert client_for(org.pso).get(f"{API}/people/{asha.pk}").status_code == 200
    # Service-wide roles are bound by the list too.
    assert client_for(org.admin).get(f"{API}/people/{asha.pk}").status_code == 404


def test_an_excluded_member_of_staff_cannot_see_the_record(org, asha, client_for):
    exclude_staff(by=org.head, person=asha, staff=org.po, reason="Known to the family")

    assert crns(client_for(org.po).get(f"{API}/people")) == []
    assert client_for(org.po).get(f"{API}/people/{asha.pk}").status_code == 404
    assert crns(client_for(org.pso).get(f"{API}/people")) == ["L123456"]


def test_service_wide_roles_see_every_pdu(org, asha, bradford_person, client_for):
    assert sorted(crns(client_for(org.inspector).get(f"{API}/people"))) == ["B654321", "L123456"]
    assert sorted(crns(client_for(org.admin).get(f"{API}/people"))) == ["B654321", "L123456"]


# --- what each role sees -----------------------------------------------------------------------------------


def test_a_practitioner_sees_identity_and_diversity_but_no_pseudonym(org, asha, client_for):
    body = client_for(org.po).get(f"{API}/people/{asha.pk}").json()
    assert body["crn"] == "L123456"
    assert (body["first_name"], body["last_name"]) == ("Asha", "Patel")
    assert body["date_of_birth"] == "1990-05-17"
    assert body["pseudonym"] is None
    assert body["pdu"] == "LDS"
    assert body["diversity"]["ethnicity"] == "A3"
    assert body["diversity"]["ethnic_group"] == "asian"
    assert body["diversity"]["religion"] == "hindu"


def test_an_analyst_sees_a_pseudonym_and_never_a_name_birth_date_or_crn(org, asha, client_for):
    client = client_for(org.analyst)
    listing = client.get(f"{API}/people")
    token = listing.json()["items"][0]["token"]
    record = client.get(f"{API}/people/{token}")

    for response in (listing, record):
        assert response.status_code == 200
        text = response.content.decode()
        for secret in ("Asha", "Patel", "L123456", "1990-05-17"):
            assert secret not in text
    body = record.json()
    assert body["pseudonym"] == pseudonym(asha.pk)
    assert body["crn"] is body["first_name"] is body["last_name"] is body["date_of_birth"] is None
    assert listing.json()["items"][0]["pseudonym"] == pseudonym(asha.pk)
    # Analysts measure disparity, so they do see the diversity profile, but not the words a person chose.
    assert body["diversity"]["ethnicity"] == "A3"
    assert body["diversity"]["gender_identity"] is None
    assert body["diversity"]["ethnicity_identified_on"].endswith("-01")


def test_analysts_get_tokens_not_ids_and_read_by_token_only(org, asha, client_for):
    client = client_for(org.analyst)
    item = client.get(f"{API}/people").json()["items"][0]

    assert item["id"] is None
    assert item["token"] == record_token("person", asha.pk)
    assert client.get(f"{API}/people/{item['token']}").status_code == 200
    # An id is no reference for an analyst: it answers as a record that does not exist.
    by_id = client.get(f"{API}/people/{asha.pk}")
    assert by_id.status_code == 404
    assert by_id.json() == client.get(f"{API}/people/999999").json()
    # And staff who see identities address records by id, never by an analyst's token.
    assert client_for(org.po).get(f"{API}/people/{item['token']}").status_code == 404
    assert client_for(org.po).get(f"{API}/people/{asha.pk}").json()["token"] is None


def test_an_analyst_cannot_look_people_up_by_name_or_crn(org, asha, client_for):
    client = client_for(org.analyst)
    for query in ("crn=L123456", "name=Pat"):
        response = client.get(f"{API}/people?{query}")
        assert response.status_code == 403
        assert "L123456" not in response.content.decode()
    assert client.get(f"{API}/people?pdu=LDS").status_code == 200


def test_an_administrator_sees_no_diversity_data(org, asha, client_for):
    client = client_for(org.admin)
    record = client.get(f"{API}/people/{asha.pk}")
    listing = client.get(f"{API}/people")

    assert record.json()["crn"] == "L123456"
    assert record.json()["diversity"] is None
    assert listing.json()["items"][0]["diversity"] is None
    for response in (record, listing):
        text = response.content.decode()
        assert "hindu" not in text
        assert "A3" not in text


# --- the access log ----------------------------------------------------------------------------------------


def test_reading_a_person_writes_a_view_to_the_access_log(org, asha, client_for):
    client_for(org.po).get(f"{API}/people/{asha.pk}")

    entry = AccessLogEntry.objects.get()
    assert (entry.staff, entry.person_id, entry.action, entry.channel) == (
        org.po,
        asha.pk,
        Action.VIEW,
        Channel.API,
    )


def test_a_list_of_people_is_logged_as_an_export_of_that_page(org, asha, client_for):
    for n in range(3):
        make_person(org.po, org.leeds, f"L20000{n}")

    response = client_for(org.po).get(f"{API}/people?limit=2")

    entries = list(AccessLogEntry.objects.order_by("person_id"))
    assert {(e.staff, e.action, e.channel) for e in entries} == {(org.po, Action.EXPORT, Channel.API)}
    # One row per person on the page, so "who has seen this record" is one query.
    assert [e.person_id for e in entries] == sorted(item["id"] for item in response.json()["items"])
    assert all("/api/v1/people?limit=2" in e.detail for e in entries)


# --- filters and pages -------------------------------------------------------------------------------------


def test_filters_by_pdu_crn_and_name(org, asha, bradford_person, client_for):
    make_person(org.po, org.leeds, "L200001", "Patrick", "Ahmed")
    make_person(org.po, org.leeds, "L200002", "Zoe", "Brown")
    client = client_for(org.inspector)

    assert sorted(crns(client.get(f"{API}/people?pdu=LDS"))) == ["L123456", "L200001", "L200002"]
    assert crns(client.get(f"{API}/people?pdu=BRD")) == ["B654321"]
    assert crns(client.get(f"{API}/people?crn=l123456")) == ["L123456"]
    # "Pat" starts Patel (a surname) and Patrick (a first name), not Brown.
    assert crns(client.get(f"{API}/people?name=pat")) == ["L200001", "L123456"]
    assert crns(client.get(f"{API}/people?name=pat%20ahm")) == ["L200001"]
    assert crns(client.get(f"{API}/people?pdu=BRD&name=pat")) == []


def test_pages_are_limit_offset_in_surname_order(org, client_for):
    for n, surname in enumerate(["Evans", "Clark", "Adams", "Dixon", "Baker"]):
        make_person(org.po, org.leeds, f"L30000{n}", "Jo", surname)
    client = client_for(org.po)

    first = client.get(f"{API}/people?limit=2").json()
    second = client.get(f"{API}/people?limit=2&offset=2").json()
    assert first["count"] == second["count"] == 5
    assert [p["last_name"] for p in first["items"]] == ["Adams", "Baker"]
    assert [p["last_name"] for p in second["items"]] == ["Clark", "Dixon"]


def test_the_default_page_is_50_and_a_page_cannot_exceed_200(org, client_for):
    for n in range(55):
        make_person(org.po, org.leeds, f"L4{n:05d}")
    client = client_for(org.po)

    body = client.get(f"{API}/people").json()
    assert (len(body["items"]), body["count"]) == (50, 55)
    assert client.get(f"{API}/people?limit=200").status_code == 200
    assert client.get(f"{API}/people?limit=201").status_code == 422
    assert client.get(f"{API}/people?limit=0").status_code == 422


def test_listing_people_takes_the_same_few_queries_for_30_rows(
    org, client_for, django_assert_max_num_queries
):
    for n in range(30):
        make_person(org.po, org.leeds, f"L5{n:05d}")
    for staff in (org.po, org.analyst, org.admin):
        client = client_for(staff)
        # Token, last-used stamp, count, page (with PDU and diversity joined), access log.
        with django_assert_max_num_queries(6):
            response = client.get(f"{API}/people")
        assert len(response.json()["items"]) == 30


# --- registering -------------------------------------------------------------------------------------------


def payload(**changes) -> dict:
    return {
        "crn": "D100001",
        "first_name": "Dan",
        "last_name": "Reed",
        "date_of_birth": "1985-02-03",
        "sex": "M",
        "pdu": "LDS",
        **changes,
    }


def test_registering_a_person(org, client_for):
    response = client_for(org.po).post(
        f"{API}/people", payload(crn="d100001"), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    person = Person.objects.get(crn="D100001")
    assert response.json()["id"] == person.pk
    assert response.json()["diversity"]["ethnicity"] == "NR"
    assert person.pdu == org.leeds


def test_a_duplicate_crn_is_a_422_on_the_crn_field(org, asha, client_for):
    response = client_for(org.po).post(
        f"{API}/people", payload(crn="L123456"), content_type="application/json"
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["crn"]
    assert response.json()["detail"]
    assert Person.objects.count() == 1


def test_rule_breaks_are_reported_per_field(org, client_for):
    response = client_for(org.po).post(
        f"{API}/people",
        payload(crn="123", date_of_birth="2999-01-01", pdu="NOPE"),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"pdu"}

    response = client_for(org.po).post(
        f"{API}/people", payload(crn="123", date_of_birth="2999-01-01"), content_type="application/json"
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"date_of_birth"}
    assert Person.objects.count() == 0


def test_a_malformed_payload_is_a_422_naming_each_field(org, client_for):
    response = client_for(org.po).post(
        f"{API}/people", {"crn": "D100001", "sex": "X"}, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"]
    assert {"sex", "first_name", "last_name", "date_of_birth", "pdu"} == set(body["errors"])
    assert all(isinstance(m, str) for messages in body["errors"].values() for m in messages)
    assert Person.objects.count() == 0


@pytest.mark.parametrize("role", ["analyst", "inspector", "admin"])
def test_read_only_roles_may_not_register_people(org, client_for, role):
    # An administrator sees every record but, like analysts and inspectors, only reads them; the role is
    # refused before anything in the body is looked at (an unknown PDU too).
    client = client_for(getattr(org, role))
    for body in (payload(), payload(pdu="NOPE")):
        response = client.post(f"{API}/people", body, content_type="application/json")
        assert response.status_code == 403
        assert response.json()["detail"]
        assert response.json()["errors"] == {}
    assert Person.objects.count() == 0


def test_registering_logs_one_view_by_the_registrar(org, client_for):
    response = client_for(org.po).post(f"{API}/people", payload(), content_type="application/json")

    person = Person.objects.get(pk=response.json()["id"])
    assert [(e.staff, e.person_id, e.action) for e in AccessLogEntry.objects.all()] == [
        (org.po, person.pk, Action.VIEW)
    ]
