"""The workforce publication (issue 17 item 5): small cells suppressed, the disclosure audit passing on every
table together (and failing without the secondary suppressions, so that it means something), the declaration
rule withholding a characteristic, releases that cannot be changed, HR analysts only, and the command's bad
input refused with nothing written."""

import datetime as dt
import gzip
import io
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from evenhand.audit.models import AccessLogEntry, Action
from evenhand.disclosure import audit
from evenhand.org.models import Grade, StaffMember
from evenhand.workforce import publication, services
from evenhand.workforce.models import (
    Declaration,
    EventKind,
    ImmutableWorkforceRecordError,
    StaffCharacteristic,
    WorkforceRelease,
)
from evenhand.workforce.rules import Event
from tests.factories import AllocationFactory, PDUFactory, SentenceFactory, StaffMemberFactory, TeamFactory

pytestmark = pytest.mark.django_db

D = dt.date
PERIOD = publication.PublicationPeriod.parse("2025")
DECLARED_AT = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


def member(team, grade, *, ethnicity="", sex="", promoted=False, left=False):
    staff = StaffMemberFactory(grade=grade, team=team, start_date=D(2020, 1, 1))
    for characteristic, value in ((StaffCharacteristic.ETHNICITY, ethnicity), ("sex", sex)):
        if value:
            Declaration.objects.create(
                staff=staff, characteristic=characteristic, value=value, declared_at=DECLARED_AT
            )
    record = services.record_hr_event
    record(
        by=None,
        staff=staff,
        event=Event(kind=EventKind.JOINED, occurred_on=D(2020, 1, 1), grade=Grade.PSO, route="direct"),
    )
    if promoted:
        record(
            by=None,
            staff=staff,
            event=Event(kind=EventKind.PROMOTED, occurred_on=D(2025, 3, 1), grade=Grade.PO),
        )
    if left:
        record(
            by=None,
            staff=staff,
            event=Event(kind=EventKind.LEFT, occurred_on=D(2025, 6, 1), leaving_reason="resignation"),
        )
    return staff


@pytest.fixture
def tmp_path() -> Iterator[Path]:
    """A folder of this test's own: pytest's numbered folders are shared by every pytest run on the machine,
    and another run's clean-up can remove one in the middle of a test."""
    with tempfile.TemporaryDirectory(prefix="wfpub-") as folder:
        yield Path(folder)


@pytest.fixture
def world(db):
    """PDU PWP1: 20 White (6 promoted, 3 left), 7 Black (3 promoted: a count of 3), 2 Asian (1 promoted, 1
    left); everyone declares ethnicity, no one declares sex (so sex is withheld by the 60% rule)."""
    team = TeamFactory(pdu=PDUFactory(code="PWP1"))
    for i in range(20):
        member(team, Grade.PSO if i < 14 else Grade.PO, ethnicity="W1", promoted=i < 6, left=14 <= i < 17)
    for i in range(7):
        member(team, Grade.PSO, ethnicity="B1", promoted=i < 3)
    member(team, Grade.PSO, ethnicity="A1", promoted=True, left=True)
    member(team, Grade.PO, ethnicity="A2")
    return StaffMemberFactory(grade=Grade.HR_ANALYST, team=None, start_date=D(2020, 1, 1), with_user=True)


def test_small_counts_are_suppressed_and_the_audit_passes(world):
    built = publication.build(PERIOD, by=world, unit="PWP1")
    cells, protection = built.protection.cells, built.protection
    promoted_black = cells.index[("ethnic_group", "with", "promotion", "black")]
    assert cells.values[promoted_black] == 3
    assert protection.hidden[promoted_black]
    assert protection.audit.passed
    table = next(t for t in built.tables if t.title == "Promotion rate by ethnic group")
    black = next(row for row in table.rows if row[0] == "black")
    assert black[2] == "[c]" and black[3] == "[c]"  # the count and its rate
    # Nothing published is a count of 1 to 4.
    for t in built.tables:
        for row in t.rows:
            for value in row[1:]:
                assert not (isinstance(value, int) and 1 <= value <= 4), (t.title, row)


def test_without_the_secondary_suppressions_a_small_count_could_be_worked_out(world):
    """The audit means something: with only the counts of 1 to 4 hidden, the totals give them away."""
    protection = publication.build(PERIOD, by=world, unit="PWP1").protection
    assert protection.secondary.any()
    primary_only = audit(protection.cells, protection.primary, protection.rules)
    assert not primary_only.passed
    cells = protection.cells
    found = {cells.keys[finding.cell] for finding in primary_only.findings}
    assert ("ethnic_group", "with", "promotion", "black") in found


def test_the_declaration_rule_withholds_a_characteristic_and_says_why(world):
    built = publication.build(PERIOD, by=world, unit="PWP1")
    figures = built.figures()
    sex = [w for w in figures["withheld"] if w["title"] == "Every table by sex"]
    assert (
        len(sex) == 1 and "Only 0% of the 29 staff" in sex[0]["reason"] and "at least 60%" in sex[0]["reason"]
    )
    assert not any(table["title"].endswith("by sex") for table in figures["tables"])
    assert not any(key[0] == "sex" for key in built.protection.cells.keys)
    assert any(table["title"] == "Promotion rate by ethnic group" for table in figures["tables"])


def published(world, tmp_path, **options):
    out = tmp_path / "out"
    call_command(
        "workforce",
        "report",
        "--period",
        "2025",
        "--unit",
        "PWP1",
        "--by",
        world.staff_code,
        "--out",
        str(out),
        **options,
    )
    return WorkforceRelease.objects.get(), out


def test_the_command_publishes_a_release_with_its_audit_and_files(world, tmp_path):
    release, out = published(world, tmp_path)
    assert release.published_by == world and release.unit == "PWP1" and release.period == "2025"
    assert release.audit["passed"] and release.audit["suppressed"] > 0 and not release.audit["findings"]
    assert sorted(path.name for path in out.iterdir()) == [
        "workforce-pwp1-2025.cells.json.gz",
        "workforce-pwp1-2025.html",
        "workforce-pwp1-2025.ods",
    ]
    assert (out / "workforce-pwp1-2025.html").read_text() == release.html
    manifest = json.loads(gzip.decompress((out / "workforce-pwp1-2025.cells.json.gz").read_bytes()))
    assert manifest  # the cells and relations, for anyone to attack again
    assert "[c]" in release.html
    with pytest.raises(CommandError, match="never changed"):
        call_command(
            "workforce",
            "report",
            "--period",
            "2025",
            "--unit",
            "PWP1",
            "--by",
            world.staff_code,
            "--out",
            str(tmp_path / "again"),
        )
    assert not (tmp_path / "again").exists()


def test_a_release_cannot_be_changed_or_deleted(world, tmp_path):
    release, _ = published(world, tmp_path)
    release.html = "<p>changed</p>"
    with pytest.raises(ImmutableWorkforceRecordError):
        release.save()
    with pytest.raises(ImmutableWorkforceRecordError):
        release.delete()
    for attempt in (
        lambda: WorkforceRelease.objects.filter(pk=release.pk).update(html="changed"),
        lambda: WorkforceRelease.objects.filter(pk=release.pk).delete(),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            attempt()
    release.refresh_from_db()
    assert release.html.startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("grade", [Grade.HEAD_OF_PDU, Grade.PO, Grade.SPO])
def test_only_hr_analysts_publish(world, grade):
    other = StaffMemberFactory(grade=grade)
    with pytest.raises(PermissionDenied):
        publication.publish(period=PERIOD, unit="PWP1", by=other)
    assert not WorkforceRelease.objects.exists()


def test_only_hr_analysts_list_and_download_releases_and_downloads_are_logged(world, tmp_path, client):
    release, _ = published(world, tmp_path)
    files = reverse("workforce-release-file", args=[release.pk, "ods"])
    for grade in (Grade.HEAD_OF_PDU, Grade.PO):
        other = StaffMemberFactory(grade=grade, with_user=True)
        client.force_login(other.user)
        assert client.get(reverse("workforce-releases")).status_code == 403
        assert client.get(files).status_code == 403
    client.force_login(world.user)
    assert reverse("workforce-releases") in client.get(reverse("workforce-figures")).content.decode()
    page = client.get(reverse("workforce-releases"))
    assert page.status_code == 200 and files in page.content.decode()
    assert release.sha256[:16] in page.content.decode() and "Passed" in page.content.decode()
    before = AccessLogEntry.objects.filter(staff=world, action=Action.EXPORT).count()
    response = client.get(files)
    assert response.status_code == 200 and response.content == bytes(release.ods)
    assert "attachment" in response["Content-Disposition"]
    logged = AccessLogEntry.objects.filter(staff=world, action=Action.EXPORT)
    assert logged.count() == before + 1 and release.sha256 in logged.first().detail
    assert client.get(reverse("workforce-release-file", args=[release.pk, "pdf"])).status_code == 404
    assert client.get(reverse("workforce-release-file", args=[release.pk + 99, "ods"])).status_code == 404


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--period", "last year"], "is not a period"),
        (["--period", "2025-27"], "is not a financial year"),
        (["--period", "2025", "--unit", "NOWHERE"], "no region or PDU with the code 'NOWHERE'"),
        (["--period", "2099"], "once it ends"),
    ],
)
def test_bad_input_is_refused_with_nothing_written(world, tmp_path, arguments, message):
    out = tmp_path / "out"
    with pytest.raises(CommandError, match=message):
        call_command("workforce", "report", *arguments, "--by", world.staff_code, "--out", str(out))
    assert not out.exists()
    assert not WorkforceRelease.objects.exists()


def test_someone_other_than_an_hr_analyst_is_refused_by_the_command(world, tmp_path):
    other = StaffMemberFactory(grade=Grade.PO)
    out = tmp_path / "out"
    with pytest.raises(CommandError, match="Only HR analysts"):
        call_command("workforce", "report", "--period", "2025", "--by", other.staff_code, "--out", str(out))
    assert not out.exists() and not WorkforceRelease.objects.exists()


def test_recruitment_stages_are_one_count_in_every_table_that_shows_them(world):
    """Applicants who were interviewed are the numerator of "sifted in to interviewed" and the denominator of
    "interviewed to offered": one cell, so hiding it in one table hides it in the other."""
    campaign = services.create_campaign(reference="WFPUB1", grade=Grade.PO, opened_on=D(2025, 1, 6))
    stages = ["applied", "sifted_in", "interviewed", "offered", "appointed"]
    for i, (ethnicity, reached) in enumerate(
        [("W1", 5)] * 12 + [("W1", 2)] * 8 + [("B1", 3)] * 6 + [("A1", 1)] * 9
    ):
        applicant = services.add_applicant(campaign=campaign, reference=f"WFPUB1-{i}", ethnicity=ethnicity)
        for day, stage in enumerate(stages[:reached]):
            services.record_applicant_stage(applicant=applicant, stage=stage, reached_on=D(2025, 2, 1 + day))
    built = publication.build(PERIOD, by=world, unit="national")
    cells, protection = built.protection.cells, built.protection
    interviewed = ("ethnic_group", "stage", "interviewed", "black")
    assert cells.values[cells.index[interviewed]] == 6
    numerator = next(t for t in built.tables if t.title.startswith("Sifted in to interviewed"))
    denominator = next(t for t in built.tables if t.title.startswith("Interviewed to offered"))
    assert any(place[2] == interviewed for place in numerator.places)
    assert any(place[2] == interviewed for place in denominator.places)
    assert protection.audit.passed
    offered_asian = ("ethnic_group", "stage", "offered", "asian")
    assert cells.values[cells.index[offered_asian]] == 0  # a 0 is published
    assert not protection.is_hidden(offered_asian)


def test_grievances_and_sickness_are_in_the_protected_publication(world):
    """Grievances (raised, decided, upheld, days to the outcome) and sickness: their relations hold of the
    data (the cells are frozen only if they do) and the audit passes with them."""
    staff = list(StaffMember.objects.filter(team__pdu__code="PWP1").order_by("pk"))
    for i, member_ in enumerate(staff[:12] + staff[20:23]):
        outcome = ("upheld", "not_upheld", "withdrawn", "")[i % 4]
        services.record_hr_event(
            by=None,
            staff=member_,
            event=Event(
                kind=EventKind.GRIEVANCE,
                occurred_on=D(2025, 4, 1 + i),
                grievance_kind="race_discrimination",
                outcome=outcome,
                days=30 + i if outcome else None,
            ),
        )
        services.record_hr_event(
            by=None,
            staff=member_,
            event=Event(kind=EventKind.SICKNESS, occurred_on=D(2025, 5, 1), days=3 + i),
        )
    built = publication.build(PERIOD, by=world, unit="PWP1")
    cells = built.protection.cells
    assert cells.values[cells.index[("ethnic_group", "with", "grievance", "black")]] == 3
    assert cells.values[cells.index[("ethnic_group", "all_events", "grievance", "white")]] == 12
    assert built.protection.audit.passed
    titles = [t.title for t in built.tables]
    assert "Grievances upheld (in full or in part) by ethnic group" in titles
    assert "Sickness days per FTE by ethnic group" in titles
    days = next(t for t in built.tables if t.title == "Days from a grievance to its outcome by ethnic group")
    black = next(row for row in days.rows if row[0] == "black")
    assert black[1] == "[c]" and black[2] == "[c]"  # 3 grievances with an outcome: the median hidden too


def test_sensitive_allocations_are_one_count_in_both_tables(world):
    """A group's sensitive allocations are a column of "practitioners given one" and the denominator of
    "cleared by a consultation": one cell, at least the practitioners given one."""
    practitioners = list(StaffMember.objects.filter(team__pdu__code="PWP1", grade=Grade.PSO).order_by("pk"))
    spo = StaffMemberFactory(grade=Grade.SPO, team=practitioners[0].team)
    for practitioner in practitioners[:8] + practitioners[:3]:
        sentence = SentenceFactory(
            offences=[{"is_main": True, "racially_or_religiously_aggravated": True}], start_date=D(2025, 5, 1)
        )
        AllocationFactory(
            sentence=sentence, practitioner=practitioner, allocated_by=spo, start_date=D(2025, 5, 1)
        )
    built = publication.build(PERIOD, by=world, unit="PWP1")
    cells = built.protection.cells
    allocations = ("ethnic_group", "allocations", "white")
    assert cells.values[cells.index[allocations]] == 11
    assert cells.values[cells.index[("ethnic_group", "with", "sensitive_given", "white")]] == 8
    given = next(t for t in built.tables if t.title.startswith("Practitioners given"))
    consulted = next(t for t in built.tables if t.title.startswith("Sensitive allocations cleared"))
    assert any(place[2] == allocations for place in given.places)
    assert any(place[2] == allocations for place in consulted.places)
    assert built.protection.audit.passed


@pytest.mark.parametrize(
    "command", [("equality", "report", "--workforce"), ("workforce", "report")], ids=["equality", "alias"]
)
def test_the_equality_report_command_and_its_alias_publish_the_same_release(world, tmp_path, command):
    out = tmp_path / "out"
    said = io.StringIO()
    options = ["--period", "2025", "--unit", "pwp1", "--by", world.staff_code, "--out", str(out)]
    call_command(*command, *options, stdout=said)
    release = WorkforceRelease.objects.get()
    assert (release.unit, release.period, release.published_by) == ("PWP1", "2025", world)
    assert release.audit["passed"]
    assert sorted(path.name for path in out.iterdir()) == [
        "workforce-pwp1-2025.cells.json.gz",
        "workforce-pwp1-2025.html",
        "workforce-pwp1-2025.ods",
    ]
    assert (out / "workforce-pwp1-2025.html").read_text() == release.html
    assert f"Published the workforce report for PWP1, {PERIOD.label}" in said.getvalue()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        # An option of the equality report of people on probation given to the workforce report.
        (
            ["--workforce", "--period", "2025", "--from", "2025-01-01"],
            r"--from: not an option of the workforce",
        ),
        (["--workforce", "--period", "2025", "--characteristic", "sex"], r"--characteristic: not an option"),
        (["--workforce", "--period", "2025", "--min-n", "10"], r"--min-n: not an option"),
        # The workforce report's options without --workforce, and either report without what it needs.
        (
            ["--period", "2025", "--unit", "PWP1"],
            r"--period, --unit, --by: an option of the workforce report",
        ),
        (["--workforce"], r"the workforce report \(--workforce\) needs --period$"),
        (["--from", "2025-01-01"], r"the equality report needs --to$"),
    ],
)
def test_a_bad_mix_of_report_options_is_a_usage_error_with_nothing_written(
    world, tmp_path, arguments, message
):
    out = tmp_path / "out"
    by = [] if "--from" in arguments and "--workforce" not in arguments else ["--by", world.staff_code]
    with pytest.raises(CommandError, match=message) as refused:
        call_command("equality", "report", *arguments, *by, "--out", str(out))
    assert refused.value.returncode == 2
    assert not out.exists() and not WorkforceRelease.objects.exists()
