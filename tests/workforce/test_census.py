"""Representation by grade against the census population (issue 17 item 3): the shipped Census 2021 shares
(their source stated, every probation region mapped), each grade's share of staff in each group with its
Wilson interval against hand computation, the flag where the population share lies outside the interval, on
the HR analyst's page, the head of PDU's (hidden for small groups) and in the publication."""

import datetime as dt
import json
import math
import re

import pandas as pd
import pytest
from django.test import Client

from evenhand.org.models import Grade
from evenhand.synth.params import REGIONS
from evenhand.workforce import census, publication
from evenhand.workforce.measures import pdu_workforce_report, workforce_report
from evenhand.workforce.models import Declaration, EventKind, HrEvent
from tests.factories import PDUFactory, RegionFactory, StaffMemberFactory, TeamFactory

Z = 1.959963984540054
END = dt.date.today()
START = END - dt.timedelta(days=300)
JOINED = dt.date(2020, 1, 1)


def wilson(n: int, x: int) -> tuple[float, float]:
    """The Wilson score interval, written out by hand."""
    p = x / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n * n)) / (1 + Z**2 / n)
    return max(centre - half, 0.0), min(centre + half, 1.0)


def test_the_data_file_states_its_source_and_maps_every_probation_region():
    data = json.loads(census.DATA.read_text())
    assert "Census 2021" in data["source"] and "TS021" in data["source"]
    assert "Rounded published shares" in data["basis"]
    for area in data["areas"].values():
        assert set(area["percent"]) == {"asian", "black", "mixed", "white", "other"}
        assert abs(sum(area["percent"].values()) - 100) <= 0.2, area["name"]
    for code, name, _ in REGIONS:
        population = census.population_of_region(code)
        assert population is not None, name
    assert census.population_of_region("LN").shares["black"] == pytest.approx(0.135)
    assert census.population_of_region(None).area == "England and Wales"
    assert census.population_of_region("NOWHERE") is None


def test_each_grade_is_compared_with_the_population_by_hand():
    population = census.Population(
        "Testshire",
        "X",
        {"asian": 0.034, "black": 0.01, "mixed": 0.013, "white": 0.93, "other": 0.013},
        "usual residents",
        "a test",
    )
    representation = pd.DataFrame({"grade": ["PSO", "PSO"], "group": ["black", "white"], "events": [2, 8]})
    frame = census.compare_with_population(representation, population).set_index("group")
    # Every census group is there, a group with no one in the grade as a share of 0 with its interval.
    assert sorted(frame.index) == ["asian", "black", "mixed", "other", "white"]
    assert (frame["n"] == 10).all()
    for group, x in (("black", 2), ("white", 8), ("asian", 0)):
        low, high = wilson(10, x)
        assert frame.loc[group, "rate"] == pytest.approx(x / 10)
        assert frame.loc[group, "rate_low"] == pytest.approx(low, abs=1e-9)
        assert frame.loc[group, "rate_high"] == pytest.approx(high, abs=1e-9)
    # 2 of 10 Black staff: from 5.7% to 51.0%, far above the population's 1%.
    assert frame.loc["black", "outside"]
    # 8 of 10 White: from 49.0% to 94.3%, which holds 93%; none Asian: 0 to 27.8%, which holds 3.4%.
    assert not frame.loc["white", "outside"] and not frame.loc["asian", "outside"]
    assert frame.loc["white", "population_share"] == pytest.approx(0.93)


def staff(team, grade, ethnicity, count):
    people = StaffMemberFactory.create_batch(count, grade=grade, team=team, start_date=JOINED)
    Declaration.objects.bulk_create(
        Declaration(
            staff=p,
            characteristic="ethnicity",
            value=ethnicity,
            declared_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        )
        for p in people
    )
    HrEvent.objects.bulk_create(
        HrEvent(staff=p, kind=EventKind.JOINED, occurred_on=JOINED, grade=grade, route="direct")
        for p in people
    )


@pytest.fixture
def london(db):
    """Region LN, PDU PWLN: 40 White PSOs and 2 Black PSOs; 10 White POs, 20 Black and 10 Asian POs."""
    team = TeamFactory(pdu=PDUFactory(code="PWLN", region=RegionFactory(code="LN", name="London")))
    staff(team, Grade.PSO, "W1", 40)
    staff(team, Grade.PSO, "B1", 2)
    staff(team, Grade.PO, "W1", 10)
    staff(team, Grade.PO, "B2", 20)
    staff(team, Grade.PO, "A1", 10)
    return team


def rows_of(report):
    return report.representation.set_index(["grade", "group"])


def test_a_region_is_compared_with_its_own_population(london):
    hr = StaffMemberFactory(grade=Grade.HR_ANALYST, team=None)
    report = workforce_report(hr, start=START, end=END, unit="LN")
    assert report.population is not None and report.population.area == "London"
    rows = rows_of(report)
    # PSOs: 2 of 42 Black (0.8% to 15.8%) against London's 13.5%: inside. 40 of 42 White against 53.8%: out.
    assert rows.loc[("PSO", "black"), "events"] == 2
    assert not rows.loc[("PSO", "black"), "outside"]
    assert rows.loc[("PSO", "white"), "outside"]
    # POs: 20 of 40 Black, far above 13.5%; no one Mixed (0 to 8.8%) against 5.7%: inside.
    assert rows.loc[("PO", "black"), "outside"]
    assert rows.loc[("PO", "mixed"), "events"] == 0 and not rows.loc[("PO", "mixed"), "outside"]
    assert rows.loc[("PO", "black"), "population_share"] == pytest.approx(0.135)
    # A PDU is compared with its region's population; sex has no census comparison.
    assert workforce_report(hr, start=START, end=END, unit="PWLN").population.area == "London"
    by_sex = workforce_report(hr, start=START, end=END, unit="LN", characteristic="sex")
    assert by_sex.population is None


@pytest.mark.django_db
def test_a_region_without_census_figures_says_so():
    team = TeamFactory(pdu=PDUFactory(code="PWXX", region=RegionFactory(code="XX")))
    staff(team, Grade.PSO, "W1", 10)
    hr = StaffMemberFactory(grade=Grade.HR_ANALYST, team=None)
    report = workforce_report(hr, start=START, end=END, unit="XX")
    assert report.population is None and "no population for XX" in report.population_missing
    assert "population_share" not in report.representation.columns


def test_the_page_shows_the_comparison_and_flags(london):
    hr = StaffMemberFactory(grade=Grade.HR_ANALYST, team=None, with_user=True)
    client = Client()
    client.force_login(hr.user)
    html = client.get("/workforce/?characteristic=ethnic_group&unit=LN").content.decode()
    table = html[html.index('id="representation-table"') :]
    assert "against the population of London" in html and "Population share" in table
    assert "white (flagged)" in table and "13.5%" in table
    # The 20 Black POs are a cell under the smallest group compared: no count and no flag, as for a head of PDU.
    po_black = re.search(r"<th[^>]*>PO</th>\s*<td[^>]*>black</td>(.*?)</tr>", table, re.S)
    assert po_black and "fewer than 30" in po_black.group(1) and ">20<" not in po_black.group(1)
    assert "black (flagged)" not in table


def test_the_head_of_pdu_sees_no_flag_for_a_small_group(london):
    head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, team=london, start_date=JOINED)
    rows = rows_of(pdu_workforce_report(head, start=START, end=END))
    assert pd.isna(rows.loc[("PSO", "black"), "events"]) and rows.loc[("PSO", "black"), "outside"] is None
    assert rows.loc[("PSO", "white"), "outside"]


def test_the_publication_compares_and_suppresses_shares_of_small_counts(london):
    hr = StaffMemberFactory(grade=Grade.HR_ANALYST, team=None)
    period = publication.PublicationPeriod(str(END.year), START, END)
    built = publication.build(period, by=hr, unit="LN")
    table = next(
        t for t in built.tables if t.title == "Staff by grade and ethnic group against the population"
    )
    assert "TS021" in table.description and "London" in table.description
    rows = {(row[0], row[1]): row for row in table.rows}
    assert rows[("PSO", "black")][2:] == ("[c]", "[c]", "[c]", "[c]", "13.5%", "[c]")
    counts = next(t for t in built.tables if t.title == "Staff by grade and ethnic group")
    published_total = {row[0]: row[-1] for row in counts.rows}
    totals = {"PSO": 42, "PO": 40}
    checked = 0
    for grade, group, count, *rest in table.rows:
        if count == "[c]" or published_total[grade] == "[c]":
            # A share from a suppressed count, or of a suppressed total, would give the count away.
            assert rest[:3] == ["[c]"] * 3 and rest[4] == "[c]", (grade, group)
            continue
        low, high = wilson(totals[grade], count)
        share = census.population_of_region("LN").shares[group]
        outside = "Yes" if not low <= share <= high else "No"
        expected = [f"{100 * count / totals[grade]:.1f}%", f"{100 * low:.1f}%", f"{100 * high:.1f}%"]
        assert rest == [*expected, f"{100 * share:.1f}%", outside]
        checked += 1
    assert checked, "every share suppressed: nothing checked"
    assert built.protection.audit.passed
