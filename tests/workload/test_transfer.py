"""Transfers to another PDU, reallocation within a PDU and the same-day correction of an allocation in error,
through the services: each rule, each permission, and nothing written when refused."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from evenhand.cases.models import Allocation, AllocationReason
from evenhand.org.models import Grade, StaffMember
from evenhand.people.models import Person
from evenhand.workload import services
from evenhand.workload.models import AllocationCorrection, Transfer
from evenhand.workload.selectors import allocation_queue
from evenhand.workload.selectors.figures import figure_of
from tests.factories import PDUFactory, StaffMemberFactory, TeamFactory
from tests.workload.conftest import case_for

pytestmark = pytest.mark.django_db
RATIONALE = "Has capacity and knows the area well."
A_YEAR_AGO = timezone.localdate() - dt.timedelta(days=365)


@pytest.fixture
def receiving() -> dict[str, StaffMember]:
    team = TeamFactory(pdu=PDUFactory())
    return {
        "spo": StaffMemberFactory(grade=Grade.SPO, team=team, with_user=True),
        "po": StaffMemberFactory(grade=Grade.PO, team=team, with_user=True),
    }


def held(po: StaffMember) -> Allocation:
    return case_for(po, "C2", start=A_YEAR_AGO, assessed_on=A_YEAR_AGO)


def fields(error: ValidationError) -> set[str]:
    return set(error.message_dict)


# --- transfer ---------------------------------------------------------------------------------------------


def test_transfer_enters_the_receiving_queue_and_the_sender_stays_responsible(
    spo: StaffMember, po: StaffMember, receiving: dict[str, StaffMember]
) -> None:
    allocation = held(po)
    person = allocation.sentence.person
    to_pdu = receiving["spo"].team.pdu
    [transfer] = services.transfer_person(by=spo, person=person, to_pdu=to_pdu, reason="Moved to Leeds")
    assert transfer.from_pdu == po.team.pdu and transfer.to_pdu == to_pdu and transfer.allocation is None
    person.refresh_from_db()
    assert person.pdu == to_pdu
    allocation.refresh_from_db()
    assert allocation.end_date is None  # the sending practitioner still holds it
    assert list(allocation_queue(receiving["spo"])) == [allocation.sentence]
    assert list(allocation_queue(spo)) == []

    new = services.allocate_case(
        by=receiving["spo"],
        sentence=allocation.sentence,
        practitioner=receiving["po"],
        reason=AllocationReason.TRANSFER_IN,
        rationale=RATIONALE,
    )
    allocation.refresh_from_db()
    transfer.refresh_from_db()
    assert allocation.end_date == timezone.localdate() - dt.timedelta(days=1)
    assert transfer.allocation == new
    assert list(allocation_queue(receiving["spo"])) == []


def test_transfer_to_the_same_pdu_is_refused_naming_the_field(spo: StaffMember, po: StaffMember) -> None:
    person = held(po).sentence.person
    with pytest.raises(ValidationError) as error:
        services.transfer_person(by=spo, person=person, to_pdu=po.team.pdu, reason="Moved")
    assert fields(error.value) == {"to_pdu"}
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_transfer_without_a_reason_is_refused(
    spo: StaffMember, po: StaffMember, receiving: dict[str, StaffMember], reason: str
) -> None:
    person = held(po).sentence.person
    with pytest.raises(ValidationError) as error:
        services.transfer_person(by=spo, person=person, to_pdu=receiving["spo"].team.pdu, reason=reason)
    assert fields(error.value) == {"reason"}
    assert not Transfer.objects.exists()
    assert Person.objects.get(pk=person.pk).pdu == po.team.pdu


def test_a_second_transfer_while_one_waits_is_refused(
    spo: StaffMember, po: StaffMember, receiving: dict[str, StaffMember]
) -> None:
    person = held(po).sentence.person
    services.transfer_person(by=spo, person=person, to_pdu=receiving["spo"].team.pdu, reason="Moved")
    third = PDUFactory()
    with pytest.raises(ValidationError) as error:
        services.transfer_person(by=receiving["spo"], person=person, to_pdu=third, reason="Moved again")
    assert fields(error.value) == {"person"}
    assert Transfer.objects.count() == 1


def test_only_the_sending_pdus_manager_transfers(
    spo: StaffMember, po: StaffMember, receiving: dict[str, StaffMember]
) -> None:
    person = held(po).sentence.person
    analyst = StaffMemberFactory(grade=Grade.ANALYST)
    for attacker in (receiving["spo"], po, analyst):
        with pytest.raises(PermissionDenied):
            services.transfer_person(
                by=attacker, person=person, to_pdu=receiving["spo"].team.pdu, reason="Moved"
            )
    assert not Transfer.objects.exists()
    head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, team=spo.team)
    services.transfer_person(by=head, person=person, to_pdu=receiving["spo"].team.pdu, reason="Moved")


def test_the_sending_spo_cannot_allocate_a_transferred_case(
    spo: StaffMember, po: StaffMember, receiving: dict[str, StaffMember]
) -> None:
    allocation = held(po)
    services.transfer_person(
        by=spo, person=allocation.sentence.person, to_pdu=receiving["spo"].team.pdu, reason="Moved"
    )
    other = StaffMemberFactory(grade=Grade.PO, team=spo.team)
    with pytest.raises((PermissionDenied, ValidationError)):
        services.allocate_case(
            by=spo,
            sentence=allocation.sentence,
            practitioner=other,
            reason=AllocationReason.OTHER,
            rationale=RATIONALE,
        )
    assert Allocation.objects.filter(sentence=allocation.sentence).count() == 1


# --- reallocation -----------------------------------------------------------------------------------------


def test_reallocation_within_the_pdu_ends_the_current_allocation(spo: StaffMember, po: StaffMember) -> None:
    allocation = held(po)
    other = StaffMemberFactory(grade=Grade.PO, team=spo.team)
    new = services.reallocate_case(
        by=spo,
        sentence=allocation.sentence,
        practitioner=other,
        reason=AllocationReason.OFFICER_LEFT,
        rationale=RATIONALE,
    )
    allocation.refresh_from_db()
    assert new.practitioner == other and new.reason == AllocationReason.OFFICER_LEFT
    assert allocation.end_date == new.start_date - dt.timedelta(days=1)


@pytest.mark.parametrize("reason", ["", "nonsense", AllocationReason.NEW_CASE, AllocationReason.TRANSFER_IN])
def test_reallocation_without_a_reason_from_the_list_is_refused(
    spo: StaffMember, po: StaffMember, reason: str
) -> None:
    allocation = held(po)
    other = StaffMemberFactory(grade=Grade.PO, team=spo.team)
    with pytest.raises(ValidationError) as error:
        services.reallocate_case(
            by=spo, sentence=allocation.sentence, practitioner=other, reason=reason, rationale=RATIONALE
        )
    assert fields(error.value) == {"reason"}
    assert Allocation.objects.filter(sentence=allocation.sentence).count() == 1


def test_reallocation_is_refused_to_another_pdus_spo_a_practitioner_and_an_analyst(
    spo: StaffMember, po: StaffMember, receiving: dict[str, StaffMember]
) -> None:
    allocation = held(po)
    other = StaffMemberFactory(grade=Grade.PO, team=spo.team)
    for attacker in (receiving["spo"], po, StaffMemberFactory(grade=Grade.ANALYST)):
        with pytest.raises(PermissionDenied):
            services.reallocate_case(
                by=attacker,
                sentence=allocation.sentence,
                practitioner=other,
                reason=AllocationReason.OTHER,
                rationale=RATIONALE,
            )
    assert Allocation.objects.filter(sentence=allocation.sentence).count() == 1


# --- correction -------------------------------------------------------------------------------------------


def _allocated_today(spo: StaffMember, po: StaffMember) -> Allocation:
    previous = held(po)
    wrong = StaffMemberFactory(grade=Grade.PO, team=spo.team)
    return services.reallocate_case(
        by=spo,
        sentence=previous.sentence,
        practitioner=wrong,
        reason=AllocationReason.CASELOAD_ADJUSTMENT,
        rationale=RATIONALE,
    )


def test_a_same_day_correction_is_a_new_record_pointing_at_the_one_it_corrects(
    spo: StaffMember, po: StaffMember
) -> None:
    wrong = _allocated_today(spo, po)
    right = StaffMemberFactory(grade=Grade.PO, team=spo.team)
    correction = services.correct_allocation(
        by=spo, allocation=wrong, practitioner=right, reason="Wrong name"
    )
    wrong.refresh_from_db()
    assert correction.corrects == wrong and correction.replacement.practitioner == right
    assert correction.replacement.start_date == wrong.start_date
    assert (
        wrong.end_date == wrong.start_date and wrong.practitioner != right
    )  # kept, not edited to someone else
    assert Allocation.objects.get(sentence=wrong.sentence, end_date__isnull=True) == correction.replacement
    with pytest.raises(ValidationError) as error:
        services.correct_allocation(by=spo, allocation=wrong, practitioner=po, reason="Again")
    assert fields(error.value) == {"allocation"}


def test_a_correction_after_the_day_is_refused(spo: StaffMember, po: StaffMember) -> None:
    wrong = _allocated_today(spo, po)
    Allocation.objects.filter(pk=wrong.pk).update(allocated_at=timezone.now() - dt.timedelta(days=1))
    right = StaffMemberFactory(grade=Grade.PO, team=spo.team)
    with pytest.raises(ValidationError) as error:
        services.correct_allocation(by=spo, allocation=wrong, practitioner=right, reason="Wrong name")
    assert fields(error.value) == {"allocation"}
    assert not AllocationCorrection.objects.exists()
    wrong.refresh_from_db()
    assert wrong.end_date is None


def test_a_correction_without_a_reason_or_to_the_same_practitioner_is_refused(
    spo: StaffMember, po: StaffMember
) -> None:
    wrong = _allocated_today(spo, po)
    right = StaffMemberFactory(grade=Grade.PO, team=spo.team)
    with pytest.raises(ValidationError) as error:
        services.correct_allocation(by=spo, allocation=wrong, practitioner=right, reason=" ")
    assert fields(error.value) == {"reason"}
    with pytest.raises(ValidationError) as error:
        services.correct_allocation(by=spo, allocation=wrong, practitioner=wrong.practitioner, reason="x")
    assert fields(error.value) == {"practitioner"}
    assert not AllocationCorrection.objects.exists()
    assert Allocation.objects.get(pk=wrong.pk).end_date is None


def test_a_correction_is_refused_to_another_pdus_spo_a_practitioner_and_an_analyst(
    spo: StaffMember, po: StaffMember, receiving: dict[str, StaffMember]
) -> None:
    wrong = _allocated_today(spo, po)
    right = StaffMemberFactory(grade=Grade.PO, team=spo.team)
    for attacker in (receiving["spo"], po, StaffMemberFactory(grade=Grade.ANALYST)):
        with pytest.raises(PermissionDenied):
            services.correct_allocation(by=attacker, allocation=wrong, practitioner=right, reason="Wrong")
    assert not AllocationCorrection.objects.exists()


def test_the_allocation_in_error_never_counts_in_the_wrong_practitioners_workload(
    spo: StaffMember, po: StaffMember
) -> None:
    wrong = _allocated_today(spo, po)
    right = StaffMemberFactory(grade=Grade.PO, team=spo.team)
    assert figure_of(wrong.practitioner, timezone.localdate()).cases == 1
    services.correct_allocation(by=spo, allocation=wrong, practitioner=right, reason="Wrong name")
    assert figure_of(wrong.practitioner, timezone.localdate()).cases == 0
    assert figure_of(right, timezone.localdate()).cases == 1
