from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from evenhand.voice import services

from .helpers import VoiceWorld, build


@pytest.fixture(autouse=True)
def _fresh_limiter() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db: Any) -> VoiceWorld:
    # A transactional test elsewhere (the browser tests) flushes the kinds migration 0002 added.
    services.ensure_default_kinds_and_themes()
    return build()
