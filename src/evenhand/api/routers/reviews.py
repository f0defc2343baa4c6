"""Case review (issue 15) through the API: rounds and their draw, the reviewer's queue and blind review,
results, moderation and actions.

The same rules as the web pages, through the same selectors, door and services (``evenhand.review``): a round
is the head of its PDU's, who sets it up, sees its draw, confirms or discards it and gives its cases to
reviewers (403 for anyone else's role, 404 for another PDU's round); a review opens only for its
reviewer, blind (the case by its pseudonym: never the person's name, CRN or ethnicity), and never on their own
or their team's work (403 with the reason); a disagreement is moderated by a reviewer of the round who did not
mark the case, or its head; the two markings are never named. Business rules answer 422 with their messages.
"""

import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status

from evenhand.audit.models import Channel
from evenhand.org.selectors import pdu_by_code
from evenhand.review import door, selectors, services
from evenhand.review.models import ActionFor, ActionStatus, ReviewAction, SetKind, Strata
from evenhand.review.models.reviews import NOTE_LIMIT
from evenhand.review.results import RoundResults, round_results
from evenhand.review.services.rounds import MAX_SEED
from evenhand.review.stats import Comparison, Estimate, Kappa

from ..auth import staff_of
from ..schemas import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, ErrorOut, Id, PageQuery, Text
from .common import field_error, purpose

router = Router(tags=["case review"])

T = TypeVar("T")
StaffCode = Annotated[str, Field(max_length=20)]
Judgement = Literal["sufficient", "not_sufficient", "not_applicable"]
READ_OR_REFUSED: dict[int, Any] = {**READ_ERRORS, 403: ErrorOut}
PAGE_OR_REFUSED: dict[int, Any] = {**READ_OR_REFUSED, 422: ErrorOut}  # a bad limit or offset


def _page(items: Sequence[T], page: PageQuery) -> dict[str, Any]:
    return {"items": list(items[page.offset : page.offset + page.limit]), "count": len(items)}


def _finite(value: float | None) -> float | None:
    """A statistic JSON can carry: an infinite or undefined ratio is null."""
    return value if value is not None and math.isfinite(value) else None


# --- rounds -------------------------------------------------------------------------------------------------


class RoundOut(Schema):
    id: int
    title: str
    kind: str
    question_set: str
    question_set_version: int
    period_start: dt.date
    period_end: dt.date
    strata: str
    sample_size: int
    minimum_per_stratum: int
    double_mark_share: float
    seed: int = Field(description="The draw is reproducible from it")
    population: int
    status: str
    drawn_at: dt.datetime
    confirmed_at: dt.datetime | None

    @staticmethod
    def resolve_title(round_: Any) -> str:
        return str(round_)

    @staticmethod
    def resolve_question_set(round_: Any) -> str:
        return str(round_.question_set.title)

    @staticmethod
    def resolve_question_set_version(round_: Any) -> int:
        return int(round_.question_set.version)

    @staticmethod
    def resolve_double_mark_share(round_: Any) -> float:
        return float(round_.double_mark_share)


class RoundPageOut(Schema):
    items: list[RoundOut]
    count: int


class StratumOut(Schema):
    ethnic_group: str = Field(description="The stratum's group: a count of cases, never a person's")
    tier_band: str
    population: int
    sample: int


class RoundDetailOut(Schema):
    round: RoundOut
    strata: list[StratumOut]
    sampled: int
    double_marked: int
    reviews: int
    submitted: int


class DrawnCaseOut(Schema):
    sampled_id: int
    case: str = Field(description="The pseudonym the reviewers see")
    double_marked: bool
    reviews: int
    submitted: int


class DrawPageOut(Schema):
    items: list[DrawnCaseOut]
    count: int


@router.get("/rounds", response={200: RoundPageOut, **LIST_ERRORS}, summary="List the PDU's review rounds")
def list_rounds(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """The review rounds of the caller's PDU, newest first: a head of PDU only (403 otherwise)."""
    return _page(selectors.rounds_for(staff_of(request)), page)


@router.get(
    "/rounds/{round_id}", response={200: RoundDetailOut, **READ_OR_REFUSED}, summary="Read a review round"
)
def read_round(request: HttpRequest, round_id: Path[Id]) -> selectors.RoundPage:
    """A round of the caller's PDU: its settings and its draw by stratum (counts only)."""
    return selectors.round_for(staff_of(request), round_id)


@router.get(
    "/rounds/{round_id}/draw", response={200: DrawPageOut, **PAGE_OR_REFUSED}, summary="List a round's draw"
)
def list_draw(request: HttpRequest, round_id: Path[Id], page: Query[PageQuery]) -> dict[str, Any]:
    """The sampled cases, each by its pseudonym only, with how many of its reviews are in."""
    found = selectors.round_for(staff_of(request), round_id)
    return _page(selectors.round_draw(found.round), page)


class RoundIn(Schema):
    """The web form's inputs, and the unit (the PDU whose cases or decisions are drawn: the caller's own)."""

    pdu: Text = Field(max_length=12, description="The unit: the code of the PDU, which must be yours")
    kind: SetKind = Field(description="What the round reviews")
    period_start: dt.date
    period_end: dt.date = Field(description="On or after the start, not in the future, at most two years on")
    sample_size: int = Field(ge=1, le=5000, description="No larger than the population")
    minimum_per_stratum: int = Field(
        5, ge=0, le=100, description="Small groups are oversampled up to this many cases"
    )
    strata: Strata = Strata.ETHNIC_GROUP_TIER
    exclude_months: int = Field(12, ge=0, le=120, description="Leave out cases reviewed in the last months")
    double_mark_share: Decimal = Field(Decimal("0.10"), ge=0, le=1, decimal_places=2)
    seed: int | None = Field(
        None,
        ge=0,
        le=MAX_SEED,
        description="Left out: a new random seed, recorded so the draw can be repeated",
    )


class ReviewersIn(Schema):
    reviewers: list[StaffCode] = Field(
        min_length=1, max_length=200, description="Staff codes of the PDU's current practitioners and SPOs"
    )


class AssignmentOut(Schema):
    assigned: int = Field(description="Reviews made")
    unassigned: list[int] = Field(description="Sampled cases no reviewer given may review (their own team's)")


@router.post(
    "/rounds", response={201: RoundDetailOut, **WRITE_ERRORS}, summary="Set up a review round and draw it"
)
def draw_round(request: HttpRequest, payload: RoundIn) -> Status:
    """Draw a round's stratified random sample and store it as drawn, not confirmed: the answer is the draw
    by stratum (counts only) to check before confirming or discarding it. The head of the PDU only (403 for
    any other role or another PDU); a PDU code that names no PDU, a sample larger than the population, or a
    period reversed or in the future answer 422 and store nothing. A stratum with no cases is in the answer
    with a population of 0, not an error."""
    staff = staff_of(request)
    selectors.require_head(staff)
    pdu = pdu_by_code(payload.pdu)
    if pdu is None:
        raise field_error("pdu", "There is no PDU with this code")
    drawn = services.draw_round(by=staff, pdu=pdu, **payload.model_dump(exclude={"pdu"}))
    return Status(201, selectors.round_for(staff, drawn.pk))


@router.post(
    "/rounds/{round_id}/confirm", response={200: RoundDetailOut, **WRITE_ERRORS}, summary="Confirm a draw"
)
def confirm_round(request: HttpRequest, round_id: Path[Id]) -> selectors.RoundPage:
    """The drawn sample becomes the cases to review; a round already confirmed or discarded answers 422."""
    staff = staff_of(request)
    selectors.round_for(staff, round_id)
    services.confirm_round(by=staff, round_id=round_id)
    return selectors.round_for(staff, round_id)


@router.post(
    "/rounds/{round_id}/discard", response={200: RoundDetailOut, **WRITE_ERRORS}, summary="Discard a draw"
)
def discard_round(request: HttpRequest, round_id: Path[Id]) -> selectors.RoundPage:
    """Discard a drawn round before it is confirmed (kept as a record of what was seen); a confirmed round
    answers 422."""
    staff = staff_of(request)
    selectors.round_for(staff, round_id)
    services.discard_round(by=staff, round_id=round_id)
    return selectors.round_for(staff, round_id)


@router.post(
    "/rounds/{round_id}/reviewers",
    response={200: AssignmentOut, **WRITE_ERRORS},
    summary="Give a round's cases to reviewers",
)
def assign_reviewers(request: HttpRequest, round_id: Path[Id], payload: ReviewersIn) -> services.Assignment:
    """Give each case of a confirmed round not yet assigned to one of the reviewers (two for a case marked
    twice), never to a reviewer of the team whose work it is; a staff code that is not one of the PDU's
    current practitioners or SPOs answers 422 and assigns nothing."""
    staff = staff_of(request)
    found = selectors.round_for(staff, round_id)
    candidates = {s.staff_code: s for s in selectors.reviewer_candidates(found.round)}
    unknown = [code for code in payload.reviewers if code not in candidates]
    if unknown:
        raise field_error("reviewers", f"Not a reviewer of this PDU: {', '.join(unknown)}")
    chosen = [candidates[code] for code in payload.reviewers]
    return services.assign_reviews(by=staff, round_id=round_id, reviewers=chosen)


# --- results ------------------------------------------------------------------------------------------------


class EstimateOut(Schema):
    share: float | None = Field(description="Design-weighted share sufficient, 0 to 1")
    se: float | None
    low: float | None = Field(description="95% interval, allowing for the stratified design")
    high: float | None
    cases: int
    population: float | None


class ComparisonOut(Schema):
    difference: float | None = Field(description="The group's share minus White people's")
    difference_low: float | None
    difference_high: float | None
    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None
    p_value: float | None


class GroupResultOut(Schema):
    key_question: str
    ethnic_group: str = Field(description='"" for everyone in the round')
    estimate: EstimateOut | None
    comparison: ComparisonOut | None = Field(description="Against White people")
    q_value: float | None = Field(description="Benjamini-Hochberg across the round")


class GroupRatingOut(Schema):
    ethnic_group: str
    rating: str | None


class KappaOut(Schema):
    key_question: str
    kappa: float | None = Field(description="Cohen's kappa of the two independent markings")
    se: float | None
    low: float | None
    high: float | None
    cases: int
    agreement: float | None


class CapacityResultOut(Schema):
    key_question: str
    band: str = Field(description="The practitioner's workload capacity at the time of the judged work")
    estimate: EstimateOut | None


class ResultsOut(Schema):
    reviewed: int
    sampled: int
    key_questions: list[str]
    bands: str = Field(description="The rating bands, as stated")
    rows: list[GroupResultOut]
    ratings: list[GroupRatingOut]
    agreement: list[KappaOut]
    by_capacity: list[CapacityResultOut]


def _estimate(found: Estimate | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "share": _finite(found.share),
        "se": _finite(found.se),
        "low": _finite(found.low),
        "high": _finite(found.high),
        "cases": found.cases,
        "population": _finite(found.population),
    }


def _comparison(found: Comparison | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {name: _finite(getattr(found, name)) for name in ComparisonOut.model_fields}


def _kappa(number: str, found: Kappa | None) -> dict[str, Any]:
    if found is None:
        return {
            "key_question": number,
            "kappa": None,
            "se": None,
            "low": None,
            "high": None,
            "cases": 0,
            "agreement": None,
        }
    return {
        "key_question": number,
        "kappa": _finite(found.kappa),
        "se": _finite(found.se),
        "low": _finite(found.low),
        "high": _finite(found.high),
        "cases": found.cases,
        "agreement": _finite(found.agreement),
    }


def _results_out(results: RoundResults) -> dict[str, Any]:
    return {
        "reviewed": results.reviewed,
        "sampled": results.sampled,
        "key_questions": results.key_questions,
        "bands": results.bands,
        "rows": [
            {
                "key_question": r.key_question,
                "ethnic_group": r.ethnic_group,
                "estimate": _estimate(r.estimate),
                "comparison": _comparison(r.comparison),
                "q_value": _finite(r.q_value),
            }
            for r in results.rows
        ],
        "ratings": [{"ethnic_group": g, "rating": rating} for g, rating in results.ratings.items()],
        "agreement": [_kappa(number, k) for number, k in results.agreement.items()],
        "by_capacity": [
            {"key_question": c.key_question, "band": c.band, "estimate": _estimate(c.estimate)}
            for c in results.by_capacity
        ],
    }


@router.get(
    "/rounds/{round_id}/results",
    response={200: ResultsOut, **READ_OR_REFUSED},
    summary="Read a round's results",
)
def read_results(request: HttpRequest, round_id: Path[Id]) -> dict[str, Any]:
    """Design-weighted share sufficient per key question by ethnic group with intervals, the comparison with
    White people, ratings, kappa per key question and results against workload; empty until a review is
    submitted."""
    found = selectors.round_for(staff_of(request), round_id)
    if not found.submitted:
        return {
            "reviewed": 0,
            "sampled": found.sampled,
            "key_questions": [],
            "bands": "",
            "rows": [],
            "ratings": [],
            "agreement": [],
            "by_capacity": [],
        }
    return _results_out(round_results(found.round))


# --- moderation ---------------------------------------------------------------------------------------------


class MarkedPromptOut(Schema):
    letter: str
    text: str
    first: str = Field(description="The first marking's answer (the reviewers are never named)")
    first_note: str
    second: str
    second_note: str


class ModerationOut(Schema):
    sampled_id: int
    key_question: str
    first: str
    second: str
    agreed: str
    rationale: str
    moderated_at: dt.datetime

    @staticmethod
    def resolve_key_question(moderation: Any) -> str:
        return str(moderation.key_question.number)


class DisagreementOut(Schema):
    sampled_id: int
    case: str = Field(description="The pseudonym")
    number: str
    text: str
    first: str
    second: str
    prompts: list[MarkedPromptOut]
    awaiting: bool
    you_marked: bool = Field(description="You marked this case, so someone else moderates it")
    moderation: ModerationOut | None


class DisagreementPageOut(Schema):
    items: list[DisagreementOut]
    count: int


class ModerationIn(Schema):
    sampled_id: Id
    question: Text = Field(max_length=10, description="The key question's number, as C2")
    agreed: Judgement
    rationale: Text = Field(max_length=NOTE_LIMIT)


@router.get(
    "/rounds/{round_id}/disagreements",
    response={200: DisagreementPageOut, **PAGE_OR_REFUSED},
    summary="List a round's disagreements",
)
def list_disagreements(request: HttpRequest, round_id: Path[Id], page: Query[PageQuery]) -> dict[str, Any]:
    """The double-marked cases' key questions on which the two markings differ, with any moderation; for the
    round's reviewers and its head of PDU."""
    staff = staff_of(request)
    found = selectors.disagreements(selectors.moderation_round(staff, round_id))
    listed = _page(found, page)
    listed["items"] = [
        {
            "sampled_id": d.sampled_id,
            "case": d.case,
            "number": d.number,
            "text": d.text,
            "first": d.first,
            "second": d.second,
            "prompts": d.prompts,
            "awaiting": d.awaiting,
            "you_marked": staff.pk in d.markers,
            "moderation": d.moderation,
        }
        for d in listed["items"]
    ]
    return listed


@router.post(
    "/rounds/{round_id}/moderations",
    response={201: ModerationOut, **WRITE_ERRORS},
    summary="Moderate a disagreement",
)
def moderate(request: HttpRequest, round_id: Path[Id], payload: ModerationIn) -> Status:
    """Record the agreed judgement with its reasons; refused (403) to either of the case's two markers."""
    staff = staff_of(request)
    selectors.moderation_round(staff, round_id)
    made = services.moderate(
        moderator=staff,
        round_id=round_id,
        sampled_id=payload.sampled_id,
        question=payload.question,
        agreed=payload.agreed,
        rationale=payload.rationale,
    )
    return Status(201, made)


# --- actions ------------------------------------------------------------------------------------------------


class ActionOut(Schema):
    id: int
    round_id: int
    round_title: str
    sampled_id: int | None = Field(description="A finding on a case: the case (its pseudonym is on the draw)")
    key_question: str | None
    action_for: ActionFor
    practitioner: str | None
    team: str | None
    owner: str
    description: str
    due_on: dt.date
    overdue: bool
    status: ActionStatus
    cancel_reason: str
    raised_at: dt.datetime
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_round_title(action: ReviewAction) -> str:
        return str(action.round)

    @staticmethod
    def resolve_key_question(action: ReviewAction) -> str | None:
        return action.key_question.number if action.key_question else None

    @staticmethod
    def resolve_practitioner(action: ReviewAction) -> str | None:
        return action.practitioner.full_name if action.practitioner else None

    @staticmethod
    def resolve_team(action: ReviewAction) -> str | None:
        return action.team.name if action.team else None

    @staticmethod
    def resolve_owner(action: ReviewAction) -> str:
        return action.owner.full_name

    @staticmethod
    def resolve_overdue(action: ReviewAction) -> bool:
        return action.status == ActionStatus.OPEN and action.due_on < timezone.localdate()


class ActionPageOut(Schema):
    items: list[ActionOut]
    count: int


class ActionsOut(Schema):
    overdue: list[ActionOut] = Field(description="The PDU's open actions past their due date (head of PDU)")
    open: list[ActionOut] = Field(description="The PDU's other open actions (head of PDU)")
    owned: list[ActionOut] = Field(description="Your own open actions")


class ActionIn(Schema):
    sampled_id: Id | None = Field(None, description="A finding on a case: the case, with its key question")
    question: Text = Field("", max_length=10, description='A key question\'s number; "" for the whole round')
    action_for: ActionFor
    practitioner_id: Id | None = None
    team_id: Id | None = None
    owner_id: Id
    description: Text = Field(max_length=2000)
    due_on: dt.date


class ActionCloseIn(Schema):
    outcome: Literal["done", "cancelled"]
    reason: Text = Field("", max_length=2000, description="Why it is cancelled (when it is)")


@router.get("/actions", response={200: ActionsOut, **LIST_ERRORS}, summary="List open actions")
def list_actions(request: HttpRequest) -> selectors.PduActions:
    """Your own open actions; for a head of PDU, the PDU's too, overdue ones apart."""
    return selectors.pdu_actions(staff_of(request))


@router.get("/actions/{action_id}", response={200: ActionOut, **READ_OR_REFUSED}, summary="Read an action")
def read_action(request: HttpRequest, action_id: Path[Id]) -> ReviewAction:
    """One action, for its owner or the head of its PDU."""
    return selectors.action_for(staff_of(request), action_id)


@router.post(
    "/actions/{action_id}/close", response={200: ActionOut, **WRITE_ERRORS}, summary="Close an action"
)
def close_action(request: HttpRequest, action_id: Path[Id], payload: ActionCloseIn) -> ReviewAction:
    """Done, or cancelled with the reason: by its owner or the head of its PDU."""
    staff = staff_of(request)
    selectors.action_for(staff, action_id)
    if payload.outcome == ActionStatus.DONE:
        services.complete_action(by=staff, action_id=action_id)
    else:
        services.cancel_action(by=staff, action_id=action_id, reason=payload.reason)
    return selectors.action_for(staff, action_id)


@router.get(
    "/rounds/{round_id}/actions",
    response={200: ActionPageOut, **PAGE_OR_REFUSED},
    summary="List a round's actions",
)
def list_round_actions(request: HttpRequest, round_id: Path[Id], page: Query[PageQuery]) -> dict[str, Any]:
    found = selectors.round_for(staff_of(request), round_id)
    return _page(selectors.round_actions(found.round), page)


@router.post(
    "/rounds/{round_id}/actions", response={201: ActionOut, **WRITE_ERRORS}, summary="Raise an action"
)
def raise_action(request: HttpRequest, round_id: Path[Id], payload: ActionIn) -> Status:
    """Raise an action from a finding (a case's key question judged not sufficient, or the round's result):
    the head of the round's PDU only."""
    staff = staff_of(request)
    selectors.round_for(staff, round_id)
    raised = services.raise_action(
        by=staff,
        round_id=round_id,
        sampled_id=payload.sampled_id,
        question=payload.question,
        action_for=payload.action_for,
        practitioner_id=payload.practitioner_id,
        team_id=payload.team_id,
        owner_id=payload.owner_id,
        description=payload.description,
        due_on=payload.due_on,
    )
    return Status(201, selectors.action_for(staff, raised.pk))


# --- the reviewer's queue and reviews -----------------------------------------------------------------------


class QueueRowOut(Schema):
    review_id: int
    case: str = Field(description="The pseudonym: the reviewer never sees who the person is")
    round_title: str
    marking: int = Field(description="1, or 2 for the second, independent marking of a double-marked case")
    status: str
    status_label: str


class ReviewQueuePageOut(Schema):
    items: list[QueueRowOut]
    count: int


class PromptOut(Schema):
    id: int
    letter: str
    text: str
    diversity: bool
    answer: str | None
    note: str

    @staticmethod
    def resolve_id(prompt: door.PromptView) -> int:
        return prompt.pk


class KeyQuestionOut(Schema):
    number: str
    stage_label: str
    text: str
    prompts: list[PromptOut]
    judgement: str | None = Field(description="Null until every prompt is answered")


class BlindTopicOut(Schema):
    topic: str
    status: str
    in_their_words: str


class BlindGoalOut(Schema):
    need: str
    goal: str
    status: str


class JudgedFactOut(Schema):
    label: str
    text: str


class BlindCaseOut(Schema):
    label: str = Field(description="The pseudonym")
    sentence: str | None
    sentence_start: dt.date | None
    tier: str | None
    topics: list[BlindTopicOut] = Field(description="The diversity conversation, which is judged")
    goals: list[BlindGoalOut] = Field(description="The sentence plan, which is judged")
    decision: list[JudgedFactOut] = Field(
        description="A decision review's judged record (the decision, allocation or report), staff by grade; "
        "empty for a case review"
    )

    @staticmethod
    def resolve_decision(case: door.BlindCase) -> list[dict[str, str]]:
        return [{"label": label, "text": text} for label, text in case.decision]

    @staticmethod
    def resolve_topics(case: door.BlindCase) -> list[dict[str, str]]:
        return [{"topic": t, "status": s, "in_their_words": w} for t, s, w in case.topics]

    @staticmethod
    def resolve_goals(case: door.BlindCase) -> list[dict[str, str]]:
        return [{"need": n, "goal": g, "status": s} for n, g, s in case.goals]


class ReviewOut(Schema):
    review_id: int
    round_title: str
    kind_label: str
    marking: int
    submitted: bool
    case: BlindCaseOut
    questions: list[KeyQuestionOut]
    unanswered: list[str] = Field(description="Key questions with a prompt not yet answered")


class AnswerIn(Schema):
    prompt_id: Id
    answer: Judgement
    note: Text = Field("", max_length=NOTE_LIMIT)


class AnswersIn(Schema):
    answers: list[AnswerIn] = Field(max_length=200)


class ReviewSubmitIn(Schema):
    answers: list[AnswerIn] = Field(
        default_factory=list, max_length=200, description="Recorded first, with the submission, all or none"
    )


def _answers(given: list[AnswerIn]) -> dict[int, tuple[str, str]]:
    return {a.prompt_id: (a.answer, a.note) for a in given}


def _open(request: HttpRequest, review_id: int) -> door.ReviewPage:
    return door.open_review(
        viewer=staff_of(request), review_id=review_id, channel=Channel.API, purpose=purpose(request)
    )


@router.get("/queue", response={200: ReviewQueuePageOut, **LIST_ERRORS}, summary="List your reviews")
def list_queue(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """The caller's reviews, open ones first; each case by its pseudonym only."""
    return _page(door.review_queue(viewer=staff_of(request)), page)


@router.get("/{review_id}", response={200: ReviewOut, **READ_OR_REFUSED}, summary="Read a review, blind")
def read_review(request: HttpRequest, review_id: Path[Id]) -> door.ReviewPage:
    """The case without the person's name, CRN or ethnicity, and each key question with its answers; only
    for its reviewer (404 for anyone else's), never on their own or their team's work (403)."""
    return _open(request, review_id)


@router.post(
    "/{review_id}/answers", response={200: ReviewOut, **WRITE_ERRORS}, summary="Answer a review's prompts"
)
def answer_review(request: HttpRequest, review_id: Path[Id], payload: AnswersIn) -> door.ReviewPage:
    """Record answers (all or none): each prompt in the version of the questions the round uses."""
    _open(request, review_id)
    services.record_answers(
        reviewer=staff_of(request), review_id=review_id, answers=_answers(payload.answers)
    )
    return _open(request, review_id)


@router.post("/{review_id}/submit", response={200: ReviewOut, **WRITE_ERRORS}, summary="Submit a review")
def submit_review(request: HttpRequest, review_id: Path[Id], payload: ReviewSubmitIn) -> door.ReviewPage:
    """Record any answers given and submit, all or nothing: refused (422) while a key question has a prompt
    unanswered; final once submitted."""
    _open(request, review_id)
    services.answer_and_submit(
        reviewer=staff_of(request), review_id=review_id, answers=_answers(payload.answers)
    )
    return _open(request, review_id)


# --- a practitioner's own results ---------------------------------------------------------------------------


class JudgedQuestionOut(Schema):
    number: str
    text: str
    judgement: str
    moderated: bool
    notes: list[str]


class JudgedCaseOut(Schema):
    case: str = Field(description="The pseudonym, as the reviewers saw it")
    round_title: str
    judged_on: dt.date | None
    capacity: float | None = Field(description="The practitioner's workload capacity (%) then: context")
    questions: list[JudgedQuestionOut]


class PractitionerResultsOut(Schema):
    staff_code: str
    name: str
    own: bool
    sufficient: int
    judged: int
    cases: list[JudgedCaseOut]


@router.get(
    "/staff/{staff_code}/results",
    response={200: PractitionerResultsOut, **READ_OR_REFUSED},
    summary="Read a practitioner's review results",
)
def read_staff_results(request: HttpRequest, staff_code: Path[StaffCode]) -> door.PractitionerResults:
    """One practitioner's results: for them and their line manager only (403 for anyone else, logged)."""
    return door.practitioner_results(viewer=staff_of(request), staff_code=staff_code, channel=Channel.API)
