"""What the equality dashboard and API read: the stored figures, through the shared cache, and one unit's
share of them.

A run of :func:`~evenhand.equality.engine.analyse` over the whole catalogue takes seconds on a region and
10-20 s on the national service, so no request runs one: jobs compute the figures ahead (the standard
periods nightly, any other question on demand: :mod:`.services`) and store them with the trend of every unit
and the data completeness. :func:`figures` reads them, from the ``equality`` cache that every process shares,
keyed by the stored row and when it was computed, so a new computation is a new key. The page says when the
figures were computed, and that they are stale once a decision in the period has been recorded since.

Both the web form and the API check a question with :func:`check_query`, which names the parameter at fault
(``measure``, ``characteristic``, ``reference``, ``unit``, ``from``, ``to``). Nothing here writes.
"""

import datetime as dt
import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings as django_settings
from django.core.cache import BaseCache, caches

from evenhand.org.models import PDU, Region, Role, StaffMember, Team
from evenhand.people.models import Disability, EthnicGroup, Ethnicity, Religion, Sex

from .engine import DEFAULT_REFERENCE, UNRECORDED, Analysis, BadRequest, Settings, group_label
from .measures import AGE_BANDS, CATALOGUE, CHARACTERISTICS, Measure, Period
from .models import StoredFigures
from .periods import last_twelve_months
from .registry import PopulationAnalysis, RegisteredMeasure
from .registry import population as registered_population
from .sampled import sampled_measures
from .stored import unpack

CACHE_ALIAS = "equality"
# Part of every cache key: change it when what is stored changes shape.
CACHE_VERSION = 2
NATIONAL = "national"
NATIONAL_NAME = "England and Wales"
CHILD_LEVEL = {"national": "region", "region": "pdu", "pdu": "team"}
LEVEL_NAMES = {"national": "England and Wales", "region": "region", "pdu": "PDU", "team": "team"}
# A longer period reads more than a dashboard should wait for; the command line has no such limit.
MAX_PERIOD_DAYS = 5 * 366
DEFAULT_MEASURE = "recall"
DEFAULT_CHARACTERISTIC = "ethnic_group"


# --- the organisation -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A unit the figures are given for: the nation, a region, a PDU or a team, by the code the engine uses."""

    code: str
    name: str
    level: str  # national, region, pdu or team
    parent: str | None  # the code of the unit it is part of; None for the nation


@dataclass
class Organisation:
    """Every unit by code, with its parent and children: names for the engine's codes and the drill-down."""

    units: dict[str, Unit]
    children_of: dict[str, list[Unit]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for unit in self.units.values():
            if unit.parent is not None:
                self.children_of.setdefault(unit.parent, []).append(unit)
        for children in self.children_of.values():
            children.sort(key=lambda unit: (unit.name, unit.code))

    def get(self, code: str) -> Unit | None:
        return self.units.get(code)

    def name(self, code: str) -> str:
        unit = self.units.get(code)
        return unit.name if unit else code

    def children(self, code: str) -> list[Unit]:
        return self.children_of.get(code, [])

    def ancestry(self, code: str) -> list[Unit]:
        """The nation first, down to and including the unit."""
        chain: list[Unit] = []
        unit = self.units.get(code)
        while unit is not None:
            chain.append(unit)
            unit = self.units.get(unit.parent) if unit.parent else None
        return chain[::-1]

    def choosable(self) -> list[Unit]:
        """The units the dashboard can be opened at, in the order of the organisation: the nation, then each
        region followed by its PDUs. Teams are shown inside their PDU."""
        units = [self.units[NATIONAL]]
        for region in self.children(NATIONAL):
            units.append(region)
            units.extend(self.children(region.code))
        return units


def organisation() -> Organisation:
    """Regions, PDUs and teams by code: three small queries (about 1,800 rows nationally)."""
    units = {NATIONAL: Unit(NATIONAL, NATIONAL_NAME, "national", None)}
    for code, name in Region.objects.order_by().values_list("code", "name"):
        units[code] = Unit(code, name, "region", NATIONAL)
    for code, name, region in PDU.objects.order_by().values_list("code", "name", "region__code"):
        units[code] = Unit(code, name, "pdu", region)
    for code, name, pdu in Team.objects.order_by().values_list("code", "name", "pdu__code"):
        units.setdefault(code, Unit(code, name, "team", pdu))
    return Organisation(units)


def default_unit(staff: StaffMember, units: Organisation) -> str:
    """Where the dashboard opens: a head of PDU at their own PDU, everyone else at England and Wales."""
    if staff.role == Role.HEAD_OF_PDU and staff.pdu_id is not None:
        code = PDU.objects.filter(pk=staff.pdu_id).values_list("code", flat=True).first()
        if code and units.get(code):
            return code
    return NATIONAL


# --- the question -----------------------------------------------------------------------------------------


class QueryError(BadRequest):
    """A question the dashboard or API cannot answer; ``field`` names the parameter at fault (or is None)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Query:
    """A checked question: one measure, split by one characteristic, for one unit, over one period."""

    measure: Measure | RegisteredMeasure  # a catalogue measure, or one another app registered
    period: Period
    settings: Settings
    unit: Unit

    @property
    def characteristic(self) -> str:
        return self.settings.characteristic

    @property
    def reference(self) -> str:
        return self.settings.reference_group


def default_period(today: dt.date) -> Period:
    """The 12 complete calendar months before the one ``today`` is in."""
    return last_twelve_months(today)


def group_codes(characteristic: str) -> list[str]:
    """Every group code of a characteristic, in the order its choices are listed (unrecorded ones last)."""
    simple: dict[str, Iterable[str]] = {
        "ethnic_group": EthnicGroup.values,
        "ethnicity": Ethnicity.values,
        "sex": Sex.values,
        "religion": Religion.values,
        "disability": Disability.values,
        "age_band": [f"{low}-{high}" if high < 200 else f"{low}+" for low, high in AGE_BANDS],
    }
    if characteristic == "ethnic_group_sex":
        return [f"{group}, {sex}" for group in EthnicGroup.values for sex in Sex.values]
    return list(simple.get(characteristic, []))


def reference_choices(characteristic: str) -> list[tuple[str, str]]:
    """The groups that can be the reference: every recorded group of the characteristic, with its words."""
    return [
        (code, group_label(characteristic, code))
        for code in group_codes(characteristic)
        if not _unrecorded(code)
    ]


def _unrecorded(code: str) -> bool:
    return any(part in UNRECORDED for part in code.split(", "))


def query_problems(
    *,
    measure: str,
    characteristic: str,
    start: dt.date | None,
    end: dt.date | None,
    reference: str | None,
    unit: str,
    units: Organisation,
) -> list[QueryError]:
    """Everything wrong with a question, each naming its parameter; empty when it can be asked. A missing
    date is left to whoever read it (a form says why it could not)."""
    problems = []
    known_characteristic = characteristic in CHARACTERISTICS
    if not known_characteristic:
        known = ", ".join(CHARACTERISTICS)
        problems.append(
            QueryError("characteristic", f"Unknown characteristic '{characteristic}': choose one of {known}")
        )
    chosen = CATALOGUE.get(measure)
    if chosen is None:
        problems.append(
            QueryError("measure", f"Unknown measure '{measure}': choose one of the measures in the catalogue")
        )
    elif known_characteristic and characteristic not in chosen.characteristics:
        allowed = " or ".join(CHARACTERISTICS[c].lower() for c in chosen.characteristics)
        problems.append(
            QueryError(
                "measure",
                f"{chosen.title} is not split by {CHARACTERISTICS[characteristic].lower()}: "
                f"choose {allowed}, or another measure",
            )
        )
    if reference and known_characteristic and reference not in dict(reference_choices(characteristic)):
        problems.append(
            QueryError(
                "reference",
                f"'{reference}' is not a recorded group of {CHARACTERISTICS[characteristic].lower()}: "
                "choose one of its groups, or leave the reference as the default",
            )
        )
    if start is None or end is None:
        pass
    elif end < start:
        problems.append(QueryError("to", "The end of the period must be the same as or after its start"))
    elif (end - start).days >= MAX_PERIOD_DAYS:
        problems.append(QueryError("to", "The period must be 5 years or shorter"))
    found = units.get(unit)
    if found is None or found.level == "team":
        problems.append(
            QueryError(
                "unit", f"There is no region or PDU with the code '{unit}': choose England and Wales or one"
            )
        )
    return problems


def check_query(
    *,
    measure: str,
    characteristic: str,
    start: dt.date,
    end: dt.date,
    reference: str | None,
    unit: str,
    units: Organisation,
) -> Query:
    """The question, checked; raises :class:`QueryError` for the first thing wrong with it."""
    reference = reference or None
    problems = query_problems(
        measure=measure,
        characteristic=characteristic,
        start=start,
        end=end,
        reference=reference,
        unit=unit,
        units=units,
    )
    if problems:
        raise problems[0]
    if reference == DEFAULT_REFERENCE[characteristic]:
        reference = None  # the same analysis, so the same cache entry
    found = units.get(unit)
    assert found is not None
    return Query(
        measure=CATALOGUE[measure],
        period=Period(start, end),
        settings=Settings(characteristic=characteristic, reference=reference),
        unit=found,
    )


def problem_field(error: BadRequest) -> str | None:
    """The parameter an error from the engine is about, for the form to show it there."""
    if isinstance(error, QueryError):
        return error.field
    field = getattr(error, "field", None)  # a failed analysis job's (services.JobBadRequest)
    if isinstance(field, str):
        return field
    message = str(error)
    if message.startswith("The reference group"):
        return "reference"
    if message.startswith("Nobody was under supervision"):
        return "from"
    if message.startswith(("Unknown measure", "None of the measures")):
        return "measure"
    if message.startswith("Unknown characteristic"):
        return "characteristic"
    return None


# --- the stored figures, through the shared cache ----------------------------------------------------------


def _cache() -> BaseCache:
    """Where the figures are kept between requests: a cache of their own (large entries), shared by every
    process (Redis, or files on one machine: settings.CACHES)."""
    return caches[CACHE_ALIAS if CACHE_ALIAS in django_settings.CACHES else "default"]


def _key(kind: str, *parts: object) -> str:
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"equality:{CACHE_VERSION}:{kind}:{digest}"


# The last payloads this process unpickled, by cache key (which changes whenever the figures are computed
# again): the dashboard's next question is nearly always about the same figures.
_RECENT: "OrderedDict[str, dict[str, Any]]" = OrderedDict()
RECENT_PAYLOADS = 2


@dataclass(frozen=True)
class Figures:
    """The engine's analysis of one period and characteristic (every measure), its trend in every unit and
    the data completeness, as stored: when they were computed and, if a decision in the period has been
    recorded since, from when they are stale."""

    analysis: Analysis
    computed_at: dt.datetime
    stale_since: dt.datetime | None
    trends: pd.DataFrame
    completeness: dict[str, pd.DataFrame]


def _stored(
    period: Period, settings: Settings, population: str
) -> tuple[Mapping[str, Any], dict[str, Any]] | None:
    """The stored row (its id, when computed, when stale) and payload for the question, or None. One small
    indexed query for the row; the payload from this process's last few, the shared cache, or once from the
    database into it."""
    row = (
        StoredFigures.objects.filter(
            population=population,
            period_start=period.start,
            period_end=period.end,
            characteristic=settings.characteristic,
            reference=settings.reference or "",
        )
        .values("pk", "computed_at", "stale_since")
        .first()
    )
    if row is None:
        return None
    key = _key("figures", row["pk"], row["computed_at"].isoformat())
    payload = _RECENT.get(key)
    if payload is None:
        payload = _cache().get(key)
        if not isinstance(payload, dict):
            data = StoredFigures.objects.filter(pk=row["pk"]).values_list("data", flat=True).first()
            payload = unpack(data) if data is not None else None
            if payload is None:
                return None  # stored in an older shape: compute again
            _cache().set(key, payload)
        _RECENT[key] = payload
        while len(_RECENT) > RECENT_PAYLOADS:
            _RECENT.popitem(last=False)
    _RECENT.move_to_end(key)
    return row, payload


def figures(period: Period, settings: Settings) -> Figures | None:
    """The stored figures for the question, or None when none are stored (a job computes them:
    :func:`evenhand.equality.services.request_analysis`)."""
    found = _stored(period, settings, "")
    if found is None:
        return None
    row, payload = found
    measures = [CATALOGUE[key] for key in payload["measures"]]
    analysis = _analysis_of(period, settings, measures, payload, sampled=payload["sampled"])
    return Figures(
        analysis=analysis,
        computed_at=row["computed_at"],
        stale_since=row["stale_since"],
        trends=payload["trends"],
        completeness=payload["completeness"],
    )


def _analysis_of(
    period: Period, settings: Settings, measures: list[Any], payload: dict[str, Any], **more: Any
) -> Analysis:
    """An analysis as ``services`` stored it (its ``_payload``), with its measures found again by key and
    ``more`` of its fields."""
    return Analysis(
        period=period,
        settings=settings,
        measures=measures,
        groups=payload["groups"],
        adjusted=payload["adjusted"],
        units=payload["units"],
        dispersion=payload["dispersion"],
        models=payload["models"],
        skipped=payload["skipped"],
        seconds=payload["seconds"],
        **more,
    )


@dataclass(frozen=True)
class PopulationFigures:
    """A registered population's analysis as stored (:func:`~.services.compute_population_figures`), with
    when it was computed and, if a record in the period has been made since, from when it is stale."""

    result: PopulationAnalysis
    computed_at: dt.datetime
    stale_since: dt.datetime | None


def population_figures(population: str, period: Period, settings: Settings) -> PopulationFigures | None:
    """The stored analysis of a registered population for the question, or None when none is stored (a job
    of the app that registered it computes it). Reads as :func:`figures` does, and computes nothing."""
    chosen = registered_population(population)
    found = _stored(period, settings, population)
    if found is None:
        return None
    row, payload = found
    if any(key not in chosen.measures for key in payload["measures"]):
        return None  # stored before a measure was withdrawn: compute again
    measures = [chosen.measures[key] for key in payload["measures"]]
    analysis = _analysis_of(period, settings, measures, payload)  # type: ignore[arg-type]
    return PopulationFigures(
        result=PopulationAnalysis(chosen, analysis, payload["withheld"], payload["declared"]),
        computed_at=row["computed_at"],
        stale_since=row["stale_since"],
    )


def stored_since(
    period: Period, settings: Settings, since: dt.datetime, *, population: str = ""
) -> int | None:
    """The id of the stored figures for the question if they were computed at or after ``since``."""
    return (
        StoredFigures.objects.filter(
            population=population,
            period_start=period.start,
            period_end=period.end,
            characteristic=settings.characteristic,
            reference=settings.reference or "",
            computed_at__gte=since,
        )
        .values_list("pk", flat=True)
        .first()
    )


def trend_table(query: Query, figures: Figures) -> pd.DataFrame:
    """The measure's quarterly crude comparison in the query's unit (the nation, a region or a PDU), sliced
    from the stored trends; groups in the order of :func:`group_order`."""
    table = figures.trends
    unit = query.unit
    table = table[
        (table["measure"] == query.measure.key)
        & (table["level"] == unit.level)
        & (table["unit"] == unit.code)
    ].drop(columns=["level", "unit"])
    if table.empty:
        return table
    order = group_order(query.characteristic, query.reference, table["group"])
    return (
        table.assign(_order=table["group"].astype(str).map(order))
        .sort_values(["quarter", "_order"])
        .drop(columns="_order")
    )


def sampled_rows(query: Query, figures: Figures) -> pd.DataFrame:
    """The measures estimated from samples (:mod:`.sampled`) in the query's unit, each measure's groups in
    the order of :func:`group_order`."""
    table = figures.analysis.sampled
    unit = query.unit
    table = table[(table["level"] == unit.level) & (table["unit"] == unit.code)]
    order = group_order(query.characteristic, query.reference, table["group"])
    position = {key: i for i, key in enumerate(sampled_measures())}  # the catalogue's order: C1, C2... C10
    table = table.assign(_measure=table["measure"].map(position))
    return _ordered(table, order, "_measure").drop(columns="_measure")


def completeness_rows(query: Query, units: Organisation, figures: Figures) -> pd.DataFrame:
    """Completeness for the unit (first) and each unit one level down, by name."""
    tables = figures.completeness
    unit = query.unit
    own_level = "region" if unit.level == "national" else unit.level
    own = tables[own_level]
    own = own[own["unit"] == unit.code]
    child_level = CHILD_LEVEL[unit.level]
    children = tables[child_level]
    codes = {child.code for child in units.children(unit.code)}
    children = children[children["unit"].isin(codes)].copy()
    children["_name"] = children["unit"].map(units.name)
    children = children.sort_values(["_name", "unit"]).drop(columns="_name")
    return pd.concat([own, children], ignore_index=True)


# --- one unit's figures -----------------------------------------------------------------------------------


def group_order(characteristic: str, reference: str, groups: Iterable[Any]) -> dict[str, int]:
    """A sort position for each group: the reference first, then the characteristic's own order."""
    listed = {code: i for i, code in enumerate(group_codes(characteristic))}
    present = sorted({str(group) for group in groups}, key=lambda code: (listed.get(code, len(listed)), code))
    present.sort(key=lambda code: code != reference)
    return {code: i for i, code in enumerate(present)}


def _ordered(frame: pd.DataFrame, order: dict[str, int], *by: str) -> pd.DataFrame:
    if frame.empty:
        return frame.reset_index(drop=True)
    keyed = frame.assign(_order=frame["group"].astype(str).map(order).fillna(len(order)))
    return keyed.sort_values([*by, "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)


@dataclass
class UnitFigures:
    """One measure for one unit, sliced from the analysis.

    ``groups``: the unit's groups against the reference (crude); ``adjusted``: the national crude and
    adjusted comparison (empty below national, where ``compared`` holds instead the unit's groups against
    similar people nationally: observed against expected events); ``children``: the units one level down,
    each group's observed against expected events, with the flags; ``missing``: why the measure has no
    figures at all, if it has none."""

    query: Query
    analysis: Analysis
    groups: pd.DataFrame
    adjusted: pd.DataFrame
    compared: pd.DataFrame
    children: pd.DataFrame
    child_level: str
    model: str
    dispersion: float
    missing: str | None

    @property
    def order(self) -> dict[str, int]:
        present = [*self.groups.get("group", []), *self.children.get("group", [])]
        return group_order(self.query.characteristic, self.query.reference, present)


def unit_figures(figures: Figures, query: Query) -> UnitFigures:
    """The measure's figures for the query's unit and the units one level down."""
    return analysis_unit_figures(figures.analysis, query)


def analysis_unit_figures(analysis: Analysis, query: Query) -> UnitFigures:
    """:func:`unit_figures` from an analysis itself (one of a registered population, which is not stored)."""
    key, unit = query.measure.key, query.unit
    child_level = CHILD_LEVEL[unit.level]
    groups = analysis.groups
    groups = groups[
        (groups["measure"] == key) & (groups["level"] == unit.level) & (groups["unit"] == unit.code)
    ]
    adjusted = analysis.adjusted
    adjusted = adjusted[adjusted["measure"] == key] if unit.level == "national" else adjusted.iloc[0:0]
    units = analysis.units
    compared = units[
        (units["measure"] == key) & (units["level"] == unit.level) & (units["unit"] == unit.code)
    ]
    children = units[
        (units["measure"] == key) & (units["level"] == child_level) & (units["parent"] == unit.code)
    ]
    order = group_order(query.characteristic, query.reference, [*groups["group"], *children["group"]])
    missing = analysis.skipped.get(key)
    return UnitFigures(
        query=query,
        analysis=analysis,
        groups=_ordered(groups, order),
        adjusted=_ordered(adjusted, order),
        compared=_ordered(compared, order),
        children=_ordered(children, order, "unit"),
        child_level=child_level,
        model=analysis.models.get(key, ""),
        dispersion=float(analysis.dispersion.get(key, np.nan)),
        missing=missing,
    )


def funnel_group(unit_figures: UnitFigures, requested: str | None) -> str | None:
    """The group whose funnel to draw: the one asked for if the units have it; else the group with the most
    units flagged, then outside the 95% limits, then the most people (the reference, then the unrecorded
    groups, last)."""
    children = unit_figures.children
    if children.empty:
        return None
    present = [str(group) for group in dict.fromkeys(children["group"])]
    if requested in present:
        return requested
    summary = children.assign(group=children["group"].astype(str)).groupby("group", sort=False)
    ranked = sorted(
        present,
        key=lambda group: (
            group == unit_figures.query.reference,
            _unrecorded(group),
            -int(summary.get_group(group)["flagged"].sum()),
            -int(summary.get_group(group)["outside_95"].sum()),
            -int(summary.get_group(group)["n"].sum()),
        ),
    )
    return ranked[0]
