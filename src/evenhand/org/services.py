"""Writes to the organisation: regions, PDUs, teams and staff."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from evenhand.core.services import validated

from .models import PDU, Grade, Region, StaffMember, Team


@transaction.atomic
def create_region(*, code: str, name: str) -> Region:
    region = validated(Region(code=code, name=name))
    region.save()
    return region


@transaction.atomic
def create_pdu(*, region: Region, code: str, name: str) -> PDU:
    pdu = validated(PDU(region=region, code=code, name=name))
    pdu.save()
    return pdu


@transaction.atomic
def create_team(*, pdu: PDU, code: str, name: str) -> Team:
    team = validated(Team(pdu=pdu, code=code, name=name))
    team.save()
    return team


@transaction.atomic
def create_staff_member(
    *,
    staff_code: str,
    first_name: str,
    last_name: str,
    grade: Grade | str,
    start_date: dt.date,
    team: Team | None = None,
    contracted_hours: Decimal = Decimal("37.0"),
    username: str | None = None,
    password: str | None = None,
    email: str = "",
) -> StaffMember:
    """Create a member of staff and, when a username is given, the log-in that goes with it."""
    user = None
    if username:
        user = get_user_model().objects.create_user(
            username=username, password=password, email=email, first_name=first_name, last_name=last_name
        )
    staff = validated(
        StaffMember(
            user=user,
            staff_code=staff_code,
            first_name=first_name,
            last_name=last_name,
            grade=grade,
            team=team,
            contracted_hours=contracted_hours,
            start_date=start_date,
        )
    )
    staff.save()
    return staff
