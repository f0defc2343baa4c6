"""Reads of the review app, shared by its pages, API and reports."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from evenhand.org.access import is_current
from evenhand.org.models import Role, StaffMember, Team
from evenhand.people.access import pseudonym

from .judgement import RatingBands, key_question_judgement
from .models import (
    ActionStatus,
    KeyQuestion,
    Moderation,
    Prompt,
    PromptAnswer,
    QuestionSet,
    Review,
    ReviewAction,
    ReviewRound,
    ReviewStatus,
    RoundStratum,
)

REVIEWER_ROLES = (Role.PRACTITIONER, Role.SPO)


def current_question_set(kind: str) -> QuestionSet | None:
    """The latest published version of a kind of set, with its key questions and prompts."""
    return (
        QuestionSet.objects.filter(kind=kind)
        .prefetch_related(
            Prefetch("key_questions", queryset=KeyQuestion.objects.order_by("position")),
            Prefetch("key_questions__prompts", queryset=Prompt.objects.order_by("position")),
        )
        .order_by("-version")
        .first()
    )


def bands_of(question_set: QuestionSet) -> RatingBands:
    """A set's stated rating bands."""
    return RatingBands(
        outstanding=float(question_set.outstanding_from),
        good=float(question_set.good_from),
        requires_improvement=float(question_set.requires_improvement_from),
    )


def require_head(viewer: StaffMember) -> int:
    """The head of PDU's PDU id; anyone else is refused."""
    pdu_id = viewer.pdu_id
    if viewer.role != Role.HEAD_OF_PDU or pdu_id is None:
        raise PermissionDenied("Only a head of PDU sets up and reads its review rounds.")
    return pdu_id


def rounds_for(viewer: StaffMember) -> list[ReviewRound]:
    """The review rounds of the viewer's PDU, newest first (a head of PDU only). No person is shown."""
    pdu_id = require_head(viewer)
    return list(ReviewRound.objects.filter(pdu_id=pdu_id).select_related("question_set")[:100])


@dataclass(frozen=True)
class RoundPage:
    round: ReviewRound
    strata: list[RoundStratum]
    sampled: int
    double_marked: int
    assigned: int  # sampled cases with a reviewer
    reviews: int
    submitted: int


def round_for(viewer: StaffMember, round_id: int) -> RoundPage:
    """One round of the viewer's PDU with its draw (404 for any other)."""
    pdu_id = require_head(viewer)
    found = ReviewRound.objects.filter(pk=round_id, pdu_id=pdu_id).select_related("question_set").first()
    if found is None:
        raise Http404("No such review round.")
    reviews = Review.objects.filter(sampled__round=found)
    return RoundPage(
        round=found,
        strata=list(found.strata_drawn.order_by("ethnic_group", "tier_band")),
        sampled=found.sampled.count(),
        double_marked=found.sampled.filter(double_marked=True).count(),
        assigned=found.sampled.filter(reviews__isnull=False).distinct().count(),
        reviews=reviews.count(),
        submitted=reviews.filter(status=ReviewStatus.SUBMITTED).count(),
    )


@dataclass(frozen=True)
class DrawnCase:
    """A sampled case as the round's manager sees the draw: by its pseudonym only (no name, CRN or ethnicity;
    not even its stratum, which would name the ethnic group)."""

    sampled_id: int
    case: str
    double_marked: bool
    reviews: int
    submitted: int


def round_draw(round_: ReviewRound) -> list[DrawnCase]:
    """The round's sampled cases in the order drawn, with how many of their reviews are in. One query."""
    rows = (
        round_.sampled.order_by("pk")
        .annotate(
            n_reviews=Count("reviews"),
            n_submitted=Count("reviews", filter=Q(reviews__status=ReviewStatus.SUBMITTED)),
        )
        .values_list("pk", "person_id", "double_marked", "n_reviews", "n_submitted")
    )
    return [DrawnCase(pk, pseudonym(person), twice, n, done) for pk, person, twice, n, done in rows]


# --- moderation ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkedPrompt:
    """One prompt as the two markings answered it (the reviewers are not named: the answers are judged)."""

    letter: str
    text: str
    first: str
    first_note: str
    second: str
    second_note: str

    @property
    def differs(self) -> bool:
        return self.first != self.second


@dataclass(frozen=True)
class Disagreement:
    """A key question of a double-marked case on which its two submitted markings differ (in the judgement or
    in any prompt's answer), with its moderation once recorded."""

    sampled_id: int
    case: str  # the pseudonym
    number: str
    text: str
    first: str  # the key question's judgement by each marking
    second: str
    prompts: list[MarkedPrompt]
    markers: frozenset[int]  # the two reviewers' ids, to keep them from moderating (never shown)
    moderation: Moderation | None

    @property
    def awaiting(self) -> bool:
        return self.moderation is None


MODERATOR_ROLES = (Role.PRACTITIONER, Role.SPO, Role.HEAD_OF_PDU)


def require_moderator_role(viewer: StaffMember) -> None:
    """Refuse a role that never moderates (read-only roles among them), before any round is looked up."""
    if viewer.role not in MODERATOR_ROLES:
        raise PermissionDenied("Only a round's reviewers and its head of PDU moderate its markings.")


def may_moderate(viewer: StaffMember, round_: ReviewRound) -> bool:
    """A round is moderated by its manager (the head of its PDU) or its reviewers."""
    if viewer.role not in MODERATOR_ROLES:
        return False
    if viewer.role == Role.HEAD_OF_PDU:
        return viewer.pdu_id == round_.pdu_id
    return Review.objects.filter(sampled__round=round_, reviewer=viewer).exists()


def moderation_round(viewer: StaffMember, round_id: int) -> ReviewRound:
    """The round, for someone who may moderate it (404 when there is no such round, 403 for anyone else)."""
    require_moderator_role(viewer)
    found = ReviewRound.objects.filter(pk=round_id).select_related("question_set").first()
    if found is None:
        raise Http404("No such review round.")
    if not may_moderate(viewer, found):
        raise PermissionDenied("Only the round's reviewers and its head of PDU moderate its markings.")
    return found


def disagreements(round_: ReviewRound, *, sampled_id: int | None = None) -> list[Disagreement]:
    """The round's disagreements between the two markings of its double-marked cases (both submitted), in the
    order of the sample and the questions; one case's when ``sampled_id`` is given. Three queries."""
    answers = PromptAnswer.objects.filter(
        review__sampled__round=round_,
        review__sampled__double_marked=True,
        review__status=ReviewStatus.SUBMITTED,
    )
    if sampled_id is not None:
        answers = answers.filter(review__sampled_id=sampled_id)
    rows = answers.values_list(
        "review__sampled_id",
        "review__sampled__person_id",
        "review__marking",
        "review__reviewer_id",
        "prompt__key_question_id",
        "prompt__key_question__number",
        "prompt__key_question__text",
        "prompt__key_question__position",
        "prompt__letter",
        "prompt__text",
        "prompt__position",
        "answer",
        "note",
    )
    by_case: dict[int, dict[str, Any]] = {}
    for (
        sid,
        person_id,
        marking,
        reviewer_id,
        _kq,
        number,
        text,
        kpos,
        letter,
        ptext,
        ppos,
        answer,
        note,
    ) in rows:
        case = by_case.setdefault(sid, {"person": person_id, "markers": {}, "questions": {}})
        case["markers"][marking] = reviewer_id
        question = case["questions"].setdefault(number, {"text": text, "position": kpos, "prompts": {}})
        prompt = question["prompts"].setdefault(letter, {"text": ptext, "position": ppos})
        prompt[marking] = (answer, note)
    moderations = {
        (m.sampled_id, m.key_question.number): m
        for m in Moderation.objects.filter(sampled__round=round_).select_related("key_question")
    }
    found = []
    for sid in sorted(by_case):
        case = by_case[sid]
        if set(case["markers"]) != {1, 2}:
            continue
        for number, question in sorted(case["questions"].items(), key=lambda item: item[1]["position"]):
            prompts = [
                MarkedPrompt(
                    letter,
                    p["text"],
                    p.get(1, ("", ""))[0],
                    p.get(1, ("", ""))[1],
                    p.get(2, ("", ""))[0],
                    p.get(2, ("", ""))[1],
                )
                for letter, p in sorted(question["prompts"].items(), key=lambda item: item[1]["position"])
            ]
            first = key_question_judgement([p.first for p in prompts if p.first])
            second = key_question_judgement([p.second for p in prompts if p.second])
            if first == second and not any(p.differs for p in prompts):
                continue
            found.append(
                Disagreement(
                    sampled_id=sid,
                    case=pseudonym(case["person"]),
                    number=number,
                    text=question["text"],
                    first=first,
                    second=second,
                    prompts=prompts,
                    markers=frozenset(case["markers"].values()),
                    moderation=moderations.get((sid, number)),
                )
            )
    return found


def moderated_judgements(round_: ReviewRound) -> dict[tuple[int, str], str]:
    """{(sampled id, key question number): agreed judgement} for the round's moderated disagreements."""
    return {
        (sid, number): agreed
        for sid, number, agreed in Moderation.objects.filter(sampled__round=round_).values_list(
            "sampled_id", "key_question__number", "agreed"
        )
    }


# --- actions ------------------------------------------------------------------------------------------------

ACTION_ROLES = (Role.PRACTITIONER, Role.SPO, Role.HEAD_OF_PDU)


@dataclass(frozen=True)
class CaseFinding:
    """A reviewed case's key question judged not sufficient (the moderated judgement where there is one)."""

    sampled_id: int
    case: str  # the pseudonym
    number: str
    text: str
    practitioner_id: int | None


def case_findings(round_: ReviewRound) -> list[CaseFinding]:
    """The round's case findings, in the order of the sample and the questions. Three queries."""
    rows = PromptAnswer.objects.filter(
        review__sampled__round=round_, review__marking=1, review__status=ReviewStatus.SUBMITTED
    ).values_list(
        "review__sampled_id",
        "review__sampled__person_id",
        "review__sampled__practitioner_id",
        "prompt__key_question__number",
        "prompt__key_question__position",
        "prompt__key_question__text",
        "answer",
    )
    answers: dict[tuple[int, str], list[str]] = {}
    about: dict[int, tuple[int, int | None]] = {}
    texts: dict[str, tuple[int, str]] = {}
    for sid, person_id, practitioner_id, number, position, text, answer in rows:
        answers.setdefault((sid, number), []).append(answer)
        about[sid] = (person_id, practitioner_id)
        texts[number] = (position, text)
    moderated = moderated_judgements(round_)
    found = []
    for sid, number in sorted(answers, key=lambda key: (key[0], texts[key[1]][0])):
        judgement = moderated.get((sid, number)) or key_question_judgement(answers[(sid, number)])
        if judgement == "not_sufficient":
            person, practitioner = about[sid]
            found.append(CaseFinding(sid, pseudonym(person), number, texts[number][1], practitioner))
    return found


def is_case_finding(round_: ReviewRound, sampled_id: int, number: str) -> CaseFinding | None:
    """The case finding on this case and key question, or None when there is none."""
    for finding in case_findings(round_):
        if finding.sampled_id == sampled_id and finding.number == number:
            return finding
    return None


@dataclass(frozen=True)
class ActionChoices:
    """Whom an action of a round's PDU can be to, and who can own it: current staff and teams of the PDU."""

    practitioners: list[tuple[int, str]]
    teams: list[tuple[int, str]]
    owners: list[tuple[int, str]]
    key_questions: list[tuple[str, str]]


def action_choices(round_: ReviewRound) -> ActionChoices:
    today = timezone.localdate()
    staff = list(
        StaffMember.objects.filter(team__pdu_id=round_.pdu_id, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .order_by("last_name", "first_name")
    )
    return ActionChoices(
        practitioners=[(s.pk, s.full_name) for s in staff if s.role == Role.PRACTITIONER],
        teams=list(Team.objects.filter(pdu_id=round_.pdu_id).order_by("name").values_list("pk", "name")),
        owners=[(s.pk, f"{s.full_name} ({s.get_grade_display()})") for s in staff if s.role in ACTION_ROLES],
        key_questions=list(
            KeyQuestion.objects.filter(question_set_id=round_.question_set_id)
            .order_by("position")
            .values_list("number", "text")
        ),
    )


def reviewer_candidates(round_: ReviewRound) -> list[StaffMember]:
    """Who the head may give a confirmed round's cases to: the PDU's current practitioners and SPOs (the
    assignment itself keeps each away from their own team's cases and records they may not open)."""
    staff = StaffMember.objects.filter(team__pdu_id=round_.pdu_id).select_related("team", "user")
    return [
        s
        for s in staff.order_by("team__name", "last_name", "first_name")
        if s.role in REVIEWER_ROLES and is_current(s)
    ]


def _actions() -> QuerySet[ReviewAction]:
    return ReviewAction.objects.select_related(
        "round", "key_question", "practitioner", "team", "owner", "raised_by", "closed_by"
    )


def round_actions(round_: ReviewRound) -> list[ReviewAction]:
    """A round's actions, by due date."""
    return list(_actions().filter(round=round_).order_by("due_on", "pk")[:500])


@dataclass(frozen=True)
class PduActions:
    overdue: list[ReviewAction]
    open: list[ReviewAction]
    owned: list[ReviewAction]  # the viewer's own open actions


def pdu_actions(viewer: StaffMember) -> PduActions:
    """For a head of PDU, the PDU's open actions, overdue ones apart; for anyone who may own an action, their
    own open actions."""
    if viewer.role not in ACTION_ROLES:
        raise PermissionDenied("Only staff of a PDU hold actions from case reviews.")
    today = timezone.localdate()
    owned = list(_actions().filter(owner=viewer, status=ActionStatus.OPEN).order_by("due_on", "pk")[:200])
    if viewer.role != Role.HEAD_OF_PDU or viewer.pdu_id is None:
        return PduActions([], [], owned)
    open_ = list(
        _actions()
        .filter(round__pdu_id=viewer.pdu_id, status=ActionStatus.OPEN)
        .order_by("due_on", "pk")[:500]
    )
    return PduActions([a for a in open_ if a.due_on < today], [a for a in open_ if a.due_on >= today], owned)


def may_close_action(viewer: StaffMember, action: ReviewAction) -> bool:
    """The owner closes their action; the head of the round's PDU any of its actions."""
    if viewer.pk == action.owner_id:
        return True
    return viewer.role == Role.HEAD_OF_PDU and viewer.pdu_id == action.round.pdu_id


def action_for(viewer: StaffMember, action_id: int) -> ReviewAction:
    """One action, for its owner or the head of its PDU (403 for a role that holds none, 404 for others)."""
    if viewer.role not in ACTION_ROLES:
        raise PermissionDenied("Only staff of a PDU hold actions from case reviews.")
    found = _actions().filter(pk=action_id).first()
    if found is None or not may_close_action(viewer, found):
        raise Http404("No such action.")
    return found
