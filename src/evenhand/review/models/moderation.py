"""Moderation: where a double-marked case's two markings disagree on a key question, someone who marked
neither records the agreed judgement and why. A record of what was decided, never changed once made."""

from typing import Any

from django.db import models
from django.db.models import Q

from evenhand.org.models import StaffMember

from .questions import Answer, KeyQuestion
from .reviews import NOTE_LIMIT
from .rounds import SampledCase


class ImmutableModerationError(Exception):
    """A moderation is recorded once: a different view later is a new finding, not an edit."""


class Moderation(models.Model):
    sampled = models.ForeignKey(SampledCase, on_delete=models.PROTECT, related_name="moderations")
    key_question = models.ForeignKey(KeyQuestion, on_delete=models.PROTECT, related_name="+")
    # The two independent judgements as they stood, kept beside the agreed one (agreement is computed on them).
    first = models.CharField(max_length=16, choices=Answer.choices)
    second = models.CharField(max_length=16, choices=Answer.choices)
    agreed = models.CharField(max_length=16, choices=Answer.choices)
    rationale = models.CharField(max_length=NOTE_LIMIT)
    moderator = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    moderated_at = models.DateTimeField()

    class Meta:
        ordering = ["sampled", "key_question"]
        constraints = [
            models.UniqueConstraint(fields=["sampled", "key_question"], name="review_moderated_once"),
            models.CheckConstraint(
                condition=~Q(rationale=""),
                name="review_moderation_rationale",
                violation_error_message="A moderation gives its reasons",
            ),
        ]

    def __str__(self) -> str:
        return f"Moderation {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ImmutableModerationError("A moderation is recorded once and not changed.")
        super().save(*args, **kwargs)
