"""Review rounds for one PDU (issue 15, item 8): a completed case round and one completed round of each kind of
decision over the period, drawn, reviewed, double-marked and moderated as the review app's services would have
done it.

- **The populations** are ``review.population``'s, read from the PDU's generated rows instead of the database.
  A case round: each person's sentence that is not custody and is live in the period, with their ethnic group
  and the tier band of their tier on the end date, held by the practitioner allocated on the end date (none
  when unallocated). A decision round: the enforcement decisions made in the period (an enforcement round) or
  the recall decisions and every decision after risk information, including not to recall (a recall round),
  each the work of who decided; the allocations made in the period, the work of who allocated; the
  pre-sentence reports delivered in it, the work of their author; each judged on the London day it was made.
- **The draw** is ``review.sampling``'s: ``allocate`` then ``draw`` and ``double_marked`` with a
  ``numpy.random.default_rng(seed)`` over the population in id order, so the recorded seed draws the same
  sample again; strata, inclusion probabilities and the 10% marked twice are stored as the service stores
  them. A case round is stratified by ethnic group and tier band (``params.REVIEW_SAMPLE_SIZE``), a decision
  round by ethnic group (``params.REVIEW_DECISION_SAMPLE_SIZE``), with the minimum per stratum (or all a
  stratum has). A PDU left out (``params.REVIEW_PDU_SHARE``) or without reviewers in two teams has no round;
  a kind with nothing in the period has none.
- **Reviewers.** Each sampled record goes to a PO or SPO in post on the end date from another team of the PDU
  than whose work it is (a double-marked one to two different ones), never to that person.
- **Capacity.** Of whose work it is, on the judged day: the generator's proxy for the workload model's
  figure, ``100 x TARGET_CAPACITY x`` the period's live cases they hold that day / the mean held by their grade
  in the PDU then (the staffing is calibrated so that a PDU runs at about ``TARGET_CAPACITY``). Someone
  holding no case that day (a head of PDU, an SPO without a caseload) has no figure.
- **Quality.** Each key question is sufficient with probability
  ``expit(logit(REVIEW_SUFFICIENT) - REVIEW_CAPACITY_SLOPE x (capacity - 100))`` (capacity in %, 100 when
  not known), times on the odds scale any declared ``review:<number>`` bias (``review:E1`` for an
  enforcement decision's first key question) and, for a case, ``review_sufficient``, by the month of the
  judged day; the ground truth records both, per key question judgement. A sufficient key question has every
  applicable prompt sufficient; one that is not has one applicable prompt not sufficient and each other
  applicable one not sufficient with probability 0.3. Prompts other than a key question's first are not
  applicable with probability ``REVIEW_NOT_APPLICABLE``, so ``judgement.key_question_judgement`` gives back
  the drawn judgement.
- **Double marking.** The second marker agrees with the first judgement with probability
  ``REVIEW_AGREEMENT`` per key question (otherwise the opposite judgement), prompts drawn again; each key
  question on which the two disagree is moderated by the head of PDU (who marked neither) to the first
  marking's judgement.

Each round is drawn from a random stream of its own, derived from the PDU's, so the PDU's other rows are as
they were. The question sets' ids are read from the database (their data migration loads them); the
fingerprint hashes the prompts' and key questions' numbers instead, so it does not depend on them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from evenhand.cases.models import RECALLS
from evenhand.people.models import EthnicGroup
from evenhand.review.models import Answer, ReviewStatus, RoundStatus, SetKind, Strata, TierBand
from evenhand.review.sampling import SampleError, allocate, double_marked, draw

from . import params
from .caseload import expit, logit, with_odds
from .recall import _own_rng
from .tables import Table, as_dates, as_datetimes

DAY, HOUR = 86_400, 3600
REVIEWER_GRADES = ("PO", "SPO")
ROUND_KEY = 7  # the key of the case round's random stream (recall and plans use others)
# Each decision round's stream is keyed ROUND_KEY + 1 + its place here.
DECISION_KINDS = (
    SetKind.ENFORCEMENT.value,
    SetKind.RECALL.value,
    SetKind.ALLOCATION.value,
    SetKind.REPORT.value,
)
CELLS = [(group, band) for group in EthnicGroup.values for band in TierBand.values]
GROUP_CELLS = [(group, "") for group in EthnicGroup.values]
RECALL_DECISIONS = [d.value for d in RECALLS]
MODERATION_RATIONALE = (
    "The two markings were discussed with both reviewers; the first marking's judgement reflects the record."
)
NOTES = {
    Answer.SUFFICIENT.value: "",
    Answer.NOT_SUFFICIENT.value: "Not evidenced in the record for the period.",
    Answer.NOT_APPLICABLE.value: "",
}


@dataclass(frozen=True)
class SetRows:
    """A current question set as the generator needs it: ids from the database, codes for the hash."""

    kind: str
    id: int
    numbers: list[str]  # key question numbers, in position order
    key_ids: np.ndarray  # their ids
    prompt_ids: np.ndarray  # every prompt, in key question then prompt order
    prompt_codes: np.ndarray  # "C1(a)"
    prompt_question: np.ndarray  # index of each prompt's key question
    first_prompt: np.ndarray  # True for each key question's first prompt


def question_sets() -> dict[str, SetRows]:
    """The current question set of each kind (stored by the review app's data migration; stored again if a
    test has flushed them)."""
    from evenhand.review.models import KeyQuestion, Prompt, QuestionSet
    from evenhand.review.services.rounds import load_question_sets

    if set(QuestionSet.objects.values_list("kind", flat=True)) != set(SetKind.values):
        load_question_sets()
    found = {}
    for kind in SetKind.values:
        question_set = QuestionSet.objects.filter(kind=kind).order_by("-version").first()
        assert question_set is not None
        rows = list(
            Prompt.objects.filter(key_question__question_set=question_set)
            .order_by("key_question__position", "position")
            .values_list("id", "key_question__number", "letter")
        )
        numbers: list[str] = []
        question, first = [], []
        for _, number, _ in rows:
            first.append(not numbers or numbers[-1] != number)
            if first[-1]:
                numbers.append(number)
            question.append(len(numbers) - 1)
        by_number = dict(KeyQuestion.objects.filter(question_set=question_set).values_list("number", "id"))
        found[kind] = SetRows(
            kind=kind,
            id=question_set.pk,
            numbers=numbers,
            key_ids=np.array([by_number[n] for n in numbers], dtype=np.int64),
            prompt_ids=np.array([r[0] for r in rows], dtype=np.int64),
            prompt_codes=np.array([f"{n}({letter})" for _, n, letter in rows]),
            prompt_question=np.array(question, dtype=np.int64),
            first_prompt=np.array(first, dtype=bool),
        )
    return found


@dataclass(frozen=True)
class Population:
    """A round's population in id order, as ``review.population`` reads it from the database."""

    subject: np.ndarray  # the sentence's, decision's, allocation's or report's id
    row: np.ndarray  # the person's (and their sentence's) row in the builder's arrays
    practitioner: np.ndarray  # whose work it is (0 when nobody's)
    day: np.ndarray  # the judged day (days since the epoch)
    band: np.ndarray | None  # the tier band on the end date, for a case round's strata


@dataclass(frozen=True)
class LiveCases:
    """The PDU's sentences live in the period, and who holds each from when: the capacity proxy's cases."""

    rows: np.ndarray
    first_start: np.ndarray  # each sentence's first allocation day (max int64 when never allocated)


def _of(tables: list[Table], name: str, *columns: str) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    from .assessments import _of as of

    return of(tables, name, *columns)


def _days(dates: np.ndarray) -> np.ndarray:
    return np.asarray(dates).astype("datetime64[D]").astype(np.int64)


def _seconds(datetimes: np.ndarray) -> np.ndarray:
    return np.asarray(datetimes).astype("datetime64[s]").astype(np.int64)


def _local_day(b: Any, seconds: np.ndarray) -> np.ndarray:
    """The London day of each UTC time (as ``timezone.localtime(...).date()``)."""
    local = b.local
    at = np.clip(seconds // DAY - local.first, 0, len(local.offsets) - 1)
    return (seconds + local.offsets[at]) // DAY


def _capacities(b: Any, live: LiveCases, day: np.ndarray, practitioner: np.ndarray) -> np.ndarray:
    """Each practitioner's capacity (%) on each judged day, the proxy in the module docstring (NaN when
    nobody's work or they held nothing that day). Every distinct day at once: who held each of the period's
    live cases allocated by then, counted by holder and day, against the mean held by each grade that day."""
    org = b.org
    days = np.unique(day)
    rows = np.repeat(live.rows, len(days))
    on = np.tile(days, len(live.rows))
    allocated = live.first_start[rows] <= on
    rows, on = rows[allocated], on[allocated]
    slot = np.searchsorted(days, on)
    staff = len(org.staff_ids)
    holder = np.searchsorted(org.staff_ids, b.holder_at(rows, on))
    held = np.bincount(slot * staff + holder, minlength=len(days) * staff).reshape(len(days), staff)
    grades, grade_of = np.unique(org.staff_grade, return_inverse=True)
    mean = np.zeros((len(days), len(grades)))
    for g in range(len(grades)):
        of_grade = held[:, grade_of == g]
        holders = (of_grade > 0).sum(axis=1)
        mean[:, g] = of_grade.sum(axis=1) / np.maximum(holders, 1)
    out = np.full(len(day), np.nan)
    known = np.flatnonzero(practitioner != 0)
    at = np.searchsorted(org.staff_ids, practitioner[known])
    d = np.searchsorted(days, day[known])
    count = held[d, at]
    figure = np.round(100.0 * params.TARGET_CAPACITY * count / np.maximum(mean[d, grade_of[at]], 1e-9), 1)
    out[known] = np.where(count > 0, figure, np.nan)
    return out


def _live(b: Any, built: list[Table]) -> LiveCases:
    """The PDU's sentences that are not custody and live in the period, in sentence id order."""
    period, s = b.period, b.sentence
    st, st_null = _of(built, "cases_sentence", "id", "termination_date")
    at = np.searchsorted(st["id"], s["id"])
    termination = _days(st["termination_date"][at])
    ended = ~st_null["termination_date"][at]
    live = (
        (s["kind"] != "CUS")
        & (s["start"] <= period.end_day)
        & (_days(as_dates(s["expected_end"])) >= period.start_day)
        & (~ended | (termination >= period.start_day))
    )
    h_row, _, h_start = b.holder
    first_start = np.full(len(s["id"]), np.iinfo(np.int64).max)
    np.minimum.at(first_start, h_row, h_start)
    return LiveCases(np.flatnonzero(live), first_start)


def _cases(b: Any, built: list[Table], live: LiveCases) -> Population:
    """A case round's population: the live sentences, held on the end date, with the tier band then."""
    end = b.period.end_day
    rows = live.rows
    allocated = live.first_start[rows] <= end
    holder = np.zeros(len(rows), dtype=np.int64)
    holder[allocated] = b.holder_at(rows[allocated], np.full(int(allocated.sum()), end))
    tc, _ = _of(built, "assessment_tiercalculation", "person_id", "protect")
    protect = dict(zip(tc["person_id"].tolist(), tc["protect"].tolist(), strict=True))
    band = np.array(
        [
            TierBand.NONE.value
            if not protect.get(pid)
            else TierBand.HIGHER.value
            if protect[pid] in ("A", "B")
            else TierBand.LOWER.value
            for pid in b.person["id"][rows].tolist()
        ]
    )
    return Population(b.sentence["id"][rows], rows, holder, np.full(len(rows), end), band)


def _person_rows(b: Any, built: list[Table]) -> Callable[[np.ndarray], np.ndarray]:
    """Sentence ids to their person's row in the builder's arrays: every sentence of the PDU, a licence that
    followed a custody sentence (not one of the builder's own rows) included."""
    st, _ = _of(built, "cases_sentence", "id", "person_id")
    order = np.argsort(st["id"], kind="stable")
    ids, people = st["id"][order], st["person_id"][order]

    def rows(sentence_id: np.ndarray) -> np.ndarray:
        return np.searchsorted(b.person["id"], people[np.searchsorted(ids, sentence_id)])

    return rows


def _decisions(b: Any, built: list[Table], kind: str) -> Population:
    """A decision round's population (``review.population``'s rule for the kind), in id order."""
    period = b.period
    lo = int(b.local.utc(np.array([period.start_day]), np.zeros(1, dtype=np.int64))[0])
    hi = int(b.local.utc(np.array([period.end_day]), np.zeros(1, dtype=np.int64))[0]) + DAY
    person_row = _person_rows(b, built)
    if kind in (SetKind.ENFORCEMENT, SetKind.RECALL):
        # After risk information: a decision of a table that has the column and holds a value in it.
        after_information = np.concatenate(
            [
                ~t.nulls.get("risk_information_id", np.zeros(len(t), bool))
                if "risk_information_id" in t.columns
                else np.zeros(len(t), bool)
                for t in built
                if t.name == "cases_enforcementdecision"
            ]
            or [np.zeros(0, bool)]
        )
        d, _ = _of(
            built, "cases_enforcementdecision", "id", "sentence_id", "decision", "decided_by_id", "decided_at"
        )
        subject = d["id"]
        when = _seconds(d["decided_at"])
        recall = np.isin(d["decision"], RECALL_DECISIONS) | after_information
        keep = (when >= lo) & (when < hi) & (recall if kind == SetKind.RECALL else ~recall)
        row = person_row(d["sentence_id"])
        who = d["decided_by_id"]
    elif kind == SetKind.ALLOCATION:
        a, _ = _of(built, "cases_allocation", "id", "sentence_id", "allocated_by_id", "allocated_at")
        subject, when = a["id"], _seconds(a["allocated_at"])
        keep = (when >= lo) & (when < hi)
        row = person_row(a["sentence_id"])
        who = a["allocated_by_id"]
    else:
        r, _ = _of(
            built,
            "assessment_presentencereport",
            "id",
            "person_id",
            "author_id",
            "status",
            "delivered_on",
            "delivered_at",
        )
        subject, when = r["id"], _seconds(r["delivered_at"])
        delivered = _days(r["delivered_on"])
        keep = (
            np.isin(r["status"], ["delivered", "superseded"])
            & (delivered >= period.start_day)
            & (delivered <= period.end_day)
        )
        row = np.searchsorted(b.person["id"], r["person_id"])
        who = r["author_id"]
    order = np.flatnonzero(keep)[np.argsort(np.asarray(subject)[keep], kind="stable")]
    return Population(
        np.asarray(subject, dtype=np.int64)[order],
        row[order],
        np.asarray(who, dtype=np.int64)[order],
        _local_day(b, when[order]),
        None,
    )


def measures(sets: dict[str, SetRows]) -> list[str]:
    """The ground truth's review measures: every key question of every kind, and the case round's whole."""
    return ["review_sufficient", *(f"review:{n}" for kind in SetKind.values for n in sets[kind].numbers)]


def tables(b: Any, built: list[Table], sets: dict[str, SetRows]) -> list[Table]:
    """The PDU's completed review rounds: a case round and one of each kind of decision (none for a PDU left
    out, and none of a kind too small to draw)."""
    # The review measures are in the ground truth whether or not a PDU has a round (no cases: no effect).
    none = np.zeros(0)
    for measure in measures(sets):
        b.truth.add(measure, b.p, np.zeros(0, dtype="<U1"), none, none)
    rng = _own_rng(b.rng, ROUND_KEY)
    if rng.random() >= params.REVIEW_PDU_SHARE:
        return []
    live = _live(b, built)
    out = _round(b, rng, sets[SetKind.CASE], _cases(b, built, live), live) if len(live.rows) else []
    for i, kind in enumerate(DECISION_KINDS):
        out += _round(b, _own_rng(b.rng, ROUND_KEY + 1 + i), sets[kind], _decisions(b, built, kind), live)
    return out


def _round(
    b: Any, rng: np.random.Generator, questions: SetRows, pop: Population, live: LiveCases
) -> list[Table]:
    """One completed round over a population (the rules in the module docstring)."""
    if len(pop.subject) == 0:
        return []
    org, period, p = b.org, b.period, b.p
    end = period.end_day
    is_case = questions.kind == SetKind.CASE
    group = b.person["group"][pop.row]
    if pop.band is not None:
        cells, strata, target = CELLS, Strata.ETHNIC_GROUP_TIER.value, params.REVIEW_SAMPLE_SIZE
        keys: list[tuple[str, str]] = list(zip(group.tolist(), pop.band.tolist(), strict=True))
    else:
        cells, strata, target = GROUP_CELLS, Strata.ETHNIC_GROUP.value, params.REVIEW_DECISION_SAMPLE_SIZE
        keys = [(g, "") for g in group.tolist()]
    cell = {c: i for i, c in enumerate(cells)}
    codes = np.array([cell[key] for key in keys], dtype=np.int64)
    sizes = np.bincount(codes, minlength=len(cells))
    minimum = params.REVIEW_MINIMUM_PER_STRATUM
    size = min(len(codes), max(target, int(np.minimum(sizes, minimum).sum())))
    try:
        allocation = allocate(sizes, size, minimum)
    except SampleError:
        return []
    # Reviewers: POs and SPOs in post on the end date, by team.
    in_pdu = (org.staff_pdu == p) & np.isin(org.staff_grade, REVIEWER_GRADES)
    in_post = in_pdu & (org.staff_start <= end) & ((org.staff_end < 0) | (org.staff_end > end))
    reviewers, reviewer_team = org.staff_ids[in_post], org.staff_team[in_post]
    if len(np.unique(reviewer_team)) < 2:
        return []
    head = org.staff_ids[(org.staff_pdu == p) & (org.staff_grade == "HOPDU")][0]

    seed = int(rng.integers(0, 2**62))
    sample_rng = np.random.default_rng(seed)
    chosen = np.flatnonzero(draw(codes, allocation.sample, sample_rng)[0])
    twice = double_marked(len(chosen), params.REVIEW_DOUBLE_MARK_SHARE, sample_rng)
    k = len(chosen)
    practitioner = pop.practitioner[chosen]
    known = practitioner != 0
    day = pop.day[chosen]
    cap = _capacities(b, live, day, practitioner)
    at = np.searchsorted(org.staff_ids, np.where(known, practitioner, org.staff_ids[0]))
    team = np.where(known, org.staff_team[at], -1)

    # Two reviewers per record from other teams (the second used only when the record is marked twice).
    first_reviewer = np.zeros(k, dtype=np.int64)
    second_reviewer = np.zeros(k, dtype=np.int64)
    for i in range(k):
        eligible = reviewers[(reviewer_team != team[i]) & (reviewers != practitioner[i])]
        pair = rng.choice(eligible, size=min(2, len(eligible)), replace=False)
        first_reviewer[i] = pair[0]
        second_reviewer[i] = pair[-1]
    twice &= first_reviewer != second_reviewer

    # Quality: each key question's judgement, falling with capacity; declared bias on the odds.
    q = len(questions.numbers)
    x = np.where(np.isnan(cap), 100.0, cap)
    p0 = np.repeat(
        expit(logit(params.REVIEW_SUFFICIENT) - params.REVIEW_CAPACITY_SLOPE * (x - 100.0))[:, None],
        q,
        axis=1,
    )
    sampled_rows = pop.row[chosen]
    month = period.month(day)
    common = b.bias_for("review_sufficient", month, sampled_rows) if is_case else np.ones(k)
    mult = np.stack(
        [common * b.bias_for(f"review:{n}", month, sampled_rows) for n in questions.numbers], axis=1
    )
    p1 = with_odds(p0, mult)
    judged_group = group[chosen]
    if is_case:
        b.truth.add("review_sufficient", p, np.repeat(judged_group, q), p0.ravel(), p1.ravel())
    for j, n in enumerate(questions.numbers):
        b.truth.add(f"review:{n}", p, judged_group, p0[:, j], p1[:, j])
    sufficient = rng.random((k, q)) < p1
    agree = rng.random((k, q)) < params.REVIEW_AGREEMENT
    second = np.where(agree, sufficient, ~sufficient)[twice]
    first_answers = _answers(rng, sufficient, questions)
    second_answers = _answers(rng, second, questions)

    # Rows -----------------------------------------------------------------------------------------------
    ids = b.ids
    round_id = ids.take("review_reviewround", 1)
    stratum_id = ids.take("review_roundstratum", len(cells))
    sampled_id = ids.take("review_sampledcase", k)
    drawn_at = b.local.utc(np.array([end]), np.array([8 * HOUR]))[0]
    out = [
        Table(
            "review_reviewround",
            {
                "id": round_id,
                "pdu_id": org.pdu_ids[p : p + 1],
                "kind": np.array([questions.kind]),
                "question_set_id": np.array([questions.id]),
                "period_start": np.array([period.start.isoformat()]),
                "period_end": np.array([period.end.isoformat()]),
                "strata": np.array([strata]),
                "sample_size": np.array([size]),
                "minimum_per_stratum": np.array([minimum]),
                "exclude_months": np.array([12]),
                "double_mark_share": np.array([f"{params.REVIEW_DOUBLE_MARK_SHARE:.2f}"]),
                "seed": np.array([seed], dtype=np.int64),
                "population": np.array([len(codes)]),
                "status": np.array([RoundStatus.CLOSED.value]),
                "drawn_by_id": np.array([head]),
                "drawn_at": as_datetimes(np.array([drawn_at])),
                "confirmed_by_id": np.array([head]),
                "confirmed_at": as_datetimes(np.array([drawn_at + HOUR // 2])),
            },
            digest_as={"question_set_id": np.array([questions.kind])},
        ),
        Table(
            "review_roundstratum",
            {
                "id": stratum_id,
                "round_id": np.full(len(cells), round_id[0]),
                "ethnic_group": np.array([g for g, _ in cells]),
                "tier_band": np.array([t for _, t in cells]),
                "population": allocation.population,
                "sample": allocation.sample,
            },
        ),
    ]
    # Whole months in post on the judged day (as the service counts them: months between the two months).
    started = org.staff_start[at].astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    months = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) - started
    has_capacity = ~np.isnan(cap)
    out.append(
        Table(
            "review_sampledcase",
            {
                "id": sampled_id,
                "round_id": np.full(k, round_id[0]),
                "stratum_id": stratum_id[codes[chosen]],
                "person_id": b.person["id"][sampled_rows],
                "subject_id": pop.subject[chosen],
                "practitioner_id": practitioner,
                "inclusion_probability": allocation.probabilities[codes[chosen]],
                "double_marked": twice,
                "judged_on": as_dates(day),
                "capacity": np.where(has_capacity, cap, 0.0),
                "grade": np.where(known, org.staff_grade[at], ""),
                "months_in_post": np.maximum(months, 0),
            },
            nulls={
                "practitioner_id": ~known,
                "capacity": ~has_capacity,
                "months_in_post": ~known,
            },
        )
    )
    out += _reviews(
        b,
        rng,
        questions,
        sampled_id,
        twice,
        first_reviewer,
        second_reviewer,
        first_answers,
        second_answers,
        drawn_at,
        head,
    )
    return out


def _reviews(
    b: Any,
    rng: np.random.Generator,
    questions: SetRows,
    sampled_id: np.ndarray,
    twice: np.ndarray,
    first_reviewer: np.ndarray,
    second_reviewer: np.ndarray,
    first_answers: np.ndarray,
    second_answers: np.ndarray,
    drawn_at: int,
    head: int,
) -> list[Table]:
    """A round's reviews, answers and moderations: every first marking, then the second markings; assigned at
    09:00 on the end date, submitted during the day, disagreements moderated by the head of PDU that evening."""
    ids = b.ids
    k = len(sampled_id)
    doubled = np.flatnonzero(twice)
    r1, r2 = k, len(doubled)
    review_id = ids.take("review_review", r1 + r2)
    assigned = drawn_at + HOUR
    submitted = assigned + rng.integers(1, 8 * HOUR, r1 + r2)
    out = [
        Table(
            "review_review",
            {
                "id": review_id,
                "sampled_id": np.concatenate([sampled_id, sampled_id[doubled]]),
                "reviewer_id": np.concatenate([first_reviewer, second_reviewer[doubled]]),
                "marking": np.concatenate([np.ones(r1, dtype=np.int64), np.full(r2, 2)]),
                "status": np.full(r1 + r2, ReviewStatus.SUBMITTED.value),
                "assigned_at": as_datetimes(np.full(r1 + r2, assigned)),
                "submitted_at": as_datetimes(submitted),
            },
        )
    ]
    answers = np.concatenate([first_answers, second_answers])
    m = answers.size
    prompts = len(questions.prompt_ids)
    answer_flat = answers.ravel()
    out.append(
        Table(
            "review_promptanswer",
            {
                "id": ids.take("review_promptanswer", m),
                "review_id": np.repeat(review_id, prompts),
                "prompt_id": np.tile(questions.prompt_ids, r1 + r2),
                "answer": answer_flat,
                "note": np.vectorize(NOTES.__getitem__, otypes=["U60"])(answer_flat) if m else answer_flat,
            },
            digest_as={"prompt_id": np.tile(questions.prompt_codes, r1 + r2)},
        )
    )
    # Moderation of each disagreement on a key question, by the head of PDU, to the first judgement.
    judged_first = _judgements(first_answers[doubled], questions)
    judged_second = _judgements(second_answers, questions)
    case, question = np.nonzero(judged_first != judged_second)
    n_mod = len(case)
    out.append(
        Table(
            "review_moderation",
            {
                "id": ids.take("review_moderation", n_mod),
                "sampled_id": sampled_id[doubled][case],
                "key_question_id": questions.key_ids[question],
                "first": judged_first[case, question],
                "second": judged_second[case, question],
                "agreed": judged_first[case, question],
                "rationale": np.full(n_mod, MODERATION_RATIONALE),
                "moderator_id": np.full(n_mod, head),
                "moderated_at": as_datetimes(np.full(n_mod, assigned + 9 * HOUR)),
            },
            digest_as={"key_question_id": np.array(questions.numbers)[question]},
        )
    )
    return out


def _answers(rng: np.random.Generator, sufficient: np.ndarray, questions: SetRows) -> np.ndarray:
    """Every prompt's answer for each review (rows) given its key questions' judgements (the rule in the
    module docstring)."""
    k = sufficient.shape[0]
    prompts = len(questions.prompt_ids)
    na = (rng.random((k, prompts)) < params.REVIEW_NOT_APPLICABLE) & ~questions.first_prompt
    keys = np.where(na, 2.0, rng.random((k, prompts)))
    extra = rng.random((k, prompts)) < 0.3
    short = np.zeros((k, prompts), dtype=bool)
    for j in range(len(questions.numbers)):
        cols = np.flatnonzero(questions.prompt_question == j)
        one = np.zeros((k, len(cols)), dtype=bool)
        if k:
            one[np.arange(k), np.argmin(keys[:, cols], axis=1)] = True
        short[:, cols] = ~sufficient[:, j : j + 1] & (one | (extra[:, cols] & ~na[:, cols]))
    return np.where(
        na,
        Answer.NOT_APPLICABLE.value,
        np.where(short, Answer.NOT_SUFFICIENT.value, Answer.SUFFICIENT.value),
    ).astype("<U14")


def _judgements(answers: np.ndarray, questions: SetRows) -> np.ndarray:
    """Each key question's judgement from its prompts' answers (``judgement.key_question_judgement``)."""
    k = answers.shape[0]
    out = np.full((k, len(questions.numbers)), Answer.NOT_APPLICABLE.value, dtype="<U14")
    for j in range(len(questions.numbers)):
        cols = answers[:, questions.prompt_question == j]
        applicable = (cols != Answer.NOT_APPLICABLE.value).any(axis=1)
        short = (cols == Answer.NOT_SUFFICIENT.value).any(axis=1)
        out[:, j] = np.where(
            ~applicable,
            Answer.NOT_APPLICABLE.value,
            np.where(short, Answer.NOT_SUFFICIENT.value, Answer.SUFFICIENT.value),
        )
    return out
