"""The sentence plan measures against hand counts on a small service: plan agreed by the person (each plan made
in the period a trial), and a plan goal for each identified need (each criminogenic need of the assessment a
plan made in the period answers a trial); split by characteristic like every measure."""

import datetime as dt

import pytest

from evenhand.assessment.models import (
    AgreementAnswer,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    GoalStatus,
    PlanAgreement,
    PlanGoal,
    SectionAnswer,
    SentencePlan,
)
from evenhand.cases.models import Sentence
from evenhand.equality.measures import CATALOGUE, Period, Source, cells, measure_cells
from evenhand.people.models import Ethnicity
from tests.factories import (
    AllocationFactory,
    PersonFactory,
    SentenceFactory,
    StaffMemberFactory,
    local_datetime,
)

pytestmark = pytest.mark.django_db
D = dt.date
PERIOD = Period(D(2026, 7, 1), D(2026, 11, 30))


def supervised(ethnicity: str) -> Sentence:
    person = PersonFactory(diversity__ethnicity=ethnicity)
    sentence = SentenceFactory(person=person, start_date=D(2026, 1, 5), expected_end_date=D(2027, 12, 31))
    AllocationFactory(sentence=sentence)
    return sentence


def plan(
    sentence: Sentence,
    made: dt.date,
    needs: dict[str, str],
    goals: dict[str, str],
    answers: list[tuple[str, dt.date]] = (),
    *,
    for_sentence: bool = True,
) -> SentencePlan:
    """A completed assessment whose sections have ``needs`` (section → severity), and its plan made on ``made``
    with a goal per ``goals`` (main need → status) and the person's ``answers``."""
    by = StaffMemberFactory()
    assessment = Assessment.objects.create(
        person=sentence.person, sentence=sentence, kind=AssessmentKind.INITIAL, started_on=D(2026, 1, 6)
    )
    SectionAnswer.objects.bulk_create(
        SectionAnswer(assessment=assessment, section=key, severity=severity, complete=True)
        for key, severity in needs.items()
    )
    Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.COMPLETE, completed_on=made)
    at = local_datetime(made)
    # A later plan replaces the person's current one.
    SentencePlan.objects.filter(person=sentence.person, replaced_at__isnull=True).update(replaced_at=at)
    row = SentencePlan.objects.create(
        person=sentence.person,
        assessment=assessment,
        sentence=sentence if for_sentence else None,
        made_by=by,
        made_at=at,
    )
    for need, status in goals.items():
        PlanGoal.objects.create(
            plan=row,
            title="A goal",
            need=need,
            status=status,
            target_date=made + dt.timedelta(days=90),
            created_by=by,
            created_at=at,
            changed_by=by,
            changed_at=at,
        )
    for answer, on in answers:
        PlanAgreement.objects.create(
            plan=row,
            version=1,
            answer=answer,
            details="" if answer == AgreementAnswer.AGREED else "Details",
            recorded_by=by,
            recorded_at=local_datetime(on),
            snapshot={},
        )
    return row


@pytest.fixture
def service() -> dict[str, Sentence]:
    a = supervised(Ethnicity.WHITE_BRITISH)
    b = supervised(Ethnicity.BLACK_CARIBBEAN)
    c = supervised(Ethnicity.BLACK_AFRICAN)
    d = supervised(Ethnicity.WHITE_IRISH)
    # A: agreed; two needs (accommodation, thinking), a goal for accommodation only; a goal for drugs, no need.
    plan(
        a,
        D(2026, 8, 3),
        {"accommodation": "standard", "thinking": "severe", "drugs": "no_need", "finance": "unscored"},
        {"accommodation": GoalStatus.ACTIVE, "drugs": GoalStatus.ACTIVE},
        [(AgreementAnswer.AGREED, D(2026, 8, 3))],
    )
    # B: did not agree, then agreed after the period ends: not agreed in it. Two needs, both with goals,
    # one of them removed.
    plan(
        b,
        D(2026, 9, 10),
        {"accommodation": "severe", "attitudes": "standard"},
        {"accommodation": GoalStatus.ACHIEVED, "attitudes": GoalStatus.REMOVED},
        [(AgreementAnswer.DISAGREES, D(2026, 9, 10)), (AgreementAnswer.AGREED, D(2026, 12, 2))],
    )
    # C: could not answer; one need, no goal for it.
    plan(
        c,
        D(2026, 10, 1),
        {"lifestyle": "standard"},
        {"ete": GoalStatus.FUTURE},
        [(AgreementAnswer.COULD_NOT_ANSWER, D(2026, 10, 1))],
    )
    # D: one plan before the period (agreed, one need with a goal) and one about no sentence: neither counts.
    plan(
        d,
        D(2026, 5, 1),
        {"alcohol": "standard"},
        {"alcohol": GoalStatus.ACTIVE},
        [(AgreementAnswer.AGREED, D(2026, 5, 1))],
    )
    plan(
        d,
        D(2026, 8, 1),
        {"drugs": "standard"},
        {"drugs": GoalStatus.ACTIVE},
        [(AgreementAnswer.AGREED, D(2026, 8, 1))],
        for_sentence=False,
    )
    return {"a": a, "b": b, "c": c, "d": d}


def counts(key: str) -> dict[int, tuple[int, int]]:
    rows = measure_cells(CATALOGUE[key], Source(PERIOD))
    return {int(i): (int(r.trials), int(r.events)) for i, r in rows.iterrows()}


def test_plan_agreed_by_the_person_against_hand_counts(service):
    a, b, c = service["a"], service["b"], service["c"]
    assert counts("plan_agreed") == {a.pk: (1, 1), b.pk: (1, 0), c.pk: (1, 0)}


def test_plan_goal_for_each_identified_need_against_hand_counts(service):
    a, b, c = service["a"], service["b"], service["c"]
    assert counts("plan_goal_per_need") == {a.pk: (2, 1), b.pk: (2, 1), c.pk: (1, 0)}


@pytest.mark.parametrize("key", ["plan_agreed", "plan_goal_per_need"])
def test_the_plan_measures_split_by_characteristic(service, key):
    table = cells(CATALOGUE[key], Source(PERIOD), characteristic="ethnic_group")
    by_group = table.groupby("group", observed=True)[["trials", "events"]].sum()
    totals = {str(g): (int(r.trials), int(r.events)) for g, r in by_group.iterrows()}
    expected = {
        "plan_agreed": {"white": (1, 1), "black": (2, 0)},
        "plan_goal_per_need": {"white": (2, 1), "black": (3, 1)},
    }
    assert totals == expected[key]
    assert CATALOGUE[key].trials_from_query
