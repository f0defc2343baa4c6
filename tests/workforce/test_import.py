"""`evenhand import staff-events FILE.csv`: an HR extract checked by the workforce rules, all or nothing (or
--partial with a rejects file), each bad row named with its column; re-running loads nothing twice."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from evenhand.org.models import Grade
from evenhand.workforce.models import HrEvent
from tests.factories import StaffMemberFactory

pytestmark = pytest.mark.django_db
HEADER = ["source_id", "staff_code", "kind", "occurred_on", "grade", "route", "leaving_reason", "days",
          "grievance_kind", "outcome", "exit_themes"]  # fmt: skip


def file_of(tmp_path, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([row.get(column, "") for column in HEADER])
    path = tmp_path / "events.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def run(path, by, *args):
    out = io.StringIO()
    call_command("import", "staff-events", str(path), *args, by=by.staff_code, stdout=out)
    return out.getvalue()


@pytest.fixture
def hr():
    return StaffMemberFactory(grade=Grade.HR_ANALYST, team=None)


@pytest.fixture
def po():
    return StaffMemberFactory(grade=Grade.PO, staff_code="S900001")


def career(code="S900001"):
    return [
        {"source_id": "E1", "staff_code": code, "kind": "joined", "occurred_on": "2019-04-01", "grade": "PSO",
         "route": "direct"},
        {"source_id": "E2", "staff_code": code, "kind": "promoted", "occurred_on": "01/04/2021", "grade": "PO"},
        {"source_id": "E3", "staff_code": code, "kind": "Grievance", "occurred_on": "2022-02-01",
         "grievance_kind": "Race discrimination", "outcome": "upheld", "days": "40"},
        {"source_id": "E4", "staff_code": code, "kind": "left", "occurred_on": "2023-06-30",
         "leaving_reason": "resignation", "exit_themes": "progression; discrimination"},
    ]  # fmt: skip


def test_a_career_is_imported_and_a_rerun_loads_nothing_twice(tmp_path, hr, po):
    path = file_of(tmp_path, career())
    output = run(path, hr)
    assert "4 rows: 4 imported" in output and "Importing events.csv" in output
    assert list(HrEvent.objects.filter(staff=po).values_list("kind", flat=True)) == [
        "joined", "promoted", "grievance", "left"
    ]  # fmt: skip
    assert HrEvent.objects.get(kind="left").exit_themes == ["progression", "discrimination"]
    assert "4 rows: 0 imported, 4 already imported" in run(path, hr)
    assert HrEvent.objects.count() == 4


def test_bad_rows_are_each_named_and_nothing_is_written(tmp_path, hr, po):
    rows = career()
    rows[1]["occurred_on"] = "2018-01-01"  # a promotion before joining
    rows[2]["grievance_kind"] = "rudeness"  # an unknown kind of grievance
    rows[3]["leaving_reason"] = "bored"  # an unknown reason
    rows.append({"source_id": "E5", "staff_code": "S900001", "kind": "left", "occurred_on": "2023-07-30",
                 "leaving_reason": "other"})  # fmt: skip
    rows.append({"source_id": "E6", "staff_code": "NOBODY", "kind": "training", "occurred_on": "2023-07-30"})
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: 4 bad row"):
        call_command("import", "staff-events", str(file_of(tmp_path, rows)), by=hr.staff_code, stdout=out)
    printed = out.getvalue()
    assert "row 3, column occurred_on: The promoted on 1 January 2018 cannot be recorded" in printed
    assert "row 4, column grievance_kind: Enter the kind of grievance as one of" in printed
    assert "row 5, column leaving_reason: Enter the reason for leaving as one of" in printed
    # The first "left" was refused, so the second is checked against a history with no leaving: it is fine
    # on its own, but a whole file is all or nothing.
    assert "row 7, column staff_code: There is no member of staff with the code NOBODY" in printed
    assert not HrEvent.objects.exists()


def test_leaving_twice_in_a_file_is_refused_naming_the_row(tmp_path, hr, po):
    rows = career()
    rows.append({"source_id": "E5", "staff_code": "S900001", "kind": "left", "occurred_on": "2023-07-30",
                 "leaving_reason": "other"})  # fmt: skip
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "staff-events", str(file_of(tmp_path, rows)), by=hr.staff_code, stdout=out)
    assert (
        "row 6, column occurred_on: The left on 30 July 2023 cannot be recorded: the staff member left on"
        in (out.getvalue())
    )


def test_partial_loads_the_good_rows_and_writes_the_rejects(tmp_path, hr, po):
    rows = career()
    rows[3]["leaving_reason"] = "bored"
    path = file_of(tmp_path, rows)
    output = run(path, hr, "--partial")
    assert "4 rows: 3 imported, 0 already imported, 0 people already held (linked), 1 rejected" in output
    rejects = (tmp_path / "events.rejects.csv").read_text()
    assert '5,leaving_reason,"Enter the reason for leaving' in rejects
    assert HrEvent.objects.count() == 3


@pytest.mark.parametrize("grade", [Grade.HEAD_OF_PDU, Grade.ANALYST, Grade.ADMIN, Grade.PO])
def test_only_an_hr_analyst_imports_staff_events(tmp_path, po, grade):
    with pytest.raises(CommandError, match="Only an HR analyst can import staff events"):
        run(file_of(tmp_path, career()), StaffMemberFactory(grade=grade))
    assert not HrEvent.objects.exists()


def test_an_hr_analyst_imports_no_casework(tmp_path, hr):
    path = tmp_path / "people.csv"
    path.write_text("source_id,first_name,last_name,date_of_birth,sex\n1,A,B,1990-01-01,M\n")
    with pytest.raises(CommandError, match="Only a head of PDU"):
        call_command("import", "people", str(path), by=hr.staff_code, stdout=io.StringIO())
