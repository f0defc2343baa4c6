"""Restricted access, managed: heads of PDU (and administrators where the service says so) add and remove
staff on a record's exclusion and restriction lists, with a reason and a review date; each change is an
access-log event; a restriction list that leaves nobody able to manage the case is refused (services)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.urls import reverse

from evenhand.audit.models import AccessLogEntry, Action, Channel
from evenhand.org.models import Grade
from evenhand.people.access import can_view_person
from evenhand.people.models import Exclusion, Restriction
from evenhand.people.services import add_to_access_list, remove_from_access_list
from tests.factories import PDUFactory, PersonFactory, StaffMemberFactory, today
from tests.people.test_registration_views import client_for

pytestmark = pytest.mark.django_db

REVIEW = today() + dt.timedelta(days=90)


@pytest.fixture
def pdu():
    return PDUFactory()


@pytest.fixture
def head(pdu):
    return StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=pdu, with_user=True)


@pytest.fixture
def person(pdu):
    return PersonFactory(pdu=pdu)


def add(by, person, list_name, staff, reason="High-profile case", review_on=REVIEW, channel=Channel.UI):
    return add_to_access_list(
        by=by,
        person=person,
        list_name=list_name,
        staff=staff,
        reason=reason,
        review_on=review_on,
        channel=channel,
    )


def remove(by, person, list_name, staff, reason="No longer needed"):
    return remove_from_access_list(by=by, person=person, list_name=list_name, staff=staff, reason=reason)


def snapshot():
    return (
        list(Exclusion.objects.values_list("person_id", "staff_id").order_by("pk")),
        list(Restriction.objects.values_list("person_id", "staff_id").order_by("pk")),
        AccessLogEntry.objects.filter(action=Action.ACCESS).count(),
    )


class TestManage:
    def test_a_head_of_pdu_restricts_a_record_and_is_put_on_the_list(self, head, person, pdu):
        po = StaffMemberFactory(pdu=pdu)
        other = StaffMemberFactory(pdu=pdu)
        entry = add(head, person, "restriction", po)
        assert (entry.reason, entry.review_on, entry.added_by) == ("High-profile case", REVIEW, head)
        assert set(Restriction.objects.values_list("staff_id", flat=True)) == {po.pk, head.pk}
        assert can_view_person(po, person) and can_view_person(head, person)
        assert not can_view_person(other, person)

    def test_every_change_is_an_access_log_event(self, head, person, pdu):
        po = StaffMemberFactory(pdu=pdu)
        add(head, person, "exclusion", po, reason="Neighbour", channel=Channel.API)
        remove(head, person, "exclusion", po, reason="Moved away")
        events = list(
            AccessLogEntry.objects.filter(action=Action.ACCESS)
            .order_by("pk")
            .values_list("staff_id", "person_id", "channel", "detail")
        )
        assert events == [
            (
                head.pk,
                person.pk,
                "api",
                f"Added {po.staff_code} to the exclusion list: Neighbour (review by {REVIEW:%d %b %Y})",
            ),
            (head.pk, person.pk, "ui", f"Removed {po.staff_code} from the exclusion list: Moved away"),
        ]
        assert not Exclusion.objects.exists()

    def test_taking_the_last_off_the_restriction_list_lifts_the_restriction(self, head, person, pdu):
        po = StaffMemberFactory(pdu=pdu)
        add(head, person, "restriction", po)
        remove(head, person, "restriction", po)
        remove(head, person, "restriction", head)
        assert not Restriction.objects.exists()
        assert can_view_person(StaffMemberFactory(pdu=pdu), person)

    def test_excluding_someone_hides_the_record_from_them(self, head, person, pdu):
        po = StaffMemberFactory(pdu=pdu)
        assert can_view_person(po, person)
        add(head, person, "exclusion", po, reason="A relative")
        assert not can_view_person(po, person)


class TestNobodyLeftToManage:
    def test_the_last_manager_cannot_take_themselves_off_a_list_with_others_on_it(self, head, person, pdu):
        po = StaffMemberFactory(pdu=pdu)
        add(head, person, "restriction", po)
        before = snapshot()
        with pytest.raises(ValidationError) as caught:
            remove(head, person, "restriction", head)
        assert "nobody able to manage the case" in caught.value.message_dict["staff"][0]
        assert snapshot() == before

    def test_excluding_the_only_manager_on_a_restriction_list_is_refused(self, head, person, pdu):
        add(head, person, "restriction", StaffMemberFactory(pdu=pdu))
        other_head = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=pdu)
        before = snapshot()
        with pytest.raises(ValidationError):
            # other_head cannot see the restricted record, so is refused before that; the head cannot exclude
            # themselves and leave the list without a manager.
            add(head, person, "exclusion", head, reason="Conflict")
        assert snapshot() == before
        with pytest.raises(PermissionDenied):
            add(other_head, person, "exclusion", head)

    def test_a_second_manager_lets_the_first_step_down(self, head, person, pdu):
        deputy = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=pdu)
        add(head, person, "restriction", deputy)
        remove(head, person, "restriction", head)
        assert list(Restriction.objects.values_list("staff_id", flat=True)) == [deputy.pk]

    def test_a_head_of_another_pdu_does_not_count_as_a_manager(self, head, person, pdu):
        elsewhere = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=PDUFactory())
        add(head, person, "restriction", elsewhere)
        with pytest.raises(ValidationError):
            remove(head, person, "restriction", head)

    def test_a_leaver_does_not_count_as_a_manager(self, head, person, pdu):
        deputy = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=pdu)
        add(head, person, "restriction", deputy)
        deputy.end_date = today() - dt.timedelta(days=1)
        deputy.save()
        with pytest.raises(ValidationError):
            remove(head, person, "restriction", head)


class TestBadInput:
    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"list_name": "favourites"}, "list"),
            ({"reason": "  "}, "reason"),
            ({"reason": "x" * 201}, "reason"),
            ({"review_on": None}, "review_on"),
            ({"review_on": today()}, "review_on"),
            ({"review_on": today() + dt.timedelta(days=400)}, "review_on"),
        ],
    )
    def test_refused_by_field_and_nothing_written(self, head, person, pdu, changes, field):
        before = snapshot()
        fields = {"list_name": "exclusion", "reason": "A relative", "review_on": REVIEW} | changes
        with pytest.raises(ValidationError) as caught:
            add(
                head,
                person,
                fields["list_name"],
                StaffMemberFactory(pdu=pdu),
                fields["reason"],
                fields["review_on"],
            )
        assert field in caught.value.message_dict
        assert snapshot() == before

    def test_twice_on_one_list_is_refused(self, head, person, pdu):
        po = StaffMemberFactory(pdu=pdu)
        add(head, person, "exclusion", po)
        with pytest.raises(ValidationError) as caught:
            add(head, person, "exclusion", po)
        assert "already on the exclusion list" in caught.value.message_dict["staff"][0]

    def test_a_leaver_is_not_added(self, head, person, pdu):
        leaver = StaffMemberFactory(pdu=pdu, end_date=today() - dt.timedelta(days=3))
        with pytest.raises(ValidationError) as caught:
            add(head, person, "restriction", leaver)
        assert "staff" in caught.value.message_dict
        assert not Restriction.objects.exists()

    def test_removing_someone_not_on_the_list_is_refused(self, head, person, pdu):
        with pytest.raises(ValidationError) as caught:
            remove(head, person, "exclusion", StaffMemberFactory(pdu=pdu))
        assert "staff" in caught.value.message_dict
        assert not AccessLogEntry.objects.filter(action=Action.ACCESS).exists()


class TestWhoMayManage:
    @pytest.mark.parametrize(
        "grade", [Grade.PSO, Grade.PO, Grade.SPO, Grade.ANALYST, Grade.INSPECTOR, Grade.ADMIN]
    )
    def test_only_heads_of_pdu_manage_lists(self, person, pdu, grade):
        attacker = StaffMemberFactory(grade=grade, pdu=pdu)
        target = StaffMemberFactory(pdu=pdu)
        for list_name in ("exclusion", "restriction"):
            with pytest.raises(PermissionDenied):
                add(attacker, person, list_name, target)
        assert snapshot() == ([], [], 0)

    def test_a_head_of_another_pdu_cannot_manage(self, person, pdu):
        attacker = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=PDUFactory())
        with pytest.raises(PermissionDenied):
            add(attacker, person, "exclusion", StaffMemberFactory(pdu=pdu))
        assert snapshot() == ([], [], 0)

    def test_an_excluded_head_cannot_manage(self, head, person, pdu):
        deputy = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=pdu)
        add(head, person, "exclusion", deputy, reason="Conflict of interest")
        with pytest.raises(PermissionDenied):
            remove(deputy, person, "exclusion", deputy, reason="I am fine")
        assert Exclusion.objects.filter(staff=deputy).exists()

    def test_a_head_outside_the_restriction_list_cannot_manage(self, head, person, pdu):
        add(head, person, "restriction", StaffMemberFactory(pdu=pdu))
        deputy = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, pdu=pdu)
        with pytest.raises(PermissionDenied):
            add(deputy, person, "restriction", deputy)

    def test_administrators_manage_only_where_the_service_says_so(self, head, person, pdu):
        admin = StaffMemberFactory(grade=Grade.ADMIN, pdu=pdu)
        po = StaffMemberFactory(pdu=pdu)
        with pytest.raises(PermissionDenied):
            add(admin, person, "exclusion", po)
        with override_settings(EVENHAND_ADMINS_MANAGE_ACCESS=True):
            add(admin, person, "exclusion", po)
        assert Exclusion.objects.filter(staff=po, added_by=admin).exists()


# The person page


def person_page(viewer, person) -> str:
    response = client_for(viewer).get(reverse("person-detail", args=[person.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_person_page_says_who_manages_a_restricted_record_and_links_its_manager_to_the_lists(
    head, person, pdu
):
    po = StaffMemberFactory(grade=Grade.PO, pdu=pdu, with_user=True)
    add(head, person, "restriction", head)
    add(head, person, "restriction", po)
    for_head, for_po = person_page(head, person), person_page(po, person)
    assert f"Managed by {head.full_name}" in for_head and f"Managed by {head.full_name}" in for_po
    access = f'/people/{person.pk}/access/"'
    assert access in for_head and access not in for_po
    # Both work on the case: both are linked to the details and the diversity history.
    for page in (for_head, for_po):
        assert f'/people/{person.pk}/details/"' in page and f'/people/{person.pk}/diversity/"' in page


def test_a_head_of_another_pdu_is_not_linked_to_the_lists(person):
    other = StaffMemberFactory(grade=Grade.HEAD_OF_PDU, with_user=True)
    from tests.factories import AllocationFactory

    # Allocated the case, so they may open it, but the record is managed in its own PDU.
    AllocationFactory(sentence__person=person, practitioner=other)
    assert f'/people/{person.pk}/access/"' not in person_page(other, person)
