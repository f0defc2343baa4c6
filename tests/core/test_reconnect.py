"""A PostgreSQL restart costs at most the requests in flight (CONN_HEALTH_CHECKS, issue 18 item 7).

Requests go through Django's own WSGI handler, as gunicorn's workers call it, so that the request signals
run as in production (the test client leaves out the check of the kept connection). Between two requests
every other backend of the test database is terminated (``pg_terminate_backend``), as a restart of the server
would; the next request must still answer 200 from the database.
"""

from io import BytesIO
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

pytestmark = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), reason="PostgreSQL's backends"
)


def get(path: str) -> tuple[str, bytes]:
    """One request through the WSGI application: its status line and body."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(),
        "wsgi.errors": BytesIO(),
    }
    answered: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answered["status"] = status

    result = WSGIHandler()(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()  # request_finished: the connection is kept (CONN_MAX_AGE), as between real requests
    return answered["status"], body


def terminate_other_backends() -> int:
    """What a restart of PostgreSQL does to this process's connections: end them, from a connection of its own."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    return int(row[0]) if row else 0


@pytest.mark.django_db(transaction=True)  # the kept connection is checked only outside a transaction
def test_a_request_after_the_backends_are_terminated_gets_a_200() -> None:
    assert connection.settings_dict["CONN_MAX_AGE"] > 0
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    # First, that the check can fail: without health checks the kept, terminated connection fails the next
    # request (the health check answers 503), and is then dropped.
    # (A connection takes the setting when it opens.)
    connection.close()
    connection.settings_dict["CONN_HEALTH_CHECKS"] = False
    try:
        assert get("/healthz")[0].startswith("200")
        assert terminate_other_backends() >= 1
        status, body = get("/healthz")
        assert status.startswith("503"), body
    finally:
        connection.settings_dict["CONN_HEALTH_CHECKS"] = True
        connection.close()
    # With them (Evenhand's setting), the request after a termination opens a new connection and answers.
    status, _ = get("/healthz")
    assert status.startswith("200")
    kept = connection.connection
    assert kept is not None  # the connection outlives the request
    assert terminate_other_backends() >= 1
    status, body = get("/healthz")
    assert status.startswith("200"), body
    assert b'"database": "ok"' in body
    assert connection.connection is not kept  # a new connection replaced the dead one
