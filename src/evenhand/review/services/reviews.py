"""Reviewing: assigning the sampled cases to reviewers, answering prompt by prompt, submitting.

A reviewer never reviews their own work or their own team's, nor a record they may not open (a restricted
record goes only to reviewers on its list); a double-marked case goes to two different reviewers, neither of
whom sees the other's answers.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from evenhand.org.access import is_current
from evenhand.org.models import StaffMember
from evenhand.people.access import visible_people

from ..judgement import ANSWERS
from ..models import (
    NOTE_LIMIT,
    Prompt,
    PromptAnswer,
    Review,
    ReviewRound,
    ReviewStatus,
    RoundStatus,
    SampledCase,
)
from ..selectors import REVIEWER_ROLES
from .rounds import ensure_runs_rounds


@dataclass(frozen=True)
class Assignment:
    assigned: int
    # Sampled cases no listed reviewer may review (their own team's, or a record not on their list).
    unassigned: list[int]


def conflict_of(reviewer: StaffMember, sampled: SampledCase) -> str | None:
    """Why this reviewer may not review this case, or None."""
    practitioner = sampled.practitioner
    if practitioner is not None:
        if practitioner.pk == reviewer.pk:
            return "You cannot review your own work."
        if practitioner.team_id is not None and practitioner.team_id == reviewer.team_id:
            return "You cannot review a case of your own team."
    return None


@transaction.atomic
def assign_reviews(*, by: StaffMember, round_id: int, reviewers: list[StaffMember]) -> Assignment:
    """Give each sampled case of a confirmed round not yet assigned to the eligible reviewer with the fewest
    cases so far (a double-marked case to two), in the order of the sample."""
    round_ = ReviewRound.objects.select_for_update().filter(pk=round_id).select_related("pdu").first()
    if round_ is None:
        raise ValidationError("No such review round.")
    ensure_runs_rounds(by, round_.pdu)
    if round_.status != RoundStatus.CONFIRMED:
        raise ValidationError("Confirm the round's draw before assigning its cases.")
    unique = {r.pk: r for r in reviewers}
    if not unique:
        raise ValidationError({"reviewers": "Choose at least one reviewer."})
    for reviewer in unique.values():
        if not is_current(reviewer) or reviewer.role not in REVIEWER_ROLES:
            raise ValidationError({"reviewers": f"{reviewer.full_name} cannot review cases."})
    load = {
        pk: Review.objects.filter(reviewer_id=pk, status=ReviewStatus.IN_PROGRESS).count() for pk in unique
    }
    sampled = list(round_.sampled.filter(reviews__isnull=True).select_related("practitioner").order_by("pk"))
    persons = {s.person_id for s in sampled}
    may_open = {
        pk: set(visible_people(r).filter(pk__in=persons).values_list("pk", flat=True))
        for pk, r in unique.items()
    }
    now = timezone.now()
    reviews, unassigned = [], []
    for case in sampled:
        eligible = [
            pk for pk, r in unique.items() if case.person_id in may_open[pk] and conflict_of(r, case) is None
        ]
        needed = 2 if case.double_marked else 1
        if len(eligible) < needed:
            unassigned.append(case.pk)
            continue
        chosen = sorted(eligible, key=lambda pk: (load[pk], pk))[:needed]
        for marking, pk in enumerate(chosen, start=1):
            reviews.append(Review(sampled=case, reviewer_id=pk, marking=marking, assigned_at=now))
            load[pk] += 1
    Review.objects.bulk_create(reviews)
    return Assignment(assigned=len(reviews), unassigned=unassigned)


def _own_review(reviewer: StaffMember, review_id: int, *, lock: bool = False) -> Review:
    rows = Review.objects.select_related("sampled", "sampled__practitioner", "sampled__round")
    review = (rows.select_for_update(of=("self",)) if lock else rows).filter(pk=review_id).first()
    if review is None or review.reviewer_id != reviewer.pk:
        raise PermissionDenied("This review is not on your list.")
    conflict = conflict_of(reviewer, review.sampled)
    if conflict:
        raise PermissionDenied(conflict)
    return review


@transaction.atomic
def record_answers(
    *, reviewer: StaffMember, review_id: int, answers: Mapping[int, tuple[str, str]]
) -> Review:
    """Record the reviewer's answers (prompt id -> answer and note), all or none: every prompt must belong to
    the round's question set version, every answer be one of the three, every note within its limit."""
    review = _own_review(reviewer, review_id, lock=True)
    if review.status != ReviewStatus.IN_PROGRESS:
        raise ValidationError("This review is submitted and cannot be changed.")
    prompts = set(
        Prompt.objects.filter(
            pk__in=list(answers), key_question__question_set_id=review.sampled.round.question_set_id
        ).values_list("pk", flat=True)
    )
    errors = {}
    for prompt_id, (answer, note) in answers.items():
        if prompt_id not in prompts:
            errors[f"prompt-{prompt_id}"] = (
                "This question is not in the version of the questions this round uses."
            )
        elif answer not in ANSWERS:
            errors[f"prompt-{prompt_id}"] = "Answer sufficient, not sufficient or not applicable."
        elif len(note) > NOTE_LIMIT:
            errors[f"prompt-{prompt_id}"] = f"A note is at most {NOTE_LIMIT:,} characters."
    if errors:
        raise ValidationError(errors)
    for prompt_id, (answer, note) in answers.items():
        PromptAnswer.objects.update_or_create(
            review=review, prompt_id=prompt_id, defaults={"answer": answer, "note": note}
        )
    return review


def unanswered(review: Review) -> list[str]:
    """The key questions (numbers) with a prompt not yet answered."""
    answered = set(review.answers.values_list("prompt_id", flat=True))
    missing = (
        Prompt.objects.filter(key_question__question_set_id=review.sampled.round.question_set_id)
        .exclude(pk__in=answered)
        .values_list("key_question__number", "key_question__position")
        .distinct()
        .order_by("key_question__position")
    )
    return [number for number, _ in missing]


@transaction.atomic
def submit_review(*, reviewer: StaffMember, review_id: int) -> Review:
    """Submit a review once every prompt of every key question is answered; it is then final."""
    review = _own_review(reviewer, review_id, lock=True)
    if review.status != ReviewStatus.IN_PROGRESS:
        raise ValidationError("This review is already submitted.")
    missing = unanswered(review)
    if missing:
        raise ValidationError(f"Answer every prompt before submitting: {', '.join(missing)} not finished.")
    review.status = ReviewStatus.SUBMITTED
    review.submitted_at = timezone.now()
    review.save(update_fields=["status", "submitted_at"])
    return review


@transaction.atomic
def answer_and_submit(
    *, reviewer: StaffMember, review_id: int, answers: Mapping[int, tuple[str, str]]
) -> Review:
    """Record the answers and submit, all or nothing (the API's one call): the rules of both."""
    if answers:
        record_answers(reviewer=reviewer, review_id=review_id, answers=answers)
    return submit_review(reviewer=reviewer, review_id=review_id)
