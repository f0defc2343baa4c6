"""Assessments with their sections and the diversity conversation, and the tier computed from the record."""

from .assessment import (
    COUNTERSIGN_ROSH,
    FINISHED,
    OPEN,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    ImmutableAssessmentError,
    SectionAnswer,
    SectionSource,
)
from .conversation import CHARACTERISTIC_OF_TOPIC, DiversityTopic, Topic, TopicStatus
from .tiers import ImmutableTierError, TierCalculation, TierTrigger

__all__ = [
    "CHARACTERISTIC_OF_TOPIC",
    "COUNTERSIGN_ROSH",
    "FINISHED",
    "OPEN",
    "Assessment",
    "AssessmentKind",
    "AssessmentStatus",
    "DiversityTopic",
    "ImmutableAssessmentError",
    "ImmutableTierError",
    "SectionAnswer",
    "SectionSource",
    "TierCalculation",
    "TierTrigger",
    "Topic",
    "TopicStatus",
]
