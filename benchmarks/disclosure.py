"""Benchmark disclosure control of a whole period's equality publication: one region, then the nation.

The goals, on the 2-core machine: a national publication protected and audited in under 10 minutes, and
one region's in under 60 seconds. The script prints whether each was met; it does not fail when one is not.

The period is 1 November 2025 to 31 October 2026. For each database (the region first, then the nation),
in a process of its own so that each gets a fresh Django setup on its own ``SQLITE_PATH``:

1. **Reading the population**: ``Source.population``, one row per sentence under supervision in the period.
2. **Building the cells**: ``period_cells()``, the publication as one ``Cells`` system (every measure,
   characteristic, published level, the year and its quarters) with every relation a reader knows; the
   measures' own queries run here.
3. **Protecting**: ``protect()``, primary and secondary suppression, ending with the full audit (an
   attack by linear programming on everything published).

It prints the cells, relations, primary and secondary suppressions, the audit's independent components and
the largest, the programs solved, the seconds of each stage and the audit's summary, with progress lines
(seconds since the run started) as it goes. The figure for each database is the three stages together:
what ``release()`` spends from the database to an audited suppression pattern.

    .venv/bin/python benchmarks/disclosure.py [--database national.sqlite3]
        [--region-database region.sqlite3] [--only region|national]

Without ``--region-database`` it first generates a region database (``evenhand synth --scale region
--seed 11``, about 20 seconds and 200 MB); without ``--database`` a national one (seed 1, several minutes
and about 5 GB), each into a temporary folder with ``evenhand migrate`` and ``evenhand synth``. The runs
themselves take minutes (the region took 7 when this was written) and the nation far longer; stopped with
SIGTERM, the script removes what it generated. It is a benchmark, not a test, and ends with
``one region protected and audited s: N`` and then ``national publication protected and audited s: N``
(only the one asked for with ``--only``).
"""

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
EVENHAND = str(ROOT / ".venv" / "bin" / "evenhand")
PERIOD = (dt.date(2025, 11, 1), dt.date(2026, 10, 31))
SEEDS = {"region": 11, "national": 1}
GOALS = {"region": 60.0, "national": 600.0}  # seconds, on the 2-core machine
LABELS = {"region": "one region", "national": "national publication"}


# --- the machine and the databases -------------------------------------------------------------------------


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


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
    libraries = ", ".join(
        f"{name} {importlib.metadata.version(name)}" for name in ("numpy", "scipy", "pandas", "Django")
    )
    return [
        f"machine: {os.cpu_count()} cores ({usable} usable), {cpu}, {memory}; load average {load()}",
        f"Python {platform.python_version()} on {platform.platform()}; SQLite {sqlite3.sqlite_version}",
        f"libraries: {libraries}",
    ]


def generate_database(folder: Path, scale: str) -> tuple[Path, float]:
    """A fresh database of ``scale`` (with its seed in ``SEEDS``) in ``folder``, made by the commands a
    person would run."""
    path = folder / f"{scale}.sqlite3"
    env = {**os.environ, "SQLITE_PATH": str(path), "EVENHAND_PLAIN_STATIC": "1"}
    env.pop("DATABASE_URL", None)
    if not env.get("SECRET_KEY"):
        env["EVENHAND_DEMO"] = "1"
    started = time.perf_counter()
    synth = ["synth", "--scale", scale, "--seed", str(SEEDS[scale]), "-v", "0"]
    for command in (["migrate", "-v", "0"], synth):
        completed = subprocess.run(
            [EVENHAND, *command], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        if completed.returncode != 0:
            sys.exit(f"evenhand {' '.join(command)} failed:\n{completed.stderr}")
    return path, time.perf_counter() - started


def configure(sqlite_path: Path) -> None:
    """Point Django at the database to time. SQLITE_PATH rather than a sqlite:// URL keeps the project's
    SQLite pragmas (WAL, page cache, memory-mapped reads)."""
    os.environ.pop("DATABASE_URL", None)
    os.environ["SQLITE_PATH"] = str(sqlite_path)
    # A benchmark on synthetic data is not a deployment: without keys in the environment, use the demo's.
    if not os.environ.get("SECRET_KEY"):
        os.environ["EVENHAND_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evenhand.settings")
    os.environ["EVENHAND_PLAIN_STATIC"] = "1"
    import django

    django.setup()


# --- one publication, in its own process -------------------------------------------------------------------


@dataclass
class Times:
    """One database's figures, handed from its process to the parent."""

    scale: str
    read: float
    cells: float
    protect: float
    audit: float  # the final audit, within protect

    @property
    def total(self) -> float:
        return self.read + self.cells + self.protect


def protect_publication(scale: str) -> Times:
    """Read, build and protect the period's publication on the configured database, printing as it goes."""
    from evenhand.disclosure import DisclosureError, Rules, protect
    from evenhand.equality.measures import Period, Source
    from evenhand.equality.publish.release import parts, period_cells
    from evenhand.people.models import Person

    if not Person.objects.exists():
        sys.exit("that database holds no people (load it with `evenhand synth`)")
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"    {time.perf_counter() - started:8.1f} s  {message}", flush=True)

    source = Source(Period(*PERIOD))
    clock = time.perf_counter()
    population = source.population
    read = time.perf_counter() - clock
    progress(
        f"population read: {len(population):,} sentences; regions {population['region'].nunique()}, "
        f"PDUs {population['pdu'].nunique()}"
    )

    progress("building the publication's cells and relations")
    clock = time.perf_counter()
    cells = period_cells(source)
    built = time.perf_counter() - clock
    equalities, inequalities = cells.equalities.shape[0], cells.inequalities.shape[0]
    progress(f"{cells.size:,} cells, {equalities + inequalities:,} relations")

    clock = time.perf_counter()
    try:
        regions = parts(source, cells)
        progress(f"protected in {1 if regions is None else int(regions.max()) + 1} parts (regions)")
        protection = protect(cells, parts=regions, progress=progress)
    except DisclosureError as error:
        # What is known so far is still worth reading: how big the system was and how long it took to fail.
        print(
            f"  protect() refused the publication after {time.perf_counter() - clock:.1f} s: {error}\n"
            f"  cells: {cells.size:,}; relations: {equalities + inequalities:,}; primary suppressions: "
            f"{int(((cells.values >= 1) & (cells.values < Rules().threshold) & ~cells.implied).sum()):,}\n"
            f"  seconds: reading the population {read:.1f}, building the cells {built:.1f}",
            flush=True,
        )
        sys.exit(1)
    protected = time.perf_counter() - clock
    audit = protection.audit
    progress("protected and audited")

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # kilobytes on Linux
    print(
        f"  cells: {cells.size:,} ({int(cells.implied.sum()):,} implied, never published)\n"
        f"  relations: {equalities + inequalities:,} ({equalities:,} equalities, {inequalities:,} inequalities)\n"
        f"  primary suppressions: {int(protection.primary.sum()):,}\n"
        f"  secondary suppressions: {int(protection.secondary.sum()):,}\n"
        f"  suppressed in all: {audit.suppressed:,} of {audit.published + audit.suppressed:,} published counts; "
        f"{audit.sensitive:,} sensitive cells\n"
        f"  components: {audit.components:,}\n"
        f"  largest component: {audit.largest_component:,}\n"
        f"  protection achieved: at least {audit.narrowest_above:g} above, {audit.narrowest_below:g} below\n"
        f"  programs: {protection.programs:,} ({audit.programs:,} in the final audit)\n"
        f"  seconds: reading the population {read:.1f}, building the cells {built:.1f}, protecting "
        f"{protected:.1f} (of which the final audit {audit.seconds:.1f}); in all {read + built + protected:.1f}\n"
        f"  peak memory: {peak:.1f} GB; load average {load()}\n"
        f"  audit: {audit.summary()}",
        flush=True,
    )
    return Times(scale=scale, read=read, cells=built, protect=protected, audit=audit.seconds)


def run_apart(scale: str, database: Path, folder: Path) -> Times | None:
    """Time ``scale``'s publication in a process of its own; None if that process failed."""
    result = folder / f"{scale}.json"
    print(f"\n{LABELS[scale].capitalize()}: {database}", flush=True)
    completed = subprocess.run(
        [
            sys.executable,
            __file__,
            "--run",
            scale,
            "--run-database",
            str(database),
            "--result",
            str(result),
        ]
    )
    if completed.returncode != 0 or not result.exists():
        print(f"  the {scale} run failed (exit status {completed.returncode})", flush=True)
        return None
    return Times(**json.loads(result.read_text()))


# --- running it --------------------------------------------------------------------------------------------


def database_for(scale: str, given: Path | None, folder: Path) -> Path:
    if given is None:
        print(f"Generating a {scale} database (seed {SEEDS[scale]}) with `evenhand synth` …", flush=True)
        path, seconds = generate_database(folder, scale)
        print(f"  generated in {seconds:.0f} s: {path}", flush=True)
        return path
    path = given.resolve()
    if not path.exists():
        sys.exit(f"{path} does not exist")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, help="a national SQLite database (default: generate one)")
    parser.add_argument(
        "--region-database", type=Path, help="a region-scale SQLite database (default: generate one)"
    )
    parser.add_argument("--only", choices=("region", "national"), help="time only this one")
    # The process of one database, started by the parent.
    parser.add_argument("--run", choices=("region", "national"), help=argparse.SUPPRESS)
    parser.add_argument("--run-database", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    # Stopped with SIGTERM (the national run is long), leave as on an error: subprocess.run stops the
    # process of the database being timed, and the temporary folder, with any database generated, goes.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    if options.run:
        print(f"  load average at the start: {load()}", flush=True)
        configure(options.run_database)
        times = protect_publication(options.run)
        options.result.write_text(json.dumps(asdict(times)))
        return

    print("\n".join(machine()))
    scales = [options.only] if options.only else ["region", "national"]
    given = {"region": options.region_database, "national": options.database}
    found: dict[str, Times | None] = {}
    print(
        f"Protecting and auditing the equality publication for {PERIOD[0]:%-d %B %Y} to "
        f"{PERIOD[1]:%-d %B %Y}: {', '.join(LABELS[s] for s in scales)}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="evenhand-disclosure-") as tmp:
        folder = Path(tmp)
        for scale in scales:
            found[scale] = run_apart(scale, database_for(scale, given[scale], folder), folder)

    print(f"\nload average at the end: {load()}")
    done = {scale: times for scale, times in found.items() if times is not None}
    for scale in scales:
        if scale not in done:
            print(f"{LABELS[scale]}: failed, no figure")
            continue
        total, goal = done[scale].total, GOALS[scale]
        met = "met" if total < goal else "NOT met"
        print(f"goal < {goal:.0f} s for {LABELS[scale]}: {met} ({total:.1f} s)")
    if len(done) < len(scales):
        sys.exit("a run failed")
    for scale in scales:
        print(f"{LABELS[scale]} protected and audited s: {done[scale].total:.1f}")


if __name__ == "__main__":
    main()
