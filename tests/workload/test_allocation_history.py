"""A sentence's allocation history, on its page and through the API: every allocation, transfer and correction,
latest first, shaped for the viewer (analysts: no names, no rationale, dates to the month) and refused, with a
logged refusal, to someone who may not see the person."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from evenhand.audit.models import AccessLogEntry, Action
from evenhand.cases.models import AllocationReason
from evenhand.org.models import Grade, StaffMember
from evenhand.people.access import record_token
from evenhand.workload import services
from tests.factories import PDUFactory, StaffMemberFactory, TeamFactory
from tests.workload.conftest import case_for
from tests.workload.test_api import API, api
from tests.workload.test_views import client_for, text

pytestmark = pytest.mark.django_db
A_YEAR_AGO = timezone.localdate() - dt.timedelta(days=365)


def history_of_three_decisions(spo: StaffMember, po: StaffMember):
    """Held by ``po`` for a year, reallocated today to the wrong PO, corrected to the right one, transferred."""
    first = case_for(po, "C2", start=A_YEAR_AGO, assessed_on=A_YEAR_AGO)
    wrong = StaffMemberFactory(grade=Grade.PO, team=spo.team, first_name="Wendy", last_name="Wrong")
    right = StaffMemberFactory(grade=Grade.PO, team=spo.team, first_name="Rita", last_name="Right")
    mistaken = services.reallocate_case(
        by=spo,
        sentence=first.sentence,
        practitioner=wrong,
        reason=AllocationReason.CASELOAD_ADJUSTMENT,
        rationale="Has capacity and knows the area well.",
    )
    services.correct_allocation(
        by=spo, allocation=mistaken, practitioner=right, reason="Picked the wrong name"
    )
    leeds = PDUFactory(name="Leeds")
    services.transfer_person(by=spo, person=first.sentence.person, to_pdu=leeds, reason="Moved to Leeds")
    return first.sentence


def test_the_history_lists_every_decision_latest_first_with_who_and_why(
    spo: StaffMember, po: StaffMember
) -> None:
    sentence = history_of_three_decisions(spo, po)
    response = api(spo).get(f"{API}/allocations/{sentence.pk}/history")
    # The person has moved to Leeds: their old SPO no longer sees them, so the history is refused as missing.
    assert response.status_code == 404
    receiving = StaffMemberFactory(
        grade=Grade.SPO,
        team=TeamFactory(pdu=sentence.person.__class__.objects.get(pk=sentence.person_id).pdu),
        with_user=True,
    )
    body = api(receiving).get(f"{API}/allocations/{sentence.pk}/history").json()
    kinds = [e["kind"] for e in body["events"]]
    assert kinds == ["transfer", "correction", "allocation", "allocation", "allocation"]
    transfer, correction, replacement, mistaken, original = body["events"]
    assert (transfer["to_pdu"], transfer["rationale"]) == ("Leeds", "Moved to Leeds")
    assert "Waiting in Leeds" in transfer["status"]
    assert correction["rationale"] == "Picked the wrong name"
    assert replacement["practitioner"].startswith("Rita Right") and "replaced" in replacement["status"]
    assert mistaken["practitioner"].startswith("Wendy Wrong") and "in error" in mistaken["status"]
    assert mistaken["start_date"] == mistaken["end_date"] == str(timezone.localdate())
    # Reallocation ends the earlier allocation the day before the new one starts.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    assert original["end_date"] == str(yesterday) and original["status"] == "Ended"

    page = text(client_for(receiving).get(reverse("allocation-history", args=[sentence.pk])))
    assert "Transferred from" in page and "Picked the wrong name" in page and "Wendy Wrong" in page


def test_analysts_see_the_history_without_names_or_reasons_by_token(
    spo: StaffMember, po: StaffMember
) -> None:
    sentence = history_of_three_decisions(spo, po)
    analyst = StaffMemberFactory(grade=Grade.ANALYST, with_user=True)
    assert api(analyst).get(f"{API}/allocations/{sentence.pk}/history").status_code == 404
    body = api(analyst).get(f"{API}/allocations/{record_token('sentence', sentence.pk)}/history").json()
    assert body["sentence_id"] is None and body["sentence_token"] == record_token("sentence", sentence.pk)
    for event in body["events"]:
        assert (event["by"], event["practitioner"], event["rationale"]) == (None, None, None)
        assert event["at"][8:10] == "01"
    page = text(
        client_for(analyst).get(reverse("allocation-history", args=[record_token("sentence", sentence.pk)]))
    )
    assert "Wendy" not in page and "Moved to Leeds" not in page and "Transferred from" in page


def test_the_history_is_refused_to_another_pdu_and_the_refusal_logged(
    spo: StaffMember, po: StaffMember
) -> None:
    held = case_for(po, "C2", start=A_YEAR_AGO, assessed_on=A_YEAR_AGO)
    stranger = StaffMemberFactory(grade=Grade.PO, team=TeamFactory(pdu=PDUFactory()), with_user=True)
    url = reverse("allocation-history", args=[held.sentence.pk])
    assert client_for(stranger).get(url).status_code in (403, 404)
    assert api(stranger).get(f"{API}/allocations/{held.sentence.pk}/history").status_code == 404
    assert (
        AccessLogEntry.objects.filter(
            staff=stranger, person_id=held.sentence.person_id, action=Action.REFUSED
        ).count()
        == 2
    )
    assert api(po).get(f"{API}/allocations/999999/history").status_code == 404
    own = api(po).get(f"{API}/allocations/{held.sentence.pk}/history").json()
    assert [e["kind"] for e in own["events"]] == ["allocation"] and own["events"][0]["status"] == "Current"
