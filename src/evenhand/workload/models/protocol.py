"""The sensitive-case protocol: staff's private sensitivities and the consultation before allocation."""

from django.db import models
from django.db.models import Q

from evenhand.cases.models import Allocation, OffenceFlag, Sentence
from evenhand.org.models import StaffMember


class StaffSensitivity(models.Model):
    """A kind of case a member of staff asks to be consulted about before one is allocated to them.

    Private: only its owner ever sees it. The allocation screen shows a "consult first" marker against their
    name when a case matches, and never the kind or the note.
    """

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="sensitivities")
    kind = models.CharField(max_length=40, choices=OffenceFlag.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind"]
        verbose_name_plural = "staff sensitivities"
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "kind"],
                name="sensitivity_once",
                violation_error_message="You have already asked to be consulted about this kind of case",
            )
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class ConsultationResponse(models.TextChoices):
    PENDING = "pending", "Waiting for the practitioner to confirm"
    AGREED = "agreed", "Consulted and agreed"
    DECLINED = "declined", "Did not agree"


class Consultation(models.Model):
    """A manager's record that they discussed a case with the practitioner they mean to allocate it to, and the
    practitioner's own answer, given in their own account. Answered once; a new discussion is a new record."""

    sentence = models.ForeignKey(Sentence, on_delete=models.PROTECT, related_name="consultations")
    practitioner = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="consultations")
    consulted_on = models.DateField()
    notes = models.TextField(blank=True, help_text="What was discussed")
    recorded_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    response = models.CharField(
        max_length=10, choices=ConsultationResponse.choices, default=ConsultationResponse.PENDING
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    practitioner_comment = models.TextField(blank=True)
    # The allocation this consultation cleared; each consultation clears one allocation.
    allocation = models.OneToOneField(
        Allocation, null=True, blank=True, on_delete=models.PROTECT, related_name="consultation"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["sentence", "practitioner"]), models.Index(fields=["practitioner"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(response="pending", responded_at__isnull=True)
                | (~Q(response="pending") & Q(responded_at__isnull=False)),
                name="consultation_response_has_time",
                violation_error_message="An answered consultation records when it was answered",
            ),
            models.CheckConstraint(
                condition=Q(allocation__isnull=True) | Q(response="agreed"),
                name="consultation_clears_only_when_agreed",
                violation_error_message="Only a consultation the practitioner agreed to can clear an allocation",
            ),
        ]

    def __str__(self) -> str:
        return f"Consultation with {self.practitioner} on {self.consulted_on:%d %b %Y}"
