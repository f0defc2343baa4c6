import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evenhand.core.dates import years_after
from evenhand.org.models import Grade
from evenhand.people.access import can_view_person
from evenhand.people.models import (
    Characteristic,
    Disability,
    DiversityEntry,
    DiversityProfile,
    EthnicGroup,
    Ethnicity,
    Exclusion,
    GenderIdentity,
    IdentifiedBy,
    Person,
    Religion,
    Restriction,
    Sex,
)
from evenhand.people.services import (
    create_person,
    exclude_staff,
    record_diversity,
    record_diversity_value,
    restrict_to_staff,
)
from tests.factories import PDUFactory, PersonFactory, StaffMemberFactory, today

pytestmark = pytest.mark.django_db


def new_person(by, **overrides):
    fields = {
        "crn": "X123456",
        "first_name": "Kwame",
        "last_name": "Mensah",
        "date_of_birth": dt.date(1990, 4, 1),
        "sex": Sex.MALE,
        "pdu": by.team.pdu if by.team else PDUFactory(),
    }
    return create_person(by=by, **(fields | overrides))


class TestCreatePerson:
    @pytest.mark.parametrize("grade", [Grade.PSO, Grade.PO, Grade.SPO, Grade.HEAD_OF_PDU])
    def test_casework_roles_register_a_person_with_an_empty_diversity_profile(self, grade):
        staff = StaffMemberFactory(grade=grade)
        person = new_person(staff, first_name="  Kwame ", last_name=" Mensah  ", first_language="  ")
        person.refresh_from_db()
        assert (person.crn, person.first_name, person.last_name) == ("X123456", "Kwame", "Mensah")
        assert person.first_language == "English"
        profile = DiversityProfile.objects.get(person=person)
        assert profile.ethnicity == Ethnicity.NOT_RECORDED
        assert profile.ethnic_group == EthnicGroup.NOT_RECORDED
        assert profile.religion == Religion.NOT_RECORDED
        assert profile.disability == Disability.NOT_RECORDED

    @pytest.mark.parametrize("grade", [Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN])
    def test_read_only_roles_cannot_register_people(self, grade):
        # Administrators work across the service but, like analysts and inspectors, only read.
        with pytest.raises(PermissionDenied, match="Only practitioners"):
            new_person(StaffMemberFactory(grade=grade), pdu=PDUFactory())
        assert Person.objects.count() == 0
        assert DiversityProfile.objects.count() == 0

    @pytest.mark.parametrize("grade", [Grade.PSO, Grade.PO, Grade.SPO, Grade.HEAD_OF_PDU])
    def test_pdu_staff_register_people_only_in_their_own_pdu(self, grade):
        staff = StaffMemberFactory(grade=grade)
        with pytest.raises(ValidationError) as caught:
            new_person(staff, pdu=PDUFactory())
        assert "pdu" in caught.value.message_dict
        assert Person.objects.count() == 0

    def test_crn_is_normalised(self):
        person = new_person(StaffMemberFactory(), crn="  x654321 ")
        assert Person.objects.get(pk=person.pk).crn == "X654321"

    @pytest.mark.parametrize("crn", ["X12345", "XX12345", "1234567", "X1234567", "", "X12345O"])
    def test_invalid_crn_reported_by_field(self, crn):
        with pytest.raises(ValidationError) as caught:
            new_person(StaffMemberFactory(), crn=crn)
        assert "crn" in caught.value.message_dict
        assert Person.objects.count() == 0
        assert DiversityProfile.objects.count() == 0

    def test_duplicate_crn_reported_by_field(self):
        staff = StaffMemberFactory()
        new_person(staff, crn="X123456")
        with pytest.raises(ValidationError) as caught:
            new_person(staff, crn="x123456", first_name="Someone", last_name="Else")
        assert "crn" in caught.value.message_dict
        assert Person.objects.count() == 1

    def test_date_of_birth_in_the_future_rejected(self):
        with pytest.raises(ValidationError) as caught:
            new_person(StaffMemberFactory(), date_of_birth=today() + dt.timedelta(days=1))
        assert "date_of_birth" in caught.value.message_dict
        assert Person.objects.count() == 0

    def test_invalid_sex_rejected(self):
        with pytest.raises(ValidationError) as caught:
            new_person(StaffMemberFactory(), sex="Q")
        assert "sex" in caught.value.message_dict


class TestRecordDiversity:
    def test_records_ethnicity_with_provenance_and_derives_the_group(self):
        person = PersonFactory()
        staff = StaffMemberFactory(pdu=person.pdu)
        identified = today() - dt.timedelta(days=3)
        profile = record_diversity(
            by=staff,
            person=person,
            ethnicity=Ethnicity.WHITE_GYPSY_TRAVELLER,
            identified_by=IdentifiedBy.SELF,
            identified_on=identified,
            religion=Religion.CHRISTIAN,
            disability=Disability.YES,
        )
        record_diversity_value(
            by=staff,
            person=person,
            characteristic=Characteristic.GENDER_IDENTITY,
            value=GenderIdentity.DIFFERENT,
            identified_by=IdentifiedBy.SELF,
            identified_on=identified,
            detail="  non-binary ",
        )
        assert profile.ethnic_group == EthnicGroup.WHITE  # refreshed from the database
        # Every characteristic is a row of the history, with who identified it and when.
        assert sorted(
            DiversityEntry.objects.filter(person=person).values_list("characteristic", "identified_by")
        ) == [
            ("disability", "self"),
            ("ethnicity", "self"),
            ("gender_identity", "self"),
            ("religion", "self"),
        ]
        stored = DiversityProfile.objects.get(person=person)
        assert stored.ethnicity == Ethnicity.WHITE_GYPSY_TRAVELLER
        assert (stored.ethnicity_identified_by, stored.ethnicity_identified_on) == ("self", identified)
        assert (stored.religion, stored.disability, stored.gender_identity) == (
            Religion.CHRISTIAN,
            Disability.YES,
            "non-binary",
        )

    def test_fields_not_given_are_left_as_they_were(self):
        person = PersonFactory()
        staff = StaffMemberFactory(pdu=person.pdu)
        record_diversity(
            by=staff,
            person=person,
            ethnicity=Ethnicity.ASIAN_PAKISTANI,
            identified_by="self",
            identified_on=today(),
            religion=Religion.MUSLIM,
            disability=Disability.NO,
        )
        record_diversity(
            by=staff,
            person=person,
            ethnicity=Ethnicity.PREFER_NOT_TO_SAY,
            identified_by="self",
            identified_on=today(),
        )
        stored = DiversityProfile.objects.get(person=person)
        assert stored.ethnic_group == EthnicGroup.PREFER_NOT_TO_SAY
        assert (stored.religion, stored.disability) == (Religion.MUSLIM, Disability.NO)

    def test_not_recorded_clears_provenance(self):
        person = PersonFactory(diversity__ethnicity=Ethnicity.BLACK_AFRICAN)
        staff = StaffMemberFactory(pdu=person.pdu)
        record_diversity(
            by=staff,
            person=person,
            ethnicity=Ethnicity.NOT_RECORDED,
            identified_by="self",
            identified_on=today(),
        )
        stored = DiversityProfile.objects.get(person=person)
        assert (stored.ethnicity, stored.ethnicity_identified_by, stored.ethnicity_identified_on) == (
            "NR",
            "",
            None,
        )
        assert stored.ethnic_group == EthnicGroup.NOT_RECORDED

    @pytest.mark.parametrize(
        ("identified_by", "identified_on", "field"),
        [
            ("", today(), "identified_by"),
            ("somebody", today(), "identified_by"),
            (IdentifiedBy.STAFF, None, "identified_on"),
            (IdentifiedBy.STAFF, today() + dt.timedelta(days=1), "identified_on"),
        ],
    )
    def test_recorded_ethnicity_needs_who_and_when(self, identified_by, identified_on, field):
        person = PersonFactory()
        staff = StaffMemberFactory(pdu=person.pdu)
        with pytest.raises(ValidationError) as caught:
            record_diversity(
                by=staff,
                person=person,
                ethnicity=Ethnicity.MIXED_WHITE_ASIAN,
                identified_by=identified_by,
                identified_on=identified_on,
            )
        assert field in caught.value.message_dict
        assert DiversityProfile.objects.get(person=person).ethnicity == Ethnicity.NOT_RECORDED

    def test_unknown_ethnicity_code_rejected(self):
        person = PersonFactory()
        with pytest.raises(ValidationError) as caught:
            record_diversity(
                by=StaffMemberFactory(pdu=person.pdu),
                person=person,
                ethnicity="Z9",
                identified_by="self",
                identified_on=today(),
            )
        assert "ethnicity" in caught.value.message_dict

    @pytest.mark.parametrize("grade", [Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN])
    def test_only_casework_roles_record_diversity(self, grade):
        person = PersonFactory()
        with pytest.raises(PermissionDenied):
            record_diversity(
                by=StaffMemberFactory(grade=grade),
                person=person,
                ethnicity=Ethnicity.OTHER_ARAB,
                identified_by="self",
                identified_on=today(),
            )
        assert DiversityProfile.objects.get(person=person).ethnicity == Ethnicity.NOT_RECORDED


class TestAccessLists:
    def test_head_of_pdu_excludes_staff(self):
        person = PersonFactory()
        manager = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=person.pdu)
        conflicted = StaffMemberFactory(grade=Grade.PO, pdu=person.pdu)
        assert can_view_person(conflicted, person)
        entry = exclude_staff(
            by=manager, person=person, staff=conflicted, reason="  Neighbour of the person "
        )
        assert (entry.reason, entry.added_by) == ("Neighbour of the person", manager)
        assert not can_view_person(conflicted, person)

    def test_restriction_list_limits_the_record_to_those_on_it(self):
        person = PersonFactory()
        manager = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=person.pdu)
        named, other = StaffMemberFactory.create_batch(2, grade=Grade.PO, pdu=person.pdu)
        entry = restrict_to_staff(by=manager, person=person, staff=named, reason="High-profile case")
        assert (entry.staff, entry.added_by, entry.reason) == (named, manager, "High-profile case")
        assert can_view_person(named, person)
        assert not can_view_person(other, person)
        # Whoever starts the list goes on it, so that they can still manage the record.
        assert set(Restriction.objects.filter(person=person).values_list("staff", flat=True)) == {
            named.pk,
            manager.pk,
        }
        assert can_view_person(manager, person)

    @pytest.mark.parametrize(
        "grade", [Grade.PSO, Grade.PO, Grade.SPO, Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN]
    )
    @pytest.mark.parametrize("service", [exclude_staff, restrict_to_staff])
    def test_other_roles_cannot_change_access_lists(self, grade, service):
        # Administrators included: they see every record, but only read it.
        person = PersonFactory()
        by = StaffMemberFactory(
            grade=grade,
            pdu=person.pdu if grade not in (Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN) else None,
        )
        with pytest.raises(PermissionDenied, match="Only a head of PDU"):
            service(by=by, person=person, staff=StaffMemberFactory(pdu=person.pdu), reason="Conflict")
        assert Exclusion.objects.count() + Restriction.objects.count() == 0

    @pytest.mark.parametrize("service", [exclude_staff, restrict_to_staff])
    def test_reason_required_and_entries_unique(self, service):
        person = PersonFactory()
        head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=person.pdu)
        # Restricting the record to the head keeps it in their view; excluding a colleague does too.
        staff = head if service is restrict_to_staff else StaffMemberFactory(pdu=person.pdu)
        with pytest.raises(ValidationError) as caught:
            service(by=head, person=person, staff=staff, reason="   ")
        assert "reason" in caught.value.message_dict
        service(by=head, person=person, staff=staff, reason="Conflict of interest")
        with pytest.raises(ValidationError):
            service(by=head, person=person, staff=staff, reason="Conflict of interest again")
        assert Exclusion.objects.count() + Restriction.objects.count() == 1

    @pytest.mark.parametrize("service", [exclude_staff, restrict_to_staff])
    def test_head_of_another_pdu_cannot_change_who_sees_a_record(self, service):
        person = PersonFactory()
        head_elsewhere = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=PDUFactory())
        home_po = StaffMemberFactory(grade=Grade.PO, pdu=person.pdu)
        assert not can_view_person(head_elsewhere, person)
        with pytest.raises(PermissionDenied):
            service(by=head_elsewhere, person=person, staff=home_po, reason="Changing a record I cannot see")
        assert Exclusion.objects.count() + Restriction.objects.count() == 0
        assert can_view_person(home_po, person)

    def test_an_excluded_manager_cannot_change_the_lists(self):
        person = PersonFactory()
        manager = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=person.pdu)
        Exclusion.objects.create(person=person, staff=manager, reason="Relative")
        with pytest.raises(PermissionDenied):
            exclude_staff(by=manager, person=person, staff=manager, reason="Removing myself again")
        assert Exclusion.objects.count() == 1

    def test_the_manager_can_extend_a_restriction_list_they_are_not_on(self):
        person = PersonFactory()
        manager = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=person.pdu)
        named, cover = StaffMemberFactory.create_batch(2, grade=Grade.PO, pdu=person.pdu)
        restrict_to_staff(by=manager, person=person, staff=named, reason="High-profile case")
        restrict_to_staff(
            by=manager, person=person, staff=cover, reason="Covering while the named PO is away"
        )
        assert can_view_person(cover, person)


# --- plausible values -------------------------------------------------------------------------------------
#
# Each was accepted before the services checked plausibility; the message names the field.

CONTROL_CHARACTERS = ["\x00", "\x07", "\x1b", "\x7f", "\n", "\t"]


def only_message(caught: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    (text,) = caught.value.message_dict[field]
    return text


def years_ago(years: int, days: int = 0) -> dt.date:
    return years_after(today(), -years) + dt.timedelta(days=days)


class TestPlausiblePeople:
    @pytest.mark.parametrize(
        "born",
        [dt.date(1800, 1, 1), today(), years_ago(10, days=1), years_ago(111)],
        ids=["1800", "today", "nine", "111"],
    )
    def test_date_of_birth_gives_an_age_of_10_to_110(self, born):
        with pytest.raises(ValidationError) as caught:
            new_person(StaffMemberFactory(), date_of_birth=born)
        assert only_message(caught, "date_of_birth").startswith("Date of birth must give an age of 10 to 110")
        assert Person.objects.count() == 0

    @pytest.mark.parametrize("born", [years_ago(10), years_ago(111, days=1)], ids=["ten", "110"])
    def test_the_youngest_and_oldest_are_accepted(self, born):
        assert new_person(StaffMemberFactory(), date_of_birth=born).date_of_birth == born

    @pytest.mark.parametrize("field", ["first_name", "last_name"])
    @pytest.mark.parametrize("character", CONTROL_CHARACTERS)
    def test_names_are_one_line_of_plain_text(self, field, character):
        with pytest.raises(ValidationError) as caught:
            new_person(StaffMemberFactory(), **{field: f"Kwa{character}me"})
        assert "must not contain control characters" in only_message(caught, field)
        assert Person.objects.count() == 0

    @pytest.mark.parametrize(
        ("field", "limit", "what"),
        [
            ("first_name", 100, "The first name"),
            ("last_name", 100, "The last name"),
            ("first_language", 60, "The first language"),
        ],
    )
    def test_names_and_language_are_bounded(self, field, limit, what):
        staff = StaffMemberFactory()
        with pytest.raises(ValidationError) as caught:
            new_person(staff, **{field: "a" * (limit + 1)})
        assert (
            only_message(caught, field) == f"{what} must be {limit} characters or fewer (it has {limit + 1})"
        )
        assert Person.objects.count() == 0
        assert getattr(new_person(staff, **{field: "a" * limit}), field) == "a" * limit

    def test_first_language_free_of_control_characters(self):
        with pytest.raises(ValidationError) as caught:
            new_person(StaffMemberFactory(), first_language="Polish\x00")
        assert "first_language" in caught.value.message_dict

    def test_gender_identity_free_of_control_characters(self):
        person = PersonFactory()
        with pytest.raises(ValidationError) as caught:
            record_diversity_value(
                by=StaffMemberFactory(pdu=person.pdu),
                person=person,
                characteristic=Characteristic.GENDER_IDENTITY,
                value=GenderIdentity.DIFFERENT,
                identified_by=IdentifiedBy.SELF,
                identified_on=today(),
                detail="Non-binary\x00",
            )
        assert "detail" in caught.value.message_dict
        assert DiversityProfile.objects.get(person=person).gender_identity == ""

    @pytest.mark.parametrize("service", [exclude_staff, restrict_to_staff])
    @pytest.mark.parametrize(
        ("reason", "text"),
        [
            ("Relative\x00", "The reason must not contain control characters (it has U+0000)"),
            ("r" * 201, "The reason must be 200 characters or fewer (it has 201)"),
        ],
        ids=["nul", "too-long"],
    )
    def test_access_list_reasons_are_plain_and_short(self, service, reason, text):
        person = PersonFactory()
        head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=person.pdu)
        with pytest.raises(ValidationError) as caught:
            service(by=head, person=person, staff=StaffMemberFactory(pdu=person.pdu), reason=reason)
        assert only_message(caught, "reason") == text
        assert Exclusion.objects.count() + Restriction.objects.count() == 0
