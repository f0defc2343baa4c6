import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from evenhand.org.models import PDU_GRADES, ROLE_OF_GRADE, Grade, Role, StaffMember
from tests.factories import PDUFactory, RegionFactory, StaffMemberFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("grade", "role"),
    [
        (Grade.PSO, Role.PRACTITIONER),
        (Grade.PO, Role.PRACTITIONER),
        (Grade.SPO, Role.SPO),
        (Grade.HEAD_OF_PDU, Role.HEAD_OF_PDU),
        (Grade.ANALYST, Role.ANALYST),
        (Grade.INSPECTOR, Role.INSPECTOR),
        (Grade.ADMIN, Role.ADMIN),
    ],
)
def test_role_follows_grade(grade, role):
    assert StaffMemberFactory.build(grade=grade, team=None).role == role


def test_every_grade_has_a_role():
    assert set(ROLE_OF_GRADE) == set(Grade.values)


def test_pdu_id_is_the_pdu_of_the_team():
    pdu = PDUFactory()
    staff = StaffMemberFactory(grade=Grade.PSO, pdu=pdu)
    assert staff.pdu_id == pdu.pk
    assert StaffMemberFactory(grade=Grade.ANALYST).pdu_id is None


@pytest.mark.parametrize("hours", [Decimal("0.5"), Decimal("0"), Decimal("48.5"), Decimal("60")])
def test_contracted_hours_out_of_range_rejected_by_full_clean_and_database(hours):
    team = TeamFactory()
    staff = StaffMemberFactory.build(team=team, contracted_hours=hours)
    with pytest.raises(ValidationError) as caught:
        staff.full_clean()
    assert "contracted_hours" in caught.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        staff.save()


@pytest.mark.parametrize("hours", [Decimal("1.0"), Decimal("22.5"), Decimal("48.0")])
def test_contracted_hours_in_range_accepted(hours):
    staff = StaffMemberFactory(contracted_hours=hours)
    staff.full_clean()
    staff.refresh_from_db()
    assert staff.contracted_hours == hours


@pytest.mark.parametrize("grade", PDU_GRADES)
def test_pdu_grades_need_a_team(grade):
    staff = StaffMemberFactory.build(grade=grade, team=None)
    with pytest.raises(ValidationError):
        staff.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        staff.save()


@pytest.mark.parametrize("grade", [Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN])
def test_service_wide_grades_need_no_team(grade):
    staff = StaffMemberFactory(grade=grade)
    staff.full_clean()
    assert staff.team is None


def test_end_date_before_start_rejected():
    staff = StaffMemberFactory.build(
        team=TeamFactory(), start_date=dt.date(2024, 5, 1), end_date=dt.date(2024, 4, 30)
    )
    with pytest.raises(ValidationError):
        staff.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        staff.save()
    staff.end_date = dt.date(2024, 5, 1)
    staff.full_clean()
    staff.save()
    assert StaffMember.objects.filter(pk=staff.pk).exists()


def test_codes_are_unique():
    region = RegionFactory(code="YH")
    with pytest.raises(IntegrityError), transaction.atomic():
        RegionFactory(code="YH")
    pdu = PDUFactory(code="LDS", region=region)
    with pytest.raises(IntegrityError), transaction.atomic():
        PDUFactory(code="LDS")
    TeamFactory(code="LDS-T1", pdu=pdu)
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamFactory(code="LDS-T1")
    StaffMemberFactory(staff_code="ABC1")
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffMemberFactory(staff_code="ABC1")
