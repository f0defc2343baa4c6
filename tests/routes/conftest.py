"""The route walk's world, built once per module in a transaction rolled back when the module ends; each test
runs in a savepoint of its own on top of it, so nothing one request writes reaches the next test."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from .world import World, build_world


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)
