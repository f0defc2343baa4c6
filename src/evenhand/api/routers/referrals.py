"""Referrals to services and their progress."""

from operator import attrgetter

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from evenhand.cases.models import Referral
from evenhand.cases.services import make_referral, update_referral_status
from evenhand.org.models import StaffMember
from evenhand.people.access import visible_people

from ..auth import staff_of
from ..schemas import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ReferralFilter,
    ReferralIn,
    ReferralOut,
    ReferralStatusIn,
)
from .common import AuditedPagination, api_field_names, field_error, get_visible, log_read
from .sentences import sentences_for

router = Router(tags=["referrals"])


def referrals_for(staff: StaffMember) -> QuerySet[Referral]:
    return Referral.objects.filter(person__in=visible_people(staff)).select_related("made_by")


@router.get("", response={200: list[ReferralOut], **LIST_ERRORS}, summary="List referrals")
@paginate(AuditedPagination, person_of=attrgetter("person_id"))
def list_referrals(request: HttpRequest, filters: Query[ReferralFilter]) -> QuerySet[Referral]:
    """Referrals the caller may see, latest first."""
    return filters.filter(referrals_for(staff_of(request))).order_by("-made_on", "-pk")


@router.get("/{int:referral_id}", response={200: ReferralOut, **READ_ERRORS}, summary="Read a referral")
def read_referral(request: HttpRequest, referral_id: int) -> Referral:
    referral = get_visible(referrals_for(staff_of(request)), referral_id)
    log_read(request, referral.person_id)
    return referral


@router.post("", response={201: ReferralOut, **WRITE_ERRORS}, summary="Make a referral")
def create_referral(request: HttpRequest, payload: ReferralIn) -> Status:
    """Refer a person to a service for a need their sentence plan identifies."""
    staff = staff_of(request)
    sentence = sentences_for(staff).select_related("person").filter(pk=payload.sentence_id).first()
    if sentence is None:
        raise field_error("sentence_id", "There is no sentence with this id that you have access to")
    with api_field_names(sentence="sentence_id"):
        referral = make_referral(
            by=staff,
            sentence=sentence,
            service_area=payload.service_area,
            reason=payload.reason,
            made_on=payload.made_on,
            provider=payload.provider,
        )
    return Status(201, referrals_for(staff).get(pk=referral.pk))


@router.post(
    "/{int:referral_id}/status",
    response={200: ReferralOut, **WRITE_ERRORS},
    summary="Move a referral on, or end it",
)
def change_referral_status(request: HttpRequest, referral_id: int, payload: ReferralStatusIn) -> Referral:
    staff = staff_of(request)
    referral = get_visible(referrals_for(staff).select_related("person"), referral_id)
    update_referral_status(
        by=staff, referral=referral, status=payload.status, changed_on=payload.changed_on, note=payload.note
    )
    return referrals_for(staff).get(pk=referral.pk)
