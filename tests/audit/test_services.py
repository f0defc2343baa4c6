import pytest
from django.db.models import ProtectedError
from django.utils import timezone

from evenhand.audit.models import AccessLogEntry, Action, Channel
from evenhand.audit.services import log_export, log_person_view
from evenhand.org.models import Grade
from tests.factories import PersonFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("channel", list(Channel))
def test_a_view_of_a_person_record_is_logged(channel):
    staff = StaffMemberFactory(grade=Grade.PO)
    person = PersonFactory()
    before = timezone.now()
    entry = log_person_view(staff=staff, person_id=person.pk, channel=channel, detail="Opened the timeline")
    stored = AccessLogEntry.objects.get()
    assert stored.pk == entry.pk
    assert (stored.staff, stored.person_id, stored.action, stored.channel, stored.detail) == (
        staff,
        person.pk,
        Action.VIEW,
        channel,
        "Opened the timeline",
    )
    assert before <= stored.at <= timezone.now()


def test_view_detail_is_cut_to_fit():
    staff = StaffMemberFactory()
    log_person_view(staff=staff, person_id=1, channel=Channel.UI, detail="x" * 400)
    assert AccessLogEntry.objects.get().detail == "x" * 300


def test_the_log_outlives_the_person():
    staff = StaffMemberFactory()
    person = PersonFactory()
    log_person_view(staff=staff, person_id=person.pk, channel=Channel.API)
    person_id = person.pk
    person.delete()
    assert AccessLogEntry.objects.get().person_id == person_id


def test_staff_with_log_entries_cannot_be_deleted():
    staff = StaffMemberFactory()
    log_person_view(staff=staff, person_id=1, channel=Channel.UI)
    with pytest.raises(ProtectedError):
        staff.delete()


def test_an_export_writes_one_row_for_each_person_in_it():
    analyst = StaffMemberFactory(grade=Grade.ANALYST)
    before = timezone.now()
    entries = log_export(
        staff=analyst, channel=Channel.COMMAND, detail="Breach rates by ethnic group", person_ids=[3, 5, 8, 5]
    )
    stored = AccessLogEntry.objects.order_by("person_id")
    assert sorted(e.pk for e in entries) == sorted(stored.values_list("pk", flat=True))
    # Each person once, so "who has seen this record" is one indexed query.
    assert list(stored.values_list("person_id", flat=True)) == [3, 5, 8]
    for row in stored:
        assert (row.staff, row.action, row.channel, row.detail) == (
            analyst,
            Action.EXPORT,
            Channel.COMMAND,
            "Breach rates by ethnic group",
        )
        assert before <= row.at <= timezone.now()
    assert AccessLogEntry.objects.filter(person_id=5, action=Action.EXPORT).count() == 1


@pytest.mark.parametrize("person_ids", [None, []])
def test_an_export_naming_nobody_writes_one_row(person_ids):
    staff = StaffMemberFactory()
    (entry,) = log_export(staff=staff, channel=Channel.UI, detail="My cases CSV", person_ids=person_ids)
    stored = AccessLogEntry.objects.get()
    assert stored.pk == entry.pk
    assert (stored.person_id, stored.action, stored.detail) == (None, Action.EXPORT, "My cases CSV")


def test_export_detail_is_cut_to_fit():
    staff = StaffMemberFactory()
    log_export(staff=staff, channel=Channel.API, detail="q=" + "a" * 400, person_ids=[1, 2])
    assert {len(d) for d in AccessLogEntry.objects.values_list("detail", flat=True)} == {300}


def test_entries_newest_first():
    staff = StaffMemberFactory()
    first = log_person_view(staff=staff, person_id=1, channel=Channel.UI)
    second = log_person_view(staff=staff, person_id=2, channel=Channel.UI)
    assert list(AccessLogEntry.objects.all()) == [second, first]
