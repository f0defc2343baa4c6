"""One equality publication: the engine's results made safe to publish, as HTML, PDF, ODS and CSV.

:func:`build` runs the engine for the period and shows its results in the published tables with the
period's release (:mod:`.release`: every characteristic of the period protected at once, and attacked,
before anything is drawn or written); charts are drawn from the published tables, so a suppressed figure
cannot reappear in a picture. :func:`write` writes the files, with the release's manifest for the auditor,
into a new folder that appears whole or not at all.

What is published: the national comparison for every measure (crude and adjusted), each region's groups
(and each PDU's, for the characteristics published by PDU) against expectation, the quarterly trend and
data completeness by PDU. Teams are left to the dashboard, for staff.
"""

import datetime as dt
import functools
import os
import shutil
import tempfile
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from evenhand.core import formatting
from evenhand.disclosure import Key, manifest
from evenhand.disclosure.rules import SUPPRESSED
from evenhand.equality import charts
from evenhand.equality.engine import (
    DRIVER_NAMES,
    Analysis,
    Settings,
    analyse,
    completeness,
    group_label,
    trend,
)
from evenhand.equality.measures import CHARACTERISTICS, DRIVERS, Period, Source
from evenhand.equality.sampled import sampled_measures, sampling_note
from evenhand.equality.stats.funnel import binomial_curve

from .release import EVERYONE, NATIONAL, YEAR, Release, levels, release

Progress = Callable[[str], None]
TOTAL = "Total"


@dataclass
class Table:
    """A published table: its sheet name, title, what it shows, and the disclosure-controlled frame with
    human-readable column names."""

    sheet: str
    title: str
    description: str
    frame: pd.DataFrame
    suppressed: bool
    places: list[tuple[int, str, Key]] = field(default_factory=list)  # (row, column, cell key) of each count

    @property
    def file_stem(self) -> str:
        return self.sheet.lower().replace("_", "-")


@dataclass
class MeasureSection:
    key: str
    title: str
    definition: str
    model: str
    table: pd.DataFrame  # this measure's rows of the national table, published
    chart: charts.Chart
    funnels: list[charts.Chart] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)  # PDUs flagged, in words
    trend_chart: charts.Chart | None = None


@dataclass
class Publication:
    period: Period
    settings: Settings
    analysis: Analysis
    tables: list[Table]
    sections: list[MeasureSection]
    flagged: pd.DataFrame
    methodology: list[tuple[str, list[str]]]
    made_at: dt.datetime
    release: Release

    @property
    def completeness_rows(self) -> list[list[object]]:
        """For the HTML: the national row, then the ten PDUs with the highest share of ethnicity not
        recorded (suppressed rates last)."""
        frame = self.tables[3].frame
        national = frame[frame["PDU"] == "England and Wales"]
        pdus = frame[frame["PDU"] != "England and Wales"]
        rates = _numbers(pdus["Ethnicity not recorded, rate"])
        order = np.argsort(np.where(np.isnan(rates), -1.0, rates), kind="stable")[::-1][:10]
        return [list(row) for row in pd.concat([national, pdus.iloc[order]]).itertuples(index=False)]


# The published columns of a comparison, in order, with their headings.
NATIONAL_COLUMNS = {
    "measure_title": "Measure",
    "group_label": "Group",
    "n": "People",
    "events": "People with the outcome",
    "rate": "Rate",
    "rate_low": "Rate, lower 95% limit",
    "rate_high": "Rate, upper 95% limit",
    "relative_rate": "Relative rate",
    "relative_rate_low": "Relative rate, lower 95% limit",
    "relative_rate_high": "Relative rate, upper 95% limit",
    "adjusted_relative_rate": "Adjusted relative rate",
    "adjusted_relative_rate_low": "Adjusted relative rate, lower 95% limit",
    "adjusted_relative_rate_high": "Adjusted relative rate, upper 95% limit",
    "adjusted_odds_ratio": "Adjusted odds ratio",
    "q_value": "q-value (crude)",
    "adjusted_q_value": "q-value (adjusted)",
    "flagged": "Disparity flagged (crude)",
    "adjusted_flagged": "Disparity flagged (adjusted)",
}
PDU_COLUMNS = {
    "measure_title": "Measure",
    "region": "Region",
    "unit": "PDU",
    "group_label": "Group",
    "n": "People",
    "events": "People with the outcome",
    "expected": "Expected (national model)",
    "ratio": "Observed / expected",
    "odds_ratio": "Odds ratio against the nation",
    "q_value": "q-value",
    "flagged": "Disparity flagged",
}
TREND_COLUMNS = {
    "measure_title": "Measure",
    "quarter": "Quarter",
    "group_label": "Group",
    "n": "People",
    "events": "People with the outcome",
    "rate": "Rate",
    "relative_rate": "Relative rate",
    "relative_rate_low": "Relative rate, lower 95% limit",
    "relative_rate_high": "Relative rate, upper 95% limit",
}


def build(
    period: Period,
    settings: Settings,
    *,
    progress: Progress | None = None,
    source: Source | None = None,
    protected: Release | None = None,
) -> Publication:
    """Run the engine and show every table as the period's release allows. Raises ``BadRequest`` (from the
    engine) for a bad request and ``DisclosureError`` if the period cannot be protected; nothing is
    written either way. ``protected`` is the period's release (:func:`.release.release`), built here when
    not given: every characteristic of a period shows the same pattern of suppression."""
    say = progress or (lambda _: None)
    source = source or Source(period)
    say("Reading the period's cases")
    analysis = analyse(period, settings, source=source, progress=lambda title: say(f"Analysing: {title}"))
    if protected is None:
        protected = release(source, measures=settings.measures, progress=say)
    if protected.period != period:
        raise ValueError("the release must be for the period published")
    characteristic = settings.characteristic
    reference = settings.reference_group
    titles = {m.key: m.title for m in analysis.measures}

    say("Showing the national tables")
    national = _national_rows(analysis)
    national_published = _show(
        national,
        protected,
        lambda row: (YEAR, *NATIONAL, *_group(characteristic, row["group"])),
        labels=("measure", "group", "is_reference"),
        block="measure",
        reference=reference,
    )
    say("Showing the unit tables")
    units = _unit_rows(analysis, levels(characteristic))
    units_published = _show(
        units,
        protected,
        lambda row: (YEAR, row["level"], row["unit_code"], *_group(characteristic, row["group"])),
        labels=("measure", "region", "unit", "group", "level", "unit_code"),
    )
    say("Working out the trend by quarter")
    trend_rows = _trend_rows(trend(period, settings, [m.key for m in analysis.measures], source=source))
    trend_published = _show(
        trend_rows,
        protected,
        lambda row: (row["quarter"], *NATIONAL, *_group(characteristic, row["group"])),
        labels=("measure", "quarter", "group", "is_reference"),
        block="block",
        reference=reference,
    )
    say("Showing data completeness")
    completeness_published = _show_completeness(completeness(source, "pdu"), protected)

    def label(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        if "group" in frame.columns:
            frame["group_label"] = [
                group_label(characteristic, str(g)) if g != TOTAL else TOTAL for g in frame["group"]
            ]
        if "measure" in frame.columns:
            frame["measure_title"] = frame["measure"].map(titles)
        return frame

    national_frame = label(national_published.published)
    pdu_frame = label(units_published.published)
    trend_frame = label(trend_published.published)
    by_pdu = "pdu" in levels(characteristic)
    tables = [
        Table(
            "Table_1",
            f"National comparison of every measure by {CHARACTERISTICS[characteristic].lower()}",
            f"Each group against {group_label(characteristic, reference)} people, crude and adjusted for the"
            " measure's legitimate drivers, with 95% intervals and Benjamini-Hochberg q-values.",
            _published_columns(national_frame, NATIONAL_COLUMNS),
            national_published.anything_suppressed,
            national_published.headed(NATIONAL_COLUMNS),
        ),
        Table(
            "Table_2",
            f"Each {'region' if not by_pdu else 'region and PDU'}'s groups against what the national model"
            " expects",
            "Observed and expected people with the outcome per region"
            + (" and PDU" if by_pdu else "")
            + " and group; expected from the national model with the measure's drivers (not the group, not"
            " the unit)."
            + (
                ""
                if by_pdu
                else f" {CHARACTERISTICS[characteristic]} is not published by PDU: most of its counts there"
                " are under 5."
            ),
            _published_columns(pdu_frame, PDU_COLUMNS),
            units_published.anything_suppressed,
            units_published.headed(PDU_COLUMNS),
        ),
        Table(
            "Table_3",
            "Quarterly trend of the national comparison",
            f"Each quarter, each group against {group_label(characteristic, reference)} people (crude).",
            _published_columns(trend_frame, TREND_COLUMNS),
            trend_published.anything_suppressed,
            trend_published.headed(TREND_COLUMNS),
        ),
        Table(
            "Table_4",
            "Data completeness by PDU",
            "People under supervision in the period whose ethnicity, religion or disability is not recorded.",
            _completeness_columns(completeness_published.published),
            completeness_published.anything_suppressed,
            completeness_published.headed(COMPLETENESS_COLUMNS),
        ),
    ]
    sampled = _sampled_table(analysis)
    if sampled is not None:
        tables.append(sampled)
    say("Drawing the charts")
    sections = _sections(analysis, national_frame, pdu_frame, trend_frame)
    flagged = _flagged(analysis, national_frame, pdu_frame)
    return Publication(
        period=period,
        settings=settings,
        analysis=analysis,
        tables=tables,
        sections=sections,
        flagged=flagged,
        methodology=methodology(analysis, protected),
        made_at=dt.datetime.now(dt.UTC),
        release=protected,
    )


# The measures estimated from samples (case review) are published for England and Wales and each region (a
# PDU's figure is one round's, on the dashboard for staff); a group's row with fewer cases reviewed than this
# shows no figures, [c], since a few reviewed cases all judged alike would show each one's judgement.
SAMPLED_LEVELS = ("national", "region")
SAMPLED_MIN_CASES = 10
SAMPLED_COLUMNS = {
    "measure_title": "Measure",
    "where": "Where",
    "group_label": "Group",
    "cases": "Cases reviewed",
    "share": "Share sufficient (design-weighted)",
    "share_low": "Share, lower 95% limit",
    "share_high": "Share, upper 95% limit",
    "difference": "Difference from the reference group",
    "ratio": "Ratio to the reference group",
    "ratio_low": "Ratio, lower 95% limit",
    "ratio_high": "Ratio, upper 95% limit",
    "q_value": "q-value",
    "flagged": "Disparity flagged",
}


def _sampled_table(analysis: Analysis) -> Table | None:
    """Table 5: the measures estimated from samples by group, nationally and by region, with their sampling
    note; None when the period has none (no case review round ended in it, or not split by ethnic group)."""
    frame = analysis.sampled
    frame = frame[frame["level"].isin(SAMPLED_LEVELS)].copy()
    if frame.empty:
        return None
    known = sampled_measures()
    characteristic = analysis.settings.characteristic
    frame["measure_title"] = frame["measure"].map(lambda key: known[key].title)
    frame["where"] = ["England and Wales" if u == "national" else f"Region {u}" for u in frame["unit"]]
    frame["group_label"] = [group_label(characteristic, str(g)) for g in frame["group"]]
    frame["flagged"] = frame["flagged"].astype(bool)
    few = frame["cases"].to_numpy(dtype=float) < SAMPLED_MIN_CASES
    figures = [c for c in SAMPLED_COLUMNS if c not in ("measure_title", "where", "group_label")]
    frame[figures] = frame[figures].astype(object)
    frame.loc[few, figures] = SUPPRESSED
    order = {key: i for i, key in enumerate(known)}
    frame = frame.sort_values(
        ["measure", "level", "unit"], key=lambda c: c.map(order) if c.name == "measure" else c, kind="stable"
    )
    notes = dict.fromkeys(sampling_note(key) for key in frame["measure"])
    return Table(
        "Table_5",
        "Case review: design-weighted share of reviewed cases judged sufficient, by group",
        " ".join(notes),
        _published_columns(frame, SAMPLED_COLUMNS),
        bool(few.any()),
    )


def _group(characteristic: str, group: object) -> tuple[str, str]:
    """The characteristic and group of a cell key: everyone for the total row."""
    return EVERYONE if group == TOTAL else (characteristic, str(group))


@dataclass(frozen=True)
class Shown:
    """A table as published: counts the release hides, and every figure computed from them, as [c]."""

    published: pd.DataFrame
    anything_suppressed: bool
    places: list[tuple[int, str, Key]]  # (row, count column, cell key) of each count shown

    def headed(self, headings: dict[str, str]) -> list[tuple[int, str, Key]]:
        return [(row, headings[column], key) for row, column, key in self.places]


# Derived columns that compare a row with the reference row, after any "crude_" or "adjusted_" prefix.
REFERENCE_COLUMNS = ("relative_rate", "odds_ratio", "test", "p_value", "q_value", "flagged", "note")


def _compares(column: str) -> bool:
    name = column.removeprefix("crude_").removeprefix("adjusted_")
    return any(name == stem or name.startswith(stem + "_") for stem in REFERENCE_COLUMNS)


def _show(
    frame: pd.DataFrame,
    protected: Release,
    where: Callable[[pd.Series], tuple[str, ...]],
    *,
    labels: tuple[str, ...],
    block: str | None = None,
    reference: str | None = None,
) -> Shown:
    """Put the release's pattern on a table: ``where`` gives a row's (when, level, unit, characteristic,
    group). A hidden count is [c]; so is every other figure of its row (each is computed from its counts),
    and, when the reference row of a ``block`` has a hidden count, every figure that compares a row with it.
    Raises ``ValueError`` if a count differs from the release's cell for it: the table would then publish
    something the release was not protected for."""
    counts = ("n", "events")
    hidden = np.zeros((len(frame), len(counts)), dtype=bool)
    places: list[tuple[int, str, Key]] = []
    for i, (_, row) in enumerate(frame.iterrows()):
        at = where(row)
        for j, kind in enumerate(counts):
            key = (kind, row["measure"], *at)
            places.append((i, kind, key))
            if key not in protected:
                raise ValueError(f"the release has no count {key!r} for this table")
            if protected.value(key) != int(row[kind]):
                raise ValueError(
                    f"the table's {kind} for {key!r} is {int(row[kind])}, but the release has"
                    f" {protected.value(key)}"
                )
            hidden[i, j] = protected.hidden(key)
    published = frame.astype({column: object for column in frame.columns if column not in labels})
    derived = [c for c in frame.columns if c not in labels and c not in counts]
    row_hidden = hidden.any(axis=1)
    for j, kind in enumerate(counts):
        published.loc[hidden[:, j], kind] = SUPPRESSED
    published.loc[row_hidden, derived] = SUPPRESSED
    if block is not None and reference is not None:
        compared = [c for c in derived if _compares(c)]
        blocks = frame[block].to_numpy()
        for name in set(blocks[row_hidden & (frame["group"].to_numpy() == reference)]):
            published.loc[blocks == name, compared] = SUPPRESSED
    return Shown(published, bool(row_hidden.any()), places)


def _national_rows(analysis: Analysis) -> pd.DataFrame:
    groups = analysis.groups[analysis.groups["level"] == "national"]
    adjusted = analysis.adjusted.set_index(["measure", "group"])
    rows = []
    for key, part in groups.groupby("measure", sort=False):
        part = part.set_index("group")
        extra = adjusted.loc[key] if key in adjusted.index.get_level_values(0) else pd.DataFrame()
        for column in (
            "adjusted_relative_rate",
            "adjusted_relative_rate_low",
            "adjusted_relative_rate_high",
            "adjusted_odds_ratio",
            "adjusted_q_value",
            "adjusted_flagged",
        ):
            part[column] = extra[column].reindex(part.index) if column in extra.columns else np.nan
        total = pd.DataFrame({"n": [part["n"].sum()], "events": [part["events"].sum()]}, index=[TOTAL])
        total["rate"] = total["events"] / total["n"]
        block = pd.concat([part, total])
        block["measure"] = key
        block["group"] = block.index
        rows.append(block)
    frame = pd.concat(rows)
    frame.index = pd.Index(frame["group"].astype(str))
    keep = [
        "measure",
        "group",
        "is_reference",
        *[c for c in NATIONAL_COLUMNS if c not in ("measure_title", "group_label")],
    ]
    frame["is_reference"] = frame["is_reference"].fillna(False).astype(bool)
    return frame[keep]


NATIONAL_ROW = "England and Wales"


def _unit_rows(analysis: Analysis, published: tuple[str, ...]) -> pd.DataFrame:
    """Each region's (and, where the characteristic is published by PDU, each PDU's) groups against the
    national model, with a last row per group for England and Wales (the sum of the regions)."""
    units = analysis.units[
        analysis.units["level"].isin([level for level in published if level != "national"])
    ]
    units = units.rename(columns={"observed": "events", "parent": "region"}).copy()
    units.loc[units["level"] == "region", "region"] = units.loc[units["level"] == "region", "unit"]
    units["unit_code"] = units["unit"]
    units.loc[units["level"] == "region", "unit"] = ""
    columns = [
        "measure",
        "level",
        "region",
        "unit",
        "unit_code",
        "group",
        *[c for c in PDU_COLUMNS if c not in ("measure_title", "region", "unit", "group_label")],
    ]
    units = units[columns]
    regions = units[units["level"] == "region"]
    totals = (
        regions.groupby(["measure", "group"], sort=False)[["n", "events", "expected"]].sum().reset_index()
    )
    totals["level"], totals["region"], totals["unit"], totals["unit_code"] = (
        "national",
        NATIONAL_ROW,
        "",
        "national",
    )
    frame = pd.concat([units, totals], ignore_index=True)
    order = {"region": 0, "pdu": 1, "national": 2}
    frame = frame.assign(_order=frame["level"].map(order)).sort_values(
        ["measure", "group", "region", "_order", "unit"], kind="stable"
    )
    return frame[columns].reset_index(drop=True)


def _trend_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The trend with a total row per measure and quarter."""
    keep = [
        "measure",
        "quarter",
        "group",
        "is_reference",
        *[c for c in TREND_COLUMNS if c not in ("measure_title", "quarter", "group_label")],
    ]
    rows = rows[keep]
    totals = rows.groupby(["measure", "quarter"], sort=False)[["n", "events"]].sum().reset_index()
    totals["group"], totals["is_reference"] = TOTAL, False
    totals["rate"] = totals["events"] / totals["n"]
    frame = pd.concat([rows, totals], ignore_index=True).sort_values(["measure", "quarter"], kind="stable")
    frame["block"] = frame["measure"].astype(str) + " " + frame["quarter"].astype(str)
    return frame[["block", *keep]].reset_index(drop=True)


COMPLETENESS_FIELDS = ("ethnicity", "religion", "disability")


def _show_completeness(table: pd.DataFrame, protected: Release) -> Shown:
    """People per PDU and those with each field not recorded: the population and the events of the
    not-recorded measures, for everyone in the unit. The PDUs first, then England and Wales."""
    table = table[table["unit"] != "unknown"]
    table = pd.concat(
        [table[table["unit"] != "national"], table[table["unit"] == "national"]], ignore_index=True
    )
    published = table.astype(object)
    anything = False
    places: list[tuple[int, str, Key]] = []
    for i, unit in enumerate(table["unit"]):
        level, code = ("national", "national") if unit == "national" else ("pdu", str(unit))
        for name in COMPLETENESS_FIELDS:
            measure = f"not_recorded:{name}"
            counted = {
                "n": ("n", measure, YEAR, level, code, *EVERYONE),
                f"{name}_not_recorded": ("events", measure, YEAR, level, code, *EVERYONE),
            }
            for column, key in counted.items():
                if column != "n" or name == COMPLETENESS_FIELDS[0]:
                    places.append((i, column, key))
                if protected.value(key) != int(table.at[i, column]):
                    raise ValueError(
                        f"the completeness table's {column} for {unit} disagrees with the release"
                    )
                if protected.hidden(key):
                    anything = True
                    published.at[i, column] = SUPPRESSED
                    published.at[i, f"{name}_rate"] = SUPPRESSED
        if published.at[i, "n"] == SUPPRESSED:
            for name in COMPLETENESS_FIELDS:
                published.at[i, f"{name}_rate"] = SUPPRESSED
    columns = [
        "n",
        *[f"{name}_not_recorded" for name in COMPLETENESS_FIELDS],
        *[f"{name}_rate" for name in COMPLETENESS_FIELDS],
    ]
    return Shown(published.set_index("unit")[columns], anything, places)


def _published_columns(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    present = {key: title for key, title in columns.items() if key in frame.columns}
    out = frame[list(present)].rename(columns=present).reset_index(drop=True)
    for column in out.columns:
        if out[column].dtype == bool or column.startswith("Disparity flagged"):
            out[column] = out[column].map(
                lambda v: (
                    v
                    if v == SUPPRESSED
                    else ("Yes" if v is True else "No" if v is False else formatting.PUBLISHED_NOT_AVAILABLE)
                )
            )
    return out


COMPLETENESS_COLUMNS = {
    "unit": "PDU",
    "n": "People",
    "ethnicity_not_recorded": "Ethnicity not recorded",
    "religion_not_recorded": "Religion not recorded",
    "disability_not_recorded": "Disability not recorded",
    "ethnicity_rate": "Ethnicity not recorded, rate",
    "religion_rate": "Religion not recorded, rate",
    "disability_rate": "Disability not recorded, rate",
}


def _completeness_columns(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reset_index(names="unit")
    out["unit"] = out["unit"].replace({"national": "England and Wales"})
    return out.rename(columns=COMPLETENESS_COLUMNS)


def _number(value: object) -> float:
    """A published cell as a number: a suppressed or missing figure is NaN (and so is not drawn)."""
    if value is None or value == SUPPRESSED:
        return float("nan")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def _numbers(values: pd.Series) -> np.ndarray:
    return np.array([_number(v) for v in values], dtype=float)


def _sections(
    analysis: Analysis, national: pd.DataFrame, pdus: pd.DataFrame, trend_frame: pd.DataFrame
) -> list[MeasureSection]:
    settings = analysis.settings
    characteristic, reference = settings.characteristic, settings.reference_group
    reference_label = group_label(characteristic, reference)
    sections = []
    for measure in analysis.measures:
        rows = national[(national["measure"] == measure.key) & (national["group"] != TOTAL)]
        chart = charts.relative_rate_chart(
            list(rows["group_label"]),
            _numbers(rows["relative_rate"]),
            _numbers(rows["relative_rate_low"]),
            _numbers(rows["relative_rate_high"]),
            reference=reference_label,
            title=f"{measure.title}: relative rate against {reference_label} people",
            id_prefix=f"rr-{_slug(measure.key)}",
            band=settings.band,
            flagged=[v is True for v in rows["adjusted_flagged"]],
            adjusted=(
                _numbers(rows["adjusted_relative_rate"]),
                _numbers(rows["adjusted_relative_rate_low"]),
                _numbers(rows["adjusted_relative_rate_high"]),
            ),
        )
        section = MeasureSection(
            key=measure.key,
            title=measure.title,
            definition=measure.definition,
            model=analysis.models.get(measure.key, ""),
            table=rows,
            chart=chart,
        )
        finest = "pdu" if (pdus["level"] == "pdu").any() else "region"
        units = pdus[(pdus["measure"] == measure.key) & (pdus["level"] == finest)].copy()
        if finest == "region":
            units["unit"] = units["region"]
        flagged_groups = sorted(
            {g for g, f in zip(units["group"], units["flagged"], strict=True) if f is True}
        )
        dispersion = analysis.dispersion.get(measure.key, float("nan"))
        for group in flagged_groups:
            part = units[(units["group"] == group)]
            observed, expected = _numbers(part["events"]), _numbers(part["expected"])
            shown = ~np.isnan(observed) & ~np.isnan(expected) & (expected > 0)
            if not shown.any() or not 0 < dispersion <= 1:
                continue
            curve = binomial_curve(float(expected[shown].max()) * 1.2, dispersion)
            label = group_label(characteristic, str(group))
            section.funnels.append(
                charts.funnel_chart(
                    list(part.loc[shown, "unit"]),
                    observed[shown].astype(int),
                    expected[shown],
                    limits=curve,
                    title=f"{measure.title}, {label}: PDUs against the national model",
                    id_prefix=f"funnel-{_slug(measure.key)}-{_slug(str(group))}",
                    highlight=[v is True for v in part.loc[shown, "flagged"]],
                )
            )
            section.outside += [
                f"{unit} ({label})"
                for unit, f in zip(part["unit"], part["flagged"], strict=True)
                if f is True
            ]
        quarters_rows = trend_frame[
            (trend_frame["measure"] == measure.key) & ~trend_frame["group"].isin([reference, TOTAL])
        ]
        if not quarters_rows.empty:
            quarter_labels = sorted(set(quarters_rows["quarter"]))
            series = {}
            for group, part in quarters_rows.groupby("group_label", sort=False):
                part = part.set_index("quarter").reindex(quarter_labels)
                series[str(group)] = (
                    _numbers(part["relative_rate"]),
                    _numbers(part["relative_rate_low"]),
                    _numbers(part["relative_rate_high"]),
                )
            section.trend_chart = charts.trend_chart(
                quarter_labels,
                series,
                reference=reference_label,
                title=f"{measure.title}: relative rate by quarter",
                id_prefix=f"trend-{_slug(measure.key)}",
            )
        sections.append(section)
    return sections


def _flagged(analysis: Analysis, national: pd.DataFrame, pdus: pd.DataFrame) -> pd.DataFrame:
    """The published disparities: flagged national (adjusted) and PDU comparisons whose figures survived
    disclosure control."""
    rows: list[dict[str, Hashable]] = []
    titles = {m.key: m.title for m in analysis.measures}
    for row in national.itertuples():
        if row.adjusted_flagged is True:
            rows.append(
                {
                    "Measure": titles[row.measure],
                    "Where": "England and Wales",
                    "Group": row.group_label,
                    "Ratio": _number(row.adjusted_relative_rate),
                    "Kind": "adjusted relative rate",
                    "q-value": _number(row.adjusted_q_value),
                }
            )
    for row in pdus.itertuples():
        if row.flagged is True:
            rows.append(
                {
                    "Measure": titles[row.measure],
                    "Where": f"PDU {row.unit}" if row.level == "pdu" else f"Region {row.region}",
                    "Group": row.group_label,
                    "Ratio": _number(row.odds_ratio),
                    "Kind": "odds ratio against the nation",
                    "q-value": _number(row.q_value),
                }
            )
    sampled = analysis.sampled
    shown = sampled["level"].isin(SAMPLED_LEVELS) & (
        sampled["cases"].to_numpy(dtype=float) >= SAMPLED_MIN_CASES
    )
    known = sampled_measures()
    for row in sampled[shown & sampled["flagged"].astype(bool)].itertuples():
        rows.append(
            {
                "Measure": known[row.measure].title,
                "Where": "England and Wales" if row.level == "national" else f"Region {row.unit}",
                "Group": group_label(analysis.settings.characteristic, str(row.group)),
                "Ratio": float(row.ratio),
                "Kind": "case review: ratio of shares sufficient",
                "q-value": float(row.q_value),
            }
        )
    frame = pd.DataFrame(rows, columns=["Measure", "Where", "Group", "Kind", "Ratio", "q-value"])
    return frame.sort_values("q-value", kind="stable", ignore_index=True)


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower())


def methodology(analysis: Analysis, protected: Release) -> list[tuple[str, list[str]]]:
    """The methodology section, generated from the measures' definitions and the settings used."""
    settings = analysis.settings
    characteristic = settings.characteristic
    reference = group_label(characteristic, settings.reference_group)
    low, high = settings.band
    period = analysis.period
    # The drivers most measures are adjusted for; a measure with drivers of its own names them in its model.
    drivers = ", ".join(DRIVER_NAMES[d] for d in DRIVERS)
    parts: list[tuple[str, list[str]]] = [
        (
            "Who is counted",
            [
                f"Sentences under supervision at any time from {formatting.date_text(period.start)} to"
                f" {formatting.date_text(period.end)}."
                " Each sentence is counted once for a measure; a person with two sentences counts twice."
                " Characteristics, units and drivers are as recorded at the end of the period; the unit is the"
                " PDU of the person and the team of the practitioner holding the case.",
                "Groups are compared by "
                + CHARACTERISTICS[characteristic].lower()
                + f", against {reference} people. 'Not recorded' and 'prefer not to say' are shown as groups of"
                " their own: missing data is reported, never guessed.",
            ],
        ),
        ("The measures", [f"{m.title}: {m.definition}" for m in analysis.measures]),
        (
            "Statistics",
            [
                "Rates have Wilson score 95% intervals. The relative rate (the relative rate index) of a group is"
                f" its rate divided by the rate of {reference} people, with a 95% interval on the log scale"
                " (Katz); the odds ratio has Woolf's interval. A difference is tested with Fisher's exact test"
                " when any expected cell is under 5, otherwise Pearson's chi-square test without continuity"
                " correction.",
                f"Groups with fewer than {settings.min_n} people are counted but not compared.",
                "Adjusted figures come from a logistic regression of the outcome on the group and the measure's"
                f" legitimate drivers ({drivers}, less any that is the characteristic compared; a measure whose"
                " definition names other drivers is adjusted for those): the adjusted"
                " odds ratio, and the adjusted relative rate by marginal standardisation over everyone"
                " compared. The gap between crude and adjusted figures is the part the drivers explain.",
                "Each PDU's groups are compared with the national model with the same drivers (without the group"
                " or the region): observed against expected people with the outcome, tested with the score test"
                " with binomial variance, and the one-step (Peto) odds ratio against the nation; funnel plots"
                " show 95% and 99.8% limits.",
                "Every test in this report forms one family for the Benjamini-Hochberg procedure. A disparity is"
                f" flagged only when its q-value is below {settings.q_threshold:g} and its ratio lies outside"
                f" {low:g} to {high:g} (the relative rate for national comparisons, the odds ratio for PDUs).",
            ],
        ),
        *(
            [
                (
                    "Case review estimates",
                    list(dict.fromkeys(sampling_note(key) for key in analysis.sampled["measure"])),
                )
            ]
            if not analysis.sampled.empty
            else []
        ),
        (
            "Disclosure control",
            disclosure_methodology(protected),
        ),
        (
            "Models used",
            [f"{m.title}: {analysis.models.get(m.key, 'not modelled')}." for m in analysis.measures]
            + [f"Not split by this characteristic: {key} ({why})." for key, why in analysis.skipped.items()],
        ),
    ]
    return parts


def disclosure_methodology(protected: Release) -> list[str]:
    """How the period's publication was protected, and what the attack on it found."""
    audit = protected.protection.audit
    rules = protected.protection.rules
    return [
        "No figure in this publication identifies a person. Every report of the period (each of the seven"
        " characteristics, nationally, by region and, for ethnic group, sex, age band and disability, by PDU;"
        " the year and its quarters; people and people with the outcome) is one linked set of counts, protected"
        " together, so reading one report beside another gives nothing away. Teams are not published: their"
        " figures are in the equality dashboard, for staff.",
        f"Counts of 1 to {rules.threshold - 1} (people, people with the outcome, or people without it) are"
        " shown as [c] (primary suppression). A 0 is published, so every [c] is at least 1. Further counts are"
        " suppressed (secondary suppression) so that, from everything published and every relation a reader"
        " knows between the counts (units add up to their region and regions to England and Wales; groups to"
        " everyone; the 19 ethnicities to the 5 ethnic groups; ethnic group and sex to both; quarters to the"
        " year where each trial falls in one quarter; measures on one population share it; a subset is at"
        " most its set), no count of 1 to 4 can be narrowed to within"
        f" {rules.upper} above its value or {rules.lower} below it (or below the least value the relations"
        " already allow). The cells to suppress are chosen by optimisation (linear and integer programming"
        " with the HiGHS solver), as few and as small as it finds.",
        "Before anything was written, an attack by linear programming on every published figure worked out the"
        " smallest and largest value each suppressed count could take. " + audit.summary(),
        "Rates, ratios and tests computed from a suppressed count are suppressed too, and so is every"
        " comparison with a reference group whose count is suppressed.",
    ]


def render_html(publication: Publication) -> str:
    environment = Environment(
        loader=PackageLoader("evenhand.equality.publish", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Figures as evenhand.core.formatting writes them in a published table: [x], [c] and so on.
    environment.filters.update(
        {name: functools.partial(function, published=True) for name, function in formatting.FILTERS.items()}
    )
    return environment.get_template("report.html").render(p=publication, CHARACTERISTICS=CHARACTERISTICS)


def write(publication: Publication, out: Path, *, progress: Progress | None = None) -> list[Path]:
    """Write the publication into the folder ``out``, which must not exist or be empty. Everything is
    written into a temporary folder beside it first and moved into place at the end, so a failure leaves
    nothing behind."""

    say = progress or (lambda _: None)
    out = out.resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} already exists and is not an empty folder: choose a new folder")
    if not out.parent.is_dir():
        raise FileNotFoundError(f"the folder {out.parent} does not exist")
    stem = f"equality-{publication.period.start:%Y%m%d}-{publication.period.end:%Y%m%d}"
    staging = Path(tempfile.mkdtemp(prefix=".equality-", dir=out.parent))
    try:
        say("Writing the HTML report")
        html = render_html(publication)
        (staging / f"{stem}.html").write_text(html, encoding="utf-8")
        say("Writing the PDF")
        from weasyprint import HTML

        HTML(string=html).write_pdf(staging / f"{stem}.pdf")
        say("Writing the spreadsheet")
        _write_spreadsheet(publication, staging / f"{stem}.ods")
        say("Writing the CSV files")
        from .ods import write_csv

        for table in publication.tables:
            write_csv(staging / f"{stem}-{table.file_stem}.csv", table.frame)
        say("Writing the disclosure manifest")
        protection = publication.release.protection
        manifest.write(
            staging / f"{stem}-cells.json.gz",
            protection.cells,
            protection.hidden,
            protection.rules,
            {f"{stem}-{table.file_stem}.csv": table.places for table in publication.tables},
        )
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(out.iterdir())


NOTES = [
    (
        1,
        "Counts of 1 to 4, and further counts chosen so that none of them can be narrowed from anything in this"
        " period's publication, are shown as [c]; so are rates, ratios and tests computed from them. A 0 is"
        " published. See the methodology.",
    ),
    (
        2,
        "q-values are Benjamini-Hochberg adjusted p-values over every test in this publication. A disparity is"
        " flagged when the q-value is below the threshold and the ratio lies outside the materiality band (see"
        " the cover sheet).",
    ),
    (
        3,
        "Adjusted figures come from a logistic regression on the measure's legitimate drivers; the adjusted"
        " relative rate is by marginal standardisation over everyone compared.",
    ),
    (
        4,
        "Expected counts come from the national model with the measure's drivers, without the group or the"
        " region; the odds ratio is the one-step (Peto) estimate, exp((observed - expected) / variance).",
    ),
    (
        5,
        "For measures that count decisions or events (escalation, absence judged unacceptable, referrals"
        " completed, assessment within 15 working days, diversity factors discussed, allocated to a PO,"
        " allocated more than 5 days after sentence, successful completion), each event is counted in the"
        " quarter it happened, with characteristics as at the end of the period, so the quarters add up to the"
        " period. For measures of people (recall, breach, referrals, data not recorded), each quarter's"
        " population is the sentences under supervision in that quarter; a sentence supervised in several"
        " quarters is counted in each, so these quarters overlap and do not add up to the period.",
    ),
    (6, "'Prefer not to say' is an answer and counts as recorded."),
    (
        7,
        "Case review figures are estimated from stratified random samples of cases, not counted from every case;"
        " a group with fewer than 10 cases reviewed is shown as [c]. Their q-values are over the case review"
        " comparisons only. See the methodology.",
    ),
]
TABLE_NOTES = {
    "Table_1": (1, 2, 3),
    "Table_2": (1, 2, 4),
    "Table_3": (1, 5),
    "Table_4": (1, 6),
    "Table_5": (7,),
}


def _write_spreadsheet(publication: Publication, path: Path) -> None:
    from .ods import Table as Sheet
    from .ods import write_ods

    settings = publication.settings
    period = publication.period
    low, high = settings.band
    cover = [
        (
            "About these statistics",
            f"Equality in probation decisions, {formatting.date_text(period.start)} to"
            f" {formatting.date_text(period.end)}, by {CHARACTERISTICS[settings.characteristic].lower()}: each"
            " group's rate of"
            " recall, breach, enforcement, referral, assessment, allocation and completion against the reference"
            f" group ({group_label(settings.characteristic, settings.reference_group)}).",
        ),
        (
            "Flagging",
            f"A disparity is flagged when its q-value is below {settings.q_threshold:g} and its ratio"
            f" lies outside {low:g} to {high:g}.",
        ),
        ("Methodology", "The methodology is in the HTML and PDF report published with this spreadsheet."),
        ("Produced", f"{formatting.date_text(publication.made_at)} by Evenhand."),
    ]
    sheets = [
        Sheet(
            sheet_name=table.sheet,
            title=table.title,
            frame=table.frame,
            lines=(table.description,),
            notes=TABLE_NOTES.get(table.sheet, ()),
            blank="Cells in the PDU column are blank for the rows of a region and of England and Wales."
            if table.sheet == "Table_2"
            else None,
        )
        for table in publication.tables
    ]
    write_ods(path, title="Equality in probation decisions", cover=cover, notes=NOTES, tables=sheets)
