"""Benchmark: generate and load the synthetic service at region and national scale, into SQLite and PostgreSQL.

Each run is a fresh database and a separate process (`evenhand synth`), so peak memory is that process's
alone. Prints stage timings, rows per second and peak memory, and ends with
``national seconds: S sqlite, S postgresql``.

    .venv/bin/python benchmarks/synth.py [--scales region,national] [--seed 1]

PostgreSQL: the server at $BENCH_PG (default postgres://postgres@127.0.0.1:5432); a database is created and
dropped for each run.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVENHAND = str(ROOT / ".venv" / "bin" / "evenhand")
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def run(args: list[str], env: dict[str, str]) -> tuple[float, int, float]:
    """Run a command; return wall seconds, peak resident memory in MB and CPU seconds (user and system) from
    the kernel's rusage: on a shared machine the CPU time is the figure that does not depend on the others."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(args)} failed:\n{process.stderr.read().decode() if process.stderr else ''}")
    return elapsed, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


def psql(sql: str) -> None:
    subprocess.run(
        [
            "psql",
            f"{PG}/postgres",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            # Separate commands: DROP DATABASE cannot run inside the transaction one -c with two statements is.
            "-c",
            "SET client_min_messages = warning",
            "-c",
            sql,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def one(scale: str, database: str, seed: int, workdir: Path) -> float:
    env = {**os.environ, "EVENHAND_PLAIN_STATIC": "1"}
    # Synthetic data is not a deployment: without keys in the environment, use the demo's.
    if not env.get("SECRET_KEY"):
        env["EVENHAND_DEMO"] = "1"
    env.pop("DATABASE_URL", None)
    name = f"bench_synth_{scale}_{os.getpid()}"
    if database == "sqlite":
        env["SQLITE_PATH"] = str(workdir / f"{name}.sqlite3")
    else:
        psql(f'DROP DATABASE IF EXISTS "{name}"')
        psql(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"{PG}/{name}"
    try:
        run([EVENHAND, "migrate", "-v", "0"], env)
        stats = workdir / f"{name}.json"
        seconds, peak_mb, cpu = run(
            [EVENHAND, "synth", "--scale", scale, "--seed", str(seed), "--stats", str(stats), "-v", "0"], env
        )
        report = json.loads(stats.read_text())
    finally:
        if database == "postgresql":
            psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    rows = sum(report["rows"].values())
    stages = ", ".join(f"{stage} {value:.1f} s" for stage, value in report["seconds"].items())
    print(
        f"{scale:>8} {database:<10} {seconds:7.1f} s wall   {cpu:7.1f} s CPU   {rows:>10,} rows   "
        f"{rows / seconds:>9,.0f} rows/s   peak {peak_mb:,} MB   load average {os.getloadavg()[0]:.1f}   [{stages}]"
    )
    print(
        f"{'':>19} contacts {report['rows'].get('cases_contact', 0):,}, people "
        f"{report['rows'].get('people_person', 0):,}, staff {report['rows'].get('org_staffmember', 0):,}, "
        f"decisions {report['rows'].get('cases_enforcementdecision', 0):,}"
    )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="region,national")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    results: dict[tuple[str, str], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scale in options.scales.split(","):
            for database in ("sqlite", "postgresql"):
                results[(scale, database)] = one(scale, database, options.seed, Path(tmp))
    if "national" in options.scales.split(","):
        print(
            f"national seconds: {results[('national', 'sqlite')]:.0f} sqlite, "
            f"{results[('national', 'postgresql')]:.0f} postgresql"
        )


if __name__ == "__main__":
    main()
