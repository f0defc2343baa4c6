"""Registering a person: the CRN given or entered, the PNC number, addresses and contact details, the duplicate
check, and who may register (services)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from evenhand.org.models import Grade
from evenhand.people.duplicates import name_similarity, possible_duplicates
from evenhand.people.identifiers import next_crn, normalise_pnc, pnc_check_letter
from evenhand.people.models import (
    Address,
    CrnCounter,
    DistinctPersonNote,
    DiversityEntry,
    DiversityProfile,
    GenderIdentity,
    Person,
    Sex,
)
from evenhand.people.services import AddressIn, PossibleDuplicates, create_person
from tests.factories import PDUFactory, PersonFactory, StaffMemberFactory, today

pytestmark = pytest.mark.django_db

BORN = dt.date(1988, 2, 29)


def register(by, **overrides):
    fields = {
        "first_name": "Kwame",
        "last_name": "Mensah",
        "date_of_birth": dt.date(1990, 4, 1),
        "sex": Sex.MALE,
        "pdu": by.team.pdu,
    }
    return create_person(by=by, **(fields | overrides))


def nothing_written():
    return (
        Person.objects.count(),
        Address.objects.count(),
        DistinctPersonNote.objects.count(),
        DiversityEntry.objects.count(),
        DiversityProfile.objects.count(),
    ) == (0, 0, 0, 0, 0)


class TestCrn:
    def test_evenhand_gives_crns_in_order_from_the_counter(self):
        po = StaffMemberFactory()
        first = register(po, first_name="Ada", last_name="One")
        second = register(po, first_name="Bea", last_name="Two")
        assert (first.crn, second.crn) == ("E000001", "E000002")
        assert CrnCounter.objects.get(prefix="E").last_number == 2

    def test_a_crn_is_never_given_twice_even_after_the_person_is_removed(self):
        po = StaffMemberFactory()
        first = register(po, first_name="Ada", last_name="One")
        first.delete()
        assert register(po, first_name="Bea", last_name="Two").crn == "E000002"

    def test_a_number_already_entered_by_hand_is_skipped(self):
        po = StaffMemberFactory()
        register(po, crn="E000001", first_name="Ada", last_name="One")
        assert register(po, first_name="Bea", last_name="Two").crn == "E000002"

    @override_settings(EVENHAND_CRN_PREFIX="K")
    def test_the_prefix_is_a_setting(self):
        assert register(StaffMemberFactory()).crn == "K000001"

    def test_the_last_number_is_refused_not_wrapped(self):
        CrnCounter.objects.create(prefix="E", last_number=999_999)
        with pytest.raises(ValidationError) as caught:
            register(StaffMemberFactory())
        assert "crn" in caught.value.message_dict
        assert nothing_written()

    def test_a_failed_registration_gives_back_nothing_it_took(self):
        # The counter is updated in the registration's transaction: a refusal after it rolls it back, so the
        # next registration gets the number (no CRN was ever issued with it).
        po = StaffMemberFactory()
        with pytest.raises(ValidationError):
            register(po, pnc="98/1234567A")
        assert register(po).crn == "E000001"

    def test_next_crn_locks_the_counter_row(self):
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            next_crn()
        sql = " ".join(q["sql"] for q in queries.captured_queries)
        if connection.features.has_select_for_update:
            assert "FOR UPDATE" in sql

    def test_an_entered_crn_is_checked_for_format_and_use(self):
        po = StaffMemberFactory()
        register(po, crn=" x123456 ", first_name="Ada", last_name="One")
        assert Person.objects.get().crn == "X123456"
        with pytest.raises(ValidationError) as caught:
            register(po, crn="X123456", first_name="Bea", last_name="Two")
        assert caught.value.message_dict["crn"] == ["CRN X123456 is already used by another person"]
        for bad in ["X12345", "XX12345", "X1234567", "", "X12345O"]:
            with pytest.raises(ValidationError) as caught:
                register(po, crn=bad, first_name="Bea", last_name="Two")
            assert "crn" in caught.value.message_dict
        assert Person.objects.count() == 1


class TestPnc:
    @pytest.mark.parametrize(
        ("typed", "stored"),
        [
            ("98/1234567L", "98/1234567L"),
            (" 98/1234567l ", "98/1234567L"),
            ("1998/1234567L", "98/1234567L"),
            ("02/73J", "02/0000073J"),
            ("", ""),
        ],
    )
    def test_a_pnc_number_is_stored_in_its_short_form(self, typed, stored):
        assert normalise_pnc(typed) == stored

    def test_the_check_letter_is_the_remainder_modulo_23(self):
        # 981234567 = 23 * 42662372 + 11, and letter 11 (from 0) of ZABCDEFGHJKLMNPQRTUVWXY is L.
        assert 981234567 % 23 == 11
        assert pnc_check_letter("98", "1234567") == "L"

    @pytest.mark.parametrize(
        "bad", ["98/1234567A", "98-1234567L", "98/12345678L", "9/1234567L", "98/1234567"]
    )
    def test_a_wrong_check_letter_or_format_is_refused_by_field(self, bad):
        with pytest.raises(ValidationError) as caught:
            register(StaffMemberFactory(), pnc=bad)
        assert "pnc" in caught.value.message_dict
        assert nothing_written()


class TestRegister:
    def test_everything_is_kept(self):
        po = StaffMemberFactory()
        person = register(
            po,
            first_name="Mohammed",
            middle_names="Ali",
            last_name="Khan",
            preferred_name="Mo",
            pnc="98/1234567L",
            phone="0113 496 0000",
            email="mo@example.com",
            first_language="Urdu",
            interpreter_required=True,
            gender_identity=GenderIdentity.SAME,
            gender_identity_words="Man",
            addresses=[
                AddressIn(
                    line_1="1 High St", town="Leeds", postcode="ls1 4ap", start_date=dt.date(2024, 1, 1)
                ),
                AddressIn(
                    line_1="9 Low Rd",
                    town="Bradford",
                    postcode="BD1 1AA",
                    start_date=dt.date(2020, 1, 1),
                    end_date=dt.date(2023, 12, 31),
                ),
            ],
        )
        person.refresh_from_db()
        assert (person.middle_names, person.preferred_name, person.pnc) == ("Ali", "Mo", "98/1234567L")
        assert (person.phone, person.email, person.first_language, person.interpreter_required) == (
            "0113 496 0000",
            "mo@example.com",
            "Urdu",
            True,
        )
        assert list(person.addresses.values_list("postcode", "end_date")) == [
            ("LS1 4AP", None),
            ("BD1 1AA", dt.date(2023, 12, 31)),
        ]
        entry = DiversityEntry.objects.get(person=person)
        assert (entry.characteristic, entry.value, entry.identified_by, entry.detail) == (
            "gender_identity",
            "same",
            "self",
            "Man",
        )
        assert DiversityProfile.objects.get(person=person).gender_identity == "Man"

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"date_of_birth": today() + dt.timedelta(days=1)}, "date_of_birth"),
            ({"date_of_birth": today() - dt.timedelta(days=365 * 5)}, "date_of_birth"),
            ({"email": "not an email"}, "email"),
            ({"phone": "call me"}, "phone"),
            ({"gender_identity": "maybe"}, "gender_identity"),
            ({"first_name": "  "}, "first_name"),
            ({"sex": "Q"}, "sex"),
            (
                {
                    "addresses": [
                        AddressIn(line_1="1 High St", town="Leeds", postcode="NOPE", start_date=BORN)
                    ]
                },
                "addresses.0.postcode",
            ),
            (
                {
                    "addresses": [
                        AddressIn(
                            line_1="1 High St",
                            town="Leeds",
                            postcode="LS1 4AP",
                            start_date=dt.date(2024, 1, 1),
                            end_date=dt.date(2023, 1, 1),
                        )
                    ]
                },
                "addresses.0.end_date",
            ),
            (
                {
                    "addresses": [
                        AddressIn(line_1="", town="Leeds", postcode="LS1 4AP", start_date=dt.date(2024, 1, 1))
                    ]
                },
                "addresses.0.line_1",
            ),
        ],
    )
    def test_bad_input_is_refused_by_field_and_nothing_is_written(self, changes, field):
        with pytest.raises(ValidationError) as caught:
            register(StaffMemberFactory(), **changes)
        assert field in caught.value.message_dict
        assert nothing_written()
        assert not CrnCounter.objects.filter(last_number__gt=0).exists()

    @pytest.mark.parametrize("grade", [Grade.PSO, Grade.PO, Grade.SPO, Grade.HEAD_OF_PDU])
    def test_practitioners_and_managers_register_in_their_own_pdu_only(self, grade):
        staff = StaffMemberFactory(grade=grade)
        assert register(staff).pdu == staff.team.pdu
        with pytest.raises(ValidationError) as caught:
            register(staff, pdu=PDUFactory(), first_name="Other")
        assert "pdu" in caught.value.message_dict

    @pytest.mark.parametrize("grade", [Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN])
    def test_read_only_roles_cannot_register(self, grade):
        staff = StaffMemberFactory(grade=grade)
        with pytest.raises(PermissionDenied):
            create_person(
                by=staff,
                first_name="A",
                last_name="B",
                date_of_birth=BORN,
                sex=Sex.MALE,
                pdu=PDUFactory(),
            )
        assert nothing_written()


class TestDuplicateCheck:
    @pytest.mark.parametrize(
        ("held", "typed"),
        [
            (("Mohammed", "Khan"), ("Muhammad", "Khan")),
            (("Mohamed", "Khan"), ("Mohammad", "Khan")),
            (("Mohammed", "Khan"), ("Khan", "Muhammad")),  # name order swapped
            (("Anna", "Smith-Jones"), ("Anna", "Smith Jones")),  # hyphen
            (("Anna", "Smith-Jones"), ("Anna", "Jones")),  # one half of a double-barrelled name
            (("Anna", "Smith Jones"), ("Anna", "Jones-Smith")),
            (("Siobhán", "O'Neill"), ("Siobhan", "ONeill")),  # accents and apostrophes
            (("Aleksandr", "Ivanov"), ("Alexander", "Ivanov")),
            (("Phillip", "Stevenson"), ("Philip", "Stevenson")),
            (("Jonathan", "Williams"), ("Jonathon", "Williams")),  # a typing slip
        ],
    )
    def test_the_same_person_written_another_way_is_found(self, held, typed):
        existing = PersonFactory(first_name=held[0], last_name=held[1], date_of_birth=BORN)
        found = possible_duplicates(first_name=typed[0], last_name=typed[1], date_of_birth=BORN)
        assert [c.person for c in found] == [existing]
        with pytest.raises(PossibleDuplicates) as caught:
            register(StaffMemberFactory(), first_name=typed[0], last_name=typed[1], date_of_birth=BORN)
        assert [c.person for c in caught.value.candidates] == [existing]
        assert "distinct_reason" in caught.value.message_dict
        assert Person.objects.count() == 1

    @pytest.mark.parametrize(
        ("held", "typed"),
        [
            (("John", "Smith"), ("Jane", "Smith")),  # twins
            (("David", "Brown"), ("Daniel", "Brown")),
            (("Sarah", "Khan"), ("Mohammed", "Khan")),
            (("Peter", "Jones"), ("John", "Smith")),
        ],
    )
    def test_different_people_with_one_date_of_birth_are_not_shown(self, held, typed):
        PersonFactory(first_name=held[0], last_name=held[1], date_of_birth=BORN)
        assert possible_duplicates(first_name=typed[0], last_name=typed[1], date_of_birth=BORN) == []
        register(StaffMemberFactory(), first_name=typed[0], last_name=typed[1], date_of_birth=BORN)
        assert Person.objects.count() == 2

    def test_a_similar_name_born_on_another_day_is_not_shown(self):
        PersonFactory(first_name="Mohammed", last_name="Khan", date_of_birth=BORN)
        assert (
            possible_duplicates(first_name="Muhammad", last_name="Khan", date_of_birth=dt.date(1988, 3, 1))
            == []
        )

    def test_the_same_pnc_is_shown_whatever_the_name_and_date(self):
        existing = PersonFactory(first_name="Lee", last_name="Thomas", pnc="98/1234567L")
        found = possible_duplicates(
            first_name="Completely", last_name="Different", date_of_birth=BORN, pnc="98/1234567L"
        )
        assert [(c.person, c.same_pnc, c.reason) for c in found] == [(existing, True, "Same PNC number")]

    def test_a_preferred_name_counts_as_a_first_name(self):
        existing = PersonFactory(
            first_name="Robert", last_name="Walker", preferred_name="Bob", date_of_birth=BORN
        )
        found = possible_duplicates(first_name="Bob", last_name="Walker", date_of_birth=BORN)
        assert [c.person for c in found] == [existing]

    def test_candidates_come_from_every_pdu(self):
        # A person managed elsewhere is still the same person: the check looks across the service.
        existing = PersonFactory(
            first_name="Mohammed", last_name="Khan", date_of_birth=BORN, pdu=PDUFactory()
        )
        with pytest.raises(PossibleDuplicates) as caught:
            register(StaffMemberFactory(), first_name="Muhammad", last_name="Khan", date_of_birth=BORN)
        assert [c.person for c in caught.value.candidates] == [existing]

    def test_saying_why_this_is_a_different_person_registers_them_and_keeps_the_reason(self):
        po = StaffMemberFactory()
        first = PersonFactory(first_name="Mohammed", last_name="Khan", date_of_birth=BORN)
        second = PersonFactory(first_name="Mohamed", last_name="Khan", date_of_birth=BORN)
        person = register(
            po,
            first_name="Muhammad",
            last_name="Khan",
            date_of_birth=BORN,
            distinct_reason="  Different PNC and address; confirmed with the court ",
        )
        notes = DistinctPersonNote.objects.filter(person=person).order_by("other_id")
        assert [(n.other, n.reason, n.recorded_by) for n in notes] == [
            (first, "Different PNC and address; confirmed with the court", po),
            (second, "Different PNC and address; confirmed with the court", po),
        ]

    def test_a_reason_with_control_characters_is_refused(self):
        PersonFactory(first_name="Mohammed", last_name="Khan", date_of_birth=BORN)
        with pytest.raises(ValidationError) as caught:
            register(
                StaffMemberFactory(),
                first_name="Muhammad",
                last_name="Khan",
                date_of_birth=BORN,
                distinct_reason="Not him\x00",
            )
        assert "distinct_reason" in caught.value.message_dict
        assert Person.objects.count() == 1

    @pytest.mark.parametrize(
        ("a", "b"),
        [
            (("Mohammed", "", "Khan"), ("Khan", "", "Muhammad")),
            (("Anna", "", "Smith"), ("Anna", "Louise", "Smith")),
        ],
    )
    def test_name_similarity_is_symmetric_and_full_for_the_same_name(self, a, b):
        assert name_similarity(a, b) == name_similarity(b, a) == 100


NAMES = [
    "Ada Lovelace",
    "Brian Okafor",
    "Chen Wei",
    "Dorota Nowak",
    "Emeka Obi",
    "Fatima Begum",
    "Gareth Pryce",
    "Hiroshi Tanaka",
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_concurrent_registrations_get_different_crns():
    """Eight registrations at once, each in its own connection: the counter row lock makes them take turns,
    so no two get one CRN and none is refused."""
    import threading

    from django.db import connections

    pdu = PDUFactory()
    staff = [StaffMemberFactory(pdu=pdu) for _ in range(8)]
    crns: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(staff))

    def register_one(n: int) -> None:
        try:
            start.wait()
            first, last = NAMES[n].split()
            crns.append(register(staff[n], first_name=first, last_name=last).crn)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register_one, args=(n,)) for n in range(len(staff))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(crns) == [f"E{n:06d}" for n in range(1, 9)]
