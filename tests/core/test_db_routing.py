"""Read replicas (ADR 15): the router sends analytical reads to the `analytics` alias and everything else,
every write and every migration to the primary.

The router's rules are checked on their own (any database); on PostgreSQL an analysis is then read through a
second connection to the same server (tests/settings.py: the `analytics` alias, a test mirror of the test
database), and the queries are caught on that connection.
"""

import contextvars
import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext

from evenhand.cases.models import Sentence
from evenhand.core import db
from evenhand.core.db import AnalyticsRouter, analytics_reads
from evenhand.equality.measures import Period, Source, population_frame
from evenhand.people.models import Person
from tests.factories import SentenceFactory, today


def model(app_label: str) -> Any:
    return SimpleNamespace(_meta=SimpleNamespace(app_label=app_label))


@pytest.fixture
def router() -> AnalyticsRouter:
    return AnalyticsRouter()


@pytest.fixture
def replica(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[None]:
    """An analytics alias configured (the rules only; no connection is made)."""
    settings.ANALYTICS_APP_LABELS = ("workforce",)
    monkeypatch.setattr(db, "analytics_alias", lambda: "analytics")
    yield


def in_own_context(test: Any) -> Any:
    """Run in a context of its own, so that what one test's "request" wrote does not stay for the next."""

    def run(*args: Any, **kwargs: Any) -> Any:
        return contextvars.copy_context().run(test, *args, **kwargs)

    run.__name__ = test.__name__
    return run


def test_without_a_replica_everything_is_the_primarys(router: AnalyticsRouter) -> None:
    assert db.analytics_alias() is None
    with analytics_reads() as alias:
        assert alias == "default"
        assert router.db_for_read(Sentence) is None  # Django's default: the primary
    assert router.db_for_write(Sentence) == "default"
    assert router.allow_migrate("default", "cases") is True


def test_analytical_reads_go_to_the_replica_and_the_rest_to_the_primary(
    router: AnalyticsRouter, replica: None
) -> None:
    @in_own_context
    def check() -> None:
        db._new_request()  # what request_started does
        assert router.db_for_read(Sentence) == "default"
        assert router.db_for_read(Person) == "default"
        with analytics_reads() as alias:
            assert alias == "analytics"
            assert router.db_for_read(Sentence) == "analytics"
            assert router.db_for_read(Person) == "analytics"
            with analytics_reads():
                assert router.db_for_read(Sentence) == "analytics"
            assert router.db_for_read(Sentence) == "analytics"  # still inside the outer block
            # Writes never go to the replica, even inside the block.
            assert router.db_for_write(Sentence) == "default"
        assert router.db_for_read(Sentence) == "default"

    check()


def test_the_workforce_apps_reads_go_to_the_replica_until_the_request_writes(
    router: AnalyticsRouter, replica: None
) -> None:
    @in_own_context
    def check() -> None:
        db._new_request()  # what request_started does
        assert router.db_for_read(model("workforce")) == "analytics"
        assert router.db_for_read(model("equality")) == "default"  # the stored figures: read your writes
        router.db_for_write(model("workforce"))
        assert router.db_for_read(model("workforce")) == "default"  # this request reads what it wrote
        db._new_request()  # what request_started does
        assert router.db_for_read(model("workforce")) == "analytics"

    check()


def test_migrations_and_relations(router: AnalyticsRouter, replica: None) -> None:
    assert router.allow_migrate("default", "cases") is True
    assert router.allow_migrate("analytics", "cases") is False
    assert router.allow_migrate("analytics", "workforce") is False
    assert router.allow_relation(object(), object()) is True


# --- on PostgreSQL: an analysis read through the replica's connection --------------------------------------

ON_POSTGRESQL = "analytics" in settings.DATABASES


@pytest.mark.skipif(not ON_POSTGRESQL, reason="a second connection to the same PostgreSQL server")
@pytest.mark.django_db(databases=["default", "analytics"])
def test_an_analysis_reads_through_the_analytics_connection(settings: Any) -> None:
    settings.ANALYTICS_DATABASE = "analytics"
    # Written inside this test's transaction on the primary's connection: the replica's connection cannot
    # see it (it is not committed), so what the engine reads shows which connection it read through.
    sentence = SentenceFactory()
    period = Period(today() - dt.timedelta(days=90), today())
    with (
        CaptureQueriesContext(connections["analytics"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        frame = population_frame(period)
        decisions = Source(period).decisions
    assert sentence.pk not in frame.index
    assert decisions.empty
    read = " ".join(query["sql"] for query in replica.captured_queries)
    assert "cases_sentence" in read and "people_person" in read and "cases_enforcementdecision" in read
    assert primary.captured_queries == []
    # Without a replica configured, the same analysis reads the primary, and finds the sentence.
    settings.ANALYTICS_DATABASE = ""
    assert sentence.pk in population_frame(period).index
    # Outside the engine's reads, the same models are read from the primary.
    settings.ANALYTICS_DATABASE = "analytics"
    with (
        CaptureQueriesContext(connections["analytics"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        assert Sentence.objects.filter(pk=sentence.pk).exists()
    assert replica.captured_queries == [] and len(primary.captured_queries) == 1
