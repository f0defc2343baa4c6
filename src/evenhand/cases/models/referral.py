"""Referrals to services, and each change in their status."""

from django.db import models

from evenhand.core.models import TimeStampedModel
from evenhand.org.models import StaffMember
from evenhand.people.models import Person

from .sentence import Sentence


class ServiceArea(models.TextChoices):
    ACCOMMODATION = "accommodation", "Accommodation"
    ETE = "ete", "Education, training and employment"
    FINANCE = "finance", "Finance, benefit and debt"
    DEPENDENCY = "dependency", "Dependency and recovery"
    WELLBEING = "wellbeing", "Personal wellbeing and mental health"
    FAMILY = "family", "Family and relationships"
    WOMENS_SERVICES = "womens", "Women's services"
    CULTURAL_FAITH = "cultural_faith", "Culturally specific or faith-based services"


class ReferralStatus(models.TextChoices):
    MADE = "made", "Made"
    ACCEPTED = "accepted", "Accepted"
    STARTED = "started", "Started"
    COMPLETED = "completed", "Completed"
    DECLINED = "declined", "Declined by the service"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Which status may follow which: a referral moves forward, or ends.
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    ReferralStatus.MADE: (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN),
    ReferralStatus.ACCEPTED: (ReferralStatus.STARTED, ReferralStatus.WITHDRAWN),
    ReferralStatus.STARTED: (ReferralStatus.COMPLETED, ReferralStatus.WITHDRAWN),
    ReferralStatus.COMPLETED: (),
    ReferralStatus.DECLINED: (),
    ReferralStatus.WITHDRAWN: (),
}


class Referral(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    sentence = models.ForeignKey(Sentence, on_delete=models.PROTECT, related_name="referrals")
    service_area = models.CharField(max_length=16, choices=ServiceArea.choices)
    provider = models.CharField(max_length=120, blank=True)
    reason = models.TextField()
    made_on = models.DateField()
    made_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    # The current status; the history is in ReferralStatusChange.
    status = models.CharField(max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.MADE)
    status_changed_on = models.DateField()

    class Meta:
        ordering = ["-made_on", "-id"]
        indexes = [
            models.Index(fields=["person", "-made_on"]),
            models.Index(fields=["service_area", "made_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_service_area_display()} referral ({self.get_status_display().lower()})"

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return NEXT_STATUSES[self.status]


class ReferralStatusChange(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="status_changes")
    status = models.CharField(max_length=10, choices=ReferralStatus.choices)
    changed_on = models.DateField()
    changed_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_on", "id"]
