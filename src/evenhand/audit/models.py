"""The access log: every view of a person record and every export, by whom, when and how."""

from django.db import models

from evenhand.org.models import StaffMember


class Action(models.TextChoices):
    VIEW = "view", "Viewed a person record"
    EXPORT = "export", "Exported records"
    REFUSED = "refused", "Was refused a person record"
    # A change to a record's exclusion or restriction list: who may see it is part of its access history.
    ACCESS = "access", "Changed who may see a person record"


class Channel(models.TextChoices):
    UI = "ui", "Web"
    API = "api", "API"
    COMMAND = "command", "Command line"


class AccessLogEntry(models.Model):
    """Append-only. The person is kept as a plain id, not a foreign key, so that no deletion can remove the
    record that somebody looked at them."""

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "access log entries"
        indexes = [models.Index(fields=["staff", "-at"])]

    def __str__(self) -> str:
        return f"{self.staff} {self.get_action_display().lower()} at {self.at:%d %b %Y %H:%M}"
