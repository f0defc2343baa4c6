"""The diversity profile as a history: every change a new row with who identified it and when, the value in
force on a date, and the equality engine reading that value (services and selectors)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evenhand.equality.measures import Period, population_frame
from evenhand.org.models import Grade
from evenhand.people.models import (
    Characteristic,
    Disability,
    DiversityEntry,
    DiversityProfile,
    EthnicGroup,
    Ethnicity,
    GenderIdentity,
    IdentifiedBy,
    Religion,
    SexualOrientation,
)
from evenhand.people.selectors import entries_in_force, value_in_force
from evenhand.people.services import record_diversity_value
from tests.factories import PDUFactory, PersonFactory, SentenceFactory, StaffMemberFactory, today

pytestmark = pytest.mark.django_db

D = dt.timedelta


def record(by, person, characteristic, value, identified_by=IdentifiedBy.SELF, on=None, detail=""):
    return record_diversity_value(
        by=by,
        person=person,
        characteristic=characteristic,
        value=value,
        identified_by=identified_by,
        identified_on=on or today(),
        detail=detail,
    )


@pytest.fixture
def case():
    person = PersonFactory()
    return person, StaffMemberFactory(pdu=person.pdu)


class TestHistory:
    def test_every_change_is_a_new_row_and_the_profile_follows_the_latest(self, case):
        person, po = case
        record(
            po, person, Characteristic.ETHNICITY, Ethnicity.WHITE_OTHER, IdentifiedBy.STAFF, today() - D(300)
        )
        record(po, person, Characteristic.ETHNICITY, Ethnicity.WHITE_ROMA, IdentifiedBy.SELF, today() - D(10))
        rows = DiversityEntry.objects.filter(person=person).order_by("identified_on")
        assert [(r.value, r.identified_by, r.recorded_by) for r in rows] == [
            ("W5", "staff", po),
            ("W4", "self", po),
        ]
        profile = DiversityProfile.objects.get(person=person)
        assert (profile.ethnicity, profile.ethnic_group, profile.ethnicity_identified_by) == (
            "W4",
            "white",
            "self",
        )
        assert profile.ethnicity_identified_on == today() - D(10)

    def test_the_value_in_force_on_a_date(self, case):
        person, po = case
        record(po, person, Characteristic.RELIGION, Religion.NO_RELIGION, on=today() - D(400))
        record(po, person, Characteristic.RELIGION, Religion.MUSLIM, on=today() - D(100))
        assert value_in_force(person, Characteristic.RELIGION, today() - D(401)) is None
        assert value_in_force(person, Characteristic.RELIGION, today() - D(400)) == "none"
        assert value_in_force(person, Characteristic.RELIGION, today() - D(101)) == "none"
        assert value_in_force(person, Characteristic.RELIGION, today() - D(100)) == "muslim"
        assert value_in_force(person, Characteristic.RELIGION, today()) == "muslim"

    def test_a_late_entry_of_an_earlier_value_does_not_replace_todays(self, case):
        # Recorded today, identified a year ago: part of the history, but the later value stays in force.
        person, po = case
        record(
            po, person, Characteristic.DISABILITY, Disability.YES, on=today() - D(30), detail="Ramp access"
        )
        record(po, person, Characteristic.DISABILITY, Disability.NO, on=today() - D(365))
        assert value_in_force(person, Characteristic.DISABILITY, today()) == "yes"
        assert value_in_force(person, Characteristic.DISABILITY, today() - D(100)) == "no"
        assert DiversityProfile.objects.get(person=person).disability == "yes"

    def test_of_two_on_one_day_the_one_recorded_later_is_in_force(self, case):
        person, po = case
        record(po, person, Characteristic.SEXUAL_ORIENTATION, SexualOrientation.STRAIGHT)
        record(po, person, Characteristic.SEXUAL_ORIENTATION, SexualOrientation.PREFER_NOT_TO_SAY)
        assert entries_in_force(person, today())["sexual_orientation"].value == "prefer_not_to_say"

    def test_prefer_not_to_say_and_not_recorded_are_kept_apart(self, case):
        person, po = case
        record(po, person, Characteristic.ETHNICITY, Ethnicity.PREFER_NOT_TO_SAY, on=today() - D(5))
        assert DiversityProfile.objects.get(person=person).ethnic_group == EthnicGroup.PREFER_NOT_TO_SAY
        record(po, person, Characteristic.ETHNICITY, Ethnicity.NOT_RECORDED, identified_by="")
        profile = DiversityProfile.objects.get(person=person)
        assert (profile.ethnic_group, profile.ethnicity_identified_by, profile.ethnicity_identified_on) == (
            EthnicGroup.NOT_RECORDED,
            "",
            None,
        )
        assert DiversityEntry.objects.filter(person=person).count() == 2

    def test_a_value_held_before_the_history_is_carried_over_as_its_first_row(self):
        # A profile loaded in bulk (the synthetic caseload) has no history: the first change keeps it.
        person = PersonFactory(diversity__ethnicity=Ethnicity.BLACK_AFRICAN)
        po = StaffMemberFactory(pdu=person.pdu)
        before = DiversityProfile.objects.get(person=person).ethnicity_identified_on
        record(po, person, Characteristic.ETHNICITY, Ethnicity.BLACK_CARIBBEAN, on=today())
        first, second = DiversityEntry.objects.filter(person=person).order_by("identified_on", "recorded_at")
        assert (first.value, first.carried_over, first.identified_by, first.identified_on) == (
            "B1",
            True,
            "",
            before,
        )
        assert (second.value, second.carried_over) == ("B2", False)
        assert value_in_force(person, Characteristic.ETHNICITY, today() - D(1)) == "B1"

    def test_gender_identity_in_their_own_words(self, case):
        person, po = case
        record(po, person, Characteristic.GENDER_IDENTITY, GenderIdentity.DIFFERENT, detail="Non-binary")
        assert DiversityProfile.objects.get(person=person).gender_identity == "Non-binary"


class TestRules:
    @pytest.mark.parametrize(
        ("characteristic", "value", "identified_by", "on", "field"),
        [
            ("star_sign", "leo", "self", 0, "characteristic"),
            ("ethnicity", "W9", "self", 0, "value"),
            ("religion", "W1", "self", 0, "value"),
            ("ethnicity", "W1", "", 0, "identified_by"),
            ("ethnicity", "W1", "someone", 0, "identified_by"),
            ("ethnicity", "NR", "self", 0, "identified_by"),  # nobody identified "not recorded"
            ("ethnicity", "PNS", "staff", 0, "identified_by"),  # only the person prefers not to say
            ("religion", "muslim", "staff", 0, "identified_by"),  # never observed
            ("sexual_orientation", "gay_lesbian", "staff", 0, "identified_by"),
            ("gender_identity", "different", "staff", 0, "identified_by"),
            ("ethnicity", "W1", "self", -1, "identified_on"),  # tomorrow
            ("ethnicity", "W1", "self", 365 * 80, "identified_on"),  # before birth
        ],
    )
    def test_bad_input_is_refused_by_field_and_nothing_is_written(
        self, case, characteristic, value, identified_by, on, field
    ):
        person, po = case
        with pytest.raises(ValidationError) as caught:
            record(po, person, characteristic, value, identified_by, today() - D(on))
        assert field in caught.value.message_dict
        assert not DiversityEntry.objects.exists()
        assert DiversityProfile.objects.get(person=person).ethnicity == Ethnicity.NOT_RECORDED

    def test_staff_may_record_an_observed_ethnicity_or_disability(self, case):
        person, po = case
        record(po, person, Characteristic.ETHNICITY, Ethnicity.ASIAN_INDIAN, IdentifiedBy.STAFF)
        record(
            po,
            person,
            Characteristic.DISABILITY,
            Disability.YES,
            IdentifiedBy.STAFF,
            detail="Uses a wheelchair",
        )
        assert DiversityEntry.objects.filter(identified_by="staff").count() == 2

    def test_an_identified_on_date_is_required(self, case):
        person, po = case
        with pytest.raises(ValidationError) as caught:
            record_diversity_value(
                by=po,
                person=person,
                characteristic="ethnicity",
                value="W1",
                identified_by="self",
                identified_on=None,
            )
        assert "identified_on" in caught.value.message_dict

    @pytest.mark.parametrize("grade", [Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN])
    def test_read_only_roles_cannot_record(self, case, grade):
        person, _ = case
        with pytest.raises(PermissionDenied):
            record(StaffMemberFactory(grade=grade), person, Characteristic.ETHNICITY, Ethnicity.WHITE_BRITISH)
        assert not DiversityEntry.objects.exists()

    def test_a_practitioner_of_another_pdu_cannot_record(self, case):
        person, _ = case
        with pytest.raises(PermissionDenied):
            record(
                StaffMemberFactory(pdu=PDUFactory()),
                person,
                Characteristic.ETHNICITY,
                Ethnicity.WHITE_BRITISH,
            )
        assert not DiversityEntry.objects.exists()

    def test_an_excluded_practitioner_cannot_record(self, case):
        from evenhand.people.services import exclude_staff

        person, po = case
        head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=person.pdu)
        exclude_staff(by=head, person=person, staff=po, reason="A relative")
        with pytest.raises(PermissionDenied):
            record(po, person, Characteristic.ETHNICITY, Ethnicity.WHITE_BRITISH)
        assert not DiversityEntry.objects.exists()


class TestEqualityEngine:
    """The population frame reads each person's characteristics in force at the end of the period."""

    def test_the_value_in_force_at_the_end_of_the_period_is_used(self):
        person = PersonFactory()
        po = StaffMemberFactory(pdu=person.pdu)
        sentence = SentenceFactory(person=person, start_date=today() - D(700))
        record(
            po,
            person,
            Characteristic.ETHNICITY,
            Ethnicity.WHITE_BRITISH,
            IdentifiedBy.STAFF,
            today() - D(600),
        )
        record(po, person, Characteristic.RELIGION, Religion.CHRISTIAN, on=today() - D(600))
        record(
            po, person, Characteristic.ETHNICITY, Ethnicity.MIXED_WHITE_BLACK_CARIBBEAN, on=today() - D(200)
        )
        record(po, person, Characteristic.DISABILITY, Disability.YES, on=today() - D(100))

        last_year = population_frame(Period(today() - D(500), today() - D(300))).loc[sentence.pk]
        assert (last_year["ethnicity"], last_year["ethnic_group"]) == ("W1", "white")
        assert (last_year["religion"], last_year["disability"]) == ("christian", "not_recorded")

        this_year = population_frame(Period(today() - D(150), today())).loc[sentence.pk]
        assert (this_year["ethnicity"], this_year["ethnic_group"]) == ("M3", "mixed")
        assert (this_year["religion"], this_year["disability"]) == ("christian", "yes")

    def test_before_the_first_row_nothing_was_recorded(self):
        person = PersonFactory()
        po = StaffMemberFactory(pdu=person.pdu)
        sentence = SentenceFactory(person=person, start_date=today() - D(700))
        record(po, person, Characteristic.ETHNICITY, Ethnicity.ASIAN_CHINESE, on=today() - D(10))
        early = population_frame(Period(today() - D(600), today() - D(400))).loc[sentence.pk]
        assert (early["ethnicity"], early["ethnic_group"]) == ("NR", "not_recorded")

    def test_people_without_a_history_keep_their_profile(self):
        person = PersonFactory(diversity__ethnicity=Ethnicity.BLACK_AFRICAN)
        other = PersonFactory()
        po = StaffMemberFactory(pdu=other.pdu)
        sentence = SentenceFactory(person=person, start_date=today() - D(700))
        SentenceFactory(person=other, start_date=today() - D(700))
        record(po, other, Characteristic.ETHNICITY, Ethnicity.ASIAN_CHINESE, on=today() - D(10))
        row = population_frame(Period(today() - D(600), today() - D(400))).loc[sentence.pk]
        assert (row["ethnicity"], row["ethnic_group"]) == ("B1", "black")
