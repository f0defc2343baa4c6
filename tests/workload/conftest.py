"""Fixtures for the workload tests: the published weighting table, a PDU with a team, and cases on a tier."""

import datetime as dt
from typing import Any

import pytest

from evenhand.cases.models import Allocation, Sentence, SentenceType
from evenhand.org.models import PDU, Grade, StaffMember, Team
from evenhand.workload.models import WeightingVersion
from evenhand.workload.services import ensure_published_weightings
from tests.factories import (
    AllocationFactory,
    PDUFactory,
    PersonFactory,
    RiskSummaryFactory,
    SentenceFactory,
    StaffMemberFactory,
    TeamFactory,
)

# A fixed "today" for the hand-worked examples: a Monday.
TODAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def published_weightings(db: Any) -> WeightingVersion:
    # The data migration seeds version 1; a transactional test elsewhere in the run may have flushed it.
    return ensure_published_weightings()


@pytest.fixture
def pdu() -> PDU:
    return PDUFactory()


@pytest.fixture
def team(pdu: PDU) -> Team:
    return TeamFactory(pdu=pdu)


@pytest.fixture
def spo(team: Team) -> StaffMember:
    return StaffMemberFactory(grade=Grade.SPO, team=team, with_user=True)


@pytest.fixture
def po(team: Team) -> StaffMember:
    return StaffMemberFactory(grade=Grade.PO, team=team, with_user=True)


@pytest.fixture
def pso(team: Team) -> StaffMember:
    return StaffMemberFactory(grade=Grade.PSO, team=team, with_user=True)


def case_for(
    practitioner: StaffMember,
    tier: str | None,
    type: str = SentenceType.COMMUNITY_ORDER,
    start: dt.date = dt.date(2025, 6, 2),
    end: dt.date = dt.date(2027, 6, 1),
    assessed_on: dt.date = dt.date(2025, 6, 2),
    allocated_from: dt.date | None = None,
    **offence: Any,
) -> Allocation:
    """A person in the practitioner's PDU with one sentence on ``tier`` (None: not yet tiered), allocated."""
    person = PersonFactory(pdu=practitioner.team.pdu)
    sentence = SentenceFactory(
        person=person,
        type=type,
        start_date=start,
        expected_end_date=end,
        offences=[{"is_main": True, **offence}],
    )
    if tier is not None:
        RiskSummaryFactory(person=person, tier=tier, assessed_on=assessed_on, rosh="L", recorded_by=None)
    return AllocationFactory(
        sentence=sentence,
        practitioner=practitioner,
        start_date=allocated_from or start,
        allocated_by=manager_of(practitioner),
    )


def manager_of(practitioner: StaffMember) -> StaffMember:
    """An SPO of the practitioner's team (made once), so that factories add no other case holders to it."""
    return StaffMember.objects.filter(team=practitioner.team, grade=Grade.SPO).first() or StaffMemberFactory(
        grade=Grade.SPO, team=practitioner.team
    )


def unallocated(pdu: PDU, tier: str | None = "C2", rosh: str = "L", **kwargs: Any) -> Sentence:
    person = PersonFactory(pdu=pdu)
    sentence = SentenceFactory(person=person, **kwargs)
    if tier is not None:
        RiskSummaryFactory(
            person=person, tier=tier, rosh=rosh, assessed_on=sentence.start_date, recorded_by=None
        )
    return sentence
