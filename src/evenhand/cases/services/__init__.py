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
from .sentences import (
    OffenceInput,
    RequirementInput,
    allocate,
    create_sentence,
    record_assessment,
    record_risk_summary,
    terminate_sentence,
)

__all__ = [
    "ALLOWED_DECISIONS",
    "ContactRecorded",
    "OffenceInput",
    "Proposal",
    "RequirementInput",
    "allocate",
    "create_sentence",
    "decide_enforcement",
    "effective_decisions",
    "make_referral",
    "propose_enforcement",
    "record_assessment",
    "record_contact",
    "record_contact_outcome",
    "record_enforcement_outcome",
    "record_risk_summary",
    "terminate_sentence",
    "update_referral_status",
]
