"""The workforce measures registered in the equality catalogue and run by the engine: figures against hand
counts, the drill-down to a PDU, the declaration rule per unit, the adjustment of leaving both ways, and who
may see the comparison page."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from evenhand.equality.engine import Settings
from evenhand.equality.measures import Period
from evenhand.equality.registry import analyse_population
from evenhand.org.models import Grade
from evenhand.workforce import services
from evenhand.workforce.measures import workforce_report
from evenhand.workforce.models import Declaration, EventKind, HrEvent
from tests.factories import PDUFactory, StaffMemberFactory, TeamFactory
from tests.workforce.test_adjustment import LONG, SHORT
from tests.workforce.test_measures import END, START, world  # noqa: F401  # the fixture

pytestmark = pytest.mark.django_db
PERIOD = Period(START, END)
IN_PERIOD = START + dt.timedelta(days=40)


def analysed(**settings):
    return analyse_population("staff", PERIOD, Settings(min_n=1, **settings))


def groups(result, measure, unit):
    frame = result.analysis.groups
    chosen = frame[(frame["measure"] == measure) & (frame["unit"] == unit)]
    return chosen.set_index(chosen["group"].astype(str))


def add(staff, kind, **values):
    HrEvent.objects.create(staff=staff, kind=kind, occurred_on=IN_PERIOD, **values)


def test_catalogue_figures_equal_the_hand_counts(world):  # noqa: F811
    """The world of test_measures (PDU A: 6 White, 1 promoted, 1 left; 3 Black, 2 promoted, 1 left; PDU B: 1
    White), with two grievances decided and a PQiP application added by hand."""
    black = HrEvent.objects.filter(kind=EventKind.GRIEVANCE).values_list("staff_id", flat=True).first()
    add(StaffMemberFactory._meta.model.objects.get(pk=black), EventKind.GRIEVANCE, outcome="upheld")
    white = Declaration.objects.filter(value="W1").order_by("pk").first().staff
    add(white, EventKind.GRIEVANCE, outcome="not_upheld")
    add(white, EventKind.GRIEVANCE, outcome="withdrawn")  # not decided: not counted
    add(white, EventKind.PQIP, pqip_stage="applied")
    result = analysed()
    promotion = groups(result, "promotion", "PWFA")
    assert promotion.loc["white", ["n", "events"]].tolist() == [6, 1]
    assert promotion.loc["black", ["n", "events"]].tolist() == [3, 2]
    assert promotion.loc["black", "relative_rate"] == pytest.approx(4.0)
    national = groups(result, "promotion", "national")
    assert national.loc["white", ["n", "events"]].tolist() == [7, 1]  # PDU B's declared White PSO too
    leaving = groups(result, "leaving", "national")
    assert leaving.loc["white", ["n", "events"]].tolist() == [7, 1]
    assert leaving.loc["black", ["n", "events"]].tolist() == [3, 1]
    upheld = groups(result, "grievance_upheld", "national")
    assert upheld.loc["white", ["n", "events"]].tolist() == [1, 0]
    assert upheld.loc["black", ["n", "events"]].tolist() == [1, 1]
    # Eligible: PSO at the start of the period by their HR events (the world's PO joined as a PSO).
    pqip = groups(result, "pqip_applied", "national")
    assert pqip.loc["white", ["n", "events"]].tolist() == [7, 1]
    assert pqip.loc["black", ["n", "events"]].tolist() == [3, 0]
    # The workforce report's figure for the unit is the catalogue's.
    report = workforce_report(world, start=START, end=END, unit="PWFA", min_n=1)
    table = next(m for m in report.measures if m.measure == "promotion").table
    assert table.loc["black", "rate"] == pytest.approx(promotion.loc["black", "rate"])
    # One Benjamini-Hochberg family: every q-value at least its p-value.
    frame = result.analysis.groups.dropna(subset=["p_value"])
    assert (frame["q_value"] >= frame["p_value"] - 1e-12).all()


def test_the_declaration_rule_is_applied_per_unit(world, settings):  # noqa: F811
    result = analysed()
    # PDU B: 1 of its 3 staff declared (33%): withheld, with why; PDU A (9 of 11) shown.
    assert groups(result, "promotion", "PWFB").empty
    assert "only 33% of the 3 staff" in result.withheld[("promotion", "PWFB")]
    assert not groups(result, "promotion", "PWFA").empty
    settings.EVENHAND_WORKFORCE_DECLARATION_THRESHOLD = 0.3
    assert not groups(analysed(), "promotion", "PWFB").empty


@pytest.fixture
def precomputed(world):  # noqa: F811
    """The comparison's figures stored as the nightly job stores them (the page only reads them)."""
    services.precompute_comparison(timezone.localdate())
    return world


def hr_analyst(client):
    hr = StaffMemberFactory(grade=Grade.HR_ANALYST, with_user=True, team=None)
    client.force_login(hr.user)
    return hr


def test_the_page_drills_down_to_a_pdu_with_only_its_staff(precomputed, client):
    hr_analyst(client)
    national = client.get("/workforce/compare/")
    assert national.status_code == 200
    html = national.content.decode()
    assert 'id="funnel-figure"' in html or 'id="units"' in html  # the regions below, from the engine
    pdu = client.get("/workforce/compare/?measure=promotion&unit=PWFA").content.decode()
    rows = pdu[pdu.index('id="groups"') :]
    white = rows[rows.index('data-group="white"') :]
    # PDU A's 6 declared White staff (the hand counts above): under 30, so not shown, to HR analysts either.
    assert "fewer than 30: not shown" in white[: white.index("</tr>")]
    assert ">6<" not in white[: white.index("</tr>")]
    withheld = client.get("/workforce/compare/?measure=promotion&unit=PWFB").content.decode()
    assert 'id="groups"' not in withheld
    assert "only 33% of the 3 staff counted here have declared it" in withheld
    for member in precomputed.__class__.objects.exclude(team=None):
        assert str(member) not in pdu  # no names anywhere


def test_the_units_below_show_no_count_of_a_small_group_in_their_table_or_funnel(precomputed, client):
    hr_analyst(client)
    html = client.get("/workforce/compare/?measure=leaving&group=black").content.decode()
    units = html[html.index('id="units-section"') :]
    row = units[units.index('data-unit="') :]
    row = row[: row.index("</tr>")]
    # Region 0's Black staff are the world's 3 (the hand counts above): under 30, so neither their number
    # nor their observed and expected leavers, in the table or as a point of the funnel plot.
    assert "fewer than 30: not shown" in row
    assert re.findall(r'numeric">([^<]*)<', row) == ["not available"] * 4
    assert 'id="funnel-figure"' not in units and "no unit has expected events to show" in units


@pytest.mark.parametrize("grade", [Grade.PO, Grade.PSO, Grade.ANALYST, Grade.SPO])
def test_only_hr_analysts_and_heads_of_pdu_see_the_page(precomputed, client, grade):
    someone = StaffMemberFactory(grade=grade, with_user=True)
    client.force_login(someone.user)
    assert client.get("/workforce/compare/").status_code == 403


def test_a_head_of_pdu_sees_their_own_pdu_only_without_small_counts(precomputed, client):
    team = HrEvent.objects.filter(staff__team__pdu__code="PWFA").first().staff.team
    head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, team=team, with_user=True)
    client.force_login(head.user)
    own = client.get("/workforce/compare/")
    assert own.status_code == 200
    html = own.content.decode()
    assert "Promotion rate, " in html and "fewer than 30: not shown" in html
    assert client.get("/workforce/compare/?unit=PWFB").status_code == 403
    assert client.get("/workforce/compare/?unit=national").status_code == 403


def leavers(team, ethnicity: str, joined: dt.date, count: int, left: int) -> None:
    """``count`` PSOs of one ethnicity who joined on ``joined``, the first ``left`` of them leaving in the
    period (rows written directly, valid by construction)."""
    people = StaffMemberFactory.create_batch(count, grade=Grade.PSO, team=team, start_date=joined)
    Declaration.objects.bulk_create(
        Declaration(staff=person, characteristic="ethnicity", value=ethnicity) for person in people
    )
    events = [
        HrEvent(staff=person, kind=EventKind.JOINED, occurred_on=joined, grade=Grade.PSO, route="direct")
        for person in people
    ]
    events += [
        HrEvent(staff=person, kind=EventKind.LEFT, occurred_on=IN_PERIOD, leaving_reason="resignation")
        for person in people[:left]
    ]
    HrEvent.objects.bulk_create(events)


def leaving(unit):
    hr = StaffMemberFactory(grade=Grade.HR_ANALYST, team=None, start_date=END + dt.timedelta(days=1))
    report = workforce_report(hr, start=START, end=END, unit=unit)
    engine = analyse_population("staff", PERIOD, Settings(measures=()), measures=("leaving",))
    adjusted = engine.analysis.adjusted.set_index(engine.analysis.adjusted["group"].astype(str))
    return next(m for m in report.measures if m.measure == "leaving"), adjusted


def test_a_leaving_gap_made_by_length_of_service_is_explained():
    team = TeamFactory(pdu=PDUFactory(code="PWFL"))
    # Half of the newer staff leave and a tenth of those with long service, whatever their group; most White
    # staff have long service and most Black staff do not.
    leavers(team, "W1", LONG, 80, 8)
    leavers(team, "W1", SHORT, 20, 10)
    leavers(team, "B1", LONG, 20, 2)
    leavers(team, "B1", SHORT, 80, 40)
    measure, engine = leaving("PWFL")
    crude = measure.table.loc["black"]
    assert crude[["n", "events"]].tolist() == [100, 42]
    adjusted = measure.adjusted.loc["black"]
    assert adjusted["crude_flagged"] and not adjusted["adjusted_flagged"] and adjusted["explained"]
    assert adjusted["adjusted_relative_rate"] == pytest.approx(1.0, abs=1e-6)
    assert measure.adjusted_for == "grade and length of service at the start of the period"
    # The engine's adjusted comparison of the registered measure agrees.
    assert engine.loc["black", "adjusted_relative_rate"] == pytest.approx(1.0, abs=1e-6)
    assert engine.loc["black", "crude_flagged"] and not engine.loc["black", "adjusted_flagged"]


def test_a_leaving_gap_within_the_bands_stays():
    team = TeamFactory(pdu=PDUFactory(code="PWFM"))
    leavers(team, "W1", LONG, 80, 4)
    leavers(team, "W1", SHORT, 20, 4)
    # Black staff leave at five times the White rate in each band.
    leavers(team, "B1", LONG, 60, 15)
    leavers(team, "B1", SHORT, 60, 60)
    measure, engine = leaving("PWFM")
    adjusted = measure.adjusted.loc["black"]
    assert adjusted["adjusted_relative_rate"] > 2.5
    assert adjusted["adjusted_flagged"] and not adjusted["explained"]
    assert engine.loc["black", "adjusted_flagged"]
