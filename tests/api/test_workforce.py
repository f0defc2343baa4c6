"""Workforce equality through the API: the HR analyst's measures (aggregates only, the declaration rule as on
the page) and published reports; a head of PDU's own PDU with small groups hidden; every member of staff's own
profile read and updated through the web form's rules; everyone else refused with nothing written."""

import datetime as dt
import json

import pytest

from evenhand.org.models import Grade
from evenhand.workforce import publication
from evenhand.workforce.models import Declaration, EventKind, HrEvent, WorkforceRelease
from tests.api.conftest import API
from tests.factories import PDUFactory, RegionFactory, StaffMemberFactory, TeamFactory

pytestmark = pytest.mark.django_db
JOINED = dt.date(2020, 1, 1)
MEASURES = f"{API}/workforce/measures"
PROFILE = f"{API}/workforce/my-profile"


def staff(team, ethnicity, count, promoted, **names):
    people = StaffMemberFactory.create_batch(count, grade=Grade.PSO, team=team, start_date=JOINED, **names)
    Declaration.objects.bulk_create(
        Declaration(
            staff=p,
            characteristic="ethnicity",
            value=ethnicity,
            declared_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        )
        for p in people
        if ethnicity
    )
    HrEvent.objects.bulk_create(
        [
            HrEvent(staff=p, kind=EventKind.JOINED, occurred_on=JOINED, grade=Grade.PSO, route="direct")
            for p in people
        ]
        + [
            HrEvent(
                staff=p,
                kind=EventKind.PROMOTED,
                occurred_on=dt.date.today() - dt.timedelta(days=30),
                grade=Grade.PO,
            )
            for p in people[:promoted]
        ]
    )
    return people


@pytest.fixture
def world(db):
    """Region LN, PDU PWAP: 40 White PSOs (4 promoted), 3 Black (1 promoted, named Zanele Quartermaine) and
    its head (not declared); PDU PWAQ: 5 White and 10 undeclared (below the declaration rule). Its HR analyst
    and the head of PWAP."""
    region = RegionFactory(code="LN", name="London")
    a = TeamFactory(pdu=PDUFactory(code="PWAP", region=region))
    staff(a, "W1", 40, 4)
    staff(a, "B1", 1, 1, first_name="Zanele", last_name="Quartermaine")
    staff(a, "B2", 2, 0)
    b = TeamFactory(pdu=PDUFactory(code="PWAQ", region=region))
    staff(b, "W1", 5, 0)
    staff(b, "", 10, 0)
    return {
        "hr": StaffMemberFactory(grade=Grade.HR_ANALYST, team=None, start_date=JOINED),
        "head": StaffMemberFactory(grade=Grade.HEAD_OF_PDU, team=a, start_date=JOINED),
    }


def by_key(body, key):
    return next(m for m in body["measures"] if m["key"] == key)


def test_the_hr_analyst_reads_the_measures_with_no_names(world, client_for):
    response = client_for(world["hr"]).get(MEASURES, {"unit": "pwap"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["unit"] == "PWAP" and body["staff"] == 44 and body["suppressed"] and body["min_n"] == 30
    promotion = {g["group"]: g for g in by_key(body, "promotion")["groups"]}
    assert (promotion["white"]["n"], promotion["white"]["events"]) == (40, 4)
    assert promotion["white"]["rate"] == pytest.approx(0.1)
    # Three Black staff, one promoted: under the smallest group compared, so no count or figure, as on the page.
    black = promotion["black"]
    assert (black["n"], black["events"], black["rate"]) == (None, None, None)
    assert black["note"] == "fewer than 30: not shown"
    for measure in body["measures"]:
        for group in measure["groups"]:
            assert group["n"] is None or group["n"] >= 30, (measure["key"], group)
    # Against London's census population, by grade.
    assert body["population"]["area"] == "London"
    rows = {(r["grade"], r["group"]): r for r in body["representation"]}
    assert rows[("PSO", "black")]["population_share"] == pytest.approx(0.135)
    assert rows[("PSO", "white")]["outside"] is True
    text = response.content.decode()
    assert "Zanele" not in text and "Quartermaine" not in text
    assert json.loads(text)  # valid JSON: no NaN


def test_the_declaration_rule_withholds_a_breakdown_as_on_the_page(world, client_for):
    body = client_for(world["hr"]).get(MEASURES, {"unit": "PWAQ"}).json()
    promotion = by_key(body, "promotion")
    assert (
        promotion["groups"] == [] and "a breakdown is shown only where at least 60%" in promotion["withheld"]
    )
    assert body["representation"] == [] and body["representation_withheld"]


def test_the_head_of_pdu_sees_small_groups_hidden(world, client_for):
    body = client_for(world["head"]).get(f"{API}/workforce/my-pdu/measures").json()
    promotion = {g["group"]: g for g in by_key(body, "promotion")["groups"]}
    assert body["suppressed"] and body["unit"] == "PWAP"
    assert promotion["black"]["n"] is None and promotion["black"]["events"] is None
    assert promotion["black"]["note"] == "fewer than 30: not shown"
    assert promotion["white"]["n"] == 40


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"unit": "NOWHERE"}, "unit", "There is no region or PDU with staff and the code NOWHERE"),
        ({"from": "2025-06-01", "to": "2025-01-01"}, "to", "The period ends before it starts"),
        ({"characteristic": "religion"}, "characteristic", ""),
        ({"from": "yesterday"}, "from", ""),
    ],
)
def test_bad_questions_answer_422_naming_the_parameter(world, client_for, query, field, message):
    response = client_for(world["hr"]).get(MEASURES, query)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert field in errors and message in " ".join(errors[field])


@pytest.mark.parametrize("grade", [Grade.PO, Grade.SPO, Grade.HEAD_OF_PDU, Grade.ANALYST, Grade.ADMIN])
def test_every_other_role_is_refused_the_aggregates(world, client_for, grade):
    client = client_for(StaffMemberFactory(grade=grade, start_date=JOINED))
    for url in (MEASURES, f"{API}/workforce/releases"):
        response = client.get(url)
        assert response.status_code == 403 and response.json()["detail"].startswith("The workforce equality")
    if grade != Grade.HEAD_OF_PDU:
        assert client.get(f"{API}/workforce/my-pdu/measures").status_code == 403
    assert client_for(world["hr"]).get(f"{API}/workforce/my-pdu/measures").status_code == 403


def test_the_hr_analyst_lists_the_releases(world, client_for):
    hr = world["hr"]
    release = publication.publish(period=publication.PublicationPeriod.parse("2025"), unit="PWAP", by=hr)
    body = client_for(hr).get(f"{API}/workforce/releases", {"limit": 5}).json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert (item["id"], item["period"], item["unit"], item["published_by"]) == (
        release.pk,
        "2025",
        "PWAP",
        hr.staff_code,
    )
    assert item["sha256"] == release.sha256 and item["audit_passed"] == release.audit["passed"]
    assert item["files"]["ods"] == f"/workforce/releases/{release.pk}/ods/"


def test_anyone_reads_and_updates_only_their_own_profile(world, client_for):
    po = StaffMemberFactory(grade=Grade.PO, start_date=JOINED)
    client = client_for(po)
    before = client.get(PROFILE).json()
    assert {a["characteristic"]: a["label"] for a in before["answers"]}["ethnicity"] == "Not declared"
    changed = client.patch(
        PROFILE, {"ethnicity": "A3", "caring": "children"}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["changed"] == 2
    answers = {a["characteristic"]: a["value"] for a in changed.json()["answers"]}
    assert answers["ethnicity"] == "A3" and answers["caring"] == "children" and answers["sex"] == ""
    # The same answer again is not recorded; a new one is, with the old kept in the history.
    again = client.patch(PROFILE, {"ethnicity": "A3", "sex": "F"}, content_type="application/json").json()
    assert again["changed"] == 1 and len(again["history"]) == 3
    assert Declaration.objects.filter(staff=po).count() == 3
    # Only ever the caller's own: the HR analyst reads their own, empty, profile.
    other = client_for(world["hr"]).get(PROFILE).json()
    assert other["history"] == [] and all(a["value"] == "" for a in other["answers"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ethnicity": "A3", "religion": "druid"}, "religion"),
        ({"ethnicity": "ZZ"}, "ethnicity"),
        ({"ethnicity": "A3", "staff": 1}, "staff"),
        ({"ethnicity": "x" * 21}, "ethnicity"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(world, client_for, body, field):
    po = StaffMemberFactory(grade=Grade.PO, start_date=JOINED)
    response = client_for(po).patch(PROFILE, body, content_type="application/json")
    assert response.status_code == 422 and field in response.json()["errors"]
    assert not Declaration.objects.filter(staff=po).exists()


def test_a_publication_is_not_started_through_a_profile_or_anything_else(world, client_for):
    """The API publishes nothing: the measures and releases are reads, and a write by the HR analyst to
    them is no operation."""
    client = client_for(world["hr"])
    assert client.post(MEASURES, {}, content_type="application/json").status_code == 405
    assert not WorkforceRelease.objects.exists()
