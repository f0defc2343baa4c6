"""The quarterly summary of concerns: the figures against hand counts, every suppression rule, an attack on the
published totals, nothing finer than region, and a published quarter frozen."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction
from django.test import Client

from evenhand.disclosure import audit, manifest, ranges
from evenhand.org.models import Region
from evenhand.voice import summary
from evenhand.voice.models import Concern, SummaryRelease, SummaryReleaseError, Theme
from tests.factories import PDUFactory, RegionFactory

from .helpers import VoiceWorld, kind
from .summary_helpers import concerns

Q3 = summary.Quarter(2026, 3)
JULY = dt.date(2026, 7, 10)
RATING = {"heard": 4, "neutrality": 2, "respect": 5, "outcome": 3, "time_taken": 4}


@pytest.fixture
def north(world: VoiceWorld) -> Region:
    region = RegionFactory(code="RNORTHV", name="Voice north")
    PDUFactory(code="PNRTHV", name="Northtown PDU", region=region)
    return region


@pytest.fixture
def quarter(world: VoiceWorld, north: Region) -> VoiceWorld:
    """Hand-counted: see each test."""
    g, here = world.group, world.region
    micro, threats = Theme.objects.get(code="micro-aggressions"), Theme.objects.get(code="threats")
    racism, bullying, sexual = kind("racism"), kind("bullying"), kind("sexual-harassment")
    concerns(
        12,
        kind=racism,
        region=here,
        group=g,
        received=JULY,
        closed_after=40,
        category="upheld",
        rating=RATING,
        themes=(micro,),
    )
    concerns(
        18,
        kind=racism,
        region=here,
        group=g,
        received=JULY,
        closed_after=40,
        category="not_upheld",
        themes=(micro,),
    )
    concerns(
        4,
        kind=racism,
        region=north,
        group=g,
        received=JULY,
        closed_after=40,
        category="partly_upheld",
        themes=(threats,),
    )
    concerns(
        16,
        kind=racism,
        region=north,
        group=g,
        received=JULY,
        closed_after=40,
        category="not_upheld",
        rating=None,
    )
    concerns(25, kind=bullying, region=here, group=g, received=JULY, closed_after=100, category="upheld")
    concerns(
        3,
        kind=bullying,
        region=north,
        group=g,
        received=JULY,
        closed_after=20,
        category="resolved_informally",
    )
    concerns(
        4,
        kind=sexual,
        region=here,
        group=g,
        received=JULY,
        acknowledged_after=10,
        closed_after=20,
        category="not_upheld",
    )
    concerns(12, kind=racism, region=None, group=g, received=JULY, closed_after=40, category="not_upheld")
    # Outside the quarter: neither counted nor closed in it.
    concerns(
        7, kind=racism, region=here, group=g, received=dt.date(2026, 6, 1), closed_after=10, category="upheld"
    )
    return world


@pytest.fixture
def built(quarter: VoiceWorld) -> summary.Summary:
    return summary.build(Q3)


def _value(built: summary.Summary, key: tuple[str, ...]) -> int:
    cells = built.protection.cells
    return int(cells.values[cells.index[key]])


def test_quarters_parse_and_bound() -> None:
    assert (Q3.start, Q3.end, Q3.label) == (
        dt.date(2026, 7, 1),
        dt.date(2026, 9, 30),
        "July to September 2026",
    )
    assert summary.Quarter.parse(" 2026 q4 ") == summary.Quarter(2026, 4)
    assert (
        summary.Quarter(2026, 4).end == dt.date(2026, 12, 31)
        and summary.Quarter(2026, 4).next().code == "2027Q1"
    )
    for bad in ("2026Q5", "Q3", "2026-07", ""):
        with pytest.raises(ValueError, match="like 2026Q3"):
            summary.Quarter.parse(bad)


def test_the_figures_match_hand_counts(built: summary.Summary, north: Region, world: VoiceWorld) -> None:
    here = world.region.code
    expected = {
        ("received", "all", "all"): 94,
        ("received", "kind", "racism"): 62,
        ("received", "kind", "bullying"): 28,
        ("received", "kind", "sexual-harassment"): 4,
        ("received", "kind", "other"): 0,
        ("received", "region", here): 59,
        ("received", "region", north.code): 23,
        ("received", "region", "not_given"): 12,
        # Closed in the quarter: not the 25 closed in October, not the June ones.
        ("closed", "all", "all"): 69,
        ("upheld", "all", "all"): 16,
        ("closed", "kind_region", f"racism|{here}"): 30,
        ("upheld", "kind_region", f"racism|{here}"): 12,
        ("upheld", "kind_region", f"racism|{north.code}"): 4,
        ("outcome", "category", "not_upheld"): 50,
        ("outcome", "category", "resolved_informally"): 3,
        ("outcome_time", "band", "31_to_91"): 62,
        ("outcome_time", "band", "within_30"): 7,
        ("acknowledged", "all", "all"): 94,
        ("acknowledged", "band", "8_to_14"): 4,
        ("rated", "all", "all"): 12,
        ("good", "rating", "heard"): 12,
        ("good", "rating", "neutrality"): 0,
        ("theme", "theme", "micro-aggressions"): 30,
        ("theme", "theme", "threats"): 4,
    }
    assert {key: _value(built, key) for key in expected} == expected
    assert sorted(built.counts.ack_days)[len(built.counts.ack_days) // 2] == 3
    table = built.table("Table_1")
    assert table.rows[0] == ("Racism or other discrimination", 62) or table.rows[0][1] in (62, "[c]")
    assert table.rows[-1][0] == "All concerns"


def test_every_count_under_10_is_suppressed_and_the_auditor_passes(built: summary.Summary) -> None:
    protection = built.protection
    cells = protection.cells
    assert protection.audit.passed
    assert audit(cells, protection.hidden, summary.RULES).passed
    shown = ~protection.hidden & ~cells.implied
    assert not np.any(shown & (cells.values >= 1) & (cells.values < 10))
    for key in (
        ("received", "kind", "sexual-harassment"),
        ("acknowledged", "band", "8_to_14"),
        ("theme", "theme", "threats"),
        ("outcome", "category", "resolved_informally"),
    ):
        assert protection.is_hidden(key), key
    # Zeros are published, and a count of 10 or more that gives nothing away is too.
    assert not protection.is_hidden(("received", "kind", "other"))
    assert not protection.is_hidden(("received", "all", "all"))
    # Every figure in every table is 0, at least 10, or [c]; shares and averages are [c] with their counts.
    for table in built.tables:
        for row in table.rows:
            for column, value in zip(table.columns, row, strict=True):
                if isinstance(value, int):
                    assert value == 0 or value >= 10, (table.sheet, row, column)
    sexual = next(row for row in built.table("Table_1").rows if row[0] == "Sexual harassment")
    assert sexual[1] == "[c]"


def test_the_methodology_states_this_summary_s_rule(built: summary.Summary) -> None:
    method = " ".join(built.method)
    assert "1 to 9 concerns" in method and "every count of 1 to 9 open" in method
    assert "1 to 4" not in method


def test_secondary_suppression_keeps_a_cell_from_the_totals(built: summary.Summary) -> None:
    protection = built.protection
    cells = protection.cells
    # The naive attack: the total less its shown parts. No table hides exactly one of its parts.
    kinds = [k for k in cells.keys if k[0] == "received" and k[1] == "kind"]
    assert len([k for k in kinds if protection.is_hidden(k)]) >= 2
    # The full attack, as a reader with everything published: each suppressed count spans at least 10 values.
    known = ~protection.hidden & ~cells.implied
    low, high, _ = ranges(cells, known, cells.values.astype(np.float64))
    sexual = cells.index[("received", "kind", "sexual-harassment")]
    assert low[sexual] <= 1 and high[sexual] - cells.values[sexual] >= 10
    for at in np.flatnonzero(protection.hidden):
        assert high[at] - low[at] >= 10, cells.describe(at)


def test_without_secondary_suppression_the_attack_recovers_a_cell(built: summary.Summary) -> None:
    protection = built.protection
    findings = audit(protection.cells, protection.primary, summary.RULES).findings
    assert any("sexual-harassment" in protection.cells.describe(f.cell) for f in findings)


def test_the_not_upheld_are_protected_too(built: summary.Summary, north: Region) -> None:
    # 4 upheld of 20 racism concerns closed in the north: the 4 is [c], and the 16 not upheld is no way round.
    protection = built.protection
    upheld = ("upheld", "kind_region", f"racism|{north.code}")
    assert protection.is_hidden(upheld)
    row = next(
        r for r in built.table("Table_4").rows if r[:2] == ("Racism or other discrimination", "Voice north")
    )
    assert row[3] == "[c]" and row[4] == "[c]"


def test_nothing_finer_than_region_and_nothing_about_reporters(built: summary.Summary) -> None:
    figures = built.figures()
    html = summary.render_html(figures)
    spreadsheet = summary.render_ods(figures)
    with zipfile.ZipFile(io.BytesIO(spreadsheet)) as archive:
        content = archive.read("content.xml").decode()
    for text in (html, content, str(figures)):
        for finer in ("Northtown", "PNRTHV", "Voice Leeds", "PVLDS", "Leeds team"):
            assert finer not in text
        assert "Voice north" in text
    # Table 4 names its rows by kind and region: the region is a label, not a number set to the right.
    assert "<td>Voice north</td>" in html and '<td class="num">Voice north</td>' not in html
    fields = {f.name for f in Concern._meta.get_fields()}
    for characteristic in (
        "ethnic_group",
        "ethnicity",
        "grade",
        "sex",
        "religion",
        "disability",
        "age",
        "staff",
        "user",
    ):
        assert characteristic not in fields


def test_the_spreadsheet_and_manifest_say_what_was_published(built: summary.Summary, tmp_path) -> None:  # type: ignore[no-untyped-def]
    spreadsheet = summary.render_ods(built.figures())
    with zipfile.ZipFile(io.BytesIO(spreadsheet)) as archive:
        content = archive.read("content.xml").decode()
    assert "fewer than 10 concerns" in content and "Table_4" in content
    path = tmp_path / "cells.json.gz"
    path.write_bytes(summary.render_manifest(built))
    read = manifest.read(path)
    # A reader of the files alone, attacking them, narrows nothing.
    assert manifest.attack(read) == []


def test_publishing_freezes_the_quarter(quarter: VoiceWorld) -> None:
    with pytest.raises(PermissionDenied):
        summary.publish(quarter=Q3, by=quarter.handler)
    with pytest.raises(ValidationError, match="once the quarter ends"):
        summary.publish(quarter=Q3, by=quarter.lead, on=dt.date(2026, 9, 30))
    release = summary.publish(quarter=Q3, by=quarter.lead, on=dt.date(2026, 10, 5))
    assert bytes(release.pdf).startswith(b"%PDF") and bytes(release.ods).startswith(b"PK")
    assert "Staff concerns, July to September 2026" in release.html
    with pytest.raises(ValidationError, match="never changed"):
        summary.publish(quarter=Q3, by=quarter.lead, on=dt.date(2026, 10, 6))
    # Later concerns change nothing published.
    concerns(30, kind=kind("racism"), region=quarter.region, group=quarter.group, received=JULY)
    stored = SummaryRelease.objects.get(quarter="2026Q3")
    assert stored.figures == release.figures and stored.sha256 == release.sha256
    stored.html = "altered"
    with pytest.raises(SummaryReleaseError):
        stored.save()
    with pytest.raises(SummaryReleaseError):
        stored.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        SummaryRelease.objects.filter(pk=stored.pk).update(html="altered")
    assert SummaryRelease.objects.get(pk=stored.pk).html == release.html


def test_the_published_summary_is_a_public_page(quarter: VoiceWorld) -> None:
    summary.publish(quarter=Q3, by=quarter.lead, on=dt.date(2026, 10, 5))
    client = Client()
    listing = client.get("/voice/summary/")
    assert listing.status_code == 200 and "/voice/summary/2026Q3/" in listing.content.decode()
    page = client.get("/voice/summary/2026Q3/")
    text = page.content.decode()
    assert (
        page.status_code == 200 and "Concerns closed and upheld, by kind and region" in text and "[c]" in text
    )
    pdf = client.get("/voice/summary/2026Q3/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client.get("/voice/summary/2026Q3/ods/").content.startswith(b"PK")
    html = client.get("/voice/summary/2026Q3/html/")
    assert html["Content-Disposition"] == 'attachment; filename="staff-concerns-2026q3.html"'
    assert html.content.decode() == SummaryRelease.objects.get().html
    for missing in ("/voice/summary/2026Q2/", "/voice/summary/nonsense/", "/voice/summary/2026Q3/exe/"):
        assert client.get(missing).status_code == 404


def test_the_command_builds_and_publishes(quarter: VoiceWorld, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("voice_summary", "--quarter", "2026Q3", stdout=out)
    assert "Concerns received, by kind" in out.getvalue() and not SummaryRelease.objects.exists()
    with pytest.raises(CommandError, match="like 2026Q3"):
        call_command("voice_summary", "--quarter", "2026-3", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--by"):
        call_command("voice_summary", "--quarter", "2026Q3", "--publish", stdout=io.StringIO())
    with pytest.raises(CommandError, match="lead"):
        call_command(
            "voice_summary", "--quarter", "2026Q3", "--publish", "--by", "VHANDLER", stdout=io.StringIO()
        )
    folder = tmp_path / "published"
    call_command(
        "voice_summary", "--quarter", "2026Q3", "--publish", "--by", "VLEAD", "--out", str(folder), stdout=out
    )
    assert SummaryRelease.objects.filter(quarter="2026Q3").exists()
    assert sorted(p.name for p in folder.iterdir()) == [
        "staff-concerns-2026q3.cells.json.gz",
        "staff-concerns-2026q3.html",
        "staff-concerns-2026q3.ods",
        "staff-concerns-2026q3.pdf",
    ]
    with pytest.raises(CommandError, match="never changed"):
        call_command(
            "voice_summary", "--quarter", "2026Q3", "--publish", "--by", "VLEAD", stdout=io.StringIO()
        )


def test_a_quarter_without_concerns_publishes_zeros(world: VoiceWorld) -> None:
    empty = summary.build(summary.Quarter(2025, 1))
    assert empty.protection.audit.passed and not empty.protection.hidden.any()
    assert empty.table("Table_1").rows[-1] == ("All concerns", 0)
    assert empty.table("Table_3").rows[0][2] == "[x]"  # no share of nothing
    assert "Median: [x]" in empty.table("Table_5").description
