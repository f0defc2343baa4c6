"""Benchmark the workforce comparison page answering from precomputed figures (ADR 11).

The page (/workforce/compare/) reads the staff analysis a job stored; no request computes it. This script

1. uses the database in ``--database`` (or ``DATABASE_URL``: a PostgreSQL database made with ``evenhand synth``,
   national for the real figure), or generates one at ``--scale`` (``tiny`` by default; ``region`` takes a few
   minutes) into a temporary SQLite file;
2. times the precomputation of the workforce figures (the last 365 days, by every characteristic the staff are
   split by), as the nightly job does;
3. signs in an HR analyst and loads the page 50 times (``--loads``) through Django's test client, each load a
   random measure, unit (England and Wales, a region or a PDU) and characteristic, the first with an empty
   cache, and prints each load's time, p50, p95 and the slowest, with the machine's load average.

    .venv/bin/python benchmarks/workforce.py [--database URL] [--scale tiny|pdu|region] [--loads 50]

It is a benchmark, not a test, and ends with the line ``workforce page p95 ms: N``.
"""

import argparse
import os
import random
import sys
import time

from stored_pages import prepare, signed_in, summarise, time_loads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="DATABASE_URL of a database holding a synthetic service")
    parser.add_argument("--scale", default="tiny", choices=["tiny", "pdu", "region", "national"])
    parser.add_argument("--loads", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    database = options.database or os.environ.get("DATABASE_URL", "")
    scale = prepare("evenhand-workforce-", database, options.scale)

    from django.utils import timezone

    from evenhand.equality import selectors
    from evenhand.equality.models import StoredFigures
    from evenhand.org.models import Grade
    from evenhand.workforce.catalogue import STAFF
    from evenhand.workforce.comparison import last_twelve_months
    from evenhand.workforce.services import precompute_comparison

    period = last_twelve_months(timezone.localdate())
    started = time.perf_counter()
    done = precompute_comparison(timezone.localdate())
    print(
        f"precomputing the workforce figures, {period.start} to {period.end}, by"
        f" {len(done['computed'])} characteristics: {time.perf_counter() - started:.1f} s"
    )
    for skipped in done["skipped"]:
        print(f"  skipped: {skipped}")
    if not done["computed"]:
        sys.exit("no workforce figures could be computed: the database has no declared staff")

    client = signed_in(Grade.HR_ANALYST, period.start)
    units = [unit.code for unit in selectors.organisation().choosable()]
    measures = list(STAFF.measures)
    characteristics = sorted(
        StoredFigures.objects.filter(
            population=STAFF.key, period_start=period.start, period_end=period.end
        ).values_list("characteristic", flat=True)
    )
    choose = random.Random(options.seed)
    queries = [
        {
            "measure": choose.choice(measures),
            "unit": choose.choice(units),
            "characteristic": choose.choice(characteristics),
        }
        for _ in range(options.loads)
    ]
    timings = time_loads(
        client,
        "/workforce/compare/",
        queries,
        shown=lambda content: (
            (b'id="groups' in content or b'id="missing"' in content)
            and b'http-equiv="refresh"' not in content
        ),
        label="measure unit characteristic",
    )
    summarise(scale, len(units), timings, "workforce page p95 ms")


if __name__ == "__main__":
    main()
