"""Every write in the workload app goes through these functions, each in one transaction."""

from .allocation import allocate_case
from .capacity import (
    complete_task,
    end_reduction,
    record_nqo_reduction,
    record_pqip_reductions,
    record_reduction,
    record_task,
)
from .protocol import answer_consultation, record_consultation, record_sensitivity, remove_sensitivity
from .transfer import correct_allocation, reallocate_case, transfer_person
from .weighting import ensure_published_weightings, publish_weighting_version

__all__ = [
    "allocate_case",
    "answer_consultation",
    "complete_task",
    "correct_allocation",
    "end_reduction",
    "ensure_published_weightings",
    "publish_weighting_version",
    "reallocate_case",
    "record_consultation",
    "record_nqo_reduction",
    "record_pqip_reductions",
    "record_reduction",
    "record_sensitivity",
    "record_task",
    "remove_sensitivity",
    "transfer_person",
]
