import pytest

from evenhand.org.models import Grade, StaffMember
from evenhand.people.models import Person
from tests.factories import PDUFactory, PersonFactory, StaffMemberFactory


@pytest.fixture
def pdu():
    return PDUFactory()


@pytest.fixture
def po(pdu) -> StaffMember:
    return StaffMemberFactory(grade=Grade.PO, pdu=pdu)


@pytest.fixture
def pso(pdu) -> StaffMember:
    return StaffMemberFactory(grade=Grade.PSO, pdu=pdu)


@pytest.fixture
def spo(pdu) -> StaffMember:
    return StaffMemberFactory(grade=Grade.SPO, pdu=pdu)


@pytest.fixture
def person(pdu) -> Person:
    return PersonFactory(pdu=pdu)
