"""Risk information: record what was learned about a person, propose that recall be considered on a licence with
a deadline for the decision, record the decision (through :func:`decide_enforcement`, like every other
decision), and a manager's endorsement of a decision not to recall.

The deadline: an emergency is decided the same day (by the end of the local day the information was received);
otherwise within ``settings.RECALL_DECISION_HOURS`` of receiving it (``EVENHAND_RECALL_DECISION_HOURS``,
24 hours by default: one working day).

A decision on risk information that is anything other than recall (a warning, an increase in contact, a
licence variation or no further action) is a decision not to recall, and stays pending until a senior
probation officer or head of PDU other than the person who decided endorses it with their own reasons.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from evenhand.core.services import SHORT_TEXT, plain_text, require_past, require_text, validated
from evenhand.org.models import Role, StaffMember
from evenhand.people.access import ensure_can_record

from ..models import (
    RECALLS,
    Decision,
    DecisionEndorsement,
    EnforcementDecision,
    InformationSource,
    Reliability,
    RiskInformation,
    Sentence,
    SentenceType,
    Urgency,
)
from .dates import require_within_sentence

__all__ = [
    "DECISIONS_ON_INFORMATION",
    "ENDORSING_ROLES",
    "decision_deadline",
    "endorse_decision",
    "needs_endorsement",
    "proposed_recall",
    "record_risk_information",
]

# What a licence's risk information can be answered with: recall, or a decision not to recall.
DECISIONS_ON_INFORMATION: tuple[Decision, ...] = (
    *RECALLS,
    Decision.WARNING,
    Decision.INCREASED_CONTACT,
    Decision.LICENCE_VARIATION,
    Decision.NO_FURTHER_ACTION,
)
ENDORSING_ROLES = (Role.SPO, Role.HEAD_OF_PDU)
ENDORSEMENT_MIN_LENGTH = 20


def decision_deadline(received_at: dt.datetime, urgency: str) -> dt.datetime:
    """When a decision on recall is due: the end of the local day of ``received_at`` for an emergency, else
    ``RECALL_DECISION_HOURS`` after it."""
    if urgency == Urgency.EMERGENCY:
        day = timezone.localdate(received_at) + dt.timedelta(days=1)
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return received_at + dt.timedelta(hours=settings.RECALL_DECISION_HOURS)


def proposed_recall(information: RiskInformation) -> Decision | None:
    """The recall Evenhand proposes be considered: emergency or standard by the information's urgency; None
    when recall does not apply (not a licence)."""
    if not information.recall_considered:
        return None
    return Decision.RECALL_EMERGENCY if information.urgency == Urgency.EMERGENCY else Decision.RECALL_STANDARD


def needs_endorsement(decision: EnforcementDecision) -> bool:
    """Whether ``decision`` is a decision not to recall after risk information, which a manager must endorse."""
    return decision.risk_information_id is not None and decision.decision not in RECALLS


@transaction.atomic
def record_risk_information(
    *,
    by: StaffMember,
    sentence: Sentence,
    source: str,
    summary: str,
    received_at: dt.datetime,
    reliability: str,
    urgency: str = Urgency.STANDARD,
    source_detail: str = "",
) -> RiskInformation:
    """Record information received about the person on ``sentence``: from whom, what, when and how reliable.

    On a licence, recall is to be considered: the record carries the deadline for the decision."""
    ensure_can_record(by, sentence.person)
    if source not in InformationSource.values:
        raise ValidationError({"source": "Select where the information came from"})
    if reliability not in Reliability.values:
        raise ValidationError({"reliability": "Select how reliable the information is"})
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": "Select how urgent a decision is"})
    source_detail = plain_text(
        source_detail, "source_detail", "who the information came from", kind=SHORT_TEXT
    )
    if source in (InformationSource.OTHER, InformationSource.PARTNER_AGENCY) and not source_detail:
        raise ValidationError({"source_detail": "Enter who the information came from"})
    summary = require_text(summary, "summary", "what was learned")
    require_past(received_at, "received_at", "The date the information was received")
    require_within_sentence(
        timezone.localdate(received_at), sentence, "received_at", "The information cannot be dated"
    )
    recall = sentence.type == SentenceType.LICENCE
    information = validated(
        RiskInformation(
            person=sentence.person,
            sentence=sentence,
            source=source,
            source_detail=source_detail,
            summary=summary,
            received_at=received_at,
            reliability=reliability,
            urgency=urgency,
            recall_considered=recall,
            decision_due_at=decision_deadline(received_at, urgency) if recall else None,
            recorded_by=by,
        )
    )
    information.save(force_insert=True)
    return information


@transaction.atomic
def endorse_decision(
    *,
    by: StaffMember,
    decision: EnforcementDecision,
    rationale: str,
    endorsed_at: dt.datetime | None = None,
) -> DecisionEndorsement:
    """A manager's endorsement of a decision not to recall after risk information, with their own reasons.

    Only a senior probation officer or head of PDU with access to the record, never the person who made the
    decision; only a standing (not corrected) decision that needs one, and only once."""
    if by.role not in ENDORSING_ROLES:
        raise PermissionDenied(
            "Only a senior probation officer or head of PDU can endorse a decision not to recall."
        )
    ensure_can_record(by, decision.sentence.person)
    decision = EnforcementDecision.objects.select_for_update().select_related("sentence").get(pk=decision.pk)
    if not needs_endorsement(decision):
        raise ValidationError(
            {"decision": "Only a decision not to recall after risk information is endorsed"}
        )
    if decision.decided_by_id == by.pk:
        raise ValidationError(
            {
                "decision": "You made this decision: another senior probation officer or head of PDU must endorse it"
            }
        )
    if EnforcementDecision.objects.filter(corrects=decision).exists():
        raise ValidationError({"decision": "That decision was corrected; endorse the correction"})
    if DecisionEndorsement.objects.filter(decision=decision).exists():
        raise ValidationError({"decision": "That decision has already been endorsed"})
    endorsed_at = endorsed_at or timezone.now()
    require_past(endorsed_at, "endorsed_at", "The date of the endorsement")
    if endorsed_at < decision.decided_at:
        raise ValidationError({"endorsed_at": "An endorsement cannot be dated before the decision"})
    rationale = require_text(
        rationale, "rationale", "the reasons for endorsing the decision", min_length=ENDORSEMENT_MIN_LENGTH
    )
    endorsement = validated(
        DecisionEndorsement(decision=decision, endorsed_by=by, endorsed_at=endorsed_at, rationale=rationale)
    )
    endorsement.save(force_insert=True)
    return endorsement
