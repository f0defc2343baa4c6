"""Safe voice: concerns raised by staff, anonymously or in their own name, and the people who handle them.

What a reporter writes (the questionnaire's answers, messages, attachments, the outcome written to them, a
rating's comment, an identity they choose to give) is stored only encrypted (``crypto.py``; ADR 0008). What is
stored in the clear is what routing, deadlines, access control and a later published summary need to count:
the kind, the region, dates (never a time of day), statuses, the outcome category, the rating's scores and the
handler-assigned themes. No row of a concern refers to a user, a session, a member of staff who raised it, an
address or a browser; ids are random (UUIDs), so even their order says nothing about when a concern came in.
"""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from evenhand.core.models import ImmutableModel, RecordChangeError
from evenhand.org.models import Grade, Region, StaffMember


class Status(models.TextChoices):
    RECEIVED = "received", "Received"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    LOOKING_INTO = "looking_into", "Being looked into"
    CLOSED = "closed", "Closed with an outcome"


class SubStatus(models.TextChoices):
    NONE = "", "None"
    GATHERING_INFORMATION = "gathering_information", "Gathering information"
    WAITING_FOR_REPORTER = "waiting_for_reporter", "Waiting for the reporter's answer"
    WITH_INVESTIGATOR = "with_investigator", "With an investigator"
    AWAITING_DECISION = "awaiting_decision", "Awaiting a decision"


# Which sub-statuses each status may carry; the others carry none.
SUB_STATUSES: dict[str, tuple[str, ...]] = {
    Status.RECEIVED: (SubStatus.NONE,),
    Status.ACKNOWLEDGED: (SubStatus.NONE, SubStatus.GATHERING_INFORMATION, SubStatus.WAITING_FOR_REPORTER),
    Status.LOOKING_INTO: tuple(SubStatus.values),
    Status.CLOSED: (SubStatus.NONE,),
}


class OutcomeCategory(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"
    COULD_NOT_INVESTIGATE = "could_not_investigate", "Could not be investigated"
    RESOLVED_INFORMALLY = "resolved_informally", "Resolved informally"
    REFERRED = "referred", "Referred to a formal process"


class Author(models.TextChoices):
    REPORTER = "reporter", "The person who raised the concern"
    HANDLER = "handler", "A handler"


class EscalationKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", "Not acknowledged within 7 days"
    FEEDBACK = "feedback", "No feedback within 3 months"


class DisclosureState(models.TextChoices):
    WITH_CUSTODIAN = "with_custodian", "Waiting for the custodian"
    REFUSED = "refused", "Refused by the custodian"
    WITH_REPORTER = "with_reporter", "Approved; waiting for the reporter"
    CONSENTED = "consented", "The reporter gave their identity"
    DECLINED = "declined", "The reporter declined"


class ConcernKind(models.Model):
    """A kind of concern (configurable: add, rename or retire a kind as data), with its questionnaire's prompt
    for what happened."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    prompt = models.TextField(help_text="The hint under 'What happened?' for this kind")
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    """A theme a handler tags a concern with (for example 'micro-aggressions'), counted in the summary."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HandlerGroup(models.Model):
    """Handlers outside line management (a national unit, say) who handle concerns of some kinds from some
    regions. The group has one key pair; its private key is held only sealed to each member's own key."""

    name = models.CharField(max_length=100, unique=True)
    public_key = models.BinaryField()
    kinds = models.ManyToManyField(ConcernKind, related_name="groups")
    # None listed: every region.
    regions = models.ManyToManyField(Region, blank=True, related_name="+")
    created_on = models.DateField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HandlerKey(models.Model):
    """A handler's own key pair; the private key encrypted by a key derived from their handling passphrase."""

    staff = models.OneToOneField(StaffMember, on_delete=models.PROTECT, related_name="voice_key")
    public_key = models.BinaryField()
    encrypted_private_key = models.BinaryField()
    salt = models.BinaryField()
    kdf_ops = models.PositiveIntegerField()
    kdf_mem = models.PositiveBigIntegerField()
    created_on = models.DateField()


class HandlerMembership(models.Model):
    """A member of staff handling a group's concerns. ``sealed_group_key`` is the group's private key sealed
    to the member's own public key; empty until a member who holds it grants it."""

    group = models.ForeignKey(HandlerGroup, on_delete=models.PROTECT, related_name="memberships")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="voice_memberships")
    is_lead = models.BooleanField(default=False)
    sealed_group_key = models.BinaryField(null=True, blank=True)
    added_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "staff"], name="voice_one_membership")]


class Custodian(models.Model):
    """Decides whether a handler's request to learn a reporter's identity goes to the reporter."""

    staff = models.OneToOneField(StaffMember, on_delete=models.PROTECT, related_name="voice_custodian")
    appointed_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)


class Concern(models.Model):
    """One concern. The plain columns are for routing, deadlines and counting; everything the reporter wrote
    is in ``content`` (and the messages), encrypted under the concern's content key, which is stored only
    wrapped: once under a key derived from the receipt, once sealed to the handler group's public key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=16, unique=True)
    kind = models.ForeignKey(ConcernKind, on_delete=models.PROTECT, related_name="concerns")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(HandlerGroup, on_delete=models.PROTECT, related_name="concerns")
    anonymous = models.BooleanField()
    # Dates only: a time of day could be matched against a sign-in or a building's door log.
    received_on = models.DateField()
    acknowledge_by = models.DateField()
    feedback_by = models.DateField()
    acknowledged_on = models.DateField(null=True, blank=True)
    feedback_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    sub_status = models.CharField(max_length=24, choices=SubStatus.choices, blank=True, default="")
    outcome_category = models.CharField(max_length=24, choices=OutcomeCategory.choices, blank=True)
    themes = models.ManyToManyField(Theme, blank=True, related_name="concerns")
    # The receipt: a keyed tag to find the concern, an Argon2id hash to check it, a salt to derive its key.
    lookup_tag = models.CharField(max_length=64, unique=True)
    receipt_hash = models.CharField(max_length=200)
    reporter_salt = models.BinaryField()
    reporter_kdf_ops = models.PositiveIntegerField()
    reporter_kdf_mem = models.PositiveBigIntegerField()
    reporter_wrapped_key = models.BinaryField()
    group_wrapped_key = models.BinaryField()
    content = models.BinaryField()
    identity = models.BinaryField(null=True, blank=True)
    outcome = models.BinaryField(null=True, blank=True)
    messages_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=Status.CLOSED) | (Q(closed_on__isnull=False) & ~Q(outcome_category="")),
                name="voice_closed_has_outcome",
                violation_error_message="A closed concern needs an outcome and its category",
            ),
        ]
        indexes = [models.Index(fields=["group", "status"])]

    def __str__(self) -> str:
        return self.reference


class ConcernSubject(models.Model):
    """A member of staff a concern names. Neither they nor anyone in their management line may see it."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="subjects")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    added_on = models.DateField()
    # Null: matched in what the reporter wrote; else the handler who added the name.
    added_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["concern", "staff"], name="voice_subject_once")]


class ConflictDeclaration(models.Model):
    """A handler's declared conflict of interest: with one concern, or with a colleague (then every concern
    naming that colleague). A declared conflict hides the concern from the handler."""

    handler = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="voice_conflicts")
    concern = models.ForeignKey(Concern, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    colleague = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    declared_on = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(concern__isnull=False) | Q(colleague__isnull=False),
                name="voice_conflict_with_something",
                violation_error_message="A conflict is with a concern or with a colleague",
            )
        ]


class Message(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="messages")
    position = models.PositiveIntegerField()
    author = models.CharField(max_length=8, choices=Author.choices)
    sent_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_on = models.DateField()
    body = models.BinaryField()
    # A handler's message that tells the reporter what has been done or is planned (the directive's feedback).
    is_feedback = models.BooleanField(default=False)
    after_closure = models.BooleanField(default=False)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["concern", "position"], name="voice_message_position"),
            models.CheckConstraint(
                condition=Q(author=Author.REPORTER, sent_by__isnull=True)
                | Q(author=Author.HANDLER, sent_by__isnull=False),
                name="voice_message_author",
                violation_error_message="A reporter's message names nobody; a handler's names the handler",
            ),
        ]


class Attachment(models.Model):
    """A file added to a message, metadata stripped, encrypted under the concern's content key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="attachments")
    # Null: sent with the concern itself.
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    number = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["concern", "number"], name="voice_attachment_number")]

    @property
    def file_name(self) -> str:
        # The reporter's own file name could name them, so it is never kept.
        extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(
            self.content_type, "txt"
        )
        return f"attachment-{self.number}.{extension}"


class StatusChange(models.Model):
    """The status log: every change, by whom (a handler) and on which day. Never edited."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="status_changes")
    position = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices)
    sub_status = models.CharField(max_length=24, choices=SubStatus.choices, blank=True)
    changed_on = models.DateField()
    # Null for the concern's arrival.
    changed_by = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["concern", "position"], name="voice_status_position")]


class Escalation(models.Model):
    """A missed deadline, escalated to the group's lead (once per concern and deadline)."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="escalations")
    kind = models.CharField(max_length=16, choices=EscalationKind.choices)
    escalated_on = models.DateField()
    lead = models.ForeignKey(StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["concern", "kind"], name="voice_escalate_once")]


class DisclosureRequest(models.Model):
    """A handler's request to learn who raised a concern: the handler's reason, the custodian's decision and
    reason (both shown to the reporter), then the reporter's answer. Reasons are written to be read by the
    custodian and the reporter and are kept in the clear; the form tells the handler not to quote the concern."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="disclosure_requests")
    number = models.PositiveSmallIntegerField()
    requested_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    requested_on = models.DateField()
    state = models.CharField(
        max_length=16, choices=DisclosureState.choices, default=DisclosureState.WITH_CUSTODIAN
    )
    custodian = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    custodian_reason = models.TextField(blank=True)
    decided_on = models.DateField(null=True, blank=True)
    answered_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["concern", "number"], name="voice_disclosure_number")]


class FairnessRating(models.Model):
    """The reporter's rating of how the concern was handled, 1 (poor) to 5 (good) on five dimensions."""

    concern = models.OneToOneField(Concern, on_delete=models.CASCADE, related_name="rating")
    heard = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    neutrality = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    respect = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    outcome = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    time_taken = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.BinaryField(null=True, blank=True)
    rated_on = models.DateField()

    DIMENSIONS = ("heard", "neutrality", "respect", "outcome", "time_taken")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(heard__range=(1, 5))
                & Q(neutrality__range=(1, 5))
                & Q(respect__range=(1, 5))
                & Q(outcome__range=(1, 5))
                & Q(time_taken__range=(1, 5)),
                name="voice_rating_in_range",
                violation_error_message="Each rating is from 1 to 5",
            )
        ]


# --- the anonymous staff survey (ADR 0008, "The staff survey") -------------------------------------------


class Agreement(models.IntegerChoices):
    STRONGLY_DISAGREE = 1, "Strongly disagree"
    DISAGREE = 2, "Disagree"
    NEITHER = 3, "Neither agree nor disagree"
    AGREE = 4, "Agree"
    STRONGLY_AGREE = 5, "Strongly agree"


# An answer of at least this counts as agreeing in the results.
AGREES_FROM = Agreement.AGREE


class SurveyEthnicGroup(models.TextChoices):
    """The five top-level ONS 2021 groups, as the respondent describes themselves, or prefer not to say.

    The same codes as ``people.EthnicGroup``, which voice may not import (import contract ``voice-apart``):
    the survey asks the respondent, it never looks them up."""

    ASIAN = "asian", "Asian, Asian British or Asian Welsh"
    BLACK = "black", "Black, Black British, Black Welsh, Caribbean or African"
    MIXED = "mixed", "Mixed or Multiple ethnic groups"
    WHITE = "white", "White"
    OTHER = "other", "Other ethnic group"
    PREFER_NOT_TO_SAY = "prefer_not_to_say", "Prefer not to say"


class Survey(models.Model):
    """A staff survey, open to responses from ``opens_on`` to ``closes_on`` (both included). Its results are
    shown only once it has closed: live results would let anyone who watched them before and after a
    colleague answered work out that colleague's answers."""

    title = models.CharField(max_length=200)
    opens_on = models.DateField()
    closes_on = models.DateField()
    created_on = models.DateField()

    class Meta:
        ordering = ["-opens_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")),
                name="voice_survey_closes_after_opening",
                violation_error_message="A survey closes on or after the day it opens",
            )
        ]

    def __str__(self) -> str:
        return self.title


class SurveyTokenIssue(models.Model):
    """Who has taken their token for a survey: so that each member of staff takes one only. It holds no token,
    no hash of one and no date, and nothing refers to it: it cannot be joined to a token or an answer."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "staff"], name="voice_one_token_each")]


class SurveyToken(models.Model):
    """A one-time token, stored only as a keyed hash (``crypto.survey_token_tag``), spent by a response. It
    refers to no member of staff and no response; its id is random, so its order says nothing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="+")
    tag = models.CharField(max_length=64, unique=True)
    spent = models.BooleanField(default=False)


def _agreement(name: str, *, optional: bool = False) -> models.PositiveSmallIntegerField:  # type: ignore[type-arg]
    return models.PositiveSmallIntegerField(
        choices=Agreement.choices,
        null=optional,
        blank=optional,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        verbose_name=name,
    )


class SurveyResponse(models.Model):
    """One person's answers. No staff member, session, token, date or time: nothing to join it by. The id is
    random, so even the order of the rows (read by id) says nothing about who answered when."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    safe_to_raise = _agreement("I feel safe to raise issues of racial discrimination at work")
    complaint_handled = _agreement(
        "I am confident a complaint of discrimination would be handled appropriately"
    )
    manager_understands = _agreement("My manager understands the issues I face")
    fair_progression = _agreement("I have the same opportunities to progress as my colleagues")
    # Null: the respondent has not made a complaint of discrimination.
    complaint_satisfied = _agreement(
        "I was satisfied with how my complaint of discrimination was handled", optional=True
    )
    # Blank or null: not given.
    ethnic_group = models.CharField(max_length=20, choices=SurveyEthnicGroup.choices, blank=True)
    grade = models.CharField(max_length=10, choices=Grade.choices, blank=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    QUESTIONS = (
        "safe_to_raise",
        "complaint_handled",
        "manager_understands",
        "fair_progression",
        "complaint_satisfied",
    )
    OPTIONAL = ("complaint_satisfied",)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(safe_to_raise__range=(1, 5))
                & Q(complaint_handled__range=(1, 5))
                & Q(manager_understands__range=(1, 5))
                & Q(fair_progression__range=(1, 5))
                & (Q(complaint_satisfied__isnull=True) | Q(complaint_satisfied__range=(1, 5))),
                name="voice_survey_answers_in_range",
                violation_error_message="Each answer is from 1 (strongly disagree) to 5 (strongly agree)",
            )
        ]


# --- the quarterly summary (issue 16 item 7) ---------------------------------------------------------------


class SummaryReleaseError(RecordChangeError):
    """A published summary cannot be changed or removed."""


class SummaryRelease(ImmutableModel):
    """A quarter's published summary of concerns, frozen: the figures as published (suppression applied),
    the HTML, PDF and spreadsheet made from them and the disclosure manifest, stored once. A release is
    never edited or deleted (``save`` and ``delete`` refuse); a quarter is published once."""

    refusal_error = SummaryReleaseError
    record_name = "A published summary"
    instead = "it stays as it was published."

    quarter = models.CharField(max_length=7, unique=True)  # "2026Q3"
    starts_on = models.DateField()
    ends_on = models.DateField()
    published_on = models.DateField()
    published_by = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    figures = models.JSONField()
    html = models.TextField()
    pdf = models.BinaryField()
    ods = models.BinaryField()
    manifest = models.BinaryField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")) & Q(published_on__gt=models.F("ends_on")),
                name="voice_summary_after_its_quarter",
                violation_error_message="A quarter's summary is published after the quarter has ended",
            )
        ]

    def __str__(self) -> str:
        return self.quarter
