"""evenhand equality report: a whole publication on a generated service, disclosure-controlled, written whole
or not at all."""

import csv
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from evenhand.equality.engine import Settings
from evenhand.equality.measures import Period
from evenhand.equality.publish.disclosure import SUPPRESSED
from evenhand.equality.publish.report import Publication, build
from evenhand.people.models import Person
from evenhand.synth.generator import Result
from tests.synth.conftest import load_for_module

PERIOD = Period(dt.date(2025, 11, 1), dt.date(2026, 10, 31))
STEM = "equality-20251101-20261031"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def service(django_db_setup: None, django_db_blocker: Any) -> Iterator[Result]:
    yield from load_for_module(django_db_blocker, scale="pdu", seed=12)


@pytest.fixture(scope="module")
def publication(service: Result, django_db_blocker: Any) -> Publication:
    with django_db_blocker.unblock():
        return build(PERIOD, Settings())


@pytest.fixture(scope="module")
def written(service: Result, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("publication") / "out"
    with django_db_blocker.unblock():
        call_command(
            "equality", "report", "--from", "2025-11-01", "--to", "2026-10-31", "--out", str(out), verbosity=0
        )
    return out


def _counts(frame: pd.DataFrame) -> list[object]:
    columns = [
        c
        for c in frame.columns
        if c in ("People", "People with the outcome") or ("not recorded" in c and "rate" not in c)
    ]
    return [value for column in columns for value in frame[column]]


def test_the_command_writes_html_pdf_ods_and_csv(written: Path) -> None:
    names = sorted(path.name for path in written.iterdir())
    assert names == sorted(
        [f"{STEM}.html", f"{STEM}.pdf", f"{STEM}.ods", *[f"{STEM}-table-{i}.csv" for i in range(1, 5)]]
    )
    assert (written / f"{STEM}.pdf").read_bytes().startswith(b"%PDF")
    sheets = pd.read_excel(written / f"{STEM}.ods", engine="odf", sheet_name=None, header=None)
    assert list(sheets) == ["Cover_sheet", "Contents", "Notes", "Table_1", "Table_2", "Table_3", "Table_4"]


def test_no_published_count_is_between_1_and_4(publication: Publication, written: Path) -> None:
    for table in publication.tables:
        for value in _counts(table.frame):
            assert value == SUPPRESSED or value == 0 or float(value) >= 5, (table.sheet, value)  # type: ignore[arg-type]
    for path in written.glob("*.csv"):
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            for column in ("People", "People with the outcome"):
                if column in row:
                    assert row[column] == SUPPRESSED or row[column] == "0" or float(row[column]) >= 5


def test_something_is_suppressed_and_the_rates_of_suppressed_rows_go_too(publication: Publication) -> None:
    national = publication.tables[0].frame
    suppressed = national["People with the outcome"] == SUPPRESSED
    assert suppressed.any(), "a service of 2,200 people has some group with fewer than 5 events"
    assert (national.loc[suppressed, "Rate"] == SUPPRESSED).all()
    assert (national.loc[suppressed, "Relative rate"] == SUPPRESSED).all()


def test_the_report_names_no_one(publication: Publication, written: Path) -> None:
    html = (written / f"{STEM}.html").read_text(encoding="utf-8")
    people = Person.objects.values_list("crn", "last_name")[:500]
    for crn, family_name in people:
        assert crn not in html
        assert not re.search(rf"\b{re.escape(family_name)}\b", html), family_name
    assert "<svg" in html and 'role="img"' in html
    assert "Methodology" in html and "Benjamini-Hochberg" in html
    for measure in publication.analysis.measures:
        assert measure.definition[:60] in html


def test_charts_are_drawn_from_published_figures(publication: Publication) -> None:
    section = publication.sections[0]
    for row in section.table.itertuples():
        if row.relative_rate == SUPPRESSED:
            assert f"{row.group_label}: ratio not available" in section.chart.description or row.is_reference


def test_a_folder_that_is_not_empty_is_refused_and_left_alone(service: Result, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(CommandError, match="not an empty folder"):
        call_command(
            "equality",
            "report",
            "--from",
            "2025-11-01",
            "--to",
            "2026-10-31",
            "--out",
            str(tmp_path),
            verbosity=0,
        )
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "2026-10-31", "--to", "2026-01-01"], "ends before it starts"),
        (["--from", "2001-01-01", "--to", "2001-03-31"], "Nobody was under supervision"),
        (["--from", "2025-11-01", "--to", "2026-10-31", "--reference", "martian"], "has no people"),
    ],
)
def test_bad_requests_write_nothing(
    service: Result, tmp_path: Path, arguments: list[str], message: str
) -> None:
    out = tmp_path / "out"
    with pytest.raises(CommandError, match=message):
        call_command("equality", "report", *arguments, "--out", str(out), verbosity=0)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failure_while_writing_leaves_nothing(
    publication: Publication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evenhand.equality.publish import report

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(report, "_write_spreadsheet", broken)
    with pytest.raises(OSError, match="disk full"):
        report.write(publication, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []
