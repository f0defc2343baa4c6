"""The equality pages, report, charts and command write figures one way: evenhand.core.formatting's.

Grep-style checks that the spellings it retired (``∞`` and ``infinite`` for infinity; an en dash, ``no ratio``,
``no rate`` and, on screen, ``[x]`` for a missing figure; dates by ``strftime``) are gone from the modules and
templates, and a look at what two of them now write.
"""

import ast
import math
from pathlib import Path

import pytest

import evenhand.equality
from evenhand.core import formatting
from evenhand.disclosure import rules as disclosure
from evenhand.equality.analyse import Request, analyse, to_html
from evenhand.equality.charts import relative_rate_chart
from evenhand.equality.publish import ods

EQUALITY = Path(evenhand.equality.__file__).parent
SCREEN_MODULES = ["views.py", "charts.py", "analyse.py", "management/commands/equality.py"]
PUBLISHED_MODULES = ["publish/report.py", "publish/ods.py"]
SCREEN_TEMPLATES = sorted(str(path.relative_to(EQUALITY)) for path in (EQUALITY / "jinja2").rglob("*.html"))
PUBLISHED_TEMPLATES = ["publish/templates/report.html"]
MODULES = SCREEN_MODULES + PUBLISHED_MODULES
TEMPLATES = SCREEN_TEMPLATES + PUBLISHED_TEMPLATES

# A figure written as one of these is a figure formatted by hand.
RETIRED_VALUES = {
    "\N{INFINITY}",
    "infinite",
    "\N{EN DASH}",
    "\N{EM DASH}",
    "no ratio",
    "no rate",
    "not tested",
}
RETIRED_PHRASES = ("\N{INFINITY}", "no ratio", "no rate")
DATE_FORMATS = ("%d %B", "%-d %B", "%B %Y")


def source(name: str) -> str:
    return (EQUALITY / name).read_text(encoding="utf-8")


def strings(name: str) -> list[str]:
    """Every string constant in a module, the parts of f-strings and the docstrings included."""
    tree = ast.parse(source(name))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_the_lists_cover_the_equality_templates() -> None:
    assert "jinja2/equality/dashboard.html" in SCREEN_TEMPLATES
    assert all((EQUALITY / name).is_file() for name in MODULES + TEMPLATES)


@pytest.mark.parametrize("name", MODULES)
def test_no_module_spells_a_figure_its_own_way(name: str) -> None:
    found = [text for text in strings(name) if text.strip() in RETIRED_VALUES]
    found += [text for text in strings(name) for phrase in RETIRED_PHRASES if phrase in text]
    assert found == []


@pytest.mark.parametrize("name", SCREEN_MODULES)
def test_no_screen_module_writes_the_published_symbols(name: str) -> None:
    assert [text for text in strings(name) if text.strip() in formatting.SYMBOLS] == []


@pytest.mark.parametrize("name", MODULES)
def test_no_module_formats_a_date_itself(name: str) -> None:
    assert [text for text in strings(name) for form in DATE_FORMATS if form in text] == []
    assert ":%-d" not in source(name) and ":%d %B" not in source(name)


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_template_formats_a_figure_or_a_date_itself(name: str) -> None:
    text = source(name)
    for retired in (
        "\N{INFINITY}",
        "&infin;",
        "|figure",
        "| figure",
        "strftime(",
        "govuk_date",
        '"\N{EN DASH}"',
        ">\N{EN DASH}<",
    ):
        assert retired not in text, retired


@pytest.mark.parametrize("name", SCREEN_TEMPLATES)
def test_no_screen_template_writes_x_for_a_missing_figure(name: str) -> None:
    assert "[x]" not in source(name)


def test_the_published_symbols_are_the_formatting_modules() -> None:
    assert disclosure.SUPPRESSED == formatting.PUBLISHED_CONFIDENTIAL
    assert ods.MISSING == formatting.PUBLISHED_NOT_AVAILABLE
    assert set(ods.SHORTHAND) == set(formatting.SYMBOLS)


# --- what they write -------------------------------------------------------------------------------------


def test_a_chart_writes_infinity_and_not_available_in_words() -> None:
    chart = relative_rate_chart(
        ["White", "Black", "Mixed"],
        [1.0, math.inf, math.nan],
        [math.nan, 2.1, math.nan],
        [math.nan, math.inf, math.nan],
        reference="White",
        title="t",
        id_prefix="p",
    )
    assert "Black: infinity times the rate of White (95% interval 2.10 to infinity)" in chart.description
    assert "Mixed: ratio not available." in chart.description
    assert ">infinity (2.10 to infinity)<" in chart.svg
    assert ">not available<" in chart.svg
    assert "\N{INFINITY}" not in chart.svg + chart.description


def test_the_analysis_page_writes_infinity_and_not_available_in_words(tmp_path: Path) -> None:
    # Nobody in the reference group has the outcome, so every ratio against it is infinite; the small group
    # has no ratio at all.
    rows = [("White", "no")] * 60 + [("Black", "yes")] * 10 + [("Black", "no")] * 40 + [("Other", "yes")] * 3
    path = tmp_path / "people.csv"
    path.write_text("ethnicity,recalled\n" + "".join(f"{g},{r}\n" for g, r in rows), encoding="utf-8")
    page = to_html(
        analyse(Request(path=path, group="ethnicity", outcome="recalled = 'yes'", reference="White"))
    )
    assert "<td>infinity" in page
    assert "<td>not available</td>" in page
    assert "<td>0.0% (0.0% to 6.0%)</td>" in page  # the reference group's rate with its Wilson interval
    for retired in ("\N{INFINITY}", "\N{EN DASH}</td>", "[x]"):
        assert retired not in page, retired
