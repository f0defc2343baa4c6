"""A period's equality publication as one system of cells, protected and audited together.

Everything a period's publication releases is one :class:`~evenhand.disclosure.Cells` system (see
:mod:`evenhand.disclosure`): for every measure, every characteristic, the year and its quarters, and every
published level, the people (or trials) and the people with the outcome of each group and of everyone, and
the people without the outcome, which are never published but follow from the two. Publishing one
characteristic and then another for the same period cannot undo either, because all seven are protected at
once and every report of the period shows the same pattern.

The relations a reader knows, each declared here:

- **Units add up**: PDUs to their region, regions to England and Wales, group by group.
- **Groups add up** to everyone in the unit; a characteristic whose categories each fall in one category
  of another (19 ethnicities in 5 ethnic groups; ethnic group and sex in each of its margins) adds up to it.
- **Quarters add up to the year** for measures whose trials are events in time (decisions, absences,
  referrals ended, assessments, allocations, sentences ended): each trial falls in one quarter. For the
  measures of people, a quarter's population is the people under supervision in it, which overlap; a
  quarter's count is then at most the year's, and the year's at most the sum of the quarters.
- **One fact, one cell**: populations of exactly the same people are the same cell, wherever they appear
  (the licences under supervision are the population of both recall measures; the women's services
  population is the female caseload; a PDU alone in its region has the region's counts). This is found from
  the data: each population count carries a fingerprint of the sentences it counts (a sum of 64-bit hashes
  of their ids), and equal fingerprints name one cell.
- **Subsets are bounded by their sets**: a measure's people with the outcome that are always among
  another's (recall approved within recall requested; each service's referrals within referrals to any
  service) are at most those; people referred to any service are at most the sum of those referred to
  each; populations contained in another are at most it, and disjoint ones (licences, orders) together
  at most the population that holds both.

Levels: national and region for every characteristic; PDU for the characteristics with few groups (ethnic
group, sex, age band, disability). By PDU, the 19 ethnicities, religion and ethnic group and sex have a third
of their counts under 5: a table that would be mostly ``[c]``, whose few published figures would each cost
several more suppressions. Teams are never published: they are for staff, on the dashboard.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evenhand.disclosure import Cells, CellSystem, Key, Protection, Rules, protect
from evenhand.equality.engine import quarters
from evenhand.equality.measures import CATALOGUE, Measure, Period, Source, measure_cells

Progress = Callable[[str], None]
YEAR = "year"
EVERYONE = ("all", "Total")
NATIONAL = ("national", "national")
DETAILED_LEVELS = ("national", "region", "pdu")
SUMMARY_LEVELS = ("national", "region")
# Characteristics published by PDU; the others nationally and by region only (see the module docstring).
BY_PDU = ("ethnic_group", "sex", "age_band", "disability")
# What suppressing a cell costs: a total costs more than a group's figure, a national figure more still.
COST = {"pdu": 1.0, "region": 2.0, "national": 4.0}


def levels(characteristic: str) -> tuple[str, ...]:
    """The unit levels a characteristic's figures are published at."""
    return DETAILED_LEVELS if characteristic in BY_PDU else SUMMARY_LEVELS


def cell_key(
    kind: str, measure: str, when: str, level: str, unit: str, characteristic: str, group: str
) -> Key:
    """The key of a published count: ``kind`` is ``"n"`` (people or trials), ``"events"`` or ``"without"``
    (never published); ``when`` is ``"year"`` or a quarter ("2026 Q1"); everyone is characteristic
    ``"all"``, group ``"Total"``."""
    return (kind, measure, when, level, unit, characteristic, group)


def quarter_label(quarter: Period) -> str:
    return f"{quarter.start.year} Q{(quarter.start.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class Release:
    """A period's protected publication: its cells and the suppression pattern every report shows."""

    period: Period
    cells: Cells
    protection: Protection
    seconds: float

    def hidden(self, key: Key) -> bool:
        return bool(self.protection.hidden[self.cells.index[key]])

    def value(self, key: Key) -> int:
        return int(self.cells.values[self.cells.index[key]])

    def __contains__(self, key: Key) -> bool:
        return key in self.cells.index


def release(
    source: Source,
    *,
    rules: Rules | None = None,
    measures: Sequence[str] = (),
    hidden: Sequence[Key] = (),
    progress: Progress | None = None,
) -> Release:
    """Build the period's cells and protect them. ``hidden`` names cells an earlier release of the period
    suppressed (they stay suppressed). Raises ``DisclosureError`` if the publication cannot be protected."""
    started = time.perf_counter()
    say = progress or (lambda _: None)
    say("Building the publication's cells and relations")
    cells = period_cells(source, measures=measures)
    say(f"{cells.size:,} counts, {cells.equalities.shape[0] + cells.inequalities.shape[0]:,} relations")
    before = np.zeros(cells.size, dtype=bool)
    for key in hidden:
        if key in cells.index:
            before[cells.index[key]] = True
    protection = protect(cells, rules or Rules(), hidden=before, parts=parts(source, cells), progress=say)
    return Release(source.period, cells, protection, time.perf_counter() - started)


def parts(source: Source, cells: Cells) -> np.ndarray | None:
    """A part per cell for protection to work region by region: each region's figures and its PDUs'
    are one part; the national figures (-1) are shared by every part. None for a single region."""
    units = source.population[["pdu", "region"]].astype(str).drop_duplicates()
    if units["region"].nunique() < 2:
        return None
    region_of = dict(zip(units["pdu"], units["region"], strict=True))
    number = {region: i for i, region in enumerate(sorted(set(units["region"])))}
    return np.array(
        [
            -1 if level == "national" else number[unit if level == "region" else region_of[unit]]
            for level, unit in (key[3:5] for key in cells.keys)
        ],
        dtype=np.int64,
    )


def _fingerprints(ids: np.ndarray) -> np.ndarray:
    """A 64-bit hash per sentence id (SplitMix64): the sum over a count's sentences is its fingerprint."""
    z = ids.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


class _Builder:
    """Declares the cells and relations of one period."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.system = CellSystem()
        self.identity: dict[tuple[int | None, int], Key] = {}
        population = source.population
        self.regions = (
            population[["pdu", "region"]].astype(str).drop_duplicates().groupby("region")["pdu"].apply(sorted)
        )
        self.nested = _nested(population)
        # (measure, when, level) -> the (unit, characteristic, group) declared there.
        self.declared: dict[tuple[str, str, str], set[tuple[str, str, str]]] = {}

    def declare(self, key: Key, count: int, fingerprint: int | None = None, *, implied: bool = False) -> None:
        """A cell; with a ``fingerprint``, named also by any earlier key that counts the same sentences.

        Only populations are matched so: two measures on one population share it by definition (the
        licences of both recall measures, the women of the women's services measure and the female
        caseload). That two counts of outcomes hold the same people (every recall in a cell approved) is
        no fact a reader knows, nor that two counts are both 0; the subsets that are known by definition
        are declared as relations (:func:`_subsets`).
        """
        identity = (fingerprint, count)
        same = self.identity.get(identity) if fingerprint is not None and count else None
        if same is None:
            if fingerprint is not None and count:
                self.identity[identity] = key
            self.system.cell(key, count, implied=implied, cost=COST.get(str(key[3]), 1.0))
        elif key != same:
            self.system.alias(key, same)

    def measure(self, measure: Measure, when: str, frame: pd.DataFrame, *, national_only: bool) -> None:
        """The cells of one measure in one period (year or quarter) and their relations."""
        frame = frame.assign(
            hn=_fingerprints(frame.index.to_numpy()) * frame["trials"].to_numpy().astype(np.uint64)
        )
        for characteristic in measure.characteristics:
            published = ("national",) if national_only else levels(characteristic)
            for level in published:
                self._level(measure, when, frame, characteristic, level)
            for parent, children in (("region", "pdu"), ("national", "region")):
                if parent in published and children in published:
                    self._units(measure, when, frame, characteristic, parent, children)
        for characteristic in measure.characteristics:
            published = ("national",) if national_only else levels(characteristic)
            for finer, coarser in self.nested.get(characteristic, ()):
                if finer in measure.characteristics:
                    for level in published:
                        if level in levels(finer):
                            self._nest(measure, when, frame, level, finer, coarser)

    def _level(
        self, measure: Measure, when: str, frame: pd.DataFrame, characteristic: str, level: str
    ) -> None:
        system = self.system
        columns = ["trials", "events", "hn"]
        totals = frame.groupby(level, observed=True)[columns].sum()
        groups = frame.groupby([level, characteristic], observed=True)[columns].sum()
        for (unit, group), row in zip(groups.index, groups.itertuples(index=False), strict=True):
            self._row(measure.key, when, level, str(unit), characteristic, str(group), row)
        for unit, row in zip(totals.index, totals.itertuples(index=False), strict=True):
            self._row(measure.key, when, level, str(unit), *EVERYONE, row)
            members = groups.loc[unit].index if unit in groups.index.get_level_values(0) else []
            for kind in ("n", "events"):
                system.add(
                    cell_key(kind, measure.key, when, level, str(unit), *EVERYONE),
                    [
                        cell_key(kind, measure.key, when, level, str(unit), characteristic, str(g))
                        for g in members
                    ],
                    f"{kind} of {measure.key} {when} {level} {unit}: the {characteristic} groups add up",
                )

    def _row(
        self, measure: str, when: str, level: str, unit: str, characteristic: str, group: str, row: tuple
    ) -> None:
        trials, events, hn = (int(value) for value in row)
        at = (measure, when, level, unit, characteristic, group)
        n_key, events_key, without_key = (("n", *at), ("events", *at), ("without", *at))
        if n_key in self.system:
            return  # already declared for another characteristic's pass (everyone)
        self.declared.setdefault((measure, when, level), set()).add((unit, characteristic, group))
        self.declare(n_key, trials, hn)
        self.declare(events_key, events)
        self.declare(without_key, trials - events, implied=True)
        self.system.add(n_key, [events_key, without_key], f"{measure} {when} {level} {unit} {group}: row")

    def _units(
        self,
        measure: Measure,
        when: str,
        frame: pd.DataFrame,
        characteristic: str,
        parent: str,
        children: str,
    ) -> None:
        present = self._present(measure, when, children)
        for unit, members in self._children(parent, children):
            for group in [*self._groups(frame, characteristic), EVERYONE[1]]:
                char = EVERYONE[0] if group == EVERYONE[1] else characteristic
                whole = cell_key("n", measure.key, when, parent, unit, char, group)
                if whole not in self.system:
                    continue
                for kind in ("n", "events"):
                    parts = [
                        cell_key(kind, measure.key, when, children, member, char, group)
                        for member in members
                        if (member, char, group) in present
                    ]
                    self.system.add(
                        cell_key(kind, measure.key, when, parent, unit, char, group),
                        parts,
                        f"{kind} of {measure.key} {when} {group}: the {children} units of {unit} add up",
                    )

    def _present(self, measure: Measure, when: str, level: str) -> set[tuple[str, str, str]]:
        return self.declared.get((measure.key, when, level), set())

    def _children(self, parent: str, children: str) -> list[tuple[str, list[str]]]:
        if parent == "national":
            return [("national", sorted(self.regions.index))]
        return [(region, list(pdus)) for region, pdus in self.regions.items()]

    @staticmethod
    def _groups(frame: pd.DataFrame, characteristic: str) -> list[str]:
        return [str(group) for group in frame[characteristic].dropna().unique()]

    def _nest(
        self, measure: Measure, when: str, frame: pd.DataFrame, level: str, finer: str, coarser: str
    ) -> None:
        for unit, part in frame.groupby(level, observed=True):
            pairs = part[[finer, coarser]].drop_duplicates().astype(str)
            for group, members in pairs.groupby(coarser)[finer]:
                for kind in ("n", "events"):
                    self.system.add(
                        cell_key(kind, measure.key, when, level, str(unit), coarser, str(group)),
                        [cell_key(kind, measure.key, when, level, str(unit), finer, str(m)) for m in members],
                        f"{kind} of {measure.key} {when} {level} {unit}: {finer} within {coarser} {group}",
                    )


def _nested(population: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """For each characteristic, the (finer, coarser) pairs in which it is the coarser: every category of the
    finer one lies within one category of the coarser in the whole population."""
    from evenhand.equality.measures import CHARACTERISTICS

    nested: dict[str, list[tuple[str, str]]] = {}
    for finer in CHARACTERISTICS:
        for coarser in CHARACTERISTICS:
            if finer == coarser:
                continue
            pairs = population[[finer, coarser]].drop_duplicates()
            if pairs[finer].nunique() > pairs[coarser].nunique() and not pairs[finer].duplicated().any():
                nested.setdefault(coarser, []).append((finer, coarser))
    return nested


def period_cells(source: Source, *, measures: Sequence[str] = ()) -> Cells:
    """Every count the period's publication releases, with every relation a reader knows (module docstring)."""
    builder = _Builder(source)
    # The measures of recording always: the completeness table, published in every report, shows them.
    # Measures estimated from a sample (case review) count no one in the population: nothing to protect here.
    counted = [key for key in measures if key in CATALOGUE] if measures else list(CATALOGUE)
    keys = dict.fromkeys([*counted, *(key for key, m in CATALOGUE.items() if m.completeness)])
    chosen = [CATALOGUE[key] for key in keys]
    frames: dict[str, pd.DataFrame] = {}
    periods = quarters(source.period)
    for measure in chosen:
        frame = measure_cells(measure, source)
        if frame.empty:
            continue
        frames[measure.key] = frame
        builder.measure(measure, YEAR, frame, national_only=False)
        for quarter in periods:
            part = measure_cells(measure, source.part(quarter))
            builder.measure(measure, quarter_label(quarter), part, national_only=True)
        _quarters(builder, measure, [quarter_label(q) for q in periods])
    _subsets(builder, [CATALOGUE[key] for key in frames], frames)
    return builder.system.freeze()


def _quarters(builder: _Builder, measure: Measure, labels: list[str]) -> None:
    """Quarters against the year, nationally, for every group published."""
    system = builder.system
    if len(labels) < 2:
        return
    for characteristic in [*measure.characteristics, EVERYONE[0]]:
        groups = {
            group
            for unit, char, group in builder.declared.get((measure.key, YEAR, "national"), set())
            if char == characteristic
        }
        for group in sorted(groups):
            for kind in ("n", "events"):
                year = cell_key(kind, measure.key, YEAR, *NATIONAL, characteristic, group)
                parts = [
                    cell_key(kind, measure.key, label, *NATIONAL, characteristic, group) for label in labels
                ]
                parts = [part for part in parts if part in system]
                name = f"{kind} of {measure.key} {group}: quarters against the year"
                if measure.quarters_add_up:
                    system.add(year, parts, name)
                else:
                    for part in parts:
                        system.at_most([part], [year], name)
                    system.at_most([year], parts, name)


def _subsets(builder: _Builder, measures: list[Measure], frames: dict[str, pd.DataFrame]) -> None:
    """Events of one measure of people always among another's, on the same population, are at most them;
    and events of one measure always within the union of others' are at most their sum."""
    people = [m for m in measures if not m.trials_from_query and m.event is None]
    index = builder.source.population.index
    events = {m.key: frames[m.key]["events"].reindex(index, fill_value=0).to_numpy() > 0 for m in people}
    within = {m.key: frames[m.key]["trials"].reindex(index, fill_value=0).to_numpy() > 0 for m in people}
    system = builder.system
    by_measure: dict[str, list[Key]] = {}
    for (measure, when, level), declared in builder.declared.items():
        if when == YEAR:
            by_measure.setdefault(measure, []).extend(
                cell_key("events", measure, when, level, *where) for where in declared
            )
    for large in people:
        contained = [
            small.key
            for small in people
            if small is not large
            and np.array_equal(within[small.key], within[large.key])
            and not (events[small.key] & ~events[large.key]).any()
        ]
        for small_key in contained:
            for key in by_measure.get(small_key, []):
                other = ("events", large.key, *key[2:])
                if other in system:
                    system.at_most([key], [other], f"events of {small_key} within {large.key}")
        if (
            contained
            and not (events[large.key] & ~np.logical_or.reduce([events[k] for k in contained])).any()
        ):
            for key in by_measure.get(large.key, []):
                parts = [("events", k, *key[2:]) for k in contained]
                system.at_most([key], [p for p in parts if p in system], f"{large.key} within its parts")
    _populations(builder, [m for m in measures if not m.trials_from_query], frames)


def _populations(builder: _Builder, measures: list[Measure], frames: dict[str, pd.DataFrame]) -> None:
    """Populations of people, cell by cell: one contained in another is at most it (licences within
    everyone under supervision), and two disjoint ones within a third are together at most it (licences
    and orders within everyone)."""
    index = builder.source.population.index
    masks = {m.key: frames[m.key]["trials"].reindex(index, fill_value=0).to_numpy() > 0 for m in measures}
    distinct: dict[bytes, str] = {}
    for measure in measures:  # one measure for each population (the others share its cells)
        distinct.setdefault(np.packbits(masks[measure.key]).tobytes(), measure.key)
    chosen = list(distinct.values())
    system = builder.system
    n_keys = {
        key: [
            cell_key("n", key, YEAR, level, *where)
            for (measure, when, level), declared in builder.declared.items()
            if measure == key and when == YEAR
            for where in declared
        ]
        for key in chosen
    }

    def within(small: str, large: str) -> bool:
        return not (masks[small] & ~masks[large]).any()

    for small in chosen:
        for large in chosen:
            if small != large and within(small, large):
                for key in n_keys[small]:
                    other = ("n", large, *key[2:])
                    if other in system:
                        system.at_most([key], [other], f"the population of {small} within {large}'s")
    for i, first in enumerate(chosen):
        for second in chosen[i + 1 :]:
            if (masks[first] & masks[second]).any():
                continue
            for whole in chosen:
                if whole in (first, second) or not (within(first, whole) and within(second, whole)):
                    continue
                for key in n_keys[first]:
                    other, both = ("n", second, *key[2:]), ("n", whole, *key[2:])
                    if other in system and both in system:
                        system.at_most(
                            [key, other], [both], f"the populations of {first} and {second} within {whole}'s"
                        )
