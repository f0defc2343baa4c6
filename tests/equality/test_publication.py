"""Publication from the dashboard (ADR 11): a head of PDU, an analyst or an inspector starts one for the period
shown, follows it on its job's page and downloads its files, each download in the access log as an export;
the publication's folder appears whole or not at all; nobody else may start or download one."""

import datetime as dt
import itertools
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from evenhand.audit.models import AccessLogEntry, Action, Channel
from evenhand.equality import selectors
from evenhand.equality.jobs import publication_folder
from evenhand.equality.measures import Period
from evenhand.equality.publish import period as publish_module
from evenhand.equality.publish.period import Published
from evenhand.jobs.models import Job, Status
from evenhand.org.models import Grade
from evenhand.synth.generator import Result
from tests.factories import StaffMemberFactory
from tests.synth.conftest import load_for_module

pytestmark = pytest.mark.django_db

PERIOD = selectors.default_period(dt.date(2026, 11, 15))
FORM = {"publish-period_start": PERIOD.start.isoformat(), "publish-period_end": PERIOD.end.isoformat()}
CODES = itertools.count(1)


@pytest.fixture(scope="module")
def service(django_db_setup: None, django_db_blocker: Any) -> Iterator[Result]:
    yield from load_for_module(django_db_blocker, scale="tiny", seed=1, end_date=PERIOD.end)


def quick_publication(period: Period, *, characteristics: list[str], out: Path, **options: Any) -> Published:
    """The publication's files as ``report.write`` lays them out (a staging folder renamed into place), without
    the minutes that protecting and building a real one takes (tests/equality/publish test those)."""
    stem = f"equality-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    staging = out.parent / f".equality-{out.name}"
    staging.mkdir()
    (staging / f"{stem}.html").write_text("<html></html>", encoding="utf-8")
    (staging / f"{stem}.pdf").write_bytes(b"%PDF-1.7")
    with zipfile.ZipFile(staging / f"{stem}.ods", "w") as ods:
        ods.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
    options["progress"]("Writing the spreadsheet")
    (staging / f"{stem}-table-1.csv").write_text("a,b\r\n", encoding="utf-8")
    staging.rename(out)
    return Published(written=sorted(out.iterdir()), flagged=0, protected=None)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publish_module, "publish_period", quick_publication)


def signed_in(grade: str) -> tuple[Client, Any]:
    # Codes of their own: the generated service has its own S… codes.
    staff = StaffMemberFactory(grade=grade, with_user=True, staff_code=f"EQPUB{next(CODES)}")
    client = Client()
    client.force_login(staff.user)
    return client, staff


@pytest.mark.parametrize("grade", [Grade.HEAD_OF_PDU, Grade.ANALYST, Grade.INSPECTOR])
def test_a_publication_started_from_the_web_is_downloaded_and_logged(service, grade):
    client, staff = signed_in(grade)
    answer = client.post("/equality/publications/", {**FORM, "publish-characteristic": "ethnic_group"})
    assert answer.status_code == 302
    job = Job.objects.get(kind="equality_publication")
    assert answer["Location"] == f"/jobs/{job.pk}/"
    assert job.status == Status.SUCCEEDED, job.error
    assert job.started_by == staff
    stem = f"equality-{PERIOD.start:%Y%m%d}-{PERIOD.end:%Y%m%d}"
    files = set(job.result["files"])
    assert {f"{stem}.html", f"{stem}.pdf", f"{stem}.ods"} <= files
    assert any(name.endswith(".csv") for name in files)

    html = client.get(answer["Location"]).content.decode()
    link = f"/equality/publications/{job.pk}/{stem}.ods"
    assert f'href="{link}"' in html
    before = AccessLogEntry.objects.count()
    download = client.get(link)
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{stem}.ods"'
    content = b"".join(download.streaming_content)
    assert content.startswith(b"PK") and b"application/vnd.oasis.opendocument.spreadsheet" in content[:100]
    logged = AccessLogEntry.objects.order_by("pk")[before:]
    assert [(entry.staff_id, entry.action, entry.channel) for entry in logged] == [
        (staff.pk, Action.EXPORT, Channel.UI)
    ]
    assert f"{stem}.ods" in logged[0].detail


def test_only_the_publications_files_may_be_downloaded(service):
    client, _ = signed_in(Grade.ANALYST)
    client.post("/equality/publications/", {**FORM, "publish-characteristic": "sex"})
    job = Job.objects.get(kind="equality_publication")
    assert client.get(f"/equality/publications/{job.pk}/../../settings.py").status_code == 404
    assert client.get(f"/equality/publications/{job.pk}/nothing.ods").status_code == 404
    assert client.get(f"/equality/publications/{job.pk + 1}/x.ods").status_code == 404


def test_a_failed_publication_is_failed_and_leaves_no_folder(service, monkeypatch):
    """The job makes no folder of its own: the publication's (report.write: staging, then a rename, tested in
    tests/equality/publish) is all there is, whole or not at all."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise OSError("the disk is full")

    monkeypatch.setattr(publish_module, "publish_period", broken)
    client, _ = signed_in(Grade.ANALYST)
    client.post("/equality/publications/", {**FORM, "publish-characteristic": "ethnic_group"})
    job = Job.objects.get(kind="equality_publication")
    assert job.status == Status.FAILED
    assert "the disk is full" in job.error
    root = Path(settings.PUBLICATIONS_DIR)
    assert not publication_folder(job).exists()
    assert not [path for path in root.iterdir() if path.name.startswith(".equality-")]


@pytest.mark.parametrize("grade", [Grade.PO, Grade.SPO, Grade.ADMIN])
def test_other_roles_may_not_publish(service, grade):
    client, _ = signed_in(grade)
    answer = client.post("/equality/publications/", {**FORM, "publish-characteristic": "ethnic_group"})
    assert answer.status_code == 403
    assert not Job.objects.exists()


def test_a_bad_period_is_refused_naming_it(service):
    client, _ = signed_in(Grade.ANALYST)
    answer = client.post(
        "/equality/publications/",
        {
            "publish-period_start": "2026-10-31",
            "publish-period_end": "2026-01-01",
            "publish-characteristic": "ethnic_group",
        },
    )
    assert answer.status_code == 400
    assert "The end of the period must be the same as or after its start" in answer.content.decode()
    assert not Job.objects.exists()
