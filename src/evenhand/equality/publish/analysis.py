"""``evenhand equality analyse … --publish DIR``: an analysis of a file published with disclosure control.

The same building blocks and rules as the service's own equality publication (:mod:`.report`): every
count the publication shows (people and people with the outcome per group, per unit and group, per period
and group, and the totals; the people without the outcome as implied counts) is one cell of one
:class:`~evenhand.disclosure.CellSystem`, with the relations a reader knows (groups add up to the total;
units and, when every record has a period, periods add up to the group; a group's people are its people
with and without the outcome; outcomes over the same people share their counts).
:func:`~evenhand.disclosure.protect` suppresses counts of 1 to 4 (primary) and the further counts that
would let one be worked out (secondary), and attacks the result by linear programming before anything is
written. Rates, ratios, tests and adjusted figures from a suppressed count, or compared with a reference
whose count is suppressed, are ``[c]`` too. Written, into a new folder that appears whole or not at all:
an HTML report with the methodology, its PDF (WeasyPrint), an ODS spreadsheet laid out as the Analysis
Function asks (cover, contents, notes, one table per sheet), one CSV per table and the disclosure manifest
(``analysis-cells.json.gz``) that ``evenhand equality audit DIR`` attacks again from the files alone.

No Django import.
"""

import datetime as dt
import functools
import os
import shutil
import tempfile
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evenhand.core import formatting
from evenhand.disclosure import CellSystem, DisclosureError, Key, Protection, manifest, protect
from evenhand.disclosure.rules import SUPPRESSED

from ..reading import AnalysisError

if TYPE_CHECKING:
    from ..analyse import Analysis

STEM = "analysis"
NOT_AVAILABLE = formatting.PUBLISHED_NOT_AVAILABLE


@dataclass
class PublishedTable:
    sheet: str
    title: str
    description: str
    frame: pd.DataFrame
    places: list[tuple[int, str, Key]] = field(default_factory=list)

    @property
    def file_stem(self) -> str:
        return self.sheet.lower().replace("_", "-")


def check_folder(out: Path) -> None:
    """Refuse a folder that cannot be published into, before any work is done."""
    from ..analyse import require_utf8

    require_utf8(str(out), "--publish")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise AnalysisError(f"--publish {out} already exists and is not an empty folder: choose a new folder")
    if not out.resolve().parent.is_dir():
        raise AnalysisError(f"--publish: the folder {out.resolve().parent} does not exist")


# Cells ---------------------------------------------------------------------------------------------------


def _key(kind: str, outcome: int, *where: Hashable) -> Key:
    return (kind, outcome, *where)


def cells_of(analyses: Sequence["Analysis"]) -> CellSystem:
    """Every count the publication shows, with the relations between them."""
    system = CellSystem()
    for number, analysis in enumerate(analyses):
        groups = analysis.groups
        names = [str(name) for name in groups.index]
        total_n, total_e = int(groups["n"].sum()), int(groups["events"].sum())
        _row(system, number, ("all",), total_n, total_e)
        for name, row in groups.iterrows():
            _row(system, number, ("group", str(name)), int(row["n"]), int(row["events"]))
        system.add(
            _key("n", number, "all"), [_key("n", number, "group", name) for name in names], "groups add up"
        )
        system.add(
            _key("events", number, "all"),
            [_key("events", number, "group", name) for name in names],
            "groups add up",
        )
        if analysis.units is not None:
            by_group: dict[str, list[str]] = {}
            for _, row in analysis.units.iterrows():
                _row(
                    system,
                    number,
                    ("unit", str(row["unit"]), str(row["group"])),
                    int(row["n"]),
                    int(row["observed"]),
                )
                by_group.setdefault(str(row["group"]), []).append(str(row["unit"]))
            for group, units in by_group.items():
                for kind in ("n", "events"):
                    system.add(
                        _key(kind, number, "group", group),
                        [_key(kind, number, "unit", unit, group) for unit in units],
                        "units add up to the group",
                    )
        if analysis.trend is not None and len(analysis.trend):
            by_group = {}
            for _, row in analysis.trend.iterrows():
                _row(
                    system,
                    number,
                    ("period", str(row["period"]), str(row["group"])),
                    int(row["n"]),
                    int(row["events"]),
                )
                by_group.setdefault(str(row["group"]), []).append(str(row["period"]))
            sums = analysis.trend.groupby("group")[["n", "events"]].sum()
            for group, periods in by_group.items():
                for kind in ("n", "events"):
                    parts = [_key(kind, number, "period", period, group) for period in periods]
                    whole = _key(kind, number, "group", group)
                    # When the periods hold everyone in the group, a reader can take them to add up.
                    if sums.loc[group, kind] == analysis.groups.loc[group, kind]:
                        system.add(whole, parts, "periods add up to the group")
                    else:
                        system.at_most(parts, [whole], "periods are part of the group")
    # Outcomes over the same people share their counts of people.
    for number, analysis in enumerate(analyses[1:], start=1):
        first = analyses[0]
        if analysis.rows["outcome_null"] == 0 and first.rows["outcome_null"] == 0:
            for name in ["all", *[str(n) for n in first.groups.index]]:
                where = ("all",) if name == "all" else ("group", name)
                system.equal(_key("n", 0, *where), _key("n", number, *where), "outcomes on the same people")
    return system


def _row(system: CellSystem, number: int, where: tuple[Hashable, ...], n: int, events: int) -> None:
    system.cell(_key("n", number, *where), n, cost=1.0 + n / 1e6)
    system.cell(_key("events", number, *where), events, cost=1.0 + events / 1e6)
    system.cell(_key("none", number, *where), n - events, implied=True)
    system.add(
        _key("n", number, *where),
        [_key("events", number, *where), _key("none", number, *where)],
        "with and without",
    )


# Tables --------------------------------------------------------------------------------------------------

GROUP_COLUMNS = {
    "n": "People",
    "events": "People with the outcome",
    "rate": "Rate",
    "rate_low": "Rate, lower 95% limit",
    "rate_high": "Rate, upper 95% limit",
    "relative_rate": "Relative rate",
    "relative_rate_low": "Relative rate, lower 95% limit",
    "relative_rate_high": "Relative rate, upper 95% limit",
    "odds_ratio": "Odds ratio",
    "p_value": "p-value",
    "q_value": "q-value",
    "flagged": "Disparity flagged",
}
ADJUSTED_COLUMNS = {
    "adjusted_relative_rate": "Adjusted relative rate",
    "adjusted_relative_rate_low": "Adjusted relative rate, lower 95% limit",
    "adjusted_relative_rate_high": "Adjusted relative rate, upper 95% limit",
    "adjusted_odds_ratio": "Adjusted odds ratio",
    "adjusted_q_value": "q-value (adjusted)",
    "adjusted_flagged": "Disparity flagged (adjusted)",
}
UNIT_COLUMNS = {
    "n": "People",
    "observed": "People with the outcome",
    "expected": "Expected (national model)",
    "ratio": "Observed / expected",
    "q_value": "q-value",
    "outlier": "Outlier",
}
TREND_COLUMNS = {
    "n": "People",
    "events": "People with the outcome",
    "rate": "Rate",
    "relative_rate": "Relative rate",
    "relative_rate_low": "Relative rate, lower 95% limit",
    "relative_rate_high": "Relative rate, upper 95% limit",
}
COUNTS = {"n": "n", "events": "events", "observed": "events"}


def _published(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, float | np.floating) and (np.isnan(value) or np.isinf(value)):
        return NOT_AVAILABLE if np.isnan(value) else formatting.INFINITY
    return value


Row = tuple[list[str], dict[str, Any], tuple[Hashable, ...], tuple[Hashable, ...] | None]


def _table(
    rows: Sequence[Row],
    labels: list[str],
    columns: dict[str, str],
    number: int,
    protection: Protection,
) -> tuple[pd.DataFrame, list[tuple[int, str, Key]]]:
    """A published frame: each row's labels, then its figures, with ``[c]`` for a suppressed count and
    for every figure derived from a suppressed count of the row or of its comparison row."""
    records, places = [], []
    for at, (label, values, where, compared) in enumerate(rows):
        hidden = any(protection.is_hidden(_key(kind, number, *where)) for kind in ("n", "events"))
        if compared is not None:
            hidden = hidden or any(
                protection.is_hidden(_key(kind, number, *compared)) for kind in ("n", "events")
            )
        record: dict[str, Any] = dict(zip(labels, label, strict=True))
        for column, heading in columns.items():
            if column in COUNTS:
                key = _key(COUNTS[column], number, *where)
                record[heading] = SUPPRESSED if protection.is_hidden(key) else int(values[column])
                places.append((at, heading, key))
            else:
                record[heading] = SUPPRESSED if hidden else _published(values.get(column))
        records.append(record)
    return pd.DataFrame(records, columns=[*labels, *columns.values()]), places


def tables_of(analyses: Sequence["Analysis"], protection: Protection) -> list[PublishedTable]:
    tables: list[PublishedTable] = []
    several = len(analyses) > 1
    for number, analysis in enumerate(analyses):
        suffix = f"_{number + 1}" if several else ""
        outcome = f" (outcome {number + 1}: {analysis.outcome})" if several else f" ({analysis.outcome})"
        reference: tuple[Hashable, ...] = ("group", analysis.reference)
        group = analysis.request.group
        merged = analysis.groups
        columns = dict(GROUP_COLUMNS)
        if analysis.adjusted is not None:
            merged = merged.join(analysis.adjusted.table[list(ADJUSTED_COLUMNS)])
            columns.update(ADJUSTED_COLUMNS)
        rows: list[Row] = [
            (
                [str(name)],
                row.to_dict(),
                ("group", str(name)),
                None if name == analysis.reference else reference,
            )
            for name, row in merged.iterrows()
        ]
        people, events = int(merged["n"].sum()), int(merged["events"].sum())
        total: dict[str, Any] = {"n": people, "events": events, "rate": events / people}
        rows.append((["Total"], total, ("all",), None))
        frame, places = _table(rows, [group], columns, number, protection)
        tables.append(
            PublishedTable(
                f"Table_1{suffix}",
                f"Rate by {group}, each group compared with {analysis.reference}{outcome}",
                "Crude comparison"
                + (" and adjusted comparison" if analysis.adjusted is not None else "")
                + f"; q-values: {analysis.family}.",
                frame,
                places,
            )
        )
        if analysis.units is not None:
            unit = analysis.request.unit or "unit"
            rows = [
                (
                    [str(row["unit"]), str(row["group"])],
                    row.to_dict(),
                    ("unit", str(row["unit"]), str(row["group"])),
                    None,
                )
                for _, row in analysis.units.iterrows()
            ]
            frame, places = _table(rows, [unit, group], UNIT_COLUMNS, number, protection)
            tables.append(
                PublishedTable(
                    f"Table_2{suffix}",
                    f"Observed and expected people with the outcome by {unit} and {group}{outcome}",
                    "Expected from the national model of the outcome on the group and the drivers.",
                    frame,
                    places,
                )
            )
        if analysis.trend is not None and len(analysis.trend):
            rows = [
                (
                    [str(row["period"]), str(row["group"])],
                    row.to_dict(),
                    ("period", str(row["period"]), str(row["group"])),
                    ("period", str(row["period"]), analysis.reference)
                    if row["group"] != analysis.reference
                    else None,
                )
                for _, row in analysis.trend.iterrows()
            ]
            frame, places = _table(
                rows, [analysis.request.by.capitalize(), group], TREND_COLUMNS, number, protection
            )
            tables.append(
                PublishedTable(
                    f"Table_3{suffix}",
                    f"Rate by {analysis.request.by} and {group}{outcome}",
                    "Each period's groups compared with the reference group in the same period.",
                    frame,
                    places,
                )
            )
    return tables


def methodology(analyses: Sequence["Analysis"], protection: Protection) -> list[tuple[str, list[str]]]:
    from ..analyse import WEIGHTING

    first = analyses[0]
    request = first.request
    rules = protection.rules
    return [
        (
            "What was analysed",
            [
                f"The file {request.path.name}, one record per person: {first.rows['in_file']:,} records,"
                f" {first.rows['selected']:,} selected"
                + (f" by {request.where}" if request.where else "")
                + ".",
                *[
                    f"Outcome {i + 1}: {a.outcome} ({a.rows['analysed']:,} people with a known outcome)."
                    for i, a in enumerate(analyses)
                ],
                *first.file.get("notes", []),
            ],
        ),
        (
            "Statistics",
            [
                "Rates have Wilson score 95% intervals; the relative rate has a 95% interval on the log scale"
                " (Katz), the odds ratio Woolf's; a difference is tested with Fisher's exact test when an"
                " expected cell is under 5, otherwise Pearson's chi-square test without continuity correction."
                if not request.weight
                else f"Weighted by {request.weight}: {WEIGHTING}",
                f"Groups with fewer than {request.min_n} people are counted but not compared.",
                *[f"Adjusted model: {a.formula}." for a in analyses if a.formula],
                f"Multiple testing: {first.family}. A disparity is flagged when its q-value is below 0.05 and its"
                " ratio lies outside 0.8 to 1.25.",
            ],
        ),
        (
            "Disclosure control",
            [
                f"Counts of 1 to {rules.threshold - 1} (people, people with the outcome, or people without it)"
                " are shown as [c] (primary suppression); a 0 is published, so every [c] is at least 1. Further"
                " counts are suppressed (secondary suppression) so that, from everything published and every"
                " relation a reader knows between the counts (groups add up to the total; units and periods"
                " to their group; outcomes on the same people share their counts), no count of 1 to"
                f" {rules.threshold - 1} can be narrowed to within {rules.upper} above its value or"
                f" {rules.lower} below it. The cells are chosen by linear and integer programming (HiGHS).",
                "Before anything was written, an attack by linear programming on every published figure worked"
                " out the smallest and largest value each suppressed count could take. "
                + protection.audit.summary(),
                "Rates, ratios, tests and adjusted figures computed from a suppressed count are suppressed too,"
                " and so is every comparison with a reference group whose count is suppressed.",
            ],
        ),
    ]


# Writing -------------------------------------------------------------------------------------------------

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title>
<style>body{font-family:sans-serif;line-height:1.4;margin:2rem;color:#0b0c0c}
table{border-collapse:collapse;margin:1rem 0 2rem;font-size:.8rem}caption{text-align:left;font-weight:bold}
th,td{border-bottom:1px solid #b1b4b6;padding:.2rem .4rem;text-align:left;vertical-align:top}</style></head>
<body><main>
<h1>{{ title }}</h1>
<p>Published {{ made | date_text }} by Evenhand. [c]: confidential (see the disclosure control below);
[x]: not available.</p>
{% for table in tables %}
<h2>{{ table.title }}</h2>
<p>{{ table.description }}</p>
<table><caption>{{ table.title }}</caption>
<thead><tr>{% for column in table.frame.columns %}<th scope="col">{{ column }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in table.frame.itertuples(index=False) %}<tr>{% for value in row %}<td>{{ shown(value) }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
{% endfor %}
<h2>Methodology</h2>
{% for heading, paragraphs in methodology %}<h3>{{ heading }}</h3>{% for text in paragraphs %}<p>{{ text }}</p>{% endfor %}
{% endfor %}
</main></body></html>
"""


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return "Yes" if value else "No"
    if isinstance(value, int | np.integer):
        return formatting.count_text(value, published=True)
    return formatting.number_text(value, 3, published=True)


def publish_analysis(analyses: Sequence["Analysis"], out: Path) -> list[Path]:
    """Protect, attack and write the publication of ``analyses`` into ``out`` (new or empty), whole or not
    at all. Raises :class:`AnalysisError` if it cannot be protected."""
    from jinja2 import Environment, select_autoescape

    from .ods import Table as Sheet
    from .ods import write_csv, write_ods

    check_folder(out)
    system = cells_of(analyses)
    try:
        protection = protect(system.freeze())
    except (DisclosureError, ValueError) as error:
        raise AnalysisError(f"the analysis cannot be published safely: {error}") from None
    tables = tables_of(analyses, protection)
    parts = methodology(analyses, protection)
    title = f"Equality analysis of {analyses[0].request.path.name}"
    made = dt.datetime.now(dt.UTC)
    environment = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    environment.filters.update(
        {name: functools.partial(function, published=True) for name, function in formatting.FILTERS.items()}
    )
    page = environment.from_string(TEMPLATE).render(
        title=title, made=made, tables=tables, methodology=parts, shown=_shown
    )
    out = out.resolve()
    staging = Path(tempfile.mkdtemp(prefix=".analysis-", dir=out.parent))
    try:
        (staging / f"{STEM}.html").write_text(page, encoding="utf-8")
        from weasyprint import HTML

        HTML(string=page).write_pdf(staging / f"{STEM}.pdf")
        write_ods(
            staging / f"{STEM}.ods",
            title=title,
            cover=[
                ("About these statistics", f"{title}: each group's rate against the reference group."),
                (
                    "Methodology",
                    "The methodology is in the HTML and PDF report published with this spreadsheet.",
                ),
                ("Produced", f"{formatting.date_text(made)} by Evenhand."),
            ],
            notes=[
                (
                    1,
                    "Counts of 1 to 4, and further counts chosen so that none of them can be narrowed, are"
                    " shown as [c]; so are figures computed from them. A 0 is published.",
                )
            ],
            tables=[
                Sheet(sheet_name=t.sheet, title=t.title, frame=t.frame, lines=(t.description,), notes=(1,))
                for t in tables
            ],
        )
        for table in tables:
            write_csv(staging / f"{STEM}-{table.file_stem}.csv", table.frame)
        manifest.write(
            staging / f"{STEM}-cells.json.gz",
            protection.cells,
            protection.hidden,
            protection.rules,
            {f"{STEM}-{table.file_stem}.csv": table.places for table in tables},
        )
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(out.iterdir())
