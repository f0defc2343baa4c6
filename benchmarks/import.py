"""Benchmark: import 100,000 people (then a sentence for each) from CSV files into a fresh SQLite database and a
fresh PostgreSQL database, through the same code as ``evenhand import`` (docs/import.md).

The files are generated first, with plausible values (names from the synthetic generator's lists, CRNs, PNC
numbers with their check letters, addresses, ethnicity and religion as the person gave them, none for one in
ten; a community order or a suspended sentence order with its requirements). Each database is migrated in a process of its own; the time is the import's alone, reading the
file included, wall clock (and the importing process's CPU time, which other work on the machine does not
inflate). Prints rows per second for each file and database and the load average, and ends with
``import rows per s sqlite: N; postgresql: N`` (the people file).

    .venv/bin/python benchmarks/import.py [--rows 100000] [--databases sqlite,postgresql] [--no-sentences]

PostgreSQL: the server at $BENCH_PG (default postgres://postgres@127.0.0.1:5432); a database is created and
dropped for the run.
"""

import argparse
import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PDU_CODE = "N07LEE"
HEAD_CODE = "BENCHHEAD"
PNC_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"
STREETS = [
    "High Street",
    "Station Road",
    "Church Lane",
    "Victoria Road",
    "Mill Lane",
    "Park Avenue",
    "King Street",
]
TOWNS = [("Leeds", "LS"), ("Bradford", "BD"), ("Wakefield", "WF"), ("Huddersfield", "HD"), ("Halifax", "HX")]
COURTS = [
    "Leeds Magistrates' Court",
    "Leeds Crown Court",
    "Bradford Magistrates' Court",
    "Wakefield Magistrates' Court",
]
# ONS 2021 categories for each of the name lists' groups.
ETHNICITIES = {
    "white": ["W1", "W1", "W1", "W2", "W5"],
    "black": ["B1", "B2", "B3"],
    "asian": ["A1", "A3", "A4", "A5"],
    "mixed": ["M1", "M2", "M3", "M4"],
    "other": ["O1", "O2"],
}
RELIGIONS = ["none", "christian", "muslim", "hindu", "sikh", "prefer_not_to_say"]
CATEGORIES = [
    "theft",
    "violence",
    "drugs",
    "burglary",
    "public_order",
    "criminal_damage",
    "fraud",
    "motoring",
]


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- the files ------------------------------------------------------------------------------------------------


def write_files(rows: int, workdir: Path, seed: int) -> tuple[Path, Path]:
    # The synthetic generator's name lists (plain data, no Django).
    sys.path.insert(0, str(ROOT / "src"))
    from evenhand.synth.names import FIRST_NAMES, LAST_NAMES

    rng = random.Random(seed)
    groups = list(FIRST_NAMES)
    today = dt.date.today()
    people_path, sentences_path = workdir / "people.csv", workdir / "sentences.csv"
    with (
        people_path.open("w", newline="", encoding="utf-8") as people,
        sentences_path.open("w", newline="", encoding="utf-8") as sentences,
    ):
        p = csv.writer(people)
        s = csv.writer(sentences)
        p.writerow(
            [
                "source_id",
                "crn",
                "first_name",
                "middle_names",
                "last_name",
                "date_of_birth",
                "sex",
                "pnc",
                "first_language",
                "interpreter_required",
                "phone",
                "pdu",
                "address_line_1",
                "town",
                "postcode",
                "address_from",
                "ethnicity",
                "religion",
                "diversity_identified_by",
                "diversity_identified_on",
            ]
        )
        s.writerow(
            [
                "source_id",
                "crn",
                "type",
                "court",
                "start_date",
                "length",
                "length_unit",
                "offence_category",
                "offence_description",
                "offence_date",
                "offence_flags",
                "requirements",
            ]
        )
        for n in range(1, rows + 1):
            group = rng.choice(groups)
            sex = rng.choice("MF")
            crn = f"X{n:06d}"
            year = rng.randint(1960, 2004)
            born = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
            # A serial of its own for each person: two people never share a PNC number.
            pnc_year, serial = f"{rng.randint(0, 99):02d}", f"{n * 37 % 10_000_000:07d}"
            pnc = f"{pnc_year}/{serial}{PNC_LETTERS[int(pnc_year + serial) % 23]}" if n % 3 else ""
            town, area = rng.choice(TOWNS)
            postcode = f"{area}{rng.randint(1, 29)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
            p.writerow(
                [
                    f"ND-{n}",
                    crn,
                    rng.choice(FIRST_NAMES[group][sex]),
                    rng.choice(FIRST_NAMES[group][sex]) if n % 4 == 0 else "",
                    rng.choice(LAST_NAMES[group]),
                    born.isoformat() if n % 2 else born.strftime("%d/%m/%Y"),
                    sex,
                    pnc,
                    "English" if n % 10 else "Polish",
                    "no" if n % 10 else "yes",
                    f"07700 9{rng.randint(0, 99999):05d}",
                    PDU_CODE,
                    f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
                    town,
                    postcode,
                    (today - dt.timedelta(days=rng.randint(30, 2000))).isoformat(),
                    # About one person in ten with no diversity data, as in the service today.
                    *(
                        ["", "", "", ""]
                        if n % 10 == 0
                        else [
                            rng.choice(ETHNICITIES[group]),
                            rng.choice(RELIGIONS),
                            "self",
                            (today - dt.timedelta(days=rng.randint(1, 700))).isoformat(),
                        ]
                    ),
                ]
            )
            start = today - dt.timedelta(days=rng.randint(1, 300))
            order = n % 2 == 0
            s.writerow(
                [
                    f"ND-S-{n}",
                    crn,
                    "CO" if order else "SSO",
                    rng.choice(COURTS),
                    start.isoformat(),
                    rng.choice([12, 18, 24]),
                    "months",
                    rng.choice(CATEGORIES),
                    "",
                    (start - dt.timedelta(days=rng.randint(20, 200))).isoformat(),
                    "racially_or_religiously_aggravated" if n % 50 == 0 else "",
                    f"unpaid_work:{rng.randint(4, 30) * 10};rar:{rng.randint(5, 40)}" if order else "",
                ]
            )
    return people_path, sentences_path


# --- one database, in a process of its own ----------------------------------------------------------------------


def child(files: list[str]) -> None:
    """Migrate the configured database, make the PDU and its head, import each file and print the timings."""
    import django

    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evenhand.settings")
    django.setup()
    from django.core.management import call_command

    from evenhand.imports.services import import_csv
    from evenhand.org.models import PDU, Grade, Region, StaffMember, Team

    call_command("migrate", verbosity=0)
    region = Region.objects.create(code="R1", name="Yorkshire and the Humber")
    pdu = PDU.objects.create(code=PDU_CODE, name="Leeds", region=region)
    team = Team.objects.create(code="T1", name="Leeds managers", pdu=pdu)
    head = StaffMember.objects.create(
        staff_code=HEAD_CODE,
        first_name="Bench",
        last_name="Head",
        grade=Grade.HEAD_OF_PDU,
        team=team,
        start_date=dt.date(2020, 1, 1),
    )
    timings = []
    for path in files:
        kind = Path(path).stem
        started, cpu = time.perf_counter(), time.process_time()
        result = import_csv(by=head, kind=kind, data=Path(path).read_bytes(), file_name=path)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        timings.append(
            {
                "kind": kind,
                "rows": result.rows,
                "created": result.created,
                "seconds": seconds,
                "cpu": cpu,
                "load": load(),
            }
        )
    print(json.dumps(timings))


def psql(sql: str) -> None:
    subprocess.run(
        [
            "psql",
            f"{PG}/postgres",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            "SET client_min_messages = warning",
            "-c",
            sql,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def one(database: str, files: list[Path], workdir: Path) -> list[dict[str, object]]:
    env = {**os.environ, "EVENHAND_PLAIN_STATIC": "1"}
    if not env.get("SECRET_KEY"):
        env["EVENHAND_DEMO"] = "1"
    env.pop("DATABASE_URL", None)
    name = f"bench_import_{os.getpid()}"
    if database == "sqlite":
        env["SQLITE_PATH"] = str(workdir / f"{name}.sqlite3")
    else:
        psql(f'DROP DATABASE IF EXISTS "{name}"')
        psql(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"{PG}/{name}"
    try:
        done = subprocess.run(
            [PYTHON, __file__, "--child", *map(str, files)], env=env, capture_output=True, text=True
        )
    finally:
        if database == "postgresql":
            psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if done.returncode != 0:
        sys.exit(f"The import into {database} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-sentences", action="store_true")
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child)
        return
    per_second: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="evenhand-import-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        people, sentences = write_files(args.rows, workdir, args.seed)
        print(
            f"files: {args.rows:,} people and {args.rows:,} sentences written in {time.perf_counter() - started:.1f} s"
        )
        files = [people] if args.no_sentences else [people, sentences]
        for database in args.databases.split(","):
            print(f"{database}: load average before {load()}")
            for timing in one(database, files, workdir):
                rate = int(timing["rows"] / timing["seconds"])  # type: ignore[operator]
                print(
                    f"{database}: {timing['kind']}: {timing['rows']:,} rows ({timing['created']:,} created) in "
                    f"{timing['seconds']:.1f} s ({timing['cpu']:.1f} s of CPU in the importing process), "
                    f"{rate:,} rows/s; load average {timing['load']}"
                )
                if timing["kind"] == "people":
                    per_second[database] = rate
    print(
        "; ".join(f"{db}: {per_second.get(db, 0)}" for db in ("sqlite", "postgresql")).join(
            ["import rows per s ", ""]
        )
    )


if __name__ == "__main__":
    main()
