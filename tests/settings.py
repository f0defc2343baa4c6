"""Settings for the test suite: Evenhand's own, with test-only keys.

Evenhand refuses to start without SECRET_KEY and a separate PSEUDONYM_KEY (``evenhand.settings``), so the
tests set keys of their own before those settings read the environment. pytest-django loads this module
(``DJANGO_SETTINGS_MODULE`` in pyproject.toml) before any conftest, so ``pytest`` alone works as well as
``make test``.
"""

import os

os.environ["SECRET_KEY"] = "evenhand-tests-secret-key-not-for-production"
os.environ["PSEUDONYM_KEY"] = "evenhand-tests-pseudonym-key-not-for-production"

from evenhand.settings import *  # noqa: F403
