"""The round's published report: its cells protected and attacked by the shared disclosure machinery, the
release kept as published, only the head of the round's PDU publishing and downloading (others refused and
logged), and a PDF that is one."""

import gzip
import io
import json
from html import unescape

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from evenhand.audit.models import AccessLogEntry, Action
from evenhand.disclosure import audit, ranges
from evenhand.org.models import Grade
from evenhand.review import publication
from evenhand.review.models import ImmutableRoundReleaseError, RoundRelease
from evenhand.review.results import BAND_LABELS, RoundCounts, group_label
from evenhand.review.selectors import round_for
from tests.factories import StaffMemberFactory
from tests.review.conftest import case_round, reviewed_round

QUESTIONS = ["C1", "C2"]


def _counts(black_sufficient: int = 1) -> RoundCounts:
    """A round of 40 White people's cases and 3 Black people's: every count of Black people's is small."""
    drawn = {"white": 40, "black": 3, "": 43}
    applicable, sufficient = {}, {}
    for number in QUESTIONS:
        for label, judged, good in (
            ("white", 40, 30),
            ("black", 3, black_sufficient),
            ("", 43, 30 + black_sufficient),
        ):
            applicable[number, label], sufficient[number, label] = judged, good
        applicable[number, BAND_LABELS[0]], sufficient[number, BAND_LABELS[0]] = 20, 16
        applicable[number, BAND_LABELS[2]], sufficient[number, BAND_LABELS[2]] = 23, 14 + black_sufficient
    return RoundCounts(
        groups=["white", "black"],
        drawn=drawn,
        reviewed=dict(drawn),
        applicable=applicable,
        sufficient=sufficient,
        marked_twice=10,
    )


def test_the_audit_recovers_small_counts_when_only_they_are_hidden() -> None:
    cells = publication.cells_of(_counts(), QUESTIONS)
    primary = (cells.values >= 1) & (cells.values < 5) & ~cells.implied
    # Everyone less White people: a reader who knows the groups add up works out Black people's 3 cases.
    found = {cells.keys[f.cell] for f in audit(cells, primary, publication.RULES).findings}
    assert ("drawn", "black") in found and ("sufficient", "C1", "black") in found
    known = ~primary & ~cells.implied
    low, high, _ = ranges(cells, known, cells.values.astype(np.float64))
    at = cells.index[("drawn", "black")]
    assert low[at] == high[at] == 3


def test_protection_hides_small_counts_and_what_gives_them_away() -> None:
    cells = publication.cells_of(_counts(black_sufficient=2), QUESTIONS)
    protection = publication.protect(cells, publication.RULES)
    assert protection.audit.passed and audit(cells, protection.hidden, publication.RULES).passed
    shown = ~protection.hidden & ~cells.implied
    assert not np.any(shown & (cells.values >= 1) & (cells.values < 5))
    assert protection.is_hidden(("drawn", "black"))
    # Something beside the small count is hidden: otherwise everyone less White people gives it.
    assert protection.is_hidden(("drawn", "white")) or protection.is_hidden(("drawn", ""))
    known = ~protection.hidden & ~cells.implied
    low, high, _ = ranges(cells, known, cells.values.astype(np.float64))
    for at in np.flatnonzero(protection.hidden):
        assert high[at] - low[at] >= 5, cells.describe(at)


def test_an_estimate_from_a_suppressed_count_is_suppressed(unit: dict) -> None:
    round_ = reviewed_round(unit)
    built = publication.build(round_for(unit["head"], round_.pk))
    assert built.protection.audit.passed
    estimates = next(t for t in built.tables if t.sheet == "Table_2")
    for row in estimates.rows:
        judged, sufficient, share, low, high = row[2:7]
        if "[c]" in (judged, sufficient):
            assert share == low == high == "[c]", row
        else:
            assert share != "[c]", row
    shown = publication.published_results(built.results, built.protection)
    for result, published in zip(built.results.rows, shown.rows, strict=True):
        hidden = built.protection.is_hidden(("judged", result.key_question, result.ethnic_group))
        assert (published.estimate is None) == (hidden or result.estimate is None)
    # A finding names no group whose figures are hidden.
    hidden_groups = {r.ethnic_group for r in shown.rows if r.estimate is None and r.ethnic_group}
    for finding in built.findings:
        assert not any(group_label(g) in finding for g in hidden_groups), finding
    # Nor does a chart draw it: the published charts are drawn from the published figures.
    charts = {chart["id"]: chart for chart in built.figures()["charts"]}
    c1 = charts["kq-c1-group-figure"]
    assert 'role="img"' in c1["svg"]
    withheld = [row for row in shown.rows if row.key_question == "C1" and row.estimate is None]
    assert withheld  # the one Mixed person's case at least
    for row in withheld:
        assert f"{group_label(row.ethnic_group)}: not available." in c1["description"]


def test_the_head_of_pdu_publishes_once_and_the_release_is_kept(unit: dict) -> None:
    round_ = reviewed_round(unit)
    release = publication.publish(by=unit["head"], round_id=round_.pk)
    pdf = bytes(release.pdf)
    assert pdf.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Case review report" in text and str(round_) in text.replace("\n", " ")
    assert bytes(release.ods).startswith(b"PK") and release.audit["passed"]
    manifest = json.loads(gzip.decompress(bytes(release.manifest)))
    assert manifest["format"] == "evenhand-disclosure/1" and "Table_2.csv" in manifest["tables"]
    for person in unit["people"]:
        assert person.last_name not in unescape(release.html)
    with pytest.raises(ValidationError, match="never changed"):
        publication.publish(by=unit["head"], round_id=round_.pk)


def test_a_release_cannot_be_changed_or_deleted(unit: dict) -> None:
    release = publication.publish(by=unit["head"], round_id=reviewed_round(unit).pk)
    release.html = "<p>changed</p>"
    with pytest.raises(ImmutableRoundReleaseError):
        release.save()
    with pytest.raises(ImmutableRoundReleaseError):
        release.delete()
    for attempt in (
        lambda: RoundRelease.objects.filter(pk=release.pk).update(html="changed"),
        lambda: RoundRelease.objects.filter(pk=release.pk).delete(),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            attempt()
    release.refresh_from_db()
    assert release.html.startswith("<!DOCTYPE html>")


def test_a_round_without_results_is_not_published(unit: dict) -> None:
    round_ = case_round(unit, seed=5)
    with pytest.raises(ValidationError, match="no review is in"):
        publication.publish(by=unit["head"], round_id=round_.pk)
    assert not RoundRelease.objects.exists()


@pytest.mark.parametrize("grade", [Grade.SPO, Grade.PO])
def test_only_the_head_of_the_rounds_pdu_publishes_and_refusals_are_logged(unit: dict, grade: str) -> None:
    round_ = case_round(unit, seed=3)
    other = StaffMemberFactory(grade=grade, pdu=unit["pdu"])
    with pytest.raises(PermissionDenied):
        publication.publish(by=other, round_id=round_.pk)
    assert AccessLogEntry.objects.filter(staff=other, action=Action.REFUSED).count() == 1
    assert not RoundRelease.objects.exists()


def _client(staff: object) -> Client:
    client = Client()
    client.force_login(staff.user)  # type: ignore[attr-defined]
    return client


def test_publishing_and_downloading_in_the_browser(unit: dict) -> None:
    round_ = reviewed_round(unit)
    head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=unit["pdu"], with_user=True)
    client = _client(head)
    report = client.get(reverse("review-round-report", args=[round_.pk])).content.decode()
    assert reverse("review-round-publish", args=[round_.pk]) in report
    confirm = client.get(reverse("review-round-publish", args=[round_.pk]))
    assert confirm.status_code == 200 and "never changed" in confirm.content.decode()
    assert not RoundRelease.objects.exists()  # a GET publishes nothing
    response = client.post(reverse("review-round-publish", args=[round_.pk]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "review-round-release", args=[round_.pk]
    )
    release = RoundRelease.objects.get(round=round_)
    page = client.get(reverse("review-round-release", args=[round_.pk])).content.decode()
    assert release.sha256 in page and "Passed" in page
    pdf_url = reverse("review-round-release-file", args=[round_.pk, "pdf"])
    before = AccessLogEntry.objects.filter(staff=head, action=Action.EXPORT).count()
    pdf = client.get(pdf_url)
    assert (
        pdf.status_code == 200
        and pdf.content == bytes(release.pdf)
        and "attachment" in pdf["Content-Disposition"]
    )
    logged = AccessLogEntry.objects.filter(staff=head, action=Action.EXPORT)
    assert logged.count() == before + 1 and release.sha256 in logged.first().detail
    assert client.get(reverse("review-round-release-file", args=[round_.pk, "exe"])).status_code == 404
    # Publishing again changes nothing.
    client.post(reverse("review-round-publish", args=[round_.pk]))
    assert RoundRelease.objects.count() == 1

    spo = StaffMemberFactory(grade=Grade.SPO, pdu=unit["pdu"], with_user=True)
    refused_before = AccessLogEntry.objects.filter(staff=spo, action=Action.REFUSED).count()
    for url in (pdf_url, reverse("review-round-release", args=[round_.pk])):
        assert _client(spo).get(url).status_code == 403
    assert _client(spo).post(reverse("review-round-publish", args=[round_.pk])).status_code == 403
    assert AccessLogEntry.objects.filter(staff=spo, action=Action.REFUSED).count() == refused_before + 3
    other_head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, with_user=True)
    assert _client(other_head).get(pdf_url).status_code == 404
