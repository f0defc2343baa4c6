"""Declarations, HR events and applicants' stages refuse UPDATE and DELETE in the database (migration 0002),
by every route: queryset update and delete, raw SQL (tests/refusals.py)."""

import datetime as dt

import pytest

from evenhand.org.models import Grade
from evenhand.workforce import services
from evenhand.workforce.models import ApplicantProgress, Declaration, EventKind, HrEvent
from evenhand.workforce.rules import Event
from tests.factories import StaffMemberFactory
from tests.refusals import Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded() -> dict[str, Target]:
    po = StaffMemberFactory(grade=Grade.PO)
    services.declare(by=po, staff=po, answers={"ethnicity": "B1"})
    event = services.record_hr_event(
        by=None,
        staff=po,
        event=Event(kind=EventKind.JOINED, occurred_on=dt.date(2020, 1, 6), grade=Grade.PSO, route="direct"),
    )
    campaign = services.create_campaign(reference="C1", grade=Grade.PO, opened_on=dt.date(2024, 1, 1))
    applicant = services.add_applicant(campaign=campaign, reference="A1")
    stage = services.record_applicant_stage(
        applicant=applicant, stage="applied", reached_on=dt.date(2024, 1, 2)
    )
    return {
        "declaration": Target(
            Declaration.objects.filter(staff=po),
            {"value": "W1"},
            "value",
            "W1",
            "An equality declaration",
            "make a new declaration instead.",
        ),
        "hr event": Target(
            HrEvent.objects.filter(pk=event.pk), {"grade": Grade.SPO}, "grade", Grade.SPO.value, "An HR event"
        ),
        "applicant stage": Target(
            ApplicantProgress.objects.filter(pk=stage.pk),
            {"stage": "appointed"},
            "stage",
            "appointed",
            "An applicant's stage",
        ),
    }


PROTECTED = ["declaration", "hr event", "applicant stage"]


@pytest.mark.parametrize("name", PROTECTED)
def test_every_change_is_refused(recorded, name):
    target = recorded[name]
    target.refuses_queryset_update()
    target.refuses_queryset_delete()
    target.refuses_raw_update()
    target.refuses_raw_delete("one row")
    target.refuses_raw_delete("every row")
