"""The tier, computed from the record and stored as a record: a new ``TierCalculation`` each time it changes.

The inputs are gathered from where each fact is recorded (the current risk review, open registrations, the
person's sex, the latest complete assessment, enforcement decisions and revoked sentences, the current
sentences and their requirements) for a block of people at a time with a handful of set-based queries, so
that one person and every person go through the same code (``inputs_for``), and a national recompute costs
a few queries per block rather than per person.
"""

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, Subquery, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from evenhand.cases.models import (
    IOM_REGISTRATION,
    RECALLS,
    REVOCATIONS,
    Decision,
    EnforcementDecision,
    Registration,
    Requirement,
    RequirementStatus,
    RiskSummary,
    Sentence,
    TerminationReason,
)
from evenhand.people.models import Person, Sex

from .. import tier
from ..models import FINISHED, Assessment, SectionAnswer, TierCalculation, TierTrigger
from ..sections import BY_KEY, IMPULSIVITY_ITEM, PARENTING_ITEM, TEMPER_ITEM, Severity
from ..selectors import current_tier

logger = logging.getLogger(__name__)

BLOCK = 10_000  # people per block of a bulk recompute
# A breach or recall counts for the women's factor when it was decided (and not corrected) or a sentence was
# revoked or recalled.
BREACH_OR_RECALL = (Decision.BREACH, *RECALLS)
ENDED_BY_BREACH_OR_RECALL = (*REVOCATIONS, TerminationReason.RECALLED)
NEEDS = (Severity.STANDARD, Severity.SEVERE)
ITEMS = (PARENTING_ITEM, IMPULSIVITY_ITEM, TEMPER_ITEM)
ITEM_SECTIONS = tuple({key for key, sec in BY_KEY.items() if any(item.code in ITEMS for item in sec.items)})


def _latest_risk(field: str) -> Subquery:
    latest = RiskSummary.objects.filter(person=OuterRef("pk")).order_by("-assessed_on", "-id")
    return Subquery(latest.values(field)[:1])


def _latest_assessment() -> Subquery:
    # The latest complete assessment with answers: one copied from a summary gives the tier nothing to read.
    answered = SectionAnswer.objects.filter(assessment=OuterRef("pk"))
    latest = (
        Assessment.objects.filter(person=OuterRef("pk"), status__in=FINISHED)
        .filter(Exists(answered))
        .order_by("-completed_on", "-completed_at", "-id")
    )
    return Subquery(latest.values("pk")[:1])


def _gather(people: dict[str, Any], today: dt.date) -> dict[int, tier.TierInputs]:
    """The tier inputs of the people ``people`` (lookups on ``Person``: ``{"pk": 3}``, a range of ids)
    selects, in eight queries whatever their number."""
    rows = list(
        Person.objects.filter(**people)
        .annotate(
            rosh=_latest_risk("rosh"),
            mappa_level=_latest_risk("mappa_level"),
            assessment_id=_latest_assessment(),
        )
        .values_list("pk", "sex", "rosh", "mappa_level", "assessment_id")
    )
    if not rows:
        return {}
    person_filter = {f"person__{key}": value for key, value in people.items()}
    registrations: dict[int, list[str]] = defaultdict(list)
    for person_id, type_ in Registration.objects.filter(end_date__isnull=True, **person_filter).values_list(
        "person_id", "type"
    ):
        registrations[person_id].append(type_)

    assessment_ids = [row[4] for row in rows if row[4] is not None]
    predictors = {
        pk: (ogrs, rsr)
        for pk, ogrs, rsr in Assessment.objects.filter(pk__in=assessment_ids).values_list("pk", "ogrs", "rsr")
    }
    # Only the needs, and the three items the women's factors read: a handful of rows per person.
    needs_of: dict[int, dict[str, str]] = defaultdict(dict)
    items_of: dict[int, dict[str, int]] = defaultdict(dict)
    for assessment_id, key, severity, *flags in (
        SectionAnswer.objects.filter(assessment_id__in=assessment_ids)
        .filter(Q(severity__in=NEEDS) | Q(section__in=ITEM_SECTIONS))
        .annotate(**{f"item_{n}": KT(f"answers__{code}") for n, code in enumerate(ITEMS)})
        .values_list("assessment_id", "section", "severity", *(f"item_{n}" for n in range(len(ITEMS))))
    ):
        if severity in NEEDS:
            needs_of[assessment_id][key] = severity
        for code, value in zip(ITEMS, flags, strict=True):
            # Text on PostgreSQL ("2"), the number itself on SQLite (JSON_EXTRACT): 0 (no) either way is not the factor.
            if value is not None and str(value) not in ("", "0"):
                items_of[assessment_id][code] = 1

    sentence_filter = {f"sentence__{key}": value for key, value in person_filter.items()}
    breached = set(
        EnforcementDecision.objects.filter(
            decision__in=BREACH_OR_RECALL, corrected_by__isnull=True, **sentence_filter
        ).values_list("sentence__person_id", flat=True)
    )
    breached |= set(
        Sentence.objects.filter(
            termination_reason__in=ENDED_BY_BREACH_OR_RECALL, **person_filter
        ).values_list("person_id", flat=True)
    )
    current = Q(termination_date__isnull=True) | Q(termination_date__gte=today)
    sentences: dict[int, dict[int, tuple[str, list[str]]]] = defaultdict(dict)
    for sentence_id, person_id, type_ in (
        Sentence.objects.filter(current, start_date__lte=today, **person_filter)
        .values_list("pk", "person_id", "type")
        .iterator(chunk_size=5_000)
    ):
        sentences[person_id][sentence_id] = (type_, [])
    by_sentence = {sid: parts for held in sentences.values() for sid, parts in held.items()}
    for sentence_id, type_ in (
        Requirement.objects.filter(
            sentence__in=Sentence.objects.filter(current, start_date__lte=today, **person_filter)
        )
        .exclude(status=RequirementStatus.TERMINATED)
        .values_list("sentence_id", "type")
        .iterator(chunk_size=5_000)
    ):
        if sentence_id in by_sentence:
            by_sentence[sentence_id][1].append(type_)

    inputs = {}
    for person_id, sex, rosh, mappa_level, assessment_id in rows:
        registered = tuple(sorted(registrations.get(person_id, ())))
        needs: dict[str, str] | None = None
        items: dict[str, int] = {}
        ogrs: int | None = None
        rsr: Decimal | None = None
        if assessment_id is not None:
            needs = needs_of.get(assessment_id, {})
            items = items_of.get(assessment_id, {})
            ogrs, rsr = predictors.get(assessment_id, (None, None))
        inputs[person_id] = tier.TierInputs(
            rosh=rosh or None,
            rsr=rsr,
            mappa_level=mappa_level,
            registrations=registered,
            female=sex == Sex.FEMALE,
            needs=needs,
            ogrs=ogrs,
            parenting_responsibilities=items.get(PARENTING_ITEM, 0) > 0,
            impulsivity_or_temper=items.get(IMPULSIVITY_ITEM, 0) > 0 or items.get(TEMPER_ITEM, 0) > 0,
            previous_breach_or_recall=person_id in breached,
            # An open integrated offender management registration makes the person an IOM nominal.
            iom_nominal=IOM_REGISTRATION in registered,
            mandate_for_change=tier.mandate_for_change(sentences.get(person_id, {}).values()),
        )
    return inputs


def inputs_for(person: Person | int, today: dt.date | None = None) -> tier.TierInputs:
    """One person's tier inputs, as recorded today."""
    pk = person if isinstance(person, int) else person.pk
    return _gather({"pk": pk}, today or timezone.localdate())[pk]


def _record(inputs: tier.TierInputs) -> dict[str, Any]:
    """``TierInputs.as_record()`` without ``dataclasses.asdict``'s deep copies (a national recompute builds
    hundreds of thousands); the same dict."""
    return {
        "rosh": inputs.rosh,
        "rsr": None if inputs.rsr is None else str(inputs.rsr),
        "mappa_level": inputs.mappa_level,
        "registrations": sorted(inputs.registrations),
        "female": inputs.female,
        "needs": None if inputs.needs is None else dict(sorted(inputs.needs.items())),
        "ogrs": inputs.ogrs,
        "parenting_responsibilities": inputs.parenting_responsibilities,
        "impulsivity_or_temper": inputs.impulsivity_or_temper,
        "previous_breach_or_recall": inputs.previous_breach_or_recall,
        "iom_nominal": inputs.iom_nominal,
        "mandate_for_change": inputs.mandate_for_change,
    }


def _lines(result: tier.TierResult) -> list[dict[str, Any]]:
    return [
        {"level": ln.level, "label": ln.label, "points": ln.points, "counted": ln.counted, "note": ln.note}
        for ln in result.lines
    ]


@dataclass(frozen=True)
class _Computed:
    """One set of inputs worked out: the result, and what a stored row holds of it."""

    result: tier.TierResult
    inputs: dict[str, Any]
    lines: list[dict[str, Any]]
    fingerprint: tuple[Any, ...]

    # The inputs and the lines as JSON, written once for everyone who shares them, and only when a new row is
    # written (a bulk recompute copies them into every new row).
    @cached_property
    def inputs_json(self) -> str:
        return json.dumps(self.inputs)

    @cached_property
    def lines_json(self) -> str:
        return json.dumps(self.lines)


def _key(record: dict[str, Any]) -> tuple[Any, ...]:
    """The inputs (as stored) as a tuple: equal exactly when the stored dicts are equal, and cheap to build
    and compare for hundreds of thousands of people."""
    needs = record.get("needs")
    return (
        record.get("rosh"),
        record.get("rsr"),
        record.get("mappa_level"),
        tuple(record.get("registrations") or ()),
        record.get("female"),
        None if needs is None else tuple(sorted(needs.items())),
        record.get("ogrs"),
        record.get("parenting_responsibilities"),
        record.get("impulsivity_or_temper"),
        record.get("previous_breach_or_recall"),
        record.get("iom_nominal"),
        record.get("mandate_for_change"),
        len(record),
    )


def _fingerprint(
    tier_: str, protect_points: int, change_points: int | None, version: int, inputs: dict[str, Any]
) -> tuple[Any, ...]:
    """What must match for a stored tier to be the same: the tier, its points, the version and the inputs."""
    return (tier_, protect_points, change_points, version, _key(inputs))


def _compute(inputs: tier.TierInputs, memo: dict[tuple[Any, ...], _Computed] | None = None) -> _Computed:
    """The calculation for these inputs (``TierInputError`` for one it cannot use); people with the same
    inputs share one (``memo``): a national recompute has far fewer distinct inputs than people."""
    record = _record(inputs)
    key = _key(record)
    if memo is not None and key in memo:
        return memo[key]
    result = tier.calculate(inputs)
    done = _Computed(
        result=result,
        inputs=record,
        lines=_lines(result),
        fingerprint=(result.tier, result.protect_points, result.change_points, result.version, key),
    )
    if memo is not None:
        memo[key] = done
    return done


def _row(
    person_id: int,
    computed: _Computed,
    *,
    trigger: str,
    reason: str,
    at: dt.datetime,
    assessment: Assessment | None = None,
) -> TierCalculation:
    result = computed.result
    return TierCalculation(
        person_id=person_id,
        tier=result.tier,
        protect=result.protect,
        protect_points=result.protect_points,
        change=result.change,
        change_points=result.change_points,
        change_reason=result.change_reason[:200],
        inputs=computed.inputs,
        lines=computed.lines,
        version=result.version,
        computed_at=at,
        trigger=trigger,
        reason=reason[:200],
        assessment=assessment,
    )


def _stored_fingerprint(row: TierCalculation | None) -> tuple[Any, ...] | None:
    if row is None:
        return None
    return _fingerprint(row.tier, row.protect_points, row.change_points, row.version, row.inputs)


@transaction.atomic
def recompute_tier(
    *, person: Person | int, trigger: str, reason: str = "", assessment: Assessment | None = None
) -> TierCalculation | None:
    """Compute the person's tier from the record; store it as a new row when it (its tier, points, inputs
    or version) differs from the last one. The new row, or None when nothing changed.

    ``TierInputError`` when a recorded input cannot be used (it names the input)."""
    pk = person if isinstance(person, int) else person.pk
    # One recomputation per person at a time, so two triggers at once store one change, not two.
    Person.objects.select_for_update().filter(pk=pk).first()
    computed = _compute(inputs_for(pk))
    if _stored_fingerprint(current_tier(pk)) == computed.fingerprint:
        return None
    row = _row(pk, computed, trigger=trigger, reason=reason, at=timezone.now(), assessment=assessment)
    row.save()
    return row


def on_tier_inputs_changed(sender: Any, *, person_id: int, trigger: str, **kwargs: Any) -> None:
    """The receiver of ``cases.signals.tier_inputs_changed``: recompute after a risk review or a
    registration changed. A record the calculation cannot use is logged, never an error for the writer."""
    if trigger not in TierTrigger.values:
        trigger = TierTrigger.RECOMPUTE
    try:
        recompute_tier(person=person_id, trigger=trigger, reason=TierTrigger(trigger).label)
    except tier.TierInputError as error:
        logger.warning("Tier of person %s not recomputed: %s (%s)", person_id, error.message, error.field)


@dataclass
class RecomputeReport:
    people: int = 0
    changed: int = 0
    refused: int = 0


def _blocks(block: int) -> Iterator[tuple[int, int]]:
    """(first id, last id) of consecutive blocks of ``block`` people, by id."""
    ids = Person.objects.order_by("pk").values_list("pk", flat=True)
    first = None
    count = 0
    last = 0
    for pk in ids.iterator(chunk_size=50_000):
        if first is None:
            first = pk
        last = pk
        count += 1
        if count == block:
            yield first, last
            first, count = None, 0
    if first is not None:
        yield first, last


def _latest_stored(lo: int, hi: int) -> dict[int, tuple[Any, ...]]:
    """The fingerprint of each person's latest stored tier, for the people with ids from ``lo`` to ``hi``."""
    # The inputs as the database's text, parsed once for each distinct text rather than once a person.
    fields = ("person_id", "tier", "protect_points", "change_points", "version", Cast("inputs", TextField()))
    if connection.vendor == "postgresql":
        # DISTINCT ON walks the (person, computed_at, id) index over the block's range: several times faster
        # than a subquery per person at national scale.
        rows = (
            TierCalculation.objects.filter(person_id__gte=lo, person_id__lte=hi)
            .order_by("person_id", "-computed_at", "-id")
            .distinct("person_id")
            .values_list(*fields)
        )
    else:
        latest = TierCalculation.objects.filter(person_id=OuterRef("pk")).order_by("-computed_at", "-id")
        ids = (
            Person.objects.filter(pk__gte=lo, pk__lte=hi)
            .annotate(latest=Subquery(latest.values("pk")[:1]))
            .exclude(latest__isnull=True)
            .values_list("latest", flat=True)
        )
        rows = TierCalculation.objects.filter(pk__in=ids).values_list(*fields)
    keys: dict[str, tuple[Any, ...]] = {}
    found: dict[int, tuple[Any, ...]] = {}
    for person_id, tier_, protect_points, change_points, version, text in rows:
        key = keys.get(text)
        if key is None:
            key = keys[text] = _key(json.loads(text))
        found[person_id] = (tier_, protect_points, change_points, version, key)
    return found


COPIED = (
    "person_id",
    "tier",
    "protect",
    "protect_points",
    "change",
    "change_points",
    "change_reason",
    "inputs",
    "lines",
    "version",
    "computed_at",
    "trigger",
    "reason",
)


def _insert(new: list[tuple[int, _Computed]], *, reason: str, at: dt.datetime) -> None:
    """Write the new tiers of a bulk recompute (person id and what was computed for them): with COPY on
    PostgreSQL (several times faster than INSERT for a national recompute), straight from the computed
    values and their JSON, written once for everyone who shares them; else in bulk INSERTs."""
    if not new:
        return
    trigger = TierTrigger.RECOMPUTE.value
    if connection.vendor != "postgresql":
        rows = [
            _row(person_id, computed, trigger=trigger, reason=reason, at=at) for person_id, computed in new
        ]
        TierCalculation.objects.bulk_create(rows, batch_size=2_000)
        return
    table = TierCalculation._meta.db_table
    statement = f"COPY {table} ({', '.join(COPIED)}) FROM STDIN"
    reason = reason[:200]
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:  # type: ignore[attr-defined]
        for person_id, computed in new:
            result = computed.result
            # In the order of COPIED.
            copy.write_row(
                (
                    person_id,
                    result.tier,
                    result.protect,
                    result.protect_points,
                    result.change,
                    result.change_points,
                    result.change_reason[:200],
                    computed.inputs_json,
                    computed.lines_json,
                    result.version,
                    at,
                    trigger,
                    reason,
                )
            )


def recompute_all(
    *, block: int = BLOCK, reason: str = "Recomputed for everyone", progress: Any = None
) -> RecomputeReport:
    """Recompute every person's tier, a block of people at a time (each block in its own transaction),
    storing a new row only for those whose tier changed. ``progress`` is called with the people done."""
    report = RecomputeReport()
    today = timezone.localdate()
    memo: dict[tuple[Any, ...], _Computed] = {}
    for lo, hi in _blocks(block):
        with transaction.atomic():
            inputs = _gather({"pk__gte": lo, "pk__lte": hi}, today)
            stored = _latest_stored(lo, hi)
            now = timezone.now()
            new: list[tuple[int, _Computed]] = []
            for person_id, given in inputs.items():
                try:
                    computed = _compute(given, memo)
                except tier.TierInputError as error:
                    report.refused += 1
                    logger.warning("Tier of person %s not computed: %s", person_id, error.message)
                    continue
                if stored.get(person_id) != computed.fingerprint:
                    new.append((person_id, computed))
            _insert(new, reason=reason, at=now)
        report.people += len(inputs)
        report.changed += len(new)
        if progress is not None:
            progress(report.people)
    return report
