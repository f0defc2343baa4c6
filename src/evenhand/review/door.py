"""The one door to reviews: the reviewer's queue and a review's page load here, blind.

A reviewer sees the case without the person's name, CRN, photograph or ethnicity (a pseudonym stands for
them); what is judged stays: the sentence, the tier, the diversity conversation and the sentence plan. Only
the review's own reviewer opens it, never on their own or their team's work, and the opening goes through
``people.door.admit``, which checks the viewer may open the record (restriction and exclusion lists) and logs
the view or the refusal.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils import timezone

from evenhand.assessment.models import (
    Assessment,
    DiversityFactor,
    DiversityTopic,
    PlanGoal,
    PreSentenceReport,
    SentencePlan,
    TierCalculation,
)
from evenhand.audit.models import Channel
from evenhand.audit.services import log_refused_staff_view
from evenhand.cases.models import Allocation, EnforcementDecision, Sentence
from evenhand.org.access import is_current
from evenhand.org.models import Role, StaffMember
from evenhand.people.access import pseudonym
from evenhand.people.door import RecordNotFound, admit

from .judgement import key_question_judgement
from .models import KeyQuestion, Moderation, Prompt, PromptAnswer, Review, ReviewStatus, SampledCase
from .services.reviews import REVIEWER_ROLES, conflict_of


@dataclass(frozen=True)
class QueueRow:
    review_id: int
    case: str  # the pseudonym
    round_title: str
    marking: int
    status: str
    status_label: str


@dataclass(frozen=True)
class PromptView:
    pk: int
    letter: str
    text: str
    diversity: bool
    answer: str | None
    note: str


@dataclass(frozen=True)
class KeyQuestionView:
    number: str
    stage_label: str
    text: str
    prompts: list[PromptView]
    judgement: str | None  # None until every prompt is answered

    @property
    def done(self) -> bool:
        return self.judgement is not None


@dataclass(frozen=True)
class BlindCase:
    """What the reviewer judges, without who the person is."""

    label: str
    sentence: str | None
    sentence_start: dt.date | None
    tier: str | None
    topics: list[tuple[str, str, str]]  # the diversity conversation: topic, status, in their words
    goals: list[tuple[str, str, str]]  # the plan: need, goal, status
    # A decision review's judged record as (label, text) rows; staff by grade, never by name.
    decision: list[tuple[str, str]]


@dataclass(frozen=True)
class ReviewPage:
    review_id: int
    round_title: str
    kind_label: str
    marking: int
    submitted: bool
    case: BlindCase
    questions: list[KeyQuestionView]

    @property
    def unanswered(self) -> list[str]:
        return [q.number for q in self.questions if not q.done]

    def question(self, number: str) -> KeyQuestionView:
        for q in self.questions:
            if q.number == number:
                return q
        raise RecordNotFound("No such key question in this review's questions.")


def _require_reviewer(viewer: StaffMember) -> None:
    if viewer.role not in REVIEWER_ROLES:
        raise PermissionDenied("Only practitioners and senior probation officers review cases.")


def review_queue(*, viewer: StaffMember) -> list[QueueRow]:
    """The viewer's reviews, open ones first; each case by its pseudonym only (nobody's record is shown)."""
    rows = (
        Review.objects.filter(reviewer=viewer)
        .select_related("sampled__round__question_set")
        .order_by("status", "assigned_at", "pk")[:200]
    )
    return [
        QueueRow(
            review_id=r.pk,
            case=pseudonym(r.sampled.person_id),
            round_title=str(r.sampled.round),
            marking=r.marking,
            status=r.status,
            status_label=r.get_status_display(),
        )
        for r in rows
    ]


def _day(when: dt.datetime | None) -> str:
    return f"{timezone.localtime(when):%d %B %Y}" if when else "Not recorded"


def _enforcement_decision(person_id: int, subject_id: int) -> list[tuple[str, str]]:
    """An enforcement or recall decision: what the rule proposed, what was decided, when, by which grade and
    why; the failures or the risk information it answers, and any manager's endorsement."""
    decision = (
        EnforcementDecision.objects.select_related(
            "decided_by", "risk_information", "endorsement__endorsed_by"
        )
        .filter(pk=subject_id, sentence__person_id=person_id)
        .first()
    )
    if decision is None:
        return []
    rows = [
        ("Decision", decision.get_decision_display()),
        ("The rule's proposal", decision.get_proposed_display() or "None recorded"),
        ("Decided on", _day(decision.decided_at)),
        ("Decided by", decision.decided_by.get_grade_display()),
        ("Reasons", decision.rationale),
    ]
    failures = [
        f"{c.get_type_display()}, {timezone.localtime(c.starts_at):%d %B %Y}"
        for c in decision.triggering_contacts.order_by("starts_at")
    ]
    if failures:
        rows.append(("Failures it answers", "; ".join(failures)))
    information = decision.risk_information
    if information is not None:
        rows += [
            (
                "Risk information",
                f"{information.get_source_display()}, received {_day(information.received_at)}, "
                f"{information.get_reliability_display().lower()}, {information.get_urgency_display().lower()}",
            ),
            ("What was learned", information.summary),
            ("Decision due by", _day(information.decision_due_at)),
        ]
    endorsement = getattr(decision, "endorsement", None)
    if endorsement is not None:
        rows.append(
            (
                "Endorsed",
                f"By a {endorsement.endorsed_by.get_grade_display()} on {_day(endorsement.endorsed_at)}: "
                f"{endorsement.rationale}",
            )
        )
    return rows


def _allocation(person_id: int, subject_id: int) -> list[tuple[str, str]]:
    """An allocation: to which grade, from when, why, the capacity shown, and whether the case was sensitive."""
    allocation = (
        Allocation.objects.select_related("practitioner", "allocated_by", "sentence")
        .filter(pk=subject_id, sentence__person_id=person_id)
        .first()
    )
    if allocation is None:
        return []
    flags = allocation.sentence.offences.filter(is_main=True).values_list(
        "racially_or_religiously_aggravated", "hate_crime", "domestic_abuse", "sexual"
    )
    sensitive = [
        label
        for row in flags
        for flag, label in zip(
            row, ("racially or religiously aggravated", "hate crime", "domestic abuse", "sexual"), strict=True
        )
        if flag
    ]
    capacity = (
        f"{allocation.capacity_before}% before, {allocation.capacity_after}% with the case"
        if allocation.capacity_before is not None
        else "Not recorded"
    )
    return [
        ("Allocated to", allocation.practitioner.get_grade_display()),
        ("From", f"{allocation.start_date:%d %B %Y}"),
        ("Reason", allocation.get_reason_display()),
        ("Reasons given", allocation.rationale or "None recorded"),
        ("Allocated by", allocation.allocated_by.get_grade_display()),
        ("Allocated on", _day(allocation.allocated_at)),
        ("Capacity shown", capacity),
        ("Sensitive offence", ", ".join(sensitive).capitalize() if sensitive else "None recorded"),
    ]


def _report(person_id: int, subject_id: int) -> list[tuple[str, str]]:
    """A pre-sentence report: its format and hearing, the author's grade, the analysis, the diversity section
    and the proposal with its reasons and alternatives (the court's name is kept: it says nothing of who)."""
    report = (
        PreSentenceReport.objects.select_related("author", "main_offence")
        .filter(pk=subject_id, person_id=person_id)
        .first()
    )
    if report is None:
        return []
    # The ethnicity factor carries the record's ethnicity field: a blind reviewer sees only that it was written.
    labels = dict(DiversityFactor.choices)
    diversity = "; ".join(
        f"{labels.get(k, k)}: {'written (not shown in a blind review)' if k == DiversityFactor.ETHNICITY else v}"
        for k, v in (report.diversity or {}).items()
        if v
    )
    return [
        ("Format", report.get_format_display()),
        ("Hearing", f"{report.hearing_date:%d %B %Y}"),
        ("Main offence", report.main_offence.get_category_display()),
        ("Written by", report.author.get_grade_display()),
        ("Offence analysis", report.offence_analysis or "None"),
        ("Circumstances", report.circumstances or "None"),
        ("Diversity", diversity or "None recorded"),
        ("Risk analysis", report.risk_analysis or "None"),
        ("Proposal", report.get_proposal_display() or "None"),
        ("Reasons for the proposal", report.rationale or "None"),
        ("Alternatives considered", report.alternatives or "None"),
    ]


JUDGED_RECORDS: dict[str, Callable[[int, int], list[tuple[str, str]]]] = {
    "enforcement": _enforcement_decision,
    "recall": _enforcement_decision,
    "allocation": _allocation,
    "report": _report,
}


def _blind_case(person_id: int, subject_id: int, kind: str) -> BlindCase:
    sentence = Sentence.objects.filter(pk=subject_id, person_id=person_id).first() if kind == "case" else None
    tier = TierCalculation.objects.filter(person_id=person_id).order_by("-computed_at", "-id").first()
    latest = (
        Assessment.objects.filter(person_id=person_id)
        .prefetch_related(Prefetch("topics", queryset=DiversityTopic.objects.order_by("pk")))
        .order_by("-pk")
        .first()
    )
    plan = (
        SentencePlan.objects.filter(person_id=person_id)
        .prefetch_related(Prefetch("goals", queryset=PlanGoal.objects.order_by("pk")))
        .order_by("-pk")
        .first()
    )
    return BlindCase(
        label=pseudonym(person_id),
        sentence=sentence.get_type_display() if sentence else None,
        sentence_start=sentence.start_date if sentence else None,
        tier=tier.tier if tier else None,
        topics=[
            (t.get_topic_display(), t.get_status_display(), t.in_their_words) for t in latest.topics.all()
        ]
        if latest
        else [],
        goals=[(g.get_need_display(), g.title, g.get_status_display()) for g in plan.goals.all()]
        if plan
        else [],
        decision=JUDGED_RECORDS[kind](person_id, subject_id) if kind in JUDGED_RECORDS else [],
    )


def open_review(*, viewer: StaffMember, review_id: int, channel: Channel, purpose: str) -> ReviewPage:
    """A review, blind, for its reviewer (403 for a role that does not review, 404 for anyone else's)."""
    _require_reviewer(viewer)
    review = (
        Review.objects.select_related("sampled__practitioner", "sampled__round__question_set")
        .filter(pk=review_id, reviewer=viewer)
        .first()
    )
    if review is None:
        raise RecordNotFound("No such review on your list.")
    conflict = conflict_of(viewer, review.sampled)
    if conflict:
        raise PermissionDenied(conflict)
    sampled = review.sampled
    admit(viewer=viewer, person_id=sampled.person_id, channel=channel, purpose=purpose)
    answers = {a.prompt_id: a for a in review.answers.all()}
    keys = (
        KeyQuestion.objects.filter(question_set=sampled.round.question_set)
        .prefetch_related(Prefetch("prompts", queryset=Prompt.objects.order_by("position")))
        .order_by("position")
    )
    questions = []
    for key in keys:
        prompts = [
            PromptView(
                p.pk,
                p.letter,
                p.text,
                p.diversity,
                answers[p.pk].answer if p.pk in answers else None,
                answers[p.pk].note if p.pk in answers else "",
            )
            for p in key.prompts.all()
        ]
        complete = all(p.answer for p in prompts)
        questions.append(
            KeyQuestionView(
                key.number,
                key.get_stage_display(),
                key.text,
                prompts,
                key_question_judgement([p.answer or "" for p in prompts]) if complete else None,
            )
        )
    return ReviewPage(
        review_id=review.pk,
        round_title=str(sampled.round),
        kind_label=sampled.round.question_set.title,
        marking=review.marking,
        submitted=review.status == ReviewStatus.SUBMITTED,
        case=_blind_case(sampled.person_id, sampled.subject_id, sampled.round.kind),
        questions=questions,
    )


# --- a practitioner's own results (issue 15 item 4) ----------------------------------------------------------


@dataclass(frozen=True)
class JudgedQuestion:
    number: str
    text: str
    judgement: str
    moderated: bool
    notes: list[str]  # the reviewer's notes on the prompts found not sufficient


@dataclass(frozen=True)
class JudgedCase:
    case: str  # the pseudonym, as the reviewers saw it
    round_title: str
    judged_on: dt.date | None
    capacity: float | None  # the practitioner's workload capacity (%) then: context, not blame
    questions: list[JudgedQuestion]


@dataclass(frozen=True)
class PractitionerResults:
    staff_code: str
    name: str
    own: bool
    cases: list[JudgedCase]

    @property
    def sufficient(self) -> int:
        return sum(q.judgement == "sufficient" for c in self.cases for q in c.questions)

    @property
    def judged(self) -> int:
        return sum(q.judgement != "not_applicable" for c in self.cases for q in c.questions)


def line_manages(viewer: StaffMember, staff: StaffMember) -> bool:
    """The line manager: a practitioner's is an SPO of their team; an SPO's is the head of their PDU."""
    if not is_current(viewer):
        return False
    if staff.role == Role.PRACTITIONER:
        return viewer.role == Role.SPO and viewer.team_id is not None and viewer.team_id == staff.team_id
    if staff.role == Role.SPO:
        return viewer.role == Role.HEAD_OF_PDU and viewer.pdu_id is not None and viewer.pdu_id == staff.pdu_id
    return False


def practitioner_results(*, viewer: StaffMember, staff_code: str, channel: Channel) -> PractitionerResults:
    """The reviews of one practitioner's work, for the practitioner and their line manager only. Anyone else
    is refused (403) and the refusal logged, whether or not the staff code exists, so that asking says nothing.
    Each case carries the judged key questions (the moderated judgement where there is one), the notes of what
    was not sufficient, and the capacity at the time; never who reviewed it."""
    staff = StaffMember.objects.select_related("team").filter(staff_code=staff_code).first()
    own = staff is not None and staff.pk == viewer.pk
    if staff is None or not (own or line_manages(viewer, staff)):
        log_refused_staff_view(
            staff=viewer, channel=channel, detail=f"Case review results of staff {staff_code[:40]}"
        )
        raise PermissionDenied("Only the practitioner and their line manager see their review results.")
    sampled = list(
        SampledCase.objects.filter(
            practitioner=staff, reviews__marking=1, reviews__status=ReviewStatus.SUBMITTED
        )
        .select_related("round")
        .order_by("-round__drawn_at", "pk")[:200]
    )
    answers: dict[int, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    texts: dict[str, tuple[int, str]] = {}
    rows = PromptAnswer.objects.filter(
        review__sampled__in=sampled, review__marking=1, review__status=ReviewStatus.SUBMITTED
    ).values_list(
        "review__sampled_id",
        "prompt__key_question__number",
        "prompt__key_question__position",
        "prompt__key_question__text",
        "answer",
        "note",
    )
    for sid, number, position, text, answer, note in rows:
        answers[sid][number].append((answer, note))
        texts[number] = (position, text)
    moderated = {
        (sid, number): agreed
        for sid, number, agreed in Moderation.objects.filter(sampled__in=sampled).values_list(
            "sampled_id", "key_question__number", "agreed"
        )
    }
    cases = []
    for case in sampled:
        questions = []
        for number, given in sorted(answers[case.pk].items(), key=lambda item: texts[item[0]][0]):
            agreed = moderated.get((case.pk, number))
            questions.append(
                JudgedQuestion(
                    number=number,
                    text=texts[number][1],
                    judgement=agreed or key_question_judgement([a for a, _ in given]),
                    moderated=agreed is not None,
                    notes=[n for a, n in given if a == "not_sufficient" and n],
                )
            )
        cases.append(
            JudgedCase(
                case=pseudonym(case.person_id),
                round_title=str(case.round),
                judged_on=case.judged_on,
                capacity=float(case.capacity) if case.capacity is not None else None,
                questions=questions,
            )
        )
    return PractitionerResults(staff.staff_code, staff.full_name, own, cases)


def team_for_results(viewer: StaffMember) -> list[StaffMember]:
    """The staff whose review results the viewer line-manages: an SPO's team's practitioners, a head of
    PDU's SPOs; nobody for anyone else."""
    if viewer.role == Role.SPO and viewer.team_id is not None:
        candidates = StaffMember.objects.filter(team_id=viewer.team_id).exclude(pk=viewer.pk)
    elif viewer.role == Role.HEAD_OF_PDU and viewer.pdu_id is not None:
        candidates = StaffMember.objects.filter(team__pdu_id=viewer.pdu_id)
    else:
        return []
    return [
        s
        for s in candidates.select_related("team").order_by("last_name", "first_name")
        if line_manages(viewer, s)
    ]
