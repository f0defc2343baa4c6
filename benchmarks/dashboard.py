"""Benchmark the equality dashboard answering from precomputed figures (ADR 11).

The issue's goal: at national scale, with the standard period precomputed, the p95 of 50 dashboard loads
across measures and units is at most 300 ms. This script

1. uses the database in ``--database`` (a ``DATABASE_URL``: a national PostgreSQL database made with
   ``evenhand synth --scale national``), or generates one at ``--scale`` (``region`` by default, a few
   minutes; ``national`` about ten) into a temporary SQLite file;
2. computes the last 12 months by ethnic group as the nightly job does (timed, not part of the result);
3. signs in an analyst and loads the dashboard 50 times (``--loads``) through Django's test client, each load
   a random measure and unit (England and Wales, a region or a PDU), the first with an empty cache, and
   prints each load's time, p50, p95 and the slowest, with the machine's load average.

    .venv/bin/python benchmarks/dashboard.py [--database URL] [--scale region|national] [--loads 50]

It is a benchmark, not a test, and ends with the line ``dashboard p95 ms: N``.
"""

import argparse
import random
import time

from stored_pages import prepare, signed_in, summarise, time_loads

GOAL_MS = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="DATABASE_URL of a database holding a synthetic service")
    parser.add_argument("--scale", default="region", choices=["pdu", "region", "national"])
    parser.add_argument("--loads", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    scale = prepare("evenhand-dashboard-", options.database or "", options.scale)

    from django.utils import timezone

    from evenhand.equality import selectors
    from evenhand.equality.engine import Settings
    from evenhand.equality.measures import CATALOGUE
    from evenhand.equality.services import compute_figures
    from evenhand.org.models import Grade

    period = selectors.default_period(timezone.localdate())
    started = time.perf_counter()
    compute_figures(period, Settings(), standard="last 12 months")
    print(
        f"precomputing {period.start} to {period.end} by ethnic group: {time.perf_counter() - started:.1f} s"
    )
    client = signed_in(Grade.ANALYST, period.start)
    units = [unit.code for unit in selectors.organisation().choosable()]
    measures = [key for key, measure in CATALOGUE.items() if "ethnic_group" in measure.characteristics]
    choose = random.Random(options.seed)
    dates = {
        "from-day": period.start.day,
        "from-month": period.start.month,
        "from-year": period.start.year,
        "to-day": period.end.day,
        "to-month": period.end.month,
        "to-year": period.end.year,
    }
    queries = [
        {**dates, "measure": choose.choice(measures), "unit": choose.choice(units)}
        for _ in range(options.loads)
    ]
    timings = time_loads(
        client,
        "/equality/",
        queries,
        shown=lambda content: b'id="groups' in content or b"no figures" in content,
        label="measure unit",
    )
    summarise(scale, len(units), timings, "dashboard p95 ms", GOAL_MS)


if __name__ == "__main__":
    main()
