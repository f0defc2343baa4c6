"""Enforcement: what the rules propose after a failure to comply, and the decision a person then records.

The rules themselves (warning, then breach within 12 months of a warning; recall on licence; which decisions
and outcomes each sentence allows) are plain functions in :mod:`evenhand.cases.rules`; this module reads the
records they need and writes the decisions.

The system only proposes. A practitioner or manager decides, may depart from the proposal, and must say why.
Decisions are never edited: a correction is a new decision pointing at the one it corrects.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from evenhand.core.services import require_past, require_text, validated
from evenhand.org.models import StaffMember
from evenhand.people.access import ensure_can_record

from .. import rules
from ..models import (
    Contact,
    Decision,
    EnforcementDecision,
    EnforcementOutcome,
    RiskInformation,
    Sentence,
)

# Re-exported: views, the API, forms and tests import the rules' tables from here.
from ..rules import ALLOWED_DECISIONS, NEEDS_TRIGGER, OUTCOMES_OF, Proposal, one_year_before
from .dates import require_within_sentence
from .risk_information import DECISIONS_ON_INFORMATION, proposed_recall

__all__ = [
    "ALLOWED_DECISIONS",
    "NEEDS_TRIGGER",
    "OUTCOMES_OF",
    "RATIONALE_MIN_LENGTH",
    "Proposal",
    "decide_enforcement",
    "effective_decisions",
    "one_year_before",
    "propose_enforcement",
    "record_enforcement_outcome",
]

RATIONALE_MIN_LENGTH = 20


def effective_decisions(sentence: Sentence) -> QuerySet[EnforcementDecision]:
    """Decisions on a sentence that have not been corrected by a later one."""
    return EnforcementDecision.objects.filter(sentence=sentence, corrected_by__isnull=True)


def propose_enforcement(contact: Contact) -> Proposal | None:
    """The decision due after this contact, or None when its outcome is not an unacceptable failure."""
    if not contact.is_enforceable or not ALLOWED_DECISIONS[contact.sentence.type]:
        return None
    # The latest warning standing at the failure; the rules decide whether it is recent enough to count.
    last_warning_at = (
        effective_decisions(contact.sentence)
        .filter(decision=Decision.WARNING, decided_at__lt=contact.starts_at)
        .order_by("-decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    return rules.propose(
        contact.sentence.type,
        failure_on=timezone.localdate(contact.starts_at),
        last_warning_on=timezone.localdate(last_warning_at) if last_warning_at is not None else None,
    )


@transaction.atomic
def decide_enforcement(
    *,
    by: StaffMember,
    sentence: Sentence,
    decision: str,
    rationale: str,
    triggering_contacts: list[Contact] | QuerySet[Contact] = (),  # type: ignore[assignment]
    decided_at: dt.datetime | None = None,
    corrects: EnforcementDecision | None = None,
    risk_information: RiskInformation | None = None,
) -> EnforcementDecision:
    """Record an enforcement decision: who decided, when, on which failures or risk information, and why.

    A correction names the decision it corrects; that decision stays as it was, marked as corrected. A
    correction of a decision on risk information answers the same information.
    """
    ensure_can_record(by, sentence.person)
    decided_at = decided_at or timezone.now()
    require_past(decided_at, "decided_at", "The date of the decision")
    rationale = require_text(
        rationale, "rationale", "the reasons for the decision", min_length=RATIONALE_MIN_LENGTH
    )
    if not rules.is_allowed(sentence.type, decision):
        allowed = ", ".join(Decision(d).label.lower() for d in ALLOWED_DECISIONS[sentence.type])
        raise ValidationError(
            {"decision": f"On a {sentence.get_type_display().lower()} the decision can be: {allowed}"}
        )
    require_within_sentence(
        timezone.localdate(decided_at), sentence, "decided_at", "The decision cannot be dated"
    )

    if corrects is not None:
        corrects = EnforcementDecision.objects.select_for_update().get(pk=corrects.pk)
        if corrects.sentence_id != sentence.pk:
            raise ValidationError({"corrects": "A correction must be on the same sentence"})
        if EnforcementDecision.objects.filter(corrects=corrects).exists():
            raise ValidationError({"corrects": "That decision has already been corrected"})
        if decided_at < corrects.decided_at:
            raise ValidationError(
                {"decided_at": "A correction cannot be dated before the decision it corrects"}
            )

    if risk_information is None and corrects is not None and corrects.risk_information_id is not None:
        risk_information = corrects.risk_information
    if risk_information is not None:
        _check_answers_information(risk_information, sentence, decision, decided_at, corrects)

    contacts = list(triggering_contacts)
    if not contacts and corrects is not None:
        contacts = list(corrects.triggering_contacts.all())
    # Lock the failures so that two people deciding at once cannot both answer the same one.
    list(Contact.objects.select_for_update().filter(pk__in=[c.pk for c in contacts]).order_by("pk"))
    if rules.needs_trigger(decision) and not contacts and risk_information is None:
        raise ValidationError({"triggering_contacts": "Select the failure or failures this decision answers"})
    for contact in contacts:
        if contact.sentence_id != sentence.pk:
            raise ValidationError({"triggering_contacts": f"{contact} is on another sentence"})
        if not contact.is_enforceable:
            raise ValidationError(
                {"triggering_contacts": f"{contact} was not an unacceptable failure to comply"}
            )
        if contact.starts_at > decided_at:
            raise ValidationError(
                {"decided_at": "The decision cannot be dated before the failure it answers"}
            )
    answering = EnforcementDecision.objects.filter(
        triggering_contacts__in=contacts, corrected_by__isnull=True
    )
    if corrects is not None:
        answering = answering.exclude(pk=corrects.pk)
    if answering.exists():
        raise ValidationError(
            {
                "triggering_contacts": "A decision has already been recorded for that failure; record a correction"
            }
        )

    proposal = propose_enforcement(min(contacts, key=lambda c: c.starts_at)) if contacts else None
    proposed = proposal.decision if proposal else ""
    if risk_information is not None and not contacts:
        proposed = proposed_recall(risk_information) or ""
    record = validated(
        EnforcementDecision(
            sentence=sentence,
            decision=decision,
            proposed=proposed,
            rationale=rationale,
            decided_by=by,
            decided_at=decided_at,
            corrects=corrects,
            risk_information=risk_information,
        )
    )
    record.save(force_insert=True)
    record.triggering_contacts.set(contacts)
    return record


def _check_answers_information(
    information: RiskInformation,
    sentence: Sentence,
    decision: str,
    decided_at: dt.datetime,
    corrects: EnforcementDecision | None,
) -> None:
    """Refuse a decision on risk information that it cannot answer: another sentence's, one on which no
    decision on recall is due, a decision that is not one of recall or not to recall, a decision dated before
    the information came in, or a second standing decision on the same information."""
    # Lock the information so that two people deciding at once cannot both answer it.
    RiskInformation.objects.select_for_update().filter(pk=information.pk).first()
    if information.sentence_id != sentence.pk:
        raise ValidationError({"risk_information": "That information is about another sentence"})
    if not information.recall_considered:
        raise ValidationError({"risk_information": "No decision on recall is due on that information"})
    if decision not in DECISIONS_ON_INFORMATION:
        allowed = ", ".join(Decision(d).label.lower() for d in DECISIONS_ON_INFORMATION)
        raise ValidationError({"decision": f"On risk information the decision can be: {allowed}"})
    if decided_at < information.received_at:
        raise ValidationError(
            {"decided_at": "The decision cannot be dated before the information was received"}
        )
    answering = EnforcementDecision.objects.filter(risk_information=information, corrected_by__isnull=True)
    if corrects is not None:
        answering = answering.exclude(pk=corrects.pk)
    if answering.exists():
        raise ValidationError(
            {
                "risk_information": "A decision has already been recorded on that information; record a correction"
            }
        )


@transaction.atomic
def record_enforcement_outcome(
    *, by: StaffMember, decision: EnforcementDecision, outcome: str, outcome_date: dt.date
) -> EnforcementOutcome:
    """Record what became of a breach or recall: proven, approved, withdrawn and so on."""
    ensure_can_record(by, decision.sentence.person)
    if EnforcementOutcome.objects.filter(decision=decision).exists():
        raise ValidationError({"outcome": "An outcome has already been recorded for this decision"})
    if not rules.outcome_applies(decision.decision, outcome):
        raise ValidationError(
            {"outcome": f"That outcome does not apply to a {decision.get_decision_display().lower()}"}
        )
    if EnforcementDecision.objects.filter(corrects=decision).exists():
        raise ValidationError(
            {"decision": "That decision was corrected; record the outcome on the correction"}
        )
    require_past(outcome_date, "outcome_date", "The date of the outcome")
    if outcome_date < timezone.localdate(decision.decided_at):
        raise ValidationError({"outcome_date": "The outcome cannot come before the decision"})
    result = validated(
        EnforcementOutcome(decision=decision, outcome=outcome, outcome_date=outcome_date, recorded_by=by)
    )
    result.save()
    return result
