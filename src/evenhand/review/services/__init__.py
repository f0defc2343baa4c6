"""Writes of the review app: each service one transaction, keyword-only typed arguments, rules checked first."""

from .actions import cancel_action, complete_action, raise_action
from .moderation import moderate
from .reviews import Assignment, answer_and_submit, assign_reviews, record_answers, submit_review, unanswered
from .rounds import confirm_round, discard_round, draw_round, load_question_sets

__all__ = [
    "Assignment",
    "answer_and_submit",
    "assign_reviews",
    "cancel_action",
    "complete_action",
    "confirm_round",
    "discard_round",
    "draw_round",
    "load_question_sets",
    "moderate",
    "raise_action",
    "record_answers",
    "submit_review",
    "unanswered",
]
