"""Synthetic assessments, their sections and conversations, and the tier: as the services would have left them,
needs that follow what the record says of the person, and tiers that ``assessment.tier`` computed (a recompute
from the loaded record finds nothing to change)."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models import Count

from evenhand.assessment.models import (
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    SectionAnswer,
    TierCalculation,
)
from evenhand.assessment.services.tiers import recompute_all
from evenhand.cases.models import Requirement
from evenhand.cases.todo import assessment_review_due
from evenhand.people.models import Person
from evenhand.synth.generator import Result
from tests.synth.checks import assessment_problems

from .conftest import load_for_module

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[Result]:
    """``tiny`` scale, seed 3 (a module of its own: the recompute below may write)."""
    yield from load_for_module(django_db_blocker, scale="tiny", seed=3)


def test_assessments_obey_the_services_rules(seeded: Result) -> None:
    assert assessment_problems() == []
    kinds = dict(Assessment.objects.values_list("kind").annotate(n=Count("pk")))
    assert kinds[AssessmentKind.INITIAL] == Person.objects.count()  # one for each person's current sentence
    assert kinds[AssessmentKind.REVIEW] > 0
    statuses = set(Assessment.objects.values_list("status", flat=True))
    assert {AssessmentStatus.COMPLETE, AssessmentStatus.LOCKED, AssessmentStatus.IN_PROGRESS} <= statuses


def test_reviews_begin_around_six_months_after_what_they_review(seeded: Result) -> None:
    """A review of a review begins from two weeks before it is due to six weeks after; the first review kept
    may follow its initial assessment by longer (the reviews before the 12 months of activity are not kept)."""
    rows = Assessment.objects.filter(kind=AssessmentKind.REVIEW).values_list(
        "started_on", "previous__completed_on", "previous__kind"
    )
    assert any(kind == AssessmentKind.REVIEW for *_, kind in rows)
    for started, completed, kind in rows:
        late = (started - assessment_review_due(completed)).days
        assert late >= -14
        assert late <= 43 or kind == AssessmentKind.INITIAL
        assert started >= seeded.end_date.replace(year=seeded.end_date.year - 1)


def test_a_drug_treatment_requirement_goes_with_a_drug_misuse_need(seeded: Result) -> None:
    treated = set(
        Requirement.objects.filter(type="drug_treatment").values_list("sentence__person_id", flat=True)
    )
    need = {}
    for person_id, severity in SectionAnswer.objects.filter(
        section="drugs", assessment__kind=AssessmentKind.INITIAL, complete=True
    ).values_list("assessment__person_id", "severity"):
        need[person_id] = severity in ("standard", "severe")
    with_treatment = [v for k, v in need.items() if k in treated]
    without = [v for k, v in need.items() if k not in treated]
    assert with_treatment and without
    assert sum(with_treatment) / len(with_treatment) > sum(without) / len(without) + 0.2


def test_everyone_has_the_tier_the_calculation_gives_for_their_record(seeded: Result) -> None:
    assert TierCalculation.objects.count() == Person.objects.count()
    assert set(TierCalculation.objects.values_list("tier", flat=True)) > {"D2"}  # computed, so varied
    report = recompute_all()
    assert (report.people, report.changed, report.refused) == (Person.objects.count(), 0, 0)
