"""Reading the access log: newest first, by member of staff and by person, a page at a time."""

import pytest

from evenhand.audit.models import Channel
from evenhand.audit.selectors import access_log_page
from evenhand.audit.services import log_export, log_person_view
from tests.factories import PersonFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def log():
    first, second = StaffMemberFactory(staff_code="S100001"), StaffMemberFactory(staff_code="S100002")
    alice, bob = PersonFactory(), PersonFactory()
    for who, whom in ((first, alice), (second, bob), (second, alice)):
        log_person_view(staff=who, person_id=whom.pk, channel=Channel.UI)
    log_export(staff=first, channel=Channel.API, detail="Caseload CSV")
    return {"first": first, "second": second, "alice": alice, "bob": bob}


def shown(**filters) -> list[tuple[str, int | None]]:
    return [(entry.staff.staff_code, entry.person_id) for entry in access_log_page(**filters)]


def test_newest_first(log):
    assert shown() == [
        ("S100001", None),
        ("S100002", log["alice"].pk),
        ("S100002", log["bob"].pk),
        ("S100001", log["alice"].pk),
    ]


def test_by_staff_code_and_person(log):
    assert shown(staff_code="S100002") == [("S100002", log["alice"].pk), ("S100002", log["bob"].pk)]
    assert shown(person=str(log["alice"].pk)) == [("S100002", log["alice"].pk), ("S100001", log["alice"].pk)]
    assert shown(staff_code="S100001", person=str(log["bob"].pk)) == []


@pytest.mark.parametrize("person", ["bob", "-1", "1.5", "²", "\N{ARABIC-INDIC DIGIT ONE}"])
def test_a_person_that_is_not_a_number_is_ignored(log, person):
    assert len(shown(person=person)) == 4


@pytest.mark.parametrize("person", ["9223372036854775808", "99999999999999999999", "1" * 400])
def test_a_number_no_record_can_have_matches_nothing(log, person):
    assert shown(person=person) == []


def test_one_query_for_the_entries_and_their_staff(log, django_assert_num_queries):
    with django_assert_num_queries(2):  # the count for the paginator, and the page
        assert len(list(access_log_page(page="1"))) == 4
