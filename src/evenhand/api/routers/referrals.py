"""Referrals to services and their progress."""

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from evenhand.audit.models import Channel
from evenhand.cases import door
from evenhand.cases.records import ReferralRecord
from evenhand.cases.services import make_referral, update_referral_status
from evenhand.people.door import require_casework

from ..auth import staff_of
from ..schemas import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    PagedReferralOut,
    PageQuery,
    Ref,
    ReferralFilter,
    ReferralIn,
    ReferralOut,
    ReferralStatusIn,
)
from .common import api_field_names, listed, loaded_for_casework, purpose, read

router = Router(tags=["referrals"])


@router.get("", response={200: PagedReferralOut, **LIST_ERRORS}, summary="List referrals")
def list_referrals(
    request: HttpRequest, filters: Query[ReferralFilter], page: Query[PageQuery]
) -> dict[str, Any]:
    """Referrals the caller may see, latest first. Each page is logged as an export."""
    return listed(
        request,
        door.list_referrals,
        page,
        person=filters.person,
        service_area=filters.service_area,
        status=filters.status,
    )


@router.get("/{ref:ref}", response={200: ReferralOut, **READ_ERRORS}, summary="Read a referral")
def read_referral(request: HttpRequest, ref: Path[Ref]) -> ReferralRecord:
    return read(request, door.open_referral, ref)


@router.post("", response={201: ReferralOut, **WRITE_ERRORS}, summary="Make a referral")
def create_referral(request: HttpRequest, payload: ReferralIn) -> Status:
    """Refer a person to a service for a need their sentence plan identifies."""
    staff = staff_of(request)
    require_casework(staff)
    with loaded_for_casework("sentence_id", "sentence"):
        sentence = door.sentence_for_casework(
            viewer=staff, sentence_id=payload.sentence_id, channel=Channel.API, purpose=purpose(request)
        )
    with api_field_names(sentence="sentence_id"):
        referral = make_referral(
            by=staff,
            sentence=sentence,
            service_area=payload.service_area,
            reason=payload.reason,
            made_on=payload.made_on,
            provider=payload.provider,
        )
    return Status(201, door.written_referral(viewer=staff, referral_id=referral.pk))


@router.post(
    "/{ref:ref}/status",
    response={200: ReferralOut, **WRITE_ERRORS},
    summary="Move a referral on, or end it",
)
def change_referral_status(request: HttpRequest, ref: Path[Ref], payload: ReferralStatusIn) -> ReferralRecord:
    staff = staff_of(request)
    with loaded_for_casework(None, "referral"):
        referral = door.referral_for_casework(
            viewer=staff, referral_id=ref, channel=Channel.API, purpose=purpose(request)
        )
    update_referral_status(
        by=staff, referral=referral, status=payload.status, changed_on=payload.changed_on, note=payload.note
    )
    return door.written_referral(viewer=staff, referral_id=referral.pk)
