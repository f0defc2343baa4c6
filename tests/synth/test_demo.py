"""`make demo`: a synthetic PDU and one working log-in per role, and a second run changes nothing."""

import datetime as dt
import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import OuterRef, Subquery
from django.test import RequestFactory
from django.utils import timezone

from evenhand.audit.models import AccessLogEntry, Action
from evenhand.cases.models import Contact, Registration, RiskSummary, Sentence, SentenceType
from evenhand.org.models import Role, StaffMember
from evenhand.people.access import can_view_person
from evenhand.people.models import Exclusion, Person
from evenhand.synth.demo import DEMO_PASSWORD, DEMO_VOICE_PASSPHRASE
from evenhand.voice import services as voice
from evenhand.workload.models import CapacityReduction, StaffSensitivity
from evenhand.workload.selectors import allocation_queue, pdu_rollup
from evenhand.workload.services import ensure_published_weightings


def today() -> dt.date:
    return timezone.localdate()


pytestmark = pytest.mark.django_db(transaction=True)
ROLES = {
    "po.demo",
    "pso.demo",
    "spo.demo",
    "head.demo",
    "analyst.demo",
    "inspector.demo",
    "admin.demo",
    "hr.demo",
}


@pytest.fixture(autouse=True)
def published_weightings() -> None:
    # The data migration seeds the weighting table; a transactional test earlier in the run may have flushed it.
    ensure_published_weightings()


def run_demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_demo_generates_a_pdu_and_one_log_in_per_role() -> None:
    output = run_demo()
    assert Person.objects.count() == 2_200
    linked = StaffMember.objects.filter(user__username__in=ROLES)
    assert {s.user.username for s in linked} == ROLES
    assert {s.role for s in linked} == set(Role.values)
    for username in ROLES:
        assert username in output
        request = RequestFactory().post("/sign-in/")
        assert authenticate(request, username=username, password=DEMO_PASSWORD) is not None, username
    po = linked.get(user__username="po.demo")
    assert po.allocations.filter(end_date__isnull=True).exists(), "the demo PO should hold a caseload"
    assert CapacityReduction.objects.exists()
    # Restricted records: one the demo PO holds and may open, one the PSO is excluded from, one nobody but the
    # head of PDU may open; each change in the access log.
    head = linked.get(user__username="head.demo")
    pso = linked.get(user__username="pso.demo")
    restricted = Person.objects.filter(restrictions__isnull=False).distinct()
    assert restricted.count() == 2
    assert sorted(can_view_person(po, p) for p in restricted) == [False, True]
    assert all(can_view_person(head, p) for p in restricted)
    assert not can_view_person(pso, Exclusion.objects.get(staff=pso).person)
    assert AccessLogEntry.objects.filter(action=Action.ACCESS, staff=head).count() == 4

    # Custody cases: one the demo PO manages before release, one released onto licence and PSS that the PO
    # keeps, one waiting in the allocation queue.
    custody = Sentence.objects.filter(type=SentenceType.CUSTODY)
    assert custody.filter(termination_date__isnull=True, allocations__practitioner=po).exists()
    assert custody.filter(termination_date__isnull=True, allocations__isnull=True).exists()
    released = custody.filter(termination_reason="released", start_date__gt=today() - dt.timedelta(days=300))
    after = Sentence.objects.filter(custody__in=released, court="HMP Leeds").values_list("type", flat=True)
    assert sorted(after) == [SentenceType.LICENCE, SentenceType.POST_SENTENCE_SUPERVISION]
    assert Sentence.objects.filter(type=SentenceType.LICENCE, allocations__practitioner=po).exists()
    assert Registration.objects.exists()

    # A service under pressure: a sensitive case waiting for allocation, staff sensitivities, overdue outcomes
    # and risk reviews on the demo PO's caseload, a team over capacity.
    spo = linked.get(user__username="spo.demo")
    queue = allocation_queue(spo)
    assert any(case.sensitive for case in queue)
    assert StaffSensitivity.objects.filter(staff=pso).exists()
    assert StaffSensitivity.objects.exclude(staff__in=[po, pso]).filter(staff__team=po.team).exists()
    held = Sentence.objects.filter(allocations__practitioner=po, allocations__end_date__isnull=True)
    now = timezone.now()
    assert Contact.objects.filter(sentence__in=held, starts_at__lt=now, outcome="").exists()
    assert Contact.objects.filter(
        sentence__in=held, starts_at__gt=now, starts_at__lt=now + dt.timedelta(days=14)
    ).exists()
    latest = RiskSummary.objects.filter(person=OuterRef("person")).order_by("-assessed_on", "-id")
    overdue = RiskSummary.objects.filter(
        pk=Subquery(latest.values("pk")[:1]), next_review_due__lt=today(), person__pdu_id=head.pdu_id
    )
    assert overdue.exists()
    teams, _ = pdu_rollup(po.team.pdu)
    assert any(team.capacity is not None and team.capacity > 100 for team in teams)

    # Safe voice: the demo administrator handles concerns (with the demo handling passphrase), the inspector
    # decides disclosure requests.
    admin = linked.get(user__username="admin.demo")
    assert voice.is_handler(admin) and voice.unlock(staff=admin, passphrase=DEMO_VOICE_PASSPHRASE)
    assert voice.is_custodian(linked.get(user__username="inspector.demo"))

    # A second run uses the data as it is and prints the same log-ins.
    people, reductions = Person.objects.count(), CapacityReduction.objects.count()
    again = run_demo()
    assert "already holds data" in again
    assert all(username in again for username in ROLES)
    assert (Person.objects.count(), CapacityReduction.objects.count()) == (people, reductions)
