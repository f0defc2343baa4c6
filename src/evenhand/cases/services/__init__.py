"""Every write to a case record goes through these functions, each in one transaction."""

from .contacts import ContactRecorded, record_contact, record_contact_outcome
from .enforcement import (
    ALLOWED_DECISIONS,
    Proposal,
    decide_enforcement,
    effective_decisions,
    propose_enforcement,
    record_enforcement_outcome,
)
from .referrals import make_referral, update_referral_status
from .risk import add_registration, end_registration, record_risk_review, review_registration
from .risk_information import (
    DECISIONS_ON_INFORMATION,
    ENDORSING_ROLES,
    decision_deadline,
    endorse_decision,
    needs_endorsement,
    proposed_recall,
    record_risk_information,
)
from .sentences import (
    ALLOWED_REQUIREMENTS,
    OffenceInput,
    Release,
    RequirementInput,
    allocate,
    correct_sentence,
    create_sentence,
    extend_sentence,
    pss_applies,
    record_release,
    record_risk_summary,
    terminate_sentence,
)

__all__ = [
    "ALLOWED_DECISIONS",
    "ALLOWED_REQUIREMENTS",
    "DECISIONS_ON_INFORMATION",
    "ENDORSING_ROLES",
    "ContactRecorded",
    "OffenceInput",
    "Proposal",
    "Release",
    "RequirementInput",
    "add_registration",
    "allocate",
    "correct_sentence",
    "create_sentence",
    "decide_enforcement",
    "decision_deadline",
    "effective_decisions",
    "end_registration",
    "endorse_decision",
    "extend_sentence",
    "make_referral",
    "needs_endorsement",
    "propose_enforcement",
    "proposed_recall",
    "pss_applies",
    "record_contact",
    "record_contact_outcome",
    "record_enforcement_outcome",
    "record_release",
    "record_risk_information",
    "record_risk_review",
    "record_risk_summary",
    "review_registration",
    "terminate_sentence",
    "update_referral_status",
]
