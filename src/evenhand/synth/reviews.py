"""Case review rounds for one PDU (issue 15, item 8): a completed round over the period, drawn, reviewed,
double-marked and moderated as the review app's services would have done it.

- **The round.** For a share of PDUs (``params.REVIEW_PDU_SHARE``), a case round over the generator's period
  against the current case question set. The population is ``review.population``'s for a case round: each
  person's sentence that is not custody and is live in the period, with their ethnic group and the tier band of
  their tier on the end date, held by the practitioner allocated on the end date (none when unallocated). The
  sample is ``review.sampling``'s: ``allocate`` then ``draw`` and ``double_marked`` with a
  ``numpy.random.default_rng(seed)`` over the population in sentence id order, so the recorded seed draws the
  same sample again; strata, inclusion probabilities and the 10% marked twice are stored as the service stores
  them. A PDU whose population is smaller than the minimum sample, or without a reviewer from another team,
  has no round.
- **Reviewers.** Each sampled case goes to a PO or SPO in post on the end date from another team of the PDU (a
  double-marked case to two different ones), never the case's own team.
- **Capacity.** The practitioner's workload capacity on the end date, the generator's proxy for the workload
  model's figure: ``100 x TARGET_CAPACITY x`` the cases they hold / the mean cases held by their grade in the
  PDU (the staffing is calibrated so that a PDU runs at about ``TARGET_CAPACITY``).
- **Quality.** Each key question of a case is sufficient with probability
  ``expit(logit(REVIEW_SUFFICIENT) - REVIEW_CAPACITY_SLOPE x (capacity - 100))`` (capacity in %, 100 when
  not known), times on the odds scale any declared ``review_sufficient`` or ``review:<number>`` bias (the
  ground truth records both, per key question judgement). A sufficient key question has every applicable
  prompt sufficient; one that is not has one applicable prompt not sufficient and each other applicable one
  not sufficient with probability 0.3. Prompts other than a key question's first are not applicable with
  probability ``REVIEW_NOT_APPLICABLE``, so ``judgement.key_question_judgement`` gives back the drawn judgement.
- **Double marking.** The second marker agrees with the first judgement with probability
  ``REVIEW_AGREEMENT`` per key question (otherwise the opposite judgement), prompts drawn again; each key
  question on which the two disagree is moderated by the head of PDU (who marked neither) to the first
  marking's judgement.

Everything is drawn from a random stream of its own, derived from the PDU's, so the PDU's other rows are as
they were. The question set's ids are read from the database (its data migration loads them); the fingerprint
hashes the prompts' codes instead, so it does not depend on them.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from evenhand.people.models import EthnicGroup
from evenhand.review.models import Answer, ReviewStatus, RoundStatus, SetKind, Strata, TierBand
from evenhand.review.sampling import SampleError, allocate, double_marked, draw

from . import params
from .caseload import expit, logit, with_odds
from .recall import _own_rng
from .tables import Table, as_dates, as_datetimes

DAY, HOUR = 86_400, 3600
REVIEWER_GRADES = ("PO", "SPO")
ROUND_KEY = 7  # the key of this module's random stream (recall and plans use others)
CELLS = [(group, band) for group in EthnicGroup.values for band in TierBand.values]
MODERATION_RATIONALE = (
    "The two markings were discussed with both reviewers; the first marking's judgement reflects the record."
)
NOTES = {
    Answer.SUFFICIENT.value: "",
    Answer.NOT_SUFFICIENT.value: "Not evidenced in the record for the period.",
    Answer.NOT_APPLICABLE.value: "",
}


@dataclass(frozen=True)
class CaseSet:
    """The current case question set as the generator needs it: ids from the database, codes for the hash."""

    id: int
    numbers: list[str]  # key question numbers, in position order
    prompt_ids: np.ndarray  # every prompt, in key question then prompt order
    prompt_codes: np.ndarray  # "C1(a)"
    prompt_question: np.ndarray  # index of each prompt's key question
    first_prompt: np.ndarray  # True for each key question's first prompt


def case_set() -> CaseSet:
    """The current case question set (stored by the review app's data migration; stored again if a test has
    flushed it)."""
    from evenhand.review.models import Prompt, QuestionSet
    from evenhand.review.services.rounds import load_question_sets

    if not QuestionSet.objects.filter(kind=SetKind.CASE).exists():
        load_question_sets()
    question_set = QuestionSet.objects.filter(kind=SetKind.CASE).order_by("-version").first()
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
    return CaseSet(
        id=question_set.pk,
        numbers=numbers,
        prompt_ids=np.array([r[0] for r in rows], dtype=np.int64),
        prompt_codes=np.array([f"{n}({letter})" for _, n, letter in rows]),
        prompt_question=np.array(question, dtype=np.int64),
        first_prompt=np.array(first, dtype=bool),
    )


def _of(tables: list[Table], name: str, *columns: str) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    from .assessments import _of as of

    return of(tables, name, *columns)


def _days(dates: np.ndarray) -> np.ndarray:
    return np.asarray(dates).astype("datetime64[D]").astype(np.int64)


def capacity(b: Any, p: int, rows: np.ndarray, holder: np.ndarray) -> np.ndarray:
    """Each holder's capacity (%) on the end date (the proxy in the module docstring); ``rows`` are the
    sentences live and allocated on the end date and ``holder`` who holds each."""
    org = b.org
    at = np.searchsorted(org.staff_ids, holder)
    grade = org.staff_grade[at]
    held = np.zeros(len(org.staff_ids))
    np.add.at(held, at, 1)
    result = np.zeros(len(org.staff_ids))
    for g in np.unique(grade).tolist():
        of_grade = np.unique(at[grade == g])
        mean = held[of_grade].mean()
        result[of_grade] = 100.0 * params.TARGET_CAPACITY * held[of_grade] / mean
    return np.round(result, 1)


def tables(b: Any, built: list[Table], questions: CaseSet) -> list[Table]:
    """The PDU's completed case review round (none for a PDU left out or too small)."""
    # The review measures are in the ground truth whether or not a PDU has a round (no cases: no effect).
    none = np.zeros(0)
    for measure in ("review_sufficient", *(f"review:{n}" for n in questions.numbers)):
        b.truth.add(measure, b.p, np.zeros(0, dtype="<U1"), none, none)
    rng = _own_rng(b.rng, ROUND_KEY)
    if rng.random() >= params.REVIEW_PDU_SHARE:
        return []
    org, period, p = b.org, b.period, b.p
    end = period.end_day
    s = b.sentence
    st, st_null = _of(built, "cases_sentence", "id", "termination_date")
    termination = _days(st["termination_date"][np.searchsorted(st["id"], s["id"])])
    ended = ~st_null["termination_date"][np.searchsorted(st["id"], s["id"])]
    live = (
        (s["kind"] != "CUS")
        & (s["start"] <= end)
        & (_days(as_dates(s["expected_end"])) >= period.start_day)
        & (~ended | (termination >= period.start_day))
    )
    rows = np.flatnonzero(live)  # in sentence id order
    if len(rows) == 0:
        return []
    # Who holds each on the end date: the latest allocation starting on or before it.
    h_row, _, h_start = b.holder
    first_start = np.full(len(s["id"]), np.iinfo(np.int64).max)
    np.minimum.at(first_start, h_row, h_start)
    allocated = first_start[rows] <= end
    holder = np.zeros(len(rows), dtype=np.int64)
    holder[allocated] = b.holder_at(rows[allocated], np.full(int(allocated.sum()), end))
    # Strata: the ethnic group and the band of the tier on the end date.
    tc, _ = _of(built, "assessment_tiercalculation", "person_id", "protect")
    person_id = b.person["id"][rows]
    protect = dict(zip(tc["person_id"].tolist(), tc["protect"].tolist(), strict=True))
    band = np.array(
        [
            TierBand.NONE.value
            if not protect.get(pid)
            else TierBand.HIGHER.value
            if protect[pid] in ("A", "B")
            else TierBand.LOWER.value
            for pid in person_id.tolist()
        ]
    )
    group = b.person["group"][rows]
    cell = {c: i for i, c in enumerate(CELLS)}
    codes = np.array(
        [cell[(g, t)] for g, t in zip(group.tolist(), band.tolist(), strict=True)], dtype=np.int64
    )
    sizes = np.bincount(codes, minlength=len(CELLS))
    minimum = params.REVIEW_MINIMUM_PER_STRATUM
    size = min(len(rows), max(params.REVIEW_SAMPLE_SIZE, int(np.minimum(sizes, minimum).sum())))
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
    practitioner = holder[chosen]
    known = allocated[chosen]
    held_rows = np.flatnonzero(allocated)
    cap_of = capacity(b, p, rows[held_rows], holder[held_rows])
    at = np.searchsorted(org.staff_ids, np.where(known, practitioner, org.staff_ids[0]))
    cap = np.where(known, cap_of[at], np.nan)
    team = np.where(known, org.staff_team[at], -1)

    # Two reviewers per case from other teams (the second used only when the case is marked twice).
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
    sampled_rows = rows[chosen]
    month = np.full(k, 12)
    common = b.bias_for("review_sufficient", month, sampled_rows)
    mult = np.stack(
        [common * b.bias_for(f"review:{n}", month, sampled_rows) for n in questions.numbers], axis=1
    )
    p1 = with_odds(p0, mult)
    flat_group = np.repeat(group[chosen], q)
    b.truth.add("review_sufficient", p, flat_group, p0.ravel(), p1.ravel())
    for j, n in enumerate(questions.numbers):
        b.truth.add(f"review:{n}", p, group[chosen], p0[:, j], p1[:, j])
    sufficient = rng.random((k, q)) < p1
    agree = rng.random((k, q)) < params.REVIEW_AGREEMENT
    second = np.where(agree, sufficient, ~sufficient)[twice]
    first_answers = _answers(rng, sufficient, questions)
    second_answers = _answers(rng, second, questions)

    # Rows -----------------------------------------------------------------------------------------------
    ids = b.ids
    round_id = ids.take("review_reviewround", 1)
    stratum_id = ids.take("review_roundstratum", len(CELLS))
    sampled_id = ids.take("review_sampledcase", k)
    local = b.local
    drawn_at = local.utc(np.array([end]), np.array([8 * HOUR]))[0]
    out = [
        Table(
            "review_reviewround",
            {
                "id": round_id,
                "pdu_id": org.pdu_ids[p : p + 1],
                "kind": np.array([SetKind.CASE.value]),
                "question_set_id": np.array([questions.id]),
                "period_start": np.array([period.start.isoformat()]),
                "period_end": np.array([period.end.isoformat()]),
                "strata": np.array([Strata.ETHNIC_GROUP_TIER.value]),
                "sample_size": np.array([size]),
                "minimum_per_stratum": np.array([minimum]),
                "exclude_months": np.array([12]),
                "double_mark_share": np.array([f"{params.REVIEW_DOUBLE_MARK_SHARE:.2f}"]),
                "seed": np.array([seed], dtype=np.int64),
                "population": np.array([len(rows)]),
                "status": np.array([RoundStatus.CLOSED.value]),
                "drawn_by_id": np.array([head]),
                "drawn_at": as_datetimes(np.array([drawn_at])),
                "confirmed_by_id": np.array([head]),
                "confirmed_at": as_datetimes(np.array([drawn_at + HOUR // 2])),
            },
            digest_as={"question_set_id": np.array([SetKind.CASE.value])},
        ),
        Table(
            "review_roundstratum",
            {
                "id": stratum_id,
                "round_id": np.full(len(CELLS), round_id[0]),
                "ethnic_group": np.array([g for g, _ in CELLS]),
                "tier_band": np.array([t for _, t in CELLS]),
                "population": allocation.population,
                "sample": allocation.sample,
            },
        ),
    ]
    # Whole months in post on the end date.
    started = org.staff_start[at].astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    months = np.datetime64(period.end, "M").astype(np.int64) - started
    out.append(
        Table(
            "review_sampledcase",
            {
                "id": sampled_id,
                "round_id": np.full(k, round_id[0]),
                "stratum_id": stratum_id[codes[chosen]],
                "person_id": person_id[chosen],
                "subject_id": s["id"][sampled_rows],
                "practitioner_id": practitioner,
                "inclusion_probability": allocation.probabilities[codes[chosen]],
                "double_marked": twice,
                "judged_on": np.full(k, period.end.isoformat()),
                "capacity": np.where(known, cap, 0.0),
                "grade": np.where(known, org.staff_grade[at], ""),
                "months_in_post": np.maximum(months, 0),
            },
            nulls={
                "practitioner_id": ~known,
                "capacity": ~known,
                "months_in_post": ~known,
            },
        )
    )
    # Reviews: every first marking, then the second markings; assigned at 09:00 on the end date, submitted
    # during the day.
    doubled = np.flatnonzero(twice)
    r1, r2 = k, len(doubled)
    review_id = ids.take("review_review", r1 + r2)
    assigned = drawn_at + HOUR
    submitted = assigned + rng.integers(1, 8 * HOUR, r1 + r2)
    out.append(
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
    )
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
    key_ids = _key_question_ids(questions)
    out.append(
        Table(
            "review_moderation",
            {
                "id": ids.take("review_moderation", n_mod),
                "sampled_id": sampled_id[doubled][case],
                "key_question_id": key_ids[question],
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


def _key_question_ids(questions: CaseSet) -> np.ndarray:
    from evenhand.review.models import KeyQuestion

    by_number = dict(KeyQuestion.objects.filter(question_set_id=questions.id).values_list("number", "id"))
    return np.array([by_number[n] for n in questions.numbers], dtype=np.int64)


def _answers(rng: np.random.Generator, sufficient: np.ndarray, questions: CaseSet) -> np.ndarray:
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


def _judgements(answers: np.ndarray, questions: CaseSet) -> np.ndarray:
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
