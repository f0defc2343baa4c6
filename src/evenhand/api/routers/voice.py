"""Safe voice, for handlers only (reporters use the pages, which need no account and never learn one).

Reading a concern's content or writing to it needs the handler's passphrase in ``X-Voice-Passphrase``:
concerns are encrypted, and only the passphrase opens the handler's key. A concern the caller may not see
(not their group's, naming them or their management line, or a declared conflict) answers 404, as if it did
not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Header, Path, Query, Router, Schema

from evenhand.voice import crypto, limiter, selectors, services
from evenhand.voice.models import Attachment, Concern, OutcomeCategory, Status, SubStatus

from ..auth import staff_of
from ..schemas import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, ErrorOut, PageQuery
from .common import NOT_FOUND

router = Router(tags=["safe voice"])
PASSPHRASE = Header(
    None,
    alias="X-Voice-Passphrase",
    description="Your handling passphrase, which opens your key (concerns are encrypted)",
)


class InboxRowOut(Schema):
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
    rating_average: float | None = Field(
        None, description="A closed concern's fairness rating: the average of its five scores (1 to 5)"
    )


class PagedInboxOut(Schema):
    items: list[InboxRowOut]
    count: int


class InboxFilter(Schema):
    status: Status | None = None


class AnswerOut(Schema):
    field: str
    question: str
    answer: str


class AttachmentOut(Schema):
    id: str
    file_name: str
    content_type: str
    size: int


class MessageOut(Schema):
    position: int
    author: str
    sent_on: dt.date
    text: str
    is_feedback: bool
    after_closure: bool
    attachments: list[AttachmentOut]


class ScoreOut(Schema):
    question: str
    label: str
    score: int = Field(..., ge=1, le=5)


class RatingOut(Schema):
    """The reporter's fairness rating of the closed concern, 1 (poor) to 5 (good)."""

    rated_on: dt.date
    scores: list[ScoreOut]
    average: float
    comment: str


class ConcernOut(Schema):
    reference: str
    kind: str
    region: str
    anonymous: bool
    identity: str
    received_on: dt.date
    acknowledge_by: dt.date
    feedback_by: dt.date
    status: str
    status_label: str
    sub_status_label: str
    answers: list[AnswerOut]
    attachments: list[AttachmentOut]
    messages: list[MessageOut]
    outcome: str
    outcome_category: str
    closed_on: dt.date | None
    subjects: list[str]
    themes: list[str]
    content_hash: str
    rating: RatingOut | None


class StatusIn(Schema):
    status: Status
    sub_status: SubStatus = SubStatus.NONE


class MessageIn(Schema):
    text: str = Field(..., max_length=services.MAX_TEXT)
    is_feedback: bool = False


class CloseIn(Schema):
    outcome: str = Field(..., max_length=services.MAX_TEXT)
    category: OutcomeCategory


class ThemesIn(Schema):
    themes: list[str] = Field(
        ..., max_length=20, description="The codes of the themes the concern is counted under (none: [])"
    )


class ThemesOut(Schema):
    reference: str
    themes: list[str]


class DoneOut(Schema):
    reference: str
    status: str


def _handler(request: HttpRequest) -> Any:
    staff = staff_of(request)
    if not services.is_handler(staff):
        raise PermissionDenied("Only handlers of staff concerns may use these operations.")
    return staff


def _key(staff: Any, passphrase: str | None) -> bytes:
    if not passphrase:
        raise PermissionDenied("Send your handling passphrase in X-Voice-Passphrase.")
    try:
        limiter.check_unlock(staff.pk)
        return services.unlock(staff=staff, passphrase=passphrase)
    except limiter.TooManyAttempts:
        raise PermissionDenied(limiter.UNLOCK_MESSAGE) from None
    except services.PassphraseRefused:
        limiter.count_failed_unlock(staff.pk)
        raise PermissionDenied("That passphrase does not open your handling key.") from None


@contextmanager
def _refusals() -> Iterator[None]:
    """A concern the caller's groups do not hold is not found; a caller who may not handle it is refused."""
    try:
        yield
    except Concern.DoesNotExist:
        raise Http404(NOT_FOUND) from None
    except services.NotAHandler as refused:
        raise PermissionDenied(str(refused)) from None


def _out(view: selectors.ConcernView) -> dict[str, Any]:
    def attachment(a: selectors.AttachmentView) -> dict[str, Any]:
        return {"id": a.id, "file_name": a.file_name, "content_type": a.content_type, "size": a.size}

    return {
        **{name: getattr(view, name) for name in ConcernOut.model_fields if hasattr(view, name)},
        "answers": [{"field": f, "question": q, "answer": a} for f, q, a in view.answers],
        "attachments": [attachment(a) for a in view.attachments],
        "messages": [
            {
                **{
                    k: getattr(m, k)
                    for k in ("position", "author", "sent_on", "text", "is_feedback", "after_closure")
                },
                "attachments": [attachment(a) for a in m.attachments],
            }
            for m in view.messages
        ],
        "subjects": list(view.subjects),
        "themes": list(view.themes),
        "rating": None
        if view.rating is None
        else {
            "rated_on": view.rating.rated_on,
            "scores": [{"question": q, "label": label, "score": n} for q, label, n in view.rating.scores],
            "average": view.rating.average,
            "comment": view.rating.comment,
        },
    }


@router.get("/concerns", response={200: PagedInboxOut, **LIST_ERRORS}, summary="List the concerns you handle")
def list_concerns(
    request: HttpRequest, filters: Query[InboxFilter], page: Query[PageQuery]
) -> dict[str, Any]:
    """The caller's groups' concerns, less those naming them or their management line and declared conflicts."""
    staff = _handler(request)
    count, rows = selectors.inbox(staff, status=filters.status or "", offset=page.offset, limit=page.limit)
    return {"items": [row.__dict__ for row in rows], "count": count}


@router.get(
    "/concerns/{concern_ref}",
    response={200: ConcernOut, 403: ErrorOut, **READ_ERRORS},
    summary="Read a concern (decrypted with your passphrase)",
)
def read_concern(
    request: HttpRequest,
    concern_ref: Path[str],
    x_voice_passphrase: str | None = PASSPHRASE,
) -> dict[str, Any]:
    staff = _handler(request)
    key = _key(staff, x_voice_passphrase)
    with _refusals():
        return _out(selectors.handler_view(staff=staff, reference=concern_ref, private_key=key))


@router.get(
    "/concerns/{concern_ref}/attachments/{attachment_id}",
    response={200: None, 403: ErrorOut, **READ_ERRORS},
    summary="Download an attachment (decrypted with your passphrase)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, metadata stripped when it was received: a JPEG, PNG, PDF or text file",
                "content": {
                    kind: {"schema": {"type": "string", "format": "binary"}}
                    for kind in ("image/jpeg", "image/png", "application/pdf", "text/plain")
                },
            }
        }
    },
)
def download_attachment(
    request: HttpRequest,
    concern_ref: Path[str],
    attachment_id: Path[str],
    x_voice_passphrase: str | None = PASSPHRASE,
) -> HttpResponse:
    """An attachment of a concern the caller may handle, with the same checks as reading the concern: one of
    another group's concerns, or one naming the caller or their line, is not found."""
    staff = _handler(request)
    key = _key(staff, x_voice_passphrase)
    with _refusals():
        try:
            attachment, data = selectors.handler_attachment(
                staff=staff, reference=concern_ref, private_key=key, attachment_id=attachment_id
            )
        except (Attachment.DoesNotExist, crypto.DecryptionFailed):
            raise Http404(NOT_FOUND) from None
    response = HttpResponse(data, content_type=attachment.content_type)
    response["Content-Disposition"] = f'attachment; filename="{attachment.file_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post(
    "/concerns/{concern_ref}/acknowledge",
    response={200: DoneOut, **WRITE_ERRORS},
    summary="Acknowledge a concern",
)
def acknowledge(request: HttpRequest, concern_ref: Path[str]) -> dict[str, Any]:
    staff = _handler(request)
    with _refusals():
        concern = services.acknowledge(by=staff, reference=concern_ref)
    return {"reference": concern.reference, "status": concern.status}


@router.post(
    "/concerns/{concern_ref}/status",
    response={200: DoneOut, **WRITE_ERRORS},
    summary="Change a concern's status",
)
def change_status(request: HttpRequest, concern_ref: Path[str], payload: StatusIn) -> dict[str, Any]:
    staff = _handler(request)
    with _refusals():
        concern = services.change_status(
            by=staff, reference=concern_ref, status=payload.status, sub_status=payload.sub_status
        )
    return {"reference": concern.reference, "status": concern.status}


@router.post(
    "/concerns/{concern_ref}/messages",
    response={200: DoneOut, **WRITE_ERRORS},
    summary="Send the reporter a message",
)
def send_message(
    request: HttpRequest,
    concern_ref: Path[str],
    payload: MessageIn,
    x_voice_passphrase: str | None = PASSPHRASE,
) -> dict[str, Any]:
    staff = _handler(request)
    key = _key(staff, x_voice_passphrase)
    with _refusals():
        message = services.send_message(
            by=staff,
            private_key=key,
            reference=concern_ref,
            text=payload.text,
            is_feedback=payload.is_feedback,
        )
    return {"reference": concern_ref.strip().upper(), "status": message.concern.status}


@router.post(
    "/concerns/{concern_ref}/close",
    response={200: DoneOut, **WRITE_ERRORS},
    summary="Close a concern with its outcome",
)
def close(
    request: HttpRequest,
    concern_ref: Path[str],
    payload: CloseIn,
    x_voice_passphrase: str | None = PASSPHRASE,
) -> dict[str, Any]:
    staff = _handler(request)
    key = _key(staff, x_voice_passphrase)
    with _refusals():
        concern = services.close_concern(
            by=staff,
            private_key=key,
            reference=concern_ref,
            outcome=payload.outcome,
            category=payload.category,
        )
    return {"reference": concern.reference, "status": concern.status}


@router.put(
    "/concerns/{concern_ref}/themes",
    response={200: ThemesOut, **WRITE_ERRORS},
    summary="Set the themes a concern is counted under",
)
def set_themes(request: HttpRequest, concern_ref: Path[str], payload: ThemesIn) -> dict[str, Any]:
    """The handler-assigned themes (codes from the list of themes), counted in the quarterly summary."""
    staff = _handler(request)
    with _refusals():
        concern = services.set_themes(by=staff, reference=concern_ref, theme_codes=payload.themes)
    return {"reference": concern.reference, "themes": sorted(concern.themes.values_list("code", flat=True))}
