"""A round's report, published (issue 15 item 6): its findings, estimates by ethnic group, ratings, results
against workload, agreement between reviewers and actions, protected and audited by the shared disclosure
machinery (``evenhand.disclosure``, ADR 0006) before anything is written, and stored as a release nobody can
change or delete (``RoundRelease``) with its HTML, PDF, spreadsheet and disclosure manifest.

**The cells and relations** a reader knows (``cells_of``): by ethnic group and for everyone, the cases drawn
and reviewed; by key question, the cases it applied to and those judged sufficient, by group and by the
practitioner's capacity band. The groups add up to everyone, and so do the capacity bands; the cases judged
sufficient are at most those the question applied to, which are at most the cases reviewed, which are at most
those drawn; the cases marked twice are at most those reviewed. The cases judged not sufficient are never
published but follow from two published counts, so they are implied cells, protected too.

Counts of 1 to 4 are suppressed (``[c]``) and secondary suppression is chosen by ``disclosure.protect`` so
that none can be narrowed to within 5 of its value from every table together; the auditor then attacks the
whole report by linear programming and its result is stored with the release. An estimate from a suppressed
count (a share, its interval, a comparison with White people, a rating, a kappa) is suppressed too, and so is
every comparison with a suppressed White group; the findings are worked out from what is published only.
"""

from __future__ import annotations

import gzip
import hashlib
import math
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from evenhand.audit.models import Channel
from evenhand.audit.services import log_export, log_refused_staff_view
from evenhand.core import ods
from evenhand.core.formatting import PUBLISHED_CONFIDENTIAL, PUBLISHED_NOT_APPLICABLE, PUBLISHED_NOT_AVAILABLE
from evenhand.disclosure import Cells, CellSystem, Key, Protection, Rules, manifest, protect
from evenhand.disclosure.manifest import PublishedTable
from evenhand.org.models import StaffMember

from .charts import result_figures
from .models import ActionFor, KeyQuestion, ReviewRound, RoundRelease
from .report import round_findings
from .results import BAND_LABELS, REFERENCE_GROUP, RoundCounts, RoundResults, group_label, round_results
from .selectors import RoundPage, round_actions, round_for

RULES = Rules()  # counts of 1 to 4 suppressed, open 5 either side (the equality publication's rule)
SUPPRESSED = PUBLISHED_CONFIDENTIAL
EVERYONE = ""  # the key of everyone in the round, as ``results`` keys it
# What suppressing a cell costs: everyone's figures most.
COST = {"part": 1.0, "total": 3.0}
SHORTHAND = {
    SUPPRESSED: "confidential: fewer than 5 cases, or a figure from which such a number could be worked out",
    PUBLISHED_NOT_AVAILABLE: "not available: no case to work a share or a comparison from",
    PUBLISHED_NOT_APPLICABLE: "not applicable",
}
FILES = {
    "pdf": ("application/pdf", "pdf"),
    "html": ("text/html; charset=utf-8", "html"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
    "cells": ("application/gzip", "cells.json.gz"),
}
FILE_NAMES = {
    "pdf": "Report (PDF)",
    "html": "Report (HTML)",
    "ods": "Spreadsheet (ODS)",
    "cells": "Disclosure manifest",
}


# --- the cells ---------------------------------------------------------------------------------------------


def cells_of(counts: RoundCounts, key_questions: list[str]) -> Cells:
    """Every count the report releases, with every relation a reader knows (module docstring)."""
    system = CellSystem()
    groups = counts.groups

    def cell(at: Key, value: int, *, implied: bool = False) -> Key:
        system.cell(at, value, implied=implied, cost=COST["total" if at[-1] == EVERYONE else "part"])
        return at

    for kind, values in (("drawn", counts.drawn), ("reviewed", counts.reviewed)):
        total = cell((kind, EVERYONE), values.get(EVERYONE, 0))
        system.add(total, [cell((kind, g), values.get(g, 0)) for g in groups], f"{kind}: groups add up")
    for g in [*groups, EVERYONE]:
        system.at_most([("reviewed", g)], [("drawn", g)], f"{group_label(g)}: reviewed within drawn")
    system.at_most([cell(("marked_twice",), counts.marked_twice)], [("reviewed", EVERYONE)], "marked twice")
    for number in key_questions:
        for label in [*groups, *BAND_LABELS, EVERYONE]:
            judged = counts.applicable.get((number, label), 0)
            sufficient = counts.sufficient.get((number, label), 0)
            system.add(
                cell(("judged", number, label), judged),
                [
                    cell(("sufficient", number, label), sufficient),
                    cell(("not_sufficient", number, label), judged - sufficient, implied=True),
                ],
                f"{number} {label}: sufficient and not",
            )
        for label in [*groups, EVERYONE]:
            system.at_most([("judged", number, label)], [("reviewed", label)], f"{number} {label}: judged")
        for kind in ("judged", "sufficient"):
            total = (kind, number, EVERYONE)
            system.add(total, [(kind, number, g) for g in groups], f"{number} {kind}: groups add up")
            system.add(total, [(kind, number, b) for b in BAND_LABELS], f"{number} {kind}: bands add up")
    return system.freeze()


# --- the published tables ----------------------------------------------------------------------------------


class _Writer:
    """The tables from the protected cells: a count is its value or [c]; an estimate only from published
    counts."""

    def __init__(self, protection: Protection) -> None:
        self.protection = protection
        self.cells = protection.cells

    def hidden(self, *keys: Key) -> bool:
        return any(self.protection.is_hidden(at) for at in keys)

    def count(self, at: Key) -> int | str:
        if self.hidden(at):
            return SUPPRESSED
        return int(self.cells.values[self.cells.index[at]])

    def share_hidden(self, number: str, label: str) -> bool:
        return self.hidden(("judged", number, label), ("sufficient", number, label))


def _percent(value: float | None) -> str:
    return PUBLISHED_NOT_AVAILABLE if value is None or not math.isfinite(value) else f"{100 * value:.1f}%"


def _number(value: float | None, places: int = 2) -> str:
    return PUBLISHED_NOT_AVAILABLE if value is None or not math.isfinite(value) else f"{value:.{places}f}"


def published_results(results: RoundResults, protection: Protection) -> RoundResults:
    """The results as published: no estimate, comparison or rating from a suppressed count (module
    docstring), so that the findings and charts are worked out from what is published only."""
    w = _Writer(protection)
    reference_hidden = {n: w.share_hidden(n, REFERENCE_GROUP) for n in results.key_questions}
    rows = []
    for row in results.rows:
        hidden = w.share_hidden(row.key_question, row.ethnic_group)
        compared = not (hidden or reference_hidden[row.key_question])
        rows.append(
            replace(
                row,
                estimate=None if hidden else row.estimate,
                comparison=row.comparison if compared else None,
                q_value=row.q_value if compared else None,
            )
        )
    rated = {
        g: rating
        for g, rating in results.ratings.items()
        if not any(w.share_hidden(n, g) for n in results.key_questions)
    }
    by_capacity = [
        replace(r, estimate=None if w.share_hidden(r.key_question, r.band) else r.estimate)
        for r in results.by_capacity
    ]
    agreement = results.agreement if not w.hidden(("marked_twice",)) else dict.fromkeys(results.agreement)
    return replace(results, rows=rows, ratings=rated, by_capacity=by_capacity, agreement=agreement)


def tables_of(
    results: RoundResults, protection: Protection, actions: list[tuple[str, str, str, str]]
) -> tuple[PublishedTable, ...]:
    """The report's tables, in the order of the round's report page."""
    w = _Writer(protection)
    shown = published_results(results, protection)
    groups = [*results.counts.groups, EVERYONE]
    tables = [
        _cases_table(w, groups),
        _estimates_table(w, results, shown),
        _ratings_table(w, results, shown),
        _capacity_table(w, results, shown),
        _agreement_table(w, results, shown),
    ]
    if actions:  # a sheet with no rows is left out (``core.ods``); the document says none was raised
        tables.append(
            PublishedTable(
                "Table_6",
                "Actions raised from the round",
                "Each action a finding of the round raised, whom it is for, its key question, when it is due"
                " and where it stands. Practitioners are not named.",
                ("Action for", "Key question", "Due", "Status"),
                tuple(actions),
                (),
                labels=4,
            )
        )
    return tuple(tables)


def _cases_table(w: _Writer, groups: list[str]) -> PublishedTable:
    rows, places = [], []
    for number, g in enumerate(groups):
        rows.append((group_label(g), w.count(("drawn", g)), w.count(("reviewed", g))))
        places += [(number, "Cases drawn", ("drawn", g)), (number, "Cases reviewed", ("reviewed", g))]
    return PublishedTable(
        "Table_1",
        "Cases drawn and reviewed, by ethnic group",
        "The cases the service drew at random for the round, by the person's ethnic group (smaller groups"
        " drawn more often, to reach the minimum a group), and those whose first review is submitted.",
        ("Ethnic group", "Cases drawn", "Cases reviewed"),
        tuple(rows),
        tuple(places),
    )


def _estimates_table(w: _Writer, results: RoundResults, shown: RoundResults) -> PublishedTable:
    columns = (
        "Key question",
        "Ethnic group",
        "Cases the question applied to",
        "Judged sufficient",
        "Share sufficient (weighted)",
        "Lower 95% limit",
        "Upper 95% limit",
        "Difference from White people (points)",
        "q-value",
    )
    rows, places = [], []
    for number, (row, published) in enumerate(zip(results.rows, shown.rows, strict=True)):
        judged, sufficient = (
            ("judged", row.key_question, row.ethnic_group),
            (
                "sufficient",
                row.key_question,
                row.ethnic_group,
            ),
        )
        hidden = published.estimate is None and row.estimate is not None
        estimate, comparison = published.estimate, published.comparison
        if row.ethnic_group in (EVERYONE, REFERENCE_GROUP):
            difference = q_value = PUBLISHED_NOT_APPLICABLE
        elif comparison is None:
            difference = q_value = SUPPRESSED if row.comparison is not None else PUBLISHED_NOT_AVAILABLE
        else:
            difference = _number(100 * comparison.difference, 1)
            q_value = _number(published.q_value, 3)
        rows.append(
            (
                row.key_question,
                group_label(row.ethnic_group),
                w.count(judged),
                w.count(sufficient),
                *(
                    [SUPPRESSED] * 3
                    if hidden
                    else [
                        _percent(estimate.share if estimate else None),
                        _percent(estimate.low if estimate else None),
                        _percent(estimate.high if estimate else None),
                    ]
                ),
                difference,
                q_value,
            )
        )
        places += [(number, columns[2], judged), (number, columns[3], sufficient)]
    return PublishedTable(
        "Table_2",
        "Cases judged sufficient, by key question and ethnic group",
        "Design-weighted shares of the cases a key question applied to that were judged sufficient, with 95%"
        " intervals that account for the stratified sample, and the difference from White people with its"
        " Benjamini-Hochberg q-value across the round.",
        columns,
        tuple(rows),
        tuple(places),
        labels=2,
    )


def _ratings_table(w: _Writer, results: RoundResults, shown: RoundResults) -> PublishedTable:
    rows = []
    for g, rating in results.ratings.items():
        if g not in shown.ratings:
            text = SUPPRESSED
        else:
            text = (rating or PUBLISHED_NOT_AVAILABLE).replace("_", " ").capitalize()
        rows.append((group_label(g), text))
    return PublishedTable(
        "Table_3",
        "Ratings, by ethnic group",
        f"The rating of each group's cases, from its lowest key question's share sufficient. {results.bands}",
        ("Ethnic group", "Rating"),
        tuple(rows),
        (),
        labels=2,
    )


def _capacity_table(w: _Writer, results: RoundResults, shown: RoundResults) -> PublishedTable:
    columns = (
        "Key question",
        "Practitioner's workload capacity",
        "Cases the question applied to",
        "Judged sufficient",
        "Share sufficient (weighted)",
        "Lower 95% limit",
        "Upper 95% limit",
    )
    rows, places = [], []
    for number, (row, published) in enumerate(zip(results.by_capacity, shown.by_capacity, strict=True)):
        judged, sufficient = (
            ("judged", row.key_question, row.band),
            ("sufficient", row.key_question, row.band),
        )
        estimate = published.estimate
        figures = (
            [SUPPRESSED] * 3
            if estimate is None and row.estimate is not None
            else [_percent(getattr(estimate, name, None)) for name in ("share", "low", "high")]
        )
        rows.append((row.key_question, row.band, w.count(judged), w.count(sufficient), *figures))
        places += [(number, columns[2], judged), (number, columns[3], sufficient)]
    return PublishedTable(
        "Table_4",
        "Cases judged sufficient, by the practitioner's workload at the time",
        "Design-weighted shares sufficient by the practitioner's workload capacity when the judged work was"
        " done (from the workload model). Quality that falls with overload is a finding about the system, not"
        " about practitioners.",
        columns,
        tuple(rows),
        tuple(places),
        labels=2,
    )


def _agreement_table(w: _Writer, results: RoundResults, shown: RoundResults) -> PublishedTable:
    columns = ("Key question", "Cases marked twice", "Cohen's kappa", "Lower 95% limit", "Upper 95% limit")
    rows, places = [], []
    hidden = w.hidden(("marked_twice",))
    for number, question in enumerate(results.key_questions):
        k = shown.agreement.get(question)
        figures = (
            [SUPPRESSED] * 3
            if hidden
            else [_number(getattr(k, name, None)) for name in ("kappa", "low", "high")]
        )
        rows.append((question, w.count(("marked_twice",)), *figures))
        places.append((number, columns[1], ("marked_twice",)))
    return PublishedTable(
        "Table_5",
        "Agreement between reviewers",
        "Cohen's kappa on the two independent markings of the cases marked twice, with its 95% interval.",
        columns,
        tuple(rows),
        tuple(places),
    )


# --- the report --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundPublication:
    """A round's report, protected and audited: ready to store and write."""

    round: ReviewRound
    results: RoundResults
    tables: tuple[PublishedTable, ...]
    findings: list[str]
    actions: list[tuple[str, str, str, str]]
    key_questions: list[tuple[str, str]]
    method: list[str]
    protection: Protection

    def figures(self) -> dict[str, Any]:
        """What is published, as JSON (no true value of a suppressed count)."""
        r = self.round
        return {
            "round": r.pk,
            "title": f"Case review report: {r}",
            "label": f"{r.pdu.name}, {r.period_start:%-d %B %Y} to {r.period_end:%-d %B %Y}",
            "question_set": r.question_set.title,
            "key_questions": [list(kq) for kq in self.key_questions],
            "findings": self.findings,
            "actions": len(self.actions),
            "tables": [table.as_dict() for table in self.tables],
            "charts": [
                {"id": f.id, "svg": f.chart.svg, "title": f.chart.title, "description": f.chart.description}
                for f in result_figures(published_results(self.results, self.protection))
            ],
            "method": self.method,
        }

    def audit(self) -> dict[str, Any]:
        """The auditor's result, as stored with the release."""
        result = self.protection.audit
        return {
            "passed": result.passed,
            "cells": result.cells,
            "published": result.published,
            "suppressed": result.suppressed,
            "findings": [finding.message for finding in result.findings],
            "summary": result.summary(),
            "rules": {"threshold": RULES.threshold, "lower": RULES.lower, "upper": RULES.upper},
        }


def _actions(round_: ReviewRound) -> list[tuple[str, str, str, str]]:
    """The round's actions without names or free text: whom for (a team by its name), the key question,
    when due and the status."""
    return [
        (
            "A practitioner"
            if a.action_for == ActionFor.PRACTITIONER
            else (a.team.name if a.team else "The unit"),
            a.key_question.number if a.key_question else PUBLISHED_NOT_APPLICABLE,
            f"{a.due_on:%-d %B %Y}",
            a.get_status_display(),
        )
        for a in round_actions(round_)
    ]


def _method(round_: ReviewRound, results: RoundResults, protection: Protection) -> list[str]:
    return [
        f"A stratified random sample drawn by the service from {round_.population} cases"
        f" ({round_.get_strata_display().lower()}, at least {round_.minimum_per_stratum} a group, seed"
        f" {round_.seed}); {results.sampled} drawn, {results.reviewed} reviewed. Reviewers read the cases"
        " blind to name, CRN and ethnicity.",
        "Shares are design-weighted (each reviewed case weighted by its stratum's cases over those reviewed"
        " in it: a case not yet reviewed is treated as missing at random within its stratum), with 95%"
        " intervals from the linearised variance of the ratio estimator across the strata. Differences from"
        " White people have q-values controlling the false discovery rate across the round"
        f" (Benjamini-Hochberg). {results.bands}",
        "Counts of 1 to 4 (and of the cases judged not sufficient, which are never published but follow from"
        " two published counts) are shown as [c]. A 0 is published, so every [c] is at least 1. Further counts"
        " are suppressed so that, from every table together and every relation a reader knows between the"
        " counts (groups and workload bands add up to everyone; sufficient within those a question applied"
        " to, within those reviewed, within those drawn), none can be narrowed to within 5 of its value."
        " Shares, intervals, comparisons, ratings and kappas from a suppressed count are suppressed too.",
        "Before anything was published, an attack by linear programming on every published figure worked out"
        " the smallest and largest value each suppressed count could take. " + protection.audit.summary(),
    ]


def build(page: RoundPage) -> RoundPublication:
    """The round's report, protected and audited. Raises ``disclosure.DisclosureError`` rather than give a
    table the auditor could break."""
    round_ = page.round
    results = round_results(round_)
    protection = protect(cells_of(results.counts, results.key_questions), RULES)
    actions = _actions(round_)
    return RoundPublication(
        round=round_,
        results=results,
        tables=tables_of(results, protection, actions),
        actions=actions,
        findings=round_findings(published_results(results, protection)),
        key_questions=list(
            KeyQuestion.objects.filter(question_set=round_.question_set)
            .order_by("position")
            .values_list("number", "text")
        ),
        method=_method(round_, results, protection),
        protection=protection,
    )


# --- the files ---------------------------------------------------------------------------------------------


def render_html(figures: dict[str, Any], *, published_on: Any = None) -> str:
    """The report as one self-contained HTML document (also what the PDF is printed from)."""
    return render_to_string(
        "review/report_document.html",
        {"figures": figures, "published_on": published_on, "shorthand": SHORTHAND},
    )


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported when needed: loading it costs a second at start-up

    return bytes(HTML(string=html).write_pdf())


def render_ods(figures: dict[str, Any], *, published_on: Any = None) -> bytes:
    cover = [
        ("About these statistics", f"{figures['title']}, {figures['label']}. {figures['question_set']}."),
        ("Key questions", "\n".join(f"{number}: {text}" for number, text in figures["key_questions"])),
        ("Findings", "\n".join(figures["findings"]) or "No finding."),
        ("Methodology", "\n".join(figures["method"])),
    ]
    if published_on is not None:
        cover.append(("Published", f"{published_on:%-d %B %Y} by Evenhand."))
    return ods.ods_bytes(
        title=figures["title"],
        cover=cover,
        notes=[],
        tables=ods.tables_of(figures["tables"]),
        shorthand=SHORTHAND,
    )


# --- publishing and reading ------------------------------------------------------------------------------


def _head_round(viewer: StaffMember, round_id: int, channel: Channel, what: str) -> RoundPage:
    """The round, for the head of its PDU; anyone else is refused, and the refusal logged."""
    try:
        return round_for(viewer, round_id)
    except PermissionDenied:
        log_refused_staff_view(staff=viewer, channel=channel, detail=f"{what} of review round {round_id}")
        raise


def publish(*, by: StaffMember, round_id: int, channel: Channel = Channel.UI) -> RoundRelease:
    """Publish a round's report, once and for good: built, protected, audited, rendered and stored with the
    audit's result. Refused (``PermissionDenied``, logged) for anyone but the head of the round's PDU;
    (``ValidationError``) before any review is submitted and for a round already published; raises
    ``DisclosureError`` if it cannot be protected."""
    page = _head_round(by, round_id, channel, "Publishing the report")  # the refusal's log outlives it
    return _publish(page, by)


@transaction.atomic
def _publish(page: RoundPage, by: StaffMember) -> RoundRelease:
    if not page.submitted:
        raise ValidationError(
            {"round": "The report is published once the round has results: no review is in"}
        )
    existing = RoundRelease.objects.filter(round=page.round).first()
    if existing is not None:
        raise ValidationError(
            {
                "round": f"The round's report was published on {existing.published_at:%-d %B %Y};"
                " a published report is never changed"
            }
        )
    publication = build(page)
    day = timezone.localdate()
    figures = publication.figures()
    html = render_html(figures, published_on=day)
    pdf = render_pdf(html)
    spreadsheet = render_ods(figures, published_on=day)
    cells = manifest.of_release(publication.protection, publication.tables)
    digest = hashlib.sha256()
    for part in (html.encode(), pdf, spreadsheet, gzip.decompress(cells)):
        digest.update(hashlib.sha256(part).digest())
    try:
        with transaction.atomic():
            return RoundRelease.objects.create(
                round=page.round,
                published_by=by,
                figures=figures,
                audit=publication.audit(),
                html=html,
                pdf=pdf,
                ods=spreadsheet,
                manifest=cells,
                sha256=digest.hexdigest(),
            )
    except IntegrityError:
        raise ValidationError({"round": "The round's report has just been published"}) from None


def release_of(viewer: StaffMember, round_id: int) -> tuple[RoundPage, RoundRelease | None]:
    """The round and its published report without the files, or None before it is published (the head of
    its PDU only, refusals logged)."""
    page = _head_round(viewer, round_id, Channel.UI, "The published report")
    release = (
        RoundRelease.objects.select_related("published_by")
        .defer("html", "pdf", "ods", "manifest")
        .filter(round=page.round)
        .first()
    )
    return page, release


def release_file(
    viewer: StaffMember, round_id: int, kind: str, channel: Channel = Channel.UI
) -> tuple[str, bytes] | None:
    """One file of the round's published report (``pdf``, ``html``, ``ods`` or ``cells``) exactly as stored
    and its file name, with the download in the access log; None when it is not published. For the head of
    the round's PDU (``PermissionDenied``, logged, for anyone else)."""
    page = _head_round(viewer, round_id, channel, f"Downloading the {kind} report")
    release = RoundRelease.objects.filter(round=page.round).first()
    if release is None or kind not in FILES:
        return None
    data = {
        "pdf": lambda: bytes(release.pdf),
        "html": lambda: release.html.encode(),
        "ods": lambda: bytes(release.ods),
        "cells": lambda: bytes(release.manifest),
    }[kind]()
    log_export(
        staff=viewer,
        channel=channel,
        detail=f"Review round {round_id} report, {kind} (sha256 {release.sha256})",
    )
    return f"review-round-{round_id}.{FILES[kind][1]}", data
