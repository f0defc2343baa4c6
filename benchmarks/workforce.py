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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
EVENHAND = str(ROOT / ".venv" / "bin" / "evenhand")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="DATABASE_URL of a database holding a synthetic service")
    parser.add_argument("--scale", default="tiny", choices=["tiny", "pdu", "region", "national"])
    parser.add_argument("--loads", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="evenhand-workforce-"))
    database = options.database or os.environ.get("DATABASE_URL", "")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="evenhand.settings",
        EVENHAND_DEMO="1",
        EVENHAND_PLAIN_STATIC="1",
        EVENHAND_CACHE_DIR=str(folder / "cache"),
    )
    os.environ.pop("REDIS_URL", None)
    scale = "given"
    if database:
        os.environ["DATABASE_URL"] = database
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
    from evenhand.equality.models import StoredFigures
    from evenhand.org.models import Grade
    from evenhand.org.services import create_staff_member
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

    staff = create_staff_member(
        staff_code=f"BENCH{random.randrange(10**6)}",
        first_name="Bench",
        last_name="Analyst",
        grade=Grade.HR_ANALYST,
        start_date=period.start,
        username=f"bench{random.randrange(10**9)}",
        password="a-long-benchmark-password",
    )
    client = Client()
    client.force_login(staff.user)
    units = [unit.code for unit in selectors.organisation().choosable()]
    measures = list(STAFF.measures)
    characteristics = sorted(
        StoredFigures.objects.filter(
            population=STAFF.key, period_start=period.start, period_end=period.end
        ).values_list("characteristic", flat=True)
    )
    choose = random.Random(options.seed)
    timings = []
    for load in range(options.loads):
        query = {
            "measure": choose.choice(measures),
            "unit": choose.choice(units),
            "characteristic": choose.choice(characteristics),
        }
        begin = time.perf_counter()
        response = client.get("/workforce/compare/", query)
        milliseconds = 1000 * (time.perf_counter() - begin)
        content = response.content
        shown = b'id="groups' in content or b'id="missing"' in content
        if response.status_code != 200 or not shown or b'http-equiv="refresh"' in content:
            sys.exit(
                f"load {load + 1} ({query['measure']}, {query['unit']}, {query['characteristic']}) answered"
                f" {response.status_code} without the stored figures"
            )
        timings.append(milliseconds)
        print(
            f"  {load + 1:>3} {query['measure']:<22} {query['unit']:<10} {query['characteristic']:<13}"
            f" {milliseconds:7.1f} ms"
        )
    ordered = sorted(timings)
    p95 = ordered[max(round(0.95 * len(ordered)) - 1, 0)]
    p50 = ordered[len(ordered) // 2]
    print(
        f"scale: {scale}; units: {len(units)}; first load (empty cache) {timings[0]:.0f} ms;"
        f" p50 {p50:.0f} ms; p95 {p95:.0f} ms; slowest {ordered[-1]:.0f} ms"
    )
    print("load average: " + ", ".join(f"{value:.2f}" for value in os.getloadavg()))
    print(f"workforce page p95 ms: {p95:.0f}")


if __name__ == "__main__":
    main()
