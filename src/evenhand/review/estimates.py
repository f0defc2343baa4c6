"""The review rounds' estimates as measures of the equality catalogue (issue 15, item 5; ADR 13): one measure
per key question, "<set> review: <number> sufficient", registered with :mod:`evenhand.equality.sampled` when
the app starts, so that the equality dashboard shows them by ethnic group for the nation, each region and
each PDU, with the engine's comparison against White people and its flag.

A period's estimates pool the rounds of the same kind whose review period ends in it (confirmed or closed;
a round drawn but not confirmed has no reviews). Each round is a stratified sample of its own PDU, so the
rounds together are one stratified sample with every round's strata (strata of different rounds are
different cases): a PDU's figure is its round's, and a region's or the nation's is the same estimator over the
strata of every round in it. The estimates, intervals and comparisons are ``review.stats``'s, read through
``review.results.round_cases`` exactly as a round's own results are, so a PDU's figure is the round's.
"""

from collections import defaultdict

import numpy as np
import pandas as pd

from evenhand.equality.engine import UNRECORDED
from evenhand.equality.measures import Period
from evenhand.equality.sampled import COLUMNS, SampledMeasure, SampledSource
from evenhand.people.models import EthnicGroup

from .models import ReviewRound, RoundStatus, SetKind
from .questions import QUESTION_SETS
from .results import RoundCases, round_cases
from .stats import Estimate, compare

# A comparison needs this many reviewed cases in each of the two groups: with fewer, the linearised variance
# of a share is too rough to test (a handful of cases all judged alike has a variance of 0).
MIN_CASES = 10
NOT_APPLICABLE = "not_applicable"
SAMPLING = (
    "Estimated from case review rounds, not counted from every case: each round is a stratified random sample "
    "of the PDU's cases (strata: ethnic group by tier band, small strata oversampled to a minimum), drawn by "
    "the service from a recorded seed with each case's inclusion probability stored. A share is "
    "design-weighted (each reviewed case weighs N_h / r_h, the cases in its stratum over those reviewed, so "
    "cases not yet reviewed are taken as missing at random within their stratum); cases where the key "
    "question does not apply are left out. Its variance is by linearisation (Taylor series) with the "
    "finite population correction, stratum by stratum, and its 95% interval is the logit interval "
    "(Clopper-Pearson at 0 or 100%). A group is compared with the reference group by the difference and the "
    f"ratio of shares (delta method), with a two-sided normal test, when each has at least {MIN_CASES} cases "
    "reviewed. A region's or the nation's figure pools the rounds of the PDUs in it that have one (their strata "
    "together) and covers only those PDUs. Benjamini-Hochberg q-values over every case review comparison."
)
KIND_TITLES = {
    SetKind.CASE: "Case review",
    SetKind.ENFORCEMENT: "Enforcement decision review",
    SetKind.RECALL: "Recall decision review",
    SetKind.ALLOCATION: "Allocation review",
    SetKind.REPORT: "Pre-sentence report review",
}


def measure_key(number: str) -> str:
    """The catalogue key of a key question (the numbers are unique across the sets: C1, E1, R1, A1, P1...)."""
    return f"review:{number}"


def _measures() -> tuple[SampledMeasure, ...]:
    """One measure per key question of the published sets, worded by the latest version that has it."""
    latest = {}
    for spec in sorted(QUESTION_SETS, key=lambda s: s.version):
        for question in spec.key_questions:
            latest[question.number] = (spec.kind, question.text)
    return tuple(
        SampledMeasure(
            measure_key(number),
            f"{KIND_TITLES[SetKind(kind)]}: {number} sufficient",
            f"{text} The share of the reviewed {SetKind(kind).label.lower()} cases judged sufficient on key "
            f"question {number} (sufficient when every prompt that applies is), among those it applies to.",
        )
        for number, (kind, text) in latest.items()
    )


def _pooled(parts: list[tuple[RoundCases, str, str]]) -> tuple[RoundCases, np.ndarray, np.ndarray]:
    """Several rounds' cases as one stratified sample (each round's strata numbered after the last's), with
    each case's PDU and region."""
    offsets = np.cumsum([0, *[len(cases.population) for cases, _, _ in parts[:-1]]])
    numbers = list(dict.fromkeys(n for cases, _, _ in parts for n in cases.numbers))
    pooled = RoundCases(
        numbers=numbers,
        ids=[pk for cases, _, _ in parts for pk in cases.ids],
        stratum=np.concatenate([c.stratum + o for (c, _, _), o in zip(parts, offsets, strict=True)]),
        group=np.concatenate([cases.group for cases, _, _ in parts]),
        population=np.concatenate([cases.population for cases, _, _ in parts]),
        reviewed=np.concatenate([cases.reviewed for cases, _, _ in parts]),
        judgements={
            n: np.concatenate(
                [c.judgements.get(n, np.full(len(c.ids), NOT_APPLICABLE, dtype=object)) for c, _, _ in parts]
            )
            for n in numbers
        },
    )
    pdu = np.concatenate([np.full(len(cases.ids), code, dtype=object) for cases, code, _ in parts])
    region = np.concatenate([np.full(len(cases.ids), code, dtype=object) for cases, _, code in parts])
    return pooled, pdu, region


def _rows(cases: RoundCases, number: str, level: str, unit: str, reference: str) -> list[dict[str, object]]:
    """The unit's groups for one key question, each against the reference group."""
    present = set(cases.group.tolist())
    found: dict[str, Estimate] = {}
    for group in EthnicGroup.values:
        if group in present:
            estimate = cases.estimate(number, cases.group == group)
            if estimate is not None:
                found[group] = estimate
    base = found.get(reference)
    rows = []
    for group, estimate in found.items():
        row: dict[str, object] = {
            "measure": measure_key(number),
            "level": level,
            "unit": unit,
            "group": group,
            "is_reference": group == reference,
            "cases": estimate.cases,
            "share": estimate.share,
            "share_low": estimate.low,
            "share_high": estimate.high,
            "note": "reference group" if group == reference else "",
        }
        if group != reference:
            if group in UNRECORDED:
                row["note"] = "ethnicity not recorded or not given: reported, never compared"
            elif base is None:
                row["note"] = "no reviewed cases of the reference group, so there is no comparison"
            elif min(estimate.cases, base.cases) < MIN_CASES:
                row["note"] = f"fewer than {MIN_CASES} cases reviewed in this group or the reference group"
            else:
                comparison = compare(estimate, base)
                # None of the group's cases sufficient: the ratio is 0 (outside any materiality band), though
                # its log interval is not defined.
                none = estimate.share == 0 and base.share > 0
                row.update(
                    difference=comparison.difference,
                    difference_low=comparison.difference_low,
                    difference_high=comparison.difference_high,
                    ratio=0.0 if none else comparison.ratio,
                    ratio_low=comparison.ratio_low,
                    ratio_high=comparison.ratio_high,
                    p_value=comparison.p_value,
                )
        rows.append(row)
    return rows


def estimate(period: Period, reference: str) -> pd.DataFrame:
    """The period's estimates of every key question by ethnic group, for the nation, each region and each PDU
    with a round (columns: ``equality.sampled.COLUMNS``)."""
    rounds = ReviewRound.objects.filter(
        status__in=[RoundStatus.CONFIRMED, RoundStatus.CLOSED],
        period_end__gte=period.start,
        period_end__lte=period.end,
    ).select_related("pdu__region")
    by_kind: dict[str, list[tuple[RoundCases, str, str]]] = defaultdict(list)
    for round_ in rounds.order_by("pk"):
        cases = round_cases(round_)
        if cases.ids:
            by_kind[round_.kind].append((cases, round_.pdu.code, round_.pdu.region.code))
    rows: list[dict[str, object]] = []
    for parts in by_kind.values():
        pooled, pdu, region = _pooled(parts)
        units = [("national", "national", np.ones(len(pooled.ids), dtype=bool))]
        units += [("region", code, region == code) for code in sorted(set(region.tolist()))]
        units += [("pdu", code, pdu == code) for code in sorted(set(pdu.tolist()))]
        for level, code, inside in units:
            within = _within(pooled, inside)
            for number in pooled.numbers:
                rows += _rows(within, number, level, code, reference)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _within(cases: RoundCases, inside: np.ndarray) -> RoundCases:
    """The cases of one unit: its rounds' strata are all of their own, so the unit's estimate is the same
    estimator over them alone (cases outside add nothing to a domain's sums or variance)."""
    return RoundCases(
        numbers=cases.numbers,
        ids=[pk for pk, keep in zip(cases.ids, inside, strict=True) if keep],
        stratum=cases.stratum[inside],
        group=cases.group[inside],
        population=cases.population,
        reviewed=cases.reviewed,
        judgements={n: values[inside] for n, values in cases.judgements.items()},
    )


CASE_REVIEW = SampledSource(name="review", sampling=SAMPLING, measures=_measures(), estimate=estimate)
