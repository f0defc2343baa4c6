"""Enforcement decisions. There is no update or delete: a correction is a new decision naming the old one."""

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from evenhand.audit.models import Channel
from evenhand.cases import door
from evenhand.cases.records import DecisionRecord
from evenhand.cases.services import decide_enforcement
from evenhand.people.door import RecordNotFound, require_casework

from ..auth import staff_of
from ..schemas import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    DecisionFilter,
    DecisionIn,
    DecisionOut,
    PagedDecisionOut,
    PageQuery,
    Ref,
)
from .common import api_field_names, field_error, listed, loaded_for_casework, purpose, read

router = Router(tags=["enforcement decisions"])


@router.get("", response={200: PagedDecisionOut, **LIST_ERRORS}, summary="List enforcement decisions")
def list_decisions(
    request: HttpRequest, filters: Query[DecisionFilter], page: Query[PageQuery]
) -> dict[str, Any]:
    """Decisions the caller may see, latest first, corrected ones included (see ``corrected_by``). Each page
    is logged as an export."""
    return listed(
        request,
        door.list_decisions,
        page,
        person=filters.person,
        sentence=filters.sentence,
        decision=filters.decision,
    )


@router.get("/{ref:ref}", response={200: DecisionOut, **READ_ERRORS}, summary="Read an enforcement decision")
def read_decision(request: HttpRequest, ref: Path[Ref]) -> DecisionRecord:
    return read(request, door.open_decision, ref)


@router.post("", response={201: DecisionOut, **WRITE_ERRORS}, summary="Record an enforcement decision")
def record_decision(request: HttpRequest, payload: DecisionIn) -> Status:
    """Record who decided what, on which failures and why; or, with ``corrects``, correct an earlier decision
    on the same sentence."""
    staff = staff_of(request)
    require_casework(staff)
    with loaded_for_casework("sentence_id", "sentence"):
        sentence = door.sentence_for_casework(
            viewer=staff, sentence_id=payload.sentence_id, channel=Channel.API, purpose=purpose(request)
        )
    wanted = set(payload.triggering_contact_ids)
    contacts = door.casework_contacts(sentence=sentence, ids=sorted(wanted))
    missing = wanted - {contact.pk for contact in contacts}
    if missing:
        ids = ", ".join(str(pk) for pk in sorted(missing))
        raise field_error("triggering_contact_ids", f"There is no contact on this sentence with id {ids}")
    corrects = None
    if payload.corrects is not None:
        try:
            corrects = door.decision_on_sentence(sentence=sentence, decision_id=payload.corrects)
        except RecordNotFound:
            raise field_error("corrects", "There is no decision on this sentence with this id") from None
    with api_field_names(sentence="sentence_id", triggering_contacts="triggering_contact_ids"):
        decision = decide_enforcement(
            by=staff,
            sentence=sentence,
            decision=payload.decision,
            rationale=payload.rationale,
            triggering_contacts=contacts,
            decided_at=payload.decided_at,
            corrects=corrects,
        )
    return Status(201, door.written_decision(viewer=staff, decision_id=decision.pk))
