"""Independent reads side by side (evenhand.core.concurrent): in threads, each on its own connection, only where
a thread sees what the caller sees (PostgreSQL, outside a transaction); with the caller's context; errors
raised once all have finished; no call in the pool waiting on the pool; the same to-do counts, list counts and
My cases page either way; and a web worker that starts with its connections open and its templates compiled."""

import datetime as dt
import re
import threading
import time

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evenhand.audit.models import AccessLogEntry
from evenhand.cases import agenda
from evenhand.cases.models import Contact, InformationSource, Reliability, SentenceType
from evenhand.cases.services import record_risk_information
from evenhand.core import concurrent
from evenhand.core.jinja2 import compile_templates
from evenhand.core.management.commands import serve
from evenhand.org.models import Grade
from evenhand.people.models import Person
from tests.cases.test_agenda import busy_person
from tests.factories import (
    AllocationFactory,
    PDUFactory,
    PersonFactory,
    SentenceFactory,
    StaffMemberFactory,
    today,
)

on_postgresql = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), reason="threads only on PostgreSQL"
)


@pytest.fixture
def threads(settings):
    settings.READ_THREADS = 3
    yield
    concurrent.shut_down()


def thread() -> int:
    return threading.get_ident()


def backend() -> tuple[int, int]:
    """This thread, and the PostgreSQL backend its connection talks to, after a tenth of a second's wait (so
    that calls in the pool overlap and each takes a thread of its own)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid() FROM pg_sleep(0.1)")
        return threading.get_ident(), cursor.fetchone()[0]


@pytest.mark.django_db
def test_inside_a_transaction_the_calls_run_in_order_in_the_callers_thread(threads):
    assert connection.in_atomic_block  # the test's: another connection would not see the rows it makes
    assert not concurrent.side_by_side()
    assert concurrent.read_together(thread, thread, thread) == [threading.get_ident()] * 3


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_with_no_threads_set_the_calls_run_in_the_callers_thread(settings):
    settings.READ_THREADS = 0
    assert not concurrent.side_by_side()
    assert concurrent.read_together(thread, thread) == [threading.get_ident()] * 2


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_others_run_in_the_pool_on_connections_of_their_own(threads):
    assert concurrent.side_by_side()
    (first, first_backend), *others = concurrent.read_together(backend, backend, backend)
    assert first == threading.get_ident()
    assert all(pool_thread != first for pool_thread, _ in others)
    assert len({first_backend, *(pid for _, pid in others)}) == 3


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_callers_time_zone_goes_with_the_calls(threads):
    with timezone.override("Asia/Tokyo"):
        zones = concurrent.read_together(*[timezone.get_current_timezone_name] * 3)
    assert zones == ["Asia/Tokyo"] * 3


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_an_error_is_raised_once_every_call_has_finished(threads):
    finished = []

    def slow() -> None:
        time.sleep(0.1)
        finished.append("slow")

    def fails() -> None:
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        concurrent.read_together(fails, slow)  # the caller's own call fails first
    assert finished == ["slow"]
    with pytest.raises(ValueError, match="refused"):
        concurrent.read_together(slow, fails)  # a call in the pool fails
    assert finished == ["slow", "slow"]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_call_in_the_pool_reads_one_after_another(threads):
    """Calls in the pool that waited for the pool could take every thread and wait for ever."""

    def nested() -> list[int]:
        return concurrent.read_together(thread, thread)

    here, inner = concurrent.read_together(thread, nested)
    assert inner[0] == inner[1] != here


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_to_do_counts_are_the_same_side_by_side(settings):
    pdu = PDUFactory()
    po = StaffMemberFactory(grade=Grade.PO, pdu=pdu)
    ids = [busy_person(pdu, po).pk for _ in range(4)]
    settings.READ_THREADS = 0
    one_after_another = agenda.todo_counts(ids, viewer=po)
    settings.READ_THREADS = 3
    try:
        assert concurrent.side_by_side()
        assert agenda.todo_counts(ids, viewer=po) == one_after_another
    finally:
        concurrent.shut_down()
    assert len(one_after_another) == 4 and all(sum(c.values()) == 9 for c in one_after_another.values())


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_lists_count_beside_its_page_is_its_count(threads):
    """Written as SQL here and run in the pool: the same number as the ORM's count, for a list whose filters
    hold a subquery and an array of ids, while the page is read in the caller's thread."""
    pdu = PDUFactory()
    po = StaffMemberFactory(grade=Grade.PO, pdu=pdu)
    people = [busy_person(pdu, po) for _ in range(3)]
    rows = Contact.objects.filter(
        person__in=Person.objects.filter(pdu=pdu), sentence__person_id__among=[p.pk for p in people[:2]]
    ).order_by("starts_at", "pk")
    expected = rows.count()
    assert expected > 2
    here = threading.get_ident()
    count, (page, where) = concurrent.counted_beside(rows, lambda: (list(rows[:2]), threading.get_ident()))
    assert (count, where) == (expected, here) and len(page) == 2


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_list_that_can_match_nothing_counts_none(threads):
    """An empty list of ids makes a query Django will not write (it knows the answer): the count is 0, not an
    error."""
    rows = Contact.objects.filter(person_id__among=[]).order_by("pk")
    assert concurrent.counted_beside(rows, lambda: list(rows[:5])) == (0, [])


@pytest.mark.django_db
def test_in_a_transaction_a_lists_count_is_the_orms(threads, django_assert_num_queries):
    pdu = PDUFactory()
    busy_person(pdu, StaffMemberFactory(grade=Grade.PO, pdu=pdu))
    rows = Contact.objects.filter(person__pdu=pdu)
    with django_assert_num_queries(2):  # both on the test's own connection, which alone sees its rows
        count, page = concurrent.counted_beside(rows, lambda: list(rows[:1]))
    assert count == rows.count() > 1 and len(page) == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_starting_worker_opens_a_connection_for_each_thread_and_they_close_with_the_pool(threads):
    concurrent.open_connections()
    opened = list(concurrent._opened)
    assert len(opened) == settings.READ_THREADS
    assert all(wrapper.connection is not None for wrapper in opened)
    concurrent.shut_down()
    assert all(wrapper.connection is None for wrapper in opened) and not concurrent._opened


@pytest.mark.django_db
def test_in_a_transaction_a_starting_worker_opens_no_threads(threads):
    concurrent.shut_down()
    concurrent.open_connections()
    assert concurrent._pool is None


def test_a_worker_starts_when_the_database_does_not_answer(monkeypatch, caplog):
    def refused() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(serve, "open_connections", refused)
    serve._worker_started(worker=None)
    assert "started without its database connections: connection refused" in caplog.text


def test_the_templates_are_compiled_before_the_workers_start():
    env = engines["jinja2"].env
    env.cache.clear()
    compiled = compile_templates(env)
    names = {name for _, name in env.cache}
    assert compiled == len(names) > 200
    assert {"cases/my_cases.html", "govuk_frontend_jinja/template.html"} <= names


def person_links(html: str) -> list[str]:
    return re.findall(r'href="(/people/[^"#]+)', html)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_my_cases_read_side_by_side_is_the_same_page_logged_the_same(settings):
    """A head of PDU's My cases sorted by to-do, as production serves it (the caseload and its counts beside
    the decisions on risk information, each logging what it shows from its own thread) and one read after
    another: the same people in the same order, the same decision waiting, the same access log rows."""
    pdu = PDUFactory()
    po = StaffMemberFactory(grade=Grade.PO, pdu=pdu)
    head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=pdu, with_user=True)
    for _ in range(3):
        busy_person(pdu, po)
    licence = SentenceFactory(
        person=PersonFactory(pdu=pdu),
        type=SentenceType.LICENCE,
        start_date=today() - dt.timedelta(days=100),
        expected_end_date=today() + dt.timedelta(days=300),
        requirements=[],
    )
    AllocationFactory(sentence=licence, practitioner=po)
    information = record_risk_information(
        by=po,
        sentence=licence,
        source=InformationSource.POLICE,
        source_detail="",
        summary="Stopped by police near the victim's home at 2am.",
        received_at=timezone.now() - dt.timedelta(hours=2),
        reliability=Reliability.LIKELY,
    )
    client = Client()
    client.force_login(head.user)
    url = reverse("my-cases") + "?sort=todo"

    def served() -> tuple[str, list[tuple[int | None, str]]]:
        since = AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = client.get(url)
        assert response.status_code == 200
        logged = AccessLogEntry.objects.filter(pk__gt=since, staff=head).order_by("person_id", "detail")
        return response.content.decode(), list(logged.values_list("person_id", "detail"))

    settings.READ_THREADS = 0
    one_after_another, logged = served()
    settings.READ_THREADS = 3
    try:
        side_by_side, logged_side_by_side = served()
        assert concurrent._opened  # the pool's threads read, on connections of their own
    finally:
        concurrent.shut_down()
    assert (
        person_links(side_by_side) == person_links(one_after_another) and len(person_links(side_by_side)) >= 5
    )
    decide = reverse("decide-on-information", args=[information.pk])
    assert decide in side_by_side and decide in one_after_another
    assert logged_side_by_side == logged and len(logged) >= 5
