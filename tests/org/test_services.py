import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from evenhand.org.models import PDU, Grade, Region, StaffMember, Team
from evenhand.org.services import create_pdu, create_region, create_staff_member, create_team
from tests.factories import RegionFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_region_pdu_and_team_are_created_and_linked():
    region = create_region(code="YH", name="Yorkshire and the Humber")
    pdu = create_pdu(region=region, code="LDS", name="Leeds")
    create_team(pdu=pdu, code="LDS-T1", name="Leeds team 1")
    assert Region.objects.get(code="YH").name == "Yorkshire and the Humber"
    assert PDU.objects.get(code="LDS").region == region
    assert Team.objects.get(code="LDS-T1").pdu == pdu


def test_duplicate_codes_are_reported_by_field():
    region = RegionFactory(code="YH")
    with pytest.raises(ValidationError) as caught:
        create_region(code="YH", name="Another")
    assert "code" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        create_pdu(region=region, code="X" * 13, name="Too long a code")
    assert "code" in caught.value.message_dict
    assert Region.objects.count() == 1
    assert PDU.objects.count() == 0


def test_staff_member_without_username_has_no_log_in():
    team = TeamFactory()
    staff = create_staff_member(
        staff_code="LDS101",
        first_name="Aisha",
        last_name="Khan",
        grade=Grade.PO,
        team=team,
        start_date=dt.date(2020, 1, 6),
    )
    staff.refresh_from_db()
    assert staff.user is None
    assert staff.contracted_hours == Decimal("37.0")
    assert staff.pdu_id == team.pdu_id
    assert get_user_model().objects.count() == 0


def test_staff_member_with_username_can_sign_in():
    staff = create_staff_member(
        staff_code="NAT-A01",
        first_name="Grace",
        last_name="Osei",
        grade=Grade.ANALYST,
        start_date=dt.date(2021, 3, 1),
        username="grace.osei",
        password="a long enough password 42",
        email="grace.osei@example.gov.uk",
    )
    user = get_user_model().objects.get(username="grace.osei")
    assert user.check_password("a long enough password 42")
    assert not user.check_password("wrong password entirely")
    assert user.staff == staff
    assert (user.first_name, user.last_name, user.email) == ("Grace", "Osei", "grace.osei@example.gov.uk")


def test_invalid_staff_member_is_rejected_without_leaving_a_user_behind():
    with pytest.raises(ValidationError) as caught:
        create_staff_member(
            staff_code="LDS102",
            first_name="Tomasz",
            last_name="Nowak",
            grade=Grade.PSO,
            team=None,  # a PSO must belong to a team
            start_date=dt.date(2022, 1, 1),
            username="tomasz.nowak",
            password="a long enough password 42",
        )
    assert caught.value.messages
    assert StaffMember.objects.count() == 0
    assert get_user_model().objects.filter(username="tomasz.nowak").count() == 0


@pytest.mark.parametrize("hours", [Decimal("0.5"), Decimal("48.5")])
def test_staff_hours_out_of_range_reported_by_field(hours):
    with pytest.raises(ValidationError) as caught:
        create_staff_member(
            staff_code="LDS103",
            first_name="Ravi",
            last_name="Patel",
            grade=Grade.PO,
            team=TeamFactory(),
            start_date=dt.date(2022, 1, 1),
            contracted_hours=hours,
        )
    assert "contracted_hours" in caught.value.message_dict
    assert StaffMember.objects.count() == 0
