"""The pages for registering a person, their diversity profile and who may see their record: the rules
through the web, and attacks (another PDU's practitioner, an analyst, someone on the exclusion list)."""

import datetime as dt
from html import unescape
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from evenhand.audit.models import AccessLogEntry, Action, Channel
from evenhand.org.models import Grade, StaffMember
from evenhand.people.access import record_token
from evenhand.people.models import (
    DistinctPersonNote,
    DiversityEntry,
    DiversityProfile,
    Ethnicity,
    Exclusion,
    Person,
    Restriction,
)
from evenhand.people.services import add_to_access_list, record_diversity_value
from tests.factories import PDUFactory, PersonFactory, StaffMemberFactory, names, today

pytestmark = pytest.mark.django_db

BORN = dt.date(1985, 6, 15)


def staff(grade: str = Grade.PO, **kwargs: Any) -> StaffMember:
    return StaffMemberFactory(grade=grade, with_user=True, **kwargs)


def client_for(member: StaffMember) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def date_parts(prefix: str, day: dt.date) -> dict[str, str]:
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def registration(**changes: str) -> dict[str, str]:
    return {
        "crn_source": "assign",
        "crn": "",
        "first_name": "Muhammad",
        "last_name": "Khan",
        "sex": "M",
        "first_language": "Urdu",
        "interpreter_required": "yes",
        "pnc": "98/1234567L",
        "address_line_1": "1 High Street",
        "address_town": "Leeds",
        "address_postcode": "LS1 4AP",
        **date_parts("address_from", dt.date(2024, 1, 1)),
        **date_parts("date_of_birth", BORN),
    } | changes


REGISTER = reverse("person-register")


class TestRegisterPage:
    def test_a_practitioner_registers_a_person_and_goes_on_to_their_diversity_profile(self):
        po = staff()
        response = client_for(po).post(REGISTER, registration())
        person = Person.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("person-diversity", args=[person.pk])
        assert (person.crn, person.pnc, person.first_language, person.interpreter_required) == (
            "E000001",
            "98/1234567L",
            "Urdu",
            True,
        )
        assert person.pdu == po.team.pdu
        assert list(person.addresses.values_list("postcode", "start_date")) == [
            ("LS1 4AP", dt.date(2024, 1, 1))
        ]

    def test_an_existing_crn_can_be_entered(self):
        client_for(staff()).post(REGISTER, registration(crn_source="entered", crn="x765432"))
        assert Person.objects.get().crn == "X765432"

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"crn_source": "entered", "crn": "12"}, "crn", "Enter a CRN as one capital letter"),
            ({"pnc": "98/1234567A"}, "pnc", "check letter"),
            (
                {**date_parts("date_of_birth", today() + dt.timedelta(days=2))},
                "date_of_birth",
                "Date of birth",
            ),
            ({"address_postcode": "nowhere"}, "address_postcode", "Enter a real postcode"),
            ({"email": "no"}, "email", "Enter an email address"),
        ],
    )
    def test_bad_input_is_shown_on_its_field_and_nothing_is_saved(self, changes, field, message):
        response = client_for(staff()).post(REGISTER, registration(**changes))
        assert response.status_code == 200
        text = response.content.decode()
        assert f'href="#id_{field}' in text or f'href="#{field}' in text or f"id_{field}" in text
        assert message in text
        assert Person.objects.count() == 0

    def test_possible_duplicates_are_shown_and_nothing_is_saved(self):
        po = staff()
        held = PersonFactory(first_name="Mohammed", last_name="Khan", date_of_birth=BORN, pdu=po.team.pdu)
        response = client_for(po).post(REGISTER, registration())
        text = response.content.decode()
        assert response.status_code == 200
        assert "This person may already be held" in text
        assert held.crn in text and reverse("person-detail", args=[held.pk]) in text
        assert "Why is this a different person?" in text
        assert Person.objects.count() == 1
        # The candidates shown are logged as an export of their records.
        assert AccessLogEntry.objects.filter(staff=po, person_id=held.pk, action=Action.EXPORT).exists()

    def test_saying_why_registers_the_person_and_keeps_the_reason(self):
        po = staff()
        held = PersonFactory(first_name="Mohammed", last_name="Khan", date_of_birth=BORN, pdu=po.team.pdu)
        client_for(po).post(REGISTER, registration(distinct_reason="Different PNC and a different mother"))
        note = DistinctPersonNote.objects.get()
        assert (note.other, note.reason, note.recorded_by) == (
            held,
            "Different PNC and a different mother",
            po,
        )

    def test_a_candidate_the_registrar_may_not_see_is_counted_not_shown(self):
        po = staff()
        hidden = PersonFactory(first_name="Mohammed", last_name="Khan", date_of_birth=BORN, pdu=PDUFactory())
        text = client_for(po).post(REGISTER, registration()).content.decode()
        assert "1 possible match is in records you cannot open" in text
        assert hidden.crn not in text and hidden.first_name not in text
        assert not AccessLogEntry.objects.filter(person_id=hidden.pk).exists()
        assert Person.objects.count() == 1

    @pytest.mark.parametrize("grade", [Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN])
    def test_read_only_roles_are_refused(self, grade):
        client = client_for(staff(grade))
        assert client.get(REGISTER).status_code == 403
        assert client.post(REGISTER, registration()).status_code == 403
        assert Person.objects.count() == 0

    def test_the_search_page_links_to_it_for_casework_roles_only(self):
        assert REGISTER in client_for(staff()).get(reverse("person-search")).content.decode()
        assert (
            REGISTER not in client_for(staff(Grade.INSPECTOR)).get(reverse("person-search")).content.decode()
        )


@pytest.fixture
def case():
    pdu = PDUFactory()
    po = staff(pdu=pdu)
    head = staff(Grade.HEAD_OF_PDU, pdu=pdu)
    person = PersonFactory(pdu=pdu, diversity__ethnicity=Ethnicity.NOT_RECORDED)
    return person, po, head


def diversity_url(person: Person, suffix: str = "") -> str:
    return reverse("person-diversity", args=[person.pk]) + suffix


class TestDiversityPages:
    def test_recording_a_change_adds_a_row_and_the_profile_shows_its_history(self, case):
        person, po, _ = case
        client = client_for(po)
        url = reverse("record-diversity", args=[person.pk]) + "?characteristic=religion"
        form = client.get(url).content.decode()
        assert "Muslim" in form and "Religion or belief" in form
        response = client.post(
            url, {"value": "muslim", "identified_by": "self", **date_parts("identified_on", today())}
        )
        assert response.status_code == 302
        client.post(url, {"value": "none", "identified_by": "self", **date_parts("identified_on", today())})
        assert list(DiversityEntry.objects.order_by("pk").values_list("value", flat=True)) == [
            "muslim",
            "none",
        ]
        page = client.get(diversity_url(person)).content.decode()
        assert page.count("Religion or belief") >= 3  # the summary and both rows of the history
        assert "Muslim" in page and "No religion" in page
        assert AccessLogEntry.objects.filter(
            staff=po, person_id=person.pk, action=Action.VIEW, detail="Diversity profile"
        ).exists()

    def test_a_rule_broken_is_shown_on_its_field(self, case):
        person, po, _ = case
        url = reverse("record-diversity", args=[person.pk]) + "?characteristic=sexual_orientation"
        response = client_for(po).post(
            url, {"value": "bisexual", "identified_by": "staff", **date_parts("identified_on", today())}
        )
        assert response.status_code == 200
        assert "never from observation" in response.content.decode()
        assert not DiversityEntry.objects.exists()

    def test_an_analyst_sees_the_history_pseudonymised(self, case):
        person, po, _ = case
        record_diversity_value(
            by=po,
            person=person,
            characteristic="disability",
            value="yes",
            identified_by="self",
            identified_on=today(),
            detail="Needs a ground-floor room",
        )
        analyst = staff(Grade.ANALYST)
        response = client_for(analyst).get(
            reverse("person-diversity", args=[record_token("person", person.pk)])
        )
        text = response.content.decode()
        assert response.status_code == 200
        assert "Disability" in text and "Yes" in text
        assert "ground-floor" not in text and not names(text, person)
        assert po.last_name not in text
        # Nor can an analyst open the form.
        assert (
            client_for(analyst)
            .get(reverse("record-diversity", args=[record_token("person", person.pk)]))
            .status_code
            == 403
        )

    def test_an_administrator_does_not_see_special_category_data(self, case):
        person, _, _ = case
        admin = staff(Grade.ADMIN)
        assert client_for(admin).get(diversity_url(person)).status_code == 403
        assert AccessLogEntry.objects.filter(staff=admin, person_id=person.pk, action=Action.REFUSED).exists()

    def test_another_pdus_practitioner_and_an_excluded_one_are_refused_and_logged(self, case):
        person, po, head = case
        other = staff(pdu=PDUFactory())
        add_to_access_list(
            by=head,
            person=person,
            list_name="exclusion",
            staff=po,
            reason="A relative",
            review_on=today() + dt.timedelta(days=30),
        )
        for attacker in (other, po):
            client = client_for(attacker)
            assert client.get(diversity_url(person)).status_code == 403
            url = reverse("record-diversity", args=[person.pk])
            assert client.get(url).status_code == 403
            assert (
                client.post(
                    url, {"value": "W1", "identified_by": "self", **date_parts("identified_on", today())}
                ).status_code
                == 403
            )
            assert (
                AccessLogEntry.objects.filter(
                    staff=attacker, person_id=person.pk, action=Action.REFUSED
                ).count()
                == 3
            )
        assert not DiversityEntry.objects.exists()
        assert DiversityProfile.objects.get(person=person).ethnicity == "NR"


class TestAccessPage:
    def add(self, client, person, **changes):
        data = {
            "action": "add",
            "list_name": "restriction",
            "staff_code": "",
            "reason": "High-profile case",
            **date_parts("review_on", today() + dt.timedelta(days=60)),
        } | changes
        return client.post(reverse("person-access", args=[person.pk]), data)

    def test_a_head_of_pdu_restricts_a_record_and_the_page_says_who_manages_it(self, case):
        person, po, head = case
        client = client_for(head)
        response = self.add(client, person, staff_code=po.staff_code.lower())
        assert response.status_code == 302
        assert set(Restriction.objects.values_list("staff_id", flat=True)) == {po.pk, head.pk}
        # Unescaped: a name such as O'Connor is written &#x27; in the HTML.
        text = unescape(client.get(reverse("person-access", args=[person.pk])).content.decode())
        assert "Restricted record" in text and f"Managed by {head.full_name}" in text
        assert po.full_name in text and "High-profile case" in text
        event = AccessLogEntry.objects.filter(action=Action.ACCESS).first()
        assert (event.staff, event.person_id, event.channel) == (head, person.pk, Channel.UI)

    def test_removing_with_a_reason(self, case):
        person, po, head = case
        client = client_for(head)
        self.add(client, person, list_name="exclusion", staff_code=po.staff_code, reason="Neighbour")
        response = client.post(
            reverse("person-access", args=[person.pk]),
            {"action": "remove", "list_name": "exclusion", "staff_code": po.staff_code, "reason": "Moved"},
        )
        assert response.status_code == 302
        assert not Exclusion.objects.exists()
        assert AccessLogEntry.objects.filter(action=Action.ACCESS).count() == 2

    def test_leaving_nobody_to_manage_is_refused_on_the_page(self, case):
        person, po, head = case
        client = client_for(head)
        self.add(client, person, staff_code=po.staff_code)
        response = client.post(
            reverse("person-access", args=[person.pk]),
            {
                "action": "remove",
                "list_name": "restriction",
                "staff_code": head.staff_code,
                "reason": "Leaving",
            },
        )
        assert response.status_code == 200
        assert "nobody able to manage the case" in response.content.decode()
        assert Restriction.objects.filter(staff=head).exists()

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"staff_code": "NOBODY"}, "There is no member of staff with this code"),
            ({"reason": ""}, "Enter the reason"),
            (
                {"review-on": ""} | {"review_on-day": "", "review_on-month": "", "review_on-year": ""},
                "review",
            ),
        ],
    )
    def test_bad_input_is_shown_and_nothing_changes(self, case, changes, message):
        person, po, head = case
        data = {"staff_code": po.staff_code} | changes
        response = self.add(client_for(head), person, **data)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Restriction.objects.exists()
        assert not AccessLogEntry.objects.filter(action=Action.ACCESS).exists()

    def test_attackers_are_refused_and_logged(self, case):
        person, po, head = case
        other_head = staff(Grade.HEAD_OF_PDU, pdu=PDUFactory())
        excluded_head = staff(Grade.HEAD_OF_PDU, pdu=person.pdu)
        add_to_access_list(
            by=head,
            person=person,
            list_name="exclusion",
            staff=excluded_head,
            reason="Conflict",
            review_on=today() + dt.timedelta(days=30),
        )
        attackers = [
            po,
            staff(Grade.SPO, pdu=person.pdu),
            staff(Grade.ANALYST),
            staff(Grade.INSPECTOR),
            staff(Grade.ADMIN),
            other_head,
            excluded_head,
        ]
        for attacker in attackers:
            client = client_for(attacker)
            ref = record_token("person", person.pk) if attacker.role == "analyst" else person.pk
            url = reverse("person-access", args=[ref])
            assert client.get(url).status_code == 403, attacker.role
            response = client.post(
                url,
                {
                    "action": "remove",
                    "list_name": "exclusion",
                    "staff_code": excluded_head.staff_code,
                    "reason": "x",
                },
            )
            assert response.status_code == 403, attacker.role
            assert (
                AccessLogEntry.objects.filter(
                    staff=attacker, person_id=person.pk, action=Action.REFUSED
                ).count()
                == 2
            )
        assert Exclusion.objects.filter(staff=excluded_head).exists()

    def test_an_administrator_manages_where_the_service_says_so(self, case):
        person, po, _ = case
        admin = staff(Grade.ADMIN)
        with override_settings(EVENHAND_ADMINS_MANAGE_ACCESS=True):
            response = self.add(client_for(admin), person, list_name="exclusion", staff_code=po.staff_code)
        assert response.status_code == 302
        assert Exclusion.objects.filter(staff=po, added_by=admin).exists()
