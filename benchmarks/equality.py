"""Benchmark the equality engine at national scale, and one crude measure against Fairlearn and Aequitas.

The issue's targets, on the 2-core machine: the whole catalogue for 12 months, split by ethnic group, for all
units, with adjusted models, in at most 10 seconds; one crude measure over 5 million rows in under 1 second.

1. **Engine**: ``analyse()`` for 1 November 2025 to 31 October 2026 with the default settings (the catalogue,
   ethnic group, national, regions, PDUs and teams, adjusted models): the first run in the process and the
   best of ``--repeat`` more, each split into the time spent in database queries and the rest; then the
   statistics alone, on frames read beforehand. With ``--postgres URL`` the same on PostgreSQL (a database
   that already holds the national dataset), in a separate process.
2. **One crude measure over 5 million rows**: every contact (about 5.36 million) with the person's ethnic
   group and whether its outcome was an unacceptable failure, read once into NumPy. On those same rows in
   memory: Evenhand (counts by ``np.bincount``, then ``stats.compare_groups``: rates with Wilson intervals,
   relative rates, odds ratios and tests), Fairlearn's ``MetricFrame`` (selection rate and count by group,
   with ``ratio()`` and ``difference()``) and Aequitas 1.1.0 (``Group().get_crosstabs`` and
   ``Bias().get_disparity_predefined_groups``, timed inside ``.venv-aequitas``'s Python, loading not
   counted); and Evenhand from the database with one aggregate query. The four must agree on n, events,
   rate and relative rate (to 1e-9) or the script stops.

    .venv/bin/python benchmarks/equality.py [--database national.sqlite3] [--postgres URL] [--repeat 3]

Without ``--database`` it first generates a national database (seed 1) into a temporary folder with
``evenhand migrate`` and ``evenhand synth --scale national --seed 1``, which takes several minutes and about
5 GB of disk. It is a benchmark, not a test, and ends with the line ``speedup over MetricFrame: N.N x``
(MetricFrame's seconds over Evenhand's in memory).
"""

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar
from unittest import mock

import numpy as np
import pandas as pd
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
EVENHAND = str(ROOT / ".venv" / "bin" / "evenhand")
AEQUITAS_PYTHON = ROOT / ".venv-aequitas" / "bin" / "python"
PERIOD = (dt.date(2025, 11, 1), dt.date(2026, 10, 31))
REFERENCE = "white"
ATOL = 1e-9
ENGINE_TARGET = 10.0  # seconds, the target for the whole catalogue
CRUDE_TARGET = 1.0  # seconds, for one crude measure over 5 million rows

T = TypeVar("T")


# --- the machine and the database --------------------------------------------------------------------------


def machine() -> list[str]:
    """Cores, processor, memory, load and the versions that matter, for reading the figures later."""
    cpu = "unknown processor"
    memory = "unknown memory"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
        kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f"{kb / 1024**2:.0f} GB memory"
    except (OSError, StopIteration, ValueError):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    libraries = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("numpy", "pandas", "scipy", "statsmodels", "Django", "fairlearn")
    )
    return [
        f"machine: {os.cpu_count()} cores ({usable} usable), {cpu}, {memory}; load average {load}",
        f"Python {platform.python_version()} on {platform.platform()}; SQLite {sqlite3.sqlite_version}",
        f"libraries: {libraries}",
    ]


def generate_database(folder: Path) -> tuple[Path, float]:
    """A fresh national database (seed 1) in ``folder``, made by the commands a person would run."""
    path = folder / "national.sqlite3"
    env = {**os.environ, "SQLITE_PATH": str(path), "EVENHAND_PLAIN_STATIC": "1"}
    env.pop("DATABASE_URL", None)
    started = time.perf_counter()
    for command in (["migrate", "-v", "0"], ["synth", "--scale", "national", "--seed", "1", "-v", "0"]):
        completed = subprocess.run(
            [EVENHAND, *command], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        if completed.returncode != 0:
            sys.exit(f"evenhand {' '.join(command)} failed:\n{completed.stderr}")
    return path, time.perf_counter() - started


def configure(*, sqlite_path: Path | None = None, database_url: str | None = None) -> None:
    """Point Django at the database to time. SQLITE_PATH rather than a sqlite:// URL keeps the project's
    SQLite pragmas (WAL, page cache, memory-mapped reads)."""
    if sqlite_path is not None:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(sqlite_path)
    if database_url is not None:
        os.environ["DATABASE_URL"] = database_url
    # A benchmark on synthetic data is not a deployment: without keys in the environment, use the demo's.
    if not os.environ.get("SECRET_KEY"):
        os.environ["EVENHAND_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evenhand.settings")
    os.environ["EVENHAND_PLAIN_STATIC"] = "1"
    import django

    django.setup()


def timed(work: Callable[[], T], runs: int) -> tuple[list[float], T]:
    """Run ``work`` ``runs`` times; the seconds of each run and the last result."""
    seconds = []
    result: T
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - started)
    return seconds, result


# --- 1. the engine -----------------------------------------------------------------------------------------


@dataclass
class EngineTimes:
    vendor: str
    people: int
    first: float
    first_queries: float
    best: float
    best_queries: float
    statistics: float  # best run with every frame read beforehand
    queries: int  # database reads in one run
    flags: int  # comparisons flagged in the report's family


@contextmanager
def query_clock() -> Iterator[list[float]]:
    """Seconds spent in the measures' database reads (``measures.read_frame``: the SQL executed and the rows
    fetched into a frame), one entry per read, while the block runs."""
    from evenhand.equality import measures

    spent: list[float] = []
    original = measures.read_frame

    def read_frame(queryset: Any, columns: list[str]) -> pd.DataFrame:
        started = time.perf_counter()
        try:
            return original(queryset, columns)
        finally:
            spent.append(time.perf_counter() - started)

    with mock.patch.object(measures, "read_frame", read_frame):
        yield spent


@contextmanager
def read_beforehand(period: Any) -> Iterator[None]:
    """Every frame the engine reads, read once before the block: inside it ``analyse`` only computes.

    The engine builds a :class:`Source` per run and asks each measure for its cells; both are replaced by
    ones already read (the engine has no hook for a pre-loaded source, so the benchmark patches it in)."""
    from evenhand.equality import engine
    from evenhand.equality.measures import CATALOGUE, Source, measure_cells

    source = Source(period)
    _ = source.population
    cells = {key: measure_cells(measure, source) for key, measure in CATALOGUE.items()}
    with (
        mock.patch.object(engine, "Source", lambda _: source),
        mock.patch.object(engine, "measure_cells", lambda measure, _: cells[measure.key]),
    ):
        yield


def time_engine(repeat: int) -> EngineTimes:
    from django.db import connection

    from evenhand.equality.engine import Settings, analyse
    from evenhand.equality.measures import Period
    from evenhand.people.models import Person

    period = Period(*PERIOD)
    people = Person.objects.count()
    runs: list[tuple[float, float, int, int]] = []
    for _ in range(1 + repeat):
        with query_clock() as spent:
            started = time.perf_counter()
            analysis = analyse(period, Settings())
            seconds = time.perf_counter() - started
        runs.append((seconds, sum(spent), len(spent), len(analysis.flagged())))
    with read_beforehand(period):
        statistics, _ = timed(lambda: analyse(period, Settings()), repeat)
    first, warm = runs[0], min(runs[1:])
    return EngineTimes(
        vendor=connection.vendor,
        people=people,
        first=first[0],
        first_queries=first[1],
        best=warm[0],
        best_queries=warm[1],
        statistics=min(statistics),
        queries=first[2],
        flags=first[3],
    )


def engine_on_postgres(url: str, repeat: int) -> EngineTimes | str:
    """The engine timed on PostgreSQL in a process of its own (Django has one default database per
    process); the reason instead if it cannot be."""
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("SQLITE_PATH", None)
    completed = subprocess.run(
        [sys.executable, __file__, "--engine-only", "--repeat", str(repeat)],
        env=env,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        return f"skipped: the PostgreSQL run failed:\n{completed.stderr.strip()[-2000:]}"
    found = json.loads(completed.stdout.strip().splitlines()[-1])
    if not found["people"]:
        return "skipped: that database holds no people (load it with `evenhand synth --scale national`)"
    return EngineTimes(**found)


def report_engine(times: EngineTimes, repeat: int) -> None:
    met = "met" if times.best <= ENGINE_TARGET else "NOT met"
    print(
        f"  {times.vendor}: {times.people:,} people; {times.queries} database reads and "
        f"{times.flags} flags a run"
    )
    for label, seconds, queries in (
        ("first run", times.first, times.first_queries),
        (f"best of {repeat} more", times.best, times.best_queries),
    ):
        print(
            f"    {label:<18} {seconds:6.1f} s = {queries:5.1f} s database reads "
            f"+ {seconds - queries:5.1f} s frames and statistics"
        )
    print(
        f"    {'frames read before':<18} {times.statistics:6.1f} s statistics alone (best of {repeat}), so "
        f"{times.best - times.statistics:.1f} s of the best run is reading and building frames"
    )
    print(f"    target ≤ {ENGINE_TARGET:.0f} s for the whole catalogue: {met} ({times.best:.1f} s)")


# --- 2. one crude measure over 5 million rows --------------------------------------------------------------


@dataclass
class Rows:
    """Contacts as codes: ``codes[i]`` indexes ``groups`` (the person's ethnic group); ``events[i]`` is 1
    when the contact's outcome was an unacceptable failure."""

    groups: list[str]
    codes: NDArray[np.int8]
    events: NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.codes)


def read_rows() -> Rows:
    """Every contact with its person's ethnic group and whether it was an unacceptable failure: one query
    through the raw cursor (as the engine reads), then codes."""
    from django.db.models import Case, IntegerField, Value, When
    from django.db.models.functions import Coalesce

    from evenhand.cases.models import ENFORCEABLE_OUTCOMES, Contact
    from evenhand.equality.measures import read_frame
    from evenhand.people.models import EthnicGroup

    rows = Contact.objects.annotate(
        group=Coalesce("person__diversity__ethnic_group", Value(EthnicGroup.NOT_RECORDED.value)),
        event=Case(When(outcome__in=ENFORCEABLE_OUTCOMES, then=1), default=0, output_field=IntegerField()),
    )
    frame = read_frame(rows.values_list("group", "event"), ["group", "event"])
    groups = pd.Categorical(frame["group"])
    return Rows(
        groups=[str(g) for g in groups.categories],
        codes=groups.codes.astype(np.int8),
        events=frame["event"].to_numpy(dtype=np.int8),
    )


def evenhand_in_memory(rows: Rows) -> pd.DataFrame:
    """People and events per group by counting codes, then every comparison against the reference."""
    from evenhand.equality.stats import compare_groups

    n, events = count_by_group(rows)
    return compare_groups(n, events, groups=rows.groups, reference=REFERENCE)


def count_by_group(rows: Rows) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    k = len(rows.groups)
    return np.bincount(rows.codes, minlength=k), np.bincount(
        rows.codes[rows.events.astype(bool)], minlength=k
    )


def evenhand_sql() -> pd.DataFrame:
    """The same from the database: one aggregate query, then the same comparisons.

    The query counts contacts per person first and then sums per ethnic group, so the database walks the
    contacts in person order on its index and looks up each person's group once (222,000 look-ups rather
    than 5.4 million): about three times faster on SQLite than joining every contact to its person. Django's
    ORM cannot group a subquery, so it is SQL, with the models' table names."""
    from django.db import connection

    from evenhand.cases.models import ENFORCEABLE_OUTCOMES, Contact
    from evenhand.equality.stats import compare_groups
    from evenhand.people.models import DiversityProfile, EthnicGroup

    contacts, profiles = Contact._meta.db_table, DiversityProfile._meta.db_table
    failures = ", ".join(["%s"] * len(ENFORCEABLE_OUTCOMES))
    sql = f"""
        SELECT COALESCE(profile.ethnic_group, %s) AS ethnic_group, SUM(person.n), SUM(person.events)
        FROM (
            SELECT person_id, COUNT(*) AS n,
                   SUM(CASE WHEN outcome IN ({failures}) THEN 1 ELSE 0 END) AS events
            FROM {contacts} GROUP BY person_id
        ) AS person
        LEFT JOIN {profiles} AS profile ON profile.person_id = person.person_id
        GROUP BY 1 ORDER BY 1
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [EthnicGroup.NOT_RECORDED.value, *ENFORCEABLE_OUTCOMES])
        counts = cursor.fetchall()
    return compare_groups(
        [int(row[1]) for row in counts],
        [int(row[2]) for row in counts],
        groups=[row[0] for row in counts],
        reference=REFERENCE,
    )


def metricframe(events: NDArray[np.int8], group: pd.Series) -> pd.DataFrame:
    """Fairlearn's MetricFrame on the same rows: selection rate (the share with the event) and count by
    group, its ratio() and difference(), and each group's rate over the reference's."""
    from fairlearn.metrics import MetricFrame, count, selection_rate

    frame = MetricFrame(
        metrics={"selection_rate": selection_rate, "count": count},
        y_true=events,
        y_pred=events,
        sensitive_features=group,
    )
    by_group = frame.by_group
    frame.ratio()
    frame.difference()
    rate = by_group["selection_rate"].astype(float)
    n = by_group["count"].astype(float)
    return pd.DataFrame(
        {
            "n": n,
            "events": rate * n,
            "rate": rate,
            "relative_rate": rate / rate[REFERENCE],
        }
    )


AEQUITAS_TIMING = textwrap.dedent(
    """
    # Run by .venv-aequitas/bin/python -I: Aequitas and pandas only. Loads the rows, then times only
    # Group().get_crosstabs and Bias().get_disparity_predefined_groups, and prints JSON.
    import json, sys, time
    import aequitas, numpy as np, pandas as pd
    from aequitas.bias import Bias
    from aequitas.group import Group

    folder, reference, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    groups = np.array(json.load(open(f"{folder}/groups.json")), dtype=object)
    events = np.load(f"{folder}/events.npy").astype(np.int64)
    # Aequitas refuses categorical attribute columns: the group is text, as its documentation asks.
    rows = pd.DataFrame({"group": groups[np.load(f"{folder}/codes.npy")], "score": events,
                         "label_value": events})
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        crosstab, _ = Group().get_crosstabs(rows, attr_cols=["group"], score_col="score",
                                            label_col="label_value")
        disparity = Bias().get_disparity_predefined_groups(crosstab, original_df=rows,
                                                           ref_groups_dict={"group": reference})
        seconds.append(time.perf_counter() - started)
    table = {str(r["attribute_value"]): [float(r["group_size"]), float(r["pp"]), float(r["pprev"]),
                                         float(r["pprev_disparity"])] for _, r in disparity.iterrows()}
    print(json.dumps({"seconds": seconds, "aequitas": aequitas.__version__, "pandas": pd.__version__,
                      "groups": table}))
    """
)


def aequitas(rows: Rows, folder: Path, runs: int) -> tuple[list[float], pd.DataFrame, str] | str:
    """Aequitas' seconds (its two calls only), its table and its versions; or why it was skipped."""
    if not AEQUITAS_PYTHON.exists():
        return (
            f"skipped: {AEQUITAS_PYTHON.relative_to(ROOT)} does not exist "
            "(`make .venv-aequitas/.evenhand-installed` builds it)"
        )
    np.save(folder / "codes.npy", rows.codes)
    np.save(folder / "events.npy", rows.events)
    (folder / "groups.json").write_text(json.dumps(rows.groups))
    script = folder / "aequitas_timing.py"
    script.write_text(AEQUITAS_TIMING)
    completed = subprocess.run(
        [str(AEQUITAS_PYTHON), "-I", "-W", "ignore", str(script), str(folder), REFERENCE, str(runs)],
        capture_output=True,
        text=True,
        env={**os.environ, "MPLCONFIGDIR": str(folder / "matplotlib")},
    )
    if completed.returncode != 0:
        return f"skipped: the Aequitas run failed:\n{completed.stderr.strip()[-2000:]}"
    found = json.loads(completed.stdout.strip().splitlines()[-1])
    table = pd.DataFrame.from_dict(
        found["groups"], orient="index", columns=["n", "events", "rate", "relative_rate"]
    )
    return found["seconds"], table, f"Aequitas {found['aequitas']} on pandas {found['pandas']}"


def disagreements(ours: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> list[str]:
    """Where another table differs from Evenhand's in-memory one: groups, n and events exactly (events to
    1e-9 where they come as rate times n), rate and relative rate to 1e-9."""
    problems = []
    for name, theirs in tables.items():
        if sorted(map(str, theirs.index)) != sorted(map(str, ours.index)):
            problems.append(f"{name}: groups {sorted(theirs.index)} against {sorted(ours.index)}")
            continue
        theirs = theirs.loc[list(ours.index)]
        for column in ("n", "events", "rate", "relative_rate"):
            mine, other = ours[column].to_numpy(float), theirs[column].to_numpy(float)
            if not np.allclose(mine, other, rtol=0, atol=ATOL):
                worst = float(np.max(np.abs(mine - other)))
                problems.append(f"{name}: {column} differs by up to {worst:.3g}")
    return problems


def crude_measure(rows: Rows, folder: Path, repeat: int, reference_runs: int) -> float:
    """Time the four on the same rows, check they agree, print the table; return MetricFrame's speedup."""
    print(f"\n2. One crude measure over the same {len(rows):,} rows in memory ({len(rows.groups)} groups)")
    memory_seconds, ours = timed(lambda: evenhand_in_memory(rows), repeat)
    counting_seconds, _ = timed(lambda: count_by_group(rows), repeat)
    sql_seconds, from_sql = timed(evenhand_sql, repeat)
    group = pd.Series(pd.Categorical.from_codes(rows.codes, rows.groups), name="ethnic group")
    print(f"  Fairlearn MetricFrame: {reference_runs} run(s), each takes a while …", flush=True)
    frame_seconds, from_metricframe = timed(lambda: metricframe(rows.events, group), reference_runs)
    found = aequitas(rows, folder, reference_runs)

    tables = {"Evenhand from the database": from_sql, "MetricFrame": from_metricframe}
    lines: list[tuple[str, list[float], str]] = [
        (
            "Evenhand in memory (bincount + compare_groups)",
            memory_seconds,
            "also intervals, odds ratios, tests",
        ),
        ("Evenhand from the database (one query + compare_groups)", sql_seconds, "reads the database"),
        ("Fairlearn MetricFrame (+ ratio, difference)", frame_seconds, "rates and counts only"),
    ]
    if isinstance(found, str):
        print(f"  Aequitas {found}")
    else:
        aequitas_seconds, from_aequitas, versions = found
        tables["Aequitas"] = from_aequitas
        lines.append((f"{versions}: crosstabs + disparity", aequitas_seconds, "loading not counted"))

    print(f"\n  {'':<58}{'first':>10}{'best':>10}   runs")
    for label, seconds, note in lines:
        print(f"  {label:<58}{seconds[0]:>9.3f}s{min(seconds):>9.3f}s   {len(seconds)}   {note}")
    problems = disagreements(ours, tables)
    if problems:
        print("\n  DISAGREEMENT:\n    " + "\n    ".join(problems))
        sys.exit("The tools disagree on the same rows, so their times cannot be compared.")
    print(
        f"\n  agreement: Evenhand in memory, {', '.join(tables)} give the same groups, n and events, "
        f"and rates and relative rates within {ATOL:g}"
    )
    print("  " + ours[["n", "events", "rate", "relative_rate"]].to_string().replace("\n", "\n  "))
    best = min(memory_seconds)
    print(
        f"\n  Evenhand in memory: {min(counting_seconds):.3f} s counting with bincount, "
        f"{best - min(counting_seconds):.3f} s for the rates, intervals, ratios and tests"
    )
    met = "met" if best < CRUDE_TARGET else "NOT met"
    print(f"  target < {CRUDE_TARGET:.0f} s for one crude measure over 5 million rows: {met} ({best:.3f} s)")
    return min(frame_seconds) / best


# --- running it --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, help="a national SQLite database (default: generate one)")
    parser.add_argument("--postgres", help="also time the engine on this PostgreSQL database URL")
    parser.add_argument("--repeat", type=int, default=3, help="warm runs to take the best of (default 3)")
    parser.add_argument(
        "--reference-runs",
        type=int,
        default=1,
        help="runs of MetricFrame and Aequitas (default 1: MetricFrame takes minutes over 5 million rows)",
    )
    parser.add_argument("--engine-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.repeat < 1 or options.reference_runs < 1:
        parser.error("--repeat and --reference-runs must be at least 1")

    if options.engine_only:  # the PostgreSQL run, in its own process: DATABASE_URL is set
        configure()
        from evenhand.people.models import Person

        found = asdict(time_engine(options.repeat)) if Person.objects.exists() else {"people": 0}
        print(json.dumps(found))
        return

    print("\n".join(machine()))
    with tempfile.TemporaryDirectory(prefix="evenhand-equality-") as tmp:
        folder = Path(tmp)
        if options.database is None:
            print("Generating a national database (seed 1) with `evenhand synth` …", flush=True)
            database, seconds = generate_database(folder)
            print(f"  generated in {seconds:.0f} s: {database}")
        else:
            database = options.database.resolve()
            if not database.exists():
                sys.exit(f"{database} does not exist")
        configure(sqlite_path=database)
        print(f"database: {database}")

        print(
            f"\n1. The engine: the whole catalogue, {PERIOD[0]:%-d %B %Y} to {PERIOD[1]:%-d %B %Y}, by "
            "ethnic group, for every unit, with adjusted models",
            flush=True,
        )
        report_engine(time_engine(options.repeat), options.repeat)
        if options.postgres:
            on_postgres = engine_on_postgres(options.postgres, options.repeat)
            if isinstance(on_postgres, str):
                print(f"  postgresql: {on_postgres}")
            else:
                report_engine(on_postgres, options.repeat)
        else:
            print("  postgresql: skipped (no --postgres URL)")

        started = time.perf_counter()
        rows = read_rows()
        print(
            f"\nReading the rows once: {len(rows):,} contacts with ethnic group and outcome in "
            f"{time.perf_counter() - started:.1f} s (one query, into NumPy; not counted below)",
            flush=True,
        )
        speedup = crude_measure(rows, folder, options.repeat, options.reference_runs)
    print(f"speedup over MetricFrame: {speedup:.1f} x")


if __name__ == "__main__":
    main()
