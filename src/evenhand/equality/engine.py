"""The equality engine: every measure of the catalogue, split by one characteristic, for every unit.

One run reads the period's data once (:class:`~evenhand.equality.measures.Source`), then per measure:

1. **Groups within units**: n, events, rate (Wilson) and each group against the reference group of the same
   unit (relative rate, odds ratio, Fisher or chi-square), nationally and for every region and PDU.
2. **Adjusted** (national): the logistic regression on the measure's legitimate drivers, giving the
   adjusted odds ratio and the adjusted relative rate by marginal standardisation beside the crude ones.
3. **Units**: for each region, PDU and team and each group, observed against expected events, the expected
   count coming from the national model with the same drivers (region left out: a unit is compared with
   the nation) and *not* the group, so a unit is flagged when a group there fares worse than similar
   people nationally.

Every p-value of a run (steps 1 to 3 for regions and PDUs) goes into one Benjamini-Hochberg family; a
comparison is flagged when q < 0.05 and its ratio lies outside the materiality band. Teams are the drill-down
below a PDU: all the team tests of a measure form one family of their own (some 10,000 tests), so that
looking through 1,700 teams does not flag dozens by chance (one family per PDU flagged teams in about 5% of
PDUs on data with no bias), and the report's family is not swamped by them. Measures whose team is an
outcome of the decision (allocation: the team is the allocated practitioner's) are not compared by team.
Nothing here writes.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evenhand.people.models import Disability, EthnicGroup, Ethnicity, Religion, Sex

from .measures import (
    CATALOGUE,
    CHARACTERISTICS,
    DRIVERS,
    MEASURE_DRIVERS,
    NOT_RECORDED,
    RECORDED,
    Measure,
    Period,
    Source,
    measure_cells,
)
from .sampled import empty as no_estimates
from .sampled import estimates as sampled_estimates
from .sampled import sampled_measures
from .stats import (
    MATERIALITY_BAND,
    Q_THRESHOLD,
    ModelNotFitted,
    adjusted_comparison,
    bh_qvalues,
    bh_qvalues_by,
    compare_within,
    expected_events,
    flag,
)
from .stats.funnel import binomial_comparison
from .stats.grouping import sum_by

LEVELS = ("national", "region", "pdu")
UNIT_LEVELS = ("region", "pdu", "team")
DEFAULT_REFERENCE = {
    "ethnic_group": EthnicGroup.WHITE.value,
    "ethnicity": "W1",
    "sex": Sex.MALE.value,
    "age_band": "30-39",
    "religion": Religion.CHRISTIAN.value,
    "disability": Disability.NO.value,
    "ethnic_group_sex": f"{EthnicGroup.WHITE.value}, {Sex.MALE.value}",
}
_LABELS: dict[str, dict[str, str]] = {
    "ethnic_group": dict(EthnicGroup.choices),
    "ethnicity": dict(Ethnicity.choices),
    "sex": dict(Sex.choices),
    "religion": dict(Religion.choices),
    "disability": dict(Disability.choices),
}
# Reported, never compared: the absence of a value is a recording problem, shown in the completeness panel.
UNRECORDED = {"not_recorded", "NR", "prefer_not_to_say", "PNS"}


def group_label(characteristic: str, code: str) -> str:
    """The words for a group code: "Black, Black British, …" for ``black``; "White, Female" for
    ``white, F``."""
    if characteristic == "ethnic_group_sex":
        group, _, sex = code.partition(", ")
        return f"{group_label('ethnic_group', group)}, {group_label('sex', sex)}"
    return _LABELS.get(characteristic, {}).get(code, code)


class BadRequest(ValueError):
    """An analysis that cannot be run as asked (unknown measure, characteristic, reference…), with the
    reason in words for the person who asked."""


@dataclass(frozen=True)
class Settings:
    characteristic: str = "ethnic_group"
    reference: str | None = None  # the characteristic's default when None
    measures: tuple[str, ...] = ()  # every measure that can be split by the characteristic when empty
    min_n: int = 30
    band: tuple[float, float] = MATERIALITY_BAND
    q_threshold: float = Q_THRESHOLD
    alpha: float = 0.05

    @property
    def reference_group(self) -> str:
        return self.reference or DEFAULT_REFERENCE[self.characteristic]

    def check(self) -> None:
        if self.characteristic not in CHARACTERISTICS:
            known = ", ".join(CHARACTERISTICS)
            raise BadRequest(f"Unknown characteristic '{self.characteristic}': choose one of {known}")
        unknown = [key for key in self.measures if key not in CATALOGUE and key not in sampled_measures()]
        if unknown:
            raise BadRequest(f"Unknown measure '{unknown[0]}': see the catalogue for the measures there are")
        if self.min_n < 1:
            raise BadRequest("The smallest group compared must have at least 1 person")
        low, high = self.band
        if not 0 < low <= 1 <= high:
            raise BadRequest(
                f"The materiality band must be (low, high) with 0 < low ≤ 1 ≤ high, not {self.band}"
            )
        if not 0 < self.q_threshold <= 1 or not 0 < self.alpha < 1:
            raise BadRequest("The q-value threshold and alpha must lie between 0 and 1")


@dataclass
class Analysis:
    """The result of one run. Frames are long (one row per measure, unit and group); see the module
    docstring for what each holds."""

    period: Period
    settings: Settings
    measures: list[Measure]
    groups: pd.DataFrame  # national, region and PDU groups with crude comparisons
    adjusted: pd.DataFrame  # national crude and adjusted comparisons
    units: pd.DataFrame  # observed against expected per region, PDU and team and group
    dispersion: dict[str, float]  # per measure, national V/E (for drawing the funnel)
    models: dict[str, str] = field(default_factory=dict)  # per measure, what the adjusted model did
    skipped: dict[str, str] = field(default_factory=dict)  # measures not split by this characteristic
    seconds: float = 0.0
    # Measures estimated from a sample (:mod:`.sampled`): per measure, unit and group, the design-weighted
    # share and its comparison with the reference group, q-values of their own family, flagged.
    sampled: pd.DataFrame = field(default_factory=no_estimates)

    @property
    def reference(self) -> str:
        return self.settings.reference_group

    def flagged(self) -> pd.DataFrame:
        """Every flagged comparison of the report's family, most certain first: measure, where, group, the
        ratio that was flagged and its q-value."""
        parts = [
            self.adjusted.loc[self.adjusted["adjusted_flagged"]].assign(
                level="national",
                unit="national",
                kind="adjusted",
                ratio=lambda f: f["adjusted_relative_rate"],
                q_value=lambda f: f["adjusted_q_value"],
            ),
            self.units.loc[self.units["flagged"] & (self.units["level"] != "team")].assign(
                kind="unit", ratio=lambda f: f["odds_ratio"]
            ),
            self.sampled.loc[self.sampled["flagged"].astype(bool)].assign(kind="sampled"),
        ]
        columns = ["measure", "level", "unit", "group", "kind", "ratio", "q_value"]
        frame = pd.concat([part[columns] for part in parts], ignore_index=True)
        return frame.sort_values(["q_value", "measure", "unit", "group"], kind="stable", ignore_index=True)


Progress = Callable[[str], None]


def analyse(
    period: Period,
    settings: Settings | None = None,
    *,
    progress: Progress | None = None,
    source: Source | None = None,
) -> Analysis:
    """Run the catalogue (or ``settings.measures``) for the period. Raises :class:`BadRequest` for bad
    settings, a reference group with no people, or a period with nobody under supervision. ``source`` lets
    a caller that needs the same data again (the trend, data completeness) read it once."""
    settings = settings or Settings()
    started = time.perf_counter()
    if source is not None and source.period != period:
        raise ValueError("the source must be for the period analysed")
    source = source or Source(period)
    check_request(settings, source)
    characteristic = settings.characteristic
    keys = settings.measures or tuple(CATALOGUE)
    chosen = [CATALOGUE[key] for key in keys if key in CATALOGUE]
    analysed: list[Measure] = []
    skipped: dict[str, str] = {}
    groups, adjusted, units = [], [], []
    dispersion: dict[str, float] = {}
    models: dict[str, str] = {}
    for measure in chosen:
        if characteristic not in measure.characteristics:
            skipped[measure.key] = f"not split by {CHARACTERISTICS[characteristic].lower()}"
            continue
        if progress:
            progress(measure.title)
        part = _measure(measure, source, settings)
        if part is None:
            skipped[measure.key] = "nobody in the measure's population in this period"
            continue
        analysed.append(measure)
        groups.append(part.groups)
        adjusted.append(part.adjusted)
        units.append(part.units)
        dispersion[measure.key] = part.dispersion
        models[measure.key] = part.model
    if not analysed:
        raise BadRequest("None of the measures asked for has anyone in its population in this period")
    analysis = Analysis(
        period=period,
        settings=settings,
        measures=analysed,
        groups=pd.concat(groups, ignore_index=True),
        adjusted=pd.concat(adjusted, ignore_index=True),
        units=pd.concat(units, ignore_index=True),
        dispersion=dispersion,
        models=models,
        skipped=skipped,
    )
    control_false_discoveries(analysis)
    analysis.sampled = sampled_estimates(
        period,
        characteristic=characteristic,
        reference=settings.reference_group,
        measures=settings.measures,
        q_threshold=settings.q_threshold,
        band=settings.band,
    )
    analysis.seconds = time.perf_counter() - started
    return analysis


def check_request(settings: Settings, source: Source) -> None:
    """Raise :class:`BadRequest` for bad settings, a period with nobody under supervision, or a reference
    group with no people: what :func:`analyse` refuses, asked before any long work."""
    settings.check()
    period = source.period
    if source.population.empty:
        raise BadRequest(
            f"Nobody was under supervision between {period.start:%-d %B %Y} and {period.end:%-d %B %Y}"
        )
    characteristic, reference = settings.characteristic, settings.reference_group
    present = set(source.population[characteristic].dropna().unique())
    if reference not in present:
        known = ", ".join(sorted(map(str, present)))
        raise BadRequest(
            f"The reference group '{reference}' has no people in this period (the groups are {known})"
        )


@dataclass
class _Part:
    groups: pd.DataFrame
    adjusted: pd.DataFrame
    units: pd.DataFrame
    dispersion: float
    model: str


def _measure(measure: Measure, source: Source, settings: Settings) -> _Part | None:
    characteristic = settings.characteristic
    rows = measure_cells(measure, source)
    if rows.empty:
        return None
    drivers = [d for d in measure.drivers if d != characteristic]
    keys = list(dict.fromkeys(["region", "pdu", "team", characteristic, *drivers]))
    # One row per sentence: at national scale nearly every sentence has a combination of its own, so adding
    # up by every key first would save nothing.
    fine = rows[[*keys, "national", "trials", "events"]].rename(columns={characteristic: "group"})
    return compare_cells(
        measure.key,
        fine,
        drivers=drivers,
        driver_names=DRIVER_NAMES,
        by_team=measure.by_team,
        settings=settings,
    )


def compare_cells(
    key: str,
    fine: pd.DataFrame,
    *,
    drivers: Sequence[str],
    driver_names: dict[str, str],
    by_team: bool,
    settings: Settings,
) -> _Part:
    """Steps 1 to 3 of the module docstring for one measure's cells: ``fine`` has the units (national,
    region, pdu, team), ``group`` (categorical), the ``drivers`` and per row the trials and events. Shared by
    the catalogue's measures and the measures other apps register (:mod:`.registry`)."""
    reference = settings.reference_group
    drivers = list(drivers)
    unit_drivers = [d for d in drivers if d != "region"]
    groups = []
    for level in LEVELS:
        counts = sum_by(fine, [level, "group"], ["trials", "events"])
        counts = counts.rename(columns={level: "unit", "trials": "n"})
        compared = compare_within(counts, reference=reference, min_n=settings.min_n, alpha=settings.alpha)
        groups.append(compared.assign(level=level))
    group_table = pd.concat(groups, ignore_index=True).assign(measure=key)

    model = "adjusted for " + ", ".join(driver_names[d] for d in drivers)
    if not drivers:
        adjusted_table = pd.DataFrame(columns=["group"])
        model = "no adjusted model: the measure has no legitimate drivers to adjust for"
    elif fine.loc[(fine["group"] == reference).to_numpy(), "trials"].sum() > 0:
        result = adjusted_comparison(
            fine,
            outcome="events",
            people="trials",
            group="group",
            reference=reference,
            covariates=drivers,
            min_n=settings.min_n,
            alpha=settings.alpha,
        )
        # The groups in the characteristic's order, as everywhere else (the model takes them as they come).
        adjusted_table = result.table.reset_index(names="group")
        order = pd.Categorical(adjusted_table["group"], categories=fine["group"].cat.categories).codes
        adjusted_table = adjusted_table.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
        if not result.fitted:
            model = f"no adjusted model: {result.reason}"
    else:
        adjusted_table = pd.DataFrame(columns=["group"])
        model = "no adjusted model: the reference group is not in this measure's population"
    adjusted_table = adjusted_table.assign(measure=key)

    try:
        expected = expected_events(
            fine,
            outcome="events",
            people="trials",
            covariates=unit_drivers,
            by=["region", "pdu", "team", "group"],
        ).reset_index()
    except ModelNotFitted as error:
        return _Part(
            group_table, adjusted_table, _no_units(), float("nan"), f"{model}; no unit model: {error}"
        )
    total_expected = expected["expected"].sum()
    dispersion = float(expected["variance"].sum() / total_expected) if total_expected > 0 else float("nan")
    units = []
    levels = (("region", None), ("pdu", "region"), ("team", "pdu"))
    for level, parent in levels if by_team else levels[:2]:
        by = [level, "group"] if parent is None else [level, parent, "group"]
        summed = sum_by(expected, by, ["n", "observed", "expected", "variance"])
        # Sentences with no allocation have no team: they count in their PDU and region only.
        summed = summed[summed[level] != "unknown"].reset_index(drop=True)
        compared = binomial_comparison(
            summed["observed"],
            summed["expected"],
            summed["variance"],
            summed["n"],
            min_n=settings.min_n,
            alpha=settings.alpha,
        ).reset_index(drop=True)
        compared.insert(0, "group", summed["group"].to_numpy())
        compared.insert(0, "parent", "national" if parent is None else summed[parent].to_numpy())
        compared.insert(0, "unit", summed[level].to_numpy())
        units.append(compared.assign(level=level))
    unit_table = pd.concat(units, ignore_index=True).assign(measure=key)
    return _Part(group_table, adjusted_table, unit_table, dispersion, model)


DRIVER_NAMES = {
    "tier": "tier",
    "rosh": "risk of serious harm",
    "offence": "offence group",
    "age_band": "age band",
    "sex": "sex",
    "region": "region",
    **MEASURE_DRIVERS,
}
assert set(DRIVER_NAMES) == set(DRIVERS) | set(MEASURE_DRIVERS)


def _no_units() -> pd.DataFrame:
    return pd.DataFrame(columns=["unit", "parent", "group", "level", "measure", "p_value", "odds_ratio"])


def control_false_discoveries(analysis: Analysis) -> None:
    """One Benjamini-Hochberg family for the report (groups, adjusted, regions and PDUs); one per measure for
    the team drill-down. Then the flag rule on each comparison's own ratio."""
    settings = analysis.settings
    groups, adjusted, units = analysis.groups, analysis.adjusted, analysis.units
    if "adjusted_p_value" not in adjusted.columns:
        adjusted["adjusted_p_value"] = np.nan
    for column in ("crude_p_value", "crude_relative_rate", "adjusted_relative_rate"):
        if column not in adjusted.columns:
            adjusted[column] = np.nan
    reported = units["level"] != "team"
    family = np.concatenate(
        [
            groups["p_value"].to_numpy(dtype=float),
            adjusted["adjusted_p_value"].to_numpy(dtype=float),
            units.loc[reported, "p_value"].to_numpy(dtype=float),
        ]
    )
    q = bh_qvalues(family)
    first, second = len(groups), len(groups) + len(adjusted)
    groups["q_value"] = q[:first]
    adjusted["adjusted_q_value"] = q[first:second]
    units["q_value"] = np.nan
    units.loc[reported, "q_value"] = q[second:]
    teams = units["level"] == "team"
    if teams.any():
        family = units.loc[teams, "measure"].astype(str)
        units.loc[teams, "q_value"] = bh_qvalues_by(units.loc[teams, "p_value"].to_numpy(dtype=float), family)

    def flagged(q_values: pd.Series, ratios: pd.Series) -> np.ndarray:
        return flag(
            q_values.to_numpy(dtype=float),
            ratios.to_numpy(dtype=float),
            q_threshold=settings.q_threshold,
            band=settings.band,
        )

    groups["flagged"] = flagged(groups["q_value"], groups["relative_rate"])
    # The crude figure of the national comparison is flagged on the crude test, the adjusted on its own.
    national = groups[groups["level"] == "national"].set_index(["measure", "group"])
    keys = pd.MultiIndex.from_frame(adjusted[["measure", "group"]])
    adjusted["crude_q_value"] = national["q_value"].reindex(keys).to_numpy()
    adjusted["crude_flagged"] = national["flagged"].reindex(keys).fillna(False).to_numpy(dtype=bool)
    adjusted["adjusted_flagged"] = flagged(adjusted["adjusted_q_value"], adjusted["adjusted_relative_rate"])
    units["flagged"] = flagged(units["q_value"], units["odds_ratio"])


def quarters(period: Period) -> list[Period]:
    """The calendar quarters the period touches, each cut to the period."""
    parts = []
    start = pd.Timestamp(period.start).to_period("Q")
    end = pd.Timestamp(period.end).to_period("Q")
    for quarter in pd.period_range(start, end, freq="Q"):
        first = max(quarter.start_time.date(), period.start)
        last = min(quarter.end_time.date(), period.end)
        parts.append(Period(first, last))
    return parts


def trend(
    period: Period,
    settings: Settings,
    measures: Sequence[str],
    *,
    source: Source | None = None,
    unit_level: str = "national",
    unit_code: str | None = None,
) -> pd.DataFrame:
    """Quarter by quarter, each group against the reference, nationally or within one unit (``unit_level``
    region, pdu or team, and its ``unit_code``): the crude comparison per quarter (``compare_within`` with the
    quarter as the unit). Columns: measure, quarter (e.g. "2026 Q1"), group and the comparison's columns.

    A quarter of a measure of trials (:attr:`Measure.quarters_add_up`) has the period's trials that fall in
    it, on the period's rows, so its quarters add up to the period group by group; a quarter of a measure of
    people has everyone under supervision in the quarter, and a person supervised in several quarters counts
    in each (see :meth:`Source.part`)."""
    settings.check()
    if unit_level != "national" and (unit_level not in UNIT_LEVELS or not unit_code):
        raise BadRequest(f"Unknown unit '{unit_level} {unit_code or ''}'".strip())
    source = source or Source(period)
    parts = []
    for quarter in quarters(period):
        part = source.part(quarter)
        label = f"{quarter.start.year} Q{(quarter.start.month - 1) // 3 + 1}"
        for key in measures:
            measure = CATALOGUE[key]
            if settings.characteristic not in measure.characteristics:
                continue
            rows = measure_cells(measure, part)
            if unit_level != "national":
                rows = rows[rows[unit_level].astype(str) == str(unit_code)]
            counts = rows.groupby(settings.characteristic, observed=True)[["trials", "events"]].sum()
            counts = counts.reset_index().rename(columns={settings.characteristic: "group", "trials": "n"})
            counts["unit"] = label
            compared = compare_within(
                counts, reference=settings.reference_group, min_n=settings.min_n, alpha=settings.alpha
            )
            parts.append(compared.rename(columns={"unit": "quarter"}).assign(measure=key))
    if not parts:
        return pd.DataFrame(columns=["measure", "quarter", "group"])
    return pd.concat(parts, ignore_index=True)


TREND_LEVELS = ("national", "region", "pdu")


def trends(
    period: Period,
    settings: Settings,
    *,
    source: Source | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """:func:`trend` for every measure the characteristic splits and every unit the dashboard opens at (the
    nation, each region and each PDU) at once: each quarter's cells of a measure are read once and compared
    within every unit in one vectorised pass. Columns: level, unit (the unit's code, ``national`` for the
    nation), then :func:`trend`'s. Precomputed beside the analysis, so the dashboard slices it."""
    return trends_by(period, [settings], source=source, progress=progress)[0]


def trends_by(
    period: Period,
    requests: Sequence[Settings],
    *,
    source: Source | None = None,
    progress: Progress | None = None,
) -> list[pd.DataFrame]:
    """:func:`trends` for several settings (characteristics) at once, each quarter's cells of a measure read
    once for all of them: the nightly precomputation of every characteristic."""
    for request in requests:
        request.check()
    source = source or Source(period)
    parts: list[list[pd.DataFrame]] = [[] for _ in requests]
    for quarter in quarters(period):
        part = source.part(quarter)
        label = f"{quarter.start.year} Q{(quarter.start.month - 1) // 3 + 1}"
        if progress:
            progress(f"Working out the trend: {label}")
        for key, measure in CATALOGUE.items():
            wanted = [
                i for i, request in enumerate(requests) if request.characteristic in measure.characteristics
            ]
            if not wanted:
                continue
            rows = measure_cells(measure, part)
            for i in wanted:
                parts[i] += _unit_trends(rows, requests[i], key, label)
    empty = pd.DataFrame(columns=["level", "unit", "measure", "quarter", "group"])
    return [pd.concat(found, ignore_index=True) if found else empty.copy() for found in parts]


def _unit_trends(rows: pd.DataFrame, settings: Settings, measure: str, quarter: str) -> list[pd.DataFrame]:
    """One quarter of one measure, each group against the reference within the nation, each region and PDU."""
    characteristic = settings.characteristic
    found = []
    for level in TREND_LEVELS:
        by = [characteristic] if level == "national" else [level, characteristic]
        counts = rows.groupby(by, observed=True)[["trials", "events"]].sum().reset_index()
        counts = counts.rename(columns={characteristic: "group", "trials": "n"})
        counts["unit"] = "national" if level == "national" else counts[level].astype(str)
        if level != "national":
            counts = counts.drop(columns=level)
        compared = compare_within(
            counts, reference=settings.reference_group, min_n=settings.min_n, alpha=settings.alpha
        )
        found.append(compared.assign(level=level, quarter=quarter, measure=measure))
    return found


def completeness(source: Source, level: str = "pdu") -> pd.DataFrame:
    """Data completeness per unit: people under supervision in the period (counted once per sentence, as in
    the measures) and how many have ethnicity, religion and disability not recorded ("prefer not to say"
    counts as recorded: it is an answer). Columns: unit, n, then ``<field>_not_recorded`` and
    ``<field>_rate`` for each name; a national row first."""
    if level not in ("region", "pdu", "team"):
        raise BadRequest(f"Unknown unit level '{level}': choose region, pdu or team")
    frame = source.population
    flags = pd.DataFrame(
        {name: (frame[name] == NOT_RECORDED[name]).to_numpy() for name, _ in RECORDED}, index=frame.index
    )
    flags["unit"] = frame[level].astype(str).to_numpy()
    flags["n"] = 1
    per_unit = flags.groupby("unit", observed=True).sum(numeric_only=True).reset_index()
    total = flags.drop(columns="unit").sum(numeric_only=True).to_frame().T.assign(unit="national")
    table = pd.concat([total, per_unit], ignore_index=True)
    for name, _ in RECORDED:
        table = table.rename(columns={name: f"{name}_not_recorded"})
        table[f"{name}_rate"] = table[f"{name}_not_recorded"] / table["n"]
    return table[table["unit"] != "unknown"].reset_index(drop=True)
