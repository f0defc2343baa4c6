"""Reads the pages and the API share: a concern as its reporter sees it, and as a handler sees it.

Both decrypt with a key their caller brings (the receipt's, or the handler's unlocked key); a handler's read
goes through ``services.concern_for_handler``, which refuses a concern they may not see exactly as a missing
one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Count, Exists, F, OuterRef
from django.utils import timezone

from evenhand.org.models import PDU, Region, StaffMember

from . import crypto
from .models import (
    Attachment,
    Author,
    Concern,
    ConcernKind,
    DisclosureRequest,
    DisclosureState,
    Escalation,
    FairnessRating,
    HandlerKey,
    HandlerMembership,
    Message,
    OutcomeCategory,
    Status,
    SubStatus,
    Theme,
)
from .services import (
    QUESTIONS,
    ReceiptRefused,
    ReporterAccess,
    concern_for_handler,
    content_key,
    visible_concerns,
)


@dataclass(frozen=True)
class AttachmentView:
    id: str
    file_name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class MessageView:
    position: int
    author: str  # Author value
    sent_on: dt.date
    text: str
    is_feedback: bool
    after_closure: bool
    attachments: tuple[AttachmentView, ...]

    @property
    def from_reporter(self) -> bool:
        return self.author == Author.REPORTER


@dataclass(frozen=True)
class DisclosureView:
    id: str
    reason: str
    requested_on: dt.date
    state: str
    state_label: str
    custodian_reason: str
    decided_on: dt.date | None
    answered_on: dt.date | None


@dataclass(frozen=True)
class StatusView:
    status: str
    label: str
    sub_status_label: str
    changed_on: dt.date
    by_handler: bool


RATING_QUESTIONS = {
    "heard": "Being heard",
    "neutrality": "Neutrality",
    "respect": "Respect",
    "outcome": "The outcome",
    "time_taken": "The time taken",
}


@dataclass(frozen=True)
class RatingView:
    """The reporter's fairness rating of a closed concern: a score from 1 to 5 per question, and a comment."""

    rated_on: dt.date
    scores: tuple[tuple[str, str, int], ...]  # (dimension, label, score)
    comment: str

    @property
    def average(self) -> float:
        return round(sum(score for _, _, score in self.scores) / len(self.scores), 1)


def _rating(rating: FairnessRating | None, key: bytes) -> RatingView | None:
    if rating is None:
        return None
    return RatingView(
        rated_on=rating.rated_on,
        scores=tuple((d, RATING_QUESTIONS[d], getattr(rating, d)) for d in FairnessRating.DIMENSIONS),
        comment=crypto.unseal_text(key, rating.comment),
    )


def rating_average(rating: FairnessRating | None) -> float | None:
    if rating is None:
        return None
    return round(
        sum(getattr(rating, d) for d in FairnessRating.DIMENSIONS) / len(FairnessRating.DIMENSIONS), 1
    )


@dataclass(frozen=True)
class ConcernView:
    """A concern decrypted, for its reporter or a handler (``for_handler`` adds what only handlers see)."""

    reference: str
    kind: str
    region: str
    anonymous: bool
    received_on: dt.date
    acknowledge_by: dt.date
    feedback_by: dt.date
    status: str
    status_label: str
    sub_status_label: str
    answers: tuple[tuple[str, str, str], ...]  # (field, question, answer)
    attachments: tuple[AttachmentView, ...]  # sent with the concern
    messages: tuple[MessageView, ...]
    outcome: str
    outcome_category: str
    outcome_category_label: str
    closed_on: dt.date | None
    rated: bool
    disclosures: tuple[DisclosureView, ...]
    history: tuple[StatusView, ...]
    content_hash: str
    identity: str = ""  # handlers only: what a named reporter gave, or a consenting one
    subjects: tuple[str, ...] = ()  # handlers only
    themes: tuple[str, ...] = ()
    theme_codes: tuple[str, ...] = ()
    escalations: tuple[str, ...] = ()
    rating: RatingView | None = None

    @property
    def closed(self) -> bool:
        return self.status == Status.CLOSED

    @property
    def waiting_for_reporter(self) -> tuple[DisclosureView, ...]:
        return tuple(d for d in self.disclosures if d.state == DisclosureState.WITH_REPORTER)


def _attachments(rows: list[Attachment]) -> tuple[AttachmentView, ...]:
    return tuple(AttachmentView(str(a.pk), a.file_name, a.content_type, a.size) for a in rows)


def _view(concern: Concern, key: bytes, *, for_handler: bool) -> ConcernView:
    raw = crypto.unseal(key, concern.content)
    content = json.loads(raw)
    answers = content.get("answers", {})
    attachments = list(
        Attachment.objects.filter(concern=concern).only("id", "number", "content_type", "size", "message_id")
    )
    by_message: dict[Any, list[Attachment]] = {}
    for attachment in attachments:
        by_message.setdefault(attachment.message_id, []).append(attachment)
    messages = tuple(
        MessageView(
            position=m.position,
            author=m.author,
            sent_on=m.sent_on,
            text=crypto.unseal_text(key, m.body),
            is_feedback=m.is_feedback,
            after_closure=m.after_closure,
            attachments=_attachments(by_message.get(m.pk, [])),
        )
        for m in Message.objects.filter(concern=concern).order_by("position")
    )
    disclosures = tuple(
        DisclosureView(
            id=str(d.pk),
            reason=d.reason,
            requested_on=d.requested_on,
            state=d.state,
            state_label=DisclosureState(d.state).label,
            custodian_reason=d.custodian_reason,
            decided_on=d.decided_on,
            answered_on=d.answered_on,
        )
        for d in DisclosureRequest.objects.filter(concern=concern).order_by("number")
        # The reporter hears of a request only once the custodian has approved or refused it.
        if for_handler or d.state != DisclosureState.WITH_CUSTODIAN
    )
    history = tuple(
        StatusView(
            c.status,
            Status(c.status).label,
            SubStatus(c.sub_status).label if c.sub_status else "",
            c.changed_on,
            c.changed_by_id is not None,
        )
        for c in concern.status_changes.order_by("position")
    )
    rating = FairnessRating.objects.filter(concern=concern).first()
    extra: dict[str, Any] = {}
    if for_handler:
        extra = {
            "identity": crypto.unseal_text(key, concern.identity) if concern.identity is not None else "",
            "subjects": tuple(
                f"{s.staff.full_name} ({s.staff.staff_code})"
                for s in concern.subjects.select_related("staff")
            ),
            "themes": tuple(concern.themes.values_list("name", flat=True)),
            "theme_codes": tuple(concern.themes.values_list("code", flat=True)),
            "escalations": tuple(
                f"{e.get_kind_display()} (escalated {e.escalated_on:%-d %B %Y})"
                for e in concern.escalations.all()
            ),
        }
    return ConcernView(
        reference=concern.reference,
        kind=concern.kind.name,
        region=concern.region.name if concern.region else "Not given",
        anonymous=concern.anonymous,
        received_on=concern.received_on,
        acknowledge_by=concern.acknowledge_by,
        feedback_by=concern.feedback_by,
        status=concern.status,
        status_label=Status(concern.status).label,
        sub_status_label=SubStatus(concern.sub_status).label if concern.sub_status else "",
        answers=tuple(
            (field, question, answers.get(field, "")) for field, (question, _, _) in QUESTIONS.items()
        ),
        attachments=_attachments(by_message.get(None, [])),
        messages=messages,
        outcome=crypto.unseal_text(key, concern.outcome) if concern.outcome is not None else "",
        outcome_category=concern.outcome_category,
        outcome_category_label=OutcomeCategory(concern.outcome_category).label
        if concern.outcome_category
        else "",
        closed_on=concern.closed_on,
        rated=rating is not None,
        rating=_rating(rating, key),
        disclosures=disclosures,
        history=history,
        content_hash=hashlib.sha256(raw).hexdigest(),
        **extra,
    )


def reporter_view(access: ReporterAccess) -> ConcernView:
    """The concern as its reporter sees it: everything but the handlers' own notes (names matched, themes)."""
    concern = Concern.objects.select_related("kind", "region").filter(pk=access.concern_id).first()
    if concern is None:
        raise ReceiptRefused()
    try:
        return _view(concern, access.key, for_handler=False)
    except crypto.DecryptionFailed:
        raise ReceiptRefused() from None


def proof_of_submission(access: ReporterAccess) -> str:
    """A text the reporter can keep: the concern's reference, the day it was received and a SHA-256 of what
    they wrote. It names nobody; a handler can recompute the hash from the concern."""
    view = reporter_view(access)
    return (
        "Evenhand safe voice: proof of submission\n"
        f"Reference: {view.reference}\n"
        f"Received on: {view.received_on.isoformat()}\n"
        f"SHA-256 of the concern as submitted: {view.content_hash}\n"
        "This file does not say who raised the concern. Keep your receipt words somewhere else.\n"
    )


def reporter_attachment(access: ReporterAccess, attachment_id: str) -> tuple[Attachment, bytes]:
    return _attachment(access.concern_id, access.key, attachment_id)


def _attachment(concern_id: UUID, key: bytes, attachment_id: str) -> tuple[Attachment, bytes]:
    try:
        wanted = UUID(str(attachment_id))
    except ValueError:
        raise Attachment.DoesNotExist() from None
    attachment = Attachment.objects.filter(pk=wanted, concern_id=concern_id).first()
    if attachment is None:
        raise Attachment.DoesNotExist()
    return attachment, crypto.unseal(key, attachment.data)


# --- handlers ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    reference: str
    kind: str
    region: str
    received_on: dt.date
    status_label: str
    acknowledge_by: dt.date
    feedback_by: dt.date
    overdue: str
    reporter_replied: bool
    escalated: bool
    # A closed concern's fairness rating: the average of its five scores, 1 to 5 (None: not rated).
    rating_average: float | None = None


@dataclass(frozen=True)
class HandlerStatus:
    is_handler: bool
    has_key: bool
    holds_group_keys: bool
    is_lead: bool
    groups: tuple[str, ...]
    led: tuple[str, ...]


def handler_status(staff: StaffMember) -> HandlerStatus:
    memberships = list(
        HandlerMembership.objects.filter(staff=staff, ended_on__isnull=True).select_related("group")
    )
    return HandlerStatus(
        is_handler=bool(memberships),
        has_key=HandlerKey.objects.filter(staff=staff).exists(),
        holds_group_keys=any(m.sealed_group_key is not None for m in memberships),
        is_lead=any(m.is_lead for m in memberships),
        groups=tuple(m.group.name for m in memberships),
        led=tuple(m.group.name for m in memberships if m.is_lead),
    )


def inbox(
    staff: StaffMember, *, status: str = "", offset: int = 0, limit: int = 50
) -> tuple[int, list[InboxRow]]:
    """The handler's concerns (conflicts and their line left out), open ones first, oldest deadline first."""
    today = timezone.localdate()
    rows = visible_concerns(staff)
    if status in Status.values:
        rows = rows.filter(status=status)
    last_author = Message.objects.filter(concern=OuterRef("pk")).order_by("-position").values("author")[:1]
    rows = rows.annotate(
        last_author=last_author,
        escalated=Exists(Escalation.objects.filter(concern=OuterRef("pk"))),
    ).select_related("kind", "region", "rating")
    count = rows.count()
    # Open concerns (no closing day) first.
    ordered = rows.order_by(F("closed_on").asc(nulls_first=True), "acknowledge_by", "reference")[
        offset : offset + limit
    ]
    result = []
    for concern in ordered:
        overdue = ""
        if concern.acknowledged_on is None and concern.acknowledge_by < today:
            overdue = "Acknowledgement overdue"
        elif concern.feedback_on is None and concern.feedback_by < today:
            overdue = "Feedback overdue"
        result.append(
            InboxRow(
                reference=concern.reference,
                kind=concern.kind.name,
                region=concern.region.name if concern.region else "Not given",
                received_on=concern.received_on,
                status_label=Status(concern.status).label,
                acknowledge_by=concern.acknowledge_by,
                feedback_by=concern.feedback_by,
                overdue=overdue,
                reporter_replied=concern.last_author == Author.REPORTER,  # type: ignore[attr-defined]
                escalated=concern.escalated,  # type: ignore[attr-defined]
                rating_average=rating_average(getattr(concern, "rating", None)),
            )
        )
    return count, result


def handler_view(*, staff: StaffMember, reference: str, private_key: bytes) -> ConcernView:
    """One concern decrypted for a handler who may see it (``Concern.DoesNotExist`` otherwise)."""
    concern = concern_for_handler(staff=staff, reference=reference)
    key = content_key(staff=staff, concern=concern, private_key=private_key)
    return _view(concern, key, for_handler=True)


def handler_attachment(
    *, staff: StaffMember, reference: str, private_key: bytes, attachment_id: str
) -> tuple[Attachment, bytes]:
    concern = concern_for_handler(staff=staff, reference=reference)
    key = content_key(staff=staff, concern=concern, private_key=private_key)
    return _attachment(concern.pk, key, attachment_id)


def waiting_for_group_key(staff: StaffMember) -> list[HandlerMembership]:
    """Members of the lead's groups who have a key but not yet the group's key."""
    groups = HandlerMembership.objects.filter(staff=staff, is_lead=True, ended_on__isnull=True).values(
        "group"
    )
    return list(
        HandlerMembership.objects.filter(
            group__in=groups, sealed_group_key__isnull=True, ended_on__isnull=True
        )
        .filter(staff__voice_key__isnull=False)
        .select_related("staff", "group")
    )


# --- choices for forms -------------------------------------------------------------------------------------


def kinds() -> list[ConcernKind]:
    return list(ConcernKind.objects.filter(active=True))


def kind_by_code(code: str) -> ConcernKind | None:
    return ConcernKind.objects.filter(code=code, active=True).first()


def regions() -> list[Region]:
    return list(Region.objects.order_by("name"))


def region_by_code(code: str) -> Region | None:
    return Region.objects.filter(code=code).first() if code else None


def pdus() -> list[PDU]:
    return list(PDU.objects.select_related("region").order_by("name"))


def pdu_by_code(code: str) -> PDU | None:
    return PDU.objects.select_related("region").filter(code=code).first() if code else None


def themes() -> list[Theme]:
    return list(Theme.objects.filter(active=True))


def open_requests_count(staff: StaffMember) -> int:
    return DisclosureRequest.objects.filter(requested_by=staff, state=DisclosureState.WITH_CUSTODIAN).count()


def summary_counts() -> dict[str, int]:
    """Counts by status, for checks and the command line."""
    return dict(Concern.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))


def members_of_led_groups(staff: StaffMember) -> list[HandlerMembership]:
    """The current members of the groups ``staff`` leads (for the lead to remove one)."""
    groups = HandlerMembership.objects.filter(staff=staff, is_lead=True, ended_on__isnull=True).values(
        "group"
    )
    return list(
        HandlerMembership.objects.filter(group__in=groups, ended_on__isnull=True)
        .select_related("staff", "group")
        .order_by("group__name", "staff__last_name", "staff__first_name")
    )
