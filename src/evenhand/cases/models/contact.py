"""Contacts: appointments and other contact with a person, and what happened."""

from django.db import models
from django.db.models import Q

from evenhand.core.models import TimeStampedModel
from evenhand.org.models import StaffMember
from evenhand.people.models import Person

from .sentence import Sentence


class ContactType(models.TextChoices):
    OFFICE_APPOINTMENT = "office", "Office appointment"
    HOME_VISIT = "home_visit", "Home visit"
    PHONE = "phone", "Telephone contact"
    VIDEO = "video", "Video call"
    UNPAID_WORK = "unpaid_work", "Unpaid work session"
    PROGRAMME = "programme", "Accredited programme session"
    RAR_ACTIVITY = "rar", "RAR activity"
    OTHER = "other", "Other contact"


class ContactOutcome(models.TextChoices):
    ATTENDED_COMPLIED = "attended_complied", "Attended and complied"
    ATTENDED_FAILED_TO_COMPLY = "attended_failed", "Attended, failed to comply"
    FAILED_ACCEPTABLE = "fta_acceptable", "Failed to attend, acceptable"
    FAILED_UNACCEPTABLE = "fta_unacceptable", "Failed to attend, unacceptable"
    RESCHEDULED = "rescheduled", "Rescheduled"


# Outcomes that are an unacceptable failure to comply and so call for an enforcement decision.
ENFORCEABLE_OUTCOMES = (ContactOutcome.FAILED_UNACCEPTABLE, ContactOutcome.ATTENDED_FAILED_TO_COMPLY)


class Contact(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="contacts")
    sentence = models.ForeignKey(Sentence, on_delete=models.PROTECT, related_name="contacts")
    type = models.CharField(max_length=12, choices=ContactType.choices)
    starts_at = models.DateTimeField("date and time")
    location = models.CharField(max_length=120, blank=True)
    outcome = models.CharField(max_length=20, choices=ContactOutcome.choices, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["person", "-starts_at"]),
            models.Index(fields=["sentence", "starts_at"]),
            # The sentence too, so that the equality engine's count of missed appointments in a period
            # (some 350,000 of 5 million contacts nationally) is read from the index alone: seconds faster.
            models.Index(fields=["outcome", "starts_at", "sentence"], name="cases_contact_outcome_cover"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="", outcome_recorded_at__isnull=True, outcome_recorded_by__isnull=True)
                | (~Q(outcome="") & Q(outcome_recorded_at__isnull=False, outcome_recorded_by__isnull=False)),
                name="contact_outcome_has_time",
                violation_error_message="An outcome needs the time it was recorded and who recorded it",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} on {self.starts_at:%d %b %Y %H:%M}"

    @property
    def is_enforceable(self) -> bool:
        return self.outcome in ENFORCEABLE_OUTCOMES
