"""The diversity conversation: a section of its own, topic by topic, in the person's words.

A sentence plan goal or a pre-sentence report's diversity section cites the topic it responds to (a foreign
key to ``DiversityTopic``), so what the conversation found can be followed into the plan and the report.
"""

from typing import Any

from django.db import models
from django.db.models import Q

from evenhand.people.models import Characteristic, DiversityEntry

from .assessment import Assessment, _refuse_if_finished


class Topic(models.TextChoices):
    ETHNICITY = "ethnicity", "Ethnicity and how the person describes it"
    CULTURE = "culture", "Culture"
    RELIGION = "religion", "Religion or belief and its practice"
    DISCRIMINATION = (
        "discrimination",
        "Experience of discrimination or racism, including from the justice system and from probation",
    )
    LANGUAGE = "language", "Language and any need for an interpreter"
    NEURODIVERSITY = "neurodiversity", "Neurodiversity and learning needs"
    CARING = "caring", "Caring responsibilities"
    GENDER_IDENTITY = "gender_identity", "Gender identity"


class TopicStatus(models.TextChoices):
    DISCUSSED = "discussed", "Discussed"
    DECLINED = "declined", "The person declined to discuss it"
    NOT_YET = "not_yet", "Not yet discussed"


# The topics where what the person self-identifies is a characteristic of their diversity profile.
CHARACTERISTIC_OF_TOPIC: dict[str, str] = {
    Topic.ETHNICITY: Characteristic.ETHNICITY,
    Topic.RELIGION: Characteristic.RELIGION,
    Topic.GENDER_IDENTITY: Characteristic.GENDER_IDENTITY,
}


class DiversityTopic(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="topics")
    topic = models.CharField(max_length=20, choices=Topic.choices)
    status = models.CharField(max_length=10, choices=TopicStatus.choices, default=TopicStatus.NOT_YET)
    not_yet_reason = models.CharField(max_length=200, blank=True)
    in_their_words = models.TextField(blank=True)
    bearing_on_plan = models.TextField(blank=True)
    # What the person self-identified, recorded in their diversity profile's history (the row it made).
    profile_entry = models.ForeignKey(
        DiversityEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    carried = models.BooleanField(default=False)  # copied from the previous assessment, not yet revisited

    class Meta:
        ordering = ["assessment", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "topic"], name="diversity_topic_once"),
            models.CheckConstraint(
                condition=~Q(status=TopicStatus.DISCUSSED) | ~Q(in_their_words=""),
                name="diversity_topic_discussed_has_words",
                violation_error_message="Enter what the person said",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_topic_display()}: {self.get_status_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        _refuse_if_finished(self.assessment_id)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        _refuse_if_finished(self.assessment_id)
        return super().delete(*args, **kwargs)
