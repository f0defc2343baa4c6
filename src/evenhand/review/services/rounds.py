"""Writes of the review app: each service one transaction, keyword-only typed arguments, rules checked first."""

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from evenhand.org.models import PDU, Role, StaffMember
from evenhand.people.models import EthnicGroup
from evenhand.workload.selectors import NoWeightingInForce, figures

from .. import loading
from ..models import (
    KeyQuestion,
    Prompt,
    QuestionSet,
    ReviewRound,
    RoundStatus,
    RoundStratum,
    SampledCase,
    SetKind,
    Strata,
    TierBand,
)
from ..population import Member, population
from ..sampling import SampleError, allocate, double_marked, draw

MAX_SEED = 2**63 - 1
MAX_PERIOD_DAYS = 366 * 2


@transaction.atomic
def load_question_sets() -> int:
    """Store the published question sets not yet stored (the data migration does this on install; tests that
    flush the database and the synthetic service call it again). Returns how many versions it stored."""
    return loading.load(QuestionSet, KeyQuestion, Prompt)


def ensure_runs_rounds(staff: StaffMember, pdu: PDU) -> None:
    if staff.role == Role.ADMIN:
        return
    if staff.role != Role.HEAD_OF_PDU or staff.pdu_id != pdu.pk:
        raise PermissionDenied("Only the head of this PDU may set up or confirm its review rounds.")


def _strata(kind: str) -> list[tuple[str, str]]:
    bands = TierBand.values if kind == Strata.ETHNIC_GROUP_TIER else [""]
    return [(group, band) for group in EthnicGroup.values for band in bands]


@transaction.atomic
def draw_round(
    *,
    by: StaffMember,
    pdu: PDU,
    kind: str,
    period_start: dt.date,
    period_end: dt.date,
    sample_size: int,
    minimum_per_stratum: int = 5,
    strata: str = Strata.ETHNIC_GROUP_TIER,
    exclude_months: int = 12,
    double_mark_share: Decimal = Decimal("0.10"),
    seed: int | None = None,
) -> ReviewRound:
    """Draw a round's stratified random sample (``sampling`` states the design) and store it as drawn, to be
    seen and confirmed. The seed is recorded (a new random one when none is given), so the same population
    and seed give the same sample. A stratum with no cases is kept with a population of 0: reported, not an
    error. Refused with a clear error, writing nothing: a sample larger than the population, a period that
    ends before it starts or in the future, a kind with no published question set."""
    ensure_runs_rounds(by, pdu)
    if kind not in SetKind.values:
        raise ValidationError({"kind": "Choose what the round reviews."})
    if strata not in Strata.values:
        raise ValidationError({"strata": "Choose how the sample is stratified."})
    today = timezone.localdate()
    if period_end < period_start:
        raise ValidationError({"period_end": "The period must end on or after its start."})
    if period_end > today:
        raise ValidationError({"period_end": "The period cannot end in the future."})
    if (period_end - period_start).days > MAX_PERIOD_DAYS:
        raise ValidationError({"period_start": "A round covers at most two years."})
    if not 0 <= double_mark_share <= 1:
        raise ValidationError({"double_mark_share": "The share marked twice is between 0 and 1."})
    if not 0 <= exclude_months <= 120:
        raise ValidationError({"exclude_months": "Leave out cases reviewed up to 120 months back, or none."})
    if seed is None:
        seed = secrets.randbelow(MAX_SEED)
    elif not 0 <= seed <= MAX_SEED:
        raise ValidationError({"seed": f"A seed is a whole number from 0 to {MAX_SEED}."})
    question_set = QuestionSet.objects.filter(kind=kind).order_by("-version").first()
    if question_set is None:
        raise ValidationError({"kind": "No question set is published for this kind of review."})

    members, _excluded = population(
        pdu=pdu, kind=kind, start=period_start, end=period_end, exclude_months=exclude_months
    )
    cells = _strata(strata)
    index = {cell: i for i, cell in enumerate(cells)}
    codes = np.array(
        [index[(m.ethnic_group, m.tier_band if strata == Strata.ETHNIC_GROUP_TIER else "")] for m in members],
        dtype=np.int64,
    )
    sizes = np.bincount(codes, minlength=len(cells))
    try:
        allocation = allocate(sizes, sample_size, minimum_per_stratum)
    except SampleError as error:
        raise ValidationError({"sample_size": str(error)}) from error
    rng = np.random.default_rng(seed)
    chosen = np.flatnonzero(draw(codes, allocation.sample, rng)[0])
    twice = double_marked(chosen.size, float(double_mark_share), rng)

    round_ = ReviewRound.objects.create(
        pdu=pdu,
        kind=kind,
        question_set=question_set,
        period_start=period_start,
        period_end=period_end,
        strata=strata,
        sample_size=sample_size,
        minimum_per_stratum=minimum_per_stratum,
        exclude_months=exclude_months,
        double_mark_share=double_mark_share,
        seed=seed,
        population=len(members),
        drawn_by=by,
        drawn_at=timezone.now(),
    )
    stored = RoundStratum.objects.bulk_create(
        RoundStratum(round=round_, ethnic_group=group, tier_band=band, population=int(n), sample=int(s))
        for (group, band), n, s in zip(cells, allocation.population, allocation.sample, strict=True)
    )
    probabilities = allocation.probabilities
    context = _context([members[i] for i in chosen])
    SampledCase.objects.bulk_create(
        SampledCase(
            round=round_,
            stratum=stored[codes[i]],
            person_id=members[i].person_id,
            subject_id=members[i].subject_id,
            practitioner_id=members[i].practitioner_id,
            inclusion_probability=float(probabilities[codes[i]]),
            double_marked=bool(twice[j]),
            judged_on=members[i].judged_on,
            **context.get((members[i].practitioner_id, members[i].judged_on), {}),
        )
        for j, i in enumerate(chosen)
    )
    return round_


def _context(members: list[Member]) -> dict[tuple[int | None, dt.date], dict[str, Any]]:
    """The practitioner's capacity (from the workload model), grade and months in post on the day of each
    judged piece of work: one workload computation for all of them (seven queries, whatever the sample)."""
    staff_ids = {m.practitioner_id for m in members if m.practitioner_id is not None}
    if not staff_ids:
        return {}
    days = sorted({m.judged_on for m in members})
    staff = {s.pk: s for s in StaffMember.objects.filter(pk__in=staff_ids)}
    try:
        found = figures(StaffMember.objects.filter(pk__in=staff_ids), days)
    except NoWeightingInForce:
        found = [{} for _ in days]  # no weighting table then: the capacity is not known
    context: dict[tuple[int | None, dt.date], dict[str, Any]] = {}
    for slot, day in enumerate(days):
        for pk in staff_ids:
            member = staff[pk]
            figure = found[slot].get(pk)
            months = (day.year - member.start_date.year) * 12 + day.month - member.start_date.month
            context[(pk, day)] = {
                "capacity": figure.capacity if figure is not None else None,
                "grade": member.grade,
                "months_in_post": max(months, 0) if member.start_date <= day else None,
            }
    return context


def _drawn(by: StaffMember, round_id: int) -> ReviewRound:
    round_ = ReviewRound.objects.select_for_update().filter(pk=round_id).first()
    if round_ is None:
        raise ValidationError("No such review round.")
    ensure_runs_rounds(by, round_.pdu)
    if round_.status != RoundStatus.DRAWN:
        raise ValidationError(f"This round is already {round_.get_status_display().lower()}.")
    return round_


@transaction.atomic
def confirm_round(*, by: StaffMember, round_id: int) -> ReviewRound:
    """Confirm a drawn round: its sample becomes the cases to review."""
    round_ = _drawn(by, round_id)
    round_.status = RoundStatus.CONFIRMED
    round_.confirmed_by = by
    round_.confirmed_at = timezone.now()
    round_.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    return round_


@transaction.atomic
def discard_round(*, by: StaffMember, round_id: int) -> ReviewRound:
    """Discard a drawn round before confirming it (kept, with its draw, as a record of what was seen)."""
    round_ = _drawn(by, round_id)
    round_.status = RoundStatus.DISCARDED
    round_.save(update_fields=["status"])
    return round_
