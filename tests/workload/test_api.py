"""The allocation API: queue, recommendation, allocation and the protocol, with the same rules as the web UI."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from evenhand.api.services import issue_api_token
from evenhand.audit.models import AccessLogEntry, Action
from evenhand.cases.models import Allocation
from evenhand.org.models import Grade, StaffMember
from evenhand.people.access import record_token
from evenhand.people.models import Exclusion
from evenhand.workload import services
from evenhand.workload.models import Consultation
from tests.factories import PDUFactory, StaffMemberFactory
from tests.workload.conftest import case_for, unallocated

pytestmark = pytest.mark.django_db
API = "/api/v1"


def api(staff: StaffMember) -> Client:
    token = issue_api_token(staff=staff, name="tests").raw
    return Client(headers={"Authorization": f"Bearer {token}"})


def today() -> str:
    return timezone.localdate().isoformat()


def decision(sentence, practitioner, **changes):
    return {
        "sentence_id": sentence.pk,
        "practitioner": practitioner.staff_code,
        "reason": "new_case",
        "rationale": "Capacity, and experience of similar cases.",
        **changes,
    }


def test_the_queue_for_a_manager(spo, po, pdu):
    waiting = unallocated(pdu, tier="B2", offences=[{"is_main": True, "hate_crime": True}])
    case_for(po, "C2")
    unallocated(PDUFactory())
    response = api(spo).get(f"{API}/allocations/queue")
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert (item["sentence_id"], item["crn"], item["tier"], item["flags"], item["consult_first"]) == (
        waiting.pk,
        waiting.person.crn,
        "B2",
        ["hate_crime"],
        True,
    )
    # Listing people is an export: one access log row for the person on the page.
    assert AccessLogEntry.objects.filter(person_id=waiting.person_id).count() == 1


@pytest.mark.parametrize("grade", [Grade.PO, Grade.PSO, Grade.ANALYST, Grade.ADMIN])
def test_only_managers_use_the_queue_and_allocate(pdu, po, grade):
    caller = StaffMemberFactory(grade=grade, pdu=pdu if grade in (Grade.PO, Grade.PSO) else None)
    sentence = unallocated(pdu)
    client = api(caller)
    assert client.get(f"{API}/allocations/queue").status_code == 403
    # An analyst addresses records by token; a plain id is no record to them.
    ref = record_token("sentence", sentence.pk) if grade == Grade.ANALYST else sentence.pk
    assert client.get(f"{API}/allocations/queue/{ref}/recommendation").status_code == 403
    # The refusal is an attempt on the person's record: logged.
    assert AccessLogEntry.objects.filter(
        staff=caller, person_id=sentence.person_id, action=Action.REFUSED
    ).exists()
    response = client.post(f"{API}/allocations", decision(sentence, po), content_type="application/json")
    assert response.status_code == 403
    assert Allocation.objects.count() == 0


def test_the_recommendation(spo, po, pso, pdu):
    sentence = unallocated(pdu, tier="A2", rosh="V")
    response = api(spo).get(f"{API}/allocations/queue/{sentence.pk}/recommendation")
    assert response.status_code == 200
    body = response.json()
    assert (body["grade_needed"], body["case_points"], body["protocol_flags"]) == ("PO", 158, [])
    by_code = {p["practitioner"]: p for p in body["practitioners"]}
    assert by_code[po.staff_code]["eligible"] is True
    assert Decimal(by_code[po.staff_code]["capacity_after"]) == Decimal("7.3")
    assert (by_code[pso.staff_code]["eligible"], by_code[pso.staff_code]["conflicts"]) == (
        False,
        ["The case needs a probation officer"],
    )
    assert [p["eligible"] for p in body["practitioners"]] == [True, False]
    # Another PDU's case answers as if it did not exist.
    other = unallocated(PDUFactory())
    assert api(spo).get(f"{API}/allocations/queue/{other.pk}/recommendation").status_code == 404


def test_wrong_grade_is_refused_with_nothing_written(spo, pso, pdu):
    sentence = unallocated(pdu, rosh="H")
    response = api(spo).post(f"{API}/allocations", decision(sentence, pso), content_type="application/json")
    assert response.status_code == 422
    assert "probation officer" in response.json()["errors"]["practitioner"][0]
    assert Allocation.objects.count() == 0


def test_the_protocol_end_to_end_over_the_api(spo, po, pdu):
    sentence = unallocated(
        pdu, tier="C2", offences=[{"is_main": True, "racially_or_religiously_aggravated": True}]
    )
    manager, practitioner = api(spo), api(po)
    allocate = lambda: manager.post(  # noqa: E731
        f"{API}/allocations", decision(sentence, po), content_type="application/json"
    )

    refused = allocate()
    assert refused.status_code == 422
    assert refused.json()["errors"]["practitioner"] == [
        f"Consult {po.full_name} first: record that they were consulted and agreed before allocating"
    ]
    assert Allocation.objects.count() == 0

    recorded = manager.post(
        f"{API}/allocations/consultations",
        {
            "sentence_id": sentence.pk,
            "practitioner": po.staff_code,
            "consulted_on": today(),
            "notes": "At supervision",
        },
        content_type="application/json",
    )
    assert recorded.status_code == 201
    consultation_id = recorded.json()["id"]
    assert recorded.json()["response"] == "pending"
    assert allocate().status_code == 422

    # Only the practitioner, with their own credentials, can answer: anyone else is told it does not exist.
    answer = f"{API}/allocations/consultations/{consultation_id}/answer"
    assert manager.post(answer, {"agreed": True}, content_type="application/json").status_code == 404
    assert [c["id"] for c in practitioner.get(f"{API}/allocations/consultations").json()] == [consultation_id]
    answered = practitioner.post(
        answer, {"agreed": True, "comment": "Happy to"}, content_type="application/json"
    )
    assert answered.status_code == 200 and answered.json()["response"] == "agreed"

    done = allocate()
    assert done.status_code == 201, done.content
    body = done.json()
    # 63 points of 2176: from 0% to 2.9%
    assert (body["practitioner"], body["allocated_by"], body["reason"]) == (
        po.staff_code,
        spo.staff_code,
        "new_case",
    )
    assert (Decimal(body["capacity_before"]), Decimal(body["capacity_after"])) == (
        Decimal("0.0"),
        Decimal("2.9"),
    )
    assert Consultation.objects.get().allocation_id == body["id"]


def test_my_workload_over_the_api(po, pso, spo):
    case_for(po, "B2")
    response = api(po).get(f"{API}/workload/me")
    assert response.status_code == 200
    body = response.json()
    assert (body["points"], Decimal(body["capacity"]), body["weighting_version"]) == (115, Decimal("5.3"), 1)
    assert [(c["tier"], c["points"], c["case_type"]) for c in body["cases"]] == [("B2", 115, "community")]
    assert api(pso).get(f"{API}/workload/staff/{po.staff_code}").status_code == 404
    assert api(spo).get(f"{API}/workload/staff/{po.staff_code}").status_code == 200
    past = api(po).get(f"{API}/workload/me?on={(dt.date(2025, 1, 1)).isoformat()}").json()
    assert past["points"] == 0


def test_the_api_is_described():
    schema = Client().get(f"{API}/openapi.json").json()
    assert {f"{API}/allocations", f"{API}/allocations/queue", f"{API}/workload/me"} <= set(schema["paths"])
    reasons = schema["components"]["schemas"]["AllocationReason"]["enum"]
    assert reasons == [
        "new_case",
        "caseload_adjustment",
        "tier_or_risk",
        "change_of_address",
        "officer_left",
        "risk_to_staff",
        "transfer_in",
        "other",
    ]


# --- the door: one refusal rule, what is logged -----------------------------------------------------------


def test_a_queued_sentence_out_of_reach_answers_404_like_a_missing_one_and_is_logged(spo, po, pdu):
    elsewhere = unallocated(PDUFactory())
    excluded = unallocated(pdu)
    Exclusion.objects.create(person=excluded.person, staff=spo, reason="Known to them")
    client = api(spo)
    missing = client.get(f"{API}/allocations/queue/999999999/recommendation")
    assert missing.status_code == 404
    for sentence in (elsewhere, excluded):
        read = client.get(f"{API}/allocations/queue/{sentence.pk}/recommendation")
        written = client.post(f"{API}/allocations", decision(sentence, po), content_type="application/json")
        consulted = client.post(
            f"{API}/allocations/consultations",
            {"sentence_id": sentence.pk, "practitioner": po.staff_code, "consulted_on": today()},
            content_type="application/json",
        )
        for response in (read, written, consulted):
            assert (response.status_code, response.json()["detail"]) == (404, missing.json()["detail"])
        entries = AccessLogEntry.objects.filter(person_id=sentence.person_id)
        assert list(entries.values_list("staff", "action", "channel")) == [(spo.pk, "refused", "api")] * 3
    assert Allocation.objects.count() == Consultation.objects.count() == 0


def test_the_queue_logs_one_export_row_per_person_on_the_page(spo, pdu):
    waiting = [unallocated(pdu, start_date=dt.date(2026, 1, 1) + dt.timedelta(days=n)) for n in range(3)]
    body = api(spo).get(f"{API}/allocations/queue?limit=2&offset=1").json()
    assert body["count"] == 3
    assert [item["sentence_id"] for item in body["items"]] == [s.pk for s in waiting[1:]]
    exports = AccessLogEntry.objects.filter(staff=spo, action=Action.EXPORT, channel="api")
    assert sorted(exports.values_list("person_id", flat=True)) == sorted(s.person_id for s in waiting[1:])


def test_an_exclusion_after_a_consultation_hides_the_person_over_the_api(spo, po, pdu):
    sentence = unallocated(pdu, offences=[{"is_main": True, "hate_crime": True}])
    consultation = services.record_consultation(
        by=spo,
        sentence=sentence,
        practitioner=po,
        consulted_on=timezone.localdate(),
        notes="About the family",
    )
    Exclusion.objects.create(person=sentence.person, staff=po, reason="A relative")
    client = api(po)
    [listed] = client.get(f"{API}/allocations/consultations").json()
    assert (listed["id"], listed["sentence_id"], listed["notes"]) == (consultation.pk, None, None)
    answered = client.post(
        f"{API}/allocations/consultations/{consultation.pk}/answer",
        {"agreed": True},
        content_type="application/json",
    )
    assert answered.status_code == 404
    assert Consultation.objects.get().response == "pending"
    refused = AccessLogEntry.objects.get(person_id=sentence.person_id, staff=po)
    assert (refused.action, refused.channel) == (Action.REFUSED, "api")


def test_a_day_before_the_first_weighting_table_is_not_found(po):
    response = api(po).get(f"{API}/workload/me?on=1900-01-01")
    assert response.status_code == 404
    assert "No workload weighting table is in force on 01 January 1900" in response.json()["detail"]


def test_a_leaver_is_refused_every_workload_operation(spo, po, pdu):
    sentence = unallocated(pdu)
    consultation = services.record_consultation(
        by=spo, sentence=sentence, practitioner=po, consulted_on=timezone.localdate()
    )
    clients = {staff: api(staff) for staff in (spo, po)}
    for leaver in (spo, po):
        leaver.end_date = timezone.localdate() - dt.timedelta(days=1)
        leaver.save(update_fields=["end_date"])
    operations = [
        ("get", f"{API}/allocations/queue", None),
        ("get", f"{API}/allocations/queue/{sentence.pk}/recommendation", None),
        ("post", f"{API}/allocations", decision(sentence, po)),
        (
            "post",
            f"{API}/allocations/consultations",
            {"sentence_id": sentence.pk, "practitioner": po.staff_code},
        ),
        ("get", f"{API}/allocations/consultations", None),
        ("post", f"{API}/allocations/consultations/{consultation.pk}/answer", {"agreed": True}),
        ("get", f"{API}/allocations/{sentence.pk}/history", None),
        ("get", f"{API}/workload/me", None),
        ("get", f"{API}/workload/staff/{po.staff_code}", None),
        ("post", f"{API}/allocations/transfers", {"sentence_id": sentence.pk, "to_pdu": "X", "reason": "x"}),
        (
            "post",
            f"{API}/allocations/reallocations",
            {"sentence_id": sentence.pk, "practitioner": po.staff_code, "reason": "other", "rationale": "x"},
        ),
        (
            "post",
            f"{API}/allocations/corrections",
            {"sentence_id": sentence.pk, "practitioner": po.staff_code, "reason": "x"},
        ),
    ]
    schema = Client().get(f"{API}/openapi.json").json()
    described = {
        (method, path)
        for path, methods in schema["paths"].items()
        if path.startswith((f"{API}/allocations", f"{API}/workload"))
        for method in methods
    }
    assert len(described) == len(operations)  # every workload operation is in the list above
    for client in clients.values():
        for method, url, body in operations:
            response = getattr(client, method)(url, body, content_type="application/json")
            assert response.status_code == 401, (method, url)
    assert not AccessLogEntry.objects.exists()
