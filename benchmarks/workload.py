"""Benchmark the workload views at national scale: the team view for a 30-practitioner team and the PDU roll-up
for a 300-practitioner PDU, through the real views (URL routing, session, queries, template), p95 of many runs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/evenhand_bench .venv/bin/python benchmarks/workload.py

The database must be one you can spare: the script migrates it and, when it holds no organisation yet, fills it
at national scale (about 220,000 people and 20,000 staff) with the synthetic generator (``evenhand synth --scale
national``) when this install has it, or else with its own bulk inserts (``--build bulk`` forces that). A
database that is already full is used as it is, so later runs only time. Without DATABASE_URL it uses
var/benchmark-workload.sqlite3.

It ends with the line ``team view p95 ms: N; PDU roll-up p95 ms: N``. It is a benchmark, not a test.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

TEAM_SIZE = 30
PDU_SIZE = 300


def configure(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    elif not os.environ.get("DATABASE_URL"):
        (ROOT / "var").mkdir(exist_ok=True)
        os.environ["SQLITE_PATH"] = str(ROOT / "var" / "benchmark-workload.sqlite3")
    # A benchmark on synthetic data is not a deployment: without keys in the environment, use the demo's.
    if not os.environ.get("SECRET_KEY"):
        os.environ["EVENHAND_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evenhand.settings")
    # Plain static storage: the benchmark does not run collectstatic.
    os.environ["EVENHAND_PLAIN_STATIC"] = "true"
    import django

    django.setup()


# --- building a national-scale database ------------------------------------------------------------------


def build_with_synth(seed: int) -> bool:
    """Fill the database with the synthetic generator, if this install has it."""
    from django.core.management import call_command, get_commands

    if "synth" not in get_commands():
        return False
    print("Generating the national synthetic service with `evenhand synth --scale national` …", flush=True)
    started = time.perf_counter()
    call_command("synth", "--scale", "national", "--seed", str(seed), verbosity=0)
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return True


def build_with_bulk_inserts(seed: int) -> None:
    """About 220,000 people and 20,000 staff in 12 regions and 108 PDUs, written with bulk inserts.

    Every PDU has teams of 30 practitioners; four PDUs have 300 practitioners, the rest 150 to 180. Each person
    has a current sentence with one offence, a risk summary (a second for a third of people), a diversity
    profile and an allocation; one in three also has an earlier, ended sentence and allocation. One practitioner
    in seven has a reduction and one in two an open report.
    """
    from django.db import connection, transaction

    from evenhand.cases.models import Allocation, Offence, RiskSummary, Sentence, Tier
    from evenhand.org.models import PDU, Grade, Region, StaffMember, Team
    from evenhand.people.models import DiversityProfile, Ethnicity, Person
    from evenhand.workload.models import CapacityReduction, CountedTask, ReductionReason, TaskType

    rng = random.Random(seed)
    today = dt.date.today()
    batch = 5000
    print("Building a national-scale database with bulk inserts …", flush=True)
    started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        regions = Region.objects.bulk_create(
            Region(id=r + 1, code=f"R{r + 1:02d}", name=f"Region {r + 1}") for r in range(12)
        )
        pdus, teams, staff = [], [], []
        practitioners: dict[int, list[int]] = {}  # pdu id -> practitioner ids
        staff_id = 0
        for p in range(108):
            pdu_id = p + 1
            pdus.append(PDU(id=pdu_id, code=f"P{pdu_id:03d}", name=f"PDU {pdu_id}", region=regions[p % 12]))
            size = PDU_SIZE if p < 4 else rng.randrange(150, 181, 30)
            practitioners[pdu_id] = []
            for t in range(size // TEAM_SIZE + 1):  # the last team is management
                team_id = len(teams) + 1
                teams.append(
                    Team(id=team_id, code=f"T{team_id:05d}", name=f"PDU {pdu_id} team {t + 1}", pdu_id=pdu_id)
                )
                members = (
                    [(Grade.HEAD_OF_PDU, Decimal(37))]
                    if t == size // TEAM_SIZE
                    else [(Grade.SPO, Decimal(37))]
                    + [
                        (
                            Grade.PO if n % 2 else Grade.PSO,
                            Decimal(37) if rng.random() < 0.8 else Decimal("22.5"),
                        )
                        for n in range(TEAM_SIZE)
                    ]
                )
                for grade, hours in members:
                    staff_id += 1
                    staff.append(
                        StaffMember(
                            id=staff_id,
                            staff_code=f"B{staff_id:06d}",
                            first_name="Bench",
                            last_name=f"Officer {staff_id}",
                            grade=grade,
                            contracted_hours=hours,
                            team_id=team_id,
                            start_date=dt.date(2015, 1, 5),
                        )
                    )
                    if grade in (Grade.PSO, Grade.PO):
                        practitioners[pdu_id].append(staff_id)
        PDU.objects.bulk_create(pdus)
        Team.objects.bulk_create(teams)
        StaffMember.objects.bulk_create(staff, batch_size=batch)
        grade_of = {s.id: s.grade for s in staff}
        total_practitioners = sum(len(v) for v in practitioners.values())
        print(
            f"  {len(staff):,} staff ({total_practitioners:,} practitioners) in {len(teams):,} teams",
            flush=True,
        )

        tiers = list(Tier.values)
        ethnicities = list(Ethnicity.values)
        people, diversity, sentences, offences, risks, allocations = [], [], [], [], [], []
        person_id = sentence_id = 0
        target = 222_000
        for pdu_id, members in practitioners.items():
            for _ in range(round(target * len(members) / total_practitioners)):
                person_id += 1
                people.append(
                    Person(
                        id=person_id,
                        crn=f"{'ABCDEFGHJK'[person_id // 1_000_000]}{person_id % 1_000_000:06d}",
                        first_name="Bench",
                        last_name=f"Person {person_id}",
                        date_of_birth=dt.date(1990, 1, 1),
                        sex="M",
                        pdu_id=pdu_id,
                    )
                )
                ethnicity = rng.choice(ethnicities)
                recorded = ethnicity != "NR"
                diversity.append(
                    DiversityProfile(
                        person_id=person_id,
                        ethnicity=ethnicity,
                        ethnicity_identified_by="self" if recorded else "",
                        ethnicity_identified_on=dt.date(2024, 1, 1) if recorded else None,
                    )
                )
                tier = rng.choice(tiers)
                high = tier[0] in "AB" and rng.random() < 0.5
                risks.append(
                    RiskSummary(
                        person_id=person_id,
                        rosh="H" if high else "M",
                        tier=tier,
                        assessed_on=today - dt.timedelta(400),
                    )
                )
                if rng.random() < 0.33:
                    risks.append(
                        RiskSummary(
                            person_id=person_id,
                            rosh="M",
                            tier=rng.choice(tiers),
                            assessed_on=today - dt.timedelta(60),
                        )
                    )
                eligible = [m for m in members if grade_of[m] == Grade.PO] if high else members
                if rng.random() < 0.33:  # an earlier, ended sentence
                    sentence_id += 1
                    start = today - dt.timedelta(days=rng.randint(500, 900))
                    sentences.append(
                        Sentence(
                            id=sentence_id,
                            person_id=person_id,
                            type="CO",
                            court="Bench Court",
                            start_date=start,
                            expected_end_date=start + dt.timedelta(365),
                            termination_date=start + dt.timedelta(365),
                            termination_reason="completed",
                        )
                    )
                    offences.append(Offence(sentence_id=sentence_id, category="theft", is_main=True))
                    allocations.append(
                        Allocation(
                            sentence_id=sentence_id,
                            practitioner_id=rng.choice(eligible),
                            start_date=start,
                            end_date=start + dt.timedelta(365),
                            reason="new_case",
                            allocated_by_id=members[0],
                            allocated_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
                        )
                    )
                sentence_id += 1
                start = today - dt.timedelta(days=rng.randint(5, 700))
                kind = rng.choice(["CO", "CO", "SSO", "LIC", "LIC", "PSS"])
                sentences.append(
                    Sentence(
                        id=sentence_id,
                        person_id=person_id,
                        type=kind,
                        court="Bench Court",
                        start_date=start,
                        expected_end_date=start + dt.timedelta(days=rng.randint(365, 900)),
                    )
                )
                offences.append(
                    Offence(
                        sentence_id=sentence_id,
                        category="violence",
                        is_main=True,
                        racially_or_religiously_aggravated=rng.random() < 0.01,
                    )
                )
                if rng.random() < 0.995:  # a few wait in the allocation queue
                    allocations.append(
                        Allocation(
                            sentence_id=sentence_id,
                            practitioner_id=rng.choice(eligible),
                            start_date=start + dt.timedelta(days=rng.randint(0, 5)),
                            reason="new_case",
                            allocated_by_id=members[0],
                            allocated_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
                        )
                    )
        for model, rows in (
            (Person, people),
            (DiversityProfile, diversity),
            (Sentence, sentences),
            (Offence, offences),
            (RiskSummary, risks),
            (Allocation, allocations),
        ):
            for i in range(0, len(rows), batch):
                model.objects.bulk_create(rows[i : i + batch])
            print(f"  {len(rows):,} {model._meta.verbose_name_plural}", flush=True)
        reductions, tasks = [], []
        for members in practitioners.values():
            for m in members:
                if rng.random() < 1 / 7:
                    reductions.append(
                        CapacityReduction(
                            staff_id=m,
                            reason=ReductionReason.OTHER,
                            percentage=Decimal(rng.choice([10, 20, 40, 100])),
                            start_date=today - dt.timedelta(days=rng.randint(0, 300)),
                            end_date=today + dt.timedelta(days=rng.randint(0, 300)),
                            recorded_by_id=members[0],
                        )
                    )
                if rng.random() < 0.5:
                    tasks.append(
                        CountedTask(
                            practitioner_id=m,
                            task_type=rng.choice(TaskType.values),
                            assigned_on=today - dt.timedelta(days=5),
                            due_date=today + dt.timedelta(days=10),
                            recorded_by_id=m,
                        )
                    )
        CapacityReduction.objects.bulk_create(reductions, batch_size=batch)
        CountedTask.objects.bulk_create(tasks, batch_size=batch)
        if connection.vendor == "postgresql":
            from django.core.management.color import no_style

            models = [Region, PDU, Team, StaffMember, Person, Sentence]
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(sql)
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)


def analyse() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- choosing what to time --------------------------------------------------------------------------------


def case_holders_per(field: str) -> list[tuple[int, int]]:
    from django.db.models import Count

    from evenhand.workload.selectors import case_holders

    rows = case_holders().filter(end_date__isnull=True).values(field).annotate(n=Count("pk")).order_by("-n")
    return [(row[field], row["n"]) for row in rows]


def ensure_sizes(units: int) -> list[str]:
    """``units`` teams of 30 practitioners and a PDU of 300 to time. Where the data has too few (the synthetic
    generator makes teams of 8 to 15), practitioners are moved between teams of the same PDU, or teams between
    PDUs of the same region, so the national totals stay the same. Returns what was changed."""
    from evenhand.org.models import PDU, StaffMember, Team

    changes = []
    for pdu_id, _ in case_holders_per("team__pdu_id")[:units]:
        biggest = max(
            (
                (row[0], row[1])
                for row in case_holders_per("team_id")
                if Team.objects.get(pk=row[0]).pdu_id == pdu_id
            ),
            key=lambda row: row[1],
        )
        team, size = Team.objects.get(pk=biggest[0]), biggest[1]
        if size >= TEAM_SIZE:
            continue
        donors = list(
            StaffMember.objects.filter(team__pdu_id=pdu_id, grade__in=["PSO", "PO"], end_date__isnull=True)
            .exclude(team=team)
            .values_list("pk", flat=True)[: TEAM_SIZE - size]
        )
        StaffMember.objects.filter(pk__in=donors).update(team=team)
        changes.append(f"moved {len(donors)} practitioners of {team.pdu.name} into {team.name}")
    pdu_id, size = case_holders_per("team__pdu_id")[0]
    if size < PDU_SIZE:
        pdu = PDU.objects.get(pk=pdu_id)
        moved = 0
        for team_id, n in case_holders_per("team_id"):
            if size >= PDU_SIZE:
                break
            team = Team.objects.get(pk=team_id)
            if team.pdu_id != pdu.pk and team.pdu.region_id == pdu.region_id:
                team.pdu = pdu
                team.save(update_fields=["pdu"])
                size += n
                moved += 1
        changes.append(f"moved {moved} teams of {pdu.region.name} into {pdu.name}")
    return changes


def manager_client(pdu_id: int, team_id: int | None = None):
    """A signed-in test client for a head of PDU, made for the benchmark if the data has no log-ins."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from evenhand.org.models import Grade, StaffMember

    user, _ = get_user_model().objects.get_or_create(username=f"benchmark-head-{pdu_id}")
    head = StaffMember.objects.filter(user=user).first()
    if head is None:
        from evenhand.org.models import Team

        team = Team.objects.filter(pdu_id=pdu_id).first()
        head = StaffMember.objects.create(
            user=user,
            staff_code=f"BENCH{pdu_id:05d}",
            first_name="Benchmark",
            last_name="Head",
            grade=Grade.HEAD_OF_PDU,
            team=team,
            start_date=dt.date(2015, 1, 5),
        )
    client = Client()
    client.force_login(user)
    return client


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def time_view(client, url: str, runs: int) -> list[float]:
    for _ in range(3):  # warm the caches: the first request of a process pays for imports and templates
        assert client.get(url).status_code == 200
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="the database to build and time (default: DATABASE_URL)")
    parser.add_argument("--build", choices=["auto", "synth", "bulk"], default="auto")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=50, help="timed requests per view")
    parser.add_argument("--units", type=int, default=5, help="how many teams and PDUs to time, largest first")
    arguments = parser.parse_args()
    configure(arguments.database_url)

    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from evenhand.org.models import StaffMember, Team
    from evenhand.people.models import Person

    call_command("migrate", verbosity=0)
    if not StaffMember.objects.exists():
        built = arguments.build != "bulk" and build_with_synth(arguments.seed)
        if not built:
            if arguments.build == "synth":
                sys.exit("This install has no `evenhand synth` command.")
            build_with_bulk_inserts(arguments.seed)
        analyse()
    for change in ensure_sizes(arguments.units):
        print(f"  for the benchmark: {change}")
    print(
        f"Database: {connection.vendor}, {Person.objects.count():,} people, {StaffMember.objects.count():,} staff",
        flush=True,
    )

    # The largest teams (30 or more practitioners) and PDUs (300 or more), largest first.
    teams = [row for row in case_holders_per("team_id") if row[1] >= TEAM_SIZE][: arguments.units]
    pdus = [row for row in case_holders_per("team__pdu_id") if row[1] >= PDU_SIZE][: arguments.units]
    team_samples: list[float] = []
    for team_id, size in teams:
        team = Team.objects.get(pk=team_id)
        samples = time_view(
            manager_client(team.pdu_id), f"{reverse('team-workload')}?team={team_id}", arguments.runs
        )
        team_samples += samples
        print(
            f"  team view, {size} practitioners: median {statistics.median(samples):.0f} ms, p95 {p95(samples):.0f} ms"
        )
    pdu_samples: list[float] = []
    for pdu_id, size in pdus:
        samples = time_view(manager_client(pdu_id), f"{reverse('pdu-workload')}?pdu={pdu_id}", arguments.runs)
        pdu_samples += samples
        print(
            f"  PDU roll-up, {size} practitioners: median {statistics.median(samples):.0f} ms, p95 {p95(samples):.0f} ms"
        )
    # For information: the allocation queue and one case's recommendation in the largest PDU.
    from evenhand.workload.selectors import allocation_queue

    pdu_id, size = pdus[0]
    client = manager_client(pdu_id)
    samples = time_view(client, reverse("allocation-queue"), arguments.runs)
    print(
        f"  allocation queue, PDU of {size}: median {statistics.median(samples):.0f} ms, p95 {p95(samples):.0f} ms"
    )
    head = StaffMember.objects.get(user__username=f"benchmark-head-{pdu_id}")
    queued = allocation_queue(head).first()
    if queued is not None:
        samples = time_view(client, reverse("allocate-case", args=[queued.pk]), arguments.runs)
        print(
            f"  recommendation for one case, PDU of {size}: median {statistics.median(samples):.0f} ms, "
            f"p95 {p95(samples):.0f} ms"
        )
    print(f"team view p95 ms: {p95(team_samples):.0f}; PDU roll-up p95 ms: {p95(pdu_samples):.0f}")


if __name__ == "__main__":
    main()
