"""Risk information: what was learned about a person, the decision on recall it calls for on a licence, and a
manager's endorsement of a decision not to recall. The same rules as the web pages: the services decide."""

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from evenhand.audit.models import Channel
from evenhand.cases import door
from evenhand.cases.records import DecisionRecord, RiskInformationRecord
from evenhand.cases.services import decide_enforcement, endorse_decision, record_risk_information
from evenhand.people.door import require_casework

from ..auth import staff_of
from ..schemas import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    DecisionOut,
    EndorsementIn,
    PagedRiskInformationOut,
    PageQuery,
    Ref,
    RiskDecisionIn,
    RiskInformationFilter,
    RiskInformationIn,
    RiskInformationOut,
)
from .common import api_field_names, listed, loaded_for_casework, purpose, read

router = Router(tags=["risk information"])


@router.get("", response={200: PagedRiskInformationOut, **LIST_ERRORS}, summary="List risk information")
def list_risk_information(
    request: HttpRequest, filters: Query[RiskInformationFilter], page: Query[PageQuery]
) -> dict[str, Any]:
    """Risk information the caller may see, latest received first; with ``waiting``, only that whose decision
    on recall is not settled (no decision, or a decision not to recall not yet endorsed), earliest deadline
    first. Each page is logged as an export."""
    return listed(
        request,
        door.list_risk_information,
        page,
        person=filters.person,
        sentence=filters.sentence,
        waiting=filters.waiting,
    )


@router.get("/{ref:ref}", response={200: RiskInformationOut, **READ_ERRORS}, summary="Read risk information")
def read_risk_information(request: HttpRequest, ref: Path[Ref]) -> RiskInformationRecord:
    return read(request, door.open_risk_information, ref)


@router.post("", response={201: RiskInformationOut, **WRITE_ERRORS}, summary="Record risk information")
def create_risk_information(request: HttpRequest, payload: RiskInformationIn) -> Status:
    """Record information received about a person: from whom, what, when and how reliable. On a licence,
    recall is to be considered: ``decision_due_at`` says by when (the same day for an emergency)."""
    staff = staff_of(request)
    require_casework(staff)
    with loaded_for_casework("sentence_id", "sentence"):
        sentence = door.sentence_for_casework(
            viewer=staff, sentence_id=payload.sentence_id, channel=Channel.API, purpose=purpose(request)
        )
    with api_field_names(sentence="sentence_id"):
        information = record_risk_information(
            by=staff,
            sentence=sentence,
            source=payload.source,
            source_detail=payload.source_detail,
            summary=payload.summary,
            received_at=payload.received_at,
            reliability=payload.reliability,
            urgency=payload.urgency,
        )
    return Status(201, door.written_risk_information(viewer=staff, information_id=information.pk))


@router.post(
    "/{ref:ref}/decision",
    response={201: DecisionOut, **WRITE_ERRORS},
    summary="Decide on recall after risk information",
)
def decide_on_information(request: HttpRequest, ref: Path[Ref], payload: RiskDecisionIn) -> Status:
    """Record the decision: a recall, or a decision not to recall (a warning, an increase in contact, a licence
    variation or no further action), which is pending until a manager endorses it. A second decision on the
    same information is refused: correct the first through ``POST /enforcement-decisions`` with ``corrects``."""
    staff = staff_of(request)
    with loaded_for_casework(None, "risk information"):
        information = door.risk_information_for_casework(
            viewer=staff, information_id=ref, channel=Channel.API, purpose=purpose(request)
        )
    decision = decide_enforcement(
        by=staff,
        sentence=information.sentence,
        decision=payload.decision,
        rationale=payload.rationale,
        decided_at=payload.decided_at,
        risk_information=information,
    )
    return Status(201, door.written_decision(viewer=staff, decision_id=decision.pk))


@router.post(
    "/decisions/{ref:ref}/endorsement",
    response={201: DecisionOut, **WRITE_ERRORS},
    summary="Endorse a decision not to recall",
)
def endorse(request: HttpRequest, ref: Path[Ref], payload: EndorsementIn) -> Status:
    """A senior probation officer or head of PDU, other than the person who decided, endorses a decision not to
    recall after risk information, with their own reasons."""
    staff = staff_of(request)
    with loaded_for_casework(None, "decision"):
        decision = door.decision_for_endorsement(
            viewer=staff, decision_id=ref, channel=Channel.API, purpose=purpose(request)
        )
    endorse_decision(
        by=staff, decision=decision, rationale=payload.rationale, endorsed_at=payload.endorsed_at
    )
    record: DecisionRecord = door.written_decision(viewer=staff, decision_id=decision.pk)
    return Status(201, record)
