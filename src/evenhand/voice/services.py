"""Everything that changes a concern: raising it, the conversation, handling, disclosure, closure and rating.

Each service is keyword-only and one transaction; bad input raises ``ValidationError`` naming the field, before
anything is written. Reporter-side services take a ``ReporterAccess`` (the concern and its content key, from
the receipt); handler-side ones take the handler and their unlocked private key (``HandlerKeys``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from evenhand.org.access import ensure_current
from evenhand.org.models import Region, StaffMember
from evenhand.org.selectors import management_line

from . import crypto, files, receipts
from .models import (
    SUB_STATUSES,
    Attachment,
    Author,
    Concern,
    ConcernKind,
    ConcernSubject,
    ConflictDeclaration,
    Custodian,
    DisclosureRequest,
    DisclosureState,
    Escalation,
    EscalationKind,
    FairnessRating,
    HandlerGroup,
    HandlerKey,
    HandlerMembership,
    Message,
    OutcomeCategory,
    Status,
    StatusChange,
    SubStatus,
    Theme,
)

ACKNOWLEDGE_WITHIN = dt.timedelta(days=7)
FEEDBACK_WITHIN_MONTHS = 3
MAX_TEXT = 20_000
MAX_SHORT = 2_000
MIN_PASSPHRASE = 12
# The questionnaire: field → (question, whether it must be answered, longest answer).
QUESTIONS: dict[str, tuple[str, bool, int]] = {
    "what_happened": ("What happened?", True, MAX_TEXT),
    "when": ("When did it happen, roughly?", False, MAX_SHORT),
    "where": ("Where did it happen?", False, MAX_SHORT),
    "who": ("Who was involved?", False, MAX_SHORT),
    "witnesses": ("Did anyone see or hear it?", False, MAX_SHORT),
    "outcome_wanted": ("What would you like to happen?", False, MAX_SHORT),
}


class ReceiptRefused(Exception):
    """No concern opens with this receipt. The same for a wrong receipt and one that never existed."""

    MESSAGE = (
        "We could not open a concern with that receipt. Check the 7 words and try again. If you have lost "
        "your receipt, nobody can open the concern for you: raise a new concern and say so."
    )


class PassphraseRefused(Exception):
    """The handler's passphrase did not open their key."""


class NotAHandler(PermissionDenied):
    pass


@dataclass(frozen=True)
class ReporterAccess:
    """What opens a concern for its reporter: its id and content key, from the receipt."""

    concern_id: UUID
    key: bytes


@dataclass(frozen=True)
class Submitted:
    concern: Concern
    receipt: str
    access: ReporterAccess


def today() -> dt.date:
    return timezone.localdate()


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _text(value: str | None, *, field: str, required: bool, longest: int, what: str) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: f"Enter {what}"})
    if len(text) > longest:
        raise ValidationError({field: f"{what[0].upper()}{what[1:]} must be {longest:,} characters or fewer"})
    if "\x00" in text:
        raise ValidationError(
            {field: f"{what[0].upper()}{what[1:]} contains a character that cannot be kept"}
        )
    return text


def _clean_files(uploads: Sequence[bytes], field: str) -> list[files.CleanFile]:
    if len(uploads) > files.MAX_FILES:
        raise ValidationError({field: f"Attach at most {files.MAX_FILES} files at a time"})
    return [files.clean(data, field=field) for data in uploads]


# --- configuration -------------------------------------------------------------------------------------------

DEFAULT_KINDS = [
    (
        "racism",
        "Racism or other discrimination",
        "What was said or done, and why you think it was because of race, religion, sex, disability, sexual "
        "orientation or another characteristic. Include small repeated things (micro-aggressions) too.",
    ),
    (
        "bullying",
        "Bullying or harassment",
        "What was said or done, how often, and how it affected you or others.",
    ),
    (
        "sexual-harassment",
        "Sexual harassment",
        "What was said or done. Give only as much detail as you are comfortable with; a handler may ask more.",
    ),
    (
        "safeguarding",
        "A safeguarding or practice concern",
        "What the risk or poor practice is, who could be harmed, and whether it is still happening.",
    ),
    ("other", "Something else", "What happened, and why it concerns you."),
]
DEFAULT_THEMES = [
    ("micro-aggressions", "Micro-aggressions"),
    ("threats", "Threats or intimidation"),
    ("allocation", "Allocation of work"),
    ("progression", "Progression and promotion"),
    ("confidentiality", "Confidentiality broken"),
    ("management-response", "How a manager responded"),
]


@transaction.atomic
def ensure_default_kinds_and_themes() -> None:
    """The kinds of concern and themes Evenhand starts with (migration 0002 adds the same), where missing;
    those a deployment renamed or retired are left as they are."""
    for position, (code, name, prompt) in enumerate(DEFAULT_KINDS):
        ConcernKind.objects.get_or_create(
            code=code, defaults={"name": name, "prompt": prompt, "position": position}
        )
    for code, name in DEFAULT_THEMES:
        Theme.objects.get_or_create(code=code, defaults={"name": name})


# --- routing and names -------------------------------------------------------------------------------------


def route(kind: ConcernKind, region: Region | None) -> HandlerGroup | None:
    """The handler group for a concern: one for its kind and region, else one for its kind in every region."""
    groups = HandlerGroup.objects.filter(kinds=kind).distinct()
    if region is not None:
        specific = groups.filter(regions=region).order_by("name").first()
        if specific is not None:
            return specific
    return groups.filter(regions__isnull=True).order_by("name").first()


def match_staff_named(text: str, limit: int = 400) -> list[StaffMember]:
    """Members of staff whose first and last names appear together in ``text`` (any case). On the handler
    side only: the match links a concern to the people it names, never to who wrote it."""
    tokens = re.findall(r"[^\W\d_][\w'\u2019-]*", text)
    pairs = {(a.lower(), b.lower()) for a, b in itertools.pairwise(tokens)}
    if not pairs:
        return []
    condition = Q()
    for first, last in list(pairs)[:limit]:
        condition |= Q(first_name__iexact=first, last_name__iexact=last)
    return list(StaffMember.objects.filter(condition))


def _record_subjects(concern: Concern, texts: Iterable[str], on: dt.date) -> None:
    for staff in match_staff_named("\n".join(texts)):
        ConcernSubject.objects.get_or_create(concern=concern, staff=staff, defaults={"added_on": on})


def _log_status(concern: Concern, by: StaffMember | None, on: dt.date) -> None:
    position = concern.status_changes.count()
    StatusChange.objects.create(
        concern=concern,
        position=position,
        status=concern.status,
        sub_status=concern.sub_status,
        changed_on=on,
        changed_by=by,
    )


def canonical_content(answers: dict[str, str], kind_code: str, region_code: str) -> bytes:
    return json.dumps(
        {"kind": kind_code, "region": region_code, "answers": answers}, sort_keys=True, ensure_ascii=False
    ).encode()


# --- the reporter ------------------------------------------------------------------------------------------


@transaction.atomic
def raise_concern(
    *,
    kind: ConcernKind | None,
    region: Region | None,
    answers: dict[str, str],
    anonymous: bool,
    identity: str = "",
    attachments: Sequence[bytes] = (),
) -> Submitted:
    """Raise a concern and return its receipt, shown once and never stored.

    Nothing about the request that carried it is stored: no user, session, staff record, address, browser or
    time of day. Named concerns carry the identity the reporter typed, encrypted like the rest."""
    if kind is None or not kind.active:
        raise ValidationError({"kind": "Select what the concern is about"})
    cleaned = {
        field: _text(answers.get(field), field=field, required=required, longest=longest, what=_what(field))
        for field, (_, required, longest) in QUESTIONS.items()
    }
    identity = _text(
        identity,
        field="identity",
        required=not anonymous,
        longest=MAX_SHORT,
        what="your name and how to reach you",
    )
    if anonymous:
        identity = ""
    clean_files = _clean_files(attachments, "attachments")
    group = route(kind, region)
    if group is None:
        raise ValidationError(
            {
                "kind": "Nobody has been appointed to handle this kind of concern yet. Please tell your union or HR."
            }
        )
    received = today()
    receipt = receipts.new_receipt()
    tag = crypto.lookup_tag(receipt)
    key = crypto.new_key()
    salt = crypto.new_salt()
    cost = crypto.kdf_cost()
    concern = Concern(
        reference=_new_reference(),
        kind=kind,
        region=region,
        group=group,
        anonymous=anonymous,
        received_on=received,
        acknowledge_by=received + ACKNOWLEDGE_WITHIN,
        feedback_by=add_months(received, FEEDBACK_WITHIN_MONTHS),
        lookup_tag=tag,
        receipt_hash=receipts.hash_receipt(receipt),
        reporter_salt=salt,
        reporter_kdf_ops=cost.ops,
        reporter_kdf_mem=cost.mem,
        reporter_wrapped_key=crypto.seal(crypto.derive_key(receipt, salt, cost), key),
        group_wrapped_key=crypto.seal_to(group.public_key, key),
        content=crypto.seal(key, canonical_content(cleaned, kind.code, region.code if region else "")),
        identity=crypto.seal_text(key, identity) if identity else None,
    )
    concern.save(force_insert=True)
    _log_status(concern, None, received)
    for number, clean in enumerate(clean_files, start=1):
        _store_attachment(concern, None, number, clean, key)
    _record_subjects(concern, [cleaned["who"], cleaned["what_happened"], cleaned["witnesses"]], received)
    return Submitted(concern=concern, receipt=receipt, access=ReporterAccess(concern.pk, key))


def _what(field: str) -> str:
    return {
        "what_happened": "what happened",
        "when": "when it happened",
        "where": "where it happened",
        "who": "who was involved",
        "witnesses": "who saw or heard it",
        "outcome_wanted": "what you would like to happen",
    }[field]


def _new_reference() -> str:
    import secrets

    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        reference = "VC-" + "".join(secrets.choice(alphabet) for _ in range(8))
        if not Concern.objects.filter(reference=reference).exists():
            return reference


def _store_attachment(
    concern: Concern, message: Message | None, number: int, clean: files.CleanFile, key: bytes
) -> Attachment:
    return Attachment.objects.create(
        concern=concern,
        message=message,
        number=number,
        content_type=clean.content_type,
        size=len(clean.data),
        data=crypto.seal(key, clean.data),
    )


def open_with_receipt(*, receipt: str) -> ReporterAccess:
    """The concern a receipt opens, and its key. A malformed receipt raises ``receipts.MalformedReceipt``;
    a receipt that opens nothing raises ``ReceiptRefused`` after the same work as a wrong one."""
    normalised = receipts.normalise(receipt)
    concern = Concern.objects.filter(lookup_tag=crypto.lookup_tag(normalised)).first()
    if concern is None:
        # As much work as a real check and key derivation, so that timing tells nothing.
        receipts.spend_like_a_check()
        crypto.derive_key(normalised, crypto.new_salt(), crypto.kdf_cost())
        raise ReceiptRefused()
    if not receipts.receipt_matches(concern.receipt_hash, normalised):
        crypto.derive_key(normalised, crypto.new_salt(), crypto.kdf_cost())
        raise ReceiptRefused()
    cost = crypto.KdfCost(concern.reporter_kdf_ops, concern.reporter_kdf_mem)
    try:
        key = crypto.unseal(
            crypto.derive_key(normalised, bytes(concern.reporter_salt), cost), concern.reporter_wrapped_key
        )
    except crypto.DecryptionFailed:
        raise ReceiptRefused() from None
    return ReporterAccess(concern.pk, key)


def _reporter_concern(access: ReporterAccess, *, lock: bool = False) -> Concern:
    rows = Concern.objects.select_for_update() if lock else Concern.objects.all()
    concern = rows.filter(pk=access.concern_id).first()
    if concern is None:
        raise ReceiptRefused()
    crypto.unseal(access.key, concern.content)  # the key must be this concern's
    return concern


def _next_position(concern: Concern) -> int:
    Concern.objects.filter(pk=concern.pk).update(messages_count=F("messages_count") + 1)
    concern.refresh_from_db(fields=["messages_count"])
    return concern.messages_count


@transaction.atomic
def reporter_reply(*, access: ReporterAccess, text: str, attachments: Sequence[bytes] = ()) -> Message:
    """The reporter answers, adds information or attachments; after closure too."""
    text = _text(text, field="message", required=not attachments, longest=MAX_TEXT, what="your message")
    clean_files = _clean_files(attachments, "attachments")
    concern = _reporter_concern(access, lock=True)
    on = today()
    message = Message.objects.create(
        concern=concern,
        position=_next_position(concern),
        author=Author.REPORTER,
        sent_on=on,
        body=crypto.seal_text(access.key, text),
        after_closure=concern.status == Status.CLOSED,
    )
    first = concern.attachments.count() + 1
    for offset, clean in enumerate(clean_files):
        _store_attachment(concern, message, first + offset, clean, access.key)
    _record_subjects(concern, [text], on)
    return message


def _score(value: object, field: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError({field: "Choose a rating from 1 to 5"}) from None
    if not 1 <= number <= 5:
        raise ValidationError({field: "Choose a rating from 1 to 5"})
    return number


@transaction.atomic
def rate_handling(*, access: ReporterAccess, scores: dict[str, object], comment: str = "") -> FairnessRating:
    """The reporter's fairness rating, once the concern is closed; one per concern."""
    cleaned = {field: _score(scores.get(field), field) for field in FairnessRating.DIMENSIONS}
    comment = _text(comment, field="comment", required=False, longest=MAX_SHORT, what="your comment")
    concern = _reporter_concern(access, lock=True)
    if concern.status != Status.CLOSED:
        raise ValidationError({"__all__": "You can rate how your concern was handled once it is closed."})
    if FairnessRating.objects.filter(concern=concern).exists():
        raise ValidationError({"__all__": "You have already rated how this concern was handled."})
    return FairnessRating.objects.create(
        concern=concern,
        rated_on=today(),
        comment=crypto.seal_text(access.key, comment) if comment else None,
        **cleaned,
    )


@transaction.atomic
def answer_disclosure(
    *, access: ReporterAccess, request_id: UUID | str, consent: bool, identity: str = ""
) -> DisclosureRequest:
    """The reporter's answer to an approved request for their identity: give it, or decline."""
    concern = _reporter_concern(access, lock=True)
    request = _disclosure_of(concern, request_id)
    if request.state != DisclosureState.WITH_REPORTER:
        raise ValidationError({"__all__": "This request is not waiting for your answer."})
    if consent:
        identity = _text(
            identity,
            field="identity",
            required=True,
            longest=MAX_SHORT,
            what="your name and how to reach you",
        )
        concern.identity = crypto.seal_text(access.key, identity)
        concern.save(update_fields=["identity"])
        request.state = DisclosureState.CONSENTED
    else:
        request.state = DisclosureState.DECLINED
    request.answered_on = today()
    request.save(update_fields=["state", "answered_on"])
    return request


def _disclosure_of(concern: Concern, request_id: UUID | str) -> DisclosureRequest:
    try:
        request = concern.disclosure_requests.filter(pk=UUID(str(request_id))).first()
    except ValueError:
        request = None
    if request is None:
        raise ValidationError({"request": "There is no such request."})
    return request


# --- handlers: keys ----------------------------------------------------------------------------------------


@transaction.atomic
def set_up_handler_key(*, staff: StaffMember, passphrase: str, confirmation: str | None = None) -> HandlerKey:
    """A handler's own key pair, the private key encrypted under their handling passphrase."""
    if len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError({"passphrase": f"The passphrase must be at least {MIN_PASSPHRASE} characters"})
    if confirmation is not None and confirmation != passphrase:
        raise ValidationError({"confirmation": "The passphrases do not match"})
    if HandlerKey.objects.filter(staff=staff).exists():
        raise ValidationError({"passphrase": "You already have a handling key"})
    public, private = crypto.new_key_pair()
    salt, cost = crypto.new_salt(), crypto.kdf_cost()
    return HandlerKey.objects.create(
        staff=staff,
        public_key=public,
        encrypted_private_key=crypto.seal(crypto.derive_key(passphrase, salt, cost), private),
        salt=salt,
        kdf_ops=cost.ops,
        kdf_mem=cost.mem,
        created_on=today(),
    )


def unlock(*, staff: StaffMember, passphrase: str) -> bytes:
    """The handler's private key, opened with their passphrase."""
    key = HandlerKey.objects.filter(staff=staff).first()
    if key is None:
        raise PassphraseRefused()
    cost = crypto.KdfCost(key.kdf_ops, key.kdf_mem)
    try:
        return crypto.unseal(crypto.derive_key(passphrase, bytes(key.salt), cost), key.encrypted_private_key)
    except crypto.DecryptionFailed:
        raise PassphraseRefused() from None


@transaction.atomic
def create_handler_group(
    *, name: str, kinds: Sequence[ConcernKind], regions: Sequence[Region] = (), lead: StaffMember
) -> HandlerGroup:
    """A handler group with a new key pair, its private key sealed to the lead's key and then forgotten."""
    name = _text(name, field="name", required=True, longest=100, what="a name")
    if not kinds:
        raise ValidationError({"kinds": "Choose the kinds of concern the group handles"})
    lead_key = HandlerKey.objects.filter(staff=lead).first()
    if lead_key is None:
        raise ValidationError({"lead": "The lead must set up a handling key first"})
    public, private = crypto.new_key_pair()
    group = HandlerGroup.objects.create(name=name, public_key=public, created_on=today())
    group.kinds.set(kinds)
    group.regions.set(regions)
    HandlerMembership.objects.create(
        group=group,
        staff=lead,
        is_lead=True,
        sealed_group_key=crypto.seal_to(lead_key.public_key, private),
        added_on=today(),
    )
    return group


def _membership(staff: StaffMember, group: HandlerGroup) -> HandlerMembership | None:
    return HandlerMembership.objects.filter(staff=staff, group=group, ended_on__isnull=True).first()


def group_private_key(*, staff: StaffMember, group: HandlerGroup, private_key: bytes) -> bytes:
    membership = _membership(staff, group)
    if membership is None or membership.sealed_group_key is None:
        raise NotAHandler("You do not hold this group's key.")
    try:
        return crypto.open_sealed(private_key, membership.sealed_group_key)
    except crypto.DecryptionFailed:
        raise NotAHandler("Your key does not open this group's key.") from None


@transaction.atomic
def add_handler(
    *, group: HandlerGroup, staff: StaffMember, by: StaffMember, by_private_key: bytes, is_lead: bool = False
) -> HandlerMembership:
    """Add a handler to a group, sealing the group's key to them (``by`` must hold it). Someone named in, or
    in the line of anyone named in, a concern still cannot see it: membership does not override conflicts."""
    ensure_current(by)
    their_key = HandlerKey.objects.filter(staff=staff).first()
    if their_key is None:
        raise ValidationError({"staff": "They must set up a handling key first"})
    private = group_private_key(staff=by, group=group, private_key=by_private_key)
    sealed = crypto.seal_to(their_key.public_key, private)
    membership, _ = HandlerMembership.objects.update_or_create(
        group=group,
        staff=staff,
        defaults={"sealed_group_key": sealed, "is_lead": is_lead, "added_on": today(), "ended_on": None},
    )
    return membership


@transaction.atomic
def invite_handler(*, group_name: str, staff_code: str, by: StaffMember) -> HandlerMembership:
    """A group's lead makes a member of staff a handler of the group. They then set up their handling key,
    and a member who holds the group's key gives it to them (``add_handler``)."""
    ensure_current(by)
    lead = (
        HandlerMembership.objects.filter(
            staff=by, group__name=group_name, is_lead=True, ended_on__isnull=True
        )
        .select_related("group")
        .first()
    )
    if lead is None:
        raise NotAHandler("Only the group's lead adds handlers to it.")
    staff = StaffMember.objects.filter(staff_code=str(staff_code).strip().upper()).first()
    if staff is None:
        raise ValidationError({"staff_code": "There is no member of staff with this code"})
    membership, created = HandlerMembership.objects.get_or_create(
        group=lead.group, staff=staff, defaults={"added_on": today()}
    )
    if not created and membership.ended_on is None:
        raise ValidationError({"staff_code": "They are already a handler of this group"})
    if not created:
        membership.ended_on, membership.sealed_group_key, membership.added_on = None, None, today()
        membership.save(update_fields=["ended_on", "sealed_group_key", "added_on"])
    return membership


@transaction.atomic
def end_membership(*, group_name: str, staff_code: str, by: StaffMember) -> HandlerMembership:
    """A handler leaves a group, by their own choice or their lead's: from today they see none of its
    concerns, and their copy of the group's key is deleted (invited back, they are given it again).

    A group keeps at least one lead. What a departing handler may have copied while they held the key is
    beyond any database (rotating the group's key would re-seal every concern: see ADR 0008)."""
    ensure_current(by)
    code = str(staff_code).strip().upper()
    membership = (
        HandlerMembership.objects.select_for_update()
        .filter(group__name=group_name, staff__staff_code=code, ended_on__isnull=True)
        .select_related("group", "staff")
        .first()
    )
    leads = HandlerMembership.objects.filter(group__name=group_name, is_lead=True, ended_on__isnull=True)
    if by.staff_code != code and not leads.filter(staff=by).exists():
        raise NotAHandler("Only the group's lead, or the handler themselves, ends a handler's membership.")
    if membership is None:
        raise ValidationError({"staff_code": "They are not a handler of this group"})
    if membership.is_lead and not leads.exclude(pk=membership.pk).exists():
        raise ValidationError(
            {"staff_code": "A group needs a lead: make another handler its lead before the last lead leaves"}
        )
    membership.ended_on = today()
    membership.sealed_group_key = None
    membership.save(update_fields=["ended_on", "sealed_group_key"])
    return membership


@transaction.atomic
def appoint_custodian(*, staff: StaffMember) -> Custodian:
    custodian, _ = Custodian.objects.update_or_create(
        staff=staff, defaults={"appointed_on": today(), "ended_on": None}
    )
    return custodian


# --- handlers: who may see what ----------------------------------------------------------------------------


def is_handler(staff: StaffMember) -> bool:
    return HandlerMembership.objects.filter(staff=staff, ended_on__isnull=True).exists()


def is_custodian(staff: StaffMember) -> bool:
    return Custodian.objects.filter(staff=staff, ended_on__isnull=True).exists()


def hidden_from(staff: StaffMember) -> Q:
    """Concerns ``staff`` may not see: naming them or anyone in their management line (either way), naming a
    colleague they declared a conflict with, or declared a conflict with themselves."""
    line = management_line(staff).values("pk")
    colleagues = ConflictDeclaration.objects.filter(handler=staff, colleague__isnull=False).values(
        "colleague"
    )
    declared = ConflictDeclaration.objects.filter(handler=staff, concern__isnull=False).values("concern")
    named = ConcernSubject.objects.filter(Q(staff__in=line) | Q(staff__in=colleagues)).values("concern")
    return Q(pk__in=named) | Q(pk__in=declared)


def visible_concerns(staff: StaffMember) -> QuerySet[Concern]:
    """The concerns a handler may see: their groups', less those they are in conflict with."""
    groups = HandlerMembership.objects.filter(staff=staff, ended_on__isnull=True).values("group")
    return Concern.objects.filter(group__in=groups).exclude(hidden_from(staff))


def concern_for_handler(*, staff: StaffMember, reference: str, lock: bool = False) -> Concern:
    """A concern the handler may see, or ``Concern.DoesNotExist`` (the same for one they may not)."""
    ensure_current(staff)
    rows = visible_concerns(staff)
    if lock:
        # Only the concern's row: PostgreSQL cannot lock the nullable side of the region join.
        rows = rows.select_for_update(of=("self",))
    concern = (
        rows.filter(reference=str(reference).strip().upper())
        .select_related("kind", "region", "group")
        .first()
    )
    if concern is None:
        raise Concern.DoesNotExist("No such concern, or you may not see it.")
    return concern


def content_key(*, staff: StaffMember, concern: Concern, private_key: bytes) -> bytes:
    group_key = group_private_key(staff=staff, group=concern.group, private_key=private_key)
    try:
        return crypto.open_sealed(group_key, concern.group_wrapped_key)
    except crypto.DecryptionFailed:
        raise NotAHandler("The group's key does not open this concern.") from None


# --- handlers: working a concern ---------------------------------------------------------------------------


def _require_open(concern: Concern) -> None:
    if concern.status == Status.CLOSED:
        raise ValidationError({"status": "The concern is closed."})


@transaction.atomic
def acknowledge(*, by: StaffMember, reference: str) -> Concern:
    """Tell the reporter the concern has been received and is with a handler (due within 7 days)."""
    concern = concern_for_handler(staff=by, reference=reference, lock=True)
    if concern.status != Status.RECEIVED:
        raise ValidationError({"status": "The concern has already been acknowledged."})
    concern.status, concern.sub_status = Status.ACKNOWLEDGED, SubStatus.NONE
    concern.acknowledged_on = today()
    concern.save(update_fields=["status", "sub_status", "acknowledged_on"])
    _log_status(concern, by, today())
    return concern


@transaction.atomic
def change_status(*, by: StaffMember, reference: str, status: str, sub_status: str = "") -> Concern:
    """Move an acknowledged concern on (closing has its own service, which needs an outcome)."""
    if status not in (Status.ACKNOWLEDGED, Status.LOOKING_INTO):
        raise ValidationError(
            {"status": "Choose 'acknowledged' or 'being looked into'; close with an outcome."}
        )
    if sub_status not in SUB_STATUSES[status]:
        raise ValidationError({"sub_status": "This sub-status does not go with that status"})
    concern = concern_for_handler(staff=by, reference=reference, lock=True)
    _require_open(concern)
    if concern.status == Status.RECEIVED:
        raise ValidationError({"status": "Acknowledge the concern first."})
    if (concern.status, concern.sub_status) == (status, sub_status):
        raise ValidationError({"status": "The concern already has this status."})
    concern.status, concern.sub_status = status, sub_status
    concern.save(update_fields=["status", "sub_status"])
    _log_status(concern, by, today())
    return concern


@transaction.atomic
def send_message(
    *,
    by: StaffMember,
    private_key: bytes,
    reference: str,
    text: str,
    is_feedback: bool = False,
    attachments: Sequence[bytes] = (),
) -> Message:
    """A handler's message to the reporter: a question, or feedback on what has been done."""
    text = _text(text, field="message", required=True, longest=MAX_TEXT, what="a message")
    clean_files = _clean_files(attachments, "attachments")
    concern = concern_for_handler(staff=by, reference=reference, lock=True)
    key = content_key(staff=by, concern=concern, private_key=private_key)
    on = today()
    message = Message.objects.create(
        concern=concern,
        position=_next_position(concern),
        author=Author.HANDLER,
        sent_by=by,
        sent_on=on,
        body=crypto.seal_text(key, text),
        is_feedback=is_feedback,
        after_closure=concern.status == Status.CLOSED,
    )
    first = concern.attachments.count() + 1
    for offset, clean in enumerate(clean_files):
        _store_attachment(concern, message, first + offset, clean, key)
    if is_feedback and concern.feedback_on is None:
        concern.feedback_on = on
        concern.save(update_fields=["feedback_on"])
    return message


@transaction.atomic
def close_concern(
    *, by: StaffMember, private_key: bytes, reference: str, outcome: str, category: str
) -> Concern:
    """Close with an outcome written to the reporter (what was found and done) and its category. The reporter
    can still reply, and can then rate how it was handled."""
    outcome = _text(outcome, field="outcome", required=True, longest=MAX_TEXT, what="the outcome")
    if category not in OutcomeCategory.values:
        raise ValidationError({"category": "Choose the outcome's category"})
    concern = concern_for_handler(staff=by, reference=reference, lock=True)
    _require_open(concern)
    key = content_key(staff=by, concern=concern, private_key=private_key)
    on = today()
    if concern.acknowledged_on is None:
        concern.acknowledged_on = on
    concern.status, concern.sub_status = Status.CLOSED, SubStatus.NONE
    concern.outcome = crypto.seal_text(key, outcome)
    concern.outcome_category = category
    concern.closed_on = on
    concern.feedback_on = concern.feedback_on or on
    concern.save()
    _log_status(concern, by, on)
    return concern


@transaction.atomic
def name_subject(*, by: StaffMember, reference: str, staff_code: str) -> ConcernSubject:
    """Record that a concern names a member of staff (matched by a handler): it disappears for them and
    their line, the handler too if they are in it."""
    concern = concern_for_handler(staff=by, reference=reference, lock=True)
    named = StaffMember.objects.filter(staff_code=str(staff_code).strip().upper()).first()
    if named is None:
        raise ValidationError({"staff_code": "There is no member of staff with this code"})
    subject, _ = ConcernSubject.objects.get_or_create(
        concern=concern, staff=named, defaults={"added_on": today(), "added_by": by}
    )
    return subject


@transaction.atomic
def declare_conflict(
    *, by: StaffMember, reason: str, reference: str | None = None, colleague_code: str | None = None
) -> ConflictDeclaration:
    """A handler declares a conflict of interest with a concern or a colleague; from then on they do not see
    it (or any concern naming the colleague)."""
    ensure_current(by)
    if not is_handler(by):
        raise NotAHandler("Only handlers declare conflicts of interest here.")
    reason = _text(reason, field="reason", required=True, longest=MAX_SHORT, what="the reason")
    concern = colleague = None
    if reference:
        concern = concern_for_handler(staff=by, reference=reference)
    elif colleague_code:
        colleague = StaffMember.objects.filter(staff_code=colleague_code.strip().upper()).first()
        if colleague is None:
            raise ValidationError({"colleague_code": "There is no member of staff with this code"})
    else:
        raise ValidationError({"colleague_code": "Enter the colleague's staff code"})
    return ConflictDeclaration.objects.create(
        handler=by, concern=concern, colleague=colleague, reason=reason, declared_on=today()
    )


@transaction.atomic
def set_themes(*, by: StaffMember, reference: str, theme_codes: Sequence[str]) -> Concern:
    """The themes a concern is counted under in the published summary."""
    concern = concern_for_handler(staff=by, reference=reference, lock=True)
    themes = list(Theme.objects.filter(code__in=theme_codes, active=True))
    if len(themes) != len(set(theme_codes)):
        raise ValidationError({"themes": "Choose themes from the list"})
    concern.themes.set(themes)
    return concern


@transaction.atomic
def request_disclosure(*, by: StaffMember, reference: str, reason: str) -> DisclosureRequest:
    """Ask, with a reason, to learn who raised an anonymous concern. A custodian decides; then the reporter."""
    reason = _text(reason, field="reason", required=True, longest=MAX_SHORT, what="the reason")
    concern = concern_for_handler(staff=by, reference=reference, lock=True)
    if not concern.anonymous or concern.identity is not None:
        raise ValidationError({"reason": "The reporter's identity is already known to handlers."})
    if concern.disclosure_requests.filter(
        state__in=(DisclosureState.WITH_CUSTODIAN, DisclosureState.WITH_REPORTER)
    ).exists():
        raise ValidationError({"reason": "A request is already open."})
    return DisclosureRequest.objects.create(
        concern=concern,
        number=concern.disclosure_requests.count() + 1,
        requested_by=by,
        reason=reason,
        requested_on=today(),
    )


def custodian_queue(staff: StaffMember) -> QuerySet[DisclosureRequest]:
    """Requests the custodian may decide: not for concerns naming them or anyone in their line."""
    ensure_current(staff)
    if not is_custodian(staff):
        raise PermissionDenied("Only custodians decide identity disclosure requests.")
    return (
        DisclosureRequest.objects.exclude(concern__in=Concern.objects.filter(hidden_from(staff)))
        .exclude(requested_by=staff)
        .select_related("concern__kind", "requested_by")
        .order_by("requested_on", "concern__reference", "number")
    )


@transaction.atomic
def decide_disclosure(
    *, by: StaffMember, request_id: UUID | str, approve: bool, reason: str
) -> DisclosureRequest:
    """The custodian approves (the request goes to the reporter, who decides) or refuses, with a reason shown
    to the handler and the reporter."""
    reason = _text(
        reason, field="reason", required=True, longest=MAX_SHORT, what="the reason for your decision"
    )
    try:
        request = custodian_queue(by).select_for_update(of=("self",)).filter(pk=UUID(str(request_id))).first()
    except ValueError:
        request = None
    if request is None:
        raise DisclosureRequest.DoesNotExist("No such request.")
    if request.state != DisclosureState.WITH_CUSTODIAN:
        raise ValidationError({"reason": "This request has already been decided."})
    request.state = DisclosureState.WITH_REPORTER if approve else DisclosureState.REFUSED
    request.custodian, request.custodian_reason, request.decided_on = by, reason, today()
    request.save(update_fields=["state", "custodian", "custodian_reason", "decided_on"])
    return request


# --- deadlines ---------------------------------------------------------------------------------------------


@transaction.atomic
def escalate_missed_deadlines(*, on: dt.date | None = None) -> list[Escalation]:
    """Escalate, once each, concerns not acknowledged within 7 days or given no feedback within 3 months, to
    their group's lead (``evenhand voice_deadlines``, run daily)."""
    on = on or today()
    made = []
    late = {
        EscalationKind.ACKNOWLEDGEMENT: Concern.objects.filter(
            acknowledged_on__isnull=True, acknowledge_by__lt=on
        ),
        EscalationKind.FEEDBACK: Concern.objects.filter(feedback_on__isnull=True, feedback_by__lt=on),
    }
    for kind, concerns in late.items():
        for concern in concerns.exclude(escalations__kind=kind).select_related("group").iterator():
            lead = (
                HandlerMembership.objects.filter(group=concern.group, is_lead=True, ended_on__isnull=True)
                .exclude(staff__in=ConcernSubject.objects.filter(concern=concern).values("staff"))
                .first()
            )
            try:
                with transaction.atomic():
                    made.append(
                        Escalation.objects.create(
                            concern=concern, kind=kind, escalated_on=on, lead=lead.staff if lead else None
                        )
                    )
            except IntegrityError:
                continue
    return made
