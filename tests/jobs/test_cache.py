"""Every process sees the same cache: one process writes a value and another, started afterwards, reads it,
on the embedded default (files under EVENHAND_CACHE_DIR) and, where a Redis server answers, on Redis."""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

EVENHAND = str(Path(sys.executable).with_name("evenhand"))
WRITE = "from django.core.cache import caches; caches['{alias}'].set('{key}', {{'figure': 42}}, 60)"
READ = "from django.core.cache import caches; print(caches['{alias}'].get('{key}'))"


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def shell(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [EVENHAND, "shell", "-c", code], env=env, check=True, capture_output=True, text=True, timeout=120
    )
    # The last line: Django's shell may first say what it imported.
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("backend", ["files", "redis"])
@pytest.mark.parametrize("alias", ["default", "equality"])
def test_two_processes_share_the_cache(tmp_path, backend, alias):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "evenhand.settings",
        "EVENHAND_DEMO": "1",
        "SQLITE_PATH": str(tmp_path / "unused.sqlite3"),
        "EVENHAND_CACHE_DIR": str(tmp_path / "cache"),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if backend == "redis":
        if not redis_answers():
            pytest.skip("no Redis server on 127.0.0.1:6379")
        env["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    key = f"shared-{uuid.uuid4().hex}"
    shell(env, WRITE.format(alias=alias, key=key))
    assert shell(env, READ.format(alias=alias, key=key)) == "{'figure': 42}"
    # And not by accident: a process with a cache of its own (another folder, no Redis) does not see it.
    env.pop("REDIS_URL", None)
    env["EVENHAND_CACHE_DIR"] = str(tmp_path / "elsewhere")
    assert shell(env, READ.format(alias=alias, key=key)) == "None"
