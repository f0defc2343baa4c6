"""The equality dashboard on a generated PDU with a declared disparity: who may open it, what it shows (the
engine's figures, only aggregates), the drill-down from England and Wales to the teams of a PDU, and a 400
naming the problem for every bad question."""

import datetime as dt
import html
import itertools
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import caches
from django.test import Client

from evenhand.core.formatting import count_text, estimate_text, number_text, p_value_text
from evenhand.equality import selectors, services
from evenhand.equality.engine import Analysis, Settings, analyse, group_label
from evenhand.equality.measures import CATALOGUE, Period
from evenhand.org.models import PDU, Grade, Team
from evenhand.people.access import record_token
from evenhand.people.models import Person
from evenhand.synth.generator import Result
from tests.factories import StaffMemberFactory
from tests.synth.conftest import load_for_module

pytestmark = pytest.mark.django_db

URL = "/equality/"
PERIOD = Period(dt.date(2025, 11, 1), dt.date(2026, 10, 31))
DATES = {
    "from-day": "1",
    "from-month": "11",
    "from-year": "2025",
    "to-day": "31",
    "to-month": "10",
    "to-year": "2026",
}
REGION, PDU_CODE = "YH", "YH01"
# Missed appointments of Black people in the one PDU are judged unacceptable three times as often (in odds):
# the engine flags it nationally (adjusted) and for the region and the PDU against similar people nationally.
BIAS = """
[[effect]]
measure = "unacceptable_absence"
group = "black"
unit = "YH01"
multiplier = 3.0
"""


def clear_caches() -> None:
    caches[selectors.CACHE_ALIAS].clear()
    caches["default"].clear()


@pytest.fixture(scope="module")
def service(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Result]:
    """The ``pdu`` scale (one region, one PDU, 17 teams, 2,200 people) with the declared bias, loaded once,
    and its figures for the period computed ahead, as the nightly job would (other questions are computed by
    a job that the tests' task backend runs at once); the dashboard's cache is emptied before and after."""
    bias = tmp_path_factory.mktemp("equality") / "bias.toml"
    bias.write_text(BIAS, encoding="utf-8")
    clear_caches()
    for result in load_for_module(django_db_blocker, scale="pdu", seed=1, bias_path=bias):
        with django_db_blocker.unblock():
            services.compute_figures(PERIOD, Settings())
        yield result
    clear_caches()


@pytest.fixture(scope="module")
def analysis(service: Result, django_db_blocker: Any) -> Analysis:
    """The engine's own run, to check the page against."""
    with django_db_blocker.unblock():
        return analyse(PERIOD, Settings())


CODES = itertools.count(1)


def signed_in(grade: str, **extra: Any) -> Client:
    if grade in (Grade.PO, Grade.PSO, Grade.SPO, Grade.HEAD_OF_PDU):
        extra.setdefault("pdu", PDU.objects.get(code=PDU_CODE))
    staff = StaffMemberFactory(
        grade=grade,
        with_user=True,
        staff_code=f"EQTEST{next(CODES)}",  # the generated service has its own S… codes
        first_name="Viewer",
        last_name="Ofequality",
        **extra,
    )
    client = Client()
    client.force_login(staff.user)
    return client


@pytest.fixture
def analyst(service: Result) -> Client:
    return signed_in(Grade.ANALYST)


def get(client: Client, **params: str) -> Any:
    return client.get(URL, {**DATES, **params})


# --- reading the page -------------------------------------------------------------------------------------


class Tables(HTMLParser):
    """Every table's body rows by the table's id: each row's attributes, its cells' text and its links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[dict[str, Any]]] = {}
        self._table: str | None = None
        self._head = False
        self._row: dict[str, Any] | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "table":
            self._table = values.get("id") or ""
            self.tables[self._table] = []
        elif tag == "thead":
            self._head = True
        elif tag == "tr" and self._table is not None and not self._head:
            self._row = {"attrs": values, "cells": [], "links": []}
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "a" and self._row is not None and values.get("href"):
            self._row["links"].append(str(values["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row["cells"].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "thead":
            self._head = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def body_rows(html: str, table: str) -> list[dict[str, Any]]:
    """The body rows of the table with this id."""
    return Tables(html).tables[table]


def text(response: Any) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split()))


def error_summary(response: Any) -> str:
    match = re.search(r'class="govuk-error-summary".*?</ul>', response.content.decode(), re.S)
    assert match, "no error summary"
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split()))


def query_of(href: str) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(href).query).items()}


# --- who may see it ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("grade", [Grade.ANALYST, Grade.INSPECTOR, Grade.HEAD_OF_PDU])
def test_analysts_inspectors_and_heads_of_pdu_see_the_dashboard(service: Result, grade: str) -> None:
    response = get(signed_in(grade))
    assert response.status_code == 200
    assert "Recall requested by ethnic group" in text(response)


@pytest.mark.parametrize("grade", [Grade.PO, Grade.PSO, Grade.SPO, Grade.ADMIN])
def test_everyone_else_is_refused(service: Result, grade: str) -> None:
    response = get(signed_in(grade))
    assert response.status_code == 403
    assert "You do not have permission to see this page" in text(response)


def test_someone_not_signed_in_is_sent_to_sign_in(service: Result) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?next=/equality/")


def test_the_navigation_links_to_the_dashboard_only_for_those_who_may_open_it(service: Result) -> None:
    assert 'href="/equality/"' in signed_in(Grade.ANALYST).get("/").content.decode()
    assert 'href="/equality/"' not in signed_in(Grade.PO).get("/").content.decode()


def test_a_head_of_pdu_starts_at_their_pdu_and_may_look_elsewhere(service: Result) -> None:
    client = signed_in(Grade.HEAD_OF_PDU)
    own = get(client)
    assert "Yorkshire and the Humber PDU 01, 1 November 2025 to 31 October 2026" in text(own)
    assert get(client, unit="national").status_code == 200


# --- only aggregates --------------------------------------------------------------------------------------


def test_no_name_or_crn_appears_anywhere(analyst: Client) -> None:
    pages = [
        get(analyst),
        get(analyst, unit=REGION),
        get(analyst, unit=PDU_CODE, measure="unacceptable_absence"),
        get(analyst, unit=PDU_CODE, measure="allocation_po", characteristic="ethnicity"),
    ]
    people = list(Person.objects.values_list("pk", "crn", "first_name", "last_name"))
    assert len(people) == 2200
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        # Not even an analyst's pseudonym or opaque reference, nor a link to a record.
        assert "/people/" not in html and not re.search(r"P-[0-9A-F]{10}", html)
        for pk, crn, first, last in people:
            assert crn not in html
            assert f"{first} {last}" not in html
            assert record_token("person", pk) not in html


# --- the figures ------------------------------------------------------------------------------------------


def test_the_group_table_shows_the_engines_figures(analyst: Client, analysis: Analysis) -> None:
    response = get(analyst, measure="unacceptable_absence")
    expected = analysis.groups[
        (analysis.groups["measure"] == "unacceptable_absence") & (analysis.groups["level"] == "national")
    ].set_index("group")
    rows = {
        row["attrs"]["data-group"]: row["cells"] for row in body_rows(response.content.decode(), "groups")
    }
    assert set(rows) == set(expected.index)
    assert next(iter(rows)) == "white"  # the reference first
    for code, cells in rows.items():
        figures = expected.loc[code]
        assert cells[0] == group_label("ethnic_group", code)
        assert cells[1] == count_text(figures["n"])
        assert cells[2] == count_text(figures["events"])
        assert cells[3] == estimate_text(
            figures["rate"], figures["rate_low"], figures["rate_high"], kind="percent"
        )
        if code == "white":
            assert cells[4] == "reference"
            assert cells[5] == "not applicable"  # the reference group's own q-value
            continue
        assert cells[4] == estimate_text(
            figures["relative_rate"], figures["relative_rate_low"], figures["relative_rate_high"]
        )
        assert cells[5] == p_value_text(figures["q_value"])
        assert (cells[6] == "Flagged") == bool(figures["flagged"])
    black = expected.loc["black"]
    assert rows["black"][3].startswith(f"{black['rate'] * 100:.1f}%")
    assert rows["black"][4].startswith(f"{black['relative_rate']:.2f} (")
    assert rows["black"][6] == "Flagged"


def test_the_adjusted_table_says_what_the_model_adjusted_for(analyst: Client, analysis: Analysis) -> None:
    response = get(analyst, measure="unacceptable_absence")
    adjusted = analysis.adjusted[analysis.adjusted["measure"] == "unacceptable_absence"].set_index("group")
    rows = body_rows(response.content.decode(), "adjusted")
    black = next(row["cells"] for row in rows if row["cells"][0] == group_label("ethnic_group", "black"))
    figures = adjusted.loc["black"]
    assert black[3] == estimate_text(
        figures["adjusted_relative_rate"],
        figures["adjusted_relative_rate_low"],
        figures["adjusted_relative_rate_high"],
    )
    assert black[7] == "Flagged"
    assert analysis.models["unacceptable_absence"] in text(response)
    assert "adjusted for tier, risk of serious harm, offence group" in text(response)


def test_the_unit_table_shows_the_engines_comparison_with_similar_people(
    analyst: Client, analysis: Analysis
) -> None:
    response = get(analyst, measure="unacceptable_absence", unit=PDU_CODE)
    units = analysis.units
    own = units[(units["measure"] == "unacceptable_absence") & (units["unit"] == PDU_CODE)]
    black = own[own["group"] == "black"].iloc[0]
    rows = body_rows(response.content.decode(), "compared")
    cells = next(row["cells"] for row in rows if row["cells"][0] == group_label("ethnic_group", "black"))
    assert cells[1:4] == [
        count_text(black["n"]),
        count_text(black["observed"]),
        number_text(black["expected"], 1),
    ]
    assert cells[4] == estimate_text(black["ratio"], black["ratio_low"], black["ratio_high"])
    assert cells[6] == p_value_text(black["q_value"])
    assert cells[7].startswith("Flagged")


def test_the_charts_come_with_their_descriptions(analyst: Client) -> None:
    html = get(analyst, measure="unacceptable_absence").content.decode()
    for figure in ("relative-rate-figure", "funnel-figure", "trend-figure"):
        block = re.search(rf'<figure[^>]*id="{figure}".*?</figure>', html, re.S)
        assert block, figure
        assert "<svg" in block.group(0)
        assert re.search(rf'id="{figure}-description">[^<]{{40,}}</p>', block.group(0))
    assert "Relative rate of each group against White" in html
    assert "Each group shows the crude and the adjusted estimate." in html


def test_the_trend_table_has_a_row_per_quarter_and_group(analyst: Client) -> None:
    rows = body_rows(get(analyst).content.decode(), "trend")
    quarters = {row["cells"][0] for row in rows}
    assert quarters == {"2025 Q4", "2026 Q1", "2026 Q2", "2026 Q3", "2026 Q4"}


def test_the_quarterly_section_is_for_the_unit_chosen(analyst: Client) -> None:
    """It stayed national whatever the unit (the counts by unit are tested in tests/equality/test_trend.py)."""
    response = get(analyst, measure="unacceptable_absence", unit=PDU_CODE)
    assert "By quarter, Yorkshire and the Humber PDU 01" in text(response)
    assert "By quarter, England and Wales" in text(get(analyst, measure="unacceptable_absence"))


def test_everything_flagged_is_listed_with_a_link_to_where_it_is(analyst: Client, analysis: Analysis) -> None:
    response = get(analyst)  # recall: the flags are for another measure
    flagged = analysis.flagged()
    assert len(flagged) >= 2
    rows = body_rows(response.content.decode(), "flagged")
    assert len(rows) == len(flagged)
    title = CATALOGUE["unacceptable_absence"].title
    # The declared effect is flagged; so may be what follows from it (more failures judged unacceptable mean
    # more breach action for Black people nationally, flagged on this data), which the page lists as well.
    declared = [row for row in rows if row["cells"][0].startswith(title)]
    assert declared
    pdu_row = next(row for row in declared if row["cells"][1].startswith("Yorkshire and the Humber PDU 01"))
    (href,) = pdu_row["links"]
    assert {"measure": "unacceptable_absence", "unit": PDU_CODE}.items() <= query_of(href).items()
    followed = analyst.get(href)
    assert followed.status_code == 200
    compared = body_rows(followed.content.decode(), "compared")
    black = next(row for row in compared if row["cells"][0].startswith("Black"))
    assert black["cells"][7].startswith("Flagged")


def test_data_completeness_for_the_unit_and_the_units_below(analyst: Client) -> None:
    rows = body_rows(get(analyst, unit=PDU_CODE).content.decode(), "completeness")
    assert rows[0]["cells"][0] == "Yorkshire and the Humber PDU 01"
    teams = {row["cells"][0] for row in rows[1:]}
    assert teams and all(name.startswith("Yorkshire and the Humber PDU 01 team") for name in teams)
    assert re.fullmatch(r"[\d,]+ \(\d+\.\d%\)", rows[0]["cells"][2])


def test_switching_measure_reads_the_stored_analysis(
    analyst: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_caches()
    calls = []

    def counted(period: Period, settings: Settings, **options: Any) -> Analysis:
        calls.append(settings)
        return analyse(period, settings, **options)

    monkeypatch.setattr(services, "analyse", counted)
    for measure in ("recall", "breach", "unacceptable_absence"):
        assert get(analyst, measure=measure).status_code == 200
    assert get(analyst, measure="breach", unit=REGION).status_code == 200
    assert calls == []  # computed ahead, as overnight
    # A question not computed ahead: one job computes it, and every measure and unit of it is then read.
    assert get(analyst, characteristic="disability", reference="no").status_code == 200
    assert len(calls) == 1
    assert get(analyst, characteristic="disability", measure="breach", unit=REGION).status_code == 200
    assert len(calls) == 1


# --- the drill-down ---------------------------------------------------------------------------------------


def test_drill_down_from_england_and_wales_to_the_teams_of_a_pdu(analyst: Client) -> None:
    national = get(analyst, measure="unacceptable_absence", group="black")
    assert national.status_code == 200
    regions = body_rows(national.content.decode(), "units")
    assert [row["attrs"]["data-unit"] for row in regions] == [REGION]
    (to_region,) = regions[0]["links"]
    assert query_of(to_region)["unit"] == REGION
    assert query_of(to_region)["measure"] == "unacceptable_absence"

    region = analyst.get(to_region)
    assert region.status_code == 200
    assert "Yorkshire and the Humber, 1 November 2025 to 31 October 2026" in text(region)
    pdus = body_rows(region.content.decode(), "units")
    assert [row["attrs"]["data-unit"] for row in pdus] == [PDU_CODE]
    (to_pdu,) = pdus[0]["links"]

    pdu = analyst.get(to_pdu)
    assert pdu.status_code == 200
    html = pdu.content.decode()
    assert "Teams in Yorkshire and the Humber PDU 01" in text(pdu)
    teams = body_rows(html, "units")
    codes = {row["attrs"]["data-unit"] for row in teams}
    holding = set(
        Team.objects.filter(pdu__code=PDU_CODE).exclude(code__endswith="-M").values_list("code", flat=True)
    )
    assert codes and codes <= holding
    assert all(not row["links"] for row in teams)  # teams are the bottom of the drill-down
    assert 'id="funnel-figure"' in html
    # The breadcrumbs lead back up.
    crumbs = re.findall(r'class="govuk-breadcrumbs__link" href="([^"]+)"', html)
    assert [query_of(href.replace("&amp;", "&"))["unit"] for href in crumbs] == ["national", REGION]


def test_the_funnel_can_show_each_group(analyst: Client) -> None:
    html = get(analyst, measure="unacceptable_absence", unit=REGION).content.decode()
    links = re.findall(r'<a class="moj-sub-navigation__link" href="([^"]+)"', html)
    by_group = {query_of(href.replace("&amp;", "&")).get("group"): href for href in links if "group=" in href}
    assert {"white", "black", "asian"} <= set(by_group)
    response = analyst.get(by_group["asian"].replace("&amp;", "&"))
    assert "Absence judged unacceptable, Asian, Asian British or Asian Welsh: PDUs" in text(response)


# --- bad questions ----------------------------------------------------------------------------------------


BAD = [
    ({"measure": "nonsense"}, "Unknown measure 'nonsense'"),
    ({"characteristic": "star_sign"}, "Unknown characteristic 'star_sign'"),
    ({"unit": "ZZ99"}, "There is no region or PDU with the code 'ZZ99'"),
    ({"unit": "YH01-T01"}, "There is no region or PDU with the code 'YH01-T01'"),
    ({"from-day": "xx"}, "Start date must be a real date"),
    ({"to-month": "13"}, "End date must be a real date"),
    ({"from-year": ""}, "Start date must include a year"),
    ({"from-year": "2027"}, "The end of the period must be the same as or after its start"),
    ({"from-year": "2015"}, "The period must be 5 years or shorter"),
    (
        # Before anyone in the synthetic service (whose earliest sentences go back about ten years).
        {"from-month": "1", "from-year": "2005", "to-year": "2005"},
        "Nobody was under supervision between 1 January",
    ),
    ({"characteristic": "sex", "reference": "N"}, "The reference group 'N' has no people in this period"),
    ({"characteristic": "sex", "reference": "white"}, "'white' is not a recorded group of sex"),
    ({"measure": "not_recorded:ethnicity"}, "Ethnicity not recorded is not split by ethnic group"),
    ({"measure": ""}, "Choose a measure"),
]


@pytest.mark.parametrize(("params", "message"), BAD)
def test_a_bad_question_is_a_400_naming_the_problem(
    analyst: Client, params: dict[str, str], message: str
) -> None:
    response = get(analyst, **params)
    assert response.status_code == 400
    assert message in error_summary(response)
    assert "<title>Error: Equality" in response.content.decode()
    assert 'id="question"' in response.content.decode()  # the form, to put it right
    assert 'id="groups"' not in response.content.decode()


def test_the_errors_link_to_the_field_at_fault(analyst: Client) -> None:
    html = get(analyst, unit="ZZ99", **{"to-month": "13"}).content.decode()
    assert 'href="#id_unit"' in html
    assert 'href="#id_to-day"' in html


def test_an_unknown_funnel_group_falls_back_to_the_default(analyst: Client) -> None:
    assert get(analyst, group="martian").status_code == 200


def test_defaults_open_the_last_twelve_complete_months(service: Result) -> None:
    period = selectors.default_period(dt.date(2026, 11, 22))
    assert (period.start, period.end) == (dt.date(2025, 11, 1), dt.date(2026, 10, 31))
    january = selectors.default_period(dt.date(2027, 1, 5))
    assert (january.start, january.end) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
