"""What the benchmarks of pages answered from stored figures share (``dashboard.py``, ``workforce.py``): the
database to use (a given one, or a synthetic service generated into a temporary SQLite file), a signed-in
member of staff, timed loads of one page with random choices, and the summary line of their times."""

import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
EVENHAND = str(ROOT / ".venv" / "bin" / "evenhand")


def prepare(prefix: str, database: str, scale: str) -> str:
    """Point Django at ``database``, or at a new ``scale`` service generated into a temporary folder (the cache
    in that folder too, and not Redis: the figures' first load is the file cache's); set Django up. Returns
    the scale for the summary ("given" for a database given)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="evenhand.settings",
        EVENHAND_DEMO="1",
        EVENHAND_PLAIN_STATIC="1",
        EVENHAND_CACHE_DIR=str(folder / "cache"),
    )
    os.environ.pop("REDIS_URL", None)
    if database:
        os.environ["DATABASE_URL"] = database
        scale = "given"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'evenhand.sqlite3'}"
        print(f"Generating a {scale}-scale service into {folder} …", flush=True)
        subprocess.run([EVENHAND, "migrate", "--verbosity", "0"], check=True)
        subprocess.run([EVENHAND, "synth", "--scale", scale, "--seed", "1", "--verbosity", "0"], check=True)
    import django

    django.setup()
    return scale


def signed_in(grade: str, start: Any) -> Any:
    """A test client signed in as a new member of staff of ``grade`` (in post from ``start``)."""
    from django.test import Client

    from evenhand.org.services import create_staff_member

    staff = create_staff_member(
        staff_code=f"BENCH{random.randrange(10**6)}",
        first_name="Bench",
        last_name="Analyst",
        grade=grade,
        start_date=start,
        username=f"bench{random.randrange(10**9)}",
        password="a-long-benchmark-password",
    )
    client = Client()
    client.force_login(staff.user)
    return client


def time_loads(
    client: Any, path: str, queries: list[dict[str, Any]], *, shown: Callable[[bytes], bool], label: str
) -> list[float]:
    """Milliseconds of each load of ``path`` with each query, printed as it goes; stops the benchmark at the
    first load that does not answer 200 with what ``shown`` looks for. ``label`` names the query's columns."""
    timings = []
    for load, query in enumerate(queries, start=1):
        begin = time.perf_counter()
        response = client.get(path, query)
        milliseconds = 1000 * (time.perf_counter() - begin)
        described = " ".join(f"{query[key]!s:<22}" for key in label.split())
        if response.status_code != 200 or not shown(response.content):
            sys.exit(f"load {load} ({described.strip()}) answered {response.status_code} without its figures")
        timings.append(milliseconds)
        print(f"  {load:>3} {described} {milliseconds:7.1f} ms")
    return timings


def summarise(
    scale: str, units: int, timings: list[float], last_line: str, goal_ms: int | None = None
) -> None:
    """The loads' p50, p95 and slowest (the first, with an empty cache, apart), the load average, and the
    benchmark's last line: ``{last_line}: p95``."""
    ordered = sorted(timings)
    p95 = ordered[max(round(0.95 * len(ordered)) - 1, 0)]
    p50 = ordered[len(ordered) // 2]
    goal = f"; goal p95 ≤ {goal_ms} ms" if goal_ms else ""
    print(
        f"scale: {scale}; units: {units}; first load (empty cache) {timings[0]:.0f} ms;"
        f" p50 {p50:.0f} ms; p95 {p95:.0f} ms; slowest {ordered[-1]:.0f} ms{goal}"
    )
    print("load average: " + ", ".join(f"{value:.2f}" for value in os.getloadavg()))
    print(f"{last_line}: {p95:.0f}")
