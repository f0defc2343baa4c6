"""An integrated offender management registration makes the person an IOM nominal: 2 change points in the
tier, at the band edges they move (9 to 10 points: change level 1 to 2; 19 to 20: level 2 to 3), and no
protect points (it is not a complexity factor)."""

import datetime as dt
from decimal import Decimal

import pytest

from evenhand.assessment.models import TierCalculation
from evenhand.assessment.services import (
    complete_assessment,
    inputs_for,
    record_predictors,
    start_assessment,
)
from evenhand.assessment.tier import TierInputs, calculate
from evenhand.cases.models import COMPLEXITY_FACTORS, IOM_REGISTRATION, RegistrationType, RequirementType
from evenhand.cases.services import add_registration, end_registration
from tests.assessment.helpers import every_section, every_topic
from tests.factories import AllocationFactory, SentenceFactory, today


def test_iom_is_a_registration_type_and_not_a_complexity_factor():
    assert IOM_REGISTRATION == RegistrationType.IOM == "iom"
    assert IOM_REGISTRATION not in COMPLEXITY_FACTORS


class TestTheCalculation:
    # Needs worth 8 change points: thinking and behaviour severe (2 x 2) and attitudes standard (2), and
    # accommodation and ETE standard (1 each).
    EIGHT = {"thinking": "severe", "attitudes": "standard", "accommodation": "standard", "ete": "standard"}
    # Needs worth 18: thinking and behaviour and attitudes severe (4 each), accommodation, ETE, relationships
    # and lifestyle severe (2 each), drugs and alcohol standard (1 each).
    EIGHTEEN = {
        "thinking": "severe",
        "attitudes": "severe",
        "accommodation": "severe",
        "ete": "severe",
        "relationships": "severe",
        "lifestyle": "severe",
        "drugs": "standard",
        "alcohol": "standard",
    }

    @pytest.mark.parametrize(
        ("needs", "iom", "points", "level"),
        [
            (EIGHT, False, 8, 1),
            (EIGHT, True, 10, 2),  # 9 / 10: the nominal moves level 1 to 2
            (EIGHTEEN, False, 18, 2),
            (EIGHTEEN, True, 20, 3),  # 19 / 20: level 2 to 3
        ],
    )
    def test_two_change_points_at_the_band_edges(self, needs, iom, points, level):
        result = calculate(TierInputs(needs=needs, iom_nominal=iom))
        assert (result.change_points, result.change) == (points, level)
        labels = [line.label for line in result.lines]
        assert ("Integrated offender management nominal" in labels) is iom

    def test_no_protect_points_and_no_change_points_without_a_mandate_or_an_assessment(self):
        with_iom = TierInputs(rosh="M", registrations=(IOM_REGISTRATION,), iom_nominal=True, needs={})
        assert calculate(with_iom).protect_points == 10  # medium RoSH only
        assert calculate(TierInputs(iom_nominal=True, needs=None)).tier == "D2"
        assert calculate(TierInputs(iom_nominal=True, needs={}, mandate_for_change=False)).tier == "D0"


@pytest.mark.django_db
class TestFromTheRecord:
    @pytest.fixture
    def case(self):
        sentence = SentenceFactory(requirements=[{"type": RequirementType.RAR}])
        po = AllocationFactory(sentence=sentence).practitioner
        person = sentence.person
        assessment = start_assessment(by=po, person=person)
        # Accommodation (1) and severe thinking and behaviour (2 x 2): 5, and OGRS 38 // 10 = 3: 8 points.
        every_section(po, assessment)
        every_topic(po, assessment)
        record_predictors(by=po, assessment=assessment, ogrs=38, rsr="1.00")
        complete_assessment(by=po, assessment=assessment)
        return person, po

    def register(self, person, po, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            return add_registration(
                by=po,
                person=person,
                type=IOM_REGISTRATION,
                start_date=today() - dt.timedelta(days=3),
                next_review_date=today() + dt.timedelta(days=90),
            )

    def test_an_open_iom_registration_is_read_as_a_nominal(self, case, django_capture_on_commit_callbacks):
        person, po = case
        assert inputs_for(person).iom_nominal is False
        stored = TierCalculation.objects.get(person=person)
        assert (stored.tier, stored.change_points) == ("D1", 8)

        registration = self.register(person, po, django_capture_on_commit_callbacks)
        assert inputs_for(person).iom_nominal is True
        latest = TierCalculation.objects.latest()
        assert (latest.tier, latest.protect_points, latest.change_points) == ("D2", 0, 10)
        assert latest.inputs["iom_nominal"] is True
        assert latest.trigger == "registration_added"
        assert any(line["label"] == "Integrated offender management nominal" for line in latest.lines)

        with django_capture_on_commit_callbacks(execute=True):
            end_registration(by=po, registration=registration, end_date=today(), reason="Left the IOM cohort")
        assert inputs_for(person).iom_nominal is False
        latest = TierCalculation.objects.latest()
        assert (latest.tier, latest.change_points, latest.trigger) == ("D1", 8, "registration_ended")
        assert TierCalculation.objects.filter(person=person).count() == 3

    def test_the_bulk_recompute_reads_it_too(self, case, django_capture_on_commit_callbacks):
        from evenhand.assessment.services import recompute_all

        person, po = case
        # Registered without the signal's recompute: the next bulk recompute finds the change.
        add_registration(
            by=po,
            person=person,
            type=IOM_REGISTRATION,
            start_date=today() - dt.timedelta(days=3),
            next_review_date=today() + dt.timedelta(days=90),
        )
        report = recompute_all()
        assert report.changed == 1
        latest = TierCalculation.objects.latest()
        assert (latest.person_id, latest.tier, latest.change_points) == (person.pk, "D2", 10)
        assert latest.inputs["rsr"] == str(Decimal("1.00"))
