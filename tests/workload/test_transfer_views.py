"""Transfer, reallocation and correction pages: the decision made in the browser, bad input shown on the form
with nothing written, and the pages refused to another PDU's SPO, a practitioner and an analyst."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from evenhand.cases.models import Allocation, AllocationReason
from evenhand.org.models import Grade, StaffMember
from evenhand.people.models import Person
from evenhand.workload import services
from evenhand.workload.models import AllocationCorrection, Transfer
from tests.factories import PDUFactory, StaffMemberFactory, TeamFactory
from tests.workload.conftest import case_for, unallocated
from tests.workload.test_views import client_for, text

pytestmark = pytest.mark.django_db
A_YEAR_AGO = timezone.localdate() - dt.timedelta(days=365)


def held(po: StaffMember) -> Allocation:
    return case_for(po, "C2", start=A_YEAR_AGO, assessed_on=A_YEAR_AGO)


def test_transfer_page_moves_the_case_to_the_receiving_queue(spo: StaffMember, po: StaffMember) -> None:
    allocation = held(po)
    leeds = PDUFactory(name="Leeds")
    receiving_spo = StaffMemberFactory(grade=Grade.SPO, team=TeamFactory(pdu=leeds), with_user=True)
    url = reverse("transfer-case", args=[allocation.sentence.pk])
    page = text(client_for(spo).get(url))
    assert "Leeds" in page and "Transfer" in page
    response = client_for(spo).post(url, {"to_pdu": leeds.pk, "reason": "Moved to Leeds"})
    assert response.status_code == 302
    assert Person.objects.get(pk=allocation.sentence.person_id).pdu == leeds
    queue = text(client_for(receiving_spo).get(reverse("allocation-queue")))
    assert allocation.sentence.person.crn in queue
    allocate = text(client_for(receiving_spo).get(reverse("allocate-case", args=[allocation.sentence.pk])))
    assert "in the sending PDU until you allocate" in allocate


def test_transfer_page_refuses_the_same_pdu_and_a_missing_reason_on_the_form(
    spo: StaffMember, po: StaffMember
) -> None:
    allocation = held(po)
    url = reverse("transfer-case", args=[allocation.sentence.pk])
    response = client_for(spo).post(url, {"to_pdu": po.team.pdu.pk, "reason": "Moved"})
    assert response.status_code == 200  # own PDU is not offered: the form refuses the choice
    assert "govuk-error-summary" in response.content.decode()
    other = PDUFactory()
    response = client_for(spo).post(url, {"to_pdu": other.pk, "reason": ""})
    assert response.status_code == 200 and 'href="#id_reason"' in response.content.decode()
    assert not Transfer.objects.exists()


def test_transfer_and_correct_pages_are_refused_to_other_roles(spo: StaffMember, po: StaffMember) -> None:
    allocation = held(po)
    other_spo = StaffMemberFactory(grade=Grade.SPO, team=TeamFactory(pdu=PDUFactory()), with_user=True)
    analyst = StaffMemberFactory(grade=Grade.ANALYST, with_user=True)
    for name in ("transfer-case", "correct-allocation"):
        url = reverse(name, args=[allocation.sentence.pk])
        for attacker in (other_spo, po):
            assert client_for(attacker).get(url).status_code in (403, 404)
            assert client_for(attacker).post(
                url, {"to_pdu": other_spo.team.pdu.pk, "reason": "x"}
            ).status_code in (
                403,
                404,
            )
        assert client_for(analyst).get(url).status_code in (403, 404)
    assert not Transfer.objects.exists() and not AllocationCorrection.objects.exists()


def test_reallocation_on_the_allocate_page_offers_the_reallocation_reasons(
    spo: StaffMember, po: StaffMember
) -> None:
    allocation = held(po)
    other = StaffMemberFactory(grade=Grade.PO, team=spo.team, with_user=True)
    url = reverse("allocate-case", args=[allocation.sentence.pk])
    page = client_for(spo).get(url).content.decode()
    assert 'value="officer_left"' in page and 'value="new_case"' not in page and "Reallocate" in page
    response = client_for(spo).post(
        url,
        {
            "practitioner": other.pk,
            "reason": "",
            "rationale": "Balance",
            "start_date-day": "1",
            "start_date-month": "1",
            "start_date-year": "2030",
        },
    )
    assert response.status_code == 200 and 'href="#id_reason"' in response.content.decode()
    assert Allocation.objects.filter(sentence=allocation.sentence).count() == 1
    today = timezone.localdate()
    response = client_for(spo).post(
        url,
        {
            "practitioner": other.pk,
            "reason": AllocationReason.OFFICER_LEFT,
            "rationale": "Their officer left",
            "start_date-day": str(today.day),
            "start_date-month": str(today.month),
            "start_date-year": str(today.year),
        },
    )
    assert response.status_code == 302
    assert Allocation.objects.get(sentence=allocation.sentence, end_date__isnull=True).practitioner == other


def test_correct_page_records_a_correction_today(spo: StaffMember, po: StaffMember) -> None:
    allocation = held(po)
    wrong = StaffMemberFactory(grade=Grade.PO, team=spo.team, with_user=True)
    right = StaffMemberFactory(grade=Grade.PO, team=spo.team, with_user=True)

    mistaken = services.reallocate_case(
        by=spo, sentence=allocation.sentence, practitioner=wrong, reason=AllocationReason.OTHER, rationale="x"
    )
    allocate_page = text(client_for(spo).get(reverse("allocate-case", args=[allocation.sentence.pk])))
    assert "Correct today's allocation" in allocate_page
    url = reverse("correct-allocation", args=[allocation.sentence.pk])
    response = client_for(spo).post(url, {"practitioner": right.pk, "reason": ""})
    assert response.status_code == 200 and not AllocationCorrection.objects.exists()
    response = client_for(spo).post(url, {"practitioner": right.pk, "reason": "Picked the wrong name"})
    assert response.status_code == 302
    correction = AllocationCorrection.objects.get()
    assert correction.corrects == mistaken and correction.replacement.practitioner == right


def test_the_person_page_links_managers_to_the_allocation_decisions(
    spo: StaffMember, po: StaffMember
) -> None:
    allocation = held(po)
    person = allocation.sentence.person
    link = f'href="{reverse("allocate-case", args=[allocation.sentence.pk])}"'
    assert link in client_for(spo).get(reverse("person-detail", args=[person.pk])).content.decode()
    assert link not in client_for(po).get(reverse("person-detail", args=[person.pk])).content.decode()


def test_the_correct_page_of_an_unallocated_case_says_there_is_nothing_to_correct(spo: StaffMember) -> None:
    sentence = unallocated(spo.team.pdu)
    url = reverse("correct-allocation", args=[sentence.pk])
    for response in (client_for(spo).get(url), client_for(spo).post(url, {"practitioner": 1, "reason": "x"})):
        assert response.status_code == 200 and "no allocation to correct" in text(response)
    assert not AllocationCorrection.objects.exists()
