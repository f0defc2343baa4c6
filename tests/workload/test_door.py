"""The workload door: who may open what, what is logged, and what the shaped records leave out."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evenhand.audit.models import AccessLogEntry, Action, Channel
from evenhand.org.access import NotCurrentStaff
from evenhand.people.models import Exclusion
from evenhand.workload import door, services
from tests.factories import PDUFactory
from tests.workload.conftest import case_for, unallocated

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def queue_queries(spo) -> int:
    with CaptureQueriesContext(connection) as queries:
        page = door.queue_page(viewer=spo, number=1, channel=Channel.UI)
        assert all(row.person.crn for row in page)
    return len(queries)


def test_a_page_of_the_queue_takes_the_same_few_queries_for_2_or_20_people(spo, pdu):
    for _ in range(2):
        unallocated(pdu, offences=[{"is_main": True, "hate_crime": True}])
    few = queue_queries(spo)
    for _ in range(18):
        unallocated(pdu)
    assert queue_queries(spo) == few


def test_queue_rows_are_shaped(spo, pdu):
    sentence = unallocated(pdu, tier="B2", rosh="H", offences=[{"is_main": True, "hate_crime": True}])
    [row] = door.queue_page(viewer=spo, number=1, channel=Channel.UI)
    assert (row.sentence.id, row.person.crn, row.person.display_name) == (
        sentence.pk,
        sentence.person.crn,
        sentence.person.full_name,
    )
    assert (row.tier, row.rosh, row.flags, row.consult_first) == ("B2", "H", ["hate_crime"], True)


def test_only_a_current_manager_opens_the_queue_or_a_queued_sentence(spo, po, pdu):
    sentence = unallocated(pdu)
    with pytest.raises(PermissionDenied):
        door.queue_page(viewer=po, number=1, channel=Channel.UI)
    # The queue names nobody until it is shown: a role that never allocates is refused before it is read.
    assert not AccessLogEntry.objects.exists()
    # One queued sentence is an attempt on a person's record: a practitioner who may see the person is refused
    # for the role (403 on the web and the API), and the attempt is logged against the person.
    with pytest.raises(door.RoleRefused):
        door.open_queued_sentence(
            viewer=po, sentence_id=sentence.pk, channel=Channel.UI, purpose="Allocation"
        )
    spo.end_date = today() - dt.timedelta(days=1)
    with pytest.raises(NotCurrentStaff):
        door.queue_page(viewer=spo, number=1, channel=Channel.UI)
    # A leaver is refused too, and as someone who may see nothing: not a role refusal.
    with pytest.raises(door.RecordRefused) as refused:
        door.open_queued_sentence(
            viewer=spo, sentence_id=sentence.pk, channel=Channel.UI, purpose="Allocation"
        )
    assert not isinstance(refused.value, door.RoleRefused)
    assert [(e.staff, e.person_id, e.action) for e in AccessLogEntry.objects.order_by("pk")] == [
        (po, sentence.person_id, Action.REFUSED),
        (spo, sentence.person_id, Action.REFUSED),
    ]


def test_a_queued_sentence_of_another_pdu_is_refused_and_logged(spo):
    sentence = unallocated(PDUFactory())
    with pytest.raises(door.RecordRefused):
        door.open_queued_sentence(viewer=spo, sentence_id=sentence.pk, channel=Channel.API, purpose="x")
    entry = AccessLogEntry.objects.get()
    assert (entry.person_id, entry.action, entry.channel) == (sentence.person_id, Action.REFUSED, "api")
    with pytest.raises(door.RecordNotFound):
        door.open_queued_sentence(viewer=spo, sentence_id=10**9, channel=Channel.API, purpose="x")


def test_opening_a_queued_sentence_is_a_logged_view(spo, pdu):
    sentence = unallocated(pdu, tier="C2")
    case = door.open_queued_sentence(
        viewer=spo, sentence_id=sentence.pk, channel=Channel.UI, purpose="Allocation"
    )
    assert (case.sentence.pk, case.record.id, case.person.crn, case.risk.tier) == (
        sentence.pk,
        sentence.pk,
        sentence.person.crn,
        "C2",
    )
    entry = AccessLogEntry.objects.get()
    assert (entry.person_id, entry.action, entry.detail) == (sentence.person_id, Action.VIEW, "Allocation")


def test_a_consultation_opens_only_for_the_practitioner_consulted_while_they_may_see_the_person(
    spo, po, pso, pdu
):
    sentence = unallocated(pdu)
    consultation = services.record_consultation(
        by=spo, sentence=sentence, practitioner=po, consulted_on=today(), notes="About the family"
    )
    # Someone else's consultation is refused, and the attempt logged against the person it is about.
    for other in (pso, spo):
        with pytest.raises(door.RecordRefused):
            door.open_consultation(
                viewer=other, consultation_id=consultation.pk, channel=Channel.UI, purpose="c"
            )
    assert set(AccessLogEntry.objects.values_list("staff", "person_id", "action")) == {
        (pso.pk, sentence.person_id, "refused"),
        (spo.pk, sentence.person_id, "refused"),
    }
    with pytest.raises(door.RecordNotFound):
        door.open_consultation(viewer=po, consultation_id=10**9, channel=Channel.UI, purpose="c")

    opened = door.open_consultation(
        viewer=po, consultation_id=consultation.pk, channel=Channel.UI, purpose="c"
    )
    assert (opened.record.person.crn, opened.record.notes) == (sentence.person.crn, "About the family")
    Exclusion.objects.create(person=sentence.person, staff=po, reason="A relative")
    with pytest.raises(door.RecordRefused):
        door.open_consultation(viewer=po, consultation_id=consultation.pk, channel=Channel.UI, purpose="c")
    assert list(AccessLogEntry.objects.filter(staff=po).order_by("pk").values_list("action", flat=True)) == [
        "view",
        "refused",
    ]

    [listed] = door.consultations_with(viewer=po, channel=Channel.API, purpose="list")
    assert (listed.id, listed.person, listed.sentence_id, listed.notes) == (consultation.pk, None, None, None)


def test_the_workload_leaves_out_people_the_viewer_may_not_open_and_logs_those_shown(spo, po, pdu):
    hidden, shown = case_for(po, "C2"), case_for(po, "B2")
    Exclusion.objects.create(person=hidden.sentence.person, staff=po, reason="A relative")
    explained = door.explained_workload(
        viewer=po, practitioner=po, day=today(), today=today(), channel=Channel.UI
    )
    people = {line.sentence_id: line.person for line in explained.cases}
    assert people[hidden.sentence_id] is None
    assert people[shown.sentence_id].crn == shown.sentence.person.crn
    # The hidden case still counts: the figure is the practitioner's whole workload.
    assert explained.figure.cases == 2
    exports = AccessLogEntry.objects.filter(action=Action.EXPORT)
    assert list(exports.values_list("person_id", flat=True)) == [shown.sentence.person_id]
