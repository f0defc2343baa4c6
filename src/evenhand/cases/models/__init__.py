"""The case record: sentences, contacts, enforcement decisions, referrals, risk and assessments."""

from .assessment import AssessmentSummary, AssessmentType, DiversityDiscussed
from .contact import ENFORCEABLE_OUTCOMES, Contact, ContactOutcome, ContactType
from .enforcement import (
    RECALLS,
    Decision,
    DecisionOutcome,
    EnforcementDecision,
    EnforcementOutcome,
    ImmutableRecordError,
)
from .referral import NEXT_STATUSES, Referral, ReferralStatus, ReferralStatusChange, ServiceArea
from .risk import MappaCategory, MappaLevel, RiskSummary, RoshLevel, Tier
from .sentence import (
    COURT_ORDERS,
    Allocation,
    AllocationReason,
    Offence,
    OffenceCategory,
    Requirement,
    RequirementStatus,
    RequirementType,
    Sentence,
    SentenceType,
    TerminationReason,
)

__all__ = [
    "COURT_ORDERS",
    "ENFORCEABLE_OUTCOMES",
    "NEXT_STATUSES",
    "RECALLS",
    "Allocation",
    "AllocationReason",
    "AssessmentSummary",
    "AssessmentType",
    "Contact",
    "ContactOutcome",
    "ContactType",
    "Decision",
    "DecisionOutcome",
    "DiversityDiscussed",
    "EnforcementDecision",
    "EnforcementOutcome",
    "ImmutableRecordError",
    "MappaCategory",
    "MappaLevel",
    "Offence",
    "OffenceCategory",
    "Referral",
    "ReferralStatus",
    "ReferralStatusChange",
    "Requirement",
    "RequirementStatus",
    "RequirementType",
    "RiskSummary",
    "RoshLevel",
    "Sentence",
    "SentenceType",
    "ServiceArea",
    "TerminationReason",
    "Tier",
]
