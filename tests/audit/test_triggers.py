"""The access log is append-only in the database itself (ADR 0003): QuerySet.update(), QuerySet.delete() and raw
SQL are refused and the entry stays as it was; logging still works."""

import re

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from evenhand.audit.models import AccessLogEntry, Channel
from evenhand.audit.services import log_export, log_person_view
from tests.factories import StaffMemberFactory

pytestmark = pytest.mark.django_db


def refusal(verb: str) -> str:
    return re.escape(
        f"An access log entry cannot be {verb}: the log is append-only; record a correction instead."
    )


@pytest.fixture
def entry() -> AccessLogEntry:
    return log_person_view(staff=StaffMemberFactory(), person_id=7, channel=Channel.UI, detail="Opened")


def stored(entry: AccessLogEntry) -> list[dict]:
    return list(AccessLogEntry.objects.filter(pk=entry.pk).values())


def test_a_queryset_update_is_refused(entry):
    before = stored(entry)
    with pytest.raises(IntegrityError, match=refusal("changed")), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).update(person_id=8, detail="")
    assert stored(entry) == before


def test_a_queryset_delete_is_refused(entry):
    before = stored(entry)
    with pytest.raises(IntegrityError, match=refusal("deleted")), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).delete()
    assert stored(entry) == before


def test_a_model_delete_is_refused(entry):
    before = stored(entry)
    with pytest.raises(IntegrityError, match=refusal("deleted")), transaction.atomic():
        entry.delete()
    assert stored(entry) == before


def test_a_model_save_is_refused(entry):
    before = stored(entry)
    entry.detail = "Something else"
    with pytest.raises(IntegrityError, match=refusal("changed")), transaction.atomic():
        entry.save()
    assert stored(entry) == before


@pytest.mark.parametrize(
    "sql",
    [
        ('UPDATE "audit_accesslogentry" SET "detail" = %s WHERE "id" = %s', "changed"),
        ('DELETE FROM "audit_accesslogentry" WHERE "id" = %s', "deleted"),
        ('DELETE FROM "audit_accesslogentry"', "deleted"),
    ],
    ids=["update", "delete", "delete every row"],
)
def test_raw_sql_is_refused(entry, sql):
    statement, verb = sql
    params = {1: [entry.pk], 2: ["Something else", entry.pk]}.get(statement.count("%s"), [])
    before = stored(entry)
    with (
        pytest.raises(IntegrityError, match=refusal(verb)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, params)
    assert stored(entry) == before


def test_logging_still_works(entry):
    analyst = StaffMemberFactory()
    log_export(staff=analyst, channel=Channel.API, detail="Caseload", person_ids=[3, 5])
    log_export(staff=analyst, channel=Channel.COMMAND, detail="Breach rates")
    assert list(AccessLogEntry.objects.order_by("pk").values_list("person_id", flat=True)) == [7, 3, 5, None]


@pytest.mark.django_db(transaction=True)
def test_reversing_the_migration_drops_the_triggers(entry):
    call_command("migrate", "audit", "0002", verbosity=0)
    try:
        AccessLogEntry.objects.filter(pk=entry.pk).update(detail="Changed while the triggers were gone")
    finally:
        # Every app forward again: going back unapplied the migrations of the apps that depend on this one.
        call_command("migrate", verbosity=0)
    assert AccessLogEntry.objects.get(pk=entry.pk).detail == "Changed while the triggers were gone"
    with pytest.raises(IntegrityError, match=refusal("changed")):
        AccessLogEntry.objects.filter(pk=entry.pk).update(detail="")
