import csv
import io

import pytest

from evenhand.org.models import Grade
from tests.factories import PDUFactory, StaffMemberFactory

PEOPLE_HEADER = ["source_id", "crn", "first_name", "last_name", "date_of_birth", "sex", "pnc", "postcode"]


def csv_bytes(header: list[str], rows: list[list[str]], *, bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def person_row(n: int, **values: str) -> list[str]:
    """A good people row: source id P<n>, CRN X<n>, born 1990."""
    row = {
        "source_id": f"P{n}",
        "crn": f"X{n:06d}",
        "first_name": "Amal",
        "last_name": f"Osei{n}",
        "date_of_birth": "1990-04-01",
        "sex": "M",
        "pnc": "",
        "postcode": "",
    } | values
    return [row[column] for column in PEOPLE_HEADER]


@pytest.fixture
def pdu():
    return PDUFactory(code="N07LEE")


@pytest.fixture
def head(pdu):
    return StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=pdu, with_user=True)
