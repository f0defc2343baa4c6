"""Benchmark the practitioner's and manager's day on PostgreSQL: My cases with the to-do list for a practitioner,
an SPO and a head of PDU (the managers' also sorted by to-do), the person page, and the practitioner's week
(list and calendar), one request at a time through the real views (URL routing, session, door, queries,
template).

    createdb -h 127.0.0.1 -U postgres evenhand_day
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evenhand_day .venv/bin/python benchmarks/day.py --scale national

The database must be one you can spare: the script migrates it and, when it holds no staff yet, fills it with the
synthetic generator (``evenhand synth --scale … --seed 1``) and runs VACUUM ANALYZE. The generator books no
appointments in the current week, so the benchmark books this week's for the practitioner it times (at the
synthetic service's contact intervals by tier, see ``book_the_week``) and leaves some of last week's without an
outcome, with bulk inserts, as a practitioner's diary would hold. Staff without a log-in
get one. A database already filled is used as it is, so later runs only time.

It prints the median and 95th percentile of each page and the load average, and ends with the line
``worst page p95 ms: N`` (the goal is 100 ms or less). It is a benchmark, not a test.
"""

import argparse
import datetime as dt
import gc
import statistics
import time

from national import build, choose, configure, load_average, percentile, signed_in


def book_the_week(practitioner) -> int:
    """A diary for the week as the synthetic service's contact standard books it: each person on the caseload
    is seen every ``CONTACT_INTERVAL_DAYS`` of their tier letter (a week for tiers A and B, 9 days for C, 12 for
    D), so this week holds an appointment for each with the chance of a week in that interval (none on a bank
    holiday or at a weekend); and one of last week's is left without an outcome for every fifth person. Bulk
    inserts, skipped when the practitioner already has appointments booked this week.

    (Until December 2026 it booked two appointments a week for everyone on the caseload: for the largest
    caseload, a PSO's 156 low-tier cases, that was 312 appointments, 234 hours, in a 37-hour week.)"""
    import random

    from django.db.models import OuterRef, Subquery
    from django.utils import timezone

    from evenhand.cases.models import Allocation, Contact, ContactType, RiskSummary
    from evenhand.core.calendar import is_working_day
    from evenhand.synth.params import CONTACT_INTERVAL_DAYS

    now = timezone.now()
    monday = timezone.localdate(now) - dt.timedelta(days=timezone.localdate(now).weekday())
    if Contact.objects.filter(with_staff=practitioner, starts_at__gte=now - dt.timedelta(days=7)).exists():
        return 0
    days = [monday + dt.timedelta(days=n) for n in range(5) if is_working_day(monday + dt.timedelta(days=n))]
    tier = RiskSummary.objects.filter(person_id=OuterRef("sentence__person_id")).order_by(
        "-assessed_on", "-pk"
    )
    cases = list(
        Allocation.objects.filter(practitioner=practitioner, end_date__isnull=True)
        .annotate(tier=Subquery(tier.values("tier")[:1]))
        .values_list("sentence_id", "sentence__person_id", "tier")
    )
    chance = random.Random(practitioner.pk)
    rows = []
    for n, (sentence_id, person_id, tier_of) in enumerate(cases):
        interval = CONTACT_INTERVAL_DAYS[(tier_of or "D")[0]]
        if chance.random() < 7 / interval:
            day = days[n % len(days)]
            starts = timezone.make_aware(dt.datetime.combine(day, dt.time(9 + n % 8, 0)))
            rows.append(
                Contact(
                    person_id=person_id,
                    sentence_id=sentence_id,
                    type=ContactType.OFFICE_APPOINTMENT,
                    starts_at=starts,
                    location="Probation office",
                    recorded_by=practitioner,
                    with_staff=practitioner,
                    duration_minutes=45,
                )
            )
        if n % 5 == 0:
            rows.append(
                Contact(
                    person_id=person_id,
                    sentence_id=sentence_id,
                    type=ContactType.HOME_VISIT,
                    starts_at=timezone.make_aware(
                        dt.datetime.combine(monday - dt.timedelta(days=4), dt.time(14))
                    ),
                    location="Home",
                    recorded_by=practitioner,
                    with_staff=practitioner,
                    duration_minutes=60,
                )
            )
    Contact.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def warm(client, url: str) -> None:
    """The first requests of a process pay for imports and templates."""
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)


def time_page(client, url: str, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock milliseconds of each request, and the CPU milliseconds this process spent on it (on a shared
    machine the second shows the application's own work apart from waiting for a core or the database)."""
    samples, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="national", help="synthetic scale when the database is empty")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=40, help="timed requests per page")
    arguments = parser.parse_args()
    configure()

    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from evenhand.cases.models import Allocation, Contact
    from evenhand.org.models import StaffMember
    from evenhand.people.models import Person

    call_command("migrate", verbosity=0)
    if not StaffMember.objects.exists():
        build(arguments.scale, arguments.seed)
    practitioner, spo, head, caseload = choose()
    booked = book_the_week(practitioner)
    if booked:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_contact")
    print(
        f"Database: {connection.vendor}, {Person.objects.count():,} people, {StaffMember.objects.count():,} staff, "
        f"{Contact.objects.count():,} contacts; {booked} appointments booked for the benchmark",
        flush=True,
    )
    person_id = (
        Allocation.objects.filter(practitioner=practitioner, end_date__isnull=True)
        .values_list("sentence__person_id", flat=True)
        .first()
    )
    pages = [
        (f"My cases, practitioner ({caseload} cases)", signed_in(practitioner), reverse("my-cases")),
        ("My cases, SPO (team)", signed_in(spo), reverse("my-cases")),
        ("My cases, SPO sorted by to-do", signed_in(spo), reverse("my-cases") + "?sort=todo"),
        ("My cases, head of PDU", signed_in(head), reverse("my-cases")),
        ("My cases, head of PDU sorted by to-do", signed_in(head), reverse("my-cases") + "?sort=todo"),
        ("Person page", signed_in(practitioner), reverse("person-detail", args=[person_id])),
        ("Practitioner's week (list)", signed_in(practitioner), reverse("week")),
        ("Practitioner's week (calendar)", signed_in(practitioner), reverse("week") + "?view=calendar"),
    ]
    for _, client, url in pages:
        warm(client, url)
    # As `evenhand serve` does once the application is loaded (core/management/commands/serve.py): what is
    # loaded is kept out of the garbage collector's sight, so that its full collections do not walk the whole
    # project in the middle of a request.
    gc.freeze()
    print(f"load average before: {load_average()}", flush=True)
    worst = 0.0
    for name, client, url in pages:
        samples, cpu = time_page(client, url, arguments.runs)
        p50, p95 = statistics.median(samples), percentile(samples, 95)
        worst = max(worst, p95)
        print(
            f"  {name}: p50 {p50:.0f} ms, p95 {p95:.0f} ms (application CPU p50 {statistics.median(cpu):.0f} ms)",
            flush=True,
        )
    print(f"load average after: {load_average()}")
    print(f"worst page p95 ms: {worst:.0f}")


if __name__ == "__main__":
    main()
