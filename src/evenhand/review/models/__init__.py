from .actions import ACTION_TEXT_LIMIT, ActionFor, ActionStatus, ReviewAction
from .moderation import ImmutableModerationError, Moderation
from .questions import (
    Answer,
    ImmutableQuestionSetError,
    KeyQuestion,
    Prompt,
    QuestionSet,
    Rating,
    SetKind,
    Stage,
)
from .releases import ImmutableRoundReleaseError, RoundRelease
from .reviews import NOTE_LIMIT, PromptAnswer, Review, ReviewStatus
from .rounds import ReviewRound, RoundStatus, RoundStratum, SampledCase, Strata, TierBand

__all__ = [
    "ACTION_TEXT_LIMIT",
    "NOTE_LIMIT",
    "ActionFor",
    "ActionStatus",
    "Answer",
    "ImmutableModerationError",
    "ImmutableQuestionSetError",
    "ImmutableRoundReleaseError",
    "KeyQuestion",
    "Moderation",
    "Prompt",
    "PromptAnswer",
    "QuestionSet",
    "Rating",
    "Review",
    "ReviewAction",
    "ReviewRound",
    "ReviewStatus",
    "RoundRelease",
    "RoundStatus",
    "RoundStratum",
    "SampledCase",
    "SetKind",
    "Stage",
    "Strata",
    "TierBand",
]
