"""Correcting a person's record: their details (each change kept with the value before and why), their
addresses, and a diversity value entered in error (services, pages and API)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from evenhand.audit.models import AccessLogEntry, Action
from evenhand.equality.measures import Period, population_frame
from evenhand.org.models import Grade
from evenhand.people.models import (
    Address,
    Characteristic,
    DiversityEntry,
    DiversityProfile,
    Ethnicity,
    GenderIdentity,
    IdentifiedBy,
    Person,
    PersonChange,
)
from evenhand.people.selectors import value_in_force
from evenhand.people.services import (
    AddressIn,
    add_address,
    correct_diversity_entry,
    correct_person,
    exclude_staff,
    record_diversity_value,
)
from tests.factories import PDUFactory, PersonFactory, SentenceFactory, StaffMemberFactory, today

pytestmark = pytest.mark.django_db
D = dt.timedelta


@pytest.fixture
def case():
    person = PersonFactory(first_name="Jon", last_name="Smyth", pnc="")
    return person, StaffMemberFactory(pdu=person.pdu, with_user=True)


def client_for(staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


class TestCorrectPerson:
    def test_each_change_is_kept_with_the_value_before_and_why(self, case):
        person, po = case
        rows = correct_person(
            by=po,
            person=person,
            reason="Spelling from his passport",
            first_name="John",
            last_name="Smith",
            pnc="98/1234567L",
        )
        person.refresh_from_db()
        assert (person.first_name, person.last_name, person.pnc) == ("John", "Smith", "98/1234567L")
        assert sorted((r.field, r.old_value, r.new_value) for r in rows) == [
            ("first_name", "Jon", "John"),
            ("last_name", "Smyth", "Smith"),
            ("pnc", "", "98/1234567L"),
        ]
        assert {(r.reason, r.changed_by) for r in PersonChange.objects.all()} == {
            ("Spelling from his passport", po)
        }

    def test_a_field_given_as_it_was_is_no_change(self, case):
        person, po = case
        rows = correct_person(
            by=po, person=person, reason="New number", first_name="Jon", phone="0113 496 0000"
        )
        assert [r.field for r in rows] == ["phone"]
        with pytest.raises(ValidationError) as caught:
            correct_person(by=po, person=person, reason="Nothing", first_name="Jon")
        assert "Nothing has changed" in str(caught.value)

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"crn": "X000001"}, "crn"),
            ({"pdu": 1}, "pdu"),
            ({"first_name": " "}, "first_name"),
            ({"pnc": "98/1234567A"}, "pnc"),
            ({"date_of_birth": today() + D(1)}, "date_of_birth"),
            ({"email": "nope"}, "email"),
            ({"sex": "Q"}, "sex"),
        ],
    )
    def test_bad_input_is_refused_by_field_and_nothing_changes(self, case, changes, field):
        person, po = case
        with pytest.raises(ValidationError) as caught:
            correct_person(by=po, person=person, reason="Because", **changes)
        assert field in caught.value.message_dict
        person.refresh_from_db()
        assert (person.first_name, person.sex) == ("Jon", "M") or person.sex != "Q"
        assert not PersonChange.objects.exists()

    def test_a_reason_is_required(self, case):
        person, po = case
        with pytest.raises(ValidationError) as caught:
            correct_person(by=po, person=person, reason="", first_name="John")
        assert "reason" in caught.value.message_dict

    def test_another_persons_pnc_is_refused(self, case):
        person, po = case
        PersonFactory(pnc="98/1234567L")
        with pytest.raises(ValidationError) as caught:
            correct_person(by=po, person=person, reason="From court", pnc="98/1234567L")
        assert caught.value.message_dict["pnc"] == ["Another person's record has this PNC number"]

    @pytest.mark.parametrize("grade", [Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN])
    def test_read_only_roles_cannot(self, case, grade):
        person, _ = case
        with pytest.raises(PermissionDenied):
            correct_person(by=StaffMemberFactory(grade=grade), person=person, reason="x", first_name="John")
        assert not PersonChange.objects.exists()

    def test_another_pdu_and_an_excluded_practitioner_cannot(self, case):
        person, po = case
        head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=person.pdu)
        exclude_staff(by=head, person=person, staff=po, reason="A relative")
        for attacker in (po, StaffMemberFactory(pdu=PDUFactory())):
            with pytest.raises(PermissionDenied):
                correct_person(by=attacker, person=person, reason="x", first_name="John")
        assert not PersonChange.objects.exists()


class TestAddresses:
    def test_a_move_ends_the_current_address_the_day_before(self, case):
        person, po = case
        add_address(
            by=po, person=person, address=AddressIn("1 High St", "Leeds", "LS1 4AP", dt.date(2020, 1, 1))
        )
        add_address(
            by=po,
            person=person,
            address=AddressIn("2 Low Rd", "Leeds", "LS2 7EW", dt.date(2025, 3, 1)),
            replaces_current=True,
        )
        assert list(Address.objects.order_by("start_date").values_list("postcode", "end_date")) == [
            ("LS1 4AP", dt.date(2025, 2, 28)),
            ("LS2 7EW", None),
        ]

    def test_a_move_before_the_current_address_started_is_refused(self, case):
        person, po = case
        add_address(
            by=po, person=person, address=AddressIn("1 High St", "Leeds", "LS1 4AP", dt.date(2024, 1, 1))
        )
        with pytest.raises(ValidationError) as caught:
            add_address(
                by=po,
                person=person,
                address=AddressIn("2 Low Rd", "Leeds", "LS2 7EW", dt.date(2023, 1, 1)),
                replaces_current=True,
            )
        assert "addresses.0.start_date" in caught.value.message_dict
        assert Address.objects.get().end_date is None

    def test_read_only_roles_cannot(self, case):
        person, _ = case
        with pytest.raises(PermissionDenied):
            add_address(
                by=StaffMemberFactory(grade=Grade.INSPECTOR),
                person=person,
                address=AddressIn("1 High St", "Leeds", "LS1 4AP", dt.date(2024, 1, 1)),
            )


class TestDiversityCorrection:
    def record(self, po, person, value, on):
        return record_diversity_value(
            by=po,
            person=person,
            characteristic="ethnicity",
            value=value,
            identified_by="self",
            identified_on=on,
        )

    def test_a_corrected_row_is_never_in_force_and_the_equality_engine_ignores_it(self, case):
        person, po = case
        sentence = SentenceFactory(person=person, start_date=today() - D(700))
        wrong = self.record(po, person, Ethnicity.ASIAN_CHINESE, today() - D(400))
        correction = correct_diversity_entry(
            by=po,
            entry=wrong,
            value=Ethnicity.ASIAN_INDIAN,
            identified_by=IdentifiedBy.SELF,
            identified_on=today() - D(400),
            reason="Recorded against the wrong person",
        )
        assert (correction.corrects, correction.correction_reason) == (
            wrong,
            "Recorded against the wrong person",
        )
        assert value_in_force(person, Characteristic.ETHNICITY, today() - D(300)) == "A3"
        assert DiversityProfile.objects.get(person=person).ethnicity == "A3"
        row = population_frame(Period(today() - D(350), today() - D(300))).loc[sentence.pk]
        assert row["ethnicity"] == "A3"
        assert DiversityEntry.objects.count() == 2  # the wrong row stays in the history

    def test_a_row_is_corrected_once(self, case):
        person, po = case
        wrong = self.record(po, person, Ethnicity.ASIAN_CHINESE, today())
        fields = {"value": "A3", "identified_by": "self", "identified_on": today(), "reason": "Wrong"}
        correct_diversity_entry(by=po, entry=wrong, **fields)
        with pytest.raises(ValidationError) as caught:
            correct_diversity_entry(by=po, entry=wrong, **fields)
        assert "corrects" in caught.value.message_dict

    def test_a_correction_needs_a_reason_and_follows_the_rules(self, case):
        person, po = case
        wrong = self.record(po, person, Ethnicity.ASIAN_CHINESE, today())
        with pytest.raises(ValidationError) as caught:
            correct_diversity_entry(
                by=po, entry=wrong, value="A3", identified_by="self", identified_on=today(), reason=""
            )
        assert "reason" in caught.value.message_dict
        with pytest.raises(ValidationError) as caught:
            correct_diversity_entry(
                by=po, entry=wrong, value="PNS", identified_by="staff", identified_on=today(), reason="x"
            )
        assert "identified_by" in caught.value.message_dict
        assert DiversityEntry.objects.count() == 1

    def test_a_gender_identity_without_own_words_shows_its_label(self, case):
        person, po = case
        record_diversity_value(
            by=po,
            person=person,
            characteristic="gender_identity",
            value=GenderIdentity.DIFFERENT,
            identified_by="self",
            identified_on=today(),
        )
        assert DiversityProfile.objects.get(person=person).gender_identity == GenderIdentity.DIFFERENT.label


def date_parts(prefix, day):
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


class TestPages:
    def test_changing_details_on_the_page(self, case):
        person, po = case
        client = client_for(po)
        url = reverse("person-details", args=[person.pk])
        assert "Jon" in client.get(url).content.decode()
        data = {
            "first_name": "John",
            "middle_names": "",
            "last_name": "Smyth",
            "preferred_name": "",
            **date_parts("date_of_birth", person.date_of_birth),
            "sex": person.sex,
            "pnc": "",
            "first_language": person.first_language,
            "interpreter_required": "no",
            "phone": "",
            "email": "",
            "reason": "Spelling from his passport",
        }
        response = client.post(url, data)
        assert response.status_code == 302
        assert [(c.field, c.old_value, c.new_value) for c in PersonChange.objects.all()] == [
            ("first_name", "Jon", "John")
        ]
        assert "Spelling from his passport" in client.get(url).content.decode()
        missing_reason = client.post(url, data | {"first_name": "Johnny", "reason": ""})
        assert "Enter why you are changing this" in missing_reason.content.decode()

    def test_adding_an_address_on_the_page(self, case):
        person, po = case
        response = client_for(po).post(
            reverse("add-address", args=[person.pk]),
            {
                "line_1": "1 High St",
                "town": "Leeds",
                "postcode": "LS1 4AP",
                **date_parts("start_date", dt.date(2024, 5, 1)),
                "replaces_current": "yes",
            },
        )
        assert response.status_code == 302
        assert Address.objects.get(person=person).postcode == "LS1 4AP"

    def test_correcting_a_diversity_value_on_the_page(self, case):
        person, po = case
        wrong = record_diversity_value(
            by=po,
            person=person,
            characteristic="religion",
            value="jewish",
            identified_by="self",
            identified_on=today(),
        )
        client = client_for(po)
        assert (
            f"?corrects={wrong.pk}"
            in client.get(reverse("person-diversity", args=[person.pk])).content.decode()
        )
        url = reverse("record-diversity", args=[person.pk]) + f"?corrects={wrong.pk}"
        assert "Correct religion or belief" in client.get(url).content.decode()
        response = client.post(
            url,
            {
                "value": "hindu",
                "identified_by": "self",
                **date_parts("identified_on", today()),
                "reason": "Misheard",
            },
        )
        assert response.status_code == 302
        page = client.get(reverse("person-diversity", args=[person.pk])).content.decode()
        assert "Corrected" in page and "Misheard" in page
        # Another person's row is not one of this person's.
        other = PersonFactory(pdu=person.pdu)
        theirs = record_diversity_value(
            by=po,
            person=other,
            characteristic="religion",
            value="sikh",
            identified_by="self",
            identified_on=today(),
        )
        assert (
            client.get(reverse("record-diversity", args=[person.pk]) + f"?corrects={theirs.pk}").status_code
            == 404
        )

    @pytest.mark.parametrize("grade", [Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN])
    def test_read_only_roles_are_refused_and_logged(self, case, grade):
        person, _ = case
        attacker = StaffMemberFactory(grade=grade, with_user=True)
        client = client_for(attacker)
        for name in ("person-details", "add-address"):
            assert client.get(reverse(name, args=[person.pk])).status_code in (403, 404)
        assert client.post(
            reverse("person-details", args=[person.pk]), {"reason": "x", "first_name": "A"}
        ).status_code in (403, 404)
        assert not PersonChange.objects.exists()
        assert Person.objects.get(pk=person.pk).first_name == "Jon"


class TestApi:
    @pytest.fixture
    def api(self, case):
        from evenhand.api.services import issue_api_token

        person, po = case
        token = issue_api_token(staff=po, name="test").raw
        return person, po, Client(headers={"Authorization": f"Bearer {token}"})

    def test_patch_changes_only_what_is_given(self, api):
        person, _, client = api
        response = client.patch(
            f"/api/v1/people/{person.pk}",
            {"reason": "Passport", "first_name": "John"},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        assert (response.json()["first_name"], response.json()["last_name"]) == ("John", "Smyth")
        bad = client.patch(
            f"/api/v1/people/{person.pk}", {"reason": "x", "pnc": "12"}, content_type="application/json"
        )
        assert bad.status_code == 422 and "pnc" in bad.json()["errors"]

    def test_adding_an_address_and_correcting_diversity(self, api):
        person, po, client = api
        response = client.post(
            f"/api/v1/people/{person.pk}/addresses",
            {"line_1": "1 High St", "town": "Leeds", "postcode": "LS1", "start_date": "2024-01-01"},
            content_type="application/json",
        )
        assert response.status_code == 422 and "postcode" in response.json()["errors"]
        wrong = record_diversity_value(
            by=po,
            person=person,
            characteristic="religion",
            value="jewish",
            identified_by="self",
            identified_on=today(),
        )
        body = {
            "corrects": wrong.pk,
            "characteristic": "religion",
            "value": "hindu",
            "identified_by": "self",
            "identified_on": today().isoformat(),
            "reason": "Misheard",
        }
        mismatched = client.post(
            f"/api/v1/people/{person.pk}/diversity/corrections",
            body | {"characteristic": "ethnicity"},
            content_type="application/json",
        )
        assert mismatched.status_code == 422 and "characteristic" in mismatched.json()["errors"]
        response = client.post(
            f"/api/v1/people/{person.pk}/diversity/corrections", body, content_type="application/json"
        )
        assert response.status_code == 201, response.content
        assert (response.json()["is_correction"], response.json()["value"]) == (True, "hindu")
        history = client.get(f"/api/v1/people/{person.pk}/diversity").json()["history"]
        assert [e["is_corrected"] for e in history if e["value"] == "jewish"] == [True]

    def test_another_pdus_practitioner_gets_404_and_is_logged(self, api):
        from evenhand.api.services import issue_api_token

        person, _, _ = api
        other = StaffMemberFactory(pdu=PDUFactory())
        client = Client(headers={"Authorization": f"Bearer {issue_api_token(staff=other, name='t').raw}"})
        response = client.patch(
            f"/api/v1/people/{person.pk}", {"reason": "x", "first_name": "Z"}, content_type="application/json"
        )
        assert response.status_code == 404
        assert AccessLogEntry.objects.filter(staff=other, person_id=person.pk, action=Action.REFUSED).exists()
        assert Person.objects.get(pk=person.pk).first_name == "Jon"
