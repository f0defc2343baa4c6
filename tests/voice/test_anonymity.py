"""The anonymity tests of the issue, each able to fail.

Submit anonymously while signed in, then search every table, the access log, the application log and the server
log for anything linking the concern to the account, the staff record, the address or an exact time; dump the
database and search it for the plaintext of a report, a message and an attachment.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from evenhand.audit.models import AccessLogEntry
from evenhand.core.logging import AccessLogger, DropUnloggedPaths
from evenhand.voice import services
from evenhand.voice.models import Concern

from .helpers import answers, kind, raise_one

ADDRESS = "203.0.113.77"
BROWSER = "MarkerBrowser/9.9 (unique-agent-7d1f)"
REPORT_MARKER = "PLANTED-REPORT-MARKER-4f9c"
MESSAGE_MARKER = "PLANTED-MESSAGE-MARKER-81aa"
FILE_MARKER = "PLANTED-FILE-MARKER-c0de"
OUTCOME_MARKER = "PLANTED-OUTCOME-MARKER-77e2"


def every_row() -> list[tuple[str, dict[str, Any]]]:
    """Every row of every table of every installed model, as (table, values)."""
    rows = []
    for model in apps.get_models(include_auto_created=True):
        for values in model._default_manager.all().values():
            rows.append((model._meta.db_table, values))
    return rows


def snapshot() -> dict[str, int]:
    return {
        model._meta.db_table: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def submit_signed_in(client: Client, world, *, extra_answer: str = "") -> Any:
    return client.post(
        "/voice/raise/",
        {
            "kind": "racism",
            "anonymous": "yes",
            "region": world.region.code,
            "what_happened": f"{REPORT_MARKER} {extra_answer}",
            "who": "",
        },
        REMOTE_ADDR=ADDRESS,
        HTTP_USER_AGENT=BROWSER,
        HTTP_X_FORWARDED_FOR=ADDRESS,
    )


@pytest.mark.django_db(transaction=False)
def test_anonymous_while_signed_in_leaves_nothing_that_links(world, caplog):
    member = world.outsider
    client = Client()
    client.force_login(member.user)
    session_key = client.session.session_key
    before = snapshot()
    before_rows = {(table, repr(sorted(values.items()))) for table, values in every_row()}
    now = timezone.now()
    caplog.set_level(logging.DEBUG)
    response = submit_signed_in(client, world)
    assert response.status_code == 200, response.content[:2000]
    assert "Your receipt" in response.content.decode()
    after = snapshot()
    # Rows were written only to the concern and its status log; none to the access log, sessions or users.
    changed = {
        table: after[table] - before.get(table, 0) for table in after if after[table] != before.get(table, 0)
    }
    assert changed == {"voice_concern": 1, "voice_statuschange": 1}, changed
    assert AccessLogEntry.objects.count() == before["audit_accesslogentry"]
    # Nothing in any row written or changed mentions the account, the staff record, the address, the browser
    # or a time of day.
    new_rows = [(t, v) for t, v in every_row() if (t, repr(sorted(v.items()))) not in before_rows]
    assert {t for t, _ in new_rows} == {"voice_concern", "voice_statuschange"}
    identifiers = [ADDRESS, BROWSER, member.staff_code, member.user.username, session_key, member.last_name]
    for table, values in new_rows:
        text = repr(values)
        for identifier in identifiers:
            assert identifier not in text, (table, identifier)
        for column, value in values.items():
            assert not isinstance(value, dt.datetime), f"{table}.{column} keeps a time of day"
            if column.endswith("_id") and column not in (
                "id",
                "kind_id",
                "region_id",
                "group_id",
                "concern_id",
            ):
                assert value is None, f"{table}.{column} links to {value}"
    # The signed-in session was not touched: same key, same data, still signed in.
    assert client.session.session_key == session_key
    assert client.session.get("_auth_user_id") == str(member.user.pk)
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    # The page ran as nobody: it does not show the member's name.
    assert member.full_name not in response.content.decode()
    # No log line mentions the path, the address or the browser.
    for record in caplog.records:
        message = record.getMessage()
        assert ADDRESS not in message and BROWSER not in message and "/voice/" not in message
    # The day, and only the day, is kept.
    assert Concern.objects.get().received_on == timezone.localdate(now)


def test_the_application_log_drops_voice_paths(world, settings):
    """Django's own log lines (a 404, a CSRF refusal) for a voice path pass through the filter and are dropped;
    the same for another path are kept."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(DropUnloggedPaths())
    for name in ("django.request", "django.security.csrf"):
        logging.getLogger(name).addHandler(handler)
    try:
        client = Client(enforce_csrf_checks=True)
        client.get("/voice/no-such-page/", REMOTE_ADDR=ADDRESS)
        client.post("/voice/raise/", {}, REMOTE_ADDR=ADDRESS)  # no CSRF token: refused and logged by Django
        assert stream.getvalue() == ""
        client.get("/no-such-page-elsewhere/", REMOTE_ADDR=ADDRESS)
        client.force_login(world.outsider.user)
        client.get("/no-such-page-elsewhere/", REMOTE_ADDR=ADDRESS)
        assert "no-such-page-elsewhere" in stream.getvalue()
    finally:
        for name in ("django.request", "django.security.csrf"):
            logging.getLogger(name).removeHandler(handler)


def test_the_project_logging_filters_every_handler(settings):
    config = settings.LOGGING
    assert all("unlogged_paths" in h.get("filters", []) for h in config["handlers"].values())
    runserver_line = logging.LogRecord(
        "django.server", logging.INFO, "", 0, '"%s" %s %s', ("POST /voice/raise/ HTTP/1.1", "200", "5"), None
    )
    assert not DropUnloggedPaths().filter(runserver_line)
    other_line = logging.LogRecord(
        "django.server", logging.INFO, "", 0, '"%s" %s %s', ("GET /my-cases/ HTTP/1.1", "200", "5"), None
    )
    assert DropUnloggedPaths().filter(other_line)


def test_gunicorn_writes_no_access_line_for_voice_paths():
    from gunicorn.config import Config

    config = Config()
    config.set("accesslog", "-")
    logger = AccessLogger(config)
    stream = io.StringIO()
    for handler in logger.access_log.handlers:
        handler.setStream(stream)  # type: ignore[attr-defined]

    class Response:
        status = "200 OK"
        sent = 10
        headers: list[tuple[str, str]] = []

    class Request:
        headers: list[tuple[str, str]] = []

    for path in ("/voice/raise/", "/voice/return/", "/my-cases/"):
        environ = {
            "PATH_INFO": path,
            "RAW_URI": path,
            "REMOTE_ADDR": ADDRESS,
            "REQUEST_METHOD": "POST",
            "QUERY_STRING": "",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_USER_AGENT": BROWSER,
        }
        logger.access(Response(), Request(), environ, dt.timedelta(seconds=1))
    written = stream.getvalue()
    assert "/voice/" not in written
    assert "/my-cases/" in written and ADDRESS in written  # the logger does log other paths


def test_serve_uses_the_access_logger():
    source = Path(settings.BASE_DIR, "core", "management", "commands", "serve.py").read_text()
    assert '"logger_class": "evenhand.core.logging.AccessLogger"' in source


def _database_bytes() -> bytes:
    """The SQLite database as a dump (``.dump``: every table's rows as SQL, blobs in hex), taken on the test's
    own connection so that it sees the test's rows."""
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, sqlite3.Connection)
    return "\n".join(raw.iterdump()).encode()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="dumps the SQLite database")
def test_a_database_dump_holds_no_plaintext(world):
    png = io.BytesIO()
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", FILE_MARKER)
    Image.new("RGB", (4, 4), "red").save(png, format="PNG", pnginfo=info)
    submitted = raise_one(
        world,
        answers=answers(what_happened=f"{REPORT_MARKER} happened", who=f"{REPORT_MARKER}-who"),
        attachments=[f"{FILE_MARKER} in a text file".encode(), png.getvalue()],
        anonymous=False,
        identity=f"{REPORT_MARKER}-identity",
    )
    key = world.key(world.handler)
    ref = submitted.concern.reference
    services.reporter_reply(access=submitted.access, text=MESSAGE_MARKER, attachments=[FILE_MARKER.encode()])
    services.send_message(by=world.handler, private_key=key, reference=ref, text=f"{MESSAGE_MARKER}-handler")
    services.close_concern(
        by=world.handler, private_key=key, reference=ref, outcome=OUTCOME_MARKER, category="upheld"
    )
    services.rate_handling(
        access=submitted.access,
        scores=dict.fromkeys(("heard", "neutrality", "respect", "outcome", "time_taken"), 3),
        comment=f"{MESSAGE_MARKER}-rating",
    )
    dump = _database_bytes()
    assert b"VC-" in dump  # the dump is the real thing: it holds the concern's reference
    for marker in (
        REPORT_MARKER,
        MESSAGE_MARKER,
        FILE_MARKER,
        OUTCOME_MARKER,
        submitted.receipt,
        # Its first two words: one alone is a common word (the schema's "refuse" triggers hold one of them).
        " ".join(submitted.receipt.split()[:2]),
    ):
        assert marker.encode() not in dump, marker
        assert marker.encode().hex().encode() not in dump.lower(), marker  # iterdump writes blobs as hex
    # And table by table, value by value.
    for table, values in every_row():
        for value in values.values():
            blob = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
            for marker in (REPORT_MARKER, MESSAGE_MARKER, FILE_MARKER, OUTCOME_MARKER):
                assert marker.encode() not in blob, (table, marker)


def test_the_base_layout_links_to_safe_voice_on_every_page(world):
    for path in ("/sign-in/", "/voice/", "/voice/return/"):
        response = Client().get(path)
        assert 'href="/voice/"' in response.content.decode(), path
    client = Client()
    client.force_login(world.outsider.user)
    page = client.get("/my-cases/").content.decode()
    assert 'href="/voice/"' in page and 'href="/voice-team/"' in page
    # The reporter's pages run as nobody, so they do not offer the handlers' link.
    assert 'href="/voice-team/"' not in client.get("/voice/").content.decode()


def test_no_time_of_day_in_any_voice_table():
    for model in apps.get_app_config("voice").get_models():
        kinds = {type(f).__name__ for f in model._meta.get_fields() if hasattr(f, "get_internal_type")}
        assert "DateTimeField" not in kinds, model.__name__
        assert "GenericIPAddressField" not in kinds, model.__name__


def test_voice_rows_never_point_at_a_user_or_session():
    for model in apps.get_app_config("voice").get_models():
        for field in model._meta.get_fields():
            target = getattr(field, "related_model", None)
            if target is None:
                continue
            assert target._meta.label not in ("auth.User", "sessions.Session"), (model.__name__, field.name)
    concern_links = {f.name for f in Concern._meta.get_fields() if getattr(f, "many_to_one", False)}
    assert concern_links == {"kind", "region", "group"}


def test_reference_is_not_derived_from_anything(world):
    refs = {raise_one(world).concern.reference for _ in range(3)}
    assert len(refs) == 3 and all(re.fullmatch(r"VC-[A-Z2-9]{8}", r) for r in refs)


def test_submission_uses_the_kind_named(world):
    submitted = raise_one(world, kind=kind("bullying"))
    assert submitted.concern.kind.code == "bullying"
