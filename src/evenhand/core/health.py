"""The health check's look at what Evenhand needs to answer: the database and the shared cache.

Each check is the cheapest call that proves the service answers: ``SELECT 1`` on a connection, and a value
written to the cache and read back. A failure is reported as ``unavailable``; its reason goes to the log
(with the request's id), not to the caller.
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from .db import analytics_alias

logger = logging.getLogger(__name__)

OK = "ok"
UNAVAILABLE = "unavailable"


def database(alias: str = DEFAULT_DB_ALIAS) -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Health check: database %s unavailable", alias, exc_info=True)
        return False
    return True


def cache(alias: str = "default") -> bool:
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        store = caches[alias]
        store.set(key, OK, timeout=30)
        answered = store.get(key) == OK
        store.delete(key)
    except Exception:  # Redis away, a full disk, a misconfigured backend: each its own exception
        logger.warning("Health check: cache %s unavailable", alias, exc_info=True)
        return False
    if not answered:
        logger.warning("Health check: cache %s did not keep a value", alias)
    return answered


def check() -> dict[str, str]:
    """``status`` ok when the database and the cache answer; each one's own state beside it."""
    result = {
        "database": OK if database() else UNAVAILABLE,
        "cache": OK if cache() else UNAVAILABLE,
    }
    replica = analytics_alias()
    status = OK if all(value == OK for value in result.values()) else UNAVAILABLE
    if replica is not None:
        result["analytics"] = OK if database(replica) else UNAVAILABLE
    return {"status": status, **result}
