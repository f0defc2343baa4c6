"""Server-side SVG charts for the equality dashboard and the published report.

Each chart is one ``<svg>`` element built with :mod:`xml.etree.ElementTree`, so every label is escaped, and
drawn with presentation attributes only (``fill=``, ``stroke=``, ``font-size=``): no ``style`` attribute or
element and no script, so it passes a strict Content-Security-Policy, needs no JavaScript, and renders the
same in a browser and in WeasyPrint. The ``viewBox`` is 960 units wide (one unit per pixel on a 960px page)
with text at the GOV.UK body and small sizes (19 and 16); the ``<svg>`` has ``width="100%"`` and scales with
its container, and the text inherits the page's font. ``role="img"`` and ``aria-labelledby`` point at the
chart's own ``<title>`` and ``<desc>``, whose ids start with the caller's ``id_prefix``.

Colours are the GOV.UK Frontend palette and never carry meaning alone: each kind of point has its own
shape, flagged or highlighted rows are named in words, and an estimate or interval beyond the axis ends in
an arrow with a note. Every chart returns a :class:`Chart` whose ``description`` says in plain English what
it shows, for the page to print beside the chart and its data table.

Ratios are drawn on a log scale symmetric about 1 (so 0.5 and 2 are equally far from it), chosen from
0.5-2, 0.25-4 and 0.1-10 to cover the data; anything beyond 0.1-10, including ratios of 0 and infinity, is
drawn at the edge as an arrow. Missing values (NaN) are never drawn and never an error: the row or quarter
is kept and says the ratio is "not available". Figures are written by :mod:`evenhand.core.formatting`, as on
the rest of the page: ``1.42 (1.20 to 1.68)``, ``infinity``, ``not available``.
"""

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from evenhand.core.formatting import (
    NOT_AVAILABLE,
    count_text,
    estimate_text,
    interval_text,
    number_text,
    percent_text,
    ratio_text,
)

from .stats.common import FloatArray
from .stats.funnel import LIMITS, funnel_limits, limit_columns
from .stats.multiple import MATERIALITY_BAND

# GOV.UK Frontend colours.
TEXT = "#0b0c0c"
SECONDARY_TEXT = "#505a5f"
BLUE = "#1d70b8"
RED = "#d4351c"
ORANGE = "#f47738"
GREEN = "#00703c"
LIGHT_GREY = "#b1b4b6"
MID_GREY = "#f3f2f1"
WHITE = "#ffffff"

WIDTH = 960
BODY_SIZE = 19
SMALL_SIZE = 16
# The ends of a symmetric log axis, and the ticks it may show.
RATIO_ENDS = (2.0, 4.0, 10.0)
RATIO_TICKS = (0.1, 0.25, 0.5, 0.8, 1.0, 1.25, 2.0, 4.0, 10.0)
CLIPPED_NOTE = "An arrow marks a ratio or interval that runs past the edge of the axis."
# How the funnel's limits are drawn, narrowest first: dash pattern, line width, and the word for it.
LIMIT_STYLES: tuple[tuple[str | None, float, str], ...] = (("8 5", 1.5, "dashed"), (None, 2.0, "solid"))
# Quarterly intervals from small counts are wide; they may widen the trend axis only this far.
TREND_INTERVAL_END = 4.0

SVG_NS = "http://www.w3.org/2000/svg"
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
# Characters XML 1.0 cannot carry at all; a label containing them would make the SVG unreadable.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_NARROW = frozenset(" !'(),-./:;I[]fijlrt|")
_WIDE = frozenset("%@MWmw")

Shape = Literal["circle", "square", "diamond", "triangle", "triangle-down"]
# The crude estimate's marker, then the adjusted estimate's.
SHAPES: tuple[Shape, Shape] = ("circle", "diamond")
Direction = Literal["left", "right", "up", "down"]


@dataclass(frozen=True)
class Chart:
    """An SVG chart with the text that stands in for it.

    ``svg`` is the markup to place in the page as it is (it is escaped already); ``title`` is what the
    chart's ``<title>`` says, for a caption or heading; ``description`` summarises in plain English what it
    shows, the same as its ``<desc>``, for the page to print beside it with the data table.
    """

    svg: str
    title: str
    description: str


# --- Building blocks -----------------------------------------------------------------------------------


def _num(value: float) -> str:
    """A coordinate rounded to one decimal, without a trailing ``.0`` (so the markup stays small)."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _clean(label: object) -> str:
    """A label as one line of text that XML can carry."""
    return _NOT_XML.sub("\ufffd", " ".join(str(label).split()))


def _width(text: str, size: float) -> float:
    """Roughly how wide ``text`` is at ``size``, from Arial's character widths with a little to spare for
    GDS Transport (there is no font to measure with on the server)."""
    ems = 0.0
    for character in text:
        if character in _NARROW:
            ems += 0.3
        elif character in _WIDE:
            ems += 0.85
        elif character.isupper():
            ems += 0.68
        else:
            ems += 0.56
    return ems * size * 1.05


def _plain(value: float) -> str:
    """A number the chart chose or was given (an axis end, the band), as briefly as it can be written."""
    return f"{value:,.4g}"


def _names(values: Sequence[object], name: str) -> list[str]:
    names = [_clean(value) for value in values]
    if len(set(names)) != len(names):
        raise ValueError(f"{name} must not repeat a label")
    return names


def _floats(values: ArrayLike, length: int, name: str) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size != length:
        raise ValueError(
            f"{name} must be a one-dimensional list with one value per row ({length}), not {array.shape}"
        )
    return array


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(
            f"level must be the intervals' coverage, between 0 and 1, such as 0.95, not {level!r}"
        )


def _check_id(id_prefix: str) -> None:
    if not isinstance(id_prefix, str) or not _ID.fullmatch(id_prefix):
        raise ValueError(
            f"id_prefix must start with a letter and hold only letters, digits, '-' and '_', not {id_prefix!r}"
        )


def _join(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _named(names: Sequence[str], chosen: np.ndarray) -> str:
    """The names where ``chosen`` is true, joined into a list in words."""
    return _join([names[int(i)] for i in np.flatnonzero(chosen)])


class _Svg:
    """An ``<svg>`` under construction: its title and description first, then whatever is drawn."""

    def __init__(self, *, id_prefix: str, title: str, description: str) -> None:
        _check_id(id_prefix)
        self.root = ET.Element(
            "svg",
            {
                "xmlns": SVG_NS,
                "role": "img",
                "viewBox": "",
                "width": "100%",
                "aria-labelledby": f"{id_prefix}-title {id_prefix}-desc",
            },
        )
        ET.SubElement(self.root, "title", {"id": f"{id_prefix}-title"}).text = _clean(title)
        ET.SubElement(self.root, "desc", {"id": f"{id_prefix}-desc"}).text = _clean(description)

    def add(self, tag: str, **attributes: float | str | None) -> ET.Element:
        """Add an element; ``stroke_width`` becomes ``stroke-width``, ``class_`` ``class``, floats are rounded."""
        values = {
            key.rstrip("_").replace("_", "-"): _num(value) if isinstance(value, float) else str(value)
            for key, value in attributes.items()
            if value is not None
        }
        return ET.SubElement(self.root, tag, values)

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        size: int = SMALL_SIZE,
        anchor: str = "start",
        fill: str = TEXT,
        bold: bool = False,
        class_: str | None = None,
    ) -> ET.Element:
        """A line of text whose baseline is at ``y``."""
        element = self.add(
            "text",
            x=float(x),
            y=float(y),
            font_size=size,
            fill=fill,
            text_anchor=None if anchor == "start" else anchor,
            font_weight="bold" if bold else None,
            class_=class_,
        )
        element.text = _clean(content)
        return element

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        *,
        stroke: str,
        width: float = 1,
        dash: str | None = None,
        class_: str | None = None,
    ) -> None:
        self.add(
            "line",
            x1=float(x1),
            y1=float(y1),
            x2=float(x2),
            y2=float(y2),
            stroke=stroke,
            stroke_width=width,
            stroke_dasharray=dash,
            class_=class_,
        )

    def shape(
        self, shape: Shape, x: float, y: float, size: float, *, fill: str, class_: str | None = None
    ) -> None:
        """A point marker of about ``2 * size`` across, outlined in white so overlapping points stay apart."""
        common: dict[str, float | str | None] = {
            "fill": fill,
            "stroke": WHITE,
            "stroke_width": 1,
            "class_": class_,
        }
        if shape == "circle":
            self.add("circle", cx=float(x), cy=float(y), r=float(size), **common)
            return
        if shape == "square":
            side = size * 1.7
            self.add("rect", x=x - side / 2, y=y - side / 2, width=float(side), height=float(side), **common)
            return
        s = size * 1.3
        corners = {
            "diamond": [(x, y - s), (x + s, y), (x, y + s), (x - s, y)],
            "triangle": [(x, y - s), (x + s, y + s * 0.8), (x - s, y + s * 0.8)],
            "triangle-down": [(x, y + s), (x + s, y - s * 0.8), (x - s, y - s * 0.8)],
        }[shape]
        self.add("polygon", points=_points(corners), **common)

    def arrow(
        self, x: float, y: float, direction: Direction, size: float, *, fill: str, class_: str | None = None
    ) -> None:
        """A solid arrowhead with its tip at (x, y): an estimate or interval that runs on past the axis."""
        along, across = size * 1.6, size
        corners = {
            "left": [(x, y), (x + along, y - across), (x + along, y + across)],
            "right": [(x, y), (x - along, y - across), (x - along, y + across)],
            "up": [(x, y), (x - across, y + along), (x + across, y + along)],
            "down": [(x, y), (x - across, y - along), (x + across, y - along)],
        }[direction]
        self.add("polygon", points=_points(corners), fill=fill, class_=class_)

    def markup(self, height: float) -> str:
        self.root.set("viewBox", f"0 0 {WIDTH} {_num(height)}")
        return ET.tostring(self.root, encoding="unicode")


def _at(values: tuple[FloatArray, FloatArray, FloatArray], i: int) -> tuple[float, float, float]:
    return float(values[0][i]), float(values[1][i]), float(values[2][i])


def _points(corners: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in corners)


def _empty(*, id_prefix: str, title: str, description: str, message: str) -> Chart:
    """A chart with nothing to plot: a bordered box that says so."""
    svg = _Svg(id_prefix=id_prefix, title=title, description=description)
    svg.add("rect", x=0.5, y=0.5, width=float(WIDTH - 1), height=79.0, fill=MID_GREY, stroke=LIGHT_GREY)
    svg.text(24, 47, message, size=BODY_SIZE, class_="eh-empty")
    return Chart(svg=svg.markup(80), title=_clean(title), description=_clean(description))


@dataclass(frozen=True)
class _LogAxis:
    """Ratios in [low, high] to positions from ``start`` to ``end`` on a log scale; others to the nearer end."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        value = min(max(value, self.low), self.high)
        share = math.log(value / self.low) / math.log(self.high / self.low)
        return self.start + (self.end - self.start) * share

    def below(self, value: float) -> bool:
        return value < self.low

    def above(self, value: float) -> bool:
        return value > self.high


def _ratio_end(values: Sequence[float], *, at_least: float = RATIO_ENDS[0]) -> float:
    """The smallest symmetric log axis (1/m to m) that holds ``values``, within 0.1-10."""
    needed = at_least
    for value in values:
        if math.isfinite(value) and value > 0:
            needed = max(needed, value, 1 / value)
    return next((end for end in RATIO_ENDS if needed <= end * (1 + 1e-9)), RATIO_ENDS[-1])


def _spread_ticks(positions: Mapping[float, float], *, gap: float) -> list[float]:
    """The ticks that get a label: 1 and the ends first, then the others, each at least ``gap`` from the rest."""
    ticks = sorted(positions)
    first = [1.0, ticks[0], ticks[-1]]
    order = [*first, *sorted(ticks, key=lambda tick: -abs(math.log(tick)))]
    kept: list[float] = []
    for tick in order:
        if (
            tick in positions
            and tick not in kept
            and all(abs(positions[tick] - positions[k]) >= gap for k in kept)
        ):
            kept.append(tick)
    return sorted(kept)


def _interval(
    svg: _Svg,
    axis: "_LogAxis | _LinearAxis",
    low: float,
    high: float,
    across: float,
    *,
    vertical: bool,
    colour: str,
) -> bool:
    """An interval whisker at ``across`` (y for a horizontal one, x for a vertical one): a line with a cap at
    each end, or an arrowhead where it runs past the axis. Returns whether it was cut at the axis.

    The vertical whiskers of a trend are thinner, so that the lines between the points stand out."""
    if math.isnan(low) or math.isnan(high):
        return False
    start, end = axis(low), axis(high)
    cut_low, cut_high = axis.below(low), axis.above(high)
    width = 1.25 if vertical else 2
    if vertical:
        svg.line(across, start, across, end, stroke=colour, width=width)
    else:
        svg.line(start, across, end, across, stroke=colour, width=width)
    for at, cut, outward in ((start, cut_low, -1), (end, cut_high, 1)):
        if cut:
            direction: Direction = (
                ("up" if outward > 0 else "down") if vertical else ("right" if outward > 0 else "left")
            )
            svg.arrow(*((across, at) if vertical else (at, across)), direction, 5, fill=colour)
        elif vertical:
            svg.line(across - 3, at, across + 3, at, stroke=colour, width=width)
        else:
            svg.line(at, across - 5, at, across + 5, stroke=colour, width=2)
    return cut_low or cut_high


def _legend(
    svg: _Svg, items: Sequence[tuple[Callable[[float, float], object], str]], *, top: float, left: float = 0
) -> float:
    """Legend items (a drawing 24 wide and the words), flowing across the page; returns the y below them."""
    x, y, row = left, top, 30
    for draw, words in items:
        width = 32 + _width(words, SMALL_SIZE) + 28
        if x > left and x + width > WIDTH:
            x, y = left, y + row
        draw(x + 12, y + 11)
        svg.text(x + 32, y + 17, words, class_="eh-legend")
        x += width
    return y + row


def _line_sample(
    svg: _Svg, *, stroke: str, width: float, dash: str | None, shape: Shape | None = None
) -> Callable[[float, float], object]:
    """A legend drawing: a short line, with a marker on it when ``shape`` is given."""

    def draw(x: float, y: float) -> None:
        svg.line(x - 14, y, x + 14, y, stroke=stroke, width=width, dash=dash)
        if shape is not None:
            svg.shape(shape, x, y, 6, fill=stroke)

    return draw


def _describe_interval(low: float, high: float, level: float) -> str:
    return f"{level * 100:g}% interval {interval_text(low, high)}"


# --- Relative rates: a forest plot ---------------------------------------------------------------------


def relative_rate_chart(
    groups: Sequence[str],
    ratio: ArrayLike,
    low: ArrayLike,
    high: ArrayLike,
    *,
    reference: str,
    title: str,
    id_prefix: str,
    band: tuple[float, float] = MATERIALITY_BAND,
    flagged: Sequence[bool] | None = None,
    adjusted: tuple[ArrayLike, ArrayLike, ArrayLike] | None = None,
    level: float = 0.95,
) -> Chart:
    """A forest plot of each group's relative rate against the reference group, with its interval.

    One row per group in the order given: the ratio as a circle on a log axis symmetric about 1, its
    interval as a whisker, the materiality ``band`` shaded and a line at 1; the figures are printed at the
    right of each row. The reference group's row shows a grey square at 1 and the word "reference"; a row
    whose ratio is NaN says "not available". With ``adjusted`` (ratio, low, high), each row also shows the
    adjusted estimate as a diamond below the crude circle, with a legend. ``flagged`` rows are drawn in red
    and say "flagged". ``level`` is the intervals' coverage, for the words only.
    """
    _check_level(level)
    names = _names(groups, "groups")
    count = len(names)
    crude = (_floats(ratio, count, "ratio"), _floats(low, count, "low"), _floats(high, count, "high"))
    adjusted_values = None
    if adjusted is not None:
        adjusted_values = (
            _floats(adjusted[0], count, "adjusted ratio"),
            _floats(adjusted[1], count, "adjusted low"),
            _floats(adjusted[2], count, "adjusted high"),
        )
    flags = [False] * count if flagged is None else [bool(flag) for flag in flagged]
    if len(flags) != count:
        raise ValueError(f"flagged has {len(flags)} values but there are {count} groups")
    band_low, band_high = band
    if not 0 < band_low <= 1 <= band_high:
        raise ValueError(f"band must be (low, high) with 0 < low <= 1 <= high, not {band!r}")
    reference = _clean(reference)
    is_reference = [name == reference for name in names]
    if count == 0:
        description = "There are no groups, so there is nothing to show."
        return _empty(id_prefix=id_prefix, title=title, description=description, message="No data to show.")

    estimates = [crude] if adjusted_values is None else [crude, adjusted_values]
    others = ~np.array(is_reference)
    figures = [float(v) for values in estimates for array in values for v in array[others]]
    end = _ratio_end(figures, at_least=max(RATIO_ENDS[0], band_high, 1 / band_low))
    lines = [_label_lines(name) for name in names]
    label_width = min(max(max(_width(line, BODY_SIZE) for row in lines for line in row), 120), 260)
    flag_width = 86 if any(flags) else 0
    # The figures at the right of each row; wide ones (tiny ratios, infinity) take room from the plot.
    value_texts = [
        estimate_text(*_at(values, i)) for values in estimates for i in range(count) if not is_reference[i]
    ]
    value_width = max([180.0, *(_width(text, SMALL_SIZE) for text in value_texts)])
    plot = (label_width + 24, WIDTH - flag_width - value_width - 16)
    axis = _LogAxis(1 / end, end, *plot)

    sentences = [
        f"Relative rate of each group against {reference}, the reference group, with {level * 100:g}% "
        f"intervals, on a log scale from {_plain(axis.low)} to {_plain(axis.high)}."
        + (" Each group shows the crude and the adjusted estimate." if adjusted_values is not None else "")
    ]
    for i, name in enumerate(names):
        if is_reference[i]:
            continue
        phrases = [_estimate_phrase(axis, _at(values, i), reference, level) for values in estimates]
        sentence = f"{name}: {phrases[0]}" + (f"; adjusted: {phrases[1]}" if len(phrases) > 1 else "")
        sentences.append(sentence + ("; flagged." if flags[i] else "."))
    flagged_names = [
        name for name, flag, ref in zip(names, flags, is_reference, strict=True) if flag and not ref
    ]
    sentences += [
        f"Ratios from {_plain(band_low)} to {_plain(band_high)} (the shaded band) are not treated as a "
        "disparity.",
        f"Flagged: {_join(flagged_names)}." if flagged_names else "No group is flagged.",
    ]
    description = " ".join(sentences)

    svg = _Svg(id_prefix=id_prefix, title=title, description=description)
    row_height = max(64 if adjusted_values is not None else 40, 23 * max(len(row) for row in lines) + 12)
    top = 44
    bottom = top + row_height * count
    value_x = plot[1] + 16

    # The band and the grid go under everything else.
    band_start, band_end = axis(max(band_low, axis.low)), axis(min(band_high, axis.high))
    svg.add(
        "rect",
        x=band_start,
        y=float(top),
        width=band_end - band_start,
        height=float(bottom - top),
        fill=MID_GREY,
        class_="eh-band",
    )
    ticks = [tick for tick in RATIO_TICKS if axis.low * (1 - 1e-9) <= tick <= axis.high * (1 + 1e-9)]
    labelled = _spread_ticks({tick: axis(tick) for tick in ticks}, gap=44)
    for tick in labelled:
        if tick != 1:
            svg.line(axis(tick), top, axis(tick), bottom, stroke=LIGHT_GREY, dash="2 4")
    svg.line(axis(1), top - 6, axis(1), bottom + 8, stroke=TEXT, width=1.5, class_="eh-reference-line")

    # Headings, and which side of 1 means what.
    svg.text(0, 24, "Group", bold=True)
    svg.text(value_x, 24, f"Ratio ({level * 100:g}% interval)", bold=True)
    lower, higher = f"← lower rate than {reference}", f"higher rate than {reference} →"
    # With room to spare: a report's fallback font (DejaVu Sans) is wider than the estimate.
    if max(_width(lower, SMALL_SIZE), _width(higher, SMALL_SIZE)) * 1.15 > axis(1) - plot[0] - 16:
        lower, higher = "← lower rate", "higher rate →"
    svg.text(axis(1) - 8, 24, lower, anchor="end", fill=SECONDARY_TEXT)
    svg.text(axis(1) + 8, 24, higher, fill=SECONDARY_TEXT)

    clipped_any = False
    for i in range(count):
        middle = top + row_height * (i + 0.5)
        first = middle - 11.5 * (len(lines[i]) - 1) + BODY_SIZE * 0.35
        for k, text in enumerate(lines[i]):
            svg.text(0, first + 23 * k, text, size=BODY_SIZE, class_="eh-label" if k == 0 else None)
        if is_reference[i]:
            svg.shape("square", axis(1), middle, 6, fill=SECONDARY_TEXT, class_="eh-marker eh-reference")
            svg.text(value_x, middle + SMALL_SIZE * 0.35, "reference", fill=SECONDARY_TEXT, class_="eh-value")
            continue
        colour = RED if flags[i] else BLUE
        offsets = [0.0] if len(estimates) == 1 else [-11.0, 11.0]
        for values, shape, offset in zip(estimates, SHAPES, offsets, strict=False):
            r, lo, hi = _at(values, i)
            y = middle + offset
            kind = "eh-crude" if shape == "circle" else "eh-adjusted"
            if math.isnan(r):
                svg.text(
                    plot[0] + 8,
                    y + SMALL_SIZE * 0.35,
                    NOT_AVAILABLE,
                    fill=SECONDARY_TEXT,
                    class_="eh-no-ratio",
                )
                continue
            clipped_any = _interval(svg, axis, lo, hi, y, vertical=False, colour=colour) or clipped_any
            if axis.below(r) or axis.above(r):
                clipped_any = True
                direction: Direction = "left" if axis.below(r) else "right"
                svg.arrow(axis(r), y, direction, 8, fill=colour, class_=f"eh-marker {kind} eh-clipped")
            else:
                svg.shape(shape, axis(r), y, 6.5, fill=colour, class_=f"eh-marker {kind}")
            svg.text(value_x, y + SMALL_SIZE * 0.35, estimate_text(r, lo, hi), class_="eh-value")
        if flags[i]:
            svg.text(
                WIDTH,
                middle + SMALL_SIZE * 0.35,
                "flagged",
                anchor="end",
                fill=RED,
                bold=True,
                class_="eh-flag",
            )

    axis_y = bottom + 8
    svg.line(plot[0], axis_y, plot[1], axis_y, stroke=TEXT)
    for tick in labelled:
        svg.line(axis(tick), axis_y, axis(tick), axis_y + 6, stroke=TEXT)
        svg.text(axis(tick), axis_y + 24, f"{tick:g}", anchor="middle", class_="eh-tick")
    svg.text(
        (plot[0] + plot[1]) / 2,
        axis_y + 50,
        f"Relative rate against {reference} (log scale)",
        anchor="middle",
    )
    y = axis_y + 66
    if clipped_any:
        svg.text(0, y + 16, CLIPPED_NOTE, class_="eh-note")
        y += 28
    items: list[tuple[Callable[[float, float], object], str]] = []
    if adjusted_values is not None:
        items += [
            (lambda x, y: svg.shape("circle", x, y, 6.5, fill=BLUE), "Crude"),
            (lambda x, y: svg.shape("diamond", x, y, 6.5, fill=BLUE), "Adjusted"),
        ]
    items.append(
        (
            lambda x, y: svg.add(
                "rect", x=x - 12, y=y - 9, width=24.0, height=18.0, fill=MID_GREY, stroke=LIGHT_GREY
            ),
            f"{_plain(band_low)} to {_plain(band_high)}: not treated as a disparity",
        )
    )
    if any(flags):
        items.append(
            (lambda x, y: svg.shape("circle", x, y, 6.5, fill=RED), "Flagged (in red, and labelled)")
        )
    height = _legend(svg, items, top=y + 6)
    return Chart(svg=svg.markup(height + 4), title=_clean(title), description=_clean(description))


def _estimate_phrase(
    axis: _LogAxis, estimate: tuple[float, float, float], reference: str, level: float
) -> str:
    """One estimate in words: the ratio, its interval, and whether it runs past the axis."""
    ratio, low, high = estimate
    if math.isnan(ratio):
        return f"ratio {NOT_AVAILABLE}"
    words = f"{ratio_text(ratio)} times the rate of {reference}"
    words += f" ({_describe_interval(low, high, level)})"
    ends = [ratio] + ([] if math.isnan(low) or math.isnan(high) else [low, high])
    if any(axis.below(value) or axis.above(value) for value in ends):
        words += "; beyond the axis, drawn as an arrow at its edge"
    return words


def _label_lines(name: str, limit: float = 260) -> list[str]:
    """A group name on at most two lines of ``limit`` width, shortened with an ellipsis past that."""
    words, rows, current = name.split(" "), [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if current and _width(trial, BODY_SIZE) > limit:
            rows.append(current)
            current = word
        else:
            current = trial
    rows.append(current)
    if len(rows) > 2:
        rows = [rows[0], " ".join(rows[1:])]
    fitted = []
    for row in rows:
        if _width(row, BODY_SIZE) > limit:
            while _width(row + "…", BODY_SIZE) > limit:
                row = row[:-1]
            row = row.rstrip() + "…"
        fitted.append(row)
    return fitted


# --- Units: a funnel plot ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LinearAxis:
    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        value = min(max(value, self.low), self.high)
        return self.start + (self.end - self.start) * (value - self.low) / (self.high - self.low)

    def below(self, value: float) -> bool:
        return value < self.low

    def above(self, value: float) -> bool:
        return value > self.high


# --- Shares: a dot plot on a 0-100% axis ---------------------------------------------------------------

SHARE_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)


def share_chart(
    rows: Sequence[str],
    share: ArrayLike,
    low: ArrayLike,
    high: ArrayLike,
    *,
    title: str,
    id_prefix: str,
    measure: str,
    heading: str = "Group",
    level: float = 0.95,
) -> Chart:
    """A dot plot of shares (0 to 1) with their intervals, on a linear axis from 0% to 100%.

    One row per label in the order given: the share as a circle, its interval as a whisker, the figures
    printed at the right of the row. A row whose share is NaN (not available, or withheld from a
    publication) says "not available" and draws nothing. ``measure`` says what the share is of, for the
    axis and the words; ``heading`` names the rows' column; ``level`` is the intervals' coverage.
    """
    _check_level(level)
    names = _names(rows, "rows")
    count = len(names)
    values = (_floats(share, count, "share"), _floats(low, count, "low"), _floats(high, count, "high"))
    if count == 0:
        description = "There are no rows, so there is nothing to show."
        return _empty(id_prefix=id_prefix, title=title, description=description, message="No data to show.")
    sentences = [f"{measure}, with {level * 100:g}% intervals, on a scale from 0% to 100%."]
    for i, name in enumerate(names):
        value, lo, hi = _at(values, i)
        if math.isnan(value):
            sentences.append(f"{name}: {NOT_AVAILABLE}.")
        else:
            interval = interval_text(lo, hi, kind="percent", decimals=0)
            sentences.append(f"{name}: {percent_text(value, 0)} ({level * 100:g}% interval {interval}).")
    description = " ".join(sentences)

    lines = [_label_lines(name) for name in names]
    label_width = min(max(max(_width(line, BODY_SIZE) for row in lines for line in row), 120), 260)
    value_width = 190.0
    plot = (label_width + 24, WIDTH - value_width - 16)
    axis = _LinearAxis(0.0, 1.0, *plot)
    svg = _Svg(id_prefix=id_prefix, title=title, description=description)
    row_height = max(40, 23 * max(len(row) for row in lines) + 12)
    top = 44
    bottom = top + row_height * count
    value_x = plot[1] + 16
    for tick in SHARE_TICKS:
        svg.line(axis(tick), top, axis(tick), bottom, stroke=LIGHT_GREY, dash="2 4")
    svg.text(0, 24, heading, bold=True)
    svg.text(value_x, 24, f"Share ({level * 100:g}% interval)", bold=True)
    for i in range(count):
        middle = top + row_height * (i + 0.5)
        first = middle - 11.5 * (len(lines[i]) - 1) + BODY_SIZE * 0.35
        for k, text in enumerate(lines[i]):
            svg.text(0, first + 23 * k, text, size=BODY_SIZE, class_="eh-label" if k == 0 else None)
        value, lo, hi = _at(values, i)
        if math.isnan(value):
            svg.text(
                plot[0] + 8, middle + SMALL_SIZE * 0.35, NOT_AVAILABLE, fill=SECONDARY_TEXT, class_="eh-none"
            )
            continue
        _interval(svg, axis, lo, hi, middle, vertical=False, colour=BLUE)
        svg.shape("circle", axis(value), middle, 6.5, fill=BLUE, class_="eh-marker")
        svg.text(
            value_x,
            middle + SMALL_SIZE * 0.35,
            estimate_text(value, lo, hi, kind="percent", decimals=0),
            class_="eh-value",
        )
    axis_y = bottom + 8
    svg.line(plot[0], axis_y, plot[1], axis_y, stroke=TEXT)
    for tick in SHARE_TICKS:
        svg.line(axis(tick), axis_y, axis(tick), axis_y + 6, stroke=TEXT)
        svg.text(axis(tick), axis_y + 24, percent_text(tick, 0), anchor="middle", class_="eh-tick")
    svg.text((plot[0] + plot[1]) / 2, axis_y + 50, measure, anchor="middle")
    return Chart(svg=svg.markup(axis_y + 62), title=_clean(title), description=_clean(description))


def funnel_chart(
    units: Sequence[str],
    observed: ArrayLike,
    expected: ArrayLike,
    *,
    limits: pd.DataFrame,
    title: str,
    id_prefix: str,
    highlight: Sequence[bool] | None = None,
    outside: Mapping[float, Sequence[bool]] | None = None,
) -> Chart:
    """A funnel plot: each unit's O/E ratio against its expected events, inside the control limits.

    The x axis is expected events on a log scale (the funnel is spread over orders of magnitude of E, as in
    :func:`~evenhand.equality.stats.funnel.funnel_curve`); the y axis is O/E on a linear scale from 0, to
    2, 3 or 4 as the units need, with a line at 1. ``limits`` is the curve to draw, with the columns
    ``expected`` and :func:`~evenhand.equality.stats.funnel.limit_columns` for 95% (dashed) and 99.8%
    (solid), as ``funnel_curve`` or ``binomial_curve`` returns it.

    Which units lie outside which limits is ``outside``: for each level of
    :data:`~evenhand.equality.stats.funnel.LIMITS`, one flag per unit, as the statistics decided it at the
    unit's own limits (the engine's ``outside_95`` and ``outside_99.8`` columns, from binomial limits that
    use each unit's own variance, so a point near a drawn curve may fall on either side of it). Without
    ``outside``, a unit is outside when its O/E is beyond the Poisson limits at its own E, exactly as
    :func:`~evenhand.equality.stats.funnel.unit_comparison` decides.

    Each unit is a blue circle; ``highlight`` units (by default, those outside the 95% limits) are red
    diamonds named beside the point. A unit above the axis is an arrow at its top edge. Units with no
    expected events (or no observed count) cannot be placed: they are left out and named in the description.
    """
    names = _names(units, "units")
    count = len(names)
    observed_counts = _floats(observed, count, "observed")
    expected_counts = _floats(expected, count, "expected")
    highlighted = None if highlight is None else [bool(flag) for flag in highlight]
    if highlighted is not None and len(highlighted) != count:
        raise ValueError(f"highlight has {len(highlighted)} values but there are {count} units")
    given_outside = None if outside is None else _outside_flags(outside, count)
    columns = ["expected", *(name for level in LIMITS for name in limit_columns(level))]
    missing = [column for column in columns if column not in limits.columns]
    if missing:
        raise ValueError(f"limits has no column {', '.join(map(repr, missing))}; pass funnel_curve(...)")

    with np.errstate(invalid="ignore"):
        no_expected = ~(expected_counts > 0) | ~np.isfinite(expected_counts)
        no_observed = ~no_expected & ~(np.isfinite(observed_counts) & (observed_counts >= 0))
    drawn = ~no_expected & ~no_observed
    not_drawn = []
    if no_expected.any():
        not_drawn.append(f"Not drawn, as no events were expected: {_named(names, no_expected)}.")
    if no_observed.any():
        not_drawn.append(f"Not drawn, with no observed count: {_named(names, no_observed)}.")
    if not drawn.any():
        description = " ".join(
            [
                "No unit has expected events, so there is nothing to plot."
                if count
                else "There are no units, so there is nothing to show.",
                *not_drawn,
            ]
        )
        return _empty(id_prefix=id_prefix, title=title, description=description, message="No data to show.")

    at = np.flatnonzero(drawn)
    ratio = np.full(count, np.nan)
    ratio[at] = observed_counts[at] / expected_counts[at]
    beyond_limits: dict[float, np.ndarray] = {}
    if given_outside is not None:
        # A unit that cannot be placed is named as not drawn, never as outside.
        beyond_limits = {level: flags & drawn for level, flags in given_outside.items()}
    else:
        # The limits at each unit's own E, exactly, so the chart agrees with unit_comparison's outside_*.
        own = funnel_limits(expected_counts[at], limits=LIMITS)
        for level in LIMITS:
            lower, upper = limit_columns(level)
            beyond = np.zeros(count, dtype=bool)
            beyond[at] = (ratio[at] < own[lower].to_numpy()) | (ratio[at] > own[upper].to_numpy())
            beyond_limits[level] = beyond
    marked = beyond_limits[LIMITS[0]] if highlighted is None else np.array(highlighted, dtype=bool) & drawn

    curve = limits[columns].astype(np.float64)
    curve = curve[curve["expected"] > 0]
    xs = np.concatenate([curve["expected"].to_numpy(), expected_counts[at]])
    x_low, x_high = float(xs.min()), float(xs.max())
    pad = (x_high / x_low) ** 0.03 if x_high > x_low else 2.0
    plot_x, plot_y = (84.0, 928.0), (52.0, 452.0)
    x_axis = _LogAxis(x_low / pad, x_high * pad, *plot_x)
    biggest = float(np.nanmax(ratio[at]))
    y_top = min(max(math.ceil(biggest * 1.05 / 0.5) * 0.5, 2.0), 4.0)
    y_axis = _LinearAxis(0.0, y_top, plot_y[1], plot_y[0])
    above_axis = drawn & (ratio > y_top)

    description = _funnel_description(
        names,
        observed_counts,
        expected_counts,
        ratio,
        beyond_limits,
        highlighted=None if highlighted is None else marked,
        above_axis=above_axis,
        y_top=y_top,
        not_drawn=not_drawn,
        judged=given_outside is not None,
    )
    svg = _Svg(id_prefix=id_prefix, title=title, description=description)

    svg.text(0, 24, "O/E ratio", bold=True)
    y_ticks = [k * 0.5 for k in range(int(y_top / 0.5) + 1)]
    for tick in y_ticks:
        if tick != 1:
            svg.line(plot_x[0], y_axis(tick), plot_x[1], y_axis(tick), stroke=LIGHT_GREY, dash="2 4")
        svg.text(
            plot_x[0] - 10, y_axis(tick) + SMALL_SIZE * 0.35, f"{tick:g}", anchor="end", class_="eh-tick"
        )
    x_ticks = _log_ticks(x_axis)
    for tick in x_ticks:
        svg.line(x_axis(tick), plot_y[0], x_axis(tick), plot_y[1], stroke=LIGHT_GREY, dash="2 4")
    svg.line(plot_x[0], y_axis(1), plot_x[1], y_axis(1), stroke=TEXT, width=1.5, class_="eh-reference-line")

    curve_x = curve["expected"].to_numpy()
    for level, (dash, width, _) in zip(LIMITS, LIMIT_STYLES, strict=True):
        for column in limit_columns(level):
            for piece in _clip_curve(curve_x, curve[column].to_numpy(), 0.0, y_top):
                svg.add(
                    "polyline",
                    points=_points([(x_axis(x), y_axis(y)) for x, y in piece]),
                    fill="none",
                    stroke=SECONDARY_TEXT,
                    stroke_width=width,
                    stroke_dasharray=dash,
                    class_=f"eh-limit-{level * 100:g}",
                )

    # Plain points first, so the highlighted ones and their names sit on top.
    order = [i for i in at if not marked[i]] + [i for i in at if marked[i]]
    boxes: list[tuple[float, float, float, float]] = []
    for i in order:
        x, y = x_axis(expected_counts[i]), y_axis(ratio[i])
        colour, kind = (RED, "eh-highlight") if marked[i] else (BLUE, "eh-unit")
        if above_axis[i]:
            svg.arrow(x, plot_y[0], "up", 8, fill=colour, class_=f"eh-marker {kind} eh-clipped")
            y = plot_y[0] + 8
        elif marked[i]:
            svg.shape("diamond", x, y, 6.5, fill=colour, class_=f"eh-marker {kind}")
        else:
            svg.shape("circle", x, y, 5, fill=colour, class_=f"eh-marker {kind}")
        if marked[i]:
            words = names[i] + (f" (O/E {ratio_text(ratio[i])})" if above_axis[i] else "")
            _place_label(svg, x, y, words, boxes, plot_x)

    axis_y = plot_y[1]
    svg.line(plot_x[0], plot_y[0], plot_x[0], axis_y, stroke=TEXT)
    svg.line(plot_x[0], axis_y, plot_x[1], axis_y, stroke=TEXT)
    for tick in x_ticks:
        svg.line(x_axis(tick), axis_y, x_axis(tick), axis_y + 6, stroke=TEXT)
        svg.text(x_axis(tick), axis_y + 24, f"{tick:,g}", anchor="middle", class_="eh-tick")
    svg.text((plot_x[0] + plot_x[1]) / 2, axis_y + 50, "Expected events (log scale)", anchor="middle")
    y = axis_y + 66
    if above_axis.any():
        svg.text(0, y + 16, "An arrow at the top marks a unit whose O/E is above the axis.", class_="eh-note")
        y += 28
    items: list[tuple[Callable[[float, float], object], str]] = [
        (lambda x, y: svg.shape("circle", x, y, 5, fill=BLUE), "Unit"),
        (
            lambda x, y: svg.shape("diamond", x, y, 6.5, fill=RED),
            f"Outside the {LIMITS[0] * 100:g}% limits (named)"
            if highlighted is None
            else "Highlighted unit (named)",
        ),
    ]
    for level, (dash, width, _) in zip(LIMITS, LIMIT_STYLES, strict=True):
        items.append(
            (
                _line_sample(svg, stroke=SECONDARY_TEXT, width=width, dash=dash),
                f"{level * 100:g}% limits",
            )
        )
    height = _legend(svg, items, top=y + 6)
    return Chart(svg=svg.markup(height + 4), title=_clean(title), description=_clean(description))


def _outside_flags(outside: Mapping[float, Sequence[bool]], count: int) -> dict[float, np.ndarray]:
    """The caller's outside flags, one list per level of ``LIMITS`` with one flag per unit."""
    levels = sorted(outside)
    if levels != sorted(LIMITS):
        expected = ", ".join(f"{level:g}" for level in LIMITS)
        raise ValueError(f"outside must give flags for the levels {expected}, not {levels!r}")
    flags: dict[float, np.ndarray] = {}
    for level in LIMITS:
        values = np.asarray(outside[level], dtype=bool)
        if values.ndim != 1 or values.size != count:
            raise ValueError(f"outside[{level:g}] must have one flag per unit ({count}), not {values.size}")
        flags[level] = values
    return flags


def _funnel_description(
    names: Sequence[str],
    observed: FloatArray,
    expected: FloatArray,
    ratio: FloatArray,
    outside: Mapping[float, np.ndarray],
    *,
    highlighted: np.ndarray | None,
    above_axis: np.ndarray,
    y_top: float,
    not_drawn: Sequence[str],
    judged: bool = False,
) -> str:
    drawn = int(np.isfinite(ratio).sum())
    units = f"{drawn} unit{'' if drawn == 1 else 's'}" + (f" of {len(names)}" if drawn < len(names) else "")
    limits = " and ".join(
        f"{level * 100:g}% ({style[2]})" for level, style in zip(LIMITS, LIMIT_STYLES, strict=True)
    )
    sentences = [
        f"The ratio of observed to expected events (O/E) for {units}, against each unit's expected events "
        f"on a log scale, with control limits at {limits} around 1.",
        *_funnel_outside(names, observed, expected, ratio, outside, judged=judged),
    ]
    if highlighted is None:
        sentences.append(f"Units outside the {LIMITS[0] * 100:g}% limits are highlighted and named.")
    elif highlighted.any():
        sentences.append(f"Highlighted and named: {_named(names, highlighted)}.")
    else:
        sentences.append("No unit is highlighted.")
    if above_axis.any():
        above = _named(names, above_axis)
        sentences.append(f"Drawn as an arrow at the top edge, with O/E above {_plain(y_top)}: {above}.")
    return " ".join([*sentences, *not_drawn])


def _funnel_outside(
    names: Sequence[str],
    observed: FloatArray,
    expected: FloatArray,
    ratio: FloatArray,
    outside: Mapping[float, np.ndarray],
    *,
    judged: bool = False,
) -> list[str]:
    """Which units lie outside which limits, in words, widest limits first. ``judged``: the flags came from
    the statistics, which do not test every unit (too few people), so the rest are "not shown to be"
    outside rather than inside."""
    sentences = []
    inside_all = np.ones(len(names), dtype=bool)
    levels = sorted(outside, reverse=True)
    for k, level in enumerate(levels):
        wider = np.zeros(len(names), dtype=bool)
        for other in levels[:k]:
            wider |= outside[other]
        these = [int(i) for i in np.flatnonzero(outside[level] & ~wider)]
        inside_all &= ~outside[level]
        if these:
            listed = "; ".join(
                f"{names[i]} (O/E {ratio_text(ratio[i])}: {count_text(observed[i])} observed, "
                f"{number_text(expected[i], 1)} expected; {'above' if ratio[i] > 1 else 'below'})"
                for i in these
            )
            only = " only" if k else ""
            sentences.append(f"Outside the {level * 100:g}% limits{only}: {listed}.")
    drawn = int(np.isfinite(ratio).sum())
    inside = int((inside_all & np.isfinite(ratio)).sum())
    narrowest = f"{min(levels) * 100:g}%"
    if judged:
        if inside == drawn:
            sentences.append(f"No unit is shown to be outside the {narrowest} limits.")
        elif inside:
            others = "The other unit is" if inside == 1 else f"The other {inside} units are"
            sentences.append(f"{others} not shown to be outside the {narrowest} limits.")
        return sentences
    if inside == drawn:
        every = "The unit lies" if drawn == 1 else f"All {drawn} units lie"
        sentences.append(f"{every} inside the {narrowest} limits.")
    elif inside:
        others = "The other unit lies" if inside == 1 else f"The other {inside} units lie"
        sentences.append(f"{others} inside the {narrowest} limits.")
    return sentences


def _log_ticks(axis: _LogAxis) -> list[float]:
    """Round numbers (1, 2, 5, 10, …) across a log axis, at least 48 apart; powers of ten first."""
    first, last = math.floor(math.log10(axis.low)), math.ceil(math.log10(axis.high))
    candidates = [m * 10.0**d for d in range(first, last + 1) for m in (1, 2, 5)]
    inside = [tick for tick in candidates if axis.low <= tick <= axis.high]
    ranked = sorted(inside, key=lambda tick: (0 if tick == 10 ** round(math.log10(tick)) else 1, tick))
    kept: list[float] = []
    for tick in ranked:
        if all(abs(axis(tick) - axis(k)) >= 48 for k in kept):
            kept.append(tick)
    return sorted(kept)


def _clip_curve(xs: FloatArray, ys: FloatArray, low: float, high: float) -> list[list[tuple[float, float]]]:
    """The parts of a curve with ``low <= y <= high``, cut where it crosses out; a NaN breaks it."""
    pieces: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for k in range(1, len(xs)):
        segment = _clip_segment((float(xs[k - 1]), float(ys[k - 1])), (float(xs[k]), float(ys[k])), low, high)
        if segment is None:
            current = _flush(pieces, current)
            continue
        start, end = segment
        if not current or current[-1] != start:
            current = [*_flush(pieces, current), start]
        current.append(end)
    _flush(pieces, current)
    return pieces


def _clip_segment(
    a: tuple[float, float], b: tuple[float, float], low: float, high: float
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The part of the segment from a to b with ``low <= y <= high`` (Liang-Barsky in y), or None."""
    if math.isnan(a[1]) or math.isnan(b[1]):
        return None
    rise = b[1] - a[1]
    t_in, t_out = 0.0, 1.0
    if rise == 0:
        if not low <= a[1] <= high:
            return None
    else:
        for edge in (low, high):
            t = (edge - a[1]) / rise
            if (edge == low) == (rise > 0):
                t_in = max(t_in, t)
            else:
                t_out = min(t_out, t)
        if t_in > t_out:
            return None

    def at(t: float) -> tuple[float, float]:
        # The ends exactly, so that consecutive segments join; between them, x is on a log scale.
        if t == 0:
            return a
        if t == 1:
            return b
        return (a[0] * (b[0] / a[0]) ** t, a[1] + rise * t)

    return at(t_in), at(t_out)


def _flush(
    pieces: list[list[tuple[float, float]]], current: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    if len(current) >= 2:
        pieces.append(current)
    return []


def _place_label(
    svg: _Svg,
    x: float,
    y: float,
    words: str,
    boxes: list[tuple[float, float, float, float]],
    bounds: tuple[float, float],
) -> None:
    """Name a point beside it: the first of right, left, above and below that overlaps no name placed so far."""
    width, height = _width(words, SMALL_SIZE), SMALL_SIZE
    tries = [
        (10, 5, "start"),
        (-10, 5, "end"),
        (8, -10, "start"),
        (8, 20, "start"),
        (-8, -10, "end"),
        (-8, 20, "end"),
    ]
    chosen = None
    for dx, dy, anchor in tries:
        left = x + dx if anchor == "start" else x + dx - width
        box = (left, y + dy - height, left + width, y + dy + 3)
        if box[0] < bounds[0] - 60 or box[2] > WIDTH:
            continue
        if all(box[2] < b[0] or box[0] > b[2] or box[3] < b[1] or box[1] > b[3] for b in boxes):
            chosen = (dx, dy, anchor, box)
            break
    if chosen is None:
        anchor = "start" if x + 10 + width <= WIDTH else "end"
        dx = 10 if anchor == "start" else -10
        left = x + dx if anchor == "start" else x + dx - width
        chosen = (dx, 5, anchor, (left, y + 5 - height, left + width, y + 8))
    dx, dy, anchor, box = chosen
    boxes.append(box)
    svg.text(x + dx, y + dy, words, anchor=anchor, class_="eh-name")


# --- Trend: the relative rate quarter by quarter -------------------------------------------------------

PALETTE = (BLUE, ORANGE, GREEN, RED, TEXT, SECONDARY_TEXT)
TREND_SHAPES: tuple[Shape, ...] = ("circle", "square", "triangle", "diamond", "triangle-down")
DASHES = (None, "8 4", "2 4")


def trend_chart(
    quarters: Sequence[str],
    series: Mapping[str, tuple[ArrayLike, ArrayLike, ArrayLike]],
    *,
    reference: str,
    title: str,
    id_prefix: str,
    level: float = 0.95,
) -> Chart:
    """Each group's relative rate against the reference group, quarter by quarter, with its interval.

    ``series`` maps each group to its (ratio, low, high) arrays, one value per quarter in ``quarters``
    order; the reference group's own series, if given, is left out (its ratio is 1, the line across the
    chart). Each group is a line in its own colour, dash and marker shape, with a whisker for the interval
    and a legend; the y axis is a log scale symmetric about 1. A quarter without a ratio (NaN) is a gap in
    the line; a ratio beyond the axis (0, infinity, or past 0.1-10) is an arrow at the edge, also a gap.
    """
    _check_level(level)
    labels = _names(quarters, "quarters")
    reference = _clean(reference)
    count = len(labels)
    groups = [(_clean(name), values) for name, values in series.items() if _clean(name) != reference]
    data = [
        (
            name,
            (
                _floats(r, count, f"{name} ratio"),
                _floats(lo, count, f"{name} low"),
                _floats(hi, count, f"{name} high"),
            ),
        )
        for name, (r, lo, hi) in groups
    ]
    if not count or not data or all(np.isnan(values[0]).all() for _, values in data):
        if not count:
            reason = "There are no quarters, so there is nothing to show."
        elif not data:
            reason = f"There is no group to compare with {reference}, so there is nothing to show."
        else:
            reason = f"No group has a ratio against {reference} in any quarter, so there is nothing to show."
        return _empty(id_prefix=id_prefix, title=title, description=reason, message="No data to show.")

    ratios = [float(v) for _, values in data for v in values[0]]
    spans = [
        min(max(float(v), 1 / TREND_INTERVAL_END), TREND_INTERVAL_END)
        for _, values in data
        for array in values[1:]
        for v in array
        if not math.isnan(v)
    ]
    end = _ratio_end(ratios + spans)
    plot_x, plot_y = (72.0, 944.0), (52.0, 372.0)
    axis = _LogAxis(1 / end, end, plot_y[1], plot_y[0])
    slot = (plot_x[1] - plot_x[0]) / count
    step = min(8.0, slot * 0.6 / len(data))

    sentences = [
        f"Relative rate of each group against {reference}, the reference group, each quarter"
        + (f" from {labels[0]} to {labels[-1]}" if count > 1 else f" in {labels[0]}")
        + f", with {level * 100:g}% intervals, on a log scale from {_plain(axis.low)} to {_plain(axis.high)}."
    ]
    clipped_any = False
    for name, values in data:
        sentence, clipped = _trend_sentence(name, labels, values, axis, level)
        sentences.append(sentence)
        clipped_any = clipped_any or clipped
    description = " ".join(sentences)
    svg = _Svg(id_prefix=id_prefix, title=title, description=description)

    svg.text(0, 24, f"Relative rate against {reference} (log scale)", bold=True)
    ticks = [tick for tick in RATIO_TICKS if axis.low * (1 - 1e-9) <= tick <= axis.high * (1 + 1e-9)]
    labelled = _spread_ticks({tick: axis(tick) for tick in ticks}, gap=24)
    for tick in labelled:
        if tick != 1:
            svg.line(plot_x[0], axis(tick), plot_x[1], axis(tick), stroke=LIGHT_GREY, dash="2 4")
        svg.text(plot_x[0] - 10, axis(tick) + SMALL_SIZE * 0.35, f"{tick:g}", anchor="end", class_="eh-tick")
    svg.line(plot_x[0], axis(1), plot_x[1], axis(1), stroke=TEXT, width=1.5, class_="eh-reference-line")

    def centre(k: int) -> float:
        return plot_x[0] + slot * (k + 0.5)

    styles = [
        (
            PALETTE[j % len(PALETTE)],
            TREND_SHAPES[j % len(TREND_SHAPES)],
            DASHES[(j // len(PALETTE)) % len(DASHES)],
        )
        for j in range(len(data))
    ]
    for j, (_, (ratio, low, high)) in enumerate(data):
        colour, shape, dash = styles[j]
        offset = (j - (len(data) - 1) / 2) * step
        for k in range(count):
            clipped_any = (
                _interval(
                    svg, axis, float(low[k]), float(high[k]), centre(k) + offset, vertical=True, colour=colour
                )
                or clipped_any
            )
        drawable = [math.isfinite(r) and axis.low <= r <= axis.high for r in ratio]
        piece: list[tuple[float, float]] = []
        for k in range(count + 1):
            if k < count and drawable[k]:
                piece.append((centre(k) + offset, axis(float(ratio[k]))))
                continue
            if len(piece) >= 2:
                svg.add(
                    "polyline",
                    points=_points(piece),
                    fill="none",
                    stroke=colour,
                    stroke_width=2.5,
                    stroke_dasharray=dash,
                    class_="eh-line",
                )
            piece = []
        for k in range(count):
            r = float(ratio[k])
            if math.isnan(r):
                continue
            if drawable[k]:
                svg.shape(shape, centre(k) + offset, axis(r), 6, fill=colour, class_="eh-marker")
            else:
                up = axis.above(r)
                svg.arrow(
                    centre(k) + offset,
                    axis(r),
                    "up" if up else "down",
                    8,
                    fill=colour,
                    class_="eh-marker eh-clipped",
                )

    axis_y = plot_y[1]
    svg.line(plot_x[0], plot_y[0], plot_x[0], axis_y, stroke=TEXT)
    svg.line(plot_x[0], axis_y, plot_x[1], axis_y, stroke=TEXT)
    every = max(1, math.ceil((max(_width(label, SMALL_SIZE) for label in labels) + 10) / slot))
    for k in range(0, count, every):
        svg.line(centre(k), axis_y, centre(k), axis_y + 6, stroke=TEXT)
        svg.text(centre(k), axis_y + 24, labels[k], anchor="middle", class_="eh-tick")
    y = axis_y + 40
    if clipped_any:
        svg.text(0, y + 16, CLIPPED_NOTE, class_="eh-note")
        y += 28
    items = [
        (_line_sample(svg, stroke=colour, width=2.5, dash=dash, shape=shape), name)
        for (name, _), (colour, shape, dash) in zip(data, styles, strict=True)
    ]
    items.append(
        (lambda x, y: svg.line(x - 14, y, x + 14, y, stroke=TEXT, width=1.5), f"1: the rate of {reference}")
    )
    height = _legend(svg, items, top=y + 6)
    return Chart(svg=svg.markup(height + 4), title=_clean(title), description=_clean(description))


def _trend_sentence(
    name: str,
    labels: Sequence[str],
    values: tuple[FloatArray, FloatArray, FloatArray],
    axis: _LogAxis,
    level: float,
) -> tuple[str, bool]:
    """One group's series in words: first and last ratio, the range, the gaps, and what is off the axis."""
    ratio, low, high = values
    present = [k for k in range(len(labels)) if not math.isnan(ratio[k])]
    if not present:
        return f"{name}: ratio {NOT_AVAILABLE} in any quarter.", False
    first, last = present[0], present[-1]
    interval = _describe_interval(float(low[last]), float(high[last]), level)
    if first == last:
        words = f"{name}: {ratio_text(ratio[last])} in {labels[last]} ({interval})"
    else:
        words = f"{name}: {ratio_text(ratio[first])} in {labels[first]} and {ratio_text(ratio[last])} in {labels[last]} ({interval})"
    if len(present) >= 3:
        top = max(present, key=lambda k: ratio[k])
        bottom = min(present, key=lambda k: ratio[k])
        words += f"; highest {ratio_text(ratio[top])} in {labels[top]}, lowest {ratio_text(ratio[bottom])} in {labels[bottom]}"
    gaps = [labels[k] for k in range(len(labels)) if k not in present]
    if gaps:
        words += f"; ratio {NOT_AVAILABLE} in {_join(gaps)}"
    off = [labels[k] for k in present if axis.below(ratio[k]) or axis.above(ratio[k])]
    if off:
        words += f"; beyond the axis in {_join(off)}, drawn as an arrow at its edge"
    return words + ".", bool(off)
