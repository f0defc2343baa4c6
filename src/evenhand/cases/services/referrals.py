"""Referrals to services and their progress."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from evenhand.core.services import LINE, plain_text, require_past, require_text, validated
from evenhand.org.models import StaffMember
from evenhand.people.access import ensure_can_record

from ..models import NEXT_STATUSES, Referral, ReferralStatus, ReferralStatusChange, Sentence
from .dates import require_within_sentence


@transaction.atomic
def make_referral(
    *,
    by: StaffMember,
    sentence: Sentence,
    service_area: str,
    reason: str,
    made_on: dt.date,
    provider: str = "",
) -> Referral:
    """Refer a person to a service for the needs their sentence plan identifies."""
    ensure_can_record(by, sentence.person)
    require_past(made_on, "made_on", "The date of the referral")
    require_within_sentence(made_on, sentence, "made_on", "The referral cannot be made")
    referral = validated(
        Referral(
            person=sentence.person,
            sentence=sentence,
            service_area=service_area,
            provider=plain_text(provider, "provider", "the provider", kind=LINE),
            reason=require_text(reason, "reason", "the reason for the referral"),
            made_on=made_on,
            made_by=by,
            status=ReferralStatus.MADE,
            status_changed_on=made_on,
        )
    )
    referral.save()
    ReferralStatusChange.objects.create(
        referral=referral, status=ReferralStatus.MADE, changed_on=made_on, changed_by=by
    )
    return referral


@transaction.atomic
def update_referral_status(
    *, by: StaffMember, referral: Referral, status: str, changed_on: dt.date, note: str = ""
) -> Referral:
    """Move a referral on (accepted, started, completed) or end it (declined, withdrawn)."""
    ensure_can_record(by, referral.person)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    allowed = NEXT_STATUSES[referral.status]
    if status not in allowed:
        if not allowed:
            raise ValidationError(
                {"status": f"This referral is {referral.get_status_display().lower()} and cannot change"}
            )
        names = " or ".join(ReferralStatus(s).label.lower() for s in allowed)
        raise ValidationError(
            {"status": f"A referral that is {referral.get_status_display().lower()} can become {names}"}
        )
    require_past(changed_on, "changed_on", "The date of the change")
    note = plain_text(note, "note", "the note")
    if changed_on < referral.status_changed_on:
        raise ValidationError({"changed_on": "The change cannot be dated before the referral's last change"})
    referral.status, referral.status_changed_on = status, changed_on
    referral.save(update_fields=["status", "status_changed_on", "modified_at"])
    ReferralStatusChange.objects.create(
        referral=referral, status=status, changed_on=changed_on, changed_by=by, note=note
    )
    return referral
