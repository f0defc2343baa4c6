"""The bulk import operations of the API: heads of PDU only, the same rules and messages as the command, the
counts and the rejects as JSON."""

import pytest
from django.test import Client

from evenhand.api.services import issue_api_token
from evenhand.imports.models import ImportRun
from evenhand.org.models import Grade
from evenhand.people.models import Person
from tests.factories import StaffMemberFactory

from .conftest import PEOPLE_HEADER, csv_bytes, person_row

pytestmark = pytest.mark.django_db

URL = "/api/v1/imports/people"


def client(staff) -> Client:
    token = issue_api_token(staff=staff, name="import").raw
    return Client(headers={"Authorization": f"Bearer {token}"})


def row(n: int, **values: str) -> dict[str, str]:
    return dict(zip(PEOPLE_HEADER, person_row(n, **values), strict=True))


def test_a_head_of_pdu_imports_rows_and_gets_the_counts(head):
    response = client(head).post(URL, {"rows": [row(1), row(2)]}, content_type="application/json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["rows"], body["created"], body["rejected"], body["rejects"]) == (2, 2, 0, [])
    assert body["run_id"] == ImportRun.objects.get().pk
    again = client(head).post(URL, {"rows": [row(1), row(2)]}, content_type="application/json").json()
    assert (again["created"], again["unchanged"]) == (0, 2)
    assert Person.objects.count() == 2


def test_a_bad_row_refuses_the_whole_import_naming_row_and_column(head):
    response = client(head).post(URL, {"rows": [row(1), row(2, sex="X")]}, content_type="application/json")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["rows.1.sex"]
    assert Person.objects.count() == 0


def test_partial_answers_the_rejects(head):
    response = client(head).post(
        URL, {"rows": [row(1), row(2, sex="X")], "partial": True}, content_type="application/json"
    )
    body = response.json()
    assert (response.status_code, body["created"], body["rejected"]) == (200, 1, 1)
    assert body["rejects"][0]["row"] == 1 and body["rejects"][0]["column"] == "sex"


def test_a_csv_text_with_rows_numbered_as_a_spreadsheet(head):
    text = csv_bytes(PEOPLE_HEADER, [person_row(1), person_row(2, date_of_birth="soon")]).decode()
    response = client(head).post(URL, {"csv": text}, content_type="application/json")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["csv.3.date_of_birth"]
    wrong_header = client(head).post(
        URL, {"csv": "source_id,name\nP1,Amal\n"}, content_type="application/json"
    )
    assert set(wrong_header.json()["errors"]) == {
        "csv.1.name",
        "csv.1.first_name",
        "csv.1.last_name",
        "csv.1.date_of_birth",
        "csv.1.sex",
    }


def test_rows_or_csv_not_both_nor_neither(head):
    for body in ({}, {"rows": [row(1)], "csv": "source_id\n"}):
        response = client(head).post(URL, body, content_type="application/json")
        assert response.status_code == 422
        assert "rows" in response.json()["errors"]


@pytest.mark.parametrize(
    "grade", [Grade.PO, Grade.PSO, Grade.SPO, Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN]
)
def test_refused_for_everyone_but_a_head_of_pdu(pdu, grade):
    staff = StaffMemberFactory(grade=grade, pdu=pdu)
    for kind in ("people", "sentences", "risk", "contacts"):
        response = client(staff).post(
            f"/api/v1/imports/{kind}", {"rows": [row(1)]}, content_type="application/json"
        )
        assert response.status_code == 403, kind
    assert Person.objects.count() == 0
    assert ImportRun.objects.count() == 0


def test_not_signed_in():
    assert Client().post(URL, {"rows": [row(1)]}, content_type="application/json").status_code == 401
