from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from .helpers import VoiceWorld, build


@pytest.fixture(autouse=True)
def _fresh_limiter() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db: Any) -> VoiceWorld:
    return build()
