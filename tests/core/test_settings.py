"""Evenhand's settings refuse to start on missing or shared keys, except for the demo and in DEBUG.

Each case imports ``evenhand.settings`` in a fresh interpreter with only the environment given, because the
settings are read once, at import.
"""

import json
import os
import subprocess
import sys

import pytest

SHOW = (
    "import json, evenhand.settings as s; "
    "print(json.dumps([s.SECRET_KEY, s.PSEUDONYM_KEY, getattr(s, 'SECURE_HSTS_SECONDS', 0)]))"
)
SECRET = "a-production-secret-key"
PSEUDONYM = "a-production-pseudonym-key"
VOICE = "a-production-voice-key"


def import_settings(**environment: str) -> subprocess.CompletedProcess[str]:
    # Only what Python needs to run: nothing of this process's (or the test settings') keys.
    clean = {name: os.environ[name] for name in ("PATH", "HOME", "SYSTEMROOT") if name in os.environ}
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        env={**clean, **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_of(**environment: str) -> tuple[str, str, int]:
    completed = import_settings(**environment)
    assert completed.returncode == 0, completed.stderr
    secret, pseudonym, hsts = json.loads(completed.stdout)
    return secret, pseudonym, hsts


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "  "}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": SECRET}, "PSEUDONYM_KEY is not set"),
        ({"PSEUDONYM_KEY": PSEUDONYM}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": SECRET, "PSEUDONYM_KEY": SECRET}, "PSEUDONYM_KEY is the same as SECRET_KEY"),
        ({"SECRET_KEY": SECRET, "PSEUDONYM_KEY": PSEUDONYM}, "VOICE_KEY is not set"),
        ({"SECRET_KEY": SECRET, "PSEUDONYM_KEY": PSEUDONYM, "VOICE_KEY": SECRET}, "VOICE_KEY is the same as"),
        ({"EVENHAND_DEMO": "0"}, "SECRET_KEY is not set"),
        ({"DEBUG": "false"}, "SECRET_KEY is not set"),
    ],
)
def test_evenhand_refuses_to_start_without_its_own_keys(environment: dict[str, str], message: str) -> None:
    completed = import_settings(**environment)
    assert completed.returncode != 0
    assert f"ImproperlyConfigured: {message}" in completed.stderr


def test_the_keys_given_are_used() -> None:
    assert settings_of(SECRET_KEY=SECRET, PSEUDONYM_KEY=PSEUDONYM, VOICE_KEY=VOICE) == (
        SECRET,
        PSEUDONYM,
        31536000,
    )


@pytest.mark.parametrize("switch", [{"EVENHAND_DEMO": "1"}, {"DEBUG": "true"}])
def test_the_demo_and_debug_run_on_fixed_development_keys(switch: dict[str, str]) -> None:
    secret, pseudonym, _ = settings_of(**switch)
    assert "development" in secret and "development" in pseudonym
    assert secret != pseudonym
    # A key that is given is still used.
    assert settings_of(**switch, SECRET_KEY=SECRET)[:2] == (SECRET, pseudonym)


def test_hsts_is_on_unless_debug() -> None:
    assert settings_of(EVENHAND_DEMO="1")[2] == 31536000
    assert settings_of(DEBUG="true")[2] == 0


@pytest.mark.django_db
def test_the_system_checks_find_nothing_on_this_database() -> None:
    """Every command prints Django's system-check warnings first: a model option this database ignores (an
    index's included columns on SQLite, say) would greet every user of ``make demo``."""
    from django.core import checks
    from django.db import connections

    found = checks.run_checks(databases=list(connections))  # with the database checks, as commands run them
    assert [message for message in found if message.level >= checks.WARNING] == []
