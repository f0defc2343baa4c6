"""Independent reads of one request run side by side, each on its own database connection.

A head of PDU's "My cases" sorted by to-do counts eight kinds of item for 3,300 people: eight queries that do
not depend on each other, each a few milliseconds in PostgreSQL, with the Python that turns their rows into
counts between them. One after another, the request waits for each in turn (64 ms); side by side, PostgreSQL
answers some while Python reads the rows of others.

:func:`read_together` runs the calls it is given in a small pool of threads of this process
(``settings.READ_THREADS``). A thread keeps its connection between requests, as a web worker does, and checks
it as a request does before using it (``CONN_MAX_AGE``, ``CONN_HEALTH_CHECKS``). The calls run in a copy of
the caller's context (whether the reads are analytical, :mod:`evenhand.core.db`) with the caller's active time
zone and language.

The calls run one after another, in the caller's thread, when a thread could not see what the caller sees or
gains nothing:

* inside a transaction (``atomic``): another connection does not see its writes, nor, in the tests, the rows a
  test made in its rolled-back transaction;
* on SQLite, whose one writer and in-process reads gain nothing from threads;
* with ``READ_THREADS = 0`` (the tests' settings, but for the tests of this module: a thread's connection to the
  test database would outlive the test and stop it being dropped).

Calls must not share query objects: Django writes into a query as it compiles it (a subquery's select and
ordering), so two threads compiling one could each see the other's half-made change. Each call builds its own
queries; :func:`counted_beside` writes a list's count as SQL in the caller's thread, and only runs it in the
pool.

Each call sees the database as its own statements find it, as consecutive statements outside a transaction
already did: no promise of one snapshot is lost.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextvars import copy_context
from datetime import tzinfo
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections
from django.db.models import QuerySet
from django.utils import timezone, translation

T = TypeVar("T")

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid = 0  # a forked worker (gunicorn) inherits the object, not its threads: it makes its own
_opened: set[Any] = set()  # the pool's threads' connections, for shut_down


def _executor() -> ThreadPoolExecutor:
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=settings.READ_THREADS, thread_name_prefix="evenhand-read")
            _pool_pid = os.getpid()
        return _pool


def shut_down() -> None:
    """Stop the pool's threads and close their connections (when a test ends: a connection left open to the
    test database stops it being dropped)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)
    with _lock:
        opened = list(_opened)
        _opened.clear()
    for wrapper in opened:
        # Made in a thread that has ended: Django lets another thread close it once it is marked as shared.
        wrapper.inc_thread_sharing()
        try:
            wrapper.close()
        finally:
            wrapper.dec_thread_sharing()


def open_connections() -> None:
    """Open this thread's connection and one for each of the pool's threads: what a gunicorn worker does as it
    starts, so that its first requests do not wait for connections (``evenhand serve``). Nothing where the
    calls would run one after another."""
    if not side_by_side():
        return
    connections[DEFAULT_DB_ALIAS].ensure_connection()
    # Every call waits for the others, so each takes a thread of its own: the pool starts them all.
    everyone = threading.Barrier(settings.READ_THREADS)

    def open_one() -> None:
        everyone.wait(timeout=30)
        connections[DEFAULT_DB_ALIAS].ensure_connection()

    pool = _executor()
    futures = [_submit(pool, open_one) for _ in range(settings.READ_THREADS)]
    wait(futures)
    for future in futures:
        future.result()


_here = threading.local()  # ``reader``: this thread is one of the pool's


def _in_a_thread(call: Callable[[], T], zone: tzinfo, language: str | None) -> T:
    _here.reader = True
    # As a request starts: a connection too old, or broken since it was last used, is closed and opened again.
    close_old_connections()
    try:
        with timezone.override(zone), translation.override(language):
            return call()
    finally:
        with _lock:
            _opened.update(connections.all(initialized_only=True))


def _submit(pool: ThreadPoolExecutor, call: Callable[[], T]) -> Future[T]:
    """``call`` in the pool, in a copy of this thread's context and with its time zone and language (Django
    keeps those two for the thread that set them, whatever its context holds)."""
    zone, language = timezone.get_current_timezone(), translation.get_language()
    return pool.submit(copy_context().run, _in_a_thread, call, zone, language)


def side_by_side() -> bool:
    """Whether :func:`read_together` would run calls in threads now (see the module)."""
    connection = connections[DEFAULT_DB_ALIAS]
    return (
        bool(settings.READ_THREADS)
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        # A call in the pool that waited for others in the pool could wait for ever, once they are all waiting.
        and not getattr(_here, "reader", False)
    )


def read_together(*calls: Callable[[], Any]) -> list[Any]:
    """The results of ``calls``, in their order: side by side where that is safe and helps (see the module),
    the first in the caller's thread and the others in the pool; otherwise one after another. A call reads,
    and may record what it read in the access log: outside a transaction each write is committed as it is
    made, in a thread as in the caller's. A call may itself read together (in the caller's thread only:
    calls in the pool read one after another). An exception in a call is raised here, once all have
    finished."""
    if len(calls) < 2 or not side_by_side():
        return [call() for call in calls]
    pool = _executor()
    futures = [_submit(pool, call) for call in calls[1:]]
    try:
        first = calls[0]()
    finally:
        wait(futures)
    return [first, *(future.result() for future in futures)]


def counted_beside(rows: QuerySet[Any], call: Callable[[], T]) -> tuple[int, T]:
    """``rows.count()`` and ``call()`` (which may read ``rows``: the page of a list), side by side where
    :func:`read_together` would be. The count's SQL is written here, in the caller's thread, and only run in
    the pool (see the module)."""
    query = rows.query
    if not side_by_side() or query.combinator or query.distinct_fields or query.is_sliced:
        return rows.count(), call()
    alias = rows.db
    # Not elided when it can match nothing (an empty list of ids): written as WHERE 0 = 1, counted as 0.
    sql, params = rows.order_by().values("pk").query.get_compiler(using=alias, elide_empty=False).as_sql()

    def count() -> int:
        with connections[alias].cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS listed", params)
            row = cursor.fetchone()
        return int(row[0])

    found, n = read_together(call, count)
    return n, found
