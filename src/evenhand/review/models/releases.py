"""A round's published report: protected and audited by the shared disclosure machinery, stored once and
never changed or deleted (here and by the database's triggers, migration 0008)."""

from django.db import models
from django.utils import timezone

from evenhand.core.models import ImmutableModel, RecordChangeError
from evenhand.org.models import StaffMember

from .rounds import ReviewRound


class ImmutableRoundReleaseError(RecordChangeError):
    """A published round report stays as it was published: a later view of the round is a new round."""


class RoundRelease(ImmutableModel):
    """A round's report as published: the figures (suppression applied), the HTML, PDF and spreadsheet made
    from them, the disclosure manifest and the auditor's result, with who published it, when and a checksum
    of the files. A round is published once."""

    refusal_error = ImmutableRoundReleaseError
    record_name = "A published round report"
    instead = "it stays as it was published."

    round = models.OneToOneField(ReviewRound, on_delete=models.PROTECT, related_name="release")
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    figures = models.JSONField()
    audit = models.JSONField()
    html = models.TextField()
    pdf = models.BinaryField()
    ods = models.BinaryField()
    manifest = models.BinaryField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return f"Report of round {self.round_id}"
