"""Fixtures for the synthetic dataset tests.

Loading a dataset takes from a fraction of a second (``tiny``) to a few seconds (``pdu``), so the modules that
only read a dataset load it once, in a transaction that is rolled back when the module ends: the tests of other
modules still start from an empty database.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from evenhand.synth.generator import Result, generate


@contextmanager
def loaded(**arguments: Any) -> Iterator[Result]:
    """Generate into the database and roll the whole load back afterwards (a savepoint inside a test)."""
    with transaction.atomic():
        yield generate(**arguments)
        transaction.set_rollback(True)


def load_for_module(django_db_blocker: Any, **arguments: Any) -> Iterator[Result]:
    with django_db_blocker.unblock(), loaded(**arguments) as result:
        yield result


@pytest.fixture(scope="module")
def tiny(django_db_setup: None, django_db_blocker: Any) -> Iterator[Result]:
    """``tiny`` scale, seed 1, loaded once for the module."""
    yield from load_for_module(django_db_blocker, scale="tiny", seed=1)


@pytest.fixture(scope="module")
def pdu(django_db_setup: None, django_db_blocker: Any) -> Iterator[Result]:
    """``pdu`` scale, seed 1, loaded once for the module."""
    yield from load_for_module(django_db_blocker, scale="pdu", seed=1)


@pytest.fixture
def bias_file(tmp_path: Path) -> Callable[[str], Path]:
    """Write the text of a bias file and return its path."""

    def write(text: str) -> Path:
        path = tmp_path / "bias.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
