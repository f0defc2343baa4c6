"""Settings for the test suite: Evenhand's own, with test-only keys.

Evenhand refuses to start without SECRET_KEY and a separate PSEUDONYM_KEY (``evenhand.settings``), so the
tests set keys of their own before those settings read the environment. pytest-django loads this module
(``DJANGO_SETTINGS_MODULE`` in pyproject.toml) before any conftest, so ``pytest`` alone works as well as
``make test``.
"""

import os
import tempfile
from pathlib import Path

os.environ["SECRET_KEY"] = "evenhand-tests-secret-key-not-for-production"
os.environ["PSEUDONYM_KEY"] = "evenhand-tests-pseudonym-key-not-for-production"
os.environ["VOICE_KEY"] = "evenhand-tests-voice-key-not-for-production"

from evenhand.settings import *  # noqa: F403

# Safe voice: Argon2id at its cheapest, so that tests that raise and open many concerns stay fast (production
# keeps libsodium's interactive limits and RFC 9106's low-memory setting: evenhand.voice.crypto, .receipts).
VOICE_KDF_OPS = 1
VOICE_KDF_MEM = 8192
VOICE_HASH_TIME_COST = 1
VOICE_HASH_MEMORY_KIB = 8
VOICE_HASH_PARALLELISM = 1

# Jobs run at once, in the test's own thread and transaction (django-tasks' immediate backend), so a page that
# starts one shows its result; the tests of the queue itself (tests/jobs) use the database backend and run a
# worker. No heartbeat thread: progress is written as it is reported.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
JOB_HEARTBEAT_SECONDS = 0
# A request's independent reads one after another, in the test's transaction (evenhand.core.concurrent): a
# thread's connection would not see the test's rows. tests/core/test_concurrent.py turns them on.
READ_THREADS = 0
# Each test process keeps its own cache (tests/jobs/test_cache.py starts processes that share one).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "equality": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "equality",
        "OPTIONS": {"MAX_ENTRIES": 8},
    },
}
# Publications are written under the system's temporary folder, one folder per test process (made when needed).
PUBLICATIONS_DIR = Path(tempfile.gettempdir()) / f"evenhand-test-publications-{os.getpid()}"
# An import does not queue the equality precomputation (with jobs run at once it would run inside the import).
JOBS_AFTER_DATA_CHANGES = False
# Read replicas (ADR 15): on PostgreSQL an `analytics` alias that is a test mirror of the test database (another
# connection to the same database, as a replica would be), so the router's tests can see reads go through it
# (tests/core/test_db_routing.py). Not routed to unless a test sets ANALYTICS_DATABASE: every other test reads
# and writes the primary, inside its own transaction.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["analytics"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
ANALYTICS_DATABASE = ""
