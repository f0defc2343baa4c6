"""Whether a member of staff may use Evenhand today: the first check of every page and API call."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse

from evenhand.audit.models import AccessLogEntry, Action
from evenhand.org.access import NotCurrentStaff, is_current, staff_of
from evenhand.org.models import Grade
from tests.factories import (
    AllocationFactory,
    PersonFactory,
    SentenceFactory,
    StaffMemberFactory,
    names,
    today,
)

pytestmark = pytest.mark.django_db


def signed_in(staff) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client


class TestIsCurrent:
    def test_employed_today(self):
        assert is_current(StaffMemberFactory(end_date=None))

    @pytest.mark.parametrize(("ends", "current"), [(-1, False), (0, True), (1, True)])
    def test_the_last_day_counts(self, ends, current):
        staff = StaffMemberFactory(end_date=today() + dt.timedelta(days=ends))
        assert is_current(staff) is current

    def test_not_started_yet(self):
        assert not is_current(StaffMemberFactory(start_date=today() + dt.timedelta(days=1)))

    def test_a_switched_off_log_in(self):
        staff = StaffMemberFactory(with_user=True)
        staff.user.is_active = False
        assert not is_current(staff)

    def test_on_a_given_day(self):
        staff = StaffMemberFactory(end_date=today() - dt.timedelta(days=10))
        assert is_current(staff, on=today() - dt.timedelta(days=20))


class TestStaffOf:
    def test_a_leaver_is_refused(self):
        leaver = StaffMemberFactory(with_user=True, end_date=today() - dt.timedelta(days=1))
        request = RequestFactory().get("/")
        request.user = leaver.user
        with pytest.raises(NotCurrentStaff):
            staff_of(request)

    def test_a_user_without_a_staff_record_is_refused(self, django_user_model):
        request = RequestFactory().get("/")
        request.user = django_user_model.objects.create(username="nobody")
        with pytest.raises(PermissionDenied):
            staff_of(request)


class TestLeaverOnTheWeb:
    """Found in review: a leaver kept full web access to every record of their PDU."""

    def test_a_leaver_cannot_open_the_record_of_a_case_they_held(self):
        leaver = StaffMemberFactory(grade=Grade.PO, with_user=True)
        person = PersonFactory(pdu=leaver.team.pdu)
        AllocationFactory(sentence=SentenceFactory(person=person), practitioner=leaver)
        client = signed_in(leaver)
        assert client.get(reverse("person-detail", args=[person.pk])).status_code == 200
        leaver.end_date = today() - dt.timedelta(days=1)
        leaver.save(update_fields=["end_date"])
        for url in (
            reverse("person-detail", args=[person.pk]),
            reverse("my-cases"),
            reverse("my-cases-csv"),
            reverse("record-contact", args=[person.pk]),
        ):
            response = client.get(url)
            assert response.status_code == 403, url
            assert not names(response.content.decode(), person), url
        # Only the first view, from before they left; each attempt on the record since is logged as refused
        # (the person page and the contact form; My cases and its export name nobody before they are shown).
        views = AccessLogEntry.objects.filter(staff=leaver, action=Action.VIEW)
        assert views.count() == 1
        refused = AccessLogEntry.objects.filter(staff=leaver, action=Action.REFUSED)
        assert list(refused.values_list("person_id", flat=True)) == [person.pk, person.pk]

    def test_a_leaver_cannot_record_a_contact(self):
        leaver = StaffMemberFactory(grade=Grade.PO, with_user=True)
        person = PersonFactory(pdu=leaver.team.pdu)
        AllocationFactory(sentence=SentenceFactory(person=person), practitioner=leaver)
        client = signed_in(leaver)
        leaver.end_date = today() - dt.timedelta(days=1)
        leaver.save(update_fields=["end_date"])
        response = client.post(reverse("record-contact", args=[person.pk]), {"type": "office"})
        assert response.status_code == 403
        assert not person.contacts.exists()
