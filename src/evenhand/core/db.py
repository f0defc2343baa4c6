"""Where a query goes: analytical reads to the read replica, everything else to the primary (ADR 15).

When ``ANALYTICS_DATABASE_URL`` is set, ``settings.ANALYTICS_DATABASE`` names a second alias (``analytics``),
a read replica of the primary. :class:`AnalyticsRouter` sends to it

* every read made inside :func:`analytics_reads` — the equality engine enters it wherever it reads the
  period's cases and people for an analysis (a computation of figures, the precomputation, a publication):
  those reads are of the casework apps' tables, so no rule by app label could find them; and
* reads of the models of the apps named in ``settings.ANALYTICS_APP_LABELS`` (none by default), unless this
  request or thread has already written (then its reads stay on the primary, which has the
  write; a replica may lag a moment behind it).

Every write, every read that is not analytical and every migration goes to the primary. Without an analytics
alias the router sends everything to the primary, so the embedded default and the tests are unchanged.
Core knows no app: the settings and the callers say what is analytical.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.signals import request_started
from django.db import DEFAULT_DB_ALIAS

_ANALYTICAL: ContextVar[bool] = ContextVar("evenhand_analytics_reads", default=False)
# Whether this request (or, off the web, this thread) has written: its reads of the analytics apps then stay
# on the primary, so that it reads what it wrote.
_WROTE: ContextVar[bool] = ContextVar("evenhand_wrote_to_primary", default=False)


def analytics_alias() -> str | None:
    """The replica's alias when one is configured, else None."""
    alias = str(getattr(settings, "ANALYTICS_DATABASE", "") or "")
    return alias if alias and alias in settings.DATABASES else None


@contextmanager
def analytics_reads() -> Iterator[str]:
    """Within this block every read goes to the analytics replica when one is configured (writes still go to
    the primary). Yields the alias the reads go to. For reads that may lag the primary a little: an
    analysis of a period, never a read that must see a write just made."""
    token = _ANALYTICAL.set(True)
    try:
        yield analytics_alias() or DEFAULT_DB_ALIAS
    finally:
        _ANALYTICAL.reset(token)


def in_analytics_reads() -> bool:
    return _ANALYTICAL.get()


def _new_request(**_: Any) -> None:
    _WROTE.set(False)


request_started.connect(_new_request, dispatch_uid="evenhand.core.db.new_request")


class AnalyticsRouter:
    """``DATABASE_ROUTERS``: analytical reads to the replica, the rest to the primary (see the module)."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        alias = analytics_alias()
        if alias is None:
            return None
        if _ANALYTICAL.get():
            return alias
        labels = tuple(getattr(settings, "ANALYTICS_APP_LABELS", ()))
        if model._meta.app_label in labels and not _WROTE.get():
            return alias
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        _WROTE.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, first: Any, second: Any, **hints: Any) -> bool:
        # The replica holds the primary's rows: an object read from either may refer to one from the other.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        # The replica copies the primary's schema; migrating it directly would fail (it is read only).
        return db == DEFAULT_DB_ALIAS
