"""The pre-sentence report (PSR): written for a court case, signed off, delivered, and then never changed.

What the record already holds is referenced, never typed again: the offences (``cases.Offence``), the risk of
serious harm review (``cases.RiskSummary``) and the assessment whose predictors and diversity conversation the
report shows. What the author writes is the report's own: the sources of information, the offence analysis,
the person's circumstances, the diversity section (each factor prefilled from the conversation), the risk
analysis and the proposal with its rationale. A delivered report refuses any change (``save()`` and
``delete()`` check the row in the database, as an assessment does); a correction is a new version
(``corrects``) that goes through sign-off again and supersedes it once delivered.
"""

from typing import Any

from django.db import models
from django.db.models import F, Q

from evenhand.cases.models import Offence, RiskSummary
from evenhand.org.models import StaffMember
from evenhand.people.models import Person

from .assessment import Assessment
from .conversation import Topic


class ReportFormat(models.TextChoices):
    FAST_ORAL = "fast_oral", "Fast: delivered orally"
    FAST_SHORT = "fast_short", "Fast: short written report"
    STANDARD = "standard", "Standard"


FAST_FORMATS = (ReportFormat.FAST_ORAL, ReportFormat.FAST_SHORT)


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_SIGN_OFF = "awaiting_sign_off", "Awaiting sign-off"
    DELIVERED = "delivered", "Signed off and delivered"
    # Delivered, and since corrected by a later version that was delivered in its turn.
    SUPERSEDED = "superseded", "Delivered, corrected by a later version"


REPORT_OPEN = (ReportStatus.DRAFT, ReportStatus.AWAITING_SIGN_OFF)
REPORT_FINISHED = (ReportStatus.DELIVERED, ReportStatus.SUPERSEDED)


class Proposal(models.TextChoices):
    COMMUNITY = "community", "Community order"
    SUSPENDED = "suspended", "Suspended sentence order"
    CUSTODY = "custody", "Custody"


class InformationSource(models.TextChoices):
    INTERVIEW = "interview", "Interview with the person"
    CPS = "cps", "Crown Prosecution Service papers"
    PREVIOUS_CONVICTIONS = "previous_convictions", "Previous convictions"
    CASE_RECORD = "case_record", "The probation case record"
    ASSESSMENT = "assessment", "The assessment and its diversity conversation"
    POLICE = "police", "Police, including domestic abuse call-outs"
    CHILDRENS_SERVICES = "childrens_services", "Children's services (safeguarding)"
    HEALTH = "health", "Health or mental health services"
    EQUALITY_FORM = "equality_form", "Equality information form"
    OTHER_AGENCIES = "other_agencies", "Other agencies"


class DiversityFactor(models.TextChoices):
    ETHNICITY = "ethnicity", "Ethnicity"
    CULTURE = "culture", "Culture"
    RELIGION = "religion", "Religion or belief"
    DISCRIMINATION = "discrimination", "Discrimination experienced"
    LANGUAGE = "language", "Language"
    MATURITY = "maturity", "Maturity"
    CARING = "caring", "Caring responsibilities"


# The topic of the diversity conversation each factor is prefilled from (maturity from the date of birth).
TOPIC_OF_FACTOR: dict[str, str] = {
    DiversityFactor.ETHNICITY: Topic.ETHNICITY,
    DiversityFactor.CULTURE: Topic.CULTURE,
    DiversityFactor.RELIGION: Topic.RELIGION,
    DiversityFactor.DISCRIMINATION: Topic.DISCRIMINATION,
    DiversityFactor.LANGUAGE: Topic.LANGUAGE,
    DiversityFactor.CARING: Topic.CARING,
}

# The prompt for each factor: how it bears on the offence and on the proposal.
FACTOR_PROMPTS: dict[str, str] = {
    DiversityFactor.ETHNICITY: "How does the person's ethnicity, as they describe it, bear on the offence, on "
    "their experience of the justice system and on the proposal?",
    DiversityFactor.CULTURE: "What in the person's culture bears on the offence, on what will help them, and "
    "on the requirements proposed?",
    DiversityFactor.RELIGION: "Does the person's religion or belief, or its practice, bear on the offence or "
    "on what they can take part in (days, times, diet, settings)?",
    DiversityFactor.DISCRIMINATION: "Has the person experienced discrimination or racism, including from the "
    "police, the courts or probation? How does it bear on the offence and on their trust in the proposal?",
    DiversityFactor.LANGUAGE: "Does the person need an interpreter or written material in another language, "
    "and can they take part in the requirements proposed as they are delivered?",
    DiversityFactor.MATURITY: "Does the person's maturity (young adults under 25 especially) bear on their "
    "culpability and on the proposal?",
    DiversityFactor.CARING: "Does the person care for children or adults? What would the proposal, custody "
    "above all, mean for them?",
}


class ReportSection(models.TextChoices):
    SOURCES = "sources", "Sources of information"
    OFFENCE = "offence", "Offence analysis"
    CIRCUMSTANCES = "circumstances", "The person's circumstances"
    DIVERSITY = "diversity", "Diversity: how it bears on the offence and the proposal"
    RISK = "risk", "Risk analysis"
    PROPOSAL = "proposal", "Sentencing proposal"


class ImmutableReportError(Exception):
    """Raised when code tries to change or delete a delivered report: a correction is a new version."""


class PreSentenceReport(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="pre_sentence_reports")
    # The court case: the court, the hearing the report is for, and its offences as the record holds them.
    court = models.CharField(max_length=120)
    hearing_date = models.DateField()
    main_offence = models.ForeignKey(Offence, on_delete=models.PROTECT, related_name="+")
    other_offences = models.ManyToManyField(Offence, blank=True, related_name="+")
    format = models.CharField(max_length=10, choices=ReportFormat.choices)
    author = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="pre_sentence_reports")
    status = models.CharField(max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    # A correction of a delivered report is a new version of it.
    version = models.PositiveSmallIntegerField(default=1)
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="correction"
    )
    started_on = models.DateField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    delivered_on = models.DateField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Sign-off: by an SPO, never the author; where the report addresses dangerousness, by the SPO it names.
    dangerousness = models.BooleanField("addresses dangerousness", default=False)
    named_spo = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="signed_off_reports"
    )
    # The sections the author has marked complete (ReportSection values).
    sections_done = models.JSONField(default=list, blank=True)
    sources = models.JSONField(default=list, blank=True)  # InformationSource values
    sources_other = models.CharField(max_length=200, blank=True)
    offence_analysis = models.TextField(blank=True)
    circumstances = models.TextField(blank=True)
    diversity = models.JSONField(default=dict, blank=True)  # DiversityFactor value -> the author's words
    # What the report shows from the record (the review and the assessment in force when it was last saved;
    # frozen once delivered): RoSH to each group, MAPPA, the predictors, the diversity conversation.
    risk_review = models.ForeignKey(
        RiskSummary, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="pre_sentence_reports"
    )
    protective_factors = models.TextField(blank=True)
    risk_analysis = models.TextField(blank=True)
    proposal = models.CharField(max_length=10, choices=Proposal.choices, blank=True)
    requirements = models.JSONField(default=list, blank=True)  # cases.RequirementType values
    rationale = models.TextField(blank=True)
    alternatives = models.TextField("alternatives considered", blank=True)
    # The person's previous convictions as the record held them when the report was delivered.
    previous_convictions = models.PositiveSmallIntegerField(null=True, blank=True)
    # Record once, measured: what was prefilled (field -> value) and the counts kept and typed.
    carried = models.JSONField(default=dict, blank=True)
    prefilled_fields = models.PositiveIntegerField(default=0)
    typed_fields = models.PositiveIntegerField(default=0)
    # The workload app's counted task for writing it (set by that app: workload is the higher layer).
    counted_task_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-hearing_date", "-id"]
        indexes = [
            models.Index(fields=["person", "-hearing_date"]),
            models.Index(fields=["status", "delivered_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=REPORT_FINISHED, delivered_on__isnull=False)
                | (~Q(status__in=REPORT_FINISHED) & Q(delivered_on__isnull=True)),
                name="psr_delivered_has_date",
                violation_error_message="A delivered report has the date it was delivered",
            ),
            models.CheckConstraint(
                condition=Q(delivered_on__isnull=True) | Q(delivered_on__gte=F("started_on")),
                name="psr_delivered_after_start",
                violation_error_message="The report cannot be delivered before it was started",
            ),
            # A proposal always carries its rationale.
            models.CheckConstraint(
                condition=Q(proposal="") | ~Q(rationale=""),
                name="psr_proposal_has_rationale",
                violation_error_message="Enter the rationale for the proposal",
            ),
            models.CheckConstraint(
                condition=Q(dangerousness=False) | Q(named_spo__isnull=False) | Q(status="draft"),
                name="psr_dangerousness_names_spo",
                violation_error_message="A report that addresses dangerousness names the SPO who signs it off",
            ),
            models.CheckConstraint(
                condition=Q(signed_off_by__isnull=True) | ~Q(signed_off_by=F("author")),
                name="psr_not_signed_off_by_author",
                violation_error_message="No one signs off their own report",
            ),
        ]

    def __str__(self) -> str:
        return f"Pre-sentence report for {self.court}, {self.hearing_date:%d %b %Y}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # What the database holds decides, not this instance: a stale copy cannot reopen a delivered report.
        _refuse_if_delivered(self.pk)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        _refuse_if_delivered(self.pk)
        return super().delete(*args, **kwargs)

    @property
    def is_fast(self) -> bool:
        return self.format in FAST_FORMATS


def _refuse_if_delivered(report_id: int | None) -> None:
    if report_id is None:
        return
    if PreSentenceReport.objects.filter(pk=report_id, status__in=REPORT_FINISHED).exists():
        raise ImmutableReportError("A delivered report cannot be changed; write a correction instead.")
