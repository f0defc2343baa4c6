"""The workload model: weighting tables, capacity reductions, counted tasks and the sensitive-case protocol."""

from .capacity import CapacityReduction, CountedTask, ReductionReason
from .protocol import Consultation, ConsultationResponse, StaffSensitivity
from .transfer import AllocationCorrection, Transfer
from .weighting import CaseType, CaseWeighting, TaskType, TaskWeighting, WeightingVersion

__all__ = [
    "AllocationCorrection",
    "CapacityReduction",
    "CaseType",
    "CaseWeighting",
    "Consultation",
    "ConsultationResponse",
    "CountedTask",
    "ReductionReason",
    "StaffSensitivity",
    "TaskType",
    "TaskWeighting",
    "Transfer",
    "WeightingVersion",
]
