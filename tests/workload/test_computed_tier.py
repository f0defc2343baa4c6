"""The workload figure weights a case by the tier Evenhand computed (``assessment.TierCalculation``), the one in
force on the figure's date, and falls back to the tier entered on a risk review only for a person with none
computed by then: the figure, its breakdown, the points a queued case would add, the queue, the recommendation
and the allocation fairness table all follow it, in the same number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evenhand.assessment.models import TierCalculation, TierTrigger
from evenhand.cases.models import SentenceType
from evenhand.org.models import Grade, StaffMember
from evenhand.people.models import Person
from evenhand.workload.selectors import (
    allocation_fairness,
    allocation_queue,
    breakdown,
    figures,
    points_for_sentence,
    recommendation,
)
from tests.factories import RiskSummaryFactory, StaffMemberFactory, local_datetime
from tests.workload.conftest import TODAY, case_for, unallocated
from tests.workload.test_views import client_for

pytestmark = pytest.mark.django_db
D = dt.date

# The published table's community points: A3 206, B3 146, B2 115, C2 63, D1 29; licence A3 219, C2 65.


def computed(person: Person, tier: str, at: dt.datetime) -> TierCalculation:
    """A tier stored as the calculation stores one (the letters and the level are all the figure reads)."""
    return TierCalculation.objects.create(
        person=person,
        tier=tier,
        protect=tier[0],
        protect_points=0,
        change=int(tier[1]),
        change_points=None,
        change_reason="Set by the test",
        inputs={},
        lines=[],
        version=2,
        computed_at=at,
        trigger=TierTrigger.RECOMPUTE,
    )


def on(staff: StaffMember, day: dt.date):
    return figures(StaffMember.objects.filter(pk=staff.pk), [day], today=TODAY)[0][staff.pk]


def test_the_figure_follows_the_computed_tier_from_the_day_it_was_computed(po):
    allocation = case_for(po, "C2", assessed_on=D(2025, 6, 2))  # entered on the risk review: C2, 63
    person = allocation.sentence.person
    computed(person, "A3", local_datetime(D(2026, 2, 20), hour=23, minute=30))  # late in the evening
    # A later review enters another tier by hand: the computed tier still counts.
    RiskSummaryFactory(person=person, tier="D1", assessed_on=D(2026, 2, 25), rosh="L", recorded_by=None)

    before = on(po, D(2026, 2, 19))
    assert (before.case_points, before.tiers) == (63, {"C": 1})  # none computed yet: the review's C2
    assert on(po, D(2026, 2, 20)).case_points == 206  # computed that evening: A3 counts all that day
    today = on(po, TODAY)
    assert (today.case_points, today.tiers) == (206, {"A": 1})

    # A recomputation later changes it again, from its own date.
    computed(person, "B2", local_datetime(D(2026, 3, 1)))
    assert on(po, D(2026, 2, 28)).case_points == 206
    assert on(po, TODAY).case_points == 115


def test_a_person_never_computed_keeps_the_reviews_tier_beside_one_computed(po):
    kept = case_for(po, "C2")  # 63, from the review
    moved = case_for(po, "C2", type=SentenceType.LICENCE)  # licence C2 65 entered; computed A3: 219
    computed(moved.sentence.person, "A3", local_datetime(D(2026, 1, 5)))
    figure = on(po, TODAY)
    assert figure.case_points == 63 + 219
    assert figure.tiers == {"A": 1, "C": 1}
    assert kept.sentence.person.tier_calculations.count() == 0


def test_the_breakdown_shows_the_computed_tier_and_adds_up(po, spo):
    allocation = case_for(po, "C2")
    computed(allocation.sentence.person, "B3", local_datetime(D(2026, 1, 5)))
    case_for(po, None)  # neither computed nor reviewed: untiered, 0
    explained = breakdown(po, spo, TODAY, TODAY)
    assert [(a.tier_on, a.points) for a in explained.cases] == [("B3", 146), (None, 0)]
    assert explained.figure.case_points == 146
    assert explained.untiered == 1


def test_a_queued_case_is_weighed_by_its_computed_tier(spo, po, pdu):
    sentence = unallocated(pdu, tier="C2")  # community C2 on the review: 63
    computed(sentence.person, "A3", timezone.now() - dt.timedelta(hours=1))
    today = timezone.localdate()
    assert points_for_sentence(sentence, today) == 206
    [row] = allocation_queue(spo, today)
    assert row.tier == "A3"
    advice = recommendation(sentence, today)
    assert (advice.tier, advice.case_points) == ("A3", 206)
    # The review's tier still shows where nothing was computed.
    other = unallocated(pdu, tier="D1")
    assert (points_for_sentence(other, today), recommendation(other, today).tier) == (29, "D1")


def test_the_allocate_page_shows_the_computed_tier(spo, po, pdu):
    sentence = unallocated(pdu, tier="C2")
    computed(sentence.person, "B2", timezone.now() - dt.timedelta(hours=1))
    html = client_for(spo).get(reverse("allocate-case", args=[sentence.pk])).content.decode()
    assert "B2" in html and "115 points" in html
    assert "63 points" not in html


def test_allocation_fairness_counts_the_tier_on_the_day_the_allocation_began(pdu, po):
    early = case_for(po, "C2", start=D(2026, 1, 5))
    late = case_for(po, "C2", start=D(2026, 2, 2))
    # Computed between the two allocations: the later one was made at A3, the earlier still at C2.
    for allocation in (early, late):
        computed(allocation.sentence.person, "A3", local_datetime(D(2026, 1, 20)))
    report = allocation_fairness(pdu=pdu, since=D(2025, 12, 1))
    counted = {tier: sum(c.po for (_, t), c in report.grades.items() if t == tier) for tier in ("A3", "C2")}
    assert counted == {"A3": 1, "C2": 1}


def _team_page_queries(spo) -> int:
    client = client_for(spo)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("team-workload")).status_code == 200
    return len(queries)


def test_the_team_view_takes_as_many_queries_with_computed_tiers_as_without(team, spo):
    members = [StaffMemberFactory(grade=Grade.PO, team=team) for _ in range(3)]
    for member in members:
        case_for(member, "C2")
    without = _team_page_queries(spo)
    for person in Person.objects.all():
        computed(person, "B1", local_datetime(D(2026, 1, 5)))
    for member in members:
        for _ in range(5):
            allocation = case_for(member, "C2")
            computed(allocation.sentence.person, "A2", local_datetime(D(2026, 1, 5)))
    assert _team_page_queries(spo) == without
