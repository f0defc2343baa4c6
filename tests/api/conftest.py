"""A small organisation built through the services, and clients that call the API as one member of staff.

Region → PDUs Leeds (LDS) and Bradford (BRD) → one team each. Staff of every grade; Asha Patel in Leeds
with a recorded ethnicity and a community order allocated to the Leeds PO.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from evenhand.api.services import issue_api_token
from evenhand.cases.models import (
    AllocationReason,
    ContactOutcome,
    ContactType,
    OffenceCategory,
    RequirementType,
    Sentence,
    SentenceType,
)
from evenhand.cases.services import (
    ContactRecorded,
    OffenceInput,
    RequirementInput,
    allocate,
    create_sentence,
    record_contact,
)
from evenhand.org.models import PDU, Grade, StaffMember, Team
from evenhand.org.services import create_pdu, create_region, create_staff_member, create_team
from evenhand.people.models import (
    Characteristic,
    Ethnicity,
    GenderIdentity,
    IdentifiedBy,
    Person,
    Religion,
    Sex,
)
from evenhand.people.services import create_person, record_diversity, record_diversity_value

API = "/api/v1"


def today() -> dt.date:
    return timezone.localdate()


def days_ago(days: int, hour: int = 10) -> dt.datetime:
    day = today() - dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@dataclass
class Org:
    leeds: PDU
    bradford: PDU
    leeds_team: Team
    bradford_team: Team
    po: StaffMember  # Leeds PO, holds Asha's case
    pso: StaffMember  # Leeds PSO
    spo: StaffMember  # Leeds SPO
    head: StaffMember  # Head of Leeds PDU
    bradford_po: StaffMember
    bradford_spo: StaffMember
    analyst: StaffMember
    admin: StaffMember
    inspector: StaffMember


@pytest.fixture
def org(db: Any) -> Org:
    region = create_region(code="YH", name="Yorkshire and the Humber")
    leeds = create_pdu(region=region, code="LDS", name="Leeds")
    bradford = create_pdu(region=region, code="BRD", name="Bradford")
    leeds_team = create_team(pdu=leeds, code="LDS-1", name="Leeds North")
    bradford_team = create_team(pdu=bradford, code="BRD-1", name="Bradford Central")
    start = dt.date(2020, 1, 6)

    def staff(code: str, grade: Grade, team: Team | None = None, **extra: Any) -> StaffMember:
        return create_staff_member(
            staff_code=code,
            first_name=code.title(),
            last_name="Officer",
            grade=grade,
            team=team,
            start_date=start,
            **extra,
        )

    return Org(
        leeds=leeds,
        bradford=bradford,
        leeds_team=leeds_team,
        bradford_team=bradford_team,
        po=staff("LDSPO", Grade.PO, leeds_team, username="lds.po"),
        pso=staff("LDSPSO", Grade.PSO, leeds_team),
        spo=staff("LDSSPO", Grade.SPO, leeds_team),
        head=staff("LDSHEAD", Grade.HEAD_OF_PDU, leeds_team),
        bradford_po=staff("BRDPO", Grade.PO, bradford_team),
        bradford_spo=staff("BRDSPO", Grade.SPO, bradford_team),
        analyst=staff("ANALYST", Grade.ANALYST),
        admin=staff("ADMIN", Grade.ADMIN),
        inspector=staff("INSPECT", Grade.INSPECTOR),
    )


def make_person(
    by: StaffMember,
    pdu: PDU,
    crn: str,
    first_name: str = "Sam",
    last_name: str = "Jones",
    sex: Sex = Sex.MALE,
) -> Person:
    return create_person(
        by=by,
        crn=crn,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=dt.date(1990, 5, 17),
        sex=sex,
        pdu=pdu,
        # Tests make many people of one name and date of birth on purpose: they are known to be different.
        check_duplicates=False,
    )


def make_order(by: StaffMember, person: Person, **changes: Any) -> Sentence:
    """A community order of unpaid work that started 200 days ago and runs for two years."""
    start = today() - dt.timedelta(days=200)
    arguments: dict[str, Any] = {
        "type": SentenceType.COMMUNITY_ORDER,
        "court": "Leeds Magistrates' Court",
        "start_date": start,
        "expected_end_date": start + dt.timedelta(days=730),
        "offences": [OffenceInput(category=OffenceCategory.THEFT, description="Shop theft", is_main=True)],
        "requirements": [RequirementInput(type=RequirementType.UNPAID_WORK, unpaid_work_hours=120)],
    }
    arguments.update(changes)
    return create_sentence(by=by, person=person, **arguments)


def make_failure(by: StaffMember, sentence: Sentence, days: int = 10) -> ContactRecorded:
    return record_contact(
        by=by,
        sentence=sentence,
        type=ContactType.OFFICE_APPOINTMENT,
        starts_at=days_ago(days),
        location="Leeds probation office",
        notes="Did not attend; no explanation from Asha.",
        outcome=ContactOutcome.FAILED_UNACCEPTABLE,
    )


@pytest.fixture
def asha(org: Org) -> Person:
    person = make_person(org.po, org.leeds, "L123456", "Asha", "Patel", Sex.FEMALE)
    record_diversity(
        by=org.po,
        person=person,
        ethnicity=Ethnicity.ASIAN_INDIAN,
        identified_by=IdentifiedBy.SELF,
        identified_on=today() - dt.timedelta(days=30),
        religion=Religion.HINDU,
    )
    record_diversity_value(
        by=org.po,
        person=person,
        characteristic=Characteristic.GENDER_IDENTITY,
        value=GenderIdentity.SAME,
        identified_by=IdentifiedBy.SELF,
        identified_on=today() - dt.timedelta(days=30),
        detail="Woman",
    )
    return person


@pytest.fixture
def order(org: Org, asha: Person) -> Sentence:
    sentence = make_order(org.po, asha)
    allocate(
        by=org.spo,
        sentence=sentence,
        practitioner=org.po,
        reason=AllocationReason.NEW_CASE,
        start_date=sentence.start_date,
    )
    return sentence


@pytest.fixture
def bradford_person(org: Org) -> Person:
    return make_person(org.bradford_po, org.bradford, "B654321", "Bilal", "Hussain")


@pytest.fixture
def token_for(db: Any) -> Callable[[StaffMember], str]:
    def issue(staff: StaffMember) -> str:
        return issue_api_token(staff=staff, name=f"tests for {staff.staff_code}").raw

    return issue


@pytest.fixture
def client_for(token_for: Callable[[StaffMember], str]) -> Callable[[StaffMember], Client]:
    """A test client that sends a bearer token for this member of staff on every request."""

    def make(staff: StaffMember) -> Client:
        return Client(headers={"Authorization": f"Bearer {token_for(staff)}"})

    return make
