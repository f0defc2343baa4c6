"""Declarations (self only, history kept) and HR events (fields by kind, a consistent history, nothing
half-written)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evenhand.org.models import Grade
from evenhand.workforce import services
from evenhand.workforce.models import (
    ApplicantProgress,
    Declaration,
    EventKind,
    HrEvent,
    ImmutableWorkforceRecordError,
)
from evenhand.workforce.rules import Event
from evenhand.workforce.selectors import current_answers, my_profile
from tests.factories import StaffMemberFactory

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def po():
    return StaffMemberFactory(grade=Grade.PO)


class TestDeclarations:
    def test_a_new_answer_supersedes_and_the_old_one_is_kept(self, po):
        services.declare(by=po, staff=po, answers={"ethnicity": "B2", "disability": "no"})
        services.declare(by=po, staff=po, answers={"ethnicity": "PNS", "disability": "no"})
        assert current_answers(po) == {"ethnicity": "PNS", "disability": "no"}
        # The unchanged disability answer is not recorded twice; the ethnicity history has both answers.
        assert Declaration.objects.filter(staff=po, characteristic="disability").count() == 1
        assert [a.value for a in my_profile(po).history if a.characteristic == "ethnicity"] == ["PNS", "B2"]

    def test_prefer_not_to_say_is_not_the_same_as_not_declared(self, po):
        services.declare(by=po, staff=po, answers={"religion": "prefer_not_to_say"})
        answers = {a.characteristic: a for a in my_profile(po).answers}
        assert answers["religion"].label == "Prefer not to say"
        assert (
            answers["sexual_orientation"].value == ""
            and answers["sexual_orientation"].label == "Not declared"
        )

    @pytest.mark.parametrize("grade", [Grade.SPO, Grade.HEAD_OF_PDU, Grade.HR_ANALYST, Grade.ADMIN])
    def test_no_one_else_can_declare_for_a_staff_member(self, po, grade):
        other = StaffMemberFactory(grade=grade)
        with pytest.raises(PermissionDenied):
            services.declare(by=other, staff=po, answers={"ethnicity": "W1"})
        assert not Declaration.objects.exists()

    @pytest.mark.parametrize(
        ("answers", "field"),
        [({"ethnicity": "NR"}, "ethnicity"), ({"sex": "X"}, "sex"), ({"shoe_size": "9"}, "shoe_size")],
    )
    def test_an_unknown_answer_is_refused_and_nothing_is_written(self, po, answers, field):
        with pytest.raises(ValidationError) as refused:
            services.declare(by=po, staff=po, answers={"disability": "yes", **answers})
        assert field in refused.value.message_dict
        assert not Declaration.objects.exists()

    def test_a_declaration_cannot_be_changed(self, po):
        (made,) = services.declare(by=po, staff=po, answers={"caring": "children"})
        made.value = "none"
        with pytest.raises(ImmutableWorkforceRecordError):
            made.save()


def record(staff, kind, on, **values):
    return services.record_hr_event(by=None, staff=staff, event=Event(kind=kind, occurred_on=on, **values))


@pytest.fixture
def joined(po):
    record(po, EventKind.JOINED, D(2020, 1, 6), grade=Grade.PSO, route="direct")
    return po


class TestHrEvents:
    def test_a_career_in_order_is_recorded(self, joined):
        record(joined, EventKind.TEMPORARY_PROMOTION, D(2021, 3, 1), grade=Grade.PO)
        record(joined, EventKind.TEMPORARY_PROMOTION_ENDED, D(2021, 9, 1))
        record(joined, EventKind.PROMOTED, D(2022, 4, 1), grade=Grade.PO)
        record(joined, EventKind.SICKNESS, D(2022, 5, 1), days=4)
        record(joined, EventKind.GRIEVANCE, D(2022, 6, 1), grievance_kind="race_discrimination",
               outcome="not_upheld", days=84, investigator_grade=Grade.SPO)  # fmt: skip
        record(joined, EventKind.LEFT, D(2023, 1, 31), leaving_reason="resignation",
               exit_themes=("progression", "discrimination"))  # fmt: skip
        assert HrEvent.objects.filter(staff=joined).count() == 7

    @pytest.mark.parametrize(
        ("kind", "on", "values", "field", "words"),
        [
            (EventKind.PROMOTED, D(2019, 6, 1), {"grade": Grade.PO}, "occurred_on", "no joining event"),
            (EventKind.PROMOTED, D(2021, 6, 1), {"grade": Grade.ADMIN}, "grade", "higher grade"),
            (EventKind.DEMOTED, D(2021, 6, 1), {"grade": Grade.SPO}, "grade", "lower grade"),
            (
                EventKind.JOINED,
                D(2021, 6, 1),
                {"grade": Grade.PO, "route": "pqip"},
                "occurred_on",
                "joined twice",
            ),
            (EventKind.TEMPORARY_PROMOTION_ENDED, D(2021, 6, 1), {}, "occurred_on", "no temporary promotion"),
            (EventKind.PROMOTED, D(2021, 6, 1), {"grade": "BAND9"}, "grade", "not a known grade"),
            (
                EventKind.LEFT,
                D(2021, 6, 1),
                {"leaving_reason": "bored"},
                "leaving_reason",
                "not a known reason",
            ),
            (EventKind.LEFT, D(2021, 6, 1), {}, "leaving_reason", "Enter the reason"),
            (EventKind.SICKNESS, D(2021, 6, 1), {"days": 0}, "days", "from 1 to 366"),
            (EventKind.SICKNESS, D(2021, 6, 1), {"days": 3, "grade": Grade.PO}, "grade", "has no grade"),
            (
                EventKind.CONDUCT,
                D(2021, 6, 1),
                {"outcome": "upheld"},
                "outcome",
                "not an outcome of a conduct",
            ),
            (
                EventKind.GRIEVANCE,
                D(2021, 6, 1),
                {"grievance_kind": "other", "outcome": "upheld"},
                "days",
                "days",
            ),
            (
                EventKind.TRAINING,
                dt.date.today() + dt.timedelta(days=2),
                {"course": "X"},
                "occurred_on",
                "past",
            ),
            ("holiday", D(2021, 6, 1), {}, "kind", "not a kind of HR event"),
        ],
    )
    def test_a_bad_event_is_refused_naming_the_field_and_nothing_is_written(
        self, joined, kind, on, values, field, words
    ):
        with pytest.raises(ValidationError) as refused:
            record(joined, kind, on, **values)
        assert field in refused.value.message_dict
        assert words in refused.value.message_dict[field][0]
        assert HrEvent.objects.count() == 1

    def test_leaving_twice_is_refused(self, joined):
        record(joined, EventKind.LEFT, D(2022, 1, 31), leaving_reason="retirement")
        with pytest.raises(ValidationError, match="left on 31 January 2022"):
            record(joined, EventKind.LEFT, D(2022, 3, 31), leaving_reason="other")

    def test_an_event_that_would_strand_a_later_one_is_refused_naming_it(self, joined):
        record(joined, EventKind.PROMOTED, D(2022, 4, 1), grade=Grade.PO)
        with pytest.raises(ValidationError) as refused:
            record(joined, EventKind.LEFT, D(2021, 12, 31), leaving_reason="resignation")
        assert "promoted on 1 April 2022" in refused.value.message_dict["occurred_on"][0]

    def test_rejoining_after_leaving_is_a_new_employment(self, joined):
        record(joined, EventKind.LEFT, D(2021, 1, 31), leaving_reason="end_of_contract")
        record(joined, EventKind.JOINED, D(2022, 1, 4), grade=Grade.PO, route="pqip")
        record(joined, EventKind.PROMOTED, D(2023, 1, 4), grade=Grade.SPO)

    def test_a_correction_replaces_the_event_in_the_history(self, joined):
        wrong = record(joined, EventKind.LEFT, D(2021, 1, 31), leaving_reason="dismissal")
        services.record_hr_event(
            by=None,
            staff=joined,
            event=Event(kind=EventKind.LEFT, occurred_on=D(2021, 2, 28), leaving_reason="resignation"),
            corrects=wrong,
        )
        with pytest.raises(ValidationError, match="already been corrected"):
            services.record_hr_event(
                by=None,
                staff=joined,
                event=Event(kind=EventKind.LEFT, occurred_on=D(2021, 2, 28), leaving_reason="other"),
                corrects=wrong,
            )


class TestRecruitment:
    def test_stages_are_reached_in_order_once(self):
        campaign = services.create_campaign(reference="PQIP-2024", grade=Grade.PO, opened_on=D(2024, 1, 8))
        applicant = services.add_applicant(campaign=campaign, reference="A001", ethnicity="A3", sex="F")
        services.record_applicant_stage(applicant=applicant, stage="applied", reached_on=D(2024, 1, 9))
        with pytest.raises(ValidationError, match="next stage is sifted_in, not interviewed"):
            services.record_applicant_stage(
                applicant=applicant, stage="interviewed", reached_on=D(2024, 2, 1)
            )
        with pytest.raises(ValidationError) as refused:
            services.record_applicant_stage(applicant=applicant, stage="sifted_in", reached_on=D(2024, 1, 1))
        assert "reached_on" in refused.value.message_dict
        services.record_applicant_stage(applicant=applicant, stage="sifted_in", reached_on=D(2024, 2, 1))
        assert ApplicantProgress.objects.filter(applicant=applicant).count() == 2

    def test_an_unknown_declared_value_is_refused(self):
        campaign = services.create_campaign(reference="PO-1", grade=Grade.PO, opened_on=D(2024, 1, 8))
        with pytest.raises(ValidationError) as refused:
            services.add_applicant(campaign=campaign, reference="A1", ethnicity="Z9")
        assert "ethnicity" in refused.value.message_dict
