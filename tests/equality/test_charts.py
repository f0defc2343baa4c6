"""Server-side SVG charts: well-formed, accessible, free of inline styles, and true to the figures."""

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from evenhand.core.formatting import ratio_text
from evenhand.equality.charts import (
    CLIPPED_NOTE,
    SMALL_SIZE,
    Chart,
    funnel_chart,
    relative_rate_chart,
    trend_chart,
)
from evenhand.equality.charts import _width as width
from evenhand.equality.stats import (
    binomial_comparison,
    binomial_curve,
    funnel_curve,
    outside_column,
    unit_comparison,
)

NS = "{http://www.w3.org/2000/svg}"
NAN, INF = math.nan, math.inf
AWKWARD = "Tom & \"Jerry\" <'Black'>"


def parse(chart: Chart) -> ET.Element:
    root = ET.fromstring(chart.svg)
    assert root.tag == f"{NS}svg"
    return root


def with_class(root: ET.Element, token: str) -> list[ET.Element]:
    return [element for element in root.iter() if token in element.get("class", "").split()]


def texts(root: ET.Element) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(f"{NS}text")]


def number(element: ET.Element, name: str) -> float:
    return float(element.attrib[name])


def marker_x(element: ET.Element) -> float:
    """The x of a point marker: a circle's centre, or the tip of an arrow (its first corner)."""
    if element.tag == f"{NS}circle":
        return number(element, "cx")
    return float(element.attrib["points"].split()[0].split(",")[0])


def marker_y(element: ET.Element) -> float:
    if element.tag == f"{NS}circle":
        return number(element, "cy")
    corners = [tuple(map(float, corner.split(","))) for corner in element.attrib["points"].split()]
    if "eh-clipped" in element.get("class", ""):
        return corners[0][1]
    return (min(y for _, y in corners) + max(y for _, y in corners)) / 2


def forest(**overrides: object) -> Chart:
    arguments: dict[str, object] = {
        "groups": ["White", "Black", "Asian", "Mixed"],
        "ratio": [1.0, 1.42, 0.91, NAN],
        "low": [NAN, 1.20, 0.75, NAN],
        "high": [NAN, 1.68, 1.10, NAN],
        "reference": "White",
        "title": "Recall by ethnic group",
        "id_prefix": "recall",
        "flagged": [False, True, False, False],
    }
    arguments.update(overrides)
    return relative_rate_chart(**arguments)  # type: ignore[arg-type]


def units(count: int = 40, seed: int = 7) -> tuple[list[str], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    expected = rng.gamma(2.0, 15.0, count)
    observed = rng.poisson(expected * np.where(np.arange(count) < 3, 1.9, 1.0)).astype(float)
    return [f"PDU {i}" for i in range(count)], observed, expected


def funnel(**overrides: object) -> Chart:
    names, observed, expected = units()
    arguments: dict[str, object] = {
        "units": names,
        "observed": observed,
        "expected": expected,
        "limits": funnel_curve(float(expected.max())),
        "title": "Recall by PDU",
        "id_prefix": "funnel",
    }
    arguments.update(overrides)
    return funnel_chart(**arguments)  # type: ignore[arg-type]


QUARTERS = ["2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1"]


def trend(**overrides: object) -> Chart:
    arguments: dict[str, object] = {
        "quarters": QUARTERS,
        "series": {
            "White": ([1.0] * 5, [NAN] * 5, [NAN] * 5),
            "Black": ([1.2, 1.3, NAN, 1.5, 1.42], [1.0, 1.1, NAN, 1.2, 1.2], [1.44, 1.54, NAN, 1.9, 1.68]),
            "Asian": (
                [0.9, 0.95, 0.85, 0.9, 0.88],
                [0.7, 0.8, 0.7, 0.75, 0.7],
                [1.15, 1.13, 1.03, 1.08, 1.1],
            ),
        },
        "reference": "White",
        "title": "Recall by quarter",
        "id_prefix": "trend",
    }
    arguments.update(overrides)
    return trend_chart(**arguments)  # type: ignore[arg-type]


def empty_forest() -> Chart:
    return relative_rate_chart([], [], [], [], reference="White", title="Nothing", id_prefix="none")


def empty_funnel() -> Chart:
    return funnel_chart([], [], [], limits=funnel_curve(10.0), title="Nothing", id_prefix="none")


def empty_trend() -> Chart:
    return trend_chart([], {}, reference="White", title="Nothing", id_prefix="none")


ALL_CHARTS: list[Callable[[], Chart]] = [
    forest,
    lambda: forest(adjusted=([1.0, 1.3, 0.95, NAN], [NAN, 1.05, 0.8, NAN], [NAN, 1.61, 1.12, NAN])),
    funnel,
    trend,
    empty_forest,
    empty_funnel,
    empty_trend,
]


@pytest.mark.parametrize("build", ALL_CHARTS)
def test_every_chart_is_a_labelled_image_without_styles_or_scripts(build: Callable[[], Chart]) -> None:
    chart = build()
    root = parse(chart)
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("viewBox", "").startswith("0 0 960 ")
    title_id, desc_id = root.attrib["aria-labelledby"].split()
    by_id = {element.get("id"): element for element in root.iter() if element.get("id")}
    assert by_id[title_id].tag == f"{NS}title"
    assert by_id[desc_id].tag == f"{NS}desc"
    assert by_id[title_id].text == chart.title
    assert by_id[desc_id].text == chart.description
    assert chart.description
    for element in root.iter():
        assert "style" not in element.attrib
        assert element.tag not in {f"{NS}style", f"{NS}script", f"{NS}foreignObject"}
        assert not any(name.startswith("on") for name in element.attrib)


@pytest.mark.parametrize("build", ALL_CHARTS)
def test_the_same_input_gives_the_same_bytes(build: Callable[[], Chart]) -> None:
    assert build() == build()


@pytest.mark.parametrize("build", [empty_forest, empty_funnel, empty_trend])
def test_empty_input_gives_a_chart_that_says_there_is_nothing(build: Callable[[], Chart]) -> None:
    chart = build()
    root = parse(chart)
    assert "No data to show." in texts(root)
    assert "nothing to show" in chart.description
    assert not with_class(root, "eh-marker")


def test_ids_come_from_the_prefix_and_a_bad_prefix_is_refused() -> None:
    root = parse(forest(id_prefix="chart-2"))
    assert root.attrib["aria-labelledby"] == "chart-2-title chart-2-desc"
    for bad in ("", "2chart", "a b", 'x"y'):
        with pytest.raises(ValueError, match="id_prefix"):
            forest(id_prefix=bad)


# --- The forest plot -----------------------------------------------------------------------------------


def test_forest_has_one_marker_per_group_and_says_a_missing_ratio_is_not_available() -> None:
    chart = forest()
    root = parse(chart)
    assert len(with_class(root, "eh-marker")) == 3  # White (the reference), Black, Asian
    assert len(with_class(root, "eh-reference")) == 1
    assert [element.text for element in with_class(root, "eh-label")] == ["White", "Black", "Asian", "Mixed"]
    assert [element.text for element in with_class(root, "eh-no-ratio")] == ["not available"]
    assert "reference" in texts(root)
    assert "Mixed: ratio not available." in chart.description


def test_forest_description_gives_the_figures_and_the_flags() -> None:
    chart = forest()
    assert "Black: 1.42 times the rate of White (95% interval 1.20 to 1.68); flagged." in chart.description
    assert "Asian: 0.91 times the rate of White (95% interval 0.75 to 1.10)." in chart.description
    assert "Ratios from 0.8 to 1.25 (the shaded band) are not treated as a disparity." in chart.description
    assert chart.description.endswith("Flagged: Black.")
    assert "1.42 (1.20 to 1.68)" in texts(parse(chart))


def test_flagged_rows_say_so_in_words_as_well_as_colour() -> None:
    root = parse(forest(flagged=[False, True, True, False]))
    assert [element.text for element in with_class(root, "eh-flag")] == ["flagged", "flagged"]
    crude = with_class(root, "eh-crude")
    assert [element.get("fill") for element in crude] == ["#d4351c", "#d4351c"]
    assert "No group is flagged." in forest(flagged=None).description


def test_forest_x_is_monotone_in_the_ratio_and_a_ratio_of_one_is_on_the_reference_line() -> None:
    ratios = [0.6, 0.9, 1.0, 1.3, 1.9]
    root = parse(
        relative_rate_chart(
            ["A", "B", "C", "D", "E"],
            ratios,
            [r / 1.2 for r in ratios],
            [r * 1.2 for r in ratios],
            reference="White",
            title="t",
            id_prefix="p",
        )
    )
    xs = [marker_x(element) for element in with_class(root, "eh-crude")]
    assert len(xs) == 5
    assert xs == sorted(xs) and len(set(xs)) == 5
    (line,) = with_class(root, "eh-reference-line")
    assert number(line, "x1") == number(line, "x2") == xs[2]


def test_forest_clips_zero_infinite_and_huge_ratios_to_the_axis_and_notes_it() -> None:
    chart = relative_rate_chart(
        ["None", "Huge", "Endless", "Plain"],
        [0.0, 25.0, INF, 1.5],
        [0.0, 12.0, 2.1, 1.2],
        [0.35, 50.0, INF, 1.9],
        reference="White",
        title="t",
        id_prefix="p",
    )
    root = parse(chart)
    clipped = with_class(root, "eh-clipped")
    assert len(clipped) == 3
    ticks = {element.text: number(element, "x") for element in with_class(root, "eh-tick")}
    assert ticks["0.1"] < ticks["1"] < ticks["10"]
    assert [marker_x(element) for element in clipped] == [ticks["0.1"], ticks["10"], ticks["10"]]
    assert CLIPPED_NOTE in texts(root)
    assert "None: 0 times the rate of White (95% interval 0 to 0.35); beyond the axis" in chart.description
    assert (
        "Huge: 25.0 times the rate of White (95% interval 12.0 to 50.0); beyond the axis" in chart.description
    )
    assert "Endless: infinity times the rate of White (95% interval 2.10 to infinity)" in chart.description
    assert "Plain: 1.50 times the rate of White (95% interval 1.20 to 1.90)." in chart.description
    assert "infinity (2.10 to infinity)" in texts(root)
    # The widest figure still ends inside the chart, clear of the plot.
    (value,) = [element for element in with_class(root, "eh-value") if element.text.startswith("infinity")]
    assert number(value, "x") + width(value.text, SMALL_SIZE) <= 960


def test_forest_axis_widens_to_cover_intervals_and_stays_symmetric() -> None:
    narrow = parse(forest())
    wide = parse(forest(high=[NAN, 3.5, 1.10, NAN]))
    assert [e.text for e in with_class(narrow, "eh-tick")] == ["0.5", "0.8", "1", "1.25", "2"]
    wide_ticks = [e.text for e in with_class(wide, "eh-tick")]
    assert (wide_ticks[0], wide_ticks[-1]) == ("0.25", "4")
    assert not with_class(wide, "eh-clipped")


def test_forest_labels_are_escaped_and_come_back_unchanged() -> None:
    chart = forest(groups=["White", AWKWARD, "Asian", "Mixed"], title=f"Title {AWKWARD}")
    assert "<'Black'>" not in chart.svg
    root = parse(chart)
    assert [element.text for element in with_class(root, "eh-label")][1] == AWKWARD
    assert chart.title == f"Title {AWKWARD}"
    assert f"{AWKWARD}: 1.42 times" in chart.description
    reference = forest(groups=[AWKWARD, "Black", "Asian", "Mixed"], reference=AWKWARD)
    assert f"Relative rate against {AWKWARD} (log scale)" in texts(parse(reference))
    assert f"Relative rate of each group against {AWKWARD}" in reference.description


def test_characters_xml_cannot_carry_are_replaced_not_fatal() -> None:
    chart = forest(groups=["White", "Bl\x00ack\x1b", "Asian", "Mixed"])
    root = parse(chart)
    assert [element.text for element in with_class(root, "eh-label")][1] == "Bl\ufffdack\ufffd"


def test_a_single_row_draws_and_the_reference_need_not_be_among_the_groups() -> None:
    chart = relative_rate_chart(["Black"], [1.42], [1.2], [1.68], reference="White", title="t", id_prefix="p")
    root = parse(chart)
    assert len(with_class(root, "eh-marker")) == 1
    assert "Black: 1.42 times the rate of White (95% interval 1.20 to 1.68)." in chart.description


def test_adjusted_estimates_are_diamonds_below_the_crude_circles_with_a_legend() -> None:
    chart = forest(adjusted=([1.0, 1.3, 0.95, 1.1], [NAN, 1.05, 0.8, 0.9], [NAN, 1.61, 1.12, 1.35]))
    root = parse(chart)
    crude, adjusted = with_class(root, "eh-crude"), with_class(root, "eh-adjusted")
    assert [element.tag for element in crude] == [f"{NS}circle"] * 2
    assert [element.tag for element in adjusted] == [f"{NS}polygon"] * 3
    assert marker_y(adjusted[0]) > marker_y(crude[0])
    assert {"Crude", "Adjusted"} <= {element.text for element in with_class(root, "eh-legend")}
    assert (
        "Black: 1.42 times the rate of White (95% interval 1.20 to 1.68); adjusted: 1.30 times the rate of "
        "White (95% interval 1.05 to 1.61); flagged." in chart.description
    )
    assert "Mixed: ratio not available; adjusted: 1.10 times the rate of White" in chart.description


def test_forest_refuses_lists_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="low"):
        forest(low=[1.0])
    with pytest.raises(ValueError, match="flagged"):
        forest(flagged=[True])
    with pytest.raises(ValueError, match="band"):
        forest(band=(1.2, 1.5))
    with pytest.raises(ValueError, match="level"):
        forest(level=95)


# --- The funnel plot -----------------------------------------------------------------------------------


def test_funnel_has_one_marker_per_unit_and_names_those_outside_the_limits() -> None:
    names, observed, expected = units()
    chart = funnel()
    root = parse(chart)
    assert len(with_class(root, "eh-marker")) == len(names)
    table = unit_comparison(observed, expected, units=names)
    outside = [str(name) for name in table.index[table[outside_column(0.95)]]]
    assert outside  # the data are made so that some units are
    assert sorted(element.text or "" for element in with_class(root, "eh-name")) == sorted(outside)
    assert len(with_class(root, "eh-highlight")) == len(outside)
    for name in outside:
        row = table.loc[name]
        assert f"{name} (O/E {ratio_text(row['ratio'])}: {int(row['observed'])} observed" in chart.description
    inside = len(names) - len(outside)
    assert f"The other {inside} units lie inside the 95% limits." in chart.description
    assert "95% (dashed) and 99.8% (solid)" in chart.description
    assert len(with_class(root, "eh-limit-95")) == 2
    assert len(with_class(root, "eh-limit-99.8")) == 2


def test_funnel_limit_curves_are_cut_at_the_edges_of_the_plot() -> None:
    root = parse(funnel(limits=funnel_curve(100.0, min_expected=0.2)))
    grid = [
        number(line, "y1")
        for line in root.iter(f"{NS}line")
        if line.get("stroke") == "#b1b4b6" and line.get("y1") == line.get("y2")  # the grid
    ]
    top, bottom = min(grid), max(grid)
    curves = [*with_class(root, "eh-limit-95"), *with_class(root, "eh-limit-99.8")]
    ys = [float(corner.split(",")[1]) for curve in curves for corner in curve.attrib["points"].split()]
    assert min(ys) == top  # the upper limits run off the top at small E, and are cut there
    assert max(ys) == bottom  # the lower limits are 0 at small E
    assert "Expected events (log scale)" in texts(root)


def test_funnel_positions_follow_expected_and_ratio() -> None:
    chart = funnel_chart(
        ["a", "b", "c", "d"],
        [5, 10, 40, 100],
        [10.0, 10.0, 40.0, 100.0],
        limits=funnel_curve(100.0),
        title="t",
        id_prefix="p",
    )
    root = parse(chart)
    points = {(marker_x(e), marker_y(e)) for e in with_class(root, "eh-marker")}
    by_x = sorted(points)
    assert len(by_x) == 4
    (line,) = with_class(root, "eh-reference-line")
    one = number(line, "y1")
    # b, c and d have O/E = 1 and sit on the line at increasing E; a has O/E 0.5, below it at b's E.
    on_line = [point for point in by_x if point[1] == one]
    assert len(on_line) == 3 and on_line == sorted(on_line)
    (below,) = [point for point in by_x if point[1] != one]
    assert below[1] > one and below[0] == on_line[0][0]
    assert "All 4 units lie inside the 95% limits." in chart.description


def test_funnel_skips_and_lists_units_with_no_expected_events() -> None:
    names, _, expected = units()
    expected[[4, 9]] = 0.0
    chart = funnel(expected=expected)
    root = parse(chart)
    assert len(with_class(root, "eh-marker")) == len(names) - 2
    assert "Not drawn, as no events were expected: PDU 4 and PDU 9." in chart.description
    assert f"for {len(names) - 2} units of {len(names)}" in chart.description


def test_funnel_with_nothing_to_place_still_lists_what_it_left_out() -> None:
    chart = funnel_chart(["a"], [3], [0.0], limits=funnel_curve(10.0), title="t", id_prefix="p")
    assert "No data to show." in texts(parse(chart))
    assert "Not drawn, as no events were expected: a." in chart.description


def test_funnel_highlights_what_it_is_told_to() -> None:
    names, _, _ = units()
    chosen = [name in ("PDU 10", "PDU 11") for name in names]
    chart = funnel(highlight=chosen)
    root = parse(chart)
    assert sorted(element.text or "" for element in with_class(root, "eh-name")) == ["PDU 10", "PDU 11"]
    assert "Highlighted and named: PDU 10 and PDU 11." in chart.description
    assert "Outside the 99.8% limits" in chart.description  # still said, highlighted or not


def test_funnel_clips_a_unit_above_the_axis_and_escapes_its_name() -> None:
    chart = funnel_chart(
        [AWKWARD, "b", "c"],
        [9, 20, 50],
        [0.8, 20.0, 50.0],
        limits=funnel_curve(50.0),
        title="t",
        id_prefix="p",
    )
    root = parse(chart)
    (clipped,) = with_class(root, "eh-clipped")
    assert "eh-highlight" in clipped.attrib["class"]
    # 9 / 0.8 = 11.25, rounded half away from zero as every figure is.
    assert [element.text for element in with_class(root, "eh-name")] == [f"{AWKWARD} (O/E 11.3)"]
    assert f"Drawn as an arrow at the top edge, with O/E above 4: {AWKWARD}." in chart.description


def test_funnel_needs_the_limit_columns() -> None:
    limits = funnel_curve(10.0).drop(columns=["upper_99.8"])
    with pytest.raises(ValueError, match=r"upper_99\.8"):
        funnel(limits=limits)


def test_funnel_takes_the_outside_flags_the_statistics_decided() -> None:
    """The engine judges each unit against its own binomial limits; the chart names what it was told, draws
    the binomial curve it was given, and never works the flags out again from Poisson limits."""
    names, observed, expected = units()
    people = np.ceil(expected * 3)
    table = binomial_comparison(observed, expected, expected * 0.7, people, units=names, min_n=1)
    told = {level: table[outside_column(level)].to_list() for level in (0.95, 0.998)}
    assert any(told[0.95])
    chart = funnel(outside=told, limits=binomial_curve(float(expected.max()), 0.7))
    root = parse(chart)
    named = sorted(element.text or "" for element in with_class(root, "eh-name"))
    assert named == sorted(name for name, flag in zip(names, told[0.95], strict=True) if flag)
    widest = [name for name, flag in zip(names, told[0.998], strict=True) if flag]
    if widest:
        assert f"Outside the 99.8% limits: {widest[0]} (O/E" in chart.description
    inside = len(names) - sum(told[0.95])
    assert f"The other {inside} units are not shown to be outside the 95% limits." in chart.description
    assert len(with_class(root, "eh-limit-95")) == 2


def test_funnel_with_flags_that_put_nobody_outside_says_so() -> None:
    names, _, _ = units()
    nobody = {0.95: [False] * len(names), 0.998: [False] * len(names)}
    chart = funnel(outside=nobody)
    assert not with_class(parse(chart), "eh-name")
    assert "No unit is shown to be outside the 95% limits." in chart.description


def test_funnel_outside_flags_must_fit_the_units_and_the_levels() -> None:
    names, _, _ = units()
    with pytest.raises(ValueError, match="levels"):
        funnel(outside={0.95: [False] * len(names)})
    with pytest.raises(ValueError, match=r"outside\[0\.95\]"):
        funnel(outside={0.95: [False], 0.998: [False] * len(names)})


def test_funnel_single_unit() -> None:
    chart = funnel_chart(["a"], [12], [10.0], limits=funnel_curve(10.0), title="t", id_prefix="p")
    assert len(with_class(parse(chart), "eh-marker")) == 1
    assert "The unit lies inside the 95% limits." in chart.description


# --- The trend chart -----------------------------------------------------------------------------------


def test_trend_has_one_marker_per_quarter_with_a_ratio_and_a_gap_for_the_rest() -> None:
    chart = trend()
    root = parse(chart)
    assert len(with_class(root, "eh-marker")) == 4 + 5  # Black misses a quarter; White is the line at 1
    assert len(with_class(root, "eh-line")) == 3  # Black in two pieces, Asian in one
    assert "Black: 1.20 in 2023Q1 and 1.42 in 2024Q1 (95% interval 1.20 to 1.68)" in chart.description
    assert (
        "highest 1.50 in 2023Q4, lowest 1.20 in 2023Q1; ratio not available in 2023Q3." in chart.description
    )
    assert "White:" not in chart.description
    assert "against White, the reference group, each quarter from 2023Q1 to 2024Q1" in chart.description
    assert [element.text for element in with_class(root, "eh-legend")] == [
        "Black",
        "Asian",
        "1: the rate of White",
    ]


def test_trend_y_is_monotone_in_the_ratio_and_one_is_on_the_reference_line() -> None:
    ratios = [0.7, 1.0, 1.3, 1.8]
    chart = trend_chart(
        QUARTERS[:4],
        {"Black": (ratios, [r / 1.1 for r in ratios], [r * 1.1 for r in ratios])},
        reference="White",
        title="t",
        id_prefix="p",
    )
    root = parse(chart)
    ys = [marker_y(element) for element in with_class(root, "eh-marker")]
    assert ys == sorted(ys, reverse=True) and len(set(ys)) == 4
    (line,) = with_class(root, "eh-reference-line")
    assert number(line, "y1") == number(line, "y2") == ys[1]


def test_trend_clips_zero_and_infinite_ratios_and_notes_them() -> None:
    chart = trend_chart(
        QUARTERS[:3],
        {"Black": ([0.0, 1.2, INF], [0.0, 1.0, 2.0], [0.5, 1.4, INF])},
        reference="White",
        title="t",
        id_prefix="p",
    )
    root = parse(chart)
    clipped = with_class(root, "eh-clipped")
    assert len(clipped) == 2
    ticks = {element.text: number(element, "y") for element in with_class(root, "eh-tick") if element.text}
    assert marker_y(clipped[0]) > marker_y(clipped[1])  # 0 at the bottom, infinity at the top
    assert CLIPPED_NOTE in texts(root)
    assert "beyond the axis in 2023Q1 and 2023Q3, drawn as an arrow at its edge" in chart.description
    assert "1" in ticks


def test_trend_escapes_group_and_quarter_labels() -> None:
    chart = trend_chart(
        ["Q<1>", "Q&2"],
        {AWKWARD: ([1.2, 1.3], [1.0, 1.1], [1.4, 1.5])},
        reference="White",
        title="t",
        id_prefix="p",
    )
    root = parse(chart)
    assert [element.text for element in with_class(root, "eh-legend")] == [AWKWARD, "1: the rate of White"]
    assert {"Q<1>", "Q&2"} <= set(texts(root))
    assert f"{AWKWARD}: 1.20 in Q<1> and 1.30 in Q&2" in chart.description


def test_trend_with_no_ratio_at_all_says_so() -> None:
    chart = trend_chart(
        QUARTERS[:2],
        {"Black": ([NAN, NAN], [NAN, NAN], [NAN, NAN])},
        reference="White",
        title="t",
        id_prefix="p",
    )
    assert "No data to show." in texts(parse(chart))
    assert "No group has a ratio against White in any quarter" in chart.description


def test_trend_single_quarter_and_pandas_input() -> None:
    frame = pd.DataFrame({"ratio": [1.4], "low": [1.1], "high": [1.8]})
    chart = trend_chart(
        pd.Index(["2024Q1"]),
        {"Black": (frame["ratio"], frame["low"], frame["high"])},
        reference="White",
        title="t",
        id_prefix="p",
    )
    assert len(with_class(parse(chart), "eh-marker")) == 1
    assert "Black: 1.40 in 2024Q1 (95% interval 1.10 to 1.80)." in chart.description


def test_ratio_text_is_the_formatting_modules() -> None:
    assert [ratio_text(v) for v in (NAN, INF, 0.0, 0.004, 0.91, 1.425, 12.34, 1234.0)] == [
        "not available",
        "infinity",
        "0",
        "0.0040",
        "0.91",
        "1.43",
        "12.3",
        "1,234",
    ]
