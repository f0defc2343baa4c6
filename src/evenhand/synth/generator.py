"""Generate a synthetic probation service into the configured database.

The same scale, seed, end date and bias file give the same rows, in the same order, with the same ids: the
fingerprint (a hash of every generated value) is equal across runs and across SQLite and PostgreSQL.
"""

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from evenhand.core.planner import analyse

from . import assessments, plans, recall, reviews, workforce
from .bias import BiasSpec, load_bias
from .caseload import GROUPS, CaseloadBuilder, Ids, Period, Truth
from .load import BulkWriter, ensure_empty
from .organisation import EPOCH, build_organisation
from .scales import MAX_SEED, SCALES, Scale

DEFAULT_END_DATE = dt.date(2026, 10, 31)


class SynthError(ValueError):
    """Bad arguments: reported before anything is written."""


@dataclass
class Result:
    scale: str
    seed: int
    end_date: dt.date
    fingerprint: str
    rows: dict[str, int]
    seconds: dict[str, float]
    truth: dict[str, Any] = field(default_factory=dict)
    pdu_codes: list[str] = field(default_factory=list)
    region_codes: list[str] = field(default_factory=list)


Progress = Callable[[str, int, int], None]  # stage, done, total


def check_arguments(scale: str, seed: int, end_date: dt.date | None) -> tuple[Scale, dt.date]:
    if scale not in SCALES:
        raise SynthError(f"Unknown scale '{scale}': choose one of {', '.join(SCALES)}")
    if not 0 <= seed <= MAX_SEED:
        raise SynthError(f"The seed must be a whole number from 0 to {MAX_SEED}, not {seed}")
    end = end_date or DEFAULT_END_DATE
    if end > timezone.localdate():
        raise SynthError(f"The end date {end:%Y-%m-%d} is in the future: the data records what has happened")
    if end < dt.date(2015, 1, 1):
        raise SynthError("The end date must be in 2015 or later")
    return SCALES[scale], end


@contextmanager
def _bulk_sqlite(write: bool) -> Iterator[None]:
    """On SQLite, load with a rollback journal and without per-row foreign key checks, then go back to WAL and
    checks. In WAL mode every page is written twice (to the log, then into the file when the log is
    checkpointed: 3.4 GB more at national scale); with a rollback journal, pages added to the file are not
    journaled at all. The generator makes its own keys, and its tests check every reference it writes
    (tests/synth/test_rows_valid.py)."""
    if not write or connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=DELETE")
        cursor.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")


def generate(
    *,
    scale: str,
    seed: int,
    bias_path: str | Path | None = None,
    end_date: dt.date | None = None,
    write: bool = True,
    progress: Progress | None = None,
) -> Result:
    """Build the dataset and (unless ``write`` is False) load it, in one transaction, into an empty database."""
    chosen, end = check_arguments(scale, seed, end_date)
    seeds = np.random.SeedSequence(seed).spawn(chosen.pdus + 1)
    period = Period(end)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    created = (period.start_day - 400) * 86_400 + 9 * 3600
    org = build_organisation(
        chosen, np.random.default_rng(seeds[0]), created, period.start_day, period.end_day
    )
    bias = BiasSpec()
    if bias_path is not None:
        bias = load_bias(bias_path, regions=set(org.region_codes), pdus=set(org.pdu_codes))
    if write:
        ensure_empty()
    truth = Truth(chosen.pdus)
    ids = Ids()
    digest = hashlib.sha256(f"{chosen.name}:{seed}:{end}:{bias.source}".encode())
    writer = BulkWriter()
    rows: dict[str, int] = {}
    timings["organisation"] = time.perf_counter() - clock

    def emit(tables: list) -> None:
        for table in tables:
            table.digest_into(digest)
            rows[table.name] = rows.get(table.name, 0) + len(table)
            if write:
                started = time.perf_counter()
                writer.write(table)
                timings["writing"] = timings.get("writing", 0.0) + time.perf_counter() - started

    with _bulk_sqlite(write), transaction.atomic():
        if write and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Django's foreign keys are deferred to commit; millions of queued checks would be slow.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        emit(org.tables)
        started = time.perf_counter()
        # The staff's equality declarations and HR histories, from a generator of their own (the last seed).
        staff_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(chosen.pdus + 2)[-1])
        staff = workforce.WorkforceBuilder(org, period, bias, truth, staff_rng)
        staff_tables = staff.build()
        timings["workforce"] = time.perf_counter() - started
        # The caseload's sensitive allocations are biased, and counted, by what the practitioners declared.
        builder = CaseloadBuilder(org, period, bias, ids, truth, staff_ethnicity=staff.declared)
        emit(staff_tables)
        if progress:
            progress("organisation", 1, 1)
        question_sets = reviews.question_sets()  # what the review rounds answer
        for p in range(chosen.pdus):
            started = time.perf_counter()
            tables = builder.build(p, np.random.default_rng(seeds[p + 1]))
            tables += recall.tables(builder, tables)  # risk information, rescheduled appointments
            tables += assessments.tiers(builder, tables)  # from every record of the PDU, so last
            tables += plans.tables(builder, tables)  # sentence plans and pre-sentence reports
            timings["generating"] = timings.get("generating", 0.0) + time.perf_counter() - started
            reviewing = time.perf_counter()
            tables += reviews.tables(builder, tables, question_sets)  # completed case and decision rounds
            timings["reviews"] = timings.get("reviews", 0.0) + time.perf_counter() - reviewing
            emit(tables)
            if progress:
                progress("caseload", p + 1, chosen.pdus)
        if write:
            writer.finish()
    if write:
        # The planner's statistics for what was just loaded (autovacuum would take a while to notice).
        analyse(writer.rows)
    timings["total"] = time.perf_counter() - clock
    return Result(
        scale=chosen.name,
        seed=seed,
        end_date=end,
        fingerprint=digest.hexdigest(),
        rows=rows,
        seconds=timings,
        truth=ground_truth(truth, bias, org, period, chosen, seed),
        pdu_codes=org.pdu_codes,
        region_codes=org.region_codes,
    )


def ground_truth(
    truth: Truth, bias: BiasSpec, org: Any, period: Period, scale: Scale, seed: int
) -> dict[str, Any]:
    """Every injected effect, and for every measure, unit and group the effect the bias had on the population:
    expected events with the bias over expected events without it (1.0 where no effect applies)."""

    def cells(sums: np.ndarray, declared: Callable[[str], float]) -> dict[str, Any]:
        out = {}
        for g, group in enumerate(GROUPS):
            n, without, with_bias = (float(x) for x in sums[g])
            out[group] = {
                "n": int(n),
                "expected_events_without_bias": round(without, 6),
                "expected_events": round(with_bias, 6),
                "effect": round(with_bias / without, 6) if without > 0 else None,
                "declared_multiplier": declared(group),
            }
        return out

    def declared_for(measure: str, units: set[str]) -> Callable[[str], float]:
        def multiplier(group: str) -> float:
            from evenhand.people.models import GROUP_OF_ETHNICITY

            total = 1.0
            for effect in bias.for_measure(measure):
                codes = effect.ethnicity_codes()
                groups = {str(GROUP_OF_ETHNICITY[c]) for c in codes}
                if group in groups and (effect.unit == "national" or effect.unit in units):
                    total *= effect.multiplier
            return total

        return multiplier

    measures: dict[str, Any] = {}
    for measure, sums in sorted(truth.sums.items()):
        pdus = {}
        for p, code in enumerate(org.pdu_codes):
            region = org.region_codes[org.pdu_region[p]]
            pdus[code] = cells(sums[p], declared_for(measure, {code, region}))
        regions = {}
        for r, code in enumerate(org.region_codes):
            in_region = org.pdu_region == r
            regions[code] = cells(sums[in_region].sum(axis=0), declared_for(measure, {code}))
        measures[measure] = {
            "national": cells(sums.sum(axis=0), declared_for(measure, set())),
            "regions": regions,
            "pdus": pdus,
        }
    return {
        "scale": scale.name,
        "seed": seed,
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "effects": [effect.__dict__ for effect in bias.effects],
        "groups": list(GROUPS),
        "note": (
            "effect = expected events with the declared bias / expected events without it, over the decisions "
            "the measure governs in that unit and group; 1.0 means no injected effect. declared_multiplier is "
            "the product of the odds multipliers declared for the unit and group (a regional or national cell "
            "includes only effects declared at that level)."
        ),
        "measures": measures,
        "epoch": EPOCH.isoformat(),
    }
