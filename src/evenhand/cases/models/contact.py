"""Contacts: appointments and other contact with a person, and what happened.

An appointment is a contact booked ahead: it has no outcome until it has happened. Rescheduling records the
outcome "rescheduled" on it, with who asked and why, and books a new contact that points back at it
(``rescheduled_from``); cancelling records the outcome "cancelled" with the reason. So each appointment is one
row, and what became of it is its outcome: a fact recorded once.
"""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone

from evenhand.core.formatting import date_time_text
from evenhand.core.models import TimeStampedModel
from evenhand.org.models import StaffMember
from evenhand.people.models import Person

from .sentence import Requirement, Sentence


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
    CANCELLED = "cancelled", "Cancelled"


# Outcomes that are an unacceptable failure to comply and so call for an enforcement decision.
ENFORCEABLE_OUTCOMES = (ContactOutcome.FAILED_UNACCEPTABLE, ContactOutcome.ATTENDED_FAILED_TO_COMPLY)
# Outcomes that say the appointment did not go ahead as booked; they are recorded by rescheduling or cancelling
# it (with who asked and why), not from the outcome form.
CHANGE_OUTCOMES = (ContactOutcome.RESCHEDULED, ContactOutcome.CANCELLED)
# What happened at an appointment that went ahead, or that the person missed: the outcome form's choices.
ATTENDANCE_OUTCOMES = tuple(o for o in ContactOutcome if o not in CHANGE_OUTCOMES)


class ContactMode(models.TextChoices):
    """How an appointment is held."""

    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video call"
    PHONE = "phone", "Telephone"


class ChangeRequestedBy(models.TextChoices):
    """Who asked for an appointment to be rescheduled or cancelled."""

    PERSON = "person", "The person on probation"
    PRACTITIONER = "practitioner", "The practitioner"
    SERVICE = "service", "The service (office closure, staff absence, provider)"


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
    # Booking: how, with whom, for how long, and which requirement of the sentence it counts towards.
    mode = models.CharField(
        max_length=10,
        choices=ContactMode.choices,
        default=ContactMode.IN_PERSON,
        db_default=ContactMode.IN_PERSON,
    )
    with_staff = models.ForeignKey(
        StaffMember,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name="practitioner",
    )
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    requirement = models.ForeignKey(
        Requirement, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    # Rescheduled or cancelled: who asked and why (the outcome says which, and when and by whom it was recorded).
    change_requested_by = models.CharField(
        max_length=12, choices=ChangeRequestedBy.choices, blank=True, default="", db_default=""
    )
    change_reason = models.TextField(blank=True, default="", db_default="")
    rescheduled_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="rescheduled_to"
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["person", "-starts_at"]),
            models.Index(fields=["sentence", "starts_at"]),
            # The sentence too, so that the equality engine's count of missed appointments in a period
            # (some 350,000 of 5 million contacts nationally) is read from the index alone: seconds faster.
            models.Index(fields=["outcome", "starts_at", "sentence"], name="cases_contact_outcome_cover"),
            # A practitioner's week, and the appointments still waiting for an outcome on a caseload.
            models.Index(fields=["with_staff", "starts_at"], name="cases_contact_with_staff"),
            models.Index(
                fields=["person", "starts_at"], condition=Q(outcome=""), name="cases_contact_open_by_person"
            ),
            models.Index(fields=["requirement", "outcome"], name="cases_contact_requirement"),
            # A caseload's failures to comply, for the enforcement decisions still due (about 2% of contacts).
            models.Index(
                fields=["person", "starts_at"],
                condition=Q(outcome__in=ENFORCEABLE_OUTCOMES),
                name="cases_contact_failures",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="", outcome_recorded_at__isnull=True, outcome_recorded_by__isnull=True)
                | (~Q(outcome="") & Q(outcome_recorded_at__isnull=False, outcome_recorded_by__isnull=False)),
                name="contact_outcome_has_time",
                violation_error_message="An outcome needs the time it was recorded and who recorded it",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True)
                | Q(duration_minutes__gte=5, duration_minutes__lte=12 * 60),
                name="contact_duration_in_range",
                violation_error_message="An appointment lasts between 5 minutes and 12 hours",
            ),
            models.CheckConstraint(
                condition=Q(change_requested_by="") | Q(outcome__in=["rescheduled", "cancelled"]),
                name="contact_change_only_when_changed",
                violation_error_message="Only a rescheduled or cancelled appointment says who asked for it",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} on {date_time_text(self.starts_at, tz=timezone.get_current_timezone())}"

    @property
    def is_enforceable(self) -> bool:
        return self.outcome in ENFORCEABLE_OUTCOMES

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes or 0)
