"""Allocating a case: the manager's decision, with the sensitive-case protocol and the capacity figures.

The grade, PDU, exclusion and sentence rules are ``evenhand.cases.services.allocate``'s; this service adds the
protocol and records the practitioner's capacity before and after on the allocation, in the same transaction.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from evenhand.cases.models import Allocation, Sentence
from evenhand.cases.services import allocate
from evenhand.core.services import require_text
from evenhand.org.models import StaffMember

from ..access import ensure_can_allocate
from ..models import ConsultationResponse, Transfer
from ..selectors.allocation import consultation_required, open_consultation
from ..selectors.figures import figure_of, points_for_sentence


@transaction.atomic
def allocate_case(
    *,
    by: StaffMember,
    sentence: Sentence,
    practitioner: StaffMember,
    reason: str,
    rationale: str,
    start_date: dt.date | None = None,
) -> Allocation:
    """Allocate a case to a practitioner as the manager decided, with the reason from the fixed list and a
    written rationale. Refused, with nothing written, when ``allocate``'s rules refuse it or when the case needs
    a consultation that the practitioner has not confirmed and agreed to in their own account.
    """
    ensure_can_allocate(by)
    rationale = require_text(rationale, "rationale", "why you chose this practitioner")
    today = timezone.localdate()
    start_date = start_date or today
    # Lock the sentence so that two managers allocating it at once are decided one after the other.
    sentence = Sentence.objects.select_for_update().select_related("person").get(pk=sentence.pk)
    before = figure_of(practitioner, today)
    after = before.capacity_with(points_for_sentence(sentence, today))
    allocation = allocate(
        by=by,
        sentence=sentence,
        practitioner=practitioner,
        reason=reason,
        start_date=start_date,
        rationale=rationale,
        capacity_before=before.capacity,
        capacity_after=after,
    )
    # Checked after allocate()'s own rules, so a wrong grade or an exclusion is what the manager hears first;
    # raising here undoes the allocation with the rest of the transaction.
    if consultation_required(sentence, practitioner):
        consultation = open_consultation(sentence, practitioner)
        name = practitioner.full_name
        # The same words whether the case is under the protocol or matches the practitioner's own sensitivity,
        # which the manager must not learn.
        if consultation is None:
            message = f"Consult {name} first: record that they were consulted and agreed before allocating"
        elif consultation.response == ConsultationResponse.PENDING:
            message = f"{name} has not yet confirmed the consultation in their own account"
        elif consultation.response == ConsultationResponse.DECLINED:
            message = f"{name} did not agree to take this case"
        else:
            consultation.allocation = allocation
            consultation.save(update_fields=["allocation"])
            return _completing_transfer(allocation)
        raise ValidationError({"practitioner": message})
    return _completing_transfer(allocation)


def _completing_transfer(allocation: Allocation) -> Allocation:
    """A case waiting after a transfer is allocated by the receiving PDU: the transfer is complete, and the
    sending practitioner's allocation was ended the day before by ``allocate``."""
    Transfer.objects.filter(sentence_id=allocation.sentence_id, allocation__isnull=True).update(
        allocation=allocation
    )
    return allocation
