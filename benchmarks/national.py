"""What the benchmarks on a national PostgreSQL database share: settings, building the database once (the
synthetic generator, then VACUUM ANALYZE), the load average, signing staff in and choosing whom to time.

Imported by the scripts beside it (``python benchmarks/day.py`` puts this folder on ``sys.path``).
"""

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def configure() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database you can spare (see the docstring).")
    # A benchmark on synthetic data is not a deployment: without keys in the environment, use the demo's.
    if not os.environ.get("SECRET_KEY"):
        os.environ["EVENHAND_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evenhand.settings")
    # Plain static storage: the benchmarks do not run collectstatic.
    os.environ["EVENHAND_PLAIN_STATIC"] = "true"
    import django

    django.setup()


def load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "not available"


def build(scale: str, seed: int) -> None:
    """Fill the (empty, migrated) database with the synthetic generator, then VACUUM ANALYZE: the visibility
    map for index-only scans, and the planner's statistics of every table (the generator analyses the tables
    it wrote; the vacuum is the benchmark's own)."""
    from django.core.management import call_command

    print(
        f"Generating the synthetic service with `evenhand synth --scale {scale} --seed {seed}` …", flush=True
    )
    started = time.perf_counter()
    call_command("synth", "--scale", scale, "--seed", str(seed), verbosity=0)
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    vacuum_analyse()


def vacuum_analyse() -> None:
    from django.db import connection

    print("VACUUM ANALYZE …", flush=True)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)


def log_in(staff):
    """``staff``'s log-in, made for the benchmark where the data has none."""
    from django.contrib.auth import get_user_model

    if staff.user_id is None:
        user, _ = get_user_model().objects.get_or_create(username=f"bench-{staff.staff_code.lower()}")
        staff.user = user
        staff.save(update_fields=["user"])
    return staff.user


def signed_in(staff):
    """A test client signed in as ``staff``, giving them a log-in if the data has none."""
    from django.test import Client

    client = Client()
    client.force_login(log_in(staff))
    return client


def manager_of(grade: str, team, **where):
    """A current member of staff of ``grade`` matching ``where``, or one made for the benchmark in ``team``."""
    from evenhand.org.models import StaffMember

    found = StaffMember.objects.filter(grade=grade, end_date__isnull=True, **where).order_by("pk").first()
    return found or StaffMember.objects.create(
        staff_code=f"BENCH{grade}{team.pk}"[:16],
        first_name="Benchmark",
        last_name=grade,
        grade=grade,
        team=team,
        start_date=dt.date.today() - dt.timedelta(days=365),
    )


def choose():
    """The practitioner with the largest current caseload, an SPO of their team and the head of their PDU (made
    for the benchmark where the data has none)."""
    from django.db.models import Count

    from evenhand.cases.models import Allocation
    from evenhand.org.models import Grade, StaffMember

    row = (
        Allocation.objects.filter(end_date__isnull=True, practitioner__end_date__isnull=True)
        .values("practitioner")
        .annotate(n=Count("pk"))
        .order_by("-n", "practitioner")
        .first()
    )
    practitioner = StaffMember.objects.select_related("team").get(pk=row["practitioner"])
    spo = manager_of(Grade.SPO, practitioner.team, team_id=practitioner.team_id)
    head = manager_of(Grade.HEAD_OF_PDU, practitioner.team, team__pdu_id=practitioner.team.pdu_id)
    return practitioner, spo, head, row["n"]


def percentile(samples: list[float], q: int) -> float:
    if len(samples) < 2:
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]
