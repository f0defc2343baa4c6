"""Disclosure control: primary, complement, secondary, derived and reference suppression, and the checker.

The property tests attack every suppressed table with code of their own, independent of the module's audit:
repeated subtraction over every relationship a reader knows, then linear programming with the bounds a
reader can assume (counts are 0 or more, a suppressed count that is not 0 is at least 1).
"""

from collections.abc import Hashable

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import linprog

from evenhand.equality.publish.disclosure import (
    DERIVED,
    PRIMARY,
    REFERENCE,
    SECONDARY,
    SUPPRESSED,
    DisclosureError,
    Layout,
    check_published,
    suppress,
)
from evenhand.equality.stats import compare_groups

from ..stats.helpers import quick

GROUPS = ["White", "Black", "Asian", "Mixed", "Other", "Not recorded"]


def group_table(n: list[int], events: list[int], groups: list[str] | None = None) -> pd.DataFrame:
    names = groups or GROUPS[: len(n)]
    return pd.DataFrame({"n": n, "events": events}, index=pd.Index(names, name="group"))


def with_total(table: pd.DataFrame, label: str = "Total") -> pd.DataFrame:
    total = table[["n", "events"]].sum().to_frame(label).T
    return pd.concat([table, total.rename_axis(table.index.name)])


def hidden(published: pd.DataFrame, column: str) -> list[Hashable]:
    return [label for label, value in published[column].items() if value == SUPPRESSED]


# Primary suppression


def test_counts_of_1_to_4_are_suppressed_and_0_and_5_are_not() -> None:
    table = pd.DataFrame({"n": [0, 1, 2, 3, 4, 5, 100, 200]}, index=list("abcdefgh"))
    result = suppress(table, counts=["n"])
    assert hidden(result.published, "n") == ["b", "c", "d", "e"]
    assert (result.reason.loc[["b", "c", "d", "e"], "n"] == PRIMARY).all()
    # Together the four make 10, each is at least 1: none can be pinned down, so nothing else is hidden.
    assert result.published.loc["a", "n"] == 0 and result.published.loc["f", "n"] == 5
    assert result.published.loc[["g", "h"], "n"].tolist() == [100, 200]
    check_published(result.published, table, layout=result.layout)


@pytest.mark.parametrize("events", [1, 2, 3, 4])
def test_an_event_count_of_1_to_4_is_suppressed(events: int) -> None:
    table = group_table([400, 90, 120, 60], [40, events, 12, 6])
    result = suppress(table)
    assert result.reason.loc["Black", "events"] == PRIMARY
    assert result.published.loc["Black", "n"] == 90


def test_zero_events_are_published() -> None:
    table = group_table([400, 90, 120, 60], [40, 0, 12, 6])
    result = suppress(table)
    assert not result.anything_suppressed
    assert result.published.loc["Black", "events"] == 0


def test_the_threshold_can_be_changed() -> None:
    table = group_table([400, 90, 120, 60], [40, 9, 12, 6])
    assert not suppress(table).anything_suppressed
    assert suppress(table, threshold=10).reason.loc["Black", "events"] == PRIMARY


# The complement n - events


def test_events_are_suppressed_when_the_people_without_the_outcome_are_1_to_4() -> None:
    # 37 of 40 Black people recalled: publishing both would show the 3 who were not.
    table = group_table([400, 40, 120, 60], [40, 37, 12, 6])
    result = suppress(table)
    assert result.reason.loc["Black", "events"] == PRIMARY
    assert result.published.loc["Black", "n"] == 40
    # Black events alone could be worked out from the total of events: another is hidden with it, and so
    # the 3 cannot be worked out from the total of people without the outcome either.
    assert len(hidden(result.published, "events")) == 2
    assert recovered(table, result.published) == []
    check_published(result.published, table, layout=result.layout)


def test_everyone_having_the_outcome_is_published() -> None:
    # n - events = 0 identifies nobody.
    table = group_table([400, 40, 120, 60], [40, 40, 12, 6])
    assert not suppress(table).anything_suppressed


# Secondary suppression


def test_one_small_group_takes_the_next_smallest_with_it() -> None:
    table = group_table([4000, 900, 1200, 300, 45, 3], [320, 117, 84, 33, 9, 0])
    result = suppress(table)
    assert hidden(result.published, "n") == ["Other", "Not recorded"]
    assert result.reason.loc["Not recorded", "n"] == PRIMARY
    assert result.reason.loc["Other", "n"] == SECONDARY
    # Other's events alone are now the only way to work out its n from events + (n - events): hidden too.
    assert recovered(table, result.published) == []
    check_published(result.published, table, layout=result.layout)


def test_the_secondary_cell_is_the_smallest_non_zero_and_the_first_on_a_tie() -> None:
    table = pd.DataFrame({"n": [100, 3, 0, 45, 45, 60]}, index=list("abcdef"))
    result = suppress(table, counts=["n"])
    assert hidden(result.published, "n") == ["b", "d"]
    assert result.reason.loc["d", "n"] == SECONDARY


def test_the_result_does_not_depend_on_anything_but_the_table() -> None:
    table = group_table([4000, 9, 1200, 3, 45, 2], [320, 1, 84, 0, 9, 2])
    first, second = suppress(table), suppress(table)
    pd.testing.assert_frame_equal(first.published, second.published)
    pd.testing.assert_frame_equal(first.reason, second.reason)


def test_two_small_groups_that_make_5_or_more_protect_each_other() -> None:
    table = group_table([4000, 900, 1200, 3, 4], [320, 117, 84, 0, 0])
    result = suppress(table)
    assert hidden(result.published, "n") == ["Mixed", "Other"]
    assert set(result.reason["n"]) == {"", PRIMARY}


def test_two_small_groups_that_make_fewer_than_5_need_a_third() -> None:
    # 1 + 2 = 3: the reader learns that those two groups hold 3 people; with n ≥ 1 each, 1 + 1 would even
    # give both away.
    table = group_table([4000, 900, 1200, 1, 2], [320, 117, 84, 0, 0])
    result = suppress(table)
    assert hidden(result.published, "n") == ["Black", "Mixed", "Other"]
    assert result.reason.loc["Black", "n"] == SECONDARY


def test_a_cell_pinned_down_by_bounds_is_caught() -> None:
    # n: A + B = 6 is known from the total; B's 5 events are published, so B has at least 5 people, and A
    # at least 1 (zeros are shown): both are pinned down though neither is the only unknown.
    table = group_table([1, 0, 7, 5, 7], [1, 0, 4, 5, 3], ["A", "B", "C", "D", "E"])
    published = table.astype(object)
    published.loc["A", ["n", "events"]] = SUPPRESSED
    published.loc["D", "n"] = SUPPRESSED
    published.loc[["C", "E"], "events"] = SUPPRESSED
    with pytest.raises(DisclosureError, match=r"n for 'D' is suppressed but can be worked out"):
        check_published(published, table)
    result = suppress(table)
    check_published(result.published, table, layout=result.layout)
    assert recovered(table, result.published) == []


def test_a_small_total_row_is_suppressed_and_protected() -> None:
    table = with_total(group_table([3, 0, 1], [1, 0, 0]))
    result = suppress(table, total_row="Total")
    assert result.reason.loc["Total", "n"] == PRIMARY
    assert result.reason.loc["Total", "events"] == PRIMARY
    assert recovered(table, result.published, total_row="Total") == []
    check_published(result.published, table, layout=result.layout)


def test_a_small_total_outside_the_table_cannot_be_protected() -> None:
    table = group_table([3, 0, 1], [1, 0, 0])
    with pytest.raises(DisclosureError, match="cannot be protected"):
        suppress(table)


# Derived figures and the reference group


def test_every_figure_derived_from_a_suppressed_count_is_suppressed() -> None:
    table = compare_groups(
        [4000, 900, 1200, 300, 45, 3], [320, 117, 84, 33, 9, 1], groups=GROUPS, reference="White", min_n=0
    )
    result = suppress(table)
    derived = [name for name in table.columns if name not in ("n", "events", "is_reference")]
    for group in ["Other", "Not recorded"]:
        assert (result.published.loc[group, derived] == SUPPRESSED).all()
        assert (result.reason.loc[group, derived] == DERIVED).all()
    assert result.published.loc["Black", "relative_rate"] == table.loc["Black", "relative_rate"]
    assert result.published.loc["Other", "is_reference"] == table.loc["Other", "is_reference"]
    assert result.published["rate"].dtype == object and result.published["is_reference"].dtype == bool
    check_published(result.published, table, layout=result.layout)


def test_ratios_against_a_suppressed_reference_are_suppressed_in_every_row() -> None:
    # Two White people without the outcome: White's events are suppressed, and with them every comparison.
    table = compare_groups(
        [400, 900, 1200, 300], [398, 117, 84, 33], groups=GROUPS[:4], reference="White", min_n=0
    )
    result = suppress(table)
    assert result.reason.loc["White", "events"] == PRIMARY
    comparing = [
        "relative_rate",
        "relative_rate_low",
        "relative_rate_high",
        "odds_ratio",
        "odds_ratio_low",
        "odds_ratio_high",
        "test",
        "p_value",
        "note",
    ]
    assert set(result.layout.reference_columns or ()) == set(comparing)
    assert result.reason.loc["Mixed", "events"] == SECONDARY
    for group in ["Black", "Asian"]:
        assert (result.published.loc[group, comparing] == SUPPRESSED).all()
        assert (result.reason.loc[group, comparing] == REFERENCE).all()
        assert result.published.loc[group, "rate"] == table.loc[group, "rate"]
    check_published(result.published, table, layout=result.layout)


def test_the_reference_can_be_named_and_its_columns_chosen() -> None:
    table = group_table([400, 900, 1200], [398, 117, 84]).assign(ratio=1.0, rate=0.5)
    result = suppress(table, reference="White", reference_columns=["ratio"], derived=["ratio", "rate"])
    assert result.reason.loc["Black", "ratio"] == REFERENCE
    assert result.reason.loc["Black", "rate"] == ""


# Blocks: units with their own totals


def unit_table(blocks: dict[str, list[tuple[int, int]]], groups: list[str]) -> pd.DataFrame:
    frames = []
    for unit, counts in blocks.items():
        frame = group_table([n for n, _ in counts], [e for _, e in counts], groups).assign(unit=unit)
        frames.append(with_total(frame).assign(unit=unit))
    return pd.concat(frames)[["unit", "n", "events"]]


def test_each_block_adds_up_to_its_own_total() -> None:
    groups = ["White", "Black", "Asian"]
    table = unit_table(
        {
            "North": [(500, 50), (3, 0), (60, 6)],
            "South": [(400, 40), (90, 9), (80, 8)],
            "East": [(300, 30), (70, 7), (50, 5)],
        },
        groups,
    )
    result = suppress(table, by="unit", total_row="Total")
    north = result.published[result.published["unit"] == "North"]
    assert north.loc["Black", "n"] == SUPPRESSED and north.loc["Asian", "n"] == SUPPRESSED
    # Nothing needed outside North: its total row is published, so the blocks' totals are all known.
    assert (result.published[result.published["unit"] != "North"]["n"] != SUPPRESSED).all()
    assert result.published["unit"].tolist() == table["unit"].tolist()
    assert recovered(table, result.published, total_row="Total", by="unit") == []
    check_published(result.published, table, layout=result.layout)


def test_a_small_block_total_is_protected_against_the_grand_total() -> None:
    groups = ["White", "Black"]
    table = unit_table(
        {"North": [(3, 1), (0, 0)], "South": [(400, 40), (90, 9)], "East": [(300, 30), (70, 7)]}, groups
    )
    result = suppress(table, by="unit", total_row="Total")
    totals = result.published[result.published.index == "Total"]
    assert (totals["n"] == SUPPRESSED).sum() == 2
    assert recovered(table, result.published, total_row="Total", by="unit") == []
    check_published(result.published, table, layout=result.layout)


def test_crossed_blocks_protect_each_group_across_the_units() -> None:
    groups = ["White", "Black", "Asian"]
    table = unit_table(
        {
            "North": [(500, 50), (3, 0), (60, 6)],
            "South": [(400, 40), (90, 9), (80, 8)],
            "East": [(300, 30), (70, 7), (50, 5)],
        },
        groups,
    )
    plain = suppress(table, by="unit", total_row="Total")
    with pytest.raises(DisclosureError, match=r"n for 'Black' in unit 'North' is suppressed but can be"):
        # Published beside a national table by group, North's Black people are the national figure less
        # South's and East's.
        check_published(plain.published, table, layout=Layout(by="unit", total_row="Total", crossed=True))
    crossed = suppress(table, by="unit", total_row="Total", crossed=True)
    black = crossed.published.loc["Black"]
    assert (black["n"] == SUPPRESSED).sum() >= 2
    assert recovered(table, crossed.published, total_row="Total", by="unit", crossed=True) == []
    check_published(crossed.published, table, layout=crossed.layout)


def test_a_cell_given_away_through_a_chain_of_totals_is_protected_where_the_chain_starts() -> None:
    # North's only group is 1 person, so its total is 1 too; the grand total less South's total gives
    # North's total, and that gives the group. The fix is in South, two relationships away.
    table = unit_table({"North": [(1, 0)], "South": [(5, 0)]}, ["White"])
    result = suppress(table, by="unit", total_row="Total")
    assert (result.published["n"] == SUPPRESSED).all()
    assert_safe(table, result.published, total_row="Total", by="unit")
    check_published(result.published, table, layout=result.layout)


def test_zeros_are_hidden_only_when_nothing_else_can_protect_a_cell() -> None:
    # North's 5 Black events must be hidden (6 - 5 = 1 without the outcome), but the national figure for
    # Black events less the other units' zeros would give them back: only hiding a zero, and then the
    # total that would give that zero away, protects them.
    groups = ["White", "Mixed", "Black"]
    table = unit_table(
        {
            "North": [(0, 0), (0, 0), (6, 5)],
            "South": [(0, 0), (0, 0), (0, 0)],
            "East": [(0, 0), (0, 0), (4, 0)],
        },
        groups,
    )
    result = suppress(table, by="unit", total_row="Total", crossed=True)
    hidden_zeros = [
        (unit, label)
        for (label, unit, events), original in zip(
            result.published[["unit", "events"]].itertuples(name=None), table["events"], strict=True
        )
        if events == SUPPRESSED and original == 0
    ]
    assert hidden_zeros
    assert_safe(table, result.published, total_row="Total", by="unit", crossed=True)
    check_published(result.published, table, layout=result.layout)


# The checker


def test_the_checker_refuses_a_published_small_count() -> None:
    table = group_table([400, 3, 120, 60], [40, 0, 12, 6])
    with pytest.raises(DisclosureError, match=r"n for 'Black' is 3, fewer than 5, but is published"):
        check_published(table, table)


def test_the_checker_refuses_a_lone_suppressed_cell() -> None:
    table = group_table([400, 3, 120, 60], [40, 0, 12, 6])
    published = table.astype(object)
    published.loc["Black", "n"] = SUPPRESSED
    with pytest.raises(DisclosureError, match=r"n for 'Black' is suppressed but can be worked out") as error:
        check_published(published, table)
    # With no events, the 3 people without the outcome are given away as well.
    assert error.value.problems == [
        "n for 'Black' is suppressed but can be worked out from the published cells and totals",
        "n - events for 'Black' is fewer than 5 but can be worked out from the published cells and totals",
    ]


def test_the_checker_refuses_derived_figures_left_showing() -> None:
    table = group_table([400, 3, 120, 60], [40, 0, 12, 6]).assign(rate=0.1)
    result = suppress(table)
    published = result.published.copy()
    published.loc["Black", "rate"] = 0.0
    with pytest.raises(DisclosureError, match=r"rate for 'Black' is published, but a count of that row"):
        check_published(published, table, layout=result.layout)


def test_the_checker_refuses_changed_figures() -> None:
    table = group_table([400, 30, 120, 60], [40, 10, 12, 6])
    published = table.copy()
    published.loc["Black", "n"] = 31
    with pytest.raises(DisclosureError, match=r"n for 'Black' is published as 31 but is 30"):
        check_published(published, table)


# Bad input


@pytest.mark.parametrize(
    ("table", "keywords", "message"),
    [
        (group_table([10, 20], [1, 2]).drop(columns="events"), {}, r"count column 'events' is not a column"),
        (group_table([10, -20], [1, 2]), {}, r"n for 'Black' is negative \(-20\)"),
        (group_table([10, 20], [1, 2.5]), {}, r"events for 'Black' is not a whole number \(2.5\)"),
        (group_table([10, 20], [1, float("nan")]), {}, r"events for 'Black' is missing"),
        (group_table([10, 20], [11, 2]), {}, r"events exceeds n for 'White': 11 events among 10 n"),
        (group_table([10, 20], [1, 2]), {"total_row": "Total"}, r"there is no total row 'Total'"),
        (
            pd.concat([group_table([10, 20], [1, 2]), group_table([31], [3], ["Total"])]),
            {"total_row": "Total"},
            r"total row 'Total' has n = 31, but the other rows add up to 30",
        ),
        (group_table([10, 20], [1, 2], ["A", "A"]), {}, r"the row label 'A' appears more than once"),
        (group_table([10, 20], [1, 2]), {"by": "unit"}, r"by 'unit' is not a column"),
        (group_table([10, 20], [1, 2]), {"crossed": True}, r"crossed needs by"),
        (group_table([10, 20], [1, 2]), {"threshold": 0}, r"threshold must be a whole number"),
        (group_table([10, 20], [1, 2]), {"part_of": {"events": "people"}}, r"part_of names 'people'"),
        (group_table([10, 20], [5, 6]), {"reference": "Asian"}, r"there is no reference row 'Asian'"),
        (group_table([10, 20], [1, 2]), {"derived": ["rate"]}, r"derived column 'rate' is not a column"),
        (pd.DataFrame({"n": [], "events": []}), {}, r"the table has no rows"),
    ],
)
def test_bad_input_is_refused_with_the_reason(
    table: pd.DataFrame, keywords: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        suppress(table, **keywords)  # type: ignore[arg-type]


def test_a_published_count_that_is_not_a_number_is_refused() -> None:
    table = group_table([400, 30], [40, 10])
    published = table.astype(object)
    published.loc["Black", "n"] = "thirty"
    with pytest.raises(ValueError, match=r"n for 'Black' is 'thirty': a published count must be a number"):
        check_published(published, table)


# Properties: whatever the table, nothing small is shown and nothing suppressed can be worked out


@st.composite
def tables(draw: st.DrawFn) -> tuple[pd.DataFrame, str | None]:
    size = draw(st.integers(1, 7))
    scale = draw(st.sampled_from([8, 40, 400]))
    n = draw(st.lists(st.integers(0, scale), min_size=size, max_size=size))
    events = [draw(st.integers(0, people)) for people in n]
    table = group_table(n, events, [f"g{i}" for i in range(size)])
    if draw(st.booleans()):
        return with_total(table), "Total"
    return table, None


@st.composite
def unit_tables(draw: st.DrawFn) -> tuple[pd.DataFrame, bool]:
    groups = [f"g{i}" for i in range(draw(st.integers(1, 4)))]
    blocks = {}
    for unit in range(draw(st.integers(1, 4))):
        scale = draw(st.sampled_from([8, 40, 400]))
        n = draw(st.lists(st.integers(0, scale), min_size=len(groups), max_size=len(groups)))
        blocks[f"u{unit}"] = [(people, draw(st.integers(0, people))) for people in n]
    return unit_table(blocks, groups), draw(st.booleans())


@quick
@given(tables())
def test_no_suppressed_cell_can_be_worked_out(drawn: tuple[pd.DataFrame, str | None]) -> None:
    table, total_row = drawn
    try:
        result = suppress(table, total_row=total_row)
    except DisclosureError:
        # Only when a total published outside the table is itself 1-4 (so no table row can hide it).
        assert total_row is None
        assert any(1 <= value < 5 for value in outside_totals(table))
        return
    assert_safe(table, result.published, total_row=total_row)
    check_published(result.published, table, layout=result.layout)


@quick
@given(unit_tables())
def test_no_suppressed_cell_of_a_unit_table_can_be_worked_out(drawn: tuple[pd.DataFrame, bool]) -> None:
    table, crossed = drawn
    try:
        result = suppress(table, by="unit", total_row="Total", crossed=crossed)
    except DisclosureError:
        totals = outside_totals(table[table.index == "Total"])
        if crossed:
            for _, rows in table[table.index != "Total"].groupby(level=0):
                totals += outside_totals(rows)
        assert any(1 <= value < 5 for value in totals)
        return
    assert_safe(table, result.published, total_row="Total", by="unit", crossed=crossed)
    check_published(result.published, table, layout=result.layout)


def outside_totals(rows: pd.DataFrame) -> list[int]:
    n, events = int(rows["n"].sum()), int(rows["events"].sum())
    return [n, events, n - events]


def assert_safe(
    table: pd.DataFrame,
    published: pd.DataFrame,
    *,
    total_row: str | None = None,
    by: str | None = None,
    crossed: bool = False,
) -> None:
    for column in ("n", "events"):
        shown = [value for value in published[column] if value != SUPPRESSED]
        assert all(value == 0 or value >= 5 for value in shown), column
    both = (published["n"] != SUPPRESSED) & (published["events"] != SUPPRESSED)
    without = table.loc[both.to_numpy(), "n"] - table.loc[both.to_numpy(), "events"]
    assert all(value == 0 or value >= 5 for value in without)
    assert recovered(table, published, total_row=total_row, by=by, crossed=crossed) == []
    assert pinned(table, published, total_row=total_row, by=by, crossed=crossed) == []


# The attack, written independently of the module: cells are (row, kind) with kind n, events or without
# (n - events); each relationship is (cells that add up, the cell or the number they add up to).

Relationship = tuple[list[tuple[int, str]], tuple[int, str] | int]


def relationships(
    table: pd.DataFrame, *, total_row: str | None, by: str | None, crossed: bool
) -> list[Relationship]:
    kinds = ("n", "events", "without")
    found: list[Relationship] = [
        ([(row, "events"), (row, "without")], (row, "n")) for row in range(len(table))
    ]
    values = truth(table)
    units = table[by].tolist() if by else [None] * len(table)
    labels = list(table.index)
    totals = []
    for unit in dict.fromkeys(units):
        rows = [row for row in range(len(table)) if units[row] == unit]
        members = [row for row in rows if labels[row] != total_row]
        total = [row for row in rows if labels[row] == total_row]
        totals += total
        for kind in kinds:
            cells = [(row, kind) for row in members]
            found.append((cells, (total[0], kind) if total else sum(values[cell] for cell in cells)))
    if by and total_row:
        for kind in kinds:
            cells = [(row, kind) for row in totals]
            found.append((cells, sum(values[cell] for cell in cells)))
    if crossed:
        for label in dict.fromkeys(labels):
            if label != total_row:
                for kind in kinds:
                    cells = [(row, kind) for row in range(len(table)) if labels[row] == label]
                    found.append((cells, sum(values[cell] for cell in cells)))
    return found


def truth(table: pd.DataFrame) -> dict[tuple[int, str], int]:
    values = {}
    for row, (n, events) in enumerate(zip(table["n"], table["events"], strict=True)):
        values[(row, "n")], values[(row, "events")], values[(row, "without")] = n, events, n - events
    return values


def published_values(published: pd.DataFrame) -> dict[tuple[int, str], int]:
    known = {}
    for row, (n, events) in enumerate(zip(published["n"], published["events"], strict=True)):
        if n != SUPPRESSED:
            known[(row, "n")] = n
        if events != SUPPRESSED:
            known[(row, "events")] = events
    return known


def sensitive(table: pd.DataFrame, published: pd.DataFrame) -> list[tuple[int, str]]:
    """The suppressed cells, and the people without the outcome where there are 1 to 4 of them.

    A suppressed 0 (hidden only as a last resort, to protect another cell) gives nobody away if found.
    """
    values = truth(table)
    cells = [(row, kind) for row in range(len(table)) for kind in ("n", "events") if values[(row, kind)]]
    return [cell for cell in cells if published[cell[1]].iat[cell[0]] == SUPPRESSED] + [
        (row, "without") for row in range(len(table)) if 1 <= values[(row, "without")] < 5
    ]


def recovered(
    table: pd.DataFrame,
    published: pd.DataFrame,
    *,
    total_row: str | None = None,
    by: str | None = None,
    crossed: bool = False,
) -> list[tuple[int, str]]:
    """The sensitive cells a reader gets by subtracting known cells from totals, again and again."""
    known = published_values(published)
    found = relationships(table, total_row=total_row, by=by, crossed=crossed)
    progress = True
    while progress:
        progress = False
        for cells, whole in found:
            unknown = [cell for cell in cells if cell not in known]
            whole_known = isinstance(whole, int) or whole in known
            whole_value = whole if isinstance(whole, int) else known.get(whole)
            if len(unknown) == 1 and whole_known and whole_value is not None:
                known[unknown[0]] = whole_value - sum(known[cell] for cell in cells if cell != unknown[0])
                progress = True
            elif not unknown and not whole_known and not isinstance(whole, int):
                known[whole] = sum(known[cell] for cell in cells)
                progress = True
    return [cell for cell in sensitive(table, published) if cell in known]


def pinned(
    table: pd.DataFrame,
    published: pd.DataFrame,
    *,
    total_row: str | None = None,
    by: str | None = None,
    crossed: bool = False,
) -> list[tuple[int, str]]:
    """The sensitive cells whose range, by linear programming with a reader's bounds, holds one whole number."""
    values = truth(table)
    known = published_values(published)
    variables = sorted(values)
    column = {cell: i for i, cell in enumerate(variables)}
    rows, targets = [], []
    for cells, whole in relationships(table, total_row=total_row, by=by, crossed=crossed):
        row = np.zeros(len(variables))
        for cell in cells:
            row[column[cell]] += 1
        target = 0.0
        if isinstance(whole, int):
            target = float(whole)
        else:
            row[column[whole]] -= 1
        rows.append(row)
        targets.append(target)
    bounds = []
    for cell in variables:
        if cell in known:
            bounds.append((known[cell], known[cell]))
        elif cell[1] != "without" and values[cell] >= 1:
            bounds.append((1, None))  # suppressed, and zeros are shown
        else:
            bounds.append((0, None))
    found = []
    for cell in sensitive(table, published):
        objective = np.zeros(len(variables))
        objective[column[cell]] = 1
        low = linprog(objective, A_eq=np.array(rows), b_eq=targets, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=np.array(rows), b_eq=targets, bounds=bounds, method="highs")
        assert low.status == 0
        highest = np.inf if high.status == 3 else -high.fun
        if highest - low.fun < 1 - 1e-9:
            found.append(cell)
    return found
