"""Enforcement decisions. There is no update or delete: a correction is a new decision naming the old one."""

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from evenhand.cases.models import Contact, EnforcementDecision
from evenhand.cases.services import decide_enforcement
from evenhand.org.models import StaffMember
from evenhand.people.access import visible_people

from ..auth import staff_of
from ..schemas import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, DecisionFilter, DecisionIn, DecisionOut
from .common import AuditedPagination, api_field_names, field_error, get_visible, log_read
from .contacts import contacts_for
from .sentences import sentences_for

router = Router(tags=["enforcement decisions"])


def decisions_for(staff: StaffMember) -> QuerySet[EnforcementDecision]:
    return (
        EnforcementDecision.objects.filter(sentence__person__in=visible_people(staff))
        .select_related("sentence", "decided_by", "corrected_by", "outcome")
        .prefetch_related(Prefetch("triggering_contacts", queryset=Contact.objects.only("pk")))
    )


def _person_of(decision: EnforcementDecision) -> int:
    return decision.sentence.person_id


@router.get("", response={200: list[DecisionOut], **LIST_ERRORS}, summary="List enforcement decisions")
@paginate(AuditedPagination, person_of=_person_of)
def list_decisions(request: HttpRequest, filters: Query[DecisionFilter]) -> QuerySet[EnforcementDecision]:
    """Decisions the caller may see, latest first, corrected ones included (see ``corrected_by``)."""
    return filters.filter(decisions_for(staff_of(request))).order_by("-decided_at", "-pk")


@router.get(
    "/{int:decision_id}", response={200: DecisionOut, **READ_ERRORS}, summary="Read an enforcement decision"
)
def read_decision(request: HttpRequest, decision_id: int) -> EnforcementDecision:
    decision = get_visible(decisions_for(staff_of(request)), decision_id)
    log_read(request, decision.sentence.person_id)
    return decision


@router.post("", response={201: DecisionOut, **WRITE_ERRORS}, summary="Record an enforcement decision")
def record_decision(request: HttpRequest, payload: DecisionIn) -> Status:
    """Record who decided what, on which failures and why; or, with ``corrects``, correct an earlier decision."""
    staff = staff_of(request)
    sentence = sentences_for(staff).select_related("person").filter(pk=payload.sentence_id).first()
    if sentence is None:
        raise field_error("sentence_id", "There is no sentence with this id that you have access to")
    wanted = set(payload.triggering_contact_ids)
    contacts = list(contacts_for(staff).filter(pk__in=wanted))
    missing = wanted - {contact.pk for contact in contacts}
    if missing:
        ids = ", ".join(str(pk) for pk in sorted(missing))
        raise field_error("triggering_contact_ids", f"There is no contact you have access to with id {ids}")
    corrects = None
    if payload.corrects is not None:
        corrects = decisions_for(staff).filter(pk=payload.corrects).first()
        if corrects is None:
            raise field_error("corrects", "There is no decision with this id that you have access to")
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
    return Status(201, decisions_for(staff).get(pk=decision.pk))
