"""The access log page: administrators only, filtered by member of staff and by person, paginated."""

import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evenhand.audit.models import AccessLogEntry, Channel
from evenhand.audit.services import log_export, log_person_view
from evenhand.org.models import Grade, StaffMember
from evenhand.people.services import restrict_to_staff
from tests.factories import PersonFactory, StaffMemberFactory, names

pytestmark = pytest.mark.django_db

URL = reverse("access-log")
NO_RECORD = "\N{EN DASH}"  # what the Record column shows for an entry about no one person


def client_for(staff: StaffMember) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


def staff(grade: str, **kwargs: Any) -> StaffMember:
    return StaffMemberFactory(grade=grade, with_user=True, **kwargs)


def entry_rows(html: str) -> list[list[str]]:
    """The cells of each row of the access log table (When, Who, What, Record, Through, Detail)."""
    body = re.search(r'<tbody class="govuk-table__body">(.*?)</tbody>', html, re.S).group(1)
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows.append([" ".join(re.sub(r"<[^>]+>", "", cell).split()) for cell in cells])
    return rows


def test_anonymous_request_is_sent_to_sign_in(client):
    for url in (URL, URL + "?staff=S1&page=2"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == "/sign-in/?" + urlencode({"next": url}, safe="/")


@pytest.mark.parametrize(
    "grade", [Grade.PSO, Grade.PO, Grade.SPO, Grade.HEAD_OF_PDU, Grade.ANALYST, Grade.INSPECTOR]
)
def test_only_administrators_may_read_it(grade):
    viewer = staff(grade)
    log_person_view(staff=viewer, person_id=PersonFactory().pk, channel=Channel.UI)
    response = client_for(viewer).get(URL)
    assert response.status_code == 403
    assert "Viewed a person record" not in response.content.decode()


def test_navigation_link_only_for_administrators():
    admin, po = staff(Grade.ADMIN), staff(Grade.PO)
    assert f'href="{URL}"' in client_for(admin).get(reverse("person-search")).content.decode()
    assert f'href="{URL}"' not in client_for(po).get(reverse("person-search")).content.decode()


def test_shows_each_entry_newest_first():
    admin = staff(Grade.ADMIN)
    po = staff(Grade.PO, first_name="Priya", last_name="Officer", staff_code="S900001")
    person = PersonFactory()
    log_person_view(staff=po, person_id=person.pk, channel=Channel.UI)
    log_export(staff=po, channel=Channel.API, detail="Caseload CSV: My cases")
    response = client_for(admin).get(URL)
    assert response.status_code == 200
    rows = entry_rows(response.content.decode())
    assert [row[1:] for row in rows] == [
        ["Priya Officer (S900001)", "Exported records", NO_RECORD, "API", "Caseload CSV: My cases"],
        [
            "Priya Officer (S900001)",
            "Viewed a person record",
            f"{person.full_name} ({person.crn})",
            "Web",
            "",
        ],
    ]
    # Never the internal id: the record is named by CRN and linked.
    assert f">{person.pk}<" not in response.content.decode()
    assert reverse("person-detail", args=[person.pk]) in response.content.decode()


def test_reading_an_empty_log_is_not_itself_logged():
    admin = staff(Grade.ADMIN)
    client_for(admin).get(URL)
    assert not AccessLogEntry.objects.exists()


def test_the_people_the_log_names_are_logged_as_an_export():
    """The page names people (CRN and name), so reading it is an export of them, one row per person named."""
    po, admin = staff(Grade.PO), staff(Grade.ADMIN)
    person = PersonFactory()
    log_person_view(staff=po, person_id=person.pk, channel=Channel.UI)
    log_person_view(staff=po, person_id=person.pk, channel=Channel.UI)
    client_for(admin).get(URL)
    exported = AccessLogEntry.objects.filter(staff=admin)
    assert [(e.action, e.person_id, e.detail) for e in exported] == [("export", person.pk, "Access log")]


def test_empty_log_says_so():
    assert "No entries." in client_for(staff(Grade.ADMIN)).get(URL).content.decode()


class TestFilters:
    @pytest.fixture
    def log(self) -> dict[str, Any]:
        first = staff(Grade.PO, staff_code="S100001")
        second = staff(Grade.PO, staff_code="S100002")
        alice, bob = PersonFactory(), PersonFactory()
        for who, whom in ((first, alice), (first, bob), (second, alice), (second, bob), (second, bob)):
            log_person_view(staff=who, person_id=whom.pk, channel=Channel.UI)
        log_export(staff=first, channel=Channel.UI, detail="Caseload CSV")
        return {"first": first, "second": second, "alice": alice, "bob": bob}

    def get(self, **query: str) -> list[list[str]]:
        """The rows shown, less the exports earlier readings of the log wrote."""
        response = client_for(staff(Grade.ADMIN)).get(URL, query)
        assert response.status_code == 200
        rows = entry_rows(response.content.decode())
        return [row for row in rows if row[-1] != "Access log"] or [["No entries."]]

    def test_by_staff_code(self, log):
        rows = self.get(staff="S100002")
        assert len(rows) == 3
        assert all("(S100002)" in row[1] for row in rows)
        assert len(self.get(staff="S100001")) == 3  # two views and the export

    def test_by_crn(self, log):
        """The CRN filter was ignored: it keeps the entries about that person."""
        bob = log["bob"]
        rows = self.get(crn=bob.crn)
        assert [row[3] for row in rows] == [f"{bob.full_name} ({bob.crn})"] * 3
        assert len(self.get(crn=bob.crn.lower())) == 3

    def test_by_name(self, log):
        alice = log["alice"]
        rows = self.get(name=f"{alice.first_name} {alice.last_name}")
        assert rows and all(row[3] == f"{alice.full_name} ({alice.crn})" for row in rows)

    def test_by_staff_and_crn(self, log):
        rows = self.get(staff="S100002", crn=log["bob"].crn)
        assert len(rows) == 2
        assert all("(S100002)" in row[1] and log["bob"].crn in row[3] for row in rows)

    def test_by_dates(self, log):
        today = timezone.localdate()
        day = {
            "date_from-day": str(today.day),
            "date_from-month": str(today.month),
            "date_from-year": str(today.year),
        }
        assert len(self.get(**day)) == 6
        yesterday = today - dt.timedelta(days=1)
        before = {
            "date_to-day": str(yesterday.day),
            "date_to-month": str(yesterday.month),
            "date_to-year": str(yesterday.year),
        }
        assert self.get(**before) == [["No entries."]]

    def test_dates_the_wrong_way_round_are_refused_by_name(self, log):
        today = timezone.localdate()
        tomorrow = today + dt.timedelta(days=1)
        response = client_for(staff(Grade.ADMIN)).get(
            URL,
            {
                "date_from-day": str(tomorrow.day),
                "date_from-month": str(tomorrow.month),
                "date_from-year": str(tomorrow.year),
                "date_to-day": str(today.day),
                "date_to-month": str(today.month),
                "date_to-year": str(today.year),
            },
        )
        assert response.status_code == 200
        assert "The date to must be the same as or after the date from" in response.content.decode()

    def test_unknown_staff_code_or_crn_matches_nothing(self, log):
        assert self.get(staff="S999999") == [["No entries."]]
        assert self.get(crn="X999999") == [["No entries."]]

    def test_a_restricted_record_is_not_named(self, log):
        admin = staff(Grade.ADMIN)
        alice = log["alice"]
        head = staff(Grade.HEAD_OF_PDU, pdu=alice.pdu)
        restrict_to_staff(by=head, person=alice, staff=head, reason="A member of staff's relative")
        html = client_for(admin).get(URL).content.decode()
        assert not names(html, alice)
        assert "A record you may not see" in html
        assert self.get(crn=alice.crn) == [["No entries."]]

    def test_the_filter_is_shown_in_the_form(self, log):
        html = (
            client_for(staff(Grade.ADMIN)).get(URL, {"staff": "S100002", "crn": "X123456"}).content.decode()
        )
        assert re.search(r'name="staff" type="text" value="S100002"', html)
        assert re.search(r'name="crn" type="text" value="X123456"', html)


def test_an_administrator_sees_who_looked_at_a_record_on_its_page():
    po = staff(Grade.PO, first_name="Priya", last_name="Officer", staff_code="S900002")
    person = PersonFactory()
    log_person_view(staff=po, person_id=person.pk, channel=Channel.UI)
    admin = client_for(staff(Grade.ADMIN))
    html = admin.get(reverse("person-detail", args=[person.pk])).content.decode()
    assert 'id="who-looked"' in html and "Priya Officer (S900002)" in html
    # Not for those who may not read the access log.
    head = staff(Grade.HEAD_OF_PDU, pdu=person.pdu)
    assert (
        'id="who-looked"'
        not in client_for(head).get(reverse("person-detail", args=[person.pk])).content.decode()
    )


def test_paginates_at_50_keeping_the_filter():
    viewer = staff(Grade.PO, staff_code="S200001")
    other = staff(Grade.PO, staff_code="S200002")
    person = PersonFactory()
    for n in range(51):
        log_person_view(staff=viewer, person_id=person.pk, channel=Channel.UI, detail=f"view {n:02d}")
    log_person_view(staff=other, person_id=person.pk, channel=Channel.UI, detail="someone else")
    client = client_for(staff(Grade.ADMIN))
    first = client.get(URL, {"staff": "S200001"}).content.decode()
    assert [row[5] for row in entry_rows(first)] == [f"view {n:02d}" for n in range(50, 0, -1)]
    assert 'href="?staff=S200001&amp;page=2"' in first
    second = client.get(URL, {"staff": "S200001", "page": "2"}).content.decode()
    assert [row[5] for row in entry_rows(second)] == ["view 00"]
    # Unfiltered, the two readings above come first: each logged the one person it named.
    unfiltered = client.get(URL, {"page": "2"}).content.decode()
    assert [row[5] for row in entry_rows(unfiltered)] == ["view 03", "view 02", "view 01", "view 00"]
