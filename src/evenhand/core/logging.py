"""Paths that leave no line in any log: neither Django's (a 404, a CSRF failure, runserver's request lines) nor
gunicorn's access log, which would otherwise write the caller's address, browser and time.

``settings.UNLOGGED_PATH_PREFIXES`` names them (the safe voice reporter's pages). Core knows no app: the
setting says which paths.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from gunicorn.glogging import Logger as GunicornLogger


def unlogged(path: str) -> bool:
    prefixes = tuple(getattr(settings, "UNLOGGED_PATH_PREFIXES", ()))
    return bool(prefixes) and path.startswith(prefixes)


class DropUnloggedPaths(logging.Filter):
    """A logging filter: drops a record about a request to an unlogged path, found on the record's request
    (``django.request``, ``django.security``), its request line (``django.server``) or its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if isinstance(path, str) and unlogged(path):
            return False
        line = getattr(record, "request_line", None) or ""
        if not isinstance(line, str):
            line = str(line)
        try:
            message = record.getMessage()
        except Exception:  # a broken record is not this filter's to fix
            message = str(record.msg)
        prefixes = tuple(getattr(settings, "UNLOGGED_PATH_PREFIXES", ()))
        return not any(f" {prefix}" in f" {line} {message}" for prefix in prefixes)


class AccessLogger(GunicornLogger):  # type: ignore[misc]
    """gunicorn's logger, without an access-log line for an unlogged path."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if unlogged(str(environ.get("PATH_INFO", ""))):
            return
        super().access(resp, req, environ, request_time)
