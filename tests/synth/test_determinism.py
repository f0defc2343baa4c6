"""The same scale, seed, end date and bias file give the same rows with the same ids, and the same fingerprint."""

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection

from evenhand.synth.generator import DEFAULT_END_DATE, generate
from evenhand.synth.load import database_fingerprint

from .conftest import loaded

pytestmark = pytest.mark.django_db

# Tiny scale, seed 1, the default end date, no bias: the generator's fingerprint, and database_fingerprint of
# every table it writes as SQLite and PostgreSQL both hold them (measured on each, equal). They change whenever
# the generator's output does (a new rate, a fixed bug): measure the new values on both databases
# (DATABASE_URL=postgres://…) before replacing them.
TINY_SEED_1_FINGERPRINT = "37c87b8cba8c91cafb163293ea7d7f65851cc4892c3fba51250b2699bc25dacb"
TINY_SEED_1_DATABASE_FINGERPRINT = "b50e195c3ccf1630987d2df9f2fa56ed9e358576cecbc30caa65409f9082857d"

EFFECT = """
[[effect]]
measure = "recall"
group = "black"
unit = "national"
multiplier = 1.5
"""


def test_the_same_seed_gives_the_same_fingerprint_rows_and_truth() -> None:
    first = generate(scale="tiny", seed=1, write=False)
    second = generate(scale="tiny", seed=1, write=False)
    assert first.fingerprint == second.fingerprint
    assert first.rows == second.rows
    assert first.truth == second.truth
    assert first.end_date == DEFAULT_END_DATE == dt.date(2026, 10, 31)


@pytest.mark.parametrize(
    "change",
    [{"seed": 2}, {"scale": "pdu"}, {"end_date": dt.date(2026, 9, 30)}],
    ids=["seed", "scale", "end date"],
)
def test_a_different_seed_scale_or_end_date_gives_a_different_fingerprint(change: dict) -> None:
    base = {"scale": "tiny", "seed": 1}
    assert (
        generate(**{**base, **change}, write=False).fingerprint != generate(**base, write=False).fingerprint
    )


def test_the_bias_file_is_part_of_the_fingerprint(bias_file: Callable[[str], Path]) -> None:
    path = bias_file(EFFECT)
    plain = generate(scale="tiny", seed=1, write=False)
    biased = generate(scale="tiny", seed=1, bias_path=path, write=False)
    assert biased.fingerprint != plain.fingerprint
    assert generate(scale="tiny", seed=1, bias_path=path, write=False).fingerprint == biased.fingerprint


def test_writing_does_not_change_the_fingerprint() -> None:
    with loaded(scale="tiny", seed=1) as written:
        pass
    assert written.fingerprint == generate(scale="tiny", seed=1, write=False).fingerprint
    assert written.rows == generate(scale="tiny", seed=1, write=False).rows


def _database_fingerprint(seed: int) -> str:
    with loaded(scale="tiny", seed=seed) as result:
        return database_fingerprint(list(result.rows))


def test_the_loaded_rows_and_ids_are_the_same_on_every_run() -> None:
    # Each load is rolled back before the next: two runs into an empty database.
    first = _database_fingerprint(1)
    assert _database_fingerprint(1) == first
    assert _database_fingerprint(2) != first


def test_the_fingerprints_are_the_same_on_sqlite_and_postgresql() -> None:
    # CI runs the suite on both databases (DATABASE_URL selects PostgreSQL); the same constants hold on each.
    assert connection.vendor in ("sqlite", "postgresql")
    assert generate(scale="tiny", seed=1, write=False).fingerprint == TINY_SEED_1_FINGERPRINT
    assert _database_fingerprint(1) == TINY_SEED_1_DATABASE_FINGERPRINT
