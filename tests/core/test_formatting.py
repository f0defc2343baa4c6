"""Numbers, ratios and dates in words: every function, at its special values and its rounding boundaries."""

import ast
import datetime as dt
import zoneinfo
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evenhand.core import formatting as f

INF, NAN = float("inf"), float("nan")
MISSING = [None, NAN, np.float64("nan"), pd.NA, Decimal("NaN")]
LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_the_module_imports_only_the_standard_library() -> None:
    tree = ast.parse(Path(f.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"datetime", "math", "numbers", "collections.abc", "decimal", "functools", "typing"}


# --- the special cases ------------------------------------------------------------------------------------


def test_the_words_and_symbols() -> None:
    assert f.missing_text() == "not available"
    assert f.missing_text(published=True) == "[x]"
    assert f.not_applicable_text() == "not applicable"
    assert f.not_applicable_text(published=True) == "[z]"
    assert f.PUBLISHED_CONFIDENTIAL == "[c]"
    assert f.INFINITY == "infinity"


@pytest.mark.parametrize("value", MISSING)
@pytest.mark.parametrize(
    "write",
    [f.count_text, f.number_text, f.percent_text, f.ratio_text, f.p_value_text],
    ids=lambda write: write.__name__,
)
def test_a_missing_figure_is_not_available_on_screen_and_x_when_published(write, value) -> None:
    assert write(value) == "not available"
    assert write(value, published=True) == "[x]"


@pytest.mark.parametrize("symbol", ["[c]", "[x]", "[z]"])
@pytest.mark.parametrize(
    "write",
    [f.count_text, f.number_text, f.percent_text, f.ratio_text, f.p_value_text],
    ids=lambda write: write.__name__,
)
def test_a_published_symbol_is_written_as_it_is(write, symbol: str) -> None:
    assert write(symbol, published=True) == symbol
    assert write(symbol) == symbol


@pytest.mark.parametrize("write", [f.count_text, f.number_text, f.percent_text, f.ratio_text])
def test_infinity_is_infinity(write) -> None:
    assert write(INF) == "infinity"
    assert write(np.float64(INF), published=True) == "infinity"


@pytest.mark.parametrize("write", [f.count_text, f.number_text, f.percent_text])
def test_minus_infinity(write) -> None:
    assert write(-INF) == "minus infinity"


@pytest.mark.parametrize("value", ["12", "", "n/a", True, np.True_, object()])
@pytest.mark.parametrize("write", [f.count_text, f.number_text, f.percent_text, f.ratio_text])
def test_text_and_yes_or_no_are_not_numbers(write, value) -> None:
    with pytest.raises(TypeError):
        write(value)


# --- counts and numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (7, "7"),
        (999, "999"),
        (1000, "1,000"),
        (1234567, "1,234,567"),
        (-1234, "-1,234"),
        (12.0, "12"),
        (np.int64(2200), "2,200"),
        (np.float32(3), "3"),
        (Decimal("40"), "40"),
        (-0.0, "0"),
    ],
)
def test_count(value, text: str) -> None:
    assert f.count_text(value) == text


def test_a_count_must_be_whole() -> None:
    with pytest.raises(ValueError, match="whole number"):
        f.count_text(12.5)


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (12.34, 1, "12.3"),
        (12.35, 1, "12.4"),  # half away from zero, as written in decimal
        (2.675, 2, "2.68"),  # binary floating point would give 2.67
        (-2.675, 2, "-2.68"),
        (-0.04, 1, "0.0"),  # never "-0.0"
        (0, 2, "0.00"),
        (1234.5, 1, "1,234.5"),
        (1234.5, 0, "1,235"),
        (0.5, 0, "1"),
        (-0.5, 0, "-1"),
        (9.95, 1, "10.0"),
        (np.float64(0.1) + np.float64(0.2), 2, "0.30"),
    ],
)
def test_number(value, decimals: int, text: str) -> None:
    assert f.number_text(value, decimals) == text


# --- percentages --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (0.189, 1, "18.9%"),
        (0.1235, 1, "12.4%"),  # the half is in the decimal written, not in 12.349999…
        (0.12345, 2, "12.35%"),
        (0.9996, 1, "100.0%"),
        (1, 1, "100.0%"),
        (0, 1, "0.0%"),
        (0, 0, "0%"),
        (-0.025, 1, "-2.5%"),
        (-0.0004, 1, "0.0%"),
        (12.5, 0, "1,250%"),
        (0.000049, 2, "0.00%"),
        (0.00005, 2, "0.01%"),
    ],
)
def test_percent(value, decimals: int, text: str) -> None:
    assert f.percent_text(value, decimals) == text


def test_percent_defaults_to_one_decimal() -> None:
    assert f.percent_text(0.5) == "50.0%"


# --- ratios -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (0.0, "0"),
        (-0.0, "0"),
        (1, "1.00"),
        (0.91, "0.91"),
        (1.425, "1.43"),  # half away from zero
        (1.424999, "1.42"),
        (9.994, "9.99"),
        (9.995, "10.0"),  # rounds into the next band, and is written as that band is
        (12.34, "12.3"),
        (99.94, "99.9"),
        (99.95, "100"),
        (1234.0, "1,234"),
        (0.01, "0.01"),
        (0.0099, "0.0099"),  # two significant figures below 0.01, never "0.00"
        (0.004, "0.0040"),
        (0.00426, "0.0043"),
        (0.009996, "0.01"),  # two significant figures that round up to 0.01
        (0.00004, "0.000040"),
        (INF, "infinity"),
    ],
)
def test_ratio(value, text: str) -> None:
    assert f.ratio_text(value) == text


@pytest.mark.parametrize("value", [-0.5, -1, -INF])
def test_a_negative_ratio_is_a_mistake(value) -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        f.ratio_text(value)


# --- intervals ----------------------------------------------------------------------------------------------


def test_interval() -> None:
    assert f.interval_text(1.2, 1.68) == "1.20 to 1.68"
    assert f.interval_text(0.52, INF) == "0.52 to infinity"
    assert f.interval_text(0, 3.1) == "0 to 3.10"
    assert f.interval_text(0.159, 0.225, kind="percent") == "15.9% to 22.5%"
    assert f.interval_text(0.159, 0.225, kind="percent", decimals=0) == "16% to 23%"


@pytest.mark.parametrize(("low", "high"), [(NAN, 1.2), (0.8, None), (None, None), (pd.NA, 2)])
def test_an_interval_with_a_missing_end_is_not_available(low, high) -> None:
    assert f.interval_text(low, high) == "not available"
    assert f.interval_text(low, high, published=True) == "[x]"


def test_estimate_with_its_interval() -> None:
    assert f.estimate_text(1.42, 1.2, 1.68) == "1.42 (1.20 to 1.68)"
    assert f.estimate_text(INF, 2.1, INF) == "infinity (2.10 to infinity)"
    assert f.estimate_text(0.189, 0.159, 0.225, kind="percent") == "18.9% (15.9% to 22.5%)"
    assert f.estimate_text("[c]", "[c]", "[c]", published=True) == "[c]"
    assert f.estimate_text(1.42, "[c]", "[c]", published=True) == "1.42 ([c] to [c])"


def test_an_estimate_without_an_interval_stands_alone() -> None:
    assert f.estimate_text(1.42, NAN, NAN) == "1.42"
    assert f.estimate_text(1.42, 1.2, None) == "1.42"
    assert f.estimate_text(NAN, 1.2, 1.68) == "not available"
    assert f.estimate_text(None, None, None, published=True) == "[x]"


def test_an_interval_of_another_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="kind must be"):
        f.interval_text(1, 2, kind="count")  # type: ignore[arg-type]


# --- p-values -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "less than 0.001"),
        (0.0000001, "less than 0.001"),
        (0.0009999, "less than 0.001"),  # below 0.001 even though it would round to it
        (0.001, "0.001"),
        (0.0014999, "0.001"),
        (0.0015, "0.002"),
        (0.042, "0.042"),
        (0.05, "0.050"),
        (0.9995, "1.000"),
        (1, "1.000"),
        (np.float64(0.2), "0.200"),
        (1.0000000000000002, "1.000"),  # a sum of probabilities a rounding error over 1
        (-1e-17, "less than 0.001"),
    ],
)
def test_p_value(value, text: str) -> None:
    assert f.p_value_text(value) == text


@pytest.mark.parametrize("value", [-0.01, 1.01, INF, -INF])
def test_a_p_value_outside_0_to_1_is_a_mistake(value) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        f.p_value_text(value)


# --- dates --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.date(2026, 12, 1), "1 December 2026"),
        (dt.date(2024, 2, 29), "29 February 2024"),
        (dt.datetime(2026, 1, 5, 23, 59), "5 January 2026"),
    ],
)
def test_date(value, text: str) -> None:
    assert f.date_text(value) == text


@pytest.mark.parametrize(
    ("time", "text"),
    [
        (dt.time(10), "10am"),
        (dt.time(14, 30), "2:30pm"),
        (dt.time(9, 5), "9:05am"),
        (dt.time(12), "midday"),
        (dt.time(12, 1), "12:01pm"),
        (dt.time(0), "midnight"),
        (dt.time(0, 30), "12:30am"),
        (dt.time(23, 59, 59), "11:59pm"),  # seconds are not written
        (dt.time(11, 59), "11:59am"),
        (dt.time(13), "1pm"),
    ],
)
def test_date_and_time(time: dt.time, text: str) -> None:
    assert f.date_time_text(dt.datetime.combine(dt.date(2026, 12, 1), time)) == f"1 December 2026 at {text}"


def test_an_aware_date_and_time_in_a_time_zone() -> None:
    summer = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)
    assert f.date_time_text(summer, tz=LONDON) == "2 July 2026 at 12:30am"
    assert f.date_text(summer, tz=LONDON) == "2 July 2026"
    assert f.date_time_text(summer) == "1 July 2026 at 11:30pm"  # as it is, without a time zone
    winter = dt.datetime(2026, 12, 1, 14, 30, tzinfo=dt.UTC)
    assert f.date_time_text(winter, tz=LONDON) == "1 December 2026 at 2:30pm"
    # A naive datetime is taken as already local.
    assert f.date_time_text(dt.datetime(2026, 7, 1, 10), tz=LONDON) == "1 July 2026 at 10am"


def test_month() -> None:
    assert f.month_text(dt.date(2026, 12, 1)) == "December 2026"
    assert f.month_text(dt.date(2024, 2, 29)) == "February 2024"
    assert f.month_text(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC), tz=LONDON) == "December 2026"
    assert f.month_text(dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC), tz=LONDON) == "July 2026"


@pytest.mark.parametrize("write", [f.date_text, f.date_time_text, f.month_text])
def test_a_missing_date_is_not_available(write) -> None:
    assert write(None) == "not available"
    assert write(None, published=True) == "[x]"


@pytest.mark.parametrize("write", [f.date_text, f.date_time_text, f.month_text])
def test_text_is_not_a_date(write) -> None:
    with pytest.raises(TypeError):
        write("2026-12-01")


def test_a_date_has_no_time() -> None:
    with pytest.raises(TypeError, match="not a date and time"):
        f.date_time_text(dt.date(2026, 12, 1))


# --- the template filters ------------------------------------------------------------------------------------


def test_every_filter_is_a_function_of_the_module() -> None:
    assert all(getattr(f, name) is write for name, write in f.FILTERS.items())
    assert set(f.DATE_FILTERS) <= set(f.FILTERS)


def test_the_filters_are_in_the_templates() -> None:
    from django.template import engines
    from django.utils import timezone

    template = engines["jinja2"].from_string(
        "{{ 1234 | count_text }}; {{ 0.189 | percent_text }}; {{ x | ratio_text }}; {{ 1.42 | estimate_text(1.2, 1.68) }};"
        " {{ 0.0004 | p_value_text }}; {{ when | date_time_text }}; {{ when | date_text }}; {{ when | month_text }};"
        " {{ none | number_text }}"
    )
    when = dt.datetime(2026, 7, 1, 13, 30, tzinfo=dt.UTC)
    with timezone.override(LONDON):
        text = template.render({"x": INF, "when": when, "none": None})
    assert text == (
        "1,234; 18.9%; infinity; 1.42 (1.20 to 1.68); less than 0.001; 1 July 2026 at 2:30pm; 1 July 2026;"
        " July 2026; not available"
    )


def test_a_date_known_to_the_month_is_written_as_its_month() -> None:
    """An analyst's dates (core.dates.MonthOnly) are written "March 2026" by every date function, never as a
    day (issue 13 item 4: a pseudonymised record showed "1 March 2026")."""
    from evenhand.core.dates import MonthOnly, MonthOnlyTime

    day = MonthOnly.of(dt.date(2026, 3, 17))
    moment = MonthOnlyTime.of(dt.datetime(2026, 3, 17, 14, 37, tzinfo=dt.UTC))
    assert f.date_text(day) == f.month_text(day) == "March 2026"
    assert f.date_time_text(moment, tz=LONDON) == f.date_text(moment, tz=LONDON) == "March 2026"
    assert f.date_text(dt.date(2026, 3, 1)) == "1 March 2026"


def test_the_template_filters_write_dates_one_way() -> None:
    """govuk_date and the formatting filters agree: "1 December 2026 at 10am", never "10:00am"."""
    from django.utils import timezone

    from evenhand.core.jinja2 import govuk_date, month_year

    at = timezone.make_aware(dt.datetime(2026, 12, 1, 10, 0))
    assert govuk_date(at, with_time=True) == "1 December 2026 at 10am"
    assert govuk_date(timezone.make_aware(dt.datetime(2026, 12, 1, 12, 0)), with_time=True) == (
        "1 December 2026 at midday"
    )
    assert govuk_date(at) == "1 December 2026" and month_year(at) == "December 2026"
    assert govuk_date(None) == ""
