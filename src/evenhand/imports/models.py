"""What each import loaded, and from which row of which system, so that a re-run recognises what it has done."""

from django.db import models

from evenhand.org.models import StaffMember


class ImportKind(models.TextChoices):
    """What an import file holds: one kind of record per file (docs/import.md)."""

    PEOPLE = "people", "People"
    SENTENCES = "sentences", "Sentences"
    RISK = "risk", "Risk of serious harm reviews"
    CONTACTS = "contacts", "Contacts"
    # An HR extract (workforce app): staff members' HR events.
    STAFF_EVENTS = "staff-events", "Staff HR events"


class ImportRun(models.Model):
    """One import that was committed: who ran it, when, from what, and what came of its rows. A refused import
    (a bad row without ``partial``) writes nothing, this row included; the command and the API report it."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    source = models.CharField(
        max_length=40, help_text="The system the file came from, as the importer named it"
    )
    file_name = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, help_text="command or api")
    partial = models.BooleanField(
        help_text="Good rows loaded and bad ones rejected, rather than all or nothing"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    rows = models.PositiveIntegerField()
    created = models.PositiveIntegerField(help_text="Rows that made a new record")
    unchanged = models.PositiveIntegerField(help_text="Rows imported before with the same values")
    matched = models.PositiveIntegerField(help_text="People already held under the row's CRN, linked")
    rejected = models.PositiveIntegerField()

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Import of {self.get_kind_display().lower()} from {self.source} ({self.file_name or 'API'})"


class ImportedRow(models.Model):
    """A row of another system that an import loaded: the system, the kind of record and the row's own id
    there, the record it made (or, for a person already held under its CRN, matched) and a digest of its
    values. One per (source, kind, source id): a re-run finds it and does not load the row again, and a row
    whose values have changed since is refused rather than silently overwriting the record."""

    run = models.ForeignKey(ImportRun, on_delete=models.PROTECT, related_name="imported_rows")
    source = models.CharField(max_length=40)
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    source_id = models.CharField(max_length=60)
    # The id of the Person, Sentence, RiskSummary or Contact (by ``kind``): a plain id, like the access log's,
    # so that the record's own rules about deletion stay its own.
    record_id = models.BigIntegerField()
    row_number = models.PositiveIntegerField()
    digest = models.CharField(
        max_length=32, help_text="Of the row's values, to tell a changed row on a re-run"
    )
    matched = models.BooleanField(default=False, help_text="A person already held under this CRN, linked")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "source_id"],
                name="imported_row_once",
                violation_error_message="This row of this system has already been imported",
            )
        ]
        indexes = [models.Index(fields=["kind", "record_id"])]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.source_id} → {self.record_id}"
