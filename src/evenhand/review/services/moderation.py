"""Moderating the disagreements of double-marked cases: one key question at a time, by someone who marked
neither marking, with the agreed judgement and the reasons; recorded once."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from evenhand.org.models import StaffMember

from ..judgement import ANSWERS
from ..models import NOTE_LIMIT, KeyQuestion, Moderation, SampledCase
from ..selectors import disagreements, may_moderate, require_moderator_role
from .reviews import REVIEWER_ROLES, conflict_of

OWN_MARKING = "You marked this case, so someone who did not must moderate it."


@transaction.atomic
def moderate(
    *,
    moderator: StaffMember,
    round_id: int,
    sampled_id: int,
    question: str,
    agreed: str,
    rationale: str,
) -> Moderation:
    """Record the agreed judgement on one key question where the two markings of a double-marked case
    disagree. Refused, writing nothing: a moderator who is not the round's reviewer or manager, who marked the
    case, or whose own or team's work it is; a key question not in the round's questions or not disagreed on;
    one already moderated; an answer not one of the three; no reasons."""
    require_moderator_role(moderator)
    sampled = (
        SampledCase.objects.select_for_update(of=("self",))
        .select_related("round", "practitioner")
        .filter(pk=sampled_id, round_id=round_id)
        .first()
    )
    if sampled is None:
        raise ValidationError("No such case in this review round.")
    if not may_moderate(moderator, sampled.round):
        raise PermissionDenied("Only the round's reviewers and its head of PDU moderate its markings.")
    # A reviewer never judges their own or their team's work; the head of PDU manages every team of it.
    conflict = conflict_of(moderator, sampled) if moderator.role in REVIEWER_ROLES else None
    if conflict:
        raise PermissionDenied(conflict)
    key = KeyQuestion.objects.filter(question_set_id=sampled.round.question_set_id, number=question).first()
    if key is None:
        raise ValidationError(
            {"question": "This question is not in the version of the questions this round uses."}
        )
    found = [d for d in disagreements(sampled.round, sampled_id=sampled.pk) if d.number == key.number]
    if not found:
        raise ValidationError(
            {"question": f"The two markings agree on {key.number}: there is nothing to moderate."}
        )
    disagreement = found[0]
    if moderator.pk in disagreement.markers:
        raise PermissionDenied(OWN_MARKING)
    if disagreement.moderation is not None:
        raise ValidationError(f"{key.number} of this case is already moderated.")
    errors = {}
    if agreed not in ANSWERS:
        errors["agreed"] = "Select the agreed judgement."
    rationale = rationale.strip()
    if not rationale:
        errors["rationale"] = "Enter why this is the agreed judgement."
    elif len(rationale) > NOTE_LIMIT:
        errors["rationale"] = f"The reasons must be {NOTE_LIMIT:,} characters or fewer."
    if errors:
        raise ValidationError(errors)
    return Moderation.objects.create(
        sampled=sampled,
        key_question=key,
        first=disagreement.first,
        second=disagreement.second,
        agreed=agreed,
        rationale=rationale,
        moderator=moderator,
        moderated_at=timezone.now(),
    )
