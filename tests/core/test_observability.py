"""Operable (issue 18, item 7): the request id, JSON logs, /metrics and /healthz."""

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory

from evenhand.core import health, observability
from evenhand.core.observability import JsonFormatter, RequestIdFilter
from evenhand.jobs.models import Job
from evenhand.jobs.services import start_job

# --- the request id ---------------------------------------------------------------------------------------


class Caught(logging.Handler):
    """The records a logger writes, through the filter every handler of Evenhand's has."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RequestIdFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def caught() -> Iterator[Caught]:
    handler = Caught()
    loggers = [logging.getLogger(name) for name in ("django.request", "evenhand.core.health")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def test_every_response_has_a_request_id_and_a_plain_one_given_is_kept(client: Client) -> None:
    made = client.get("/sign-in/")["X-Request-ID"]
    again = client.get("/sign-in/")["X-Request-ID"]
    assert len(made) == 32 and made != again
    given = "lb-7f3a9c2e-41d8-4b4e"
    assert client.get("/sign-in/", headers={"X-Request-ID": given})["X-Request-ID"] == given
    # A header that is not a plain token (it could forge a log line) is replaced.
    forged = client.get("/sign-in/", headers={"X-Request-ID": 'x" level=ERROR\n'})["X-Request-ID"]
    assert forged != 'x" level=ERROR\n' and len(forged) == 32
    assert observability.current_request_id() == "-"  # cleared once the response is finished


@pytest.mark.django_db
def test_the_request_id_is_on_the_requests_log_records(client: Client, caught: Caught, settings: Any) -> None:
    # Written during the request (the health check's warning) and after the middleware has returned
    # (Django's own "Not Found" line for a refused scrape).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.METRICS_ALLOWED_IPS = []
    response = client.get("/healthz", headers={"X-Request-ID": "check-0001"})
    assert response.status_code == 503
    refused = client.get("/metrics")
    assert refused.status_code == 404
    by_logger = {record.name: record for record in caught.records}
    assert by_logger["evenhand.core.health"].request_id == "check-0001"  # type: ignore[attr-defined]
    assert by_logger["django.request"].request_id == refused["X-Request-ID"]  # type: ignore[attr-defined]


def test_the_json_formatter_writes_one_object_a_line_without_the_query_string() -> None:
    request = RequestFactory().get("/people/search/?q=Smith")
    request.request_id = "abc12345"  # type: ignore[attr-defined]
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("x",), None)
    record.request = request  # type: ignore[attr-defined]
    record.status_code = 404  # type: ignore[attr-defined]
    RequestIdFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    logged = json.loads(line)
    assert logged["level"] == "WARNING"
    assert logged["logger"] == "django.request"
    assert logged["message"] == "Not Found: x"
    assert logged["request_id"] == "abc12345"
    assert logged["status_code"] == 404
    assert (logged["method"], logged["path"]) == ("GET", "/people/search/")
    assert "Smith" not in line and "time" in logged
    # Outside a request (a worker, a command) the id is "-".
    plain = logging.LogRecord("evenhand.jobs", logging.INFO, __file__, 1, "started", (), None)
    RequestIdFilter().filter(plain)
    assert json.loads(JsonFormatter().format(plain))["request_id"] == "-"


SHOW_LOGGING = (
    "import json, evenhand.settings as s; "
    "print(json.dumps([s.LOGGING['handlers']['console']['formatter'], s.ANALYTICS_DATABASE,"
    " sorted(s.DATABASES), s.DATABASES.get('analytics', {}).get('ENGINE'), s.METRICS_ALLOWED_IPS]))"
)


def settings_with(**environment: str) -> list[Any]:
    keep = ("PATH", "HOME", "PYTHONPATH")
    clean = {name: os.environ[name] for name in keep if name in os.environ}
    keys = {"SECRET_KEY": "a-secret", "PSEUDONYM_KEY": "a-pseudonym", "VOICE_KEY": "a-voice"}
    done = subprocess.run(
        [sys.executable, "-c", SHOW_LOGGING],
        env={**clean, **keys, **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def test_production_logs_json_and_reads_from_a_replica_when_one_is_given(tmp_path: Any) -> None:
    database = f"sqlite:///{tmp_path}/a.sqlite3"
    formatter, alias, aliases, engine, addresses = settings_with(
        DATABASE_URL=database, ANALYTICS_DATABASE_URL=database
    )
    assert (formatter, alias, aliases) == ("json", "analytics", ["analytics", "default"])
    assert engine == "django.db.backends.sqlite3"
    assert addresses == []  # /metrics: no address is trusted in production unless configured
    assert settings_with(DATABASE_URL=database, LOG_FORMAT="text")[:3] == ["text", "", ["default"]]


# --- /metrics ---------------------------------------------------------------------------------------------


@pytest.fixture
def scraper(settings: Any) -> Any:
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    return settings


def scrape(client: Client, **headers: str) -> str:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the first series of ``name`` that has all the labels given."""
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


@pytest.mark.django_db
def test_metrics_have_each_views_latency_histogram_and_the_database_queries(
    client: Client, scraper: Any
) -> None:
    before = sample(
        scrape(client), "django_http_requests_latency_seconds_by_view_method_count", view="healthz"
    )
    assert client.get("/healthz").status_code == 200
    text = scrape(client)
    name = "django_http_requests_latency_seconds_by_view_method"
    count = sample(text, f"{name}_count", view="healthz", method="GET")
    assert count == (before or 0) + 1
    assert sample(text, f"{name}_bucket", view="healthz", method="GET", le="+Inf") == count
    assert (sample(text, "evenhand_db_queries_total", alias="default") or 0) >= 1
    assert (sample(text, "evenhand_db_query_duration_seconds_count", alias="default") or 0) >= 1


@pytest.mark.django_db
def test_metrics_have_the_jobs_durations_and_the_queue_read_when_scraped(
    client: Client, scraper: Any
) -> None:
    assert start_job(kind="check", parameters={"seconds": 0}).status == "succeeded"
    Job.objects.create(kind="check", parameters={"seconds": 0})  # waiting: no worker has it
    text = scrape(client)
    assert (sample(text, "evenhand_job_duration_seconds_count", kind="check", status="succeeded") or 0) >= 1
    assert sample(text, "evenhand_jobs", status="queued") == 1
    assert sample(text, "evenhand_jobs", status="running") == 0


@pytest.mark.django_db
def test_metrics_name_views_never_paths(client: Client, scraper: Any) -> None:
    client.get("/people/no-such-person-Q123456/")
    text = scrape(client)
    assert "Q123456" not in text and "/people/" not in text


def test_metrics_are_refused_to_anyone_not_allowed(client: Client, scraper: Any) -> None:
    scraper.METRICS_ALLOWED_IPS = []
    assert client.get("/metrics").status_code == 404
    scraper.METRICS_TOKEN = "a-long-random-scrape-token"
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": "a-long-random-scrape-token"}).status_code == 404
    assert "django_http" in scrape(client, Authorization="Bearer a-long-random-scrape-token")
    scraper.METRICS_ENABLED = False
    assert (
        client.get("/metrics", headers={"Authorization": "Bearer a-long-random-scrape-token"}).status_code
        == 404
    )
    scraper.METRICS_ENABLED = True
    assert client.post(
        "/metrics", headers={"Authorization": "Bearer a-long-random-scrape-token"}
    ).status_code in (
        403,
        404,
    )


# --- /healthz ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_without_signing_in_with_a_small_json_body(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_cache_is_unreachable(client: Client, settings: Any) -> None:
    # Redis where nothing listens: the connection is refused at once.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 1, "retry_on_timeout": False},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "cache": "unavailable"}


def test_healthz_is_503_when_the_database_is_unreachable(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Unreachable:
        def cursor(self) -> None:
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connections", {"default": Unreachable()})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable", "cache": "ok"}


def test_gunicorns_access_lines_are_json_with_the_request_id(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt
    from types import SimpleNamespace

    from gunicorn.config import Config

    from evenhand.core.logging import AccessLogger

    settings.LOG_FORMAT = "json"
    config = Config()
    config.set("accesslog", "-")
    logger = AccessLogger(config)
    caught = Caught()
    # The gunicorn.access logger is the process's: its handlers are put back for the tests after this one.
    monkeypatch.setattr(logger.access_log, "handlers", [caught])
    response = SimpleNamespace(headers=[("X-Request-ID", "abc12345")], status="302 Found", sent=0)
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/people/",
        "QUERY_STRING": "q=Smith",
        "REMOTE_ADDR": "10.0.0.9",
    }
    logger.access(response, None, environ, dt.timedelta(milliseconds=12))
    logger.access(response, None, {**environ, "PATH_INFO": "/voice/report/"}, dt.timedelta(milliseconds=1))
    assert len(caught.records) == 1  # the safe voice reporter's pages leave no line
    line = json.loads(caught.records[0].getMessage())
    assert (line["method"], line["path"], line["status"], line["request_id"]) == (
        "GET",
        "/people/",
        302,
        "abc12345",
    )
    assert "Smith" not in caught.records[0].getMessage()
