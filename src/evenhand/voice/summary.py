"""The quarterly summary of staff concerns (issue 16 item 7): what came in, how it was handled and what
came of it, published so that nobody who raised a concern, and nobody named in one, can be picked out.

What it counts, for one quarter (``Quarter``):

- **received**: concerns received in the quarter, by kind and by region (nothing finer: a concern's PDU is
  only in what the reporter wrote, which is encrypted and never counted);
- **closed**: concerns closed in the quarter, by outcome category, by kind, by region and by kind within
  region, with how many were upheld (upheld or partly upheld), and by time from receipt to the outcome;
- **acknowledged**: concerns acknowledged in the quarter, by time from receipt to acknowledgement;
- **fairness ratings** given in the quarter: for each of the five questions, how many rated it 4 or 5, and
  the mean score;
- **themes**: concerns closed in the quarter carrying each handler-assigned theme (a concern can carry
  several, so themes do not add up to the total).

Never by anything about the person who raised a concern: the concern holds nothing about them (no grade,
ethnic group or other characteristic), so there is nothing to break it down by. The staff survey asks its
respondents those questions and publishes its own results, with the same minimum cell (``surveys``).

**Disclosure control** is the shared machinery's (``evenhand.disclosure``, ADR 0006): every count is one
cell of one system with the relations a reader knows (kinds and regions add up to the total; kinds within a
region to the region and to the kind; upheld and not upheld to the closed; categories, time bands and the
upheld categories to their totals; a theme's count is at most the closed total). Counts of 1 to 9
(``RULES``), published or implied (the closed concerns not upheld), are suppressed; secondary suppression is
chosen by ``disclosure.protect`` so that no suppressed count can be narrowed to within 10 of its value from
everything published, and the auditor attacks the result before anything is shown. Zeros are published.

A published quarter is frozen (``SummaryRelease``): its figures, HTML, PDF, spreadsheet and the disclosure
manifest are stored once and never changed; publishing it again is refused.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone

from evenhand.core import ods
from evenhand.core.formatting import (
    PUBLISHED_CONFIDENTIAL,
    PUBLISHED_NOT_APPLICABLE,
    PUBLISHED_NOT_AVAILABLE,
)
from evenhand.disclosure import Cells, CellSystem, Key, Protection, Rules, manifest, protect
from evenhand.disclosure.manifest import PublishedTable
from evenhand.org.access import ensure_current
from evenhand.org.models import Region, StaffMember

from .models import (
    Concern,
    ConcernKind,
    FairnessRating,
    HandlerMembership,
    OutcomeCategory,
    SummaryRelease,
    Theme,
)

# The minimum cell: any breakdown of fewer than 10 concerns is suppressed, and stays open 10 either side.
RULES = Rules(threshold=10, lower=10, upper=10)
SUPPRESSED = PUBLISHED_CONFIDENTIAL
ALL = "all"
NOT_GIVEN = "not_given"
UPHELD = (OutcomeCategory.UPHELD, OutcomeCategory.PARTLY_UPHELD)
GOOD_FROM = 4  # a rating of 4 or 5 counts as good
# What suppressing a cell costs: the totals most, a kind or a region less, a kind within a region least.
COST = {ALL: 4.0, "kind": 2.0, "region": 2.0, "kind_region": 1.0}

# Days from receipt: (code, label, first day, last day or None).
ACK_BANDS = (
    ("within_7", "Within 7 days", 0, 7),
    ("8_to_14", "8 to 14 days", 8, 14),
    ("over_14", "More than 14 days", 15, None),
)
OUTCOME_BANDS = (
    ("within_30", "Within 30 days", 0, 30),
    ("31_to_91", "31 days to 3 months (91 days)", 31, 91),
    ("over_91", "More than 3 months", 92, None),
)
RATING_QUESTIONS = {
    "heard": "I was listened to and heard",
    "neutrality": "The people handling it were neutral",
    "respect": "I was treated with respect",
    "outcome": "The outcome was fair",
    "time_taken": "The time it took was reasonable",
}
SHORTHAND = {
    SUPPRESSED: "confidential: fewer than 10 concerns, or a figure from which such a number could be worked out",
    PUBLISHED_NOT_AVAILABLE: "not available: no concerns to work a percentage or an average from",
    PUBLISHED_NOT_APPLICABLE: "not applicable",
}
_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*Q\s*([1-4])\s*$", re.IGNORECASE)
MONTHS: tuple[str, ...] = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


def today() -> dt.date:
    return timezone.localdate()


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter: 2026Q3 is July to September 2026."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``2026Q3`` (or ``2026 Q3``); ``ValueError`` with a message naming what to enter otherwise."""
        match = _QUARTER.match(str(text))
        if not match or not 2000 <= int(match.group(1)) <= 2999:
            raise ValueError(f"Enter a quarter as a year and Q1 to Q4, like 2026Q3, not {str(text)[:20]!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        return self.next().start - dt.timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    @property
    def label(self) -> str:
        first, last = MONTHS[3 * self.number - 3], MONTHS[3 * self.number - 1]
        return f"{first} to {last} {self.year}"

    def __str__(self) -> str:
        return self.code


def _band(days: int, bands: Sequence[tuple[str, str, int, int | None]]) -> str:
    for code, _, first, last in bands:
        if days >= first and (last is None or days <= last):
            return code
    raise ValueError(f"{days} days falls in no band")


# --- the counts --------------------------------------------------------------------------------------------


@dataclass
class Counts:
    """A quarter's counts, straight from the database (nothing suppressed yet). Keys are cell keys."""

    quarter: Quarter
    kinds: list[tuple[str, str]]  # (code, name)
    regions: list[tuple[str, str]]  # (code, name), with NOT_GIVEN last
    themes: list[tuple[str, str]]
    values: Counter[Key] = field(default_factory=Counter)
    ack_days: list[int] = field(default_factory=list)
    outcome_days: list[int] = field(default_factory=list)
    scores: dict[str, list[int]] = field(default_factory=dict)


def count_quarter(quarter: Quarter) -> Counts:
    """The quarter's counts, in a few grouped queries (each bounded by the quarter)."""
    span = (quarter.start, quarter.end)
    kinds = [(k.code, k.name) for k in ConcernKind.objects.order_by("position", "name")]
    regions = [(r.code, r.name) for r in Region.objects.order_by("name")] + [(NOT_GIVEN, "Region not given")]
    themes = [(t.code, t.name) for t in Theme.objects.order_by("name")]
    counts = Counts(quarter=quarter, kinds=kinds, regions=regions, themes=themes)
    values = counts.values

    def region_of(code: str | None) -> str:
        return code or NOT_GIVEN

    received = (
        Concern.objects.filter(received_on__range=span)
        .values_list("kind__code", "region__code")
        .annotate(n=Count("pk"))
    )
    for kind, region, n in received:
        values["received", ALL, ALL] += n
        values["received", "kind", kind] += n
        values["received", "region", region_of(region)] += n
    closed = Concern.objects.filter(closed_on__range=span).values_list(
        "kind__code", "region__code", "outcome_category", "received_on", "closed_on"
    )
    for kind, region, category, received_on, closed_on in closed:
        region = region_of(region)
        upheld = category in UPHELD
        for dimension, level in ((ALL, ALL), ("kind", kind), ("region", region)):
            values["closed", dimension, level] += 1
            values["upheld", dimension, level] += upheld
        values["closed", "kind_region", f"{kind}|{region}"] += 1
        values["upheld", "kind_region", f"{kind}|{region}"] += upheld
        values["outcome", "category", category] += 1
        days = (closed_on - received_on).days  # type: ignore[operator]  # filtered on closed_on
        counts.outcome_days.append(days)
        values["outcome_time", "band", _band(days, OUTCOME_BANDS)] += 1
    acknowledged = Concern.objects.filter(acknowledged_on__range=span).values_list(
        "received_on", "acknowledged_on"
    )
    for received_on, acknowledged_on in acknowledged:
        days = (acknowledged_on - received_on).days  # type: ignore[operator]  # filtered on it
        counts.ack_days.append(days)
        values["acknowledged", ALL, ALL] += 1
        values["acknowledged", "band", _band(days, ACK_BANDS)] += 1
    ratings = FairnessRating.objects.filter(rated_on__range=span).values_list(*FairnessRating.DIMENSIONS)
    counts.scores = {name: [] for name in FairnessRating.DIMENSIONS}
    for row in ratings:
        values["rated", ALL, ALL] += 1
        for name, score in zip(FairnessRating.DIMENSIONS, row, strict=True):
            counts.scores[name].append(score)
            values["good", "rating", name] += score >= GOOD_FROM
    tagged = (
        Concern.themes.through.objects.filter(concern__closed_on__range=span)
        .values_list("theme__code")
        .annotate(n=Count("concern", distinct=True))
    )
    for theme, n in tagged:
        values["theme", "theme", theme] = n
    return counts


def _cost(key: Key) -> float:
    return COST.get(str(key[1]), 4.0)


def cells_of(counts: Counts) -> Cells:
    """The quarter as one system of cells with every relation a reader knows (see the module docstring)."""
    system = CellSystem()
    values = counts.values
    kinds = [code for code, _ in counts.kinds]
    regions = [code for code, _ in counts.regions]

    def cell(key: Key, *, implied: bool = False) -> Key:
        system.cell(key, values[key], implied=implied, cost=_cost(key))
        return key

    received = cell(("received", ALL, ALL))
    system.add(received, [cell(("received", "kind", k)) for k in kinds], name="received: kinds to the total")
    system.add(
        received, [cell(("received", "region", r)) for r in regions], name="received: regions to the total"
    )
    # Closed and upheld (and, implied, not upheld) at every level: the total, each kind, each region, each
    # kind within each region.
    levels: list[tuple[str, str]] = [(ALL, ALL)]
    levels += [("kind", k) for k in kinds] + [("region", r) for r in regions]
    levels += [("kind_region", f"{k}|{r}") for k in kinds for r in regions]
    for dimension, level in levels:
        closed = cell(("closed", dimension, level))
        upheld = cell(("upheld", dimension, level))
        values["not_upheld", dimension, level] = values[closed] - values[upheld]
        not_upheld = cell(("not_upheld", dimension, level), implied=True)
        system.add(closed, [upheld, not_upheld], name=f"{dimension} {level}: upheld and not")
    for measure in ("closed", "upheld"):
        whole = (measure, ALL, ALL)
        system.add(whole, [(measure, "kind", k) for k in kinds], name=f"{measure}: kinds to the total")
        system.add(whole, [(measure, "region", r) for r in regions], name=f"{measure}: regions to the total")
        for k in kinds:
            system.add((measure, "kind", k), [(measure, "kind_region", f"{k}|{r}") for r in regions])
        for r in regions:
            system.add((measure, "region", r), [(measure, "kind_region", f"{k}|{r}") for k in kinds])
    closed_all = ("closed", ALL, ALL)
    system.add(closed_all, [cell(("outcome", "category", c)) for c in OutcomeCategory.values])
    system.add(("upheld", ALL, ALL), [("outcome", "category", c) for c in UPHELD])
    system.add(closed_all, [cell(("outcome_time", "band", b)) for b, *_ in OUTCOME_BANDS])
    acknowledged = cell(("acknowledged", ALL, ALL))
    system.add(acknowledged, [cell(("acknowledged", "band", b)) for b, *_ in ACK_BANDS])
    rated = cell(("rated", ALL, ALL))
    for name in FairnessRating.DIMENSIONS:
        values["not_good", "rating", name] = values[rated] - values["good", "rating", name]
        system.add(rated, [cell(("good", "rating", name)), cell(("not_good", "rating", name), implied=True)])
    for code, _ in counts.themes:
        system.at_most([cell(("theme", "theme", code))], [closed_all], name=f"theme {code} within the closed")
    return system.freeze()


# --- the published tables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """A quarter's summary, protected and audited: ready to show or publish."""

    quarter: Quarter
    tables: tuple[PublishedTable, ...]
    method: tuple[str, ...]
    protection: Protection
    counts: Counts

    def figures(self) -> dict[str, Any]:
        """What is published, as JSON: the tables and the methodology (no true value of a suppressed cell)."""
        return {
            "quarter": self.quarter.code,
            "label": self.quarter.label,
            "tables": [table.as_dict() for table in self.tables],
            "method": list(self.method),
        }

    def table(self, sheet: str) -> PublishedTable:
        return next(table for table in self.tables if table.sheet == sheet)


class _Writer:
    """Builds the tables from the protected cells: a count is its value or [c]; a share or an average only
    from published counts."""

    def __init__(self, protection: Protection) -> None:
        self.protection = protection
        self.cells = protection.cells

    def count(self, key: Key) -> int | str:
        if self.protection.is_hidden(key):
            return SUPPRESSED
        return int(self.cells.values[self.cells.index[key]])

    def percent(self, part: Key, whole: Key) -> str:
        top, bottom = self.count(part), self.count(whole)
        if isinstance(top, str) or isinstance(bottom, str):
            return SUPPRESSED
        if bottom == 0:
            return PUBLISHED_NOT_AVAILABLE
        return f"{100 * top / bottom:.0f}%"

    def table(
        self,
        sheet: str,
        title: str,
        description: str,
        columns: Sequence[str],
        rows: Iterable[tuple[Sequence[Any], Sequence[Key | None]]],
        labels: int = 1,
    ) -> PublishedTable:
        """``rows``: (cells shown, the key of each cell that is a count or None), column by column; the first
        ``labels`` columns name the row."""
        shown: list[tuple[Any, ...]] = []
        places: list[tuple[int, str, Key]] = []
        for number, (values, keys) in enumerate(rows):
            shown.append(tuple(values))
            for column, key in zip(columns, keys, strict=True):
                if key is not None:
                    places.append((number, column, key))
        return PublishedTable(sheet, title, description, tuple(columns), tuple(shown), tuple(places), labels)


def _median(days: list[int], total: int | str) -> str:
    if isinstance(total, str):
        return SUPPRESSED
    if not days:
        return PUBLISHED_NOT_AVAILABLE
    return f"{statistics.median(days):g} days"


def tables_of(counts: Counts, protection: Protection) -> tuple[PublishedTable, ...]:
    w = _Writer(protection)
    kinds, regions = counts.kinds, counts.regions
    c = w.count
    tables = [
        w.table(
            "Table_1",
            "Concerns received, by kind",
            "Concerns received in the quarter, by what they are about.",
            ("Kind of concern", "Concerns received"),
            [
                ([name, c(("received", "kind", code))], [None, ("received", "kind", code)])
                for code, name in kinds
            ]
            + [(["All concerns", c(("received", ALL, ALL))], [None, ("received", ALL, ALL)])],
        ),
        w.table(
            "Table_2",
            "Concerns received, by region",
            "Concerns received in the quarter, by the region the reporter gave (nothing finer is published).",
            ("Region", "Concerns received"),
            [
                ([name, c(("received", "region", code))], [None, ("received", "region", code)])
                for code, name in regions
            ]
            + [(["All regions", c(("received", ALL, ALL))], [None, ("received", ALL, ALL)])],
        ),
        w.table(
            "Table_3",
            "Concerns closed, by outcome",
            "Concerns closed in the quarter, by the category of the outcome written to the reporter.",
            ("Outcome", "Concerns closed", "Percentage of those closed"),
            [
                (
                    [
                        label,
                        c(("outcome", "category", code)),
                        w.percent(("outcome", "category", code), ("closed", ALL, ALL)),
                    ],
                    [None, ("outcome", "category", code), None],
                )
                for code, label in OutcomeCategory.choices
            ]
            + [(["All outcomes", c(("closed", ALL, ALL)), "100%"], [None, ("closed", ALL, ALL), None])],
        ),
    ]

    def upheld_row(kind: str, region: str, dimension: str, level: str) -> tuple[list[Any], list[Key | None]]:
        closed, upheld = ("closed", dimension, level), ("upheld", dimension, level)
        return (
            [kind, region, c(closed), c(upheld), w.percent(upheld, closed)],
            [None, None, closed, upheld, None],
        )

    rows = [upheld_row("All kinds", "All regions", ALL, ALL)]
    rows += [upheld_row(name, "All regions", "kind", code) for code, name in kinds]
    rows += [upheld_row("All kinds", name, "region", code) for code, name in regions]
    rows += [
        upheld_row(kind_name, region_name, "kind_region", f"{kind}|{region}")
        for kind, kind_name in kinds
        for region, region_name in regions
    ]
    tables.append(
        w.table(
            "Table_4",
            "Concerns closed and upheld, by kind and region",
            "Concerns closed in the quarter, and how many were upheld or partly upheld, by kind and by region.",
            ("Kind of concern", "Region", "Concerns closed", "Upheld or partly upheld", "Percentage upheld"),
            rows,
            labels=2,
        )
    )
    ack_total = c(("acknowledged", ALL, ALL))
    tables.append(
        w.table(
            "Table_5",
            "Time to acknowledgement",
            "Concerns acknowledged in the quarter, by days from receipt (the target is 7 days). Median: "
            f"{_median(counts.ack_days, ack_total)}.",
            ("Days from receipt", "Concerns acknowledged", "Percentage"),
            [
                (
                    [
                        label,
                        c(("acknowledged", "band", code)),
                        w.percent(("acknowledged", "band", code), ("acknowledged", ALL, ALL)),
                    ],
                    [None, ("acknowledged", "band", code), None],
                )
                for code, label, *_ in ACK_BANDS
            ]
            + [(["All acknowledged", ack_total, "100%"], [None, ("acknowledged", ALL, ALL), None])],
        )
    )
    closed_total = c(("closed", ALL, ALL))
    tables.append(
        w.table(
            "Table_6",
            "Time to outcome",
            "Concerns closed in the quarter, by days from receipt to the outcome (feedback is due within 3"
            f" months). Median: {_median(counts.outcome_days, closed_total)}.",
            ("Days from receipt", "Concerns closed", "Percentage"),
            [
                (
                    [
                        label,
                        c(("outcome_time", "band", code)),
                        w.percent(("outcome_time", "band", code), ("closed", ALL, ALL)),
                    ],
                    [None, ("outcome_time", "band", code), None],
                )
                for code, label, *_ in OUTCOME_BANDS
            ]
            + [(["All closed", closed_total, "100%"], [None, ("closed", ALL, ALL), None])],
        )
    )
    rated = c(("rated", ALL, ALL))
    rating_rows = []
    for name in FairnessRating.DIMENSIONS:
        scores = counts.scores.get(name, [])
        if isinstance(rated, str):
            mean = SUPPRESSED
        elif not scores:
            mean = PUBLISHED_NOT_AVAILABLE
        else:
            mean = f"{statistics.fmean(scores):.1f}"
        rating_rows.append(
            (
                [
                    RATING_QUESTIONS[name],
                    rated,
                    c(("good", "rating", name)),
                    w.percent(("good", "rating", name), ("rated", ALL, ALL)),
                    mean,
                ],
                [None, ("rated", ALL, ALL), ("good", "rating", name), None, None],
            )
        )
    tables.append(
        w.table(
            "Table_7",
            "Fairness ratings",
            "Ratings given in the quarter by people whose concern was closed, from 1 (poor) to 5 (good).",
            ("Question", "Ratings given", "Rated 4 or 5", "Percentage rated 4 or 5", "Average (1 to 5)"),
            rating_rows,
        )
    )
    tables.append(
        w.table(
            "Table_8",
            "Themes",
            "Concerns closed in the quarter with each theme a handler tagged them with. A concern can have"
            " several themes or none, so the themes do not add up to the concerns closed.",
            ("Theme", "Concerns closed with this theme", "Percentage of those closed"),
            [
                (
                    [
                        name,
                        c(("theme", "theme", code)),
                        w.percent(("theme", "theme", code), ("closed", ALL, ALL)),
                    ],
                    [None, ("theme", "theme", code), None],
                )
                for code, name in counts.themes
            ],
        )
    )
    return tuple(tables)


def methodology(protection: Protection) -> tuple[str, ...]:
    rules = protection.rules
    return (
        "Concerns are counted by what they are about and by region, never by anything about the people who"
        " raised them: a concern records nothing about its reporter. Nothing finer than a region is published."
        " A concern received in the quarter is counted in Tables 1 and 2; one closed in the quarter in Tables"
        " 3, 4, 6 and 8; one acknowledged in the quarter in Table 5; a rating given in the quarter in Table 7.",
        f"Counts of 1 to {rules.threshold - 1} concerns (and of the concerns closed but not upheld, which are"
        " never published but follow from two published counts) are shown as [c]. A 0 is published, so every"
        " [c] is at least 1. Further counts are suppressed so that, from everything published and every"
        " relation a reader knows between the counts (kinds and regions add up to the total, kinds within a"
        " region to the region and to the kind, upheld and not upheld to the closed, outcomes and time bands to"
        " the closed, a theme is at most the closed), none of them can be narrowed to within"
        f" {rules.upper} of its value. Percentages and averages from a suppressed count are suppressed too.",
        "Before anything was published, an attack by linear programming on every published figure worked out"
        " the smallest and largest value each suppressed count could take. " + protection.audit.summary(),
    )


def build(quarter: Quarter) -> Summary:
    """The quarter's summary, protected and audited. Raises ``disclosure.DisclosureError`` rather than give
    a table the auditor could break."""
    counts = count_quarter(quarter)
    protection = protect(cells_of(counts), RULES)
    return Summary(
        quarter=quarter,
        tables=tables_of(counts, protection),
        method=methodology(protection),
        protection=protection,
        counts=counts,
    )


# --- the files ---------------------------------------------------------------------------------------------


def render_html(figures: dict[str, Any], *, published_on: dt.date | None = None) -> str:
    """The summary as one self-contained HTML document (also what the PDF is printed from)."""
    return render_to_string(
        "voice/summary_document.html",
        {"figures": figures, "published_on": published_on, "shorthand": SHORTHAND},
    )


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=html).write_pdf())


def render_ods(figures: dict[str, Any], *, published_on: dt.date | None = None) -> bytes:
    cover = [
        (
            "About these statistics",
            f"Concerns raised by staff through Evenhand's safe voice channel, {figures['label']}: what came in,"
            " how long handling took, what came of it and how the people who raised them rated it.",
        ),
        ("Methodology", "\n".join(figures["method"])),
    ]
    if published_on is not None:
        cover.append(("Published", f"{published_on:%-d %B %Y} by Evenhand."))
    return ods.ods_bytes(
        title=f"Staff concerns, {figures['label']}",
        cover=cover,
        notes=[],
        tables=ods.tables_of(figures["tables"]),
        shorthand=SHORTHAND,
    )


def render_manifest(summary: Summary) -> bytes:
    """The disclosure manifest (``disclosure.manifest``): what a reader knows, for anyone to attack again."""
    return manifest.of_release(summary.protection, summary.tables)


# --- publishing --------------------------------------------------------------------------------------------


def may_publish(staff: StaffMember) -> bool:
    """A lead of a handler group publishes the summary: the handlers' unit, outside line management."""
    return HandlerMembership.objects.filter(staff=staff, is_lead=True, ended_on__isnull=True).exists()


@transaction.atomic
def publish(*, quarter: Quarter, by: StaffMember, on: dt.date | None = None) -> SummaryRelease:
    """Publish the quarter's summary, once and for good: built, protected, audited, rendered and stored.

    Refused (``ValidationError``) before the quarter has ended, and for a quarter already published (a
    published summary is never changed); refused (``PermissionDenied``) for anyone but a handler group's
    lead."""
    ensure_current(by)
    if not may_publish(by):
        raise PermissionDenied("Only the lead of a handler group publishes the summary of concerns.")
    day = on or today()
    if day <= quarter.end:
        raise ValidationError(
            {
                "quarter": f"The summary for {quarter.label} can be published once the quarter ends on {quarter.end:%-d %B %Y}"
            }
        )
    existing = SummaryRelease.objects.filter(quarter=quarter.code).first()
    if existing is not None:
        raise ValidationError(
            {
                "quarter": f"The summary for {quarter.label} was published on {existing.published_on:%-d %B %Y};"
                " a published summary is never changed"
            }
        )
    summary = build(quarter)
    figures = summary.figures()
    html = render_html(figures, published_on=day)
    pdf = render_pdf(html)
    spreadsheet = render_ods(figures, published_on=day)
    cells = render_manifest(summary)
    digest = hashlib.sha256()
    for part in (html.encode(), pdf, spreadsheet, gzip.decompress(cells)):
        digest.update(hashlib.sha256(part).digest())
    try:
        with transaction.atomic():
            return SummaryRelease.objects.create(
                quarter=quarter.code,
                starts_on=quarter.start,
                ends_on=quarter.end,
                published_on=day,
                published_by=by,
                figures=figures,
                html=html,
                pdf=pdf,
                ods=spreadsheet,
                manifest=cells,
                sha256=digest.hexdigest(),
            )
    except IntegrityError:
        raise ValidationError(
            {"quarter": f"The summary for {quarter.label} has just been published"}
        ) from None


# --- reading what was published ----------------------------------------------------------------------------


def releases() -> list[SummaryRelease]:
    """Every published summary, newest first (without the files)."""
    return list(SummaryRelease.objects.defer("html", "pdf", "ods", "manifest", "figures"))


def release(code: str) -> SummaryRelease | None:
    """One published summary by its quarter (``2026Q3``), or None (a malformed quarter is not found)."""
    try:
        quarter = Quarter.parse(code)
    except ValueError:
        return None
    return SummaryRelease.objects.filter(quarter=quarter.code).first()
