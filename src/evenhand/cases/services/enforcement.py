"""Enforcement: what the rules propose after a failure to comply, and the decision a person then records.

The rules (after the probation national standards and the Sentencing Act 2020, schedule 10):

* community and suspended sentence orders: the first unacceptable failure to comply is met with a warning; a
  further unacceptable failure within 12 months of a warning calls for breach action in court;
* post-sentence supervision is enforced the same way, through the magistrates' court (it cannot be recalled);
* licences: an unacceptable failure calls for recall to be considered.

The system only proposes. A practitioner or manager decides, may depart from the proposal, and must say why.
Decisions are never edited: a correction is a new decision pointing at the one it corrects.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from evenhand.core.services import require_past, require_text, validated
from evenhand.org.models import StaffMember
from evenhand.people.access import ensure_can_record

from ..models import (
    RECALLS,
    Contact,
    Decision,
    DecisionOutcome,
    EnforcementDecision,
    EnforcementOutcome,
    Sentence,
    SentenceType,
)

RATIONALE_MIN_LENGTH = 20

ALLOWED_DECISIONS: dict[str, tuple[str, ...]] = {
    SentenceType.COMMUNITY_ORDER: (Decision.WARNING, Decision.BREACH, Decision.NO_FURTHER_ACTION),
    SentenceType.SUSPENDED_SENTENCE_ORDER: (Decision.WARNING, Decision.BREACH, Decision.NO_FURTHER_ACTION),
    SentenceType.POST_SENTENCE_SUPERVISION: (Decision.WARNING, Decision.BREACH, Decision.NO_FURTHER_ACTION),
    SentenceType.LICENCE: (Decision.WARNING, *RECALLS, Decision.NO_FURTHER_ACTION),
}
# A warning or "no further action" answers a particular failure, so it must name the contacts it answers.
# Breach and recall may also follow something else (a further offence, rising risk), explained in the rationale.
NEEDS_TRIGGER = (Decision.WARNING, Decision.NO_FURTHER_ACTION)
OUTCOMES_OF: dict[str, tuple[str, ...]] = {
    Decision.BREACH: (
        DecisionOutcome.BREACH_PROVEN,
        DecisionOutcome.BREACH_NOT_PROVEN,
        DecisionOutcome.BREACH_WITHDRAWN,
    ),
    **{recall: (DecisionOutcome.RECALL_APPROVED, DecisionOutcome.RECALL_REJECTED) for recall in RECALLS},
}


@dataclass(frozen=True)
class Proposal:
    """The decision the rules call for, and the reason in words a practitioner would use."""

    decision: Decision
    reason: str


def one_year_before(day: dt.date) -> dt.date:
    """The same date a year earlier; 29 February goes back to 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def warning_window_opens(failure_at: dt.datetime) -> dt.datetime:
    """The earliest moment a warning still counts for a failure at ``failure_at``.

    "Within 12 months" is counted in calendar dates, in local time: a warning given on 1 June 2023 counts
    for a failure on 31 May 2024 but not for one on 1 June 2024.
    """
    failure_day = timezone.localdate(failure_at)
    opens = one_year_before(failure_day) + dt.timedelta(days=1)
    return dt.datetime.combine(opens, dt.time.min, tzinfo=timezone.get_current_timezone())


def effective_decisions(sentence: Sentence) -> QuerySet[EnforcementDecision]:
    """Decisions on a sentence that have not been corrected by a later one."""
    return EnforcementDecision.objects.filter(sentence=sentence, corrected_by__isnull=True)


def propose_enforcement(contact: Contact) -> Proposal | None:
    """The decision due after this contact, or None when its outcome is not an unacceptable failure."""
    if not contact.is_enforceable:
        return None
    sentence = contact.sentence
    if sentence.type == SentenceType.LICENCE:
        return Proposal(
            Decision.RECALL_STANDARD,
            "An unacceptable failure to comply with licence conditions: consider whether recall is needed "
            "to manage risk, or record why a warning or no further action is enough.",
        )
    warning = (
        effective_decisions(sentence)
        .filter(
            decision=Decision.WARNING,
            decided_at__lt=contact.starts_at,
            decided_at__gte=warning_window_opens(contact.starts_at),
        )
        .order_by("-decided_at")
        .first()
    )
    if warning is not None:
        return Proposal(
            Decision.BREACH,
            f"A further unacceptable failure within 12 months of the warning given on "
            f"{timezone.localdate(warning.decided_at):%d %B %Y}: breach action is due unless there are "
            f"exceptional reasons, which the rationale must give.",
        )
    return Proposal(
        Decision.WARNING, "The first unacceptable failure to comply in 12 months: a warning is due."
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
) -> EnforcementDecision:
    """Record an enforcement decision: who decided, when, on which failures, and why.

    A correction names the decision it corrects; that decision stays as it was, marked as corrected.
    """
    ensure_can_record(by, sentence.person)
    decided_at = decided_at or timezone.now()
    require_past(decided_at, "decided_at", "The date of the decision")
    rationale = require_text(
        rationale, "rationale", "the reasons for the decision", min_length=RATIONALE_MIN_LENGTH
    )
    if decision not in ALLOWED_DECISIONS[sentence.type]:
        allowed = ", ".join(Decision(d).label.lower() for d in ALLOWED_DECISIONS[sentence.type])
        raise ValidationError(
            {"decision": f"On a {sentence.get_type_display().lower()} the decision can be: {allowed}"}
        )
    if sentence.termination_date is not None and timezone.localdate(decided_at) > sentence.termination_date:
        raise ValidationError({"decided_at": "The sentence had ended before this date"})

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

    contacts = list(triggering_contacts)
    if not contacts and corrects is not None:
        contacts = list(corrects.triggering_contacts.all())
    # Lock the failures so that two people deciding at once cannot both answer the same one.
    list(Contact.objects.select_for_update().filter(pk__in=[c.pk for c in contacts]).order_by("pk"))
    if decision in NEEDS_TRIGGER and not contacts:
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
    record = validated(
        EnforcementDecision(
            sentence=sentence,
            decision=decision,
            proposed=proposal.decision if proposal else "",
            rationale=rationale,
            decided_by=by,
            decided_at=decided_at,
            corrects=corrects,
        )
    )
    record.save(force_insert=True)
    record.triggering_contacts.set(contacts)
    return record


@transaction.atomic
def record_enforcement_outcome(
    *, by: StaffMember, decision: EnforcementDecision, outcome: str, outcome_date: dt.date
) -> EnforcementOutcome:
    """Record what became of a breach or recall: proven, approved, withdrawn and so on."""
    ensure_can_record(by, decision.sentence.person)
    if EnforcementOutcome.objects.filter(decision=decision).exists():
        raise ValidationError({"outcome": "An outcome has already been recorded for this decision"})
    if outcome not in OUTCOMES_OF.get(decision.decision, ()):
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
