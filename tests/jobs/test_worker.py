"""The queue with real workers: separate ``evenhand worker`` processes over one SQLite database (the embedded
default, as ``make demo`` runs it), one of them killed in the middle of a job. The job is taken back when its
lease runs out: run again by the next worker while it has attempts left, else failed; never left running.

The workers run with ``--no-schedules``. Without it the first worker's keeper starts the nightly equality
precomputation (due every day after 02:00 on a database that has not run it), and the surviving worker,
which runs one job at a time, takes that first: minutes of work on a loaded machine, during which the job
taken back waits in the queue (the retry "not run within the wait" once seen, first blamed on SQLite locks).

Every wait of the module draws on one budget, so a worker that never runs the job fails the module in
``BUDGET_SECONDS`` (process starts included), never holding up the suite for minutes.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from evenhand.jobs import services
from evenhand.jobs.management.commands.worker import Keeper

EVENHAND = str(Path(sys.executable).with_name("evenhand"))
LEASE_SECONDS = 3
# All the module's waits together (eight process starts, two leases running out, two short jobs): about
# 20 seconds on an idle machine, and room for a machine loaded several times over.
BUDGET_SECONDS = 150


class Budget:
    deadline = float("inf")

    def start(self) -> None:
        self.deadline = time.monotonic() + BUDGET_SECONDS

    def left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            pytest.fail(f"the queue tests ran past their budget of {BUDGET_SECONDS} seconds")
        return left


BUDGET = Budget()  # started by the module's database fixture

# Not for the tests themselves (the workers have a database of their own) but for the suite's migrated test
# database, which pytest-django sets up only when some test asks for it, and this module copies.
pytestmark = pytest.mark.django_db


def copy_the_test_database(path: Path) -> bool:
    """On the suite's SQLite pass, copy its migrated test database (SQLite's backup API) instead of running
    every migration again in a process of its own; False on PostgreSQL."""
    if connection.vendor != "sqlite":
        return False
    connection.ensure_connection()
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)
    target.close()
    return True


@pytest.fixture(scope="module")
def database(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: None, django_db_blocker
) -> Iterator[tuple[Path, dict[str, str]]]:
    """A migrated SQLite database of its own and the environment every process here runs with."""
    folder = tmp_path_factory.mktemp("queue")
    path = folder / "evenhand.sqlite3"
    env = {
        **os.environ,
        # The project's settings, not the tests' (whose jobs run at once, in the caller).
        "DJANGO_SETTINGS_MODULE": "evenhand.settings",
        "DATABASE_URL": f"sqlite:///{path}",
        "EVENHAND_DEMO": "1",
        "EVENHAND_CACHE_DIR": str(folder / "cache"),
        "JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "JOB_HEARTBEAT_SECONDS": "0.5",
    }
    with django_db_blocker.unblock():
        copied = copy_the_test_database(path)
    if not copied:
        # On the PostgreSQL pass: migrating is setting up, not waiting on the queue, so it is outside the budget.
        subprocess.run([EVENHAND, "migrate", "--verbosity", "0"], env=env, check=True, timeout=600)
    BUDGET.start()
    yield path, env


def queue_check(env: dict[str, str], seconds: float, attempts: int) -> int:
    done = subprocess.run(
        [EVENHAND, "jobs", "check", "--seconds", str(seconds), "--attempts", str(attempts)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=BUDGET.left(),
    )
    return int(done.stdout.strip().splitlines()[-1])


def job_row(path: Path, job_id: int) -> dict[str, object]:
    with sqlite3.connect(path, timeout=30) as connection:
        connection.row_factory = sqlite3.Row
        row = connection.execute("SELECT * FROM jobs_job WHERE id = ?", (job_id,)).fetchone()
    return dict(row)


def task_statuses(path: Path) -> list[str]:
    with sqlite3.connect(path, timeout=30) as connection:
        return [
            status
            for (status,) in connection.execute("SELECT status FROM django_tasks_database_dbtaskresult")
        ]


def all_jobs(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path, timeout=30) as connection:
        return connection.execute("SELECT id, kind, status, attempts, worker, step FROM jobs_job").fetchall()


def wait_for(path: Path, job_id: int, condition, what: str) -> dict[str, object]:
    while time.monotonic() < BUDGET.deadline:
        row = job_row(path, job_id)
        if condition(row):
            return row
        time.sleep(0.2)
    # Every job, so that a failure shows what the workers were doing instead.
    pytest.fail(f"job {job_id} never {what} within the budget; the jobs: {all_jobs(path)}")


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [EVENHAND, "worker", "--interval", "0.2", "--no-schedules"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def kill_mid_job(path: Path, env: dict[str, str], job_id: int) -> None:
    """Start a worker, let it get some way into the job, and kill it outright (no chance to tidy up)."""
    worker = start_worker(env)
    try:
        wait_for(path, job_id, lambda row: row["status"] == "running" and row["progress"] > 0, "started")
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    # Killed: the job still says running, and would for ever without the lease.
    assert job_row(path, job_id)["status"] == "running"


def test_a_job_whose_worker_is_killed_is_run_again_by_another(database):
    path, env = database
    job_id = queue_check(env, seconds=4, attempts=2)
    kill_mid_job(path, env, job_id)
    first_worker = job_row(path, job_id)["worker"]

    survivor = start_worker(env)
    try:
        row = wait_for(path, job_id, lambda row: row["status"] in ("succeeded", "failed"), "finished")
    finally:
        stop(survivor)
    assert row["status"] == "succeeded", row
    assert row["attempts"] == 2
    assert row["worker"] != first_worker
    assert row["progress"] == 1.0
    # The survivor ran nothing else: no scheduled job came before the one taken back.
    assert [job[1] for job in all_jobs(path)] == ["check"]
    # The queue's own record of the killed run is failed, not left running either.
    assert "RUNNING" not in task_statuses(path)


def test_a_job_out_of_attempts_is_failed_saying_why(database):
    path, env = database
    job_id = queue_check(env, seconds=4, attempts=1)
    kill_mid_job(path, env, job_id)

    keeper = start_worker(env)
    try:
        row = wait_for(path, job_id, lambda row: row["status"] != "running", "taken back")
    finally:
        stop(keeper)
    assert row["status"] == "failed"
    assert row["attempts"] == 1
    assert "The worker running it stopped" in str(row["error"])
    assert row["finished_at"] is not None


def test_a_keeper_without_schedules_still_takes_back_jobs(monkeypatch):
    """``--no-schedules``: the keeper reaps, and starts no scheduled job (in this process, without a database:
    both calls are recorded instead)."""
    calls: list[str] = []
    monkeypatch.setattr(services, "reap", lambda: calls.append("reap"))
    monkeypatch.setattr(services, "run_schedules", lambda: calls.append("schedules"))
    for schedules, expected in ((False, ["reap"]), (True, ["reap", "schedules"])):
        calls.clear()
        keeper = Keeper(60, schedules=schedules)
        keeper.stopped.set()  # one round, then stop
        keeper.start()
        keeper.join(timeout=10)
        assert calls == expected
