"""Measures of other populations, registered with the equality engine by the apps that own their data.

The catalogue (:mod:`.measures`) measures people on probation, from one population frame of sentences. Other
apps measure other people with the same statistics: the workforce app its staff (ADR 14), as review registers
its estimates (ADR 13). Equality must not import them (workforce sits above equality), so each registers a
:class:`Population` here when it is ready, and :func:`analyse_population` runs its measures through the
engine's own steps (:func:`.engine.compare_cells`: groups within the nation, regions and PDUs, the adjusted
comparison, observed against expected per unit, one Benjamini-Hochberg family). The result is an
:class:`~.engine.Analysis`, so the dashboard's sections, charts and funnel plots draw it unchanged.

**The declaration rule.** A population of self-declared characteristics (staff) sets ``threshold``: a unit's
breakdown is shown only where at least that share of the people the rule is counted over (the measure's
``declared_among``, else its own rows) have declared the characteristic. Below it the unit's groups, its
comparison with the nation and its place in the funnel are withheld, with the reason, before the false
discovery control (a comparison not shown is not in the family). People who have not declared are in no
group (``group`` is ``""``) and so in no comparison.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .engine import Analysis, BadRequest, Settings, compare_cells, control_false_discoveries
from .measures import Period

NOT_DECLARED = ""
LEVELS = ("national", "region", "pdu")
# The columns every registered measure's cells have, besides its covariates.
CELL_COLUMNS = ("national", "region", "pdu", "team", "group", "trials", "events")

# Per (period, characteristic): one row per trial subject (a staff member, a grievance, an applicant) with
# CELL_COLUMNS and the measure's covariates; ``group`` is "" for someone who has not declared.
Cells = Callable[[Period, str], pd.DataFrame]


@dataclass(frozen=True)
class RegisteredMeasure:
    key: str
    title: str
    definition: str
    cells: Cells
    # The legitimate drivers the national comparison is adjusted for, and why these (shown on the page).
    covariates: tuple[str, ...] = ()
    why_adjusted: str = ""
    # The people the declaration rule is counted over, per unit (national, region, pdu and group columns);
    # None to count it over the measure's own rows.
    declared_among: Cells | None = None


@dataclass(frozen=True)
class Population:
    """A population another app measures: its characteristics (a subset of the catalogue's, with the same
    reference groups), the names of its covariates, the declaration threshold, and its measures."""

    key: str
    name: str  # "staff", as a sentence says it
    characteristics: dict[str, str]
    covariate_names: dict[str, str]
    measures: dict[str, RegisteredMeasure]
    threshold: Callable[[], float] = lambda: 0.0


REGISTERED: dict[str, Population] = {}


def register(population: Population) -> None:
    """Add (or replace, when the app is reloaded) a population and its measures."""
    REGISTERED[population.key] = population


def population(key: str) -> Population:
    try:
        return REGISTERED[key]
    except KeyError:
        raise BadRequest(f"No measures of '{key}' are registered with the equality engine") from None


# The publications other apps run through ``evenhand equality report --KEY`` (the workforce's, ADR 14): each
# reads the command's parsed options and says what it wrote through the callable it is given.
ReportRun = Callable[[dict[str, Any], Callable[[str], None]], None]
REPORTS: dict[str, ReportRun] = {}


def register_report(key: str, run: ReportRun) -> None:
    """Let ``evenhand equality report --KEY`` run another app's publication (registered when it is ready)."""
    REPORTS[key] = run


@dataclass
class PopulationAnalysis:
    """An :class:`~.engine.Analysis` of a registered population, with the units withheld by the
    declaration rule: ``withheld[(measure, unit code)]`` is why."""

    population: Population
    analysis: Analysis
    withheld: dict[tuple[str, str], str]
    declared: pd.DataFrame  # per measure, level and unit: people counted for the rule and the share declared


def analyse_population(
    key: str, period: Period, settings: Settings, *, measures: tuple[str, ...] = ()
) -> PopulationAnalysis:
    """Every measure of the population (or ``measures``) split by ``settings.characteristic``, through the
    engine's steps, with the declaration rule applied per unit before one Benjamini-Hochberg family."""
    started = time.perf_counter()
    chosen = population(key)
    settings.check()
    if settings.characteristic not in chosen.characteristics:
        known = ", ".join(chosen.characteristics)
        raise BadRequest(f"The {chosen.name} measures are split by {known}, not {settings.characteristic}")
    unknown = [name for name in measures if name not in chosen.measures]
    if unknown:
        raise BadRequest(f"Unknown measure of {chosen.name} '{unknown[0]}'")
    threshold = chosen.threshold()
    parts, skipped, withheld, declared = [], {}, {}, []
    for name in measures or tuple(chosen.measures):
        measure = chosen.measures[name]
        rows = measure.cells(period, settings.characteristic)
        basis = (
            rows
            if measure.declared_among is None
            else measure.declared_among(period, settings.characteristic)
        )
        shares = declared_shares(basis).assign(measure=name)
        declared.append(shares)
        for row in shares[shares["share"] < threshold].itertuples():
            withheld[(name, str(row.unit))] = below_threshold(row.share, int(row.n), threshold, chosen.name)
        rows = rows[rows["group"] != NOT_DECLARED]
        if rows.empty or not (rows["group"] == settings.reference_group).any():
            skipped[name] = f"no declared {chosen.name} in the reference group in this measure's population"
            continue
        fine = rows.assign(group=pd.Categorical(rows["group"], categories=sorted(set(rows["group"]))))
        covariates = [c for c in measure.covariates if c != settings.characteristic]
        part = compare_cells(
            name,
            fine,
            drivers=covariates,
            driver_names=chosen.covariate_names,
            by_team=False,
            settings=settings,
        )
        parts.append((measure, part))
    if not parts:
        raise BadRequest(f"None of the {chosen.name} measures has anyone declared in this period")
    analysis = Analysis(
        period=period,
        settings=settings,
        measures=[measure for measure, _ in parts],  # type: ignore[misc]
        groups=_without(pd.concat([p.groups for _, p in parts], ignore_index=True), withheld),
        adjusted=pd.concat([p.adjusted for _, p in parts], ignore_index=True),
        units=_without(pd.concat([p.units for _, p in parts], ignore_index=True), withheld),
        dispersion={m.key: p.dispersion for m, p in parts},
        models={m.key: p.model for m, p in parts},
        skipped=skipped,
    )
    national = [name for name, unit in withheld if unit == "national"]
    analysis.adjusted = analysis.adjusted[~analysis.adjusted["measure"].isin(national)].reset_index(drop=True)
    control_false_discoveries(analysis)
    analysis.seconds = time.perf_counter() - started
    return PopulationAnalysis(chosen, analysis, withheld, pd.concat(declared, ignore_index=True))


def declared_shares(basis: pd.DataFrame) -> pd.DataFrame:
    """Per level and unit: how many people the rule counts (n) and the share of them who declared."""
    found = []
    declared = (basis["group"] != NOT_DECLARED).to_numpy()
    for level in LEVELS:
        frame = pd.DataFrame({"unit": basis[level].astype(str).to_numpy(), "declared": declared})
        summed = frame.groupby("unit", sort=True)["declared"].agg(["size", "mean"]).reset_index()
        found.append(summed.rename(columns={"size": "n", "mean": "share"}).assign(level=level))
    return pd.concat(found, ignore_index=True)[["level", "unit", "n", "share"]]


def below_threshold(share: float, n: int, threshold: float, who: str) -> str:
    return (
        f"only {share:.0%} of the {n} {who} counted here have declared it; a breakdown is shown only where at "
        f"least {threshold:.0%} have, so that it describes the unit's {who}"
    )


def _without(frame: pd.DataFrame, withheld: dict[tuple[str, str], str]) -> pd.DataFrame:
    """The frame's rows of units not withheld (every level of a unit: its groups, its comparison with the
    nation, its place in its parent's funnel)."""
    if frame.empty or not withheld:
        return frame
    pairs = pd.MultiIndex.from_arrays([frame["measure"].astype(str), frame["unit"].astype(str)])
    hidden = pairs.isin(list(withheld))
    return frame.loc[~np.asarray(hidden)].reset_index(drop=True)
