"""Protection of a whole publication, against what the old method (one table at a time) let through.

Each example builds a publication as one cell system, runs the old ``suppress`` on each of its tables
separately, and shows that the auditor refuses the pattern that gives: a reader with every table works a
count out, or narrows it inside its protection interval. Then ``protect`` chooses a pattern that the
auditor passes and that the reader's own attack (``ranges``, from the published figures alone) leaves
open over every protection interval.
"""

import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest

from evenhand.disclosure import Cells, CellSystem, DisclosureError, Key, Protection, audit, protect

from .helpers import OldPattern, declare_table, group_table, reader_ranges, too_narrow

# The module, not the function of the same name that the package exports.
protect_module = sys.modules["evenhand.disclosure.protect"]

GROUPS = ("White", "Black", "Asian", "Mixed", "Other")
COUNTS = ("n", "events", "without")


def refused(cells: Cells, hidden: np.ndarray) -> set[Key]:
    """The cells the auditor names in refusing ``hidden``."""
    result = audit(cells, hidden)
    assert not result.passed
    return {cells.keys[finding.cell] for finding in result.findings}


def read(cells: Cells, hidden: np.ndarray, key: Key) -> tuple[float, float]:
    """The range a reader with the published figures alone works out for ``key``."""
    low, high = reader_ranges(cells, hidden)
    at = cells.index[key]
    return float(low[at]), float(high[at])


def protected(cells: Cells) -> Protection:
    """``protect``'s pattern, checked by the auditor and by the reader's own attack."""
    protection = protect(cells)
    assert protection.audit.passed
    assert audit(cells, protection.hidden).passed
    assert too_narrow(cells, protection.hidden) == []
    return protection


# a. Quarters against the year


QUARTERS = {
    "Q1": {"White": (60, 20), "Black": (3, 1), "Asian": (20, 8), "Mixed": (9, 3), "Other": (12, 5)},
    "Q2": {"White": (55, 18), "Black": (8, 3), "Asian": (22, 7), "Mixed": (10, 4), "Other": (11, 5)},
    "Q3": {"White": (58, 19), "Black": (9, 4), "Asian": (21, 9), "Mixed": (11, 5), "Other": (13, 6)},
    "Q4": {"White": (62, 21), "Black": (10, 5), "Asian": (19, 6), "Mixed": (12, 5), "Other": (10, 4)},
}


def quarters_and_year() -> tuple[Cells, dict[str, pd.DataFrame]]:
    """Four quarter tables and the year's, each with its total row; the quarters add up to the year."""
    tables = {quarter: group_table(rows) for quarter, rows in QUARTERS.items()}
    tables["year"] = sum(tables[quarter] for quarter in QUARTERS)
    system = CellSystem()
    for period, table in tables.items():
        declare_table(system, (period,), table)
    for column in COUNTS:
        for group in (*GROUPS, "Total"):
            system.add((column, "year", group), [(column, quarter, group) for quarter in QUARTERS])
    return system.freeze(), tables


def test_quarters_protected_one_at_a_time_give_a_group_away_against_the_year() -> None:
    cells, tables = quarters_and_year()
    old = OldPattern(cells)
    for period, table in tables.items():
        old.suppress((period,), table)
    # The year table is published whole, and Black's other quarters are: Q1 is the year less those.
    assert not old.hidden[[cells.index[("n", "year", group)] for group in GROUPS]].any()
    assert read(cells, old.hidden, ("n", "Q1", "Black")) == (3, 3)
    assert ("n", "Q1", "Black") in refused(cells, old.hidden)

    protection = protected(cells)
    assert protection.is_hidden(("n", "Q1", "Black"))
    low, high = read(cells, protection.hidden, ("n", "Q1", "Black"))
    assert low == 1 and high >= 8


# b. A shared population


GROUP_SIZES = {"White": 200, "Black": 14, "Asian": 40, "Mixed": 25, "Other": 30}
REQUESTED = {"White": 80, "Black": 11, "Asian": 15, "Mixed": 10, "Other": 12}
APPROVED = {"White": 60, "Black": 9, "Asian": 12, "Mixed": 8, "Other": 9}


def requested_and_approved() -> tuple[Cells, pd.DataFrame, pd.DataFrame]:
    """Two measures on one population: the same n by group (one count, published twice), and approved
    ones a subset of requested ones."""
    requested = group_table({group: (GROUP_SIZES[group], REQUESTED[group]) for group in GROUPS})
    approved = group_table({group: (GROUP_SIZES[group], APPROVED[group]) for group in GROUPS})
    system = CellSystem()
    declare_table(system, ("requested",), requested)
    for group in requested.index:
        system.alias(("n", "approved", group), ("n", "requested", group))
    declare_table(system, ("approved",), approved)
    for group in requested.index:
        system.at_most([("events", "approved", group)], [("events", "requested", group)])
    return system.freeze(), requested, approved


def test_a_measure_protected_alone_gives_away_the_people_without_a_larger_measure() -> None:
    cells, requested, approved = requested_and_approved()
    old = OldPattern(cells)
    old.suppress(("requested",), requested)
    old.suppress(("approved",), approved)
    # 3 of Black's 14 people were not requested; the old method hides Black's requests (11), but 9 were
    # approved, so at least 9 were requested and at most 5 were not.
    assert old.hidden[cells.index[("events", "requested", "Black")]]
    assert not old.hidden[cells.index[("events", "approved", "Black")]]
    assert read(cells, old.hidden, ("without", "requested", "Black"))[1] == 5
    assert ("without", "requested", "Black") in refused(cells, old.hidden)

    protection = protected(cells)
    # One count, published in both tables: hidden in one is hidden in both.
    assert cells.index[("n", "approved", "Black")] == cells.index[("n", "requested", "Black")]
    low, high = read(cells, protection.hidden, ("without", "requested", "Black"))
    assert low == 0 and high >= 8


# c. Ethnic group by sex, against ethnic group and against sex


MALE = {"White": 300, "Black": 10, "Asian": 40, "Mixed": 6, "Other": 20}
FEMALE = {"White": 280, "Black": 3, "Asian": 45, "Mixed": 2, "Other": 25}


def ethnic_group_by_sex() -> tuple[Cells, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """People by ethnic group and sex, with both margins published as tables of their own."""
    by_sex = {"Male": group_table(MALE, ["n"]), "Female": group_table(FEMALE, ["n"])}
    by_group = group_table({group: (MALE[group] + FEMALE[group],) for group in GROUPS}, ["n"])
    sexes = pd.DataFrame({"n": [by_sex["Male"].at["Total", "n"], by_sex["Female"].at["Total", "n"]]})
    sexes.index = pd.Index(["Male", "Female"])
    sexes.loc["Total"] = sexes.sum()
    system = CellSystem()
    for sex, table in by_sex.items():
        declare_table(system, ("ethnic group by sex", sex), table)
        system.alias(("n", "sex", sex), ("n", "ethnic group by sex", sex, "Total"))
    declare_table(system, ("ethnic group",), by_group)
    system.alias(("n", "sex", "Total"), ("n", "ethnic group", "Total"))
    system.add(("n", "sex", "Total"), [("n", "sex", "Male"), ("n", "sex", "Female")])
    for group in GROUPS:
        system.add(("n", "ethnic group", group), [("n", "ethnic group by sex", sex, group) for sex in by_sex])
    crossed = pd.concat([table.assign(sex=sex) for sex, table in by_sex.items()])
    return system.freeze(), crossed, by_group, sexes


def test_a_crossed_table_protected_alone_gives_a_cell_away_against_its_margin() -> None:
    cells, crossed, by_group, sexes = ethnic_group_by_sex()
    old = OldPattern(cells)
    old.suppress(("ethnic group by sex",), crossed, by="sex")
    old.suppress(("ethnic group",), by_group)
    old.suppress(("sex",), sexes)
    # 13 Black people, 10 of them male: the other 3 are female.
    black_female = ("n", "ethnic group by sex", "Female", "Black")
    assert not old.hidden[cells.index[("n", "ethnic group by sex", "Male", "Black")]]
    assert read(cells, old.hidden, black_female) == (3, 3)
    assert black_female in refused(cells, old.hidden)

    protection = protected(cells)
    low, high = read(cells, protection.hidden, black_female)
    assert low == 1 and high >= 8


def test_a_crossed_table_protected_against_its_margins_still_narrows_a_cell() -> None:
    cells, crossed, by_group, sexes = ethnic_group_by_sex()
    old = OldPattern(cells)
    # Told that each group's cells add up to a published total, the old method hides Black male too,
    # with the smallest group, Mixed, for a rectangle; Mixed female (2) is at least 1, so Black female
    # is at most 4.
    old.suppress(("ethnic group by sex",), crossed, by="sex", crossed=True)
    old.suppress(("ethnic group",), by_group)
    old.suppress(("sex",), sexes)
    black_female = ("n", "ethnic group by sex", "Female", "Black")
    assert read(cells, old.hidden, black_female) == (1, 4)
    assert black_female in refused(cells, old.hidden)

    protection = protected(cells)
    assert read(cells, protection.hidden, black_female)[1] >= 8


# d. 19 detailed categories against 5 groups


CATEGORIES = {
    "Asian": {"Bangladeshi": 2, "Chinese": 12, "Indian": 50, "Pakistani": 35, "Other Asian": 15},
    "Black": {"African": 40, "Caribbean": 30, "Other Black": 9},
    "Mixed": {
        "White and Asian": 10,
        "White and Black African": 7,
        "White and Black Caribbean": 14,
        "Other Mixed": 11,
    },
    "White": {"British": 400, "Irish": 30, "Gypsy or Irish Traveller": 8, "Roma": 6, "Other White": 45},
    "Other": {"Arab": 10, "Any other ethnic group": 20},
}


def test_detailed_categories_protected_alone_give_one_away_against_their_group() -> None:
    detailed = group_table(
        {category: (n,) for categories in CATEGORIES.values() for category, n in categories.items()}, ["n"]
    )
    grouped = group_table(
        {group: (sum(categories.values()),) for group, categories in CATEGORIES.items()}, ["n"]
    )
    assert len(detailed) == 19 + 1 and len(grouped) == 5 + 1
    system = CellSystem()
    declare_table(system, ("detailed",), detailed)
    declare_table(system, ("grouped",), grouped)
    for group, categories in CATEGORIES.items():
        system.add(("n", "grouped", group), [("n", "detailed", category) for category in categories])
    system.equal(("n", "grouped", "Total"), ("n", "detailed", "Total"))
    cells = system.freeze()
    old = OldPattern(cells)
    old.suppress(("detailed",), detailed)
    old.suppress(("grouped",), grouped)
    # The old method hides the next smallest category, Roma, in another group: the Asian total, less
    # the other Asian categories, gives the 2 Bangladeshi people.
    assert old.hidden[cells.index[("n", "detailed", "Roma")]]
    assert read(cells, old.hidden, ("n", "detailed", "Bangladeshi")) == (2, 2)
    assert read(cells, old.hidden, ("n", "detailed", "Roma")) == (6, 6)
    assert {("n", "detailed", "Bangladeshi"), ("n", "detailed", "Roma")} <= refused(cells, old.hidden)

    protection = protected(cells)
    low, high = read(cells, protection.hidden, ("n", "detailed", "Bangladeshi"))
    assert low == 1 and high >= 7


# e. A [c] is at least 1 when zeros are shown


UNITS = {
    "North": {"White": (300, 40), "Black": (12, 1), "Asian": (30, 6), "Mixed": (15, 5), "Other": (20, 7)},
    "South": {"White": (250, 35), "Black": (9, 0), "Asian": (25, 7), "Mixed": (14, 6), "Other": (18, 5)},
    "East": {"White": (280, 30), "Black": (20, 5), "Asian": (35, 8), "Mixed": (16, 5), "Other": (22, 6)},
    "West": {"White": (260, 33), "Black": (11, 1), "Asian": (28, 9), "Mixed": (13, 5), "Other": (19, 8)},
}


def test_two_suppressed_cells_that_make_2_beside_a_published_zero_are_each_1() -> None:
    units = {unit: group_table(rows) for unit, rows in UNITS.items()}
    region = sum(units.values())
    system = CellSystem()
    for unit, table in units.items():
        declare_table(system, ("unit", unit), table)
    declare_table(system, ("region",), region)
    for column in COUNTS:
        for group in (*GROUPS, "Total"):
            system.add((column, "region", group), [(column, "unit", unit, group) for unit in units])
    cells = system.freeze()
    old = OldPattern(cells)
    old.suppress(("unit",), pd.concat([table.assign(unit=unit) for unit, table in units.items()]), by="unit")
    old.suppress(("region",), region)
    # The region's 7 Black events, less South's 0 and East's 5, leave 2 for North and West, both [c]:
    # each is at least 1 (a 0 would have been shown), so each is 1.
    north, west = ("events", "unit", "North", "Black"), ("events", "unit", "West", "Black")
    assert old.hidden[[cells.index[north], cells.index[west]]].all()
    assert not old.hidden[cells.index[("events", "unit", "South", "Black")]]
    assert read(cells, old.hidden, north) == (1, 1) and read(cells, old.hidden, west) == (1, 1)
    assert {north, west} <= refused(cells, old.hidden)

    protection = protected(cells)
    assert not protection.is_hidden(("events", "unit", "South", "Black"))
    for key in (north, west):
        low, high = read(cells, protection.hidden, key)
        assert low == 1 and high >= 6


# A cell that is never published


def test_people_without_the_outcome_of_1_to_4_hide_the_events_or_the_n() -> None:
    table = group_table({"White": (40, 20), "Black": (12, 9), "Asian": (30, 10)})
    system = CellSystem()
    declare_table(system, ("recall",), table)
    cells = system.freeze()
    # Nothing is under 5 but the 3 Black people who were not recalled, which n and events would publish.
    without = ("without", "recall", "Black")
    assert refused(cells, np.zeros(cells.size, dtype=bool)) == {without}

    protection = protected(cells)
    assert not protection.primary.any()
    assert protection.is_hidden(("events", "recall", "Black")) or protection.is_hidden(
        ("n", "recall", "Black")
    )
    low, high = read(cells, protection.hidden, without)
    assert low == 0 and high >= 8


# The same pattern every time


def test_protecting_twice_gives_the_same_pattern() -> None:
    cells, _ = quarters_and_year()
    first, second = protect(cells), protect(cells)
    assert first.hidden.any() and first.secondary.any()
    assert np.array_equal(first.hidden, second.hidden)


def test_a_system_declared_again_in_the_same_order_gives_the_same_pattern() -> None:
    for build in (lambda: quarters_and_year()[0], lambda: ethnic_group_by_sex()[0]):
        first, second = build(), build()
        assert first is not second and first.keys == second.keys
        assert np.array_equal(protect(first).hidden, protect(second).hidden)


# An earlier release


def test_cells_hidden_by_an_earlier_release_stay_hidden() -> None:
    cells, _ = quarters_and_year()
    kept = ("n", "Q2", "White")
    assert not protect(cells).is_hidden(kept)
    earlier = np.zeros(cells.size, dtype=bool)
    earlier[cells.index[kept]] = True

    protection = protect(cells, hidden=earlier)
    assert protection.is_hidden(kept) and not protection.primary[cells.index[kept]]
    assert protection.audit.passed and too_narrow(cells, protection.hidden) == []


def test_a_count_an_earlier_release_published_is_not_suppressed() -> None:
    cells, _ = quarters_and_year()
    alone = protect(cells)
    chosen = cells.keys[int(np.flatnonzero(alone.secondary)[0])]
    published = np.zeros(cells.size, dtype=bool)
    published[cells.index[chosen]] = True

    protection = protect(cells, published=published)
    assert not protection.is_hidden(chosen)
    assert protection.audit.passed and too_narrow(cells, protection.hidden) == []


def test_a_count_under_the_threshold_that_an_earlier_release_published_is_refused() -> None:
    cells, _ = quarters_and_year()
    published = np.zeros(cells.size, dtype=bool)
    published[cells.index[("n", "Q1", "Black")]] = True
    with pytest.raises(DisclosureError, match="earlier release published") as raised:
        protect(cells, published=published)
    assert raised.value.problems == ["n / Q1 / Black"]


# A publication region by region


def regions_and_pdus(seed: int) -> tuple[Cells, np.ndarray]:
    """Two regions of three PDUs each, five groups, the national figures their sum; a part per region,
    -1 for the national figures."""
    rng = np.random.default_rng(seed)
    system = CellSystem()
    part: dict[Key, int] = {}
    tables: dict[tuple[str, ...], pd.DataFrame] = {}
    for region in ("North", "South"):
        for pdu in range(3):
            rows = {}
            for group in GROUPS:
                n = int(rng.choice([2, 3, 6, 9, 14, 25, 40]))
                rows[group] = (n, int(rng.integers(0, n + 1)))
            tables[("pdu", f"{region}{pdu}")] = group_table(rows)
        tables[("region", region)] = sum(tables[("pdu", f"{region}{pdu}")] for pdu in range(3))
    tables[("national", "national")] = tables[("region", "North")] + tables[("region", "South")]
    for where, table in tables.items():
        declare_table(system, where, table)
    for column in COUNTS:
        for group in (*GROUPS, "Total"):
            for region in ("North", "South"):
                system.add(
                    (column, "region", region, group),
                    [(column, "pdu", f"{region}{p}", group) for p in range(3)],
                )
            system.add(
                (column, "national", "national", group),
                [(column, "region", region, group) for region in ("North", "South")],
            )
    cells = system.freeze()
    for key in cells.keys:
        unit = str(key[2])
        part[key] = -1 if key[1] == "national" else (0 if unit.startswith("North") else 1)
    return cells, np.array([part[key] for key in cells.keys])


@pytest.mark.parametrize("seed", [3, 11])
def test_regions_protected_as_parts_pass_the_audit_and_the_readers_attack(seed: int) -> None:
    cells, parts = regions_and_pdus(seed)
    protection = protect(cells, parts=parts)
    assert protection.primary.any() and protection.secondary.any()
    assert protection.audit.passed and audit(cells, protection.hidden).passed
    assert too_narrow(cells, protection.hidden) == []


def test_parts_opened_in_worker_processes_give_the_pattern_of_one_process(monkeypatch) -> None:
    cells, parts = regions_and_pdus(3)
    here = protect(cells, parts=parts)
    submitted = []

    class Recorded(ProcessPoolExecutor):
        def submit(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            future = super().submit(*args, **kwargs)
            submitted.append(future)
            return future

    monkeypatch.setattr(protect_module, "PARALLEL_SMALLEST", 0)
    monkeypatch.setattr(protect_module, "ProcessPoolExecutor", Recorded)
    workers = protect(cells, parts=parts)
    # One program per region, and the national one, answered by the workers.
    assert len(submitted) >= 3 and all(future.exception() is None for future in submitted)
    assert np.array_equal(here.hidden, workers.hidden)
    assert workers.programs > 0 and workers.audit.passed
