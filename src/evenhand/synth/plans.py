"""Sentence plans and pre-sentence reports for one PDU (issue 14, item 9).

Sentence plans: every finished assessment has the plan that answers it, made by the assessor on the day it was
completed, as ``make_plan`` makes it; a review's plan replaces the one before (``previous``, ``replaced_at``),
so each person has one current plan. A plan has a goal, in the person's words, for most of the criminogenic
needs its assessment identified (``plan_goal``, moved by any declared bias), some citing what the diversity
conversation found (a topic discussed); each goal has the person's step and sometimes the practitioner's, and
on the current plan a need a service was asked to help with has the referral as a step. The person is asked to
agree the plan at its making or at a later appointment: agreed (``plan_agreed``, bias included), or does not
agree or could not answer, with the details; the answer is kept with the plan as it then stood. A review date
six months on, as the assessment's review is due.

Pre-sentence reports: for a share of the people whose court order or custodial sentence was passed in the
period, a report for that hearing (the sentence's start, its court), on the offences the record holds for the
sentence, delivered on the day: the proposal is mostly the sentence passed, and custody is proposed with the
probability ``psr_custody`` draws (bias included). The previous convictions, the risk review in force and the
diversity section's prefill are those the services would have read from the record; a report addressing
dangerousness, or a PSO's report on a high risk case, is signed off by the author's SPO.

Both draw from random streams of their own, derived from the PDU's, so the rest of each PDU's data is drawn as
it was; every row is inserted in its final state (a delivered report, an agreement, a change: records).
"""

import json
from collections.abc import Callable
from typing import Any

import numpy as np

from evenhand.assessment.models import (
    Actor,
    AgreementAnswer,
    AssessmentKind,
    GoalStatus,
    PlanChangeKind,
    StepStatus,
    Topic,
    TopicStatus,
)
from evenhand.assessment.models.report import DiversityFactor, InformationSource, Proposal, ReportFormat
from evenhand.people.models import Ethnicity, Religion

from . import params
from .caseload import with_odds
from .history import add_months
from .recall import _own_rng
from .tables import Table, as_dates, as_datetimes

DAY, HOUR = 86_400, 3600
TOPICS = [t.value for t in Topic]
NEEDS = ("standard", "severe")
AREA_OF_NEED = {
    "accommodation": "accommodation",
    "ete": "ete",
    "finance": "finance",
    "relationships": "family",
    "drugs": "dependency",
    "alcohol": "dependency",
    "wellbeing": "wellbeing",
}
# Each need's goal in the person's words, and the person's and the practitioner's steps towards it.
GOALS: dict[str, tuple[str, str, str]] = {
    "accommodation": (
        "I want a place of my own where I can stay.",
        "Go to the housing options appointment and bring my ID.",
        "Make the referral to the housing options team and chase it.",
    ),
    "ete": (
        "I want to get a job and keep it.",
        "Sign up for the construction skills course.",
        "Look at work and training options at supervision.",
    ),
    "finance": (
        "I want to sort out my debts so I am not always short.",
        "Take my letters to the debt advice session.",
        "Help to apply for the benefits the person is owed.",
    ),
    "relationships": (
        "I want to be a better partner and dad without the arguments.",
        "Do the relationships sessions and talk about what happens.",
        "Work through the relationship sessions at supervision.",
    ),
    "lifestyle": (
        "I want to stay away from the people I used to get in trouble with.",
        "Spend time with people and places that keep me out of trouble.",
        "Talk through who the person spends time with at each appointment.",
    ),
    "drugs": (
        "I want to stop using and stay clean.",
        "Go to every appointment with the drug service.",
        "Keep in touch with the drug worker about how it is going.",
    ),
    "alcohol": (
        "I want to cut down my drinking.",
        "Keep a drink diary and bring it to supervision.",
        "Refer to the alcohol service and check on progress.",
    ),
    "wellbeing": (
        "I want to feel better in myself and sleep properly.",
        "See my GP about how I have been feeling.",
        "Agree with the person how to raise their mental health with their GP.",
    ),
    "thinking": (
        "I want to stop and think before I react.",
        "Practise the steps to stop and think when I get wound up.",
        "Work through the thinking skills exercises at supervision.",
    ),
    "attitudes": (
        "I want to understand why I offended and not do it again.",
        "Talk honestly about the offence and who it hurt.",
        "Work through the offence-focused sessions.",
    ),
}
SERVICE_STEP = "The referral to the service, as a step of the plan."
DISAGREES = "Does not agree with the goal on drugs: says they no longer use and does not need the service."
COULD_NOT_ANSWER = "Was unwell at the appointment and could not go through the plan; to ask again next time."
REPORT_TEXTS = {
    "offence_analysis": "The person's account of the offence, set against the prosecution's case: what led to "
    "it, who was harmed and how the person sees it now.",
    "circumstances": "Accommodation, work, relationships, health and what the person says would help them.",
    "risk_analysis": "The risk of serious harm as assessed at the review in force, and what would raise or "
    "lower it.",
    "protective_factors": "Family support and a wish to stay in work.",
}
RATIONALE = {
    Proposal.COMMUNITY: "A community order with requirements addresses the needs linked to the offending while "
    "the person keeps their home, work and family ties.",
    Proposal.SUSPENDED: "The offence passes the custody threshold, but the person's circumstances and their "
    "engagement so far make a suspended sentence with requirements the better course.",
    Proposal.CUSTODY: "The seriousness of the offence and the risk of serious harm it shows mean that only "
    "custody can be justified.",
}
ALTERNATIVES = {
    Proposal.COMMUNITY: "A suspended sentence order was considered; the offence does not pass the custody "
    "threshold.",
    Proposal.SUSPENDED: "Immediate custody was considered; it would cost the person their home and work.",
    Proposal.CUSTODY: "A suspended sentence order with requirements was considered and rejected on risk.",
}
SOURCES = [
    InformationSource.INTERVIEW.value,
    InformationSource.CPS.value,
    InformationSource.PREVIOUS_CONVICTIONS.value,
    InformationSource.CASE_RECORD.value,
]
CONVICTIONS = ("CO", "SSO", "CUS")
DANGEROUS_OFFENCES = ("violence", "sexual", "robbery", "weapons")
SECTIONS_DONE = json.dumps(["sources", "offence", "circumstances", "diversity", "risk", "proposal"])


def _of(tables: list[Table], name: str, *columns: str) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    from .assessments import _of as of

    return of(tables, name, *columns)


def _days(dates: np.ndarray) -> np.ndarray:
    """'YYYY-MM-DD' strings → day numbers."""
    return np.asarray(dates).astype("datetime64[D]").astype(np.int64)


def tables(b: Any, built: list[Table]) -> list[Table]:
    """The PDU's sentence plans and pre-sentence reports, from its built tables."""
    return [*_plans(b, built), *_reports(b, built)]


def _seconds(text: np.ndarray) -> np.ndarray:
    return np.asarray(text).astype("datetime64[s]").astype(np.int64)


# --- sentence plans -------------------------------------------------------------------------------------------


def _plans(b: Any, built: list[Table]) -> list[Table]:
    rng = _own_rng(b.rng, 2)
    period = b.period
    a, a_null = _of(
        built,
        "assessment_assessment",
        "id",
        "person_id",
        "sentence_id",
        "kind",
        "previous_id",
        "assessor_id",
        "completed_on",
        "completed_at",
    )
    finished = ~a_null["completed_at"] & np.isin(a["kind"], [AssessmentKind.INITIAL, AssessmentKind.REVIEW])
    idx = np.flatnonzero(finished)
    k = len(idx)
    if k == 0:
        return []
    assessment_id = a["id"][idx]
    person_id = a["person_id"][idx]
    row = np.searchsorted(b.person["id"], person_id)
    completed_day = _days(a["completed_on"][idx])
    made_at = _seconds(a["completed_at"][idx]) + rng.integers(1800, 4 * HOUR, k)
    made_by = a["assessor_id"][idx]
    plan_id = b.ids.take("assessment_sentenceplan", k)
    # The plan of the assessment a review starts from is the review's plan's previous; it is replaced then.
    plan_of_assessment = dict(zip(assessment_id.tolist(), range(k), strict=True))
    previous = np.array(
        [
            -1 if null else plan_of_assessment.get(int(x), -1)
            for x, null in zip(
                a["previous_id"][idx].tolist(), a_null["previous_id"][idx].tolist(), strict=True
            )
        ],
        dtype=np.int64,
    )
    replaced_at = np.zeros(k, np.int64)
    replaced = np.zeros(k, bool)
    has_previous = previous >= 0
    replaced_at[previous[has_previous]] = made_at[has_previous]
    replaced[previous[has_previous]] = True
    review_on = add_months(completed_day, 6)

    # Goals: one for each identified need with the probability plan_goal draws (bias by the month made).
    sec, _ = _of(built, "assessment_sectionanswer", "assessment_id", "section", "severity")
    is_need = np.isin(sec["severity"], NEEDS)
    need_assessment = sec["assessment_id"][is_need]
    need_section = sec["section"][is_need]
    at = np.searchsorted(assessment_id, need_assessment)
    hit = (at < k) & (assessment_id[np.minimum(at, k - 1)] == need_assessment)
    goal_plan, goal_need = at[hit], need_section[hit]
    g = len(goal_plan)
    made_day = np.floor_divide(made_at, DAY)
    month = period.month(np.clip(made_day, period.start_day, period.end_day))
    q0 = np.full(g, params.PLAN_GOAL_PER_NEED)
    q1 = with_odds(q0, b.bias_for("plan_goal_per_need", month[goal_plan], row[goal_plan]))
    in_period = (made_day[goal_plan] >= period.start_day) & (made_day[goal_plan] <= period.end_day)
    b.truth.add(
        "plan_goal_per_need", b.p, b.person["group"][row[goal_plan]][in_period], q0[in_period], q1[in_period]
    )
    kept = rng.random(g) < q1
    goal_plan, goal_need = goal_plan[kept], goal_need[kept]
    g = len(goal_plan)
    goal_id = b.ids.take("assessment_plangoal", g)
    current_goal = ~replaced[goal_plan]
    goal_status = np.where(
        current_goal | (rng.random(g) >= params.GOAL_ACHIEVED_BY_REVIEW),
        GoalStatus.ACTIVE.value,
        GoalStatus.ACHIEVED.value,
    )
    target = made_day[goal_plan] + rng.integers(90, 271, g)
    # A goal cites what the conversation found: a topic of the plan's assessment, discussed.
    topics, _ = _of(built, "assessment_diversitytopic", "id", "assessment_id", "topic", "status")
    first_topic = np.searchsorted(topics["assessment_id"], assessment_id[goal_plan])
    pick = first_topic + rng.integers(0, len(TOPICS), g)
    pick = np.minimum(pick, max(len(topics["id"]) - 1, 0))
    cites = (rng.random(g) < params.GOAL_CITES_TOPIC) & (len(topics["id"]) > 0)
    if len(topics["id"]):
        cites &= (topics["assessment_id"][pick] == assessment_id[goal_plan]) & (
            topics["status"][pick] == TopicStatus.DISCUSSED.value
        )
    goal_topic = np.where(cites, topics["id"][pick] if len(topics["id"]) else 0, 0)
    goal_at = as_datetimes(made_at[goal_plan])
    goal_by = made_by[goal_plan]
    title = np.array([GOALS[x][0] for x in goal_need.tolist()], dtype=object)
    goals = Table(
        "assessment_plangoal",
        {
            "id": goal_id,
            "plan_id": plan_id[goal_plan],
            "title": title,
            "need": goal_need,
            "related_needs": np.full(g, "[]"),
            "status": goal_status,
            "status_note": np.full(g, ""),
            "target_date": as_dates(target),
            "topic_id": goal_topic,
            "created_by_id": goal_by,
            "created_at": goal_at,
            "changed_by_id": goal_by,
            "changed_at": goal_at,
        },
        nulls={"topic_id": ~cites},
    )

    # Steps: the person's, sometimes the practitioner's, and on a current plan the referral for the need.
    both = rng.random(g) < params.PRACTITIONER_STEP_SHARE
    u = rng.random((g, 2))
    referral, _ = _of(built, "cases_referral", "id", "person_id", "service_area")
    referral_of = {
        (int(p), str(area)): int(r)
        for r, p, area in zip(
            referral["id"].tolist(),
            referral["person_id"].tolist(),
            referral["service_area"].tolist(),
            strict=True,
        )
    }
    service = np.array(
        [
            referral_of.get((int(p), AREA_OF_NEED.get(str(need), "")), 0) if current else 0
            for p, need, current in zip(
                person_id[goal_plan].tolist(), goal_need.tolist(), current_goal.tolist(), strict=True
            )
        ],
        dtype=np.int64,
    )
    achieved = goal_status == GoalStatus.ACHIEVED.value

    def status(draw: np.ndarray) -> np.ndarray:
        return np.where(
            achieved,
            StepStatus.COMPLETED.value,
            np.select(
                [draw < 0.3, draw < 0.8],
                [StepStatus.NOT_STARTED.value, StepStatus.IN_PROGRESS.value],
                StepStatus.COMPLETED.value,
            ),
        )

    step_goal = np.concatenate([np.arange(g), np.flatnonzero(both), np.flatnonzero(service > 0)])
    step_actor = np.concatenate(
        [
            np.full(g, Actor.PERSON.value),
            np.full(int(both.sum()), Actor.PRACTITIONER.value),
            np.full(int((service > 0).sum()), Actor.SERVICE.value),
        ]
    )
    step_text = np.concatenate(
        [
            np.array([GOALS[x][1] for x in goal_need.tolist()], dtype=object),
            np.array([GOALS[x][2] for x in goal_need[both].tolist()], dtype=object),
            np.full(int((service > 0).sum()), SERVICE_STEP, dtype=object),
        ]
    )
    step_status = np.concatenate(
        [status(u[:, 0]), status(u[:, 1])[both], np.full(int((service > 0).sum()), "")]
    )
    step_referral = np.concatenate([np.zeros(g + int(both.sum()), np.int64), service[service > 0]])
    order = np.lexsort((np.arange(len(step_goal)), step_goal))
    step_goal, step_actor, step_text = step_goal[order], step_actor[order], step_text[order]
    step_status, step_referral = step_status[order], step_referral[order]
    s = len(step_goal)
    steps = Table(
        "assessment_planstep",
        {
            "id": b.ids.take("assessment_planstep", s),
            "goal_id": goal_id[step_goal],
            "description": step_text,
            "actor": step_actor,
            "status": step_status,
            "referral_id": step_referral,
            "created_by_id": goal_by[step_goal],
            "created_at": goal_at[step_goal],
            "changed_by_id": goal_by[step_goal],
            "changed_at": goal_at[step_goal],
        },
        nulls={"referral_id": step_referral == 0},
    )

    # Agreement: asked when the plan is made or at a later appointment, while it is still the current plan.
    goal_count = np.bincount(goal_plan, minlength=k)
    later = rng.random(k) >= params.AGREED_WHEN_MADE
    asked_at = made_at + np.where(later, rng.integers(1, 15, k) * DAY, rng.integers(600, 3600, k))
    asked_day = np.floor_divide(asked_at, DAY)
    asked = (goal_count > 0) & (asked_day <= b.last_outcome_day) & ~(replaced & (asked_at >= replaced_at))
    p0 = np.full(k, params.PLAN_AGREED)
    p1 = with_odds(p0, b.bias_for("plan_agreed", period.month(np.clip(asked_day, 0, period.end_day)), row))
    counted = (made_day >= period.start_day) & (made_day <= period.end_day) & (goal_count > 0)
    b.truth.add("plan_agreed", b.p, b.person["group"][row[counted]], p0[counted], p1[counted])
    draw = rng.random(k)
    answer = np.where(
        draw < p1,
        AgreementAnswer.AGREED.value,
        np.where(
            rng.random(k) < 0.6, AgreementAnswer.DISAGREES.value, AgreementAnswer.COULD_NOT_ANSWER.value
        ),
    )
    yes = np.flatnonzero(asked)
    recorder: Callable[[np.ndarray, np.ndarray], np.ndarray] = b.recorder
    asked_by = recorder(row[yes], asked_day[yes]) if len(yes) else np.zeros(0, np.int64)
    snapshots = _snapshots(k, goal_plan, goals.columns, step_goal, steps.columns, goal_topic, topics)
    agreements = Table(
        "assessment_planagreement",
        {
            "id": b.ids.take("assessment_planagreement", len(yes)),
            "plan_id": plan_id[yes],
            "version": np.ones(len(yes), np.int64),
            "answer": answer[yes],
            "details": np.select(
                [
                    answer[yes] == AgreementAnswer.DISAGREES.value,
                    answer[yes] == AgreementAnswer.COULD_NOT_ANSWER.value,
                ],
                [DISAGREES, COULD_NOT_ANSWER],
                "",
            ),
            "recorded_by_id": asked_by,
            "recorded_at": as_datetimes(asked_at[yes]),
            "snapshot": np.array(snapshots, dtype=object)[yes],
        },
    )
    kind_label = np.where(a["kind"][idx] == AssessmentKind.REVIEW.value, "review", "initial assessment")
    summary = np.char.add("Plan made from the ", kind_label)
    change_plan = np.concatenate([np.arange(k), yes])
    change_at = np.concatenate([made_at, asked_at[yes]])
    order = np.lexsort((np.arange(len(change_plan)), change_plan))
    labels = dict(AgreementAnswer.choices)
    changes = Table(
        "assessment_planchange",
        {
            "id": b.ids.take("assessment_planchange", len(change_plan)),
            "plan_id": plan_id[change_plan[order]],
            "version": np.ones(len(change_plan), np.int64),
            "kind": np.concatenate(
                [np.full(k, PlanChangeKind.MADE.value), np.full(len(yes), PlanChangeKind.AGREEMENT.value)]
            )[order],
            "summary": np.concatenate(
                [
                    summary.astype(object),
                    np.array([str(labels[x]) for x in answer[yes].tolist()], dtype=object),
                ]
            )[order],
            "by_id": np.concatenate([made_by, asked_by])[order],
            "at": as_datetimes(change_at[order]),
        },
    )
    plans = Table(
        "assessment_sentenceplan",
        {
            "id": plan_id,
            "person_id": person_id,
            "assessment_id": assessment_id,
            "sentence_id": a["sentence_id"][idx],
            "previous_id": np.where(has_previous, plan_id[np.maximum(previous, 0)], 0),
            "made_by_id": made_by,
            "made_at": as_datetimes(made_at),
            "version": np.ones(k, np.int64),
            "review_on": as_dates(review_on),
            "replaced_at": as_datetimes(replaced_at),
        },
        nulls={
            "previous_id": ~has_previous,
            "replaced_at": ~replaced,
            "sentence_id": a_null["sentence_id"][idx],
        },
    )
    return [plans, goals, steps, agreements, changes]


def _snapshots(
    k: int,
    goal_plan: np.ndarray,
    goals: dict[str, Any],
    step_goal: np.ndarray,
    steps: dict[str, Any],
    goal_topic: np.ndarray,
    topics: dict[str, np.ndarray],
) -> list[str]:
    """Each plan's goals and steps as ``services.plans.snapshot`` gives them (version 1), written as
    ``json.dumps`` writes them: each distinct text encoded once (goals and steps are drawn from a few texts)."""
    encode = _Encoder()
    topic_of = dict(zip(topics["id"].tolist(), topics["topic"].tolist(), strict=True))
    step_lists: list[list[str]] = [[] for _ in range(len(goal_plan))]
    for gi, text, actor, ref in zip(
        step_goal.tolist(),
        steps["description"].tolist(),
        steps["actor"].tolist(),
        steps["referral_id"].tolist(),
        strict=True,
    ):
        step_lists[gi].append(
            f'{{"description": {encode(text)}, "actor": {encode(actor)}, "referral": {ref or "null"}}}'
        )
    plan_goals: list[list[str]] = [[] for _ in range(k)]
    for gi, (p, title, need, status, target, topic) in enumerate(
        zip(
            goal_plan.tolist(),
            goals["title"].tolist(),
            goals["need"].tolist(),
            goals["status"].tolist(),
            goals["target_date"].tolist(),
            goal_topic.tolist(),
            strict=True,
        )
    ):
        plan_goals[p].append(
            f'{{"title": {encode(title)}, "need": {encode(need)}, "related_needs": [], '
            f'"status": {encode(status)}, "target_date": "{target}", "topic": {encode(topic_of.get(topic))}, '
            f'"steps": [{", ".join(step_lists[gi])}]}}'
        )
    return [f'{{"version": 1, "goals": [{", ".join(listed)}]}}' for listed in plan_goals]


class _Encoder(dict[Any, str]):
    """A text (or None) as JSON, encoded once."""

    def __missing__(self, key: Any) -> str:
        self[key] = json.dumps(key)
        return self[key]

    def __call__(self, key: Any) -> str:
        return self[key]


# --- pre-sentence reports -------------------------------------------------------------------------------------


def _reports(b: Any, built: list[Table]) -> list[Table]:
    rng = _own_rng(b.rng, 3)
    period, s = b.period, b.sentence
    n = len(s["id"])
    kind, start = s["kind"], s["start"]
    share = np.select([kind == "CO", kind == "SSO", kind == "CUS"], list(params.PSR_SHARE.values()), 0.0)
    u = rng.random(n)
    chosen = (
        np.isin(kind, CONVICTIONS) & (start >= period.start_day) & (start <= b.last_outcome_day) & (u < share)
    )
    rows = np.flatnonzero(chosen)
    m = len(rows)
    if m == 0:
        return []
    hearing = start[rows]
    fmt = np.array(list(params.PSR_FORMATS))[
        rng.choice(len(params.PSR_FORMATS), m, p=np.array(list(params.PSR_FORMATS.values())))
    ]
    before = np.select(
        [fmt == ReportFormat.FAST_ORAL.value, fmt == ReportFormat.FAST_SHORT.value],
        [np.zeros(m, np.int64), rng.integers(0, 4, m)],
        rng.integers(10, 22, m),
    )
    started = hearing - before

    # The proposal: custody with the probability the sentence passed gives (bias included), else mostly the
    # order passed.
    base = {k: v for k, v in params.PSR_CUSTODY.items()}
    p0 = np.array([base[x] for x in kind[rows].tolist()])
    rosh = s["rosh"][rows]
    p0 = np.clip(p0 + np.where(np.isin(rosh, ["H", "V"]), params.PSR_CUSTODY_HIGH_ROSH, 0.0), 0.0, 0.99)
    p1 = with_odds(p0, b.bias_for("psr_custody", period.month(hearing), rows))
    b.truth.add("psr_custody", b.p, b.person["group"][rows], p0, p1)
    draw, other = rng.random(m), rng.random(m)
    community_share = np.select(
        [kind[rows] == "CO", kind[rows] == "SSO"], [0.88, 0.25], 0.4
    )  # of the non-custodial proposals
    proposal = np.where(
        draw < p1,
        Proposal.CUSTODY.value,
        np.where(other < community_share, Proposal.COMMUNITY.value, Proposal.SUSPENDED.value),
    )

    # The offences on the sentence: the main one, and the second as another offence of the case.
    offence, _ = _of(built, "cases_offence", "id", "sentence_id", "is_main", "category")
    sentence_ids = s["id"][rows]
    on = np.isin(offence["sentence_id"], sentence_ids)
    off_id, off_sentence, off_main = offence["id"][on], offence["sentence_id"][on], offence["is_main"][on]
    main_of = dict(zip(off_sentence[off_main].tolist(), off_id[off_main].tolist(), strict=True))
    main_offence = np.array([main_of[x] for x in sentence_ids.tolist()], dtype=np.int64)
    report_of_sentence = dict(zip(sentence_ids.tolist(), range(m), strict=True))
    other_report = np.array([report_of_sentence[x] for x in off_sentence[~off_main].tolist()], dtype=np.int64)
    other_offence = off_id[~off_main]

    # The requirements of the order passed (those proposed, for a community or suspended proposal).
    req, _ = _of(built, "cases_requirement", "sentence_id", "type")
    req_lists: dict[int, list[str]] = {}
    for sid, t in zip(req["sentence_id"].tolist(), req["type"].tolist(), strict=True):
        if sid in report_of_sentence:
            req_lists.setdefault(sid, []).append(t)
    requirements = np.array(
        [
            json.dumps(sorted(set(req_lists.get(sid, []))) if p != Proposal.CUSTODY.value else [])
            for sid, p in zip(sentence_ids.tolist(), proposal.tolist(), strict=True)
        ],
        dtype=object,
    )

    # Previous convictions as the record holds them on the day of the hearing; the risk review in force.
    person_id = b.person["id"][rows]
    sentences, _ = _of(built, "cases_sentence", "id", "person_id", "type", "start_date", "court")
    court = sentences["court"][np.searchsorted(sentences["id"], sentence_ids)]
    convicted = np.isin(sentences["type"], CONVICTIONS)
    earlier: dict[int, list[tuple[int, int]]] = {}
    for sid, pid, day in zip(
        sentences["id"][convicted].tolist(),
        sentences["person_id"][convicted].tolist(),
        _days(sentences["start_date"][convicted]).tolist(),
        strict=True,
    ):
        earlier.setdefault(pid, []).append((day, sid))
    convictions = np.array(
        [
            sum(1 for day, other_id in earlier.get(pid, []) if day < h and other_id != sid)
            for pid, h, sid in zip(person_id.tolist(), hearing.tolist(), sentence_ids.tolist(), strict=True)
        ],
        dtype=np.int64,
    )
    risk, _ = _of(built, "cases_risksummary", "id", "person_id", "assessed_on")
    order = np.lexsort((risk["id"], _days(risk["assessed_on"]), risk["person_id"]))
    r_person, r_day, r_id = risk["person_id"][order], _days(risk["assessed_on"])[order], risk["id"][order]
    key = r_person.astype(np.int64) * 100_000 + r_day
    at = np.searchsorted(key, person_id.astype(np.int64) * 100_000 + hearing, side="right") - 1
    found = (at >= 0) & (r_person[np.maximum(at, 0)] == person_id) if len(key) else np.zeros(m, bool)
    review = np.where(found, r_id[np.maximum(at, 0)] if len(key) else 0, 0)

    # Who wrote it: the practitioner the case went to, if in post when it was begun; else their team's SPO.
    practitioner = b.practitioner[rows]
    where = np.searchsorted(b.org.staff_ids, practitioner)
    in_post = (b.org.staff_start[where] <= started) & (
        (b.org.staff_end[where] < 0) | (b.org.staff_end[where] >= hearing)
    )
    spo = b.org.spo_of(practitioner)
    author = np.where(in_post, practitioner, spo)
    grade = b.org.staff_grade[np.searchsorted(b.org.staff_ids, author)]
    high = np.isin(rosh, ["H", "V"])
    dangerous = (
        (proposal == Proposal.CUSTODY.value)
        & high
        & np.isin(s["offence"][rows], DANGEROUS_OFFENCES)
        & (grade != "SPO")
    )
    sign_off = dangerous | ((grade == "PSO") & high)
    delivered_at = b.local.utc(hearing, rng.integers(9 * HOUR, 12 * HOUR, m))

    diversity = _diversity(b, built, rows, hearing)
    facts = 2 + np.bincount(other_report, minlength=m) + np.where(found, 4, 0)
    # Typed, as ``_recount`` counts: the court and hearing, the sources, the four texts, the proposal, its
    # rationale and alternatives (and its requirements, if any); the diversity section is carried.
    typed_count = 2 + 1 + 4 + 3
    requirement_fields = np.array([x != "[]" for x in requirements.tolist()], dtype=np.int64)
    report_id = b.ids.take("assessment_presentencereport", m)
    report = Table(
        "assessment_presentencereport",
        {
            "id": report_id,
            "person_id": person_id,
            "court": court,
            "hearing_date": as_dates(hearing),
            "main_offence_id": main_offence,
            "format": fmt,
            "author_id": author,
            "status": np.full(m, "delivered"),
            "version": np.ones(m, np.int64),
            "corrects_id": np.zeros(m, np.int64),
            "started_on": as_dates(started),
            "submitted_at": as_datetimes(delivered_at - HOUR),
            "delivered_on": as_dates(hearing),
            "delivered_at": as_datetimes(delivered_at),
            "dangerousness": dangerous,
            "named_spo_id": spo,
            "signed_off_by_id": spo,
            "sections_done": np.full(m, SECTIONS_DONE),
            "sources": np.full(m, json.dumps(SOURCES)),
            "sources_other": np.full(m, ""),
            "offence_analysis": np.full(m, REPORT_TEXTS["offence_analysis"]),
            "circumstances": np.full(m, REPORT_TEXTS["circumstances"]),
            "diversity": np.array([json.dumps(d) for d in diversity], dtype=object),
            "risk_review_id": review,
            "assessment_id": np.zeros(m, np.int64),
            "protective_factors": np.full(m, REPORT_TEXTS["protective_factors"]),
            "risk_analysis": np.full(m, REPORT_TEXTS["risk_analysis"]),
            "proposal": proposal,
            "requirements": requirements,
            "rationale": np.array([RATIONALE[Proposal(x)] for x in proposal.tolist()], dtype=object),
            "alternatives": np.array([ALTERNATIVES[Proposal(x)] for x in proposal.tolist()], dtype=object),
            "previous_convictions": convictions,
            "carried": np.array(
                [json.dumps({f"diversity:{f}": t for f, t in d.items()}) for d in diversity], dtype=object
            ),
            "prefilled_fields": facts + np.array([len(d) for d in diversity], dtype=np.int64),
            "typed_fields": typed_count + requirement_fields,
            "counted_task_id": np.zeros(m, np.int64),
        },
        nulls={
            "corrects_id": np.ones(m, bool),
            "submitted_at": ~sign_off,
            "named_spo_id": ~dangerous,
            "signed_off_by_id": ~sign_off,
            "risk_review_id": ~found,
            "assessment_id": np.ones(m, bool),
            "counted_task_id": np.ones(m, bool),
        },
    )
    out = [report]
    if len(other_offence):
        order = np.lexsort((other_offence, other_report))
        out.append(
            Table(
                "assessment_presentencereport_other_offences",
                {
                    "id": b.ids.take("assessment_presentencereport_other_offences", len(other_offence)),
                    "presentencereport_id": report_id[other_report[order]],
                    "offence_id": other_offence[order],
                },
            )
        )
    return out


def _diversity(b: Any, built: list[Table], rows: np.ndarray, hearing: np.ndarray) -> list[dict[str, str]]:
    """The diversity section as ``diversity_prefill`` first writes it, from the profile and the record (no
    conversation yet: the assessment follows the sentence)."""
    person, _ = _of(built, "people_person", "id", "date_of_birth", "first_language", "interpreter_required")
    profile, _ = _of(built, "people_diversityprofile", "person_id", "ethnicity", "religion")
    at = np.searchsorted(person["id"], b.person["id"][rows])
    pat = np.searchsorted(profile["person_id"], b.person["id"][rows])
    born = person["date_of_birth"][at].astype("datetime64[D]")
    heard = hearing.astype("datetime64[D]")
    years = heard.astype("datetime64[Y]").astype(int) - born.astype("datetime64[Y]").astype(int)
    birthday_later = (heard - heard.astype("datetime64[Y]")) < (born - born.astype("datetime64[Y]"))
    age = years - birthday_later
    ethnicity, religion = dict(Ethnicity.choices), dict(Religion.choices)
    out = []
    for e, r, lang, interp, a in zip(
        profile["ethnicity"][pat].tolist(),
        profile["religion"][pat].tolist(),
        person["first_language"][at].tolist(),
        person["interpreter_required"][at].tolist(),
        age.tolist(),
        strict=True,
    ):
        texts = {}
        if e != Ethnicity.NOT_RECORDED:
            texts[DiversityFactor.ETHNICITY.value] = f"Recorded ethnicity: {ethnicity[e]}."
        if r != Religion.NOT_RECORDED:
            texts[DiversityFactor.RELIGION.value] = f"Recorded religion or belief: {religion[r]}."
        interpreter = " and needs an interpreter" if interp else ""
        texts[DiversityFactor.LANGUAGE.value] = f"First language {lang}{interpreter}."
        if a < 25:
            texts[DiversityFactor.MATURITY.value] = f"Aged {a} on the day of the hearing: a young adult."
        out.append(texts)
    return out
