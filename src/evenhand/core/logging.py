"""Paths that leave no line in any log: neither Django's (a 404, a CSRF failure, runserver's request lines) nor
gunicorn's access log, which would otherwise write the caller's address, browser and time.

``settings.UNLOGGED_PATH_PREFIXES`` names them (the safe voice reporter's pages). Core knows no app: the
setting says which paths.
"""

from __future__ import annotations

import datetime as dt
import json
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
    """gunicorn's logger, without an access-log line for an unlogged path; with ``LOG_FORMAT=json`` each line
    one JSON object (method, path without its query string, status, bytes, duration, request id), as
    Evenhand's own log lines are (evenhand.core.observability)."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if unlogged(str(environ.get("PATH_INFO", ""))):
            return
        if getattr(settings, "LOG_FORMAT", "text") != "json":
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        headers = {str(name).lower(): str(value) for name, value in getattr(resp, "headers", [])}
        status = str(getattr(resp, "status", "") or "").split(" ", 1)[0]
        line = {
            "time": dt.datetime.now(dt.UTC).isoformat(),
            "level": "INFO",
            "logger": "gunicorn.access",
            "message": f"{environ.get('REQUEST_METHOD', '-')} {environ.get('PATH_INFO', '')} {status}",
            "method": environ.get("REQUEST_METHOD", "-"),
            "path": environ.get("PATH_INFO", ""),
            "status": int(status) if status.isdigit() else None,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": environ.get("REMOTE_ADDR", ""),
            "request_id": headers.get("x-request-id", "-"),
        }
        self.access_log.info(json.dumps(line))
