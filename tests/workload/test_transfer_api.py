"""Transfers, reallocations and corrections through /api/v1: the same rules and messages as the services, the
field named in each refusal, nothing written, and the operations refused to another PDU's SPO, a practitioner
and an analyst."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from evenhand.cases.models import Allocation, AllocationReason
from evenhand.org.models import Grade, StaffMember
from evenhand.people.models import Person
from evenhand.workload.models import AllocationCorrection, Transfer
from tests.factories import PDUFactory, StaffMemberFactory, TeamFactory
from tests.workload.conftest import case_for
from tests.workload.test_api import API, api

pytestmark = pytest.mark.django_db
A_YEAR_AGO = timezone.localdate() - dt.timedelta(days=365)


def held(po: StaffMember) -> Allocation:
    return case_for(po, "C2", start=A_YEAR_AGO, assessed_on=A_YEAR_AGO)


def post(staff: StaffMember, path: str, body: dict[str, Any]) -> Any:
    return api(staff).post(f"{API}/allocations/{path}", body, content_type="application/json")


def error_fields(response: Any) -> set[str]:
    body = response.json()
    return {e.get("field") for e in body.get("errors", [])} if "errors" in body else set(body)


def test_transfer_through_the_api(spo: StaffMember, po: StaffMember) -> None:
    allocation = held(po)
    leeds = PDUFactory()
    body = {"sentence_id": allocation.sentence_id, "to_pdu": leeds.code, "reason": "Moved"}
    response = post(spo, "transfers", body)
    assert response.status_code == 201, response.content
    assert response.json() == {
        "sentence_ids": [allocation.sentence_id],
        "from_pdu": po.team.pdu.code,
        "to_pdu": leeds.code,
    }
    assert Person.objects.get(pk=allocation.sentence.person_id).pdu == leeds


@pytest.mark.parametrize(
    "change, field",
    [({"to_pdu": "SAME"}, "to_pdu"), ({"to_pdu": "NOPE"}, "to_pdu"), ({"reason": " "}, "reason")],
)
def test_bad_transfers_are_refused_naming_the_field(
    spo: StaffMember, po: StaffMember, change: dict[str, str], field: str
) -> None:
    allocation = held(po)
    body = {"sentence_id": allocation.sentence_id, "to_pdu": PDUFactory().code, "reason": "Moved", **change}
    if body["to_pdu"] == "SAME":
        body["to_pdu"] = po.team.pdu.code
    response = post(spo, "transfers", body)
    assert response.status_code == 422
    assert field in response.content.decode()
    assert not Transfer.objects.exists()


def test_transfer_reallocation_and_correction_refused_to_other_roles(
    spo: StaffMember, po: StaffMember
) -> None:
    allocation = held(po)
    other_spo = StaffMemberFactory(grade=Grade.SPO, team=TeamFactory(pdu=PDUFactory()), with_user=True)
    analyst = StaffMemberFactory(grade=Grade.ANALYST, with_user=True)
    colleague = StaffMemberFactory(grade=Grade.PO, team=spo.team)
    bodies = {
        "transfers": {
            "sentence_id": allocation.sentence_id,
            "to_pdu": other_spo.team.pdu.code,
            "reason": "x",
        },
        "reallocations": {
            "sentence_id": allocation.sentence_id,
            "practitioner": colleague.staff_code,
            "reason": AllocationReason.OTHER,
            "rationale": "x",
        },
        "corrections": {
            "sentence_id": allocation.sentence_id,
            "practitioner": colleague.staff_code,
            "reason": "x",
        },
    }
    for path, body in bodies.items():
        for attacker in (other_spo, po, analyst):
            assert post(attacker, path, body).status_code in (403, 404), (path, attacker.role)
    assert not Transfer.objects.exists() and not AllocationCorrection.objects.exists()
    assert Allocation.objects.filter(sentence=allocation.sentence).count() == 1


def test_reallocation_and_correction_through_the_api(spo: StaffMember, po: StaffMember) -> None:
    allocation = held(po)
    wrong = StaffMemberFactory(grade=Grade.PO, team=spo.team)
    right = StaffMemberFactory(grade=Grade.PO, team=spo.team)
    body = {
        "sentence_id": allocation.sentence_id,
        "practitioner": wrong.staff_code,
        "reason": AllocationReason.NEW_CASE,
        "rationale": "Balance",
    }
    refused = post(spo, "reallocations", body)
    assert refused.status_code == 422 and "reason" in refused.content.decode()
    made = post(spo, "reallocations", {**body, "reason": AllocationReason.CASELOAD_ADJUSTMENT})
    assert made.status_code == 201, made.content
    correction = {"sentence_id": allocation.sentence_id, "practitioner": right.staff_code, "reason": ""}
    refused = post(spo, "corrections", correction)
    assert refused.status_code == 422 and "reason" in refused.content.decode()
    corrected = post(spo, "corrections", {**correction, "reason": "Wrong name"})
    assert corrected.status_code == 201, corrected.content
    assert corrected.json()["corrects"] == made.json()["id"]
    assert corrected.json()["replacement"]["practitioner"] == right.staff_code


def test_a_correction_after_the_day_is_refused_through_the_api(spo: StaffMember, po: StaffMember) -> None:
    allocation = held(po)
    Allocation.objects.filter(pk=allocation.pk).update(allocated_at=timezone.now() - dt.timedelta(days=1))
    right = StaffMemberFactory(grade=Grade.PO, team=spo.team)
    body = {"sentence_id": allocation.sentence_id, "practitioner": right.staff_code, "reason": "Wrong name"}
    response = post(spo, "corrections", body)
    assert response.status_code == 422 and "sentence_id" in response.content.decode()
    assert not AllocationCorrection.objects.exists()
