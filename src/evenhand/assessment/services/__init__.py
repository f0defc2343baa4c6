"""The assessment's operations: each one transaction, each refusal a ValidationError naming the field."""

from .assessments import (
    can_countersign,
    complete_assessment,
    completion_problems,
    confirm_no_change,
    countersign_assessment,
    last_finished,
    needs_countersignature,
    record_predictors,
    save_section,
    start_assessment,
)
from .conversation import TopicAnswer, identity_choices, save_conversation
from .plans import (
    add_goal,
    add_step,
    can_change_plan,
    change_goal,
    change_step,
    make_plan,
    record_agreement,
    set_review_date,
)
from .tiers import RecomputeReport, inputs_for, recompute_all, recompute_tier

__all__ = [
    "RecomputeReport",
    "TopicAnswer",
    "add_goal",
    "add_step",
    "can_change_plan",
    "can_countersign",
    "change_goal",
    "change_step",
    "complete_assessment",
    "completion_problems",
    "confirm_no_change",
    "countersign_assessment",
    "identity_choices",
    "inputs_for",
    "last_finished",
    "make_plan",
    "needs_countersignature",
    "recompute_all",
    "recompute_tier",
    "record_agreement",
    "record_predictors",
    "save_conversation",
    "save_section",
    "set_review_date",
    "start_assessment",
]
