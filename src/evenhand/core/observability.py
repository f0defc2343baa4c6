"""What an operator sees of a running Evenhand: a request id on every response and log line, logs as JSON.

:class:`RequestIdMiddleware` takes the caller's ``X-Request-ID`` (a load balancer's or proxy's, when it is a
plain token) or makes one, answers with it, and keeps it for the rest of the request, so that
:class:`RequestIdFilter` can put it on every log record written while the request is served, Django's own
``django.request`` lines included (written after the middleware has returned: the id is cleared only when the
response is finished). :class:`JsonFormatter` writes a record as one JSON object a line (python-json-logger),
``LOG_FORMAT=json``; ``LOG_FORMAT=text`` gives readable lines for a terminal (the demo's default).

A log line carries no query string and no request object: a path, a method, the logger's message.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only if it is a plain token (a UUID, a load balancer's trace id); anything else,
# which could forge log lines or carry text into them, is replaced by a new one.
PLAIN_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
NO_REQUEST = "-"

_request_id: ContextVar[str] = ContextVar("evenhand_request_id", default=NO_REQUEST)


def current_request_id() -> str:
    """The id of the request being served, or ``-`` outside one (a command, a worker)."""
    return _request_id.get()


def _finished(**_: Any) -> None:
    _request_id.set(NO_REQUEST)


request_finished.connect(_finished, dispatch_uid="evenhand.core.observability.finished")


class RequestIdMiddleware:
    """First in ``MIDDLEWARE``: every response, however it was made, carries the request's id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if PLAIN_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        _request_id.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record: the record's own request's id, else the current request's."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or _request_id.get()
        return True


class JsonFormatter(BaseJsonFormatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, request id, and the extras a
    record carries, with a request object reduced to its method and path (never its query string)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", ["levelname", "name", "message", "request_id"])
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        super().__init__(*args, **kwargs)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        request = log_data.pop("request", None)
        if isinstance(request, HttpRequest):
            log_data["method"] = request.method
            log_data["path"] = request.path
        # runserver's own lines: the request line is in the message; the socket and its time are not news.
        log_data.pop("server_time", None)
        log_data.setdefault("request_id", NO_REQUEST)
