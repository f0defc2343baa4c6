"""A round's results: design-weighted share sufficient per key question by ethnic group, the comparison with
White people (Benjamini-Hochberg across the round), ratings by the set's bands, and reviewer agreement.

Read from the submitted first markings (a double-marked case's second marking is only for agreement), with a
moderated key question's agreed judgement in place of the first marking's; agreement (kappa) stays on the two
independent markings. The
weights are N_h / r_h, with r_h the cases of stratum h reviewed so far: a case not yet reviewed is treated
as missing at random within its stratum, so the weights of those reviewed carry it (stated on the report).
The statistics are ``stats``'s; the read is three queries per round.
"""

from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np

from evenhand.equality.stats.multiple import bh_qvalues
from evenhand.people.models import EthnicGroup

from .judgement import SUFFICIENT, key_question_judgement, overall_rating
from .models import KeyQuestion, PromptAnswer, ReviewRound, ReviewStatus
from .selectors import bands_of, moderated_judgements
from .stats import Comparison, Estimate, Kappa, compare, kappa, stratified_share

REFERENCE_GROUP = EthnicGroup.WHITE
# Workload capacity bands for the results against workload (item 4), stated on the report: lower bound
# inclusive, upper exclusive.
CAPACITY_BANDS: tuple[tuple[str, float | None, float | None], ...] = (
    ("under 90%", None, 90.0),
    ("90% to 110%", 90.0, 110.0),
    ("110% and over", 110.0, None),
)
NOT_KNOWN = "capacity not known"
BAND_LABELS = [label for label, _, _ in CAPACITY_BANDS] + [NOT_KNOWN]
JUDGEMENTS = ["sufficient", "not_sufficient", "not_applicable"]


@dataclass(frozen=True)
class GroupResult:
    key_question: str
    ethnic_group: str  # "" for everyone in the round
    estimate: Estimate | None
    comparison: Comparison | None = None
    q_value: float | None = None


@dataclass(frozen=True)
class CapacityResult:
    key_question: str
    band: str
    estimate: Estimate | None


@dataclass(frozen=True)
class RoundCounts:
    """The counts behind the estimates, for the round's publication (``publication``): cases drawn and
    reviewed by ethnic group, and per key question the cases it applied to and those judged sufficient, by
    group and by capacity band. Keyed by group code ("" for everyone) or band label."""

    groups: list[str]  # the ethnic groups drawn, in the order of ``EthnicGroup``
    drawn: dict[str, int]
    reviewed: dict[str, int]
    applicable: dict[tuple[str, str], int]  # (key question, group or band)
    sufficient: dict[tuple[str, str], int]
    marked_twice: int  # cases both of whose independent markings are submitted


@dataclass(frozen=True)
class RoundResults:
    reviewed: int
    sampled: int
    key_questions: list[str]
    rows: list[GroupResult]
    ratings: dict[str, str | None]  # by ethnic group ("" for everyone): lowest key question's share, by bands
    agreement: dict[str, Kappa | None]  # by key question, from the double-marked cases both marked
    bands: str
    # The share sufficient by the practitioner's capacity at the time: quality falling with overload is a
    # finding about the system, not about a practitioner.
    by_capacity: list[CapacityResult]
    counts: RoundCounts


def _judgements(round_: ReviewRound) -> tuple[dict[tuple[int, int], dict[str, str]], list[str]]:
    """{(sampled id, marking): {key question number: judgement}} for submitted reviews, and the numbers."""
    numbers = list(
        KeyQuestion.objects.filter(question_set=round_.question_set)
        .order_by("position")
        .values_list("number", flat=True)
    )
    answers: dict[tuple[int, int], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    rows = PromptAnswer.objects.filter(
        review__sampled__round=round_, review__status=ReviewStatus.SUBMITTED
    ).values_list("review__sampled_id", "review__marking", "prompt__key_question__number", "answer")
    for sampled_id, marking, number, answer in rows:
        answers[(sampled_id, marking)][number].append(answer)
    return (
        {
            key: {n: key_question_judgement(a) for n, a in by_number.items()}
            for key, by_number in answers.items()
        },
        numbers,
    )


@dataclass(frozen=True)
class RoundCases:
    """A round's reviewed cases as the estimates read them: each first marking's stratum, ethnic group and
    judgement per key question (a moderated key question's agreed judgement in its place), with N_h and r_h
    per stratum (r_h at least 1, so a stratum none of whose cases is reviewed yet weighs nothing)."""

    numbers: list[str]
    ids: list[int]  # the sampled cases reviewed, in the order of the arrays
    stratum: np.ndarray
    group: np.ndarray
    population: np.ndarray
    reviewed: np.ndarray
    judgements: dict[str, np.ndarray]  # by key question number

    def estimate(self, number: str, domain: np.ndarray) -> Estimate | None:
        """The design-weighted share sufficient of key question ``number`` among the cases in ``domain``
        where it applies (``stats.stratified_share``)."""
        values = self.judgements[number]
        if not self.ids:
            return None
        applies = domain & (values != "not_applicable")
        y = (values == SUFFICIENT).astype(float)
        return stratified_share(y, applies, self.stratum, self.population, self.reviewed)


def round_cases(round_: ReviewRound) -> RoundCases:
    """The round's reviewed cases (:class:`RoundCases`); four queries."""
    judged, numbers = _judgements(round_)
    return _cases(round_, judged, numbers)


def _cases(
    round_: ReviewRound, judged: dict[tuple[int, int], dict[str, str]], numbers: list[str]
) -> RoundCases:
    moderated = moderated_judgements(round_)
    strata = list(round_.strata_drawn.order_by("pk"))
    index = {s.pk: i for i, s in enumerate(strata)}
    sampled = round_.sampled.order_by("pk").values_list("pk", "stratum_id")
    first = [(pk, index[stratum]) for pk, stratum in sampled if (pk, 1) in judged]
    h = np.array([i for _, i in first], dtype=np.int64)
    return RoundCases(
        numbers=numbers,
        ids=[pk for pk, _ in first],
        stratum=h,
        group=np.array([strata[i].ethnic_group for i in h], dtype=object),
        population=np.array([s.population for s in strata], dtype=float),
        reviewed=np.maximum(np.bincount(h, minlength=len(strata)), 1).astype(float),
        judgements={
            number: np.array(
                [
                    moderated.get((pk, number), judged[(pk, 1)].get(number, "not_applicable"))
                    for pk, _ in first
                ],
                dtype=object,
            )
            for number in numbers
        },
    )


def round_results(round_: ReviewRound) -> RoundResults:
    """The round's estimates, comparisons, ratings and agreement (module docstring)."""
    judged, numbers = _judgements(round_)
    cases = _cases(round_, judged, numbers)
    sampled = list(round_.sampled.values_list("pk", "stratum_id", "capacity"))
    capacity = {pk: c for pk, _, c in sampled}
    band = np.array([_capacity_band(capacity[pk]) for pk in cases.ids], dtype=object)
    group = cases.group
    everyone = np.ones(len(cases.ids), dtype=bool)
    rows: list[GroupResult] = []
    shares: dict[str, dict[str, float | None]] = defaultdict(dict)
    comparisons: list[tuple[int, float]] = []
    by_capacity: list[CapacityResult] = []
    groups = [""] + [g for g in EthnicGroup.values if g in set(group.tolist())]
    strata = list(round_.strata_drawn.order_by("pk"))
    drawn_groups = {s.ethnic_group for s in strata}
    counts = RoundCounts(
        groups=[g for g in EthnicGroup.values if g in drawn_groups],
        drawn=_by_group([(s.ethnic_group, s.sample) for s in strata]),
        reviewed=_by_group([(g, 1) for g in group.tolist()]),
        applicable={},
        sufficient={},
        marked_twice=0,
    )
    for number in numbers:
        estimates = {g: cases.estimate(number, group == g if g else everyone) for g in groups}
        values = cases.judgements[number]
        applies = values != "not_applicable"
        y = (values == SUFFICIENT).astype(float)
        for g in groups:
            estimate = estimates[g]
            shares[g][number] = None if estimate is None else 100 * estimate.share
            _count(counts, number, g, applies & (group == g) if g else applies, y)
        for label in BAND_LABELS:
            _count(counts, number, label, applies & (band == label), y)
            by_capacity.append(CapacityResult(number, label, cases.estimate(number, band == label)))
        reference = estimates.get(REFERENCE_GROUP)
        for g in groups:
            comparison = None
            estimate = estimates[g]
            if g not in ("", REFERENCE_GROUP) and reference is not None and estimate is not None:
                comparison = compare(estimate, reference)
                comparisons.append((len(rows), comparison.p_value))
            rows.append(GroupResult(number, g, estimate, comparison))
    if comparisons:
        q = bh_qvalues([p for _, p in comparisons])
        for (at, _), q_value in zip(comparisons, q, strict=True):
            row = rows[at]
            rows[at] = GroupResult(
                row.key_question, row.ethnic_group, row.estimate, row.comparison, float(q_value)
            )
    bands = bands_of(round_.question_set)
    ratings = {g: overall_rating(shares[g], bands) for g in groups}
    agreement: dict[str, Kappa | None] = {}
    pairs = [pk for pk, _, _ in sampled if (pk, 1) in judged and (pk, 2) in judged]
    for number in numbers:
        a = [judged[(pk, 1)].get(number, "not_applicable") for pk in pairs]
        b = [judged[(pk, 2)].get(number, "not_applicable") for pk in pairs]
        agreement[number] = kappa(a, b, JUDGEMENTS) if len(pairs) >= 2 else None
    return RoundResults(
        reviewed=len(cases.ids),
        sampled=len(sampled),
        key_questions=numbers,
        rows=rows,
        ratings=ratings,
        agreement=agreement,
        bands=bands.describe(),
        by_capacity=by_capacity,
        counts=replace(counts, marked_twice=len(pairs)),
    )


def _count(counts: RoundCounts, number: str, label: str, domain: np.ndarray, y: np.ndarray) -> None:
    counts.applicable[number, label] = int(domain.sum())
    counts.sufficient[number, label] = int(y[domain].sum())


def _by_group(pairs: list[tuple[str, int]]) -> dict[str, int]:
    """Counts summed by ethnic group, with everyone's total under ""."""
    totals: dict[str, int] = defaultdict(int)
    for group, n in pairs:
        totals[group] += n
        totals[""] += n
    return dict(totals)


def group_label(value: str) -> str:
    """An ethnic group's name, "Everyone" for the whole round."""
    return EthnicGroup(value).label if value else "Everyone"


def _capacity_band(value: object) -> str:
    if value is None:
        return NOT_KNOWN
    number = float(value)  # type: ignore[arg-type]
    for label, low, high in CAPACITY_BANDS:
        if (low is None or number >= low) and (high is None or number < high):
            return label
    return NOT_KNOWN
