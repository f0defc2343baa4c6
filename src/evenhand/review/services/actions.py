"""Actions from a round's findings: raised by the head of the round's PDU, closed (done, or cancelled with a
reason) by the owner or the head; who and when recorded each time."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from evenhand.org.access import is_current
from evenhand.org.models import Role, StaffMember, Team

from ..models import (
    ACTION_TEXT_LIMIT,
    ActionFor,
    ActionStatus,
    KeyQuestion,
    ReviewAction,
    ReviewRound,
    ReviewStatus,
    RoundStatus,
)
from ..selectors import ACTION_ROLES, is_case_finding, may_close_action
from .rounds import ensure_runs_rounds

# A due date further ahead than this is not a plan but a postponement.
MAX_DUE_DAYS = 2 * 365


@transaction.atomic
def raise_action(
    *,
    by: StaffMember,
    round_id: int,
    sampled_id: int | None,
    question: str,
    action_for: str,
    practitioner_id: int | None,
    team_id: int | None,
    owner_id: int,
    description: str,
    due_on: dt.date,
) -> ReviewAction:
    """Raise an action from a finding: a reviewed case's key question judged not sufficient (``sampled_id``
    and ``question``), or the round's result (``question`` a key question, or "" for the round as a whole).
    Refused, writing nothing: anyone but the head of the round's PDU; a round not confirmed or with no review
    submitted; a case finding that is none; a key question not in the round's questions; a practitioner,
    team or owner not current in the PDU; a due date in the past or more than two years ahead; no
    description."""
    round_ = ReviewRound.objects.select_related("pdu").filter(pk=round_id).first()
    if round_ is None:
        raise ValidationError("No such review round.")
    ensure_runs_rounds(by, round_.pdu)
    if round_.status not in (RoundStatus.CONFIRMED, RoundStatus.CLOSED):
        raise ValidationError("Actions follow the findings of a confirmed round.")
    if not round_.sampled.filter(reviews__status=ReviewStatus.SUBMITTED).exists():
        raise ValidationError("No review of this round is submitted yet: there is no finding to act on.")
    errors: dict[str, str] = {}
    key = None
    if question:
        key = KeyQuestion.objects.filter(question_set_id=round_.question_set_id, number=question).first()
        if key is None:
            errors["finding"] = "This question is not in the version of the questions this round uses."
    if sampled_id is not None:
        if key is None:
            errors.setdefault("finding", "A finding on a case names its key question.")
        elif is_case_finding(round_, sampled_id, key.number) is None:
            errors["finding"] = (
                f"{key.number} of this case was not judged not sufficient: an action follows a finding."
            )
    practitioner = team = None
    if action_for == ActionFor.PRACTITIONER:
        practitioner = _current_in(round_, practitioner_id, (Role.PRACTITIONER,))
        if practitioner is None:
            errors["practitioner"] = "Select a practitioner of this PDU."
    elif action_for == ActionFor.TEAM:
        team = Team.objects.filter(pk=team_id, pdu_id=round_.pdu_id).first() if team_id else None
        if team is None:
            errors["team"] = "Select a team of this PDU."
    elif action_for != ActionFor.UNIT:
        errors["action_for"] = "Select who the action is for."
    owner = _current_in(round_, owner_id, ACTION_ROLES)
    if owner is None:
        errors["owner"] = "Select an owner who works in this PDU."
    today = timezone.localdate()
    if due_on < today:
        errors["due_on"] = "The due date must be today or in the future."
    elif (due_on - today).days > MAX_DUE_DAYS:
        errors["due_on"] = "The due date must be within two years."
    description = description.strip()
    if not description:
        errors["description"] = "Enter what is to be done."
    elif len(description) > ACTION_TEXT_LIMIT:
        errors["description"] = f"What is to be done must be {ACTION_TEXT_LIMIT:,} characters or fewer."
    if errors or owner is None:
        raise ValidationError(errors)
    return ReviewAction.objects.create(
        round=round_,
        sampled_id=sampled_id,
        key_question=key,
        action_for=action_for,
        practitioner=practitioner,
        team=team,
        description=description,
        owner=owner,
        due_on=due_on,
        raised_by=by,
        raised_at=timezone.now(),
    )


def _current_in(round_: ReviewRound, staff_id: int | None, roles: tuple[Role, ...]) -> StaffMember | None:
    if staff_id is None:
        return None
    staff = StaffMember.objects.select_related("team").filter(pk=staff_id).first()
    if staff is None or staff.pdu_id != round_.pdu_id or staff.role not in roles or not is_current(staff):
        return None
    return staff


def _open_action(by: StaffMember, action_id: int) -> ReviewAction:
    action = (
        ReviewAction.objects.select_for_update(of=("self",))
        .select_related("round")
        .filter(pk=action_id)
        .first()
    )
    if action is None:
        raise ValidationError("No such action.")
    if not may_close_action(by, action):
        raise PermissionDenied("Only the action's owner or the head of its PDU may close it.")
    if action.status != ActionStatus.OPEN:
        raise ValidationError(f"This action is already {action.get_status_display().lower()}.")
    return action


@transaction.atomic
def complete_action(*, by: StaffMember, action_id: int) -> ReviewAction:
    """Mark an open action done (its owner, or the head of its PDU)."""
    action = _open_action(by, action_id)
    action.status = ActionStatus.DONE
    action.closed_by = by
    action.closed_at = timezone.now()
    action.save(update_fields=["status", "closed_by", "closed_at"])
    return action


@transaction.atomic
def cancel_action(*, by: StaffMember, action_id: int, reason: str) -> ReviewAction:
    """Cancel an open action, saying why (its owner, or the head of its PDU)."""
    action = _open_action(by, action_id)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the action is cancelled."})
    if len(reason) > ACTION_TEXT_LIMIT:
        raise ValidationError({"reason": f"The reason must be {ACTION_TEXT_LIMIT:,} characters or fewer."})
    action.status = ActionStatus.CANCELLED
    action.cancel_reason = reason
    action.closed_by = by
    action.closed_at = timezone.now()
    action.save(update_fields=["status", "cancel_reason", "closed_by", "closed_at"])
    return action
