"""Assessments with their sections and the diversity conversation, and each person's tier, for one PDU.

Each person's current sentence has an initial assessment (begun in the first days of the sentence, completed on
time or late as ``assessment_timely`` draws it), followed while the sentence runs by reviews, each due
``ASSESSMENT_REVIEW_MONTHS`` after the last one completed (``cases.todo``'s rule); of the reviews only
those begun in the 12 months of activity are kept, like the appointments. Item answers follow a latent need
profile drawn for each person from what the record says of them (offence, requirements, age, risk of serious
harm, domestic abuse); scores and needs are worked out by ``assessment.sections``. A review starts from the last
assessment, and keeps a share of sections as they were ("no change"). The diversity conversation is held in
full (every topic discussed) with the probability ``diversity_discussed`` draws, bias included; otherwise some
topics are discussed, some declined and some not yet, with the reason.

The tier is never drawn: each person's inputs are read from the generated tables as
``assessment.services.tiers`` reads them from the database (the latest risk review, open registrations, the
latest completed assessment, breach and recall, current sentences and their requirements) and worked out by
``assessment.tier``: one ``TierCalculation`` a person, so a recompute after loading finds nothing to change.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

import numpy as np

from evenhand.assessment import sections as S
from evenhand.assessment import tier as T
from evenhand.assessment.models import (
    AssessmentKind,
    AssessmentStatus,
    SectionSource,
    TierTrigger,
    Topic,
    TopicStatus,
)
from evenhand.cases.models import RECALLS, REVOCATIONS, Decision, RequirementStatus, TerminationReason
from evenhand.cases.todo import ASSESSMENT_REVIEW_MONTHS

from . import params
from .history import add_months
from .tables import Table, as_dates, as_datetimes

TOPICS = [t.value for t in Topic]
WORDS = {
    Topic.ETHNICITY: "Describes their ethnicity in their own words and what it means to them.",
    Topic.CULTURE: "Talked about their family's culture and what they keep of it.",
    Topic.RELIGION: "Said what their belief means to them and how they practise it.",
    Topic.DISCRIMINATION: "Described how they have been treated by the police, the courts and services.",
    Topic.LANGUAGE: "Said which language they are most at ease in and whether they want an interpreter.",
    Topic.NEURODIVERSITY: "Talked about how they learn best and what makes appointments hard.",
    Topic.CARING: "Described who they care for and when they cannot come in.",
    Topic.GENDER_IDENTITY: "Said how they describe their gender.",
}
NOT_YET_REASON = "Not the right time: to be discussed at the next appointment"
ANALYSIS = {
    S.Severity.NO_NEED.value: "No problems identified in this area.",
    S.Severity.STANDARD.value: "Some problems in this area, linked to the offending: a target for the plan.",
    S.Severity.SEVERE.value: "Significant problems in this area, closely linked to the offending: a priority.",
    S.Severity.UNSCORED.value: "Discussed with the person; see the answers.",
}
TEXT_ANALYSIS = {
    "offence_analysis": "The person's account of the offence, its context and how they see it now.",
    "health": "No health needs that affect supervision beyond those recorded in the sections.",
}
NEED_SECTIONS = S.NEED_SECTIONS
NEEDS = (S.Severity.STANDARD.value, S.Severity.SEVERE.value)
BREACH_OR_RECALL = [Decision.BREACH.value, *(r.value for r in RECALLS)]
ENDED_BY_BREACH_OR_RECALL = [*(r.value for r in REVOCATIONS), TerminationReason.RECALLED.value]
COMPUTED_REASON = "Computed from the record"
IOM = "iom"  # the registration that makes the person an integrated offender management nominal


def expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class TierMemo:
    """Tiers already worked out, by their inputs: a national dataset has far fewer distinct inputs than people.
    Each holds the result and its inputs and working as the JSON a ``TierCalculation`` stores."""

    done: dict[tuple[Any, ...], tuple[T.TierResult, str, str]] = field(default_factory=dict)
    # By the inputs with RSR and OGRS as the points they score: the result, its JSON and the RSR and OGRS it was
    # worked out with (they appear in the JSON only as themselves, so another RSR or OGRS is a replacement).
    alike: dict[tuple[Any, ...], tuple[T.TierResult, str, str, str | None, int | None]] = field(
        default_factory=dict
    )

    def compute_fast(self, key: tuple[Any, ...]) -> tuple[T.TierResult, str, str]:
        """``compute(key)``, working the calculation out once for inputs that differ only in an RSR of the same
        band or an OGRS of the same tens (nearly every person has an RSR and an OGRS of their own)."""
        rsr, ogrs = key[1], key[6]
        coarse = (*key[:1], None if rsr is None else T._rsr_points(Decimal(rsr)), *key[2:6])
        coarse += (None if ogrs is None else ogrs // 10, *key[7:])
        if coarse not in self.alike:
            self.alike[coarse] = (*self.compute(key), rsr, ogrs)
        result, inputs_json, lines_json, rsr0, ogrs0 = self.alike[coarse]
        if rsr != rsr0:
            inputs_json = inputs_json.replace(f'"rsr": "{rsr0}", ', f'"rsr": "{rsr}", ', 1)
            lines_json = lines_json.replace(f'"label": "RSR: {rsr0}", ', f'"label": "RSR: {rsr}", ', 1)
        if ogrs != ogrs0:
            inputs_json = inputs_json.replace(f'"ogrs": {ogrs0}, ', f'"ogrs": {ogrs}, ', 1)
            lines_json = lines_json.replace(f'"label": "OGRS: {ogrs0}", ', f'"label": "OGRS: {ogrs}", ', 1)
        return result, inputs_json, lines_json

    def compute(self, key: tuple[Any, ...]) -> tuple[T.TierResult, str, str]:
        """The tier for ``key``: (RoSH, RSR as text, MAPPA level, registration types, female, needs as
        (section, severity) pairs or None, OGRS, parenting, impulsivity or temper, breach or recall, mandate,
        IOM nominal)."""
        if key not in self.done:
            (
                rosh,
                rsr,
                mappa,
                registrations,
                female,
                needs,
                ogrs,
                parenting,
                impulsive,
                breached,
                mandate,
                iom,
            ) = key
            given = T.TierInputs(
                rosh=rosh,
                rsr=None if rsr is None else Decimal(rsr),
                mappa_level=mappa,
                registrations=registrations,
                female=female,
                needs=None if needs is None else dict(needs),
                ogrs=ogrs,
                parenting_responsibilities=parenting,
                impulsivity_or_temper=impulsive,
                previous_breach_or_recall=breached,
                iom_nominal=iom,
                mandate_for_change=mandate,
            )
            result = T.calculate(given)
            lines = [
                {
                    "level": ln.level,
                    "label": ln.label,
                    "points": ln.points,
                    "counted": ln.counted,
                    "note": ln.note,
                }
                for ln in result.lines
            ]
            self.done[key] = (result, json.dumps(_as_record(given)), json.dumps(lines))
        return self.done[key]


def _as_record(given: T.TierInputs) -> dict[str, Any]:
    """``given.as_record()`` without ``dataclasses.asdict``'s deep copy (a tenth of a tier's time): every value
    is a scalar, or replaced as ``as_record`` replaces it."""
    stored = {f.name: getattr(given, f.name) for f in fields(given)}
    stored["rsr"] = None if given.rsr is None else str(given.rsr)
    stored["registrations"] = sorted(given.registrations)
    stored["needs"] = None if given.needs is None else dict(sorted(given.needs.items()))
    return stored


def latent_needs(
    b: Any, drawn: tuple[np.ndarray, np.ndarray], kind: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Each person's tendency to problems in each answered section (people by sections, on the logit scale)."""
    rng, s, n = b.rng, b.sentence, len(kind)
    offence = s["offence"]
    rank = np.select([s["rosh"] == x for x in "MHV"], [1, 2, 3], 0)
    rows, types = drawn
    has = {}
    for requirement in ("drug_treatment", "alcohol_treatment", "mental_health"):
        has[requirement] = np.zeros(n)
        has[requirement][rows[types == requirement]] = 1.0
    young = (age < 25).astype(float)
    history = s["tier_number"].astype(float)
    released = np.isin(kind, ["LIC", "PSS"]).astype(float)
    drivers = {
        "accommodation": 0.4 * young + 0.7 * released + 0.2 * history,
        "ete": 0.4 * young + 0.3 * history,
        "finance": 0.6 * np.isin(offence, ["theft", "fraud", "burglary"]) + 0.2 * history,
        "relationships": 1.2 * b.flags["domestic_abuse"] + 0.2 * history,
        "lifestyle": 0.6 * young + 0.35 * history,
        "drugs": 1.8 * has["drug_treatment"] + 0.9 * np.isin(offence, ["drugs", "theft", "burglary"]),
        "alcohol": 1.8 * has["alcohol_treatment"]
        + 0.5 * np.isin(offence, ["violence", "public_order", "motoring"]),
        "wellbeing": 1.5 * has["mental_health"] + 0.2 * rank,
        "thinking": 0.35 * rank + 0.4 * young + 0.3 * (offence == "violence"),
        "attitudes": 0.25 * history + 0.2 * rank,
    }
    person = rng.normal(0, 0.6, n)
    return np.column_stack(
        [
            params.NEED_BASE[sec.key] + drivers[sec.key] + person + rng.normal(0, 0.7, n)
            for sec in NEED_SECTIONS
        ]
    )


def draw_items(rng: np.random.Generator, z: np.ndarray, female: np.ndarray) -> list[np.ndarray]:
    """Item answers from each assessment's latent need: one array a section, assessments by items. A scale item
    is 1 or more with probability expit(need), 2 with expit(need - 2); a yes/no item is 2 with expit(need - 1);
    parenting responsibilities (6.9) are drawn by sex, not need."""
    answers = []
    for j, sec in enumerate(NEED_SECTIONS):
        k = len(sec.items)
        u = rng.random((len(z), k))
        level = z[:, j : j + 1] + rng.normal(0, 0.5, (len(z), k))
        values = (u < expit(level)).astype(np.int64) + (u < expit(level - 2.0))
        for i, item in enumerate(sec.items):
            if item.code == S.PARENTING_ITEM:
                share = np.where(female, params.PARENTING_SHARE["F"], params.PARENTING_SHARE["M"])
                values[:, i] = np.where(u[:, i] < share, 2, 0)
            elif item.kind == S.ItemKind.YES_NO:
                values[:, i] = np.where(u[:, i] < expit(level[:, i] - 1.0), 2, 0)
        answers.append(values)
    return answers


def _json_answers(sec: S.Section, values: np.ndarray) -> np.ndarray:
    """Each row's answers as the JSON object a section stores (item code → 0, 1 or 2)."""
    out = np.full(len(values), "{", dtype=object)
    for i, item in enumerate(sec.items):
        out = out + f'{", " if i else ""}"{item.code}": ' + values[:, i].astype("<U1").astype(object)
    return out + "}"


def _flag(values: np.ndarray) -> np.ndarray:
    return np.where(values, "true", "false").astype(object)


@dataclass
class Drawn:
    """Every assessment of the PDU (in the order drawn: initial ones by person, then each round of reviews)."""

    row: np.ndarray  # the person's row
    kind: np.ndarray
    start: np.ndarray
    end: np.ndarray  # completion day (drawn even when not reached)
    finished: np.ndarray
    previous: np.ndarray  # index of the assessment a review starts from, -1 for none


def _chain(b: Any, start: np.ndarray, termination: np.ndarray) -> Drawn:
    """The initial assessments, as the summaries were drawn (on time or late, by the bias of
    ``assessment_timely``), then the reviews."""
    rng, period, last = b.rng, b.period, b.last_outcome_day
    n = len(start)
    started = np.minimum(start + rng.integers(0, 4, n), last)
    from .caseload import with_odds  # the generator's odds arithmetic (caseload imports this module)

    p0 = np.full(n, params.ASSESSMENT_TIMELY)
    p1 = with_odds(p0, b.bias_for("assessment_timely", period.month(started)))
    timely = rng.random(n) < p1
    working_days = np.where(timely, rng.integers(2, 16, n), rng.integers(16, 45, n))
    completed = np.busday_offset(started.astype("datetime64[D]"), working_days, roll="forward").astype(
        np.int64
    )
    done = (completed <= last) & ~((termination >= 0) & (completed > termination))
    in_period = started >= period.start_day
    b.truth.add("assessment_timely", b.p, b.person["group"][in_period], p0[in_period], p1[in_period])

    running_to = np.where(termination >= 0, np.minimum(termination, last), last)
    parts = [
        (np.arange(n), np.full(n, AssessmentKind.INITIAL.value), started, completed, done, np.full(n, -1))
    ]
    current = np.arange(n)  # each person's latest kept finished assessment
    latest_done, alive, count = completed.copy(), done.copy(), n
    for _ in range(params.ASSESSMENT_MAX_REVIEWS):
        due = add_months(latest_done, ASSESSMENT_REVIEW_MONTHS)
        begun = due + rng.integers(*params.ASSESSMENT_REVIEW_START_DAYS, n)
        days = rng.integers(*params.ASSESSMENT_REVIEW_WORKING_DAYS, n)
        alive &= begun <= running_to
        if not alive.any():
            break
        ended = np.busday_offset(begun.astype("datetime64[D]"), days, roll="forward").astype(np.int64)
        fin = alive & (ended <= running_to)
        open_ = alive & ~fin & (termination < 0)
        where = np.flatnonzero((fin | open_) & (begun >= period.start_day))
        parts.append(
            (
                where,
                np.full(len(where), AssessmentKind.REVIEW.value),
                begun[where],
                ended[where],
                fin[where],
                current[where],
            )
        )
        current = current.copy()
        current[where[fin[where]]] = count + np.flatnonzero(fin[where])
        count += len(where)
        latest_done = np.where(fin, ended, latest_done)
        alive = fin  # an open review, or one the sentence's end cut short, ends the chain
    return Drawn(*(np.concatenate([p[i] for p in parts]) for i in range(6)))


def build(
    b: Any,
    *,
    start: np.ndarray,
    termination: np.ndarray,
    sentence_id: np.ndarray,
    person_id: np.ndarray,
    assessor: np.ndarray,
    kind: np.ndarray,
    sex: np.ndarray,
    age: np.ndarray,
    drawn: tuple[np.ndarray, np.ndarray],
    recorder: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> list[Table]:
    """The PDU's assessments, their sections and conversations. ``b`` is the ``CaseloadBuilder`` (random
    numbers, period, ids, bias and truth)."""
    rng, period = b.rng, b.period
    from .caseload import with_odds

    a = _chain(b, start, termination)
    m = len(a.row)
    review = a.previous >= 0
    prev = np.maximum(a.previous, 0)

    # The conversation: held in full or in part; bias acts on the odds of holding it (month of completion).
    d0 = np.full(m, params.DIVERSITY_DISCUSSED)
    d1 = with_odds(
        d0, b.bias_for("diversity_discussed", period.month(np.minimum(a.end, period.end_day)), a.row)
    )
    counted = a.finished & (a.end >= period.start_day) & (a.end <= period.end_day)
    b.truth.add("diversity_discussed", b.p, b.person["group"][a.row][counted], d0[counted], d1[counted])
    held = rng.random(m) < d1
    u = rng.random((m, len(TOPICS)))
    topic_status = np.where(
        held[:, None] | (u < params.TOPIC_DISCUSSED_IF_NOT_HELD),
        TopicStatus.DISCUSSED.value,
        np.where(
            u < params.TOPIC_DISCUSSED_IF_NOT_HELD + params.TOPIC_DECLINED_IF_NOT_HELD,
            TopicStatus.DECLINED.value,
            TopicStatus.NOT_YET.value,
        ),
    )
    # Not held: at least one topic is left (discrimination, the one the inspectorate found most often left out).
    left = ~held & (topic_status == TopicStatus.DISCUSSED.value).all(axis=1)
    topic_status[left, TOPICS.index(Topic.DISCRIMINATION)] = TopicStatus.NOT_YET.value
    _topic_bias(b, a, d0, d1, counted, topic_status)
    # An open review holds what the last assessment recorded, not yet revisited.
    carried_over = review & ~a.finished
    topic_status[carried_over] = topic_status[prev[carried_over]]

    # Predictors: OGRS from age and history, RSR from the risk of serious harm; a review carries them.
    s = b.sentence
    n = len(start)
    rank = np.select([s["rosh"] == x for x in "MHV"], [1, 2, 3], 0)
    ogrs_person = np.clip(
        np.round(100 * expit(-0.9 + 0.45 * s["tier_number"] + 0.7 * (age < 25) + rng.normal(0, 0.8, n))),
        1,
        99,
    ).astype(np.int64)
    rsr_median = np.array(params.RSR_MEDIAN)[rank]
    rsr_person = np.clip(np.round(np.exp(rng.normal(np.log(rsr_median), 0.45)), 2), 0.05, 99.0)
    ogrs, rsr = ogrs_person[a.row], np.char.mod("%.2f", rsr_person)[a.row]

    # Sections: the latent needs, a little lower at a review; a review keeps some sections as they were.
    z = latent_needs(b, drawn, kind, age)
    female = sex == "F"
    items = draw_items(rng, z[a.row] - params.REVIEW_IMPROVEMENT * review[:, None], female[a.row])
    harm = [rng.random(m) < params.LINKED_TO_HARM_BASE + 0.15 * rank[a.row] for _ in NEED_SECTIONS]
    reoffending = [rng.random(m) for _ in NEED_SECTIONS]
    same = review[:, None] & (
        (rng.random((m, len(NEED_SECTIONS))) < params.SECTION_UNCHANGED_AT_REVIEW) | carried_over[:, None]
    )
    scores, severities = [], []
    for j, sec in enumerate(NEED_SECTIONS):
        # A review comes after what it reviews, so repeating the copy carries answers down a chain.
        keep = np.flatnonzero(same[:, j])
        for _ in range(params.ASSESSMENT_MAX_REVIEWS + 1):
            if np.array_equal(items[j][keep], items[j][prev[keep]]):
                break
            items[j][keep] = items[j][prev[keep]]
            harm[j][keep] = harm[j][prev[keep]]
            reoffending[j][keep] = reoffending[j][prev[keep]]
        scored = np.array([item.scored for item in sec.items])
        score = items[j][:, scored].sum(axis=1)
        scores.append(score)
        severities.append(np.array([S.severity(sec, x).value for x in range(sec.maximum + 1)])[score])
    # Linked to reoffending: most needs, a few others; to risk of serious harm: some needs, more at higher risk.
    linked = [
        (np.isin(severities[j], NEEDS) & (reoffending[j] < 0.85)) | (reoffending[j] < 0.05)
        for j in range(len(NEED_SECTIONS))
    ]
    harm = [np.isin(severities[j], NEEDS) & harm[j] for j in range(len(NEED_SECTIONS))]

    # Who assessed: the case's holder when it began (the team's SPO before allocation); a PSO's high or very
    # high risk case is countersigned by the PSO's SPO.
    who = np.where(review, recorder(a.row, a.start), assessor[a.row])
    grade = b.org.staff_grade[np.searchsorted(b.org.staff_ids, who)]
    countersigned = a.finished & (grade == "PSO") & np.isin(s["rosh"][a.row], ["H", "V"])
    last_local = b.local.first + len(b.local.offsets) - 1
    completed_at = b.local.utc(np.clip(a.end, b.local.first, last_local), rng.integers(11, 17, m) * 3600)
    # Each person's latest finished assessment is complete, the earlier ones locked.
    by_completion = np.lexsort((np.arange(m), a.end, a.row))
    fin_sorted = by_completion[a.finished[by_completion]]
    latest = np.zeros(m, bool)
    if len(fin_sorted):
        latest[fin_sorted[np.r_[a.row[fin_sorted][1:] != a.row[fin_sorted][:-1], True]]] = True
    status = np.where(
        a.finished,
        np.where(latest, AssessmentStatus.COMPLETE.value, AssessmentStatus.LOCKED.value),
        AssessmentStatus.IN_PROGRESS.value,
    )

    # Ids in person order, each person's assessments by start.
    order = np.lexsort((np.arange(m), a.start, a.row))
    position = np.empty(m, np.int64)
    position[order] = np.arange(m)
    assessment_id = b.ids.take("assessment_assessment", m)
    id_of = assessment_id[position]
    topic_fields = np.select([topic_status == TopicStatus.DECLINED.value], [1], 2).sum(
        axis=1
    )  # status, and the words or the reason
    section_fields = sum(len(sec.items) + 3 for sec in NEED_SECTIONS) + len(TEXT_ANALYSIS)
    kept_fields = np.zeros(m, np.int64)
    for j, sec in enumerate(NEED_SECTIONS):
        kept_fields += same[:, j] * (len(sec.items) + 3)
    kept_fields += review * len(TEXT_ANALYSIS)  # the offence analysis and health, confirmed as they were
    carried_topics = np.where(carried_over, topic_fields, 0)
    prefilled = np.where(review, kept_fields + carried_topics + 2, 0)
    typed = np.where(a.finished | review, section_fields + topic_fields + 2 - prefilled, 2)
    null_unless_countersigned = ~countersigned[order]
    countersigner = np.zeros(m, np.int64)
    countersigner[countersigned] = b.org.spo_of(who[countersigned])
    tables_out = [
        Table(
            "assessment_assessment",
            {
                "id": assessment_id,
                "person_id": person_id[a.row][order],
                "sentence_id": sentence_id[a.row][order],
                "kind": a.kind[order],
                "status": status[order],
                "previous_id": id_of[prev][order],
                "assessor_id": who[order],
                "started_on": as_dates(a.start[order]),
                "submitted_at": as_datetimes(completed_at - 3600)[order],
                "completed_on": as_dates(a.end[order]),
                "completed_at": as_datetimes(completed_at)[order],
                "countersigned_by_id": countersigner[order],
                "countersigned_at": as_datetimes(completed_at)[order],
                "ogrs": ogrs[order],
                "rsr": rsr[order],
                "prefilled_fields": prefilled[order],
                "typed_fields": typed[order],
            },
            nulls={
                "previous_id": ~review[order],
                "submitted_at": null_unless_countersigned,
                "completed_on": ~a.finished[order],
                "completed_at": ~a.finished[order],
                "countersigned_by_id": null_unless_countersigned,
                "countersigned_at": null_unless_countersigned,
            },
        ),
        _sections(b, a, order, id_of, items, scores, severities, harm, linked, same, who, completed_at),
        _topics(b, a, order, id_of, topic_status, carried_over),
    ]
    latest_of_person = np.full(n, -1)
    latest_of_person[a.row[latest]] = np.flatnonzero(latest)
    # What the tier reads of each person's latest completed assessment, for ``tiers`` once the PDU is built.
    b.assessed = {
        "person_id": person_id,
        "female": female,
        "latest": latest_of_person,
        "items": items,
        "severities": severities,
        "ogrs": ogrs,
        "rsr": rsr,
    }
    return tables_out


def _topic_bias(
    b: Any, a: "Drawn", d0: np.ndarray, d1: np.ndarray, counted: np.ndarray, status: np.ndarray
) -> None:
    """A declared effect on one topic (``diversity_topic:<topic>``) moves the odds that the topic is discussed:
    the chance it is, q = P(held) + (1 - P(held)) * ``TOPIC_DISCUSSED_IF_NOT_HELD``, becomes q' = expit(logit q
    + log multiplier); a discussed topic is left "not yet" with probability 1 - q'/q, or one not discussed is
    discussed with probability (q' - q)/(1 - q). The draws come from a stream of their own and are made
    whatever the bias, so the rest of the data is drawn as it was."""
    from .caseload import with_odds
    from .recall import _own_rng

    rng, period = _own_rng(b.rng, 4), b.period
    m = len(a.row)
    w = rng.random((m, len(TOPICS)))
    month = period.month(np.minimum(a.end, period.end_day))
    share = params.TOPIC_DISCUSSED_IF_NOT_HELD
    q_unbiased, q_before = d0 + (1 - d0) * share, d1 + (1 - d1) * share
    groups = b.person["group"][a.row][counted]
    for t, topic in enumerate(TOPICS):
        measure = f"diversity_topic:{topic}"
        multiplier = b.bias_for(measure, month, a.row)
        q_after = with_odds(q_before, multiplier)
        b.truth.add(measure, b.p, groups, q_unbiased[counted], q_after[counted])
        if not (multiplier != 1.0).any():
            continue
        discussed = status[:, t] == TopicStatus.DISCUSSED.value
        lower = (q_after < q_before) & discussed & (w[:, t] >= q_after / q_before)
        higher = (q_after > q_before) & ~discussed & (w[:, t] < (q_after - q_before) / (1 - q_before))
        status[lower, t] = TopicStatus.NOT_YET.value
        status[higher, t] = TopicStatus.DISCUSSED.value


def _sections(b, a, order, id_of, items, scores, severities, harm, linked, same, who, saved_at) -> Table:
    """Every section of every finished assessment and of every open review (carried from the last one, not yet
    confirmed, as ``start_assessment`` carries them); an open initial assessment has none yet."""
    review = a.previous >= 0
    prev = np.maximum(a.previous, 0)
    carried_over = review & ~a.finished
    written = order[(a.finished | review)[order]]  # in id order
    k = len(written)
    parts: dict[str, list[Any]] = {}

    def add(**values: Any) -> None:
        for name, value in values.items():
            parts.setdefault(name, []).append(value)

    need_index = {sec.key: j for j, sec in enumerate(NEED_SECTIONS)}
    for number, sec in enumerate(S.SECTIONS):
        w = written
        if sec.items:
            j = need_index[sec.key]
            answers = _json_answers(sec, items[j][w])
            analysis = np.array([ANALYSIS[x] for x in severities[j][w].tolist()], dtype=object)
            previous = prev[w]
            before = _json_answers(sec, items[j][previous])
            prev_analysis = np.array([ANALYSIS[x] for x in severities[j][previous].tolist()], dtype=object)
            carried = np.array([text[:-1] for text in before.tolist()], dtype=object) + (
                ', "analysis": "'
                + prev_analysis
                + '", "harm": '
                + _flag(harm[j][previous])
                + ', "reoffending": '
                + _flag(linked[j][previous])
                + "}"
            )
            kept = same[w, j]
            add(
                answers=answers,
                score=scores[j][w],
                score_null=np.zeros(k, bool),
                severity=severities[j][w],
                harm=harm[j][w],
                reoffending=linked[j][w],
                analysis=analysis,
                fields=np.full(k, len(sec.items) + 3),
            )
        else:
            kept = review[w]  # the analysis confirmed as it was
            carried = np.full(k, json.dumps({"analysis": TEXT_ANALYSIS[sec.key]}), dtype=object)
            add(
                answers=np.full(k, "{}", dtype=object),
                score=np.zeros(k, np.int64),
                score_null=np.ones(k, bool),
                severity=np.full(k, S.Severity.UNSCORED.value),
                harm=np.zeros(k, bool),
                reoffending=np.zeros(k, bool),
                analysis=np.full(k, TEXT_ANALYSIS[sec.key], dtype=object),
                fields=np.ones(k, np.int64),
            )
        add(
            assessment=w,
            number=np.full(k, number),
            section=np.full(k, sec.key),
            links_null=np.full(k, not sec.items),
            carried=np.where(review[w], carried, "{}"),
            source=np.where(
                carried_over[w],
                SectionSource.PREFILLED.value,
                np.where(kept, SectionSource.NO_CHANGE.value, SectionSource.TYPED.value),
            ),
            kept=kept,
        )
    joined = {name: np.concatenate(values) for name, values in parts.items()}
    position = np.empty(len(order), np.int64)
    position[order] = np.arange(len(order))
    sort = np.lexsort((joined["number"], position[joined["assessment"]]))
    c = {name: values[sort] for name, values in joined.items()}
    i = c["assessment"]
    rows = len(i)
    done = a.finished[i]
    return Table(
        "assessment_sectionanswer",
        {
            "id": b.ids.take("assessment_sectionanswer", rows),
            "assessment_id": id_of[i],
            "section": c["section"],
            "answers": c["answers"],
            "score": c["score"],
            "severity": c["severity"],
            "linked_to_harm": c["harm"],
            "linked_to_reoffending": c["reoffending"],
            "analysis": c["analysis"],
            "complete": done,
            "source": c["source"],
            "carried": c["carried"],
            "prefilled_fields": np.where(c["kept"], c["fields"], 0),
            "typed_fields": np.where(c["kept"], 0, c["fields"]),
            "saved_by_id": who[i],
            "saved_at": as_datetimes(saved_at[i] - 1800),
        },
        nulls={
            "score": c["score_null"],
            "linked_to_harm": c["links_null"],
            "linked_to_reoffending": c["links_null"],
            "saved_by_id": ~done,
            "saved_at": ~done,
        },
    )


def _topics(b, a, order, id_of, status, carried_over) -> Table:
    """The eight topics of the conversation of every finished assessment and every open review (carried)."""
    written = order[(a.finished | (a.previous >= 0))[order]]
    k, t = len(written), len(TOPICS)
    i = np.repeat(written, t)
    st = status[written].reshape(-1)
    words = np.tile(np.array([WORDS[Topic(x)] for x in TOPICS], dtype=object), k)
    return Table(
        "assessment_diversitytopic",
        {
            "id": b.ids.take("assessment_diversitytopic", k * t),
            "assessment_id": id_of[i],
            "topic": np.tile(np.array(TOPICS), k),
            "status": st,
            "not_yet_reason": np.where(st == TopicStatus.NOT_YET.value, NOT_YET_REASON, ""),
            "in_their_words": np.where(st == TopicStatus.DISCUSSED.value, words, ""),
            "bearing_on_plan": np.full(k * t, ""),
            "carried": carried_over[i],
        },
    )


def _of(tables: list[Table], name: str, *columns: str) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The columns (and null masks) of every table called ``name`` built so far, joined."""
    found = [t for t in tables if t.name == name]
    values = {
        c: np.concatenate([np.asarray(t.columns[c]) for t in found]) if found else np.zeros(0)
        for c in columns
    }
    nulls = {
        c: np.concatenate([t.nulls.get(c, np.zeros(len(t), bool)) for t in found])
        if found
        else np.zeros(0, bool)
        for c in columns
    }
    return values, nulls


def tiers(b: Any, tables: list[Table]) -> list[Table]:
    """Everyone's tier on the end date, from the PDU's finished tables as ``services.tiers._gather`` reads the
    database (call it once every table of the PDU is built: a recall decided later counts for the women's
    factor); the latest completed assessments are those ``build`` kept on the builder."""
    given = b.assessed
    person_id, female, latest = given["person_id"], given["female"], given["latest"]
    items, severities, ogrs, rsr = given["items"], given["severities"], given["ogrs"], given["rsr"]
    memo: TierMemo = b.tier_memo
    n = len(person_id)
    slot = {pid: i for i, pid in enumerate(person_id.tolist())}

    def rows_of(ids: np.ndarray) -> np.ndarray:
        """The rows of these people (every id is one of the PDU's)."""
        return np.array([slot[x] for x in ids.tolist()], dtype=np.int64)

    # The latest risk review (by date, then id): RoSH and MAPPA level.
    risk, risk_null = _of(
        tables, "cases_risksummary", "id", "person_id", "assessed_on", "rosh", "mappa_level"
    )
    rosh: list[str | None] = [None] * n
    mappa: list[int | None] = [None] * n
    for k in np.lexsort((risk["id"], risk["assessed_on"], risk["person_id"])).tolist():
        r = slot[int(risk["person_id"][k])]
        rosh[r] = str(risk["rosh"][k]) or None
        mappa[r] = None if risk_null["mappa_level"][k] else int(risk["mappa_level"][k])
    registered, registered_null = _of(tables, "cases_registration", "person_id", "type", "end_date")
    registrations: list[list[str]] = [[] for _ in range(n)]
    for pid, type_ in zip(
        registered["person_id"][registered_null["end_date"]].tolist(),
        registered["type"][registered_null["end_date"]].tolist(),
        strict=True,
    ):
        registrations[slot[pid]].append(type_)
    # Breach or recall decided, or a sentence revoked or recalled; the current sentences and requirements.
    sentences, _ = _of(tables, "cases_sentence", "id", "person_id", "type", "termination_reason")
    person_of_sentence = dict(zip(sentences["id"].tolist(), sentences["person_id"].tolist(), strict=True))
    breached = np.zeros(n, bool)
    decisions, _ = _of(tables, "cases_enforcementdecision", "sentence_id", "decision")
    hit = np.isin(decisions["decision"], BREACH_OR_RECALL)
    breached[rows_of(np.array([person_of_sentence[x] for x in decisions["sentence_id"][hit].tolist()]))] = (
        True
    )
    breached[
        rows_of(sentences["person_id"][np.isin(sentences["termination_reason"], ENDED_BY_BREACH_OR_RECALL)])
    ] = True
    current = _of(tables, "cases_sentence", "termination_date")[1]["termination_date"]
    mandate = np.zeros(n, bool)
    custodial = current & np.isin(sentences["type"], [x.value for x in T.CUSTODIAL_SENTENCES])
    mandate[rows_of(sentences["person_id"][custodial])] = True
    requirements, _ = _of(tables, "cases_requirement", "sentence_id", "type", "status")
    current_ids = set(sentences["id"][current].tolist())
    changing = (requirements["status"] != RequirementStatus.TERMINATED.value) & ~np.isin(
        requirements["type"], [x.value for x in T.RESTRICTIVE_REQUIREMENTS]
    )
    for sid in requirements["sentence_id"][changing].tolist():
        if sid in current_ids:
            mandate[slot[person_of_sentence[sid]]] = True

    # The latest completed assessment: its needs, items 6.9, 11.2 and 11.4, and predictors.
    sections = {sec.key: j for j, sec in enumerate(NEED_SECTIONS)}
    column = {
        item.code: (sections[key], i)
        for key, sec in S.BY_KEY.items()
        if key in sections
        for i, item in enumerate(sec.items)
        if item.code in (S.PARENTING_ITEM, S.IMPULSIVITY_ITEM, S.TEMPER_ITEM)
    }
    tier_rows: dict[str, list[Any]] = {
        k: []
        for k in (
            "tier",
            "protect",
            "protect_points",
            "change",
            "change_points",
            "change_reason",
            "inputs",
            "lines",
        )
    }
    for r in range(n):
        x = int(latest[r])
        regs = tuple(sorted(registrations[r]))
        if x >= 0:
            needs = tuple(
                (sec.key, str(severities[j][x]))
                for j, sec in enumerate(NEED_SECTIONS)
                if severities[j][x] in NEEDS
            )
            item = {code: int(items[j][x, i]) > 0 for code, (j, i) in column.items()}
            parenting = item[S.PARENTING_ITEM]
            impulsive = item[S.IMPULSIVITY_ITEM] or item[S.TEMPER_ITEM]
            o, q = int(ogrs[x]), str(rsr[x])
        else:
            needs, parenting, impulsive, o, q = None, False, False, None, None
        key: tuple[Any, ...] = (rosh[r], q, mappa[r], regs, bool(female[r]), needs, o, parenting, impulsive)
        key += (bool(breached[r]), bool(mandate[r]), IOM in regs)
        result, inputs_json, lines_json = memo.compute_fast(key)
        tier_rows["tier"].append(result.tier)
        tier_rows["protect"].append(result.protect)
        tier_rows["protect_points"].append(result.protect_points)
        tier_rows["change"].append(result.change)
        tier_rows["change_points"].append(result.change_points)
        tier_rows["change_reason"].append(result.change_reason[:200])
        tier_rows["inputs"].append(inputs_json)
        tier_rows["lines"].append(lines_json)
    points = np.array([-1 if p is None else p for p in tier_rows.pop("change_points")], dtype=np.int64)
    at = as_datetimes(np.full(n, b.local.utc(np.array([b.period.end_day]), np.array([18 * 3600]))[0]))
    return [
        Table(
            "assessment_tiercalculation",
            {
                "id": b.ids.take("assessment_tiercalculation", n),
                "person_id": person_id,
                **{
                    name: np.array(values, dtype=object)
                    for name, values in tier_rows.items()
                    if name != "inputs"
                },
                "change_points": np.maximum(points, 0),
                "inputs": np.array(tier_rows["inputs"], dtype=object),
                "version": np.full(n, T.VERSION),
                "computed_at": at,
                "trigger": np.full(n, TierTrigger.RECOMPUTE.value),
                "reason": np.full(n, COMPUTED_REASON),
                "assessment_id": np.zeros(n, np.int64),
            },
            nulls={"change_points": points < 0, "assessment_id": np.ones(n, bool)},
        )
    ]
