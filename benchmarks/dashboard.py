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
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
EVENHAND = str(ROOT / ".venv" / "bin" / "evenhand")
GOAL_MS = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="DATABASE_URL of a database holding a synthetic service")
    parser.add_argument("--scale", default="region", choices=["pdu", "region", "national"])
    parser.add_argument("--loads", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="evenhand-dashboard-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="evenhand.settings",
        EVENHAND_DEMO="1",
        EVENHAND_PLAIN_STATIC="1",
        EVENHAND_CACHE_DIR=str(folder / "cache"),
    )
    os.environ.pop("REDIS_URL", None)
    scale = "given"
    if options.database:
        os.environ["DATABASE_URL"] = options.database
    else:
        scale = options.scale
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'evenhand.sqlite3'}"
        print(f"Generating a {scale}-scale service into {folder} …", flush=True)
        subprocess.run([EVENHAND, "migrate", "--verbosity", "0"], check=True)
        subprocess.run([EVENHAND, "synth", "--scale", scale, "--seed", "1", "--verbosity", "0"], check=True)

    import django

    django.setup()
    from django.test import Client
    from django.utils import timezone

    from evenhand.equality import selectors
    from evenhand.equality.engine import Settings
    from evenhand.equality.measures import CATALOGUE
    from evenhand.equality.services import compute_figures
    from evenhand.org.models import Grade
    from evenhand.org.services import create_staff_member

    period = selectors.default_period(timezone.localdate())
    started = time.perf_counter()
    compute_figures(period, Settings(), standard="last 12 months")
    print(
        f"precomputing {period.start} to {period.end} by ethnic group: {time.perf_counter() - started:.1f} s"
    )

    staff = create_staff_member(
        staff_code=f"BENCH{random.randrange(10**6)}",
        first_name="Bench",
        last_name="Analyst",
        grade=Grade.ANALYST,
        start_date=period.start,
        username=f"bench{random.randrange(10**9)}",
        password="a-long-benchmark-password",
    )
    client = Client()
    client.force_login(staff.user)
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
    timings = []
    for load in range(options.loads):
        query = {**dates, "measure": choose.choice(measures), "unit": choose.choice(units)}
        begin = time.perf_counter()
        response = client.get("/equality/", query)
        milliseconds = 1000 * (time.perf_counter() - begin)
        shown = b'id="groups' in response.content or b"no figures" in response.content
        if response.status_code != 200 or not shown:
            sys.exit(f"load {load + 1} ({query['measure']}, {query['unit']}) answered {response.status_code}")
        timings.append(milliseconds)
        print(f"  {load + 1:>3} {query['measure']:<28} {query['unit']:<10} {milliseconds:7.1f} ms")
    ordered = sorted(timings)
    p95 = ordered[max(round(0.95 * len(ordered)) - 1, 0)]
    p50 = ordered[len(ordered) // 2]
    print(
        f"scale: {scale}; units: {len(units)}; first load (empty cache) {timings[0]:.0f} ms;"
        f" p50 {p50:.0f} ms; p95 {p95:.0f} ms; slowest {ordered[-1]:.0f} ms; goal p95 ≤ {GOAL_MS} ms"
    )
    print("load average: " + ", ".join(f"{value:.2f}" for value in os.getloadavg()))
    print(f"dashboard p95 ms: {p95:.0f}")


if __name__ == "__main__":
    main()
