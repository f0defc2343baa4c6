"""The person's record through the API: registering (CRN given or entered, the duplicate check), the diversity
profile and its history, and who may see the record; the same rules and messages as the web, and attacks."""

import datetime as dt
from typing import Any

import pytest

from evenhand.audit.models import AccessLogEntry, Action, Channel
from evenhand.people.access import record_token
from evenhand.people.models import DistinctPersonNote, DiversityEntry, Exclusion, Person, Restriction
from evenhand.people.services import exclude_staff
from tests.api.conftest import API, make_person, today

pytestmark = pytest.mark.django_db

BORN = "1988-02-29"


def body(**changes: Any) -> dict[str, Any]:
    return {
        "first_name": "Muhammad",
        "last_name": "Khan",
        "date_of_birth": BORN,
        "sex": "M",
        "pdu": "LDS",
        "pnc": "98/1234567L",
        "addresses": [
            {"line_1": "1 High St", "town": "Leeds", "postcode": "LS1 4AP", "start_date": "2024-01-01"}
        ],
    } | changes


class TestRegister:
    def test_evenhand_gives_the_crn(self, org, client_for):
        response = client_for(org.po).post(f"{API}/people", body(), content_type="application/json")
        assert response.status_code == 201, response.content
        data = response.json()
        assert (data["crn"], data["pnc"], data["restricted"]) == ("E000001", "98/1234567L", False)
        assert data["addresses"] == [
            {
                "line_1": "1 High St",
                "line_2": "",
                "town": "Leeds",
                "postcode": "LS1 4AP",
                "start_date": "2024-01-01",
                "end_date": None,
            }
        ]

    def test_a_crn_already_held_is_entered_and_checked(self, org, client_for):
        client = client_for(org.po)
        assert (
            client.post(f"{API}/people", body(crn="X123456"), content_type="application/json").status_code
            == 201
        )
        again = client.post(
            f"{API}/people", body(crn="X123456", first_name="Other", pnc=""), content_type="application/json"
        )
        assert again.status_code == 422
        assert again.json()["errors"] == {"crn": ["CRN X123456 is already used by another person"]}

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"pnc": "98/1234567A"}, "pnc"),
            ({"date_of_birth": (today() + dt.timedelta(days=1)).isoformat()}, "date_of_birth"),
            ({"crn": "E12"}, "crn"),
            ({"gender_identity": "maybe"}, "gender_identity"),
            (
                {
                    "addresses": [
                        {"line_1": "1", "town": "Leeds", "postcode": "??", "start_date": "2024-01-01"}
                    ]
                },
                "addresses.0.postcode",
            ),
        ],
    )
    def test_bad_input_names_the_field_and_writes_nothing(self, org, client_for, changes, field):
        response = client_for(org.po).post(f"{API}/people", body(**changes), content_type="application/json")
        assert response.status_code == 422
        assert field in response.json()["errors"]
        assert not Person.objects.exists()

    def test_possible_duplicates_answer_409_and_a_reason_registers(self, org, client_for):
        held = make_person(org.po, org.leeds, "L111111", "Mohammed", "Khan")
        held.date_of_birth = dt.date(1988, 2, 29)
        held.save()
        hidden = make_person(org.bradford_po, org.bradford, "B111111", "Khan", "Mohamed")
        hidden.date_of_birth = dt.date(1988, 2, 29)
        hidden.save()
        client = client_for(org.po)
        response = client.post(f"{API}/people", body(pnc=""), content_type="application/json")
        assert response.status_code == 409
        data = response.json()
        assert "1 more is in records you may not open" in data["detail"]
        assert data["errors"]["candidates"] == [
            f"{held.pk}: Mohammed Khan, CRN L111111, born 29 February 1988, Leeds: Same date of birth and a "
            "similar name (100% alike)"
        ]
        assert "distinct_reason" in data["errors"]
        assert "B111111" not in response.content.decode()
        assert Person.objects.count() == 2
        assert AccessLogEntry.objects.filter(staff=org.po, person_id=held.pk, action=Action.EXPORT).exists()
        response = client.post(
            f"{API}/people",
            body(pnc="", distinct_reason="Different mother's name"),
            content_type="application/json",
        )
        assert response.status_code == 201
        assert DistinctPersonNote.objects.filter(reason="Different mother's name").count() == 2

    @pytest.mark.parametrize("role", ["analyst", "inspector", "admin"])
    def test_read_only_roles_may_not_register(self, org, client_for, role):
        response = client_for(getattr(org, role)).post(
            f"{API}/people", body(), content_type="application/json"
        )
        assert response.status_code == 403
        assert not Person.objects.exists()


class TestDiversity:
    def entry(self, **changes: Any) -> dict[str, Any]:
        return {
            "characteristic": "religion",
            "value": "sikh",
            "identified_by": "self",
            "identified_on": today().isoformat(),
        } | changes

    def test_recording_and_reading_the_history(self, org, asha, client_for):
        client = client_for(org.po)
        response = client.post(
            f"{API}/people/{asha.pk}/diversity", self.entry(), content_type="application/json"
        )
        assert response.status_code == 201, response.content
        assert response.json()["value_label"] == "Sikh"
        page = client.get(f"{API}/people/{asha.pk}/diversity").json()
        assert page["person"]["diversity"]["religion"] == "sikh"
        newest = page["history"][0]
        assert (newest["characteristic"], newest["value"]) == ("religion", "sikh")
        # The religion recorded before (Hindu) is still there.
        assert ("religion", "hindu") in [(e["characteristic"], e["value"]) for e in page["history"]]

    def test_a_rule_broken_is_a_422_naming_the_field(self, org, asha, client_for):
        response = client_for(org.po).post(
            f"{API}/people/{asha.pk}/diversity",
            self.entry(characteristic="sexual_orientation", value="bisexual", identified_by="staff"),
            content_type="application/json",
        )
        assert response.status_code == 422
        assert "never from observation" in response.json()["errors"]["identified_by"][0]

    def test_an_analyst_reads_it_by_token_without_names_or_free_text(self, org, asha, client_for):
        response = client_for(org.analyst).get(f"{API}/people/{record_token('person', asha.pk)}/diversity")
        assert response.status_code == 200
        text = response.content.decode()
        assert "Asha" not in text and "L123456" not in text and "Woman" not in text
        assert all(e["recorded_by_name"] is None for e in response.json()["history"])

    def test_refusals(self, org, asha, client_for):
        assert client_for(org.admin).get(f"{API}/people/{asha.pk}/diversity").status_code == 403
        assert client_for(org.bradford_po).get(f"{API}/people/{asha.pk}/diversity").status_code == 404
        for member in (org.inspector, org.bradford_po):
            response = client_for(member).post(
                f"{API}/people/{asha.pk}/diversity", self.entry(), content_type="application/json"
            )
            assert response.status_code in (403, 404)
        exclude_staff(by=org.head, person=asha, staff=org.pso, reason="A relative")
        response = client_for(org.pso).post(
            f"{API}/people/{asha.pk}/diversity", self.entry(), content_type="application/json"
        )
        assert response.status_code == 404
        assert not DiversityEntry.objects.filter(characteristic="religion", value="sikh").exists()
        refused = AccessLogEntry.objects.filter(person_id=asha.pk, action=Action.REFUSED, channel=Channel.API)
        assert {e.staff for e in refused} == {org.admin, org.bradford_po, org.inspector, org.pso}


class TestAccess:
    def change(self, **changes: Any) -> dict[str, Any]:
        return {
            "action": "add",
            "list_name": "restriction",
            "staff_code": "LDSPO",
            "reason": "High-profile case",
            "review_on": (today() + dt.timedelta(days=60)).isoformat(),
        } | changes

    def test_a_head_of_pdu_restricts_and_the_record_says_who_manages_it(self, org, asha, client_for):
        client = client_for(org.head)
        response = client.post(
            f"{API}/people/{asha.pk}/access", self.change(), content_type="application/json"
        )
        assert response.status_code == 200, response.content
        data = response.json()
        assert {e["staff_code"] for e in data["restrictions"]} == {"LDSPO", "LDSHEAD"}
        person = client_for(org.po).get(f"{API}/people/{asha.pk}").json()
        assert (person["restricted"], person["managed_by"]) == (True, ["Ldshead Officer"])
        assert client_for(org.pso).get(f"{API}/people/{asha.pk}").status_code == 404
        assert (
            AccessLogEntry.objects.filter(staff=org.head, action=Action.ACCESS, channel=Channel.API).count()
            == 2
        )

    def test_leaving_nobody_to_manage_is_a_422(self, org, asha, client_for):
        client = client_for(org.head)
        client.post(f"{API}/people/{asha.pk}/access", self.change(), content_type="application/json")
        response = client.post(
            f"{API}/people/{asha.pk}/access",
            self.change(action="remove", staff_code="LDSHEAD", reason="Leaving"),
            content_type="application/json",
        )
        assert response.status_code == 422
        assert "nobody able to manage" in response.json()["errors"]["staff_code"][0]
        assert Restriction.objects.filter(staff=org.head).exists()

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"staff_code": "NOBODY"}, "staff_code"),
            ({"review_on": None}, "review_on"),
            ({"review_on": today().isoformat()}, "review_on"),
            ({"reason": ""}, "reason"),
            ({"list_name": "favourites"}, "list_name"),
        ],
    )
    def test_bad_input_is_a_422_naming_the_field(self, org, asha, client_for, changes, field):
        response = client_for(org.head).post(
            f"{API}/people/{asha.pk}/access", self.change(**changes), content_type="application/json"
        )
        assert response.status_code == 422
        assert field in response.json()["errors"]
        assert not Restriction.objects.exists()

    def test_attackers(self, org, asha, client_for):
        exclude_staff(by=org.head, person=asha, staff=org.pso, reason="A relative")
        for member in (org.po, org.spo, org.inspector, org.admin):
            client = client_for(member)
            assert client.get(f"{API}/people/{asha.pk}/access").status_code == 403
            response = client.post(
                f"{API}/people/{asha.pk}/access",
                self.change(action="remove", list_name="exclusion", staff_code="LDSPSO", reason="x"),
                content_type="application/json",
            )
            assert response.status_code == 403
        for member in (org.pso, org.bradford_po):
            assert client_for(member).get(f"{API}/people/{asha.pk}/access").status_code == 404
        token = record_token("person", asha.pk)
        assert client_for(org.analyst).get(f"{API}/people/{token}/access").status_code == 403
        assert Exclusion.objects.filter(staff=org.pso).exists()
        assert not AccessLogEntry.objects.filter(action=Action.ACCESS).exclude(staff=org.head).exists()
