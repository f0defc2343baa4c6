"""Transfers to another PDU, reallocation within a PDU, and the same-day correction of an allocation in error.

Each is a manager's decision kept as a record: a ``Transfer``, a new ``Allocation`` with its reason from the
fixed list, or an ``AllocationCorrection`` pointing at the allocation it corrects. Nothing is edited but the end
date of the allocation a new one takes over from, as every allocation does.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from evenhand.cases.models import Allocation, AllocationReason, Sentence
from evenhand.core.services import require_text
from evenhand.org.models import PDU, StaffMember
from evenhand.people.access import ensure_can_record
from evenhand.people.models import Person

from ..access import ensure_can_allocate
from ..models import AllocationCorrection, Transfer
from .allocation import allocate_case


def _ensure_manages_person(by: StaffMember, person: Person) -> None:
    """Only a senior probation officer or head of the PDU that manages the person decides about their case."""
    ensure_can_allocate(by)
    ensure_can_record(by, person)
    if person.pdu_id != by.pdu_id:
        raise PermissionDenied("Only the PDU that manages this person can decide this.")


def _running(person: Person) -> list[Sentence]:
    today = timezone.localdate()
    return [s for s in person.sentences.all() if s.termination_date is None or s.termination_date >= today]


@transaction.atomic
def transfer_person(*, by: StaffMember, person: Person, to_pdu: PDU | None, reason: str) -> list[Transfer]:
    """Transfer a person to another PDU, as a senior probation officer or head of the sending PDU decided.

    The person's record moves to the receiving PDU and each running sentence enters its allocation queue, one
    ``Transfer`` each; whoever holds a case now stays responsible for it until the receiving PDU allocates it
    (``allocate_case`` completes the transfer). Refused, with nothing written: the same PDU, no running
    sentence, a case already waiting after a transfer, no reason.
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    _ensure_manages_person(by, person)
    if to_pdu is None:
        raise ValidationError({"to_pdu": "Choose the PDU to transfer the person to"})
    if to_pdu.pk == person.pdu_id:
        raise ValidationError({"to_pdu": "Choose another PDU: the person is already managed in this one"})
    reason = require_text(reason, "reason", "why the person is being transferred")
    sentences = _running(person)
    if not sentences:
        raise ValidationError({"person": "This person has no running sentence to transfer"})
    if Transfer.objects.filter(sentence__in=sentences, allocation__isnull=True).exists():
        raise ValidationError(
            {"person": "This person's case is already waiting to be allocated after a transfer"}
        )
    now = timezone.now()
    transfers = [
        Transfer.objects.create(
            sentence=sentence,
            from_pdu_id=person.pdu_id,
            to_pdu=to_pdu,
            reason=reason,
            transferred_by=by,
            transferred_at=now,
        )
        for sentence in sentences
    ]
    person.pdu = to_pdu
    person.save(update_fields=["pdu"])
    return transfers


@transaction.atomic
def reallocate_case(
    *,
    by: StaffMember,
    sentence: Sentence,
    practitioner: StaffMember,
    reason: str,
    rationale: str,
    start_date: dt.date | None = None,
) -> Allocation:
    """Move an allocated case to another practitioner in the same PDU, with the reason from the fixed list
    (``AllocationReason``, other than a new case or a transfer in) and a written rationale; the current
    allocation ends the day before. The sensitive-case protocol and allocation rules apply as to any allocation.
    """
    sentence = Sentence.objects.select_related("person").get(pk=sentence.pk)
    _ensure_manages_person(by, sentence.person)
    if (
        reason in (AllocationReason.NEW_CASE, AllocationReason.TRANSFER_IN)
        or reason not in AllocationReason.values
    ):
        raise ValidationError({"reason": "Choose why the case is being reallocated"})
    if not Allocation.objects.filter(sentence=sentence, end_date__isnull=True).exists():
        raise ValidationError({"sentence": "This case is not allocated: allocate it from the queue"})
    if Transfer.objects.filter(sentence=sentence, allocation__isnull=True).exists():
        raise ValidationError({"sentence": "This case is waiting for allocation after a transfer"})
    return allocate_case(
        by=by, sentence=sentence, practitioner=practitioner, reason=reason, rationale=rationale
    )


@transaction.atomic
def correct_allocation(
    *, by: StaffMember, allocation: Allocation, practitioner: StaffMember, reason: str
) -> AllocationCorrection:
    """Correct an allocation made in error, on the day it was made: the allocation in error ends the day it
    started, a replacement allocation to the right practitioner starts the same day, and a correction record
    points at both. After that day a change of practitioner is a reallocation, with its reason.
    """
    allocation = (
        Allocation.objects.select_for_update().select_related("sentence__person").get(pk=allocation.pk)
    )
    _ensure_manages_person(by, allocation.sentence.person)
    reason = require_text(reason, "reason", "what was wrong with the allocation")
    if timezone.localdate(allocation.allocated_at) != timezone.localdate():
        raise ValidationError(
            {"allocation": "An allocation can be corrected only on the day it was made: reallocate the case"}
        )
    if AllocationCorrection.objects.filter(corrects=allocation).exists() or allocation.end_date is not None:
        raise ValidationError({"allocation": "This allocation is no longer current"})
    if practitioner.pk == allocation.practitioner_id:
        raise ValidationError({"practitioner": "Choose the practitioner the case should have gone to"})
    allocation.end_date = allocation.start_date
    allocation.save(update_fields=["end_date"])
    replacement = allocate_case(
        by=by,
        sentence=allocation.sentence,
        practitioner=practitioner,
        reason=allocation.reason,
        rationale=reason,
        start_date=allocation.start_date,
    )
    return AllocationCorrection.objects.create(
        corrects=allocation,
        replacement=replacement,
        reason=reason,
        corrected_by=by,
        corrected_at=timezone.now(),
    )
