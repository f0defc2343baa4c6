"""GET /api/v1/equality/analysis: the dashboard's figures as strict JSON, with the same permissions and checks."""

import itertools
import json
import math
from typing import Any

import pytest
from django.test import Client

from evenhand.api.routers.equality import INFINITE_NOTE, GroupOut, UnitGroupOut, _row
from evenhand.api.services import issue_api_token
from evenhand.equality.engine import Analysis, group_label
from evenhand.equality.measures import CATALOGUE
from evenhand.org.models import PDU, Grade, Team
from evenhand.people.models import Person
from evenhand.synth.generator import Result
from tests.equality.test_views import PDU_CODE, PERIOD, REGION, analysis, service
from tests.factories import StaffMemberFactory

pytestmark = pytest.mark.django_db
__all__ = ["analysis", "service"]  # module-scoped fixtures, loaded again for this module

URL = "/api/v1/equality/analysis"
PERIOD_PARAMS = {"from": PERIOD.start.isoformat(), "to": PERIOD.end.isoformat()}
CODES = itertools.count(1)


def api(grade: str) -> Client:
    extra: dict[str, Any] = {}
    if grade in (Grade.PO, Grade.PSO, Grade.SPO, Grade.HEAD_OF_PDU):
        extra["pdu"] = PDU.objects.get(code=PDU_CODE)
    staff = StaffMemberFactory(grade=grade, staff_code=f"EQAPI{next(CODES)}", **extra)
    token = issue_api_token(staff=staff, name="equality tests").raw
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def analyst(service: Result) -> Client:
    return api(Grade.ANALYST)


def strict(response: Any) -> Any:
    """The body as JSON, refusing NaN and Infinity, which JSON does not have."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in the JSON")

    return json.loads(response.content, parse_constant=refuse)


def ask(client: Client, **params: str) -> Any:
    return client.get(URL, {**PERIOD_PARAMS, "measure": "recall", **params})


# --- who may ask ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("grade", [Grade.ANALYST, Grade.INSPECTOR, Grade.HEAD_OF_PDU])
def test_analysts_inspectors_and_heads_of_pdu_may_ask(service: Result, grade: str) -> None:
    response = ask(api(grade))
    assert response.status_code == 200
    assert strict(response)["measure"]["key"] == "recall"


@pytest.mark.parametrize("grade", [Grade.PO, Grade.PSO, Grade.SPO, Grade.ADMIN])
def test_everyone_else_is_refused(service: Result, grade: str) -> None:
    response = ask(api(grade))
    assert response.status_code == 403
    assert "analysts, inspectors and heads of PDU" in response.json()["detail"]


def test_without_credentials_it_is_401(service: Result) -> None:
    assert ask(Client()).status_code == 401
    assert ask(Client(headers={"Authorization": "Bearer nonsense"})).status_code == 401


def test_a_signed_in_session_works_as_on_the_dashboard(service: Result) -> None:
    staff = StaffMemberFactory(grade=Grade.INSPECTOR, with_user=True, staff_code=f"EQAPI{next(CODES)}")
    client = Client()
    client.force_login(staff.user)
    assert ask(client).status_code == 200


# --- what it answers --------------------------------------------------------------------------------------


def test_the_groups_are_the_engines_with_the_settings_echoed(analyst: Client, analysis: Analysis) -> None:
    body = strict(ask(analyst, measure="unacceptable_absence"))
    assert body["settings"] == {
        "measure": "unacceptable_absence",
        "characteristic": "ethnic_group",
        "reference": "white",
        "from": "2025-11-01",
        "to": "2026-10-31",
        "unit": "national",
        "min_n": 30,
        "materiality_band": [0.8, 1.25],
        "q_threshold": 0.05,
        "alpha": 0.05,
    }
    assert body["measure"]["definition"] == CATALOGUE["unacceptable_absence"].definition
    assert body["model"] == analysis.models["unacceptable_absence"]
    expected = analysis.groups[
        (analysis.groups["measure"] == "unacceptable_absence") & (analysis.groups["level"] == "national")
    ].set_index("group")
    assert body["groups"][0]["group"] == "white"
    assert {group["group"] for group in body["groups"]} == set(expected.index)
    for group in body["groups"]:
        figures = expected.loc[group["group"]]
        assert group["label"] == group_label("ethnic_group", group["group"])
        assert (group["n"], group["events"], group["flagged"]) == (
            int(figures["n"]),
            int(figures["events"]),
            bool(figures["flagged"]),
        )
        for name in ("rate", "relative_rate", "relative_rate_low", "relative_rate_high", "q_value"):
            value = float(figures[name])
            assert group[name] == (None if math.isnan(value) else pytest.approx(value, rel=1e-12))
    black = next(group for group in body["groups"] if group["group"] == "black")
    assert black["flagged"] is True
    adjusted = {row["group"]: row for row in body["adjusted"]}
    assert adjusted["black"]["adjusted_flagged"] is True
    assert body["compared"] == []


def test_a_figure_that_does_not_exist_is_null_with_its_note(analyst: Client) -> None:
    body = strict(ask(analyst, characteristic="ethnicity"))
    small = [group for group in body["groups"] if group["n"] < 30]
    assert small
    for group in small:
        assert group["relative_rate"] is None and group["q_value"] is None
        assert "fewer than 30 people" in group["note"]


def test_units_one_level_down_with_their_flags(analyst: Client, analysis: Analysis) -> None:
    national = strict(ask(analyst, measure="unacceptable_absence"))
    assert national["units_level"] == "region"
    assert {row["unit"] for row in national["units"]} == {REGION}
    region = strict(ask(analyst, measure="unacceptable_absence", unit=REGION))
    assert (region["unit"]["level"], region["units_level"]) == ("region", "pdu")
    black = next(row for row in region["units"] if row["group"] == "black")
    assert (black["unit"], black["name"], black["parent"]) == (
        PDU_CODE,
        "Yorkshire and the Humber PDU 01",
        REGION,
    )
    assert black["flagged"] is True and black["q_value"] < 0.05
    units = analysis.units
    engine = units[
        (units["measure"] == "unacceptable_absence")
        & (units["unit"] == PDU_CODE)
        & (units["group"] == "black")
    ].iloc[0]
    assert black["odds_ratio"] == pytest.approx(float(engine["odds_ratio"]))
    assert black["outside_99_8"] == bool(engine["outside_99.8"])
    assert {row["group"] for row in region["compared"]} >= {"white", "black"}
    pdu = strict(ask(analyst, measure="unacceptable_absence", unit=PDU_CODE))
    assert pdu["units_level"] == "team"
    teams = set(Team.objects.filter(pdu__code=PDU_CODE).values_list("code", flat=True))
    assert {row["unit"] for row in pdu["units"]} <= teams
    assert {row["parent"] for row in pdu["units"]} == {PDU_CODE}


def test_no_name_or_crn_in_the_json(analyst: Client) -> None:
    bodies = [
        ask(analyst, unit=PDU_CODE).content.decode(),
        ask(analyst, measure="allocation_po", characteristic="ethnicity", unit=REGION).content.decode(),
    ]
    for crn, first, last in Person.objects.values_list("crn", "first_name", "last_name"):
        for body in bodies:
            assert crn not in body
            assert f"{first} {last}" not in body


def test_an_infinite_figure_is_null_and_the_note_says_so() -> None:
    record = {
        "group": "black",
        "n": 40,
        "events": 3,
        "rate": 0.075,
        "is_reference": False,
        "relative_rate": math.inf,
        "relative_rate_low": 1.2,
        "relative_rate_high": math.inf,
        "p_value": 0.04,
        "q_value": math.nan,
        "flagged": False,
        "test": "Fisher's exact",
        "note": "no events in the reference group: ratios are infinite",
    }
    row = _row(record, GroupOut, lambda code: code.title())
    assert (row["relative_rate"], row["relative_rate_high"], row["q_value"]) == (None, None, None)
    assert row["relative_rate_low"] == 1.2
    assert row["note"] == f"no events in the reference group: ratios are infinite; {INFINITE_NOTE}"
    json.dumps(row, allow_nan=False)
    unit = _row(
        {"unit": "X", "parent": "Y", "group": "black", "upper_99_8": math.inf, "note": ""}, UnitGroupOut, str
    )
    assert unit["upper_99_8"] is None and unit["note"] == INFINITE_NOTE


# --- bad questions ----------------------------------------------------------------------------------------


BAD = [
    ({"measure": "nonsense"}, "measure", "Unknown measure 'nonsense'"),
    ({"characteristic": "star_sign"}, "characteristic", "Unknown characteristic 'star_sign'"),
    ({"unit": "ZZ99"}, "unit", "There is no region or PDU with the code 'ZZ99'"),
    ({"from": "2027-01-01"}, "to", "The end of the period must be the same as or after its start"),
    (
        {"from": "2005-01-01", "to": "2005-12-31"},
        "from",
        "Nobody was under supervision between 1 January 2005",
    ),
    ({"characteristic": "sex", "reference": "N"}, "reference", "The reference group 'N' has no people"),
    ({"characteristic": "sex", "reference": "white"}, "reference", "'white' is not a recorded group of sex"),
    ({"measure": "not_recorded:ethnicity"}, "measure", "is not split by ethnic group"),
]


@pytest.mark.parametrize(("params", "field", "message"), BAD)
def test_a_bad_question_is_a_400_naming_the_parameter(
    analyst: Client, params: dict[str, str], field: str, message: str
) -> None:
    response = ask(analyst, **params)
    assert response.status_code == 400
    body = strict(response)
    assert body["field"] == field
    assert message in body["detail"]


@pytest.mark.parametrize("params", [{"from": "yesterday"}, {"to": "2026-02-30"}, {"measure": None}])
def test_a_malformed_parameter_is_a_422(analyst: Client, params: dict[str, Any]) -> None:
    query = {**PERIOD_PARAMS, "measure": "recall", **params}
    response = analyst.get(URL, {key: value for key, value in query.items() if value is not None})
    assert response.status_code == 422
    assert strict(response)["detail"]


def test_the_operation_is_in_the_openapi_document(service: Result) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    operation = schema["paths"][URL]["get"]
    assert {"measure", "characteristic", "from", "to", "reference", "unit"} <= {
        parameter["name"] for parameter in operation["parameters"]
    }
    assert "null" in operation["description"]
