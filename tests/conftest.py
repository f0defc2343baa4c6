from collections.abc import Iterator

import pytest
from django.db import connection

from tests.flush import past_refusals


@pytest.fixture(autouse=True)
def _test_settings(settings: pytest.FixtureRequest) -> None:
    # Tests do not run collectstatic, so static() must not need the manifest, and WhiteNoise must not
    # look for the collected files (autorefresh defers that, and so stops a warning per client).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = True
    # Argon2 is deliberately slow; tests hash many passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _flush_past_refusals() -> Iterator[None]:
    # Decisions and the access log refuse DELETE in the database; SQLite's flush after a transactional test
    # lifts that refusal for the flush alone (tests/flush.py says why this way). PostgreSQL's flush is a
    # TRUNCATE, which the row triggers do not see.
    if connection.vendor != "sqlite":
        yield
        return
    operations = type(connection.ops)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(operations, "execute_sql_flush", past_refusals(operations.execute_sql_flush))
        yield


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The national validation loads the whole country (a quarter of an hour): it goes first, so that it is not
    # what a worker is left doing alone at the end. After pytest-django's own ordering, whose first kind of
    # test (in a rolled-back transaction) it is.
    items.sort(key=lambda item: item.get_closest_marker("national") is None)
