"""The sensitive-case protocol's writes: staff sensitivities (by their owner only) and consultations."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from evenhand.cases.models import Sentence
from evenhand.core.services import require_past, validated
from evenhand.org.models import StaffMember
from evenhand.people.access import can_view_person, ensure_can_record

from ..access import ensure_can_allocate, holds_cases
from ..models import Consultation, ConsultationResponse, StaffSensitivity
from ..selectors.figures import CASE_HOLDING_GRADES


@transaction.atomic
def record_sensitivity(*, by: StaffMember, kind: str, note: str = "") -> StaffSensitivity:
    """Ask to be consulted before a kind of case is allocated to you. Only you will see it; managers see only a
    "consult first" marker against your name on a matching case."""
    if not holds_cases(by):
        raise PermissionDenied("Sensitivities are for practitioners, who hold cases.")
    if StaffSensitivity.objects.filter(staff=by, kind=kind).exists():
        raise ValidationError({"kind": "You have already asked to be consulted about this kind of case"})
    sensitivity = validated(StaffSensitivity(staff=by, kind=kind, note=(note or "").strip()))
    sensitivity.save()
    return sensitivity


@transaction.atomic
def remove_sensitivity(*, by: StaffMember, sensitivity: StaffSensitivity) -> None:
    """Remove one of your own sensitivities."""
    if sensitivity.staff_id != by.pk:
        raise PermissionDenied("You can only remove your own sensitivities.")
    sensitivity.delete()


@transaction.atomic
def record_consultation(
    *, by: StaffMember, sentence: Sentence, practitioner: StaffMember, consulted_on: dt.date, notes: str = ""
) -> Consultation:
    """Record that the manager discussed the case with the practitioner they intend to allocate it to. It clears
    the allocation only once the practitioner confirms, in their own account, that they were consulted and agree.
    """
    ensure_can_allocate(by)
    ensure_can_record(by, sentence.person)
    if practitioner.grade not in CASE_HOLDING_GRADES or practitioner.pdu_id != sentence.person.pdu_id:
        raise ValidationError({"practitioner": "Consult a PSO or PO in the person's PDU"})
    if not can_view_person(practitioner, sentence.person):
        raise ValidationError({"practitioner": "This practitioner is excluded or restricted from the record"})
    require_past(consulted_on, "consulted_on", "The date of the consultation")
    if Consultation.objects.filter(
        sentence=sentence, practitioner=practitioner, response=ConsultationResponse.PENDING
    ).exists():
        raise ValidationError(
            {
                "practitioner": f"A consultation with {practitioner.full_name} is already waiting for their answer"
            }
        )
    consultation = validated(
        Consultation(
            sentence=sentence,
            practitioner=practitioner,
            consulted_on=consulted_on,
            notes=(notes or "").strip(),
            recorded_by=by,
            recorded_at=timezone.now(),
        ),
        exclude=["allocation"],
    )
    consultation.save()
    return consultation


@transaction.atomic
def answer_consultation(
    *, by: StaffMember, consultation: Consultation, agreed: bool, comment: str = ""
) -> Consultation:
    """The practitioner's own answer: they were consulted and agree to take the case, or they do not agree.
    Given once, by the practitioner and nobody else."""
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if consultation.practitioner_id != by.pk:
        raise PermissionDenied("Only the practitioner who was consulted can answer, in their own account.")
    if consultation.response != ConsultationResponse.PENDING:
        raise ValidationError({"agreed": "You have already answered this consultation"})
    consultation.response = ConsultationResponse.AGREED if agreed else ConsultationResponse.DECLINED
    consultation.responded_at = timezone.now()
    consultation.practitioner_comment = (comment or "").strip()
    validated(consultation)
    consultation.save(update_fields=["response", "responded_at", "practitioner_comment"])
    return consultation
