"""`evenhand backup` and `evenhand restore` round trip: a synthetic service backed up, restored into a new
migrated database, has the same database fingerprint; a restore over records is refused without --force;
a file that is not a backup is refused. On SQLite (files) and PostgreSQL (two databases of its own), each in
processes of its own, as an operator runs them."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

EVENHAND = str(Path(sys.executable).with_name("evenhand"))
FINGERPRINT = (
    "import json; from evenhand.synth.load import database_fingerprint;"
    " print(database_fingerprint(list(json.load(open({stats!r}))['rows'])))"
)


def run(url: str, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "evenhand.settings",
        "EVENHAND_DEMO": "1",
        "DATABASE_URL": url,
    }
    return subprocess.run(
        [EVENHAND, *arguments], env=env, capture_output=True, text=True, check=check, timeout=900
    )


def fingerprint(url: str, stats: Path) -> str:
    # The last line: Django's shell may first say what it imported.
    return run(url, "shell", "-c", FINGERPRINT.format(stats=str(stats))).stdout.strip().splitlines()[-1]


def postgres(name: str, statement: str) -> None:
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            statement,
        ],
        check=True,
        capture_output=True,
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request: pytest.FixtureRequest, tmp_path: Path):
    """Two empty databases of one engine: the one backed up and the one restored into."""
    if request.param == "sqlite":
        yield [f"sqlite:///{tmp_path / name}.sqlite3" for name in ("original", "restored")]
        return
    names = [f"eh_backup_{uuid.uuid4().hex[:10]}_{which}" for which in ("a", "b")]
    try:
        for name in names:
            postgres(name, f'CREATE DATABASE "{name}"')
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("no PostgreSQL server answers on 127.0.0.1:5432")
    try:
        yield [f"postgres://postgres@127.0.0.1:5432/{name}" for name in names]
    finally:
        for name in names:
            postgres(name, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_to_the_same_fingerprint(databases, tmp_path):
    original, restored = databases
    stats = tmp_path / "stats.json"
    run(original, "migrate", "--verbosity", "0")
    run(original, "synth", "--scale", "tiny", "--seed", "1", "--stats", str(stats), "--verbosity", "0")
    assert json.loads(stats.read_text())["rows"]
    before = fingerprint(original, stats)

    backup = tmp_path / "evenhand.backup"
    run(original, "backup", str(backup))
    assert backup.stat().st_size > 0
    assert not [path for path in tmp_path.iterdir() if path.name.endswith(".part")]
    # A second backup to the same file is refused without --force.
    again = run(original, "backup", str(backup), check=False)
    assert again.returncode == 1 and "already exists" in again.stderr

    run(restored, "migrate", "--verbosity", "0")
    run(restored, "restore", str(backup))
    assert fingerprint(restored, stats) == before

    # Now it holds records: refused without --force, and nothing changes.
    refused = run(restored, "restore", str(backup), check=False)
    assert refused.returncode == 1
    assert "already holds records" in refused.stderr
    run(restored, "restore", str(backup), "--force")
    assert fingerprint(restored, stats) == before


def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    run(url, "migrate", "--verbosity", "0")
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database", encoding="utf-8")
    refused = run(url, "restore", str(bogus), check=False)
    assert refused.returncode == 1
    assert "is not a backup of this database" in refused.stderr
