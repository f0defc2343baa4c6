"""Loading: only into an empty database, all in one transaction, so a failed or interrupted run leaves nothing."""

import sqlite3

import psycopg
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from evenhand.org.models import Grade, Region
from evenhand.synth.caseload import CaseloadBuilder
from evenhand.synth.generator import generate
from evenhand.synth.load import BulkWriter, EmptyDatabaseRequired, database_fingerprint
from evenhand.synth.tables import Table
from tests.factories import RegionFactory, StaffMemberFactory

from .conftest import loaded


def row_counts() -> dict[str, int]:
    """Rows in every table the generator writes (the many-to-many table of triggering contacts included)."""
    return {
        model._meta.db_table: model._default_manager.count()
        for label in ("org", "people", "cases")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    }


@pytest.mark.django_db
def test_a_second_load_is_refused_and_changes_nothing() -> None:
    with loaded(scale="tiny", seed=1) as first:
        before, fingerprint = row_counts(), database_fingerprint(list(first.rows))
        with pytest.raises(EmptyDatabaseRequired, match="already holds"):
            generate(scale="tiny", seed=2)
        with pytest.raises(CommandError, match="loads into an empty, migrated database"):
            call_command("synth", "--scale", "tiny", "--seed", "2", verbosity=0)
        assert row_counts() == before
        assert database_fingerprint(list(first.rows)) == fingerprint


@pytest.mark.django_db
def test_a_database_holding_an_organisation_is_refused() -> None:
    RegionFactory()
    with pytest.raises(EmptyDatabaseRequired):
        generate(scale="tiny", seed=1)
    assert Region.objects.count() == 1
    assert sum(row_counts().values()) == 1


@pytest.mark.django_db
def test_a_database_holding_only_service_wide_staff_is_refused() -> None:
    StaffMemberFactory(grade=Grade.ADMIN, team=None)
    try:
        generate(scale="tiny", seed=1)
    except EmptyDatabaseRequired:
        refused = True
    except (sqlite3.IntegrityError, psycopg.errors.IntegrityError):
        refused = False  # the bulk writer uses the driver's cursor, so the driver's own error comes through
    else:
        refused = False
    assert refused, "a database holding staff was not refused as not empty"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "interruption", [RuntimeError("disk full"), KeyboardInterrupt()], ids=["error", "ctrl-c"]
)
def test_a_run_that_fails_half_way_leaves_nothing(
    monkeypatch: pytest.MonkeyPatch, interruption: BaseException
) -> None:
    # transaction=True: the generator's transaction is a real one here, not a savepoint inside a test's.
    written: list[str] = []
    write, build = BulkWriter.write, CaseloadBuilder.build

    def record(self: BulkWriter, table: Table) -> int:
        written.append(table.name)
        return write(self, table)

    def build_then_fail(self: CaseloadBuilder, p: int, rng: object) -> list[Table]:
        if p == 1:
            raise interruption
        return build(self, p, rng)

    monkeypatch.setattr(BulkWriter, "write", record)
    monkeypatch.setattr(CaseloadBuilder, "build", build_then_fail)
    with pytest.raises(type(interruption)):
        generate(scale="tiny", seed=1)
    # The organisation and the first PDU's people and casework had been written before the failure ...
    assert "org_staffmember" in written and "cases_contact" in written
    # ... and were rolled back with it.
    assert set(row_counts().values()) == {0}

    monkeypatch.setattr(CaseloadBuilder, "build", build)
    generate(scale="tiny", seed=1)  # the database is usable, and empty, for the next run
    assert row_counts()["people_person"] == 240


@pytest.mark.django_db
def test_the_tables_loaded_are_analysed_on_postgresql() -> None:
    """The planner's statistics for the tables just written (issue 18: a national database queried before
    autovacuum got round to it ran plans made for empty tables)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries, loaded(scale="tiny", seed=1) as result:
        pass
    analysed = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    if connection.vendor == "postgresql":
        assert len(analysed) == 1
        assert all(f'"{table}"' in analysed[0] for table in result.rows if result.rows[table])
        assert '"people_person"' in analysed[0] and '"cases_contact"' in analysed[0]
    else:
        assert analysed == []
