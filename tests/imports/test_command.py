"""evenhand import: every bad row printed with its row and column and a failing exit, the rejects file with
--partial, the counts and a progress bar."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from evenhand.imports.models import ImportRun
from evenhand.org.models import Grade
from evenhand.people.models import Person
from tests.factories import StaffMemberFactory

from .conftest import PEOPLE_HEADER, csv_bytes, person_row

pytestmark = pytest.mark.django_db


def run(*args: str, **options: object) -> str:
    out = io.StringIO()
    call_command("import", *args, stdout=out, **options)
    return out.getvalue()


def test_a_good_file_is_imported_with_the_counts(tmp_path, head):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(PEOPLE_HEADER, [person_row(1), person_row(2)]))
    output = run("people", str(path), by=head.staff_code)
    assert "2 rows: 2 imported, 0 already imported, 0 people already held (linked), 0 rejected" in output
    assert "Importing people.csv" in output
    assert Person.objects.count() == 2
    assert ImportRun.objects.get().file_name == str(path)
    again = run("people", str(path), by=head.staff_code, source="national")
    assert "2 rows: 0 imported, 2 already imported" in again


def test_a_bad_row_prints_every_bad_row_and_fails_writing_nothing(tmp_path, head):
    path = tmp_path / "people.csv"
    path.write_bytes(
        csv_bytes(PEOPLE_HEADER, [person_row(1, sex="X"), person_row(2), person_row(3, crn="1")])
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: 2 bad row"):
        call_command("import", "people", str(path), by=head.staff_code, stdout=out)
    printed = out.getvalue()
    assert "row 2, column sex: Enter the sex" in printed
    assert "row 4, column crn: Enter a CRN as one capital letter and six digits" in printed
    assert Person.objects.count() == 0
    assert not (tmp_path / "people.rejects.csv").exists()


def test_partial_writes_the_rejects_file(tmp_path, head):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(PEOPLE_HEADER, [person_row(1), person_row(2, date_of_birth="1990-13-01")]))
    output = run("people", str(path), "--partial", by=head.staff_code)
    assert "1 imported" in output and "1 rejected" in output
    with (tmp_path / "people.rejects.csv").open(newline="", encoding="utf-8") as rejects:
        rows = list(csv.DictReader(rejects))
    assert [(r["row"], r["column"], r["source_id"], r["date_of_birth"]) for r in rows] == [
        ("3", "date_of_birth", "P2", "1990-13-01")
    ]
    assert "real date" in rows[0]["reason"]


def test_rejects_where_asked(tmp_path, head):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(PEOPLE_HEADER, [person_row(1, sex="")]))
    rejects = tmp_path / "out" / "bad.csv"
    rejects.parent.mkdir()
    with pytest.raises(CommandError):
        run("people", str(path), by=head.staff_code, rejects=rejects)
    assert rejects.read_text().splitlines()[1].startswith("2,sex,")


def test_a_file_not_utf8(tmp_path, head):
    path = tmp_path / "people.csv"
    path.write_bytes(
        ",".join(PEOPLE_HEADER).encode() + "\nP1,X000001,José,Núñez,1990-04-01,M,,\n".encode("cp1252")
    )
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "people", str(path), by=head.staff_code, stdout=out)
    assert "row 2, column first_name: The file is not UTF-8 text" in out.getvalue()


def test_who_may_import(tmp_path, pdu):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(PEOPLE_HEADER, [person_row(1)]))
    po = StaffMemberFactory(grade=Grade.PO, pdu=pdu)
    with pytest.raises(CommandError, match="Only a head of PDU can import records"):
        run("people", str(path), by=po.staff_code)
    with pytest.raises(CommandError, match="no member of staff with the code NOBODY"):
        run("people", str(path), by="NOBODY")
    with pytest.raises(CommandError, match="cannot be read"):
        run("people", str(tmp_path / "missing.csv"), by=po.staff_code)
