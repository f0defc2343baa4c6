"""Settings for the test suite: Evenhand's own, with test-only keys.

Evenhand refuses to start without SECRET_KEY and a separate PSEUDONYM_KEY (``evenhand.settings``), so the
tests set keys of their own before those settings read the environment. pytest-django loads this module
(``DJANGO_SETTINGS_MODULE`` in pyproject.toml) before any conftest, so ``pytest`` alone works as well as
``make test``.
"""

import os

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
