"""Transfers between PDUs and corrections of allocations made in error: decisions kept as records, never edited."""

from django.db import models
from django.db.models import F, Q

from evenhand.cases.models import Allocation, Sentence
from evenhand.org.models import PDU, StaffMember


class Transfer(models.Model):
    """A case sent from one PDU to another. The person's record moves to the receiving PDU at once and the case
    enters its allocation queue; the sending practitioner's allocation stays open (they remain responsible) until
    the receiving PDU allocates it, which fills in ``allocation``."""

    sentence = models.ForeignKey(Sentence, on_delete=models.PROTECT, related_name="transfers")
    from_pdu = models.ForeignKey(PDU, on_delete=models.PROTECT, related_name="+")
    to_pdu = models.ForeignKey(PDU, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    transferred_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    transferred_at = models.DateTimeField()
    # The receiving PDU's allocation that completed the transfer; empty while the case waits in its queue.
    allocation = models.OneToOneField(
        Allocation, on_delete=models.PROTECT, null=True, blank=True, related_name="completes_transfer"
    )

    class Meta:
        ordering = ["-transferred_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_pdu=F("to_pdu")),
                name="transfer_to_another_pdu",
                violation_error_message="Transfer to another PDU",
            ),
            models.UniqueConstraint(
                fields=["sentence"],
                condition=Q(allocation__isnull=True),
                name="transfer_one_pending",
                violation_error_message="This case is already waiting to be allocated after a transfer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sentence}: {self.from_pdu} → {self.to_pdu}"


class AllocationCorrection(models.Model):
    """An allocation made in error, corrected the same day: points at the allocation it corrects and at the
    allocation that replaces it. The allocation in error is kept; it ends the day it started."""

    corrects = models.OneToOneField(Allocation, on_delete=models.PROTECT, related_name="correction")
    replacement = models.OneToOneField(Allocation, on_delete=models.PROTECT, related_name="corrected_from")
    reason = models.TextField()
    corrected_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField()

    class Meta:
        ordering = ["-corrected_at"]

    def __str__(self) -> str:
        return f"Correction of {self.corrects}"
