"""evenhand equality report: a whole publication on a generated service, disclosure-controlled, written whole
or not at all."""

import csv
import datetime as dt
import gzip
import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from evenhand.disclosure import manifest
from evenhand.disclosure.rules import SUPPRESSED
from evenhand.equality.engine import Settings
from evenhand.equality.measures import CHARACTERISTICS, Period, Source
from evenhand.equality.publish.release import Release, release
from evenhand.equality.publish.report import SAMPLED_MIN_CASES, Publication, build, render_html
from evenhand.people.models import Person
from evenhand.synth.generator import Result
from tests.synth.conftest import load_for_module

PERIOD = Period(dt.date(2025, 11, 1), dt.date(2026, 10, 31))
STEM = "equality-20251101-20261031"
# A measure of people, one of decisions (whose quarters add up to the year) and one of sentences ended:
# every kind of relation, in a protection that takes a minute rather than the catalogue's ten.
MEASURES = ("recall", "escalation", "completion")
MEASURE_OPTIONS = [option for key in MEASURES for option in ("--measure", key)]
PERIOD_OPTIONS = ["--from", "2025-11-01", "--to", "2026-10-31"]

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def service(django_db_setup: None, django_db_blocker: Any) -> Iterator[Result]:
    yield from load_for_module(django_db_blocker, scale="pdu", seed=12)


@pytest.fixture(scope="module")
def source(service: Result, django_db_blocker: Any) -> Source:
    with django_db_blocker.unblock():
        source = Source(PERIOD)
        source.population  # noqa: B018 (read once, inside the database's reach)
        return source


@pytest.fixture(scope="module")
def protected(source: Source, django_db_blocker: Any) -> Release:
    with django_db_blocker.unblock():
        return release(source, measures=MEASURES)


@pytest.fixture(scope="module")
def publication(source: Source, protected: Release, django_db_blocker: Any) -> Publication:
    with django_db_blocker.unblock():
        return build(PERIOD, Settings(measures=MEASURES), source=source, protected=protected)


@pytest.fixture(scope="module")
def everything(service: Result, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every characteristic's report of the period, written by the command: one folder each."""
    out = tmp_path_factory.mktemp("publication") / "out"
    with django_db_blocker.unblock():
        call_command(
            "equality",
            "report",
            *PERIOD_OPTIONS,
            "--characteristic",
            "all",
            *MEASURE_OPTIONS,
            "--out",
            str(out),
            verbosity=0,
        )
    return out


@pytest.fixture(scope="module")
def written(everything: Path) -> Path:
    return everything / "ethnic_group"


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
        [
            f"{STEM}.html",
            f"{STEM}.pdf",
            f"{STEM}.ods",
            f"{STEM}-cells.json.gz",
            *[f"{STEM}-table-{i}.csv" for i in range(1, 5)],
        ]
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
        call_command("equality", "report", *PERIOD_OPTIONS, "--out", str(tmp_path), verbosity=0)
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


def test_every_characteristic_has_its_report_and_none_publishes_a_count_under_5(everything: Path) -> None:
    assert sorted(path.name for path in everything.iterdir()) == sorted(CHARACTERISTICS)
    for folder in everything.iterdir():
        tables = sorted(folder.glob(f"{STEM}-table-*.csv"))
        assert len(tables) == 4, folder.name
        for path in tables:
            with path.open(newline="", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    for column in ("People", "People with the outcome"):
                        if column in row and row[column] not in (SUPPRESSED, ""):
                            assert row[column] == "0" or float(row[column]) >= 5, (folder.name, path.name)


def test_the_detailed_characteristics_are_published_by_region_only(everything: Path) -> None:
    for name in ("ethnicity", "religion", "ethnic_group_sex"):
        with (everything / name / f"{STEM}-table-2.csv").open(newline="", encoding="utf-8") as handle:
            assert {row["PDU"] for row in csv.DictReader(handle)} == {""}, name
    with (everything / "sex" / f"{STEM}-table-2.csv").open(newline="", encoding="utf-8") as handle:
        assert {row["PDU"] for row in csv.DictReader(handle)} - {""}


def test_every_report_of_the_period_shows_the_same_pattern(everything: Path) -> None:
    """The seven folders carry one manifest: one release, so reading them side by side undoes nothing."""
    releases = set()
    for folder in everything.iterdir():
        document = json.loads(gzip.decompress((folder / f"{STEM}-cells.json.gz").read_bytes()))
        del document["tables"]  # where each report shows the counts: its own tables
        releases.add(json.dumps(document, sort_keys=True))
    assert len(releases) == 1


def test_the_auditor_passes_the_whole_period_read_back_from_its_files(everything: Path) -> None:
    out = io.StringIO()
    call_command("equality", "audit", *sorted(map(str, everything.iterdir())), stdout=out)
    assert "No suppressed count can be narrowed" in out.getvalue()


def test_the_auditor_refuses_a_table_that_differs_from_its_manifest(written: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(written, copy)
    # The first published count of people (neither suppressed nor 0) in any table, raised by one.
    for path in sorted(copy.glob(f"{STEM}-table-*.csv"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        if "People" not in rows[0]:
            continue
        people = rows[0].index("People")
        found = [i for i, r in enumerate(rows[1:], 1) if r[people].isdigit() and r[people] != "0"]
        if found:
            rows[found[0]][people] = str(int(rows[found[0]][people]) + 1)
            with path.open("w", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerows(rows)
            break
    else:
        pytest.fail("no table publishes a count of people to alter")
    with pytest.raises(CommandError, match="do not match its manifest"):
        call_command("equality", "audit", str(copy))


def test_the_auditor_refuses_the_counts_under_5_hidden_alone(protected: Release, tmp_path: Path) -> None:
    """Primary suppression only, as a table-by-table method blind to the rest of the period leaves it."""
    (tmp_path / "naive").mkdir()
    manifest.write(
        tmp_path / "naive" / f"{STEM}-cells.json.gz",
        protected.protection.cells,
        protected.protection.primary,
        protected.protection.rules,
        {},
    )
    with pytest.raises(CommandError, match="gives people away"):
        call_command("equality", "audit", str(tmp_path / "naive"))


def test_the_release_is_the_same_on_every_run(source: Source, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        first = release(source, measures=("escalation",))
        second = release(source, measures=("escalation",))
    assert first.cells.keys == second.cells.keys
    assert (first.protection.hidden == second.protection.hidden).all()
    assert first.protection.hidden.any()


def test_the_methodology_states_the_protection_achieved(publication: Publication) -> None:
    text = " ".join(
        " ".join(lines) for title, lines in publication.methodology if title == "Disclosure control"
    )
    assert f"{int(publication.release.protection.hidden.sum()):,} of" in text
    assert "at least 5 higher" in text


def test_the_release_knows_what_a_reader_knows_of_populations(protected: Release) -> None:
    """Licences are within everyone under supervision, cell by cell; recall's events within its people."""
    names = set(protected.cells.names)
    assert any(name.startswith("the population of recall within not_recorded:") for name in names)
    assert any(name.startswith("n of escalation") and "quarters against the year" in name for name in names)
    assert any("within the ethnic_group" in name or "within ethnic_group" in name for name in names)


def test_every_report_or_none_when_writing_one_fails(
    protected: Release, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evenhand.equality.publish import period

    written_before = period.write
    calls = []

    def second_fails(publication: Publication, out: Path, **kwargs: Any) -> list[Path]:
        calls.append(out)
        if len(calls) == 2:
            raise OSError("disk full")
        return written_before(publication, out, **kwargs)

    # Where the publication (publish/period.py, which the command calls) looks them up.
    monkeypatch.setattr(period, "release", lambda *args, **kwargs: protected)
    monkeypatch.setattr(period, "write", second_fails)
    out = tmp_path / "out"
    with pytest.raises(OSError, match="disk full"):
        call_command(
            "equality",
            "report",
            *PERIOD_OPTIONS,
            "--characteristic",
            "all",
            *MEASURE_OPTIONS,
            "--out",
            str(out),
        )
    assert len(calls) == 2 and calls[0].parent == out
    assert not out.exists()


def test_case_review_estimates_are_published_with_their_sampling_note(
    source: Source, protected: Release, django_db_blocker: Any
) -> None:
    """Issue 15: the generated PDU's case review round through the catalogue's sampled measures, in table 5 for
    England and Wales and the region (the figures the engine estimated, a group with few cases reviewed as
    [c]), with the sampling note in the table, the HTML and the methodology; the counted tables unchanged."""
    asked = (*MEASURES, "review:C1", "review:C2")
    with django_db_blocker.unblock():
        publication = build(PERIOD, Settings(measures=asked), source=source, protected=protected)
    assert [t.sheet for t in publication.tables] == [f"Table_{i}" for i in range(1, 6)]
    table = publication.tables[4]
    frame = table.frame
    assert set(frame["Measure"]) == {"Case review: C1 sufficient", "Case review: C2 sufficient"}
    assert frame["Where"].iloc[0] == "England and Wales" and frame["Where"].str.startswith("Region ").any()
    assert "stratified random sample" in table.description and "linearisation" in table.description
    sampled = publication.analysis.sampled
    national = sampled[(sampled["level"] == "national") & (sampled["measure"] == "review:C1")]
    white = national[national["group"] == "white"].iloc[0]
    row = frame[(frame["Where"] == "England and Wales") & (frame["Measure"] == "Case review: C1 sufficient")]
    published = row[row["Group"].str.startswith("White")].iloc[0]
    assert published["Share sufficient (design-weighted)"] == white["share"]
    assert published["Cases reviewed"] == white["cases"] >= SAMPLED_MIN_CASES
    few = frame[frame["Cases reviewed"].map(lambda v: v == SUPPRESSED)]
    assert len(few) == int((sampled["level"].isin(["national", "region"]) & (sampled["cases"] < 10)).sum())
    assert (few["Share sufficient (design-weighted)"] == SUPPRESSED).all()
    html = render_html(publication)
    assert 'id="case-review"' in html and "design-weighted" in html
    assert any(heading == "Case review estimates" for heading, _ in publication.methodology)
