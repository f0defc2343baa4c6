"""The round's results drawn: a figure per key question by ethnic group and by workload band, with
role="img", words for screen readers, and dots where the table's numbers put them."""

import math
import re
import xml.etree.ElementTree as ET

from django.test import Client
from django.urls import reverse

from evenhand.core.formatting import percent_text
from evenhand.equality.charts import share_chart
from evenhand.org.models import Grade
from evenhand.review.results import group_label, round_results
from tests.factories import StaffMemberFactory
from tests.review.conftest import reviewed_round

SVG = "{http://www.w3.org/2000/svg}"


def _figure(page: str, figure_id: str) -> tuple[ET.Element, str]:
    """The figure's SVG, parsed, and the words printed under it."""
    found = re.search(
        rf'<figure[^>]*id="{figure_id}">\s*(<svg.*?</svg>).*?id="{figure_id}-description">(.*?)</p>',
        page,
        re.S,
    )
    assert found, f"no figure {figure_id}"
    return ET.fromstring(found[1]), found[2]


def _x_of(svg: ET.Element, share: float) -> float:
    """Where the axis puts a share, from its 0% and 100% tick labels."""
    ticks = {t.text: float(t.get("x")) for t in svg.iter(f"{SVG}text") if t.get("class") == "eh-tick"}
    return ticks["0%"] + (ticks["100%"] - ticks["0%"]) * share


def test_the_report_draws_each_estimate_where_the_table_puts_it(unit: dict) -> None:
    round_ = reviewed_round(unit)
    head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=unit["pdu"], with_user=True)
    client = Client()
    client.force_login(head.user)
    page = client.get(reverse("review-round-report", args=[round_.pk])).content.decode()
    results = round_results(round_)
    rows = [row for row in results.rows if row.key_question == "C1"]
    svg, words = _figure(page, "kq-c1-group-figure")
    assert (
        svg.get("role") == "img"
        and svg.get("aria-labelledby") == "kq-c1-group-figure-title kq-c1-group-figure-desc"
    )
    assert svg.find(f"{SVG}desc").text == words.replace("&#39;", "'")
    markers = [float(c.get("cx")) for c in svg.iter(f"{SVG}circle") if c.get("class") == "eh-marker"]
    drawn = [row for row in rows if row.estimate is not None]
    assert len(markers) == len(drawn) >= 3
    for row, x in zip(drawn, markers, strict=True):
        estimate = row.estimate
        assert math.isclose(x, _x_of(svg, estimate.share), abs_tol=0.1), row
        said = f"{group_label(row.ethnic_group)}: {percent_text(estimate.share, 0)} (95% interval {percent_text(estimate.low, 0)} to {percent_text(estimate.high, 0)})"
        assert said in words, said
    # The declared gap is drawn: Black people's C1 dot sits left of White people's.
    by_group = {row.ethnic_group: x for row, x in zip(drawn, markers, strict=True)}
    assert by_group["black"] < by_group["white"]
    capacity, capacity_words = _figure(page, "kq-c1-capacity-figure")
    assert capacity.get("role") == "img" and "Share of cases judged sufficient on C1" in capacity_words
    # The round's own page draws them too.
    assert 'id="kq-c1-group-figure"' in client.get(reverse("review-round", args=[round_.pk])).content.decode()


def test_a_row_without_a_share_is_said_not_drawn() -> None:
    chart = share_chart(
        ["White", "Black"],
        [0.8, math.nan],
        [0.7, math.nan],
        [0.9, math.nan],
        title="C1",
        id_prefix="c1",
        measure="Share sufficient",
    )
    assert chart.svg.count('class="eh-marker"') == 1 and "Black: not available." in chart.description
    assert "White: 80% (95% interval 70% to 90%)." in chart.description
