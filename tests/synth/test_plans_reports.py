"""Synthetic sentence plans and pre-sentence reports: as the services would have left them, answering the
assessments and the record, with declared bias moving the plan and report measures."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.db.models import Count

from evenhand.assessment.models import (
    AgreementAnswer,
    Assessment,
    AssessmentStatus,
    GoalStatus,
    PlanAgreement,
    PlanChange,
    PlanGoal,
    PlanStep,
    PreSentenceReport,
    SectionAnswer,
    SentencePlan,
)
from evenhand.assessment.models.report import Proposal
from evenhand.assessment.services.reports import needs_sign_off, previous_convictions
from evenhand.cases.models import RiskSummary
from evenhand.synth.generator import Result, generate

from .conftest import load_for_module

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[Result]:
    yield from load_for_module(django_db_blocker, scale="tiny", seed=3)


def test_every_finished_assessment_has_its_plan_and_each_person_one_current_plan(seeded: Result) -> None:
    finished = Assessment.objects.filter(status__in=[AssessmentStatus.COMPLETE, AssessmentStatus.LOCKED])
    assert SentencePlan.objects.count() == finished.count() > 0
    assert not finished.filter(plan__isnull=True).exists()
    current = SentencePlan.objects.filter(replaced_at__isnull=True)
    assert current.count() == current.values("person").distinct().count()
    assert set(current.values_list("assessment__status", flat=True)) == {AssessmentStatus.COMPLETE}
    for plan in SentencePlan.objects.filter(previous__isnull=False).select_related("previous", "assessment"):
        assert plan.previous.replaced_at == plan.made_at
        assert plan.previous.assessment_id == plan.assessment.previous_id
        assert plan.made_at >= plan.assessment.completed_at
    for model in (SentencePlan, PlanGoal, PlanStep, PlanAgreement, PlanChange, PreSentenceReport):
        for row in model.objects.all()[:300]:
            row.full_clean(validate_unique=False)


def test_goals_answer_the_needs_and_agreements_hold_the_plan_as_it_stood(seeded: Result) -> None:
    goal_needs = PlanGoal.objects.values_list("plan__assessment_id", "need")
    identified = set(
        SectionAnswer.objects.filter(severity__in=["standard", "severe"]).values_list(
            "assessment_id", "section"
        )
    )
    assert set(goal_needs) <= identified  # a goal for an identified need only
    planned = {a for a, _ in identified} & set(SentencePlan.objects.values_list("assessment_id", flat=True))
    in_plans = {x for x in identified if x[0] in planned}
    assert 0.7 < len(set(goal_needs)) / len(in_plans) < 0.97
    assert not PlanGoal.objects.filter(status=GoalStatus.ACTIVE, target_date__isnull=True).exists()
    for goal in PlanGoal.objects.filter(topic__isnull=False).select_related("topic", "plan")[:100]:
        assert goal.topic.assessment_id == goal.plan.assessment_id
        assert goal.topic.status == "discussed"
    service = PlanStep.objects.filter(referral__isnull=False).select_related("referral", "goal__plan")
    assert service.exists()
    for step in service:
        assert step.referral.person_id == step.goal.plan.person_id and step.status == ""
    answers = dict(PlanAgreement.objects.values_list("answer").annotate(n=Count("pk")))
    assert answers[AgreementAnswer.AGREED] > answers.get(AgreementAnswer.DISAGREES, 0) > 0
    for agreement in PlanAgreement.objects.select_related("plan")[:100]:
        assert [g["title"] for g in agreement.snapshot["goals"]] == list(
            agreement.plan.goals.order_by("id").values_list("title", flat=True)
        )
        assert agreement.recorded_at >= agreement.plan.made_at
        assert agreement.plan.replaced_at is None or agreement.recorded_at < agreement.plan.replaced_at
    assert PlanChange.objects.filter(kind="agreement").count() == PlanAgreement.objects.count()


def test_reports_are_on_the_record_of_sentences_passed_in_the_period(seeded: Result) -> None:
    reports = PreSentenceReport.objects.select_related("main_offence__sentence", "risk_review", "author")
    assert reports.count() > 10
    for report in reports:
        sentence = report.main_offence.sentence
        assert sentence.person_id == report.person_id and report.main_offence.is_main
        assert report.hearing_date == sentence.start_date and report.court == sentence.court
        assert sentence.type in ("CO", "SSO", "CUS")
        assert report.previous_convictions == previous_convictions(
            report.person_id, report.hearing_date, excluding=sentence.pk
        )
        expected_review = (
            RiskSummary.objects.filter(person_id=report.person_id, assessed_on__lte=report.hearing_date)
            .order_by("-assessed_on", "-id")
            .first()
        )
        assert report.risk_review == expected_review
        assert (report.signed_off_by_id is not None) == needs_sign_off(report)
        assert report.signed_off_by_id != report.author_id
        assert set(report.other_offences.values_list("sentence_id", flat=True)) <= {sentence.pk}
    proposals = dict(reports.values_list("proposal").annotate(n=Count("pk")))
    assert set(proposals) <= set(Proposal.values) and proposals[Proposal.COMMUNITY] > 0


EFFECTS = """
[[effect]]
measure = "plan_agreed"
group = "white"
unit = "national"
multiplier = 0.25

[[effect]]
measure = "psr_custody"
group = "white"
unit = "national"
multiplier = 4.0

[[effect]]
measure = "plan_goal_per_need"
group = "white"
unit = "national"
multiplier = 0.25

[[effect]]
measure = "diversity_topic:discrimination"
group = "white"
unit = "national"
multiplier = 0.25
"""


def _rates(tables: dict[str, Any], group_of: dict[int, str]) -> dict[str, float]:
    """For the White group: plans agreed, goals per need, custody proposed, discrimination discussed."""
    agreed = tables["assessment_planagreement"]
    plans = tables["assessment_sentenceplan"]
    plan_person = dict(zip(plans.columns["id"].tolist(), plans.columns["person_id"].tolist(), strict=True))
    white_plans = sum(1 for p in plans.columns["person_id"].tolist() if group_of[p] == "white")
    yes = sum(
        1
        for plan, answer in zip(
            agreed.columns["plan_id"].tolist(), agreed.columns["answer"].tolist(), strict=True
        )
        if answer == "agreed" and group_of[plan_person[plan]] == "white"
    )
    goals = sum(
        1
        for plan in tables["assessment_plangoal"].columns["plan_id"].tolist()
        if group_of[plan_person[plan]] == "white"
    )
    reports = tables["assessment_presentencereport"]
    white = [group_of[p] == "white" for p in reports.columns["person_id"].tolist()]
    custody = np.asarray(reports.columns["proposal"])[white] == "custody"
    topics = tables["assessment_diversitytopic"]
    assessments = tables["assessment_assessment"]
    person_of = dict(
        zip(assessments.columns["id"].tolist(), assessments.columns["person_id"].tolist(), strict=True)
    )
    held = [
        status == "discussed"
        for a, topic, status in zip(
            topics.columns["assessment_id"].tolist(),
            topics.columns["topic"].tolist(),
            topics.columns["status"].tolist(),
            strict=True,
        )
        if topic == "discrimination" and group_of[person_of[a]] == "white"
    ]
    return {
        "agreed": yes / white_plans,
        "goals": goals / white_plans,
        "custody": float(custody.mean()),
        "discrimination": float(np.mean(held)),
    }


def _capture(**arguments: Any) -> tuple[Result, dict[str, Any], dict[int, str]]:
    """Generate without writing and keep the tables (a PDU is small enough to hold)."""
    import evenhand.synth.generator as generator_module

    kept: dict[str, Any] = {}
    original = generator_module.plans.tables

    def keep(builder: Any, built: list[Any]) -> list[Any]:
        made = original(builder, built)
        for table in [*built, *made]:
            kept.setdefault(table.name, table)
        return made

    generator_module.plans.tables = keep  # type: ignore[assignment]
    try:
        result = generate(write=False, **arguments)
    finally:
        generator_module.plans.tables = original  # type: ignore[assignment]
    person = kept["people_diversityprofile"]
    from evenhand.people.models import GROUP_OF_ETHNICITY

    group_of = {
        int(p): str(GROUP_OF_ETHNICITY[c])
        for p, c in zip(
            person.columns["person_id"].tolist(), person.columns["ethnicity"].tolist(), strict=True
        )
    }
    return result, kept, group_of


def test_declared_effects_move_the_plan_report_and_topic_measures(bias_file: Callable[[str], Path]) -> None:
    base_run, base, group_of = _capture(scale="pdu", seed=5)
    biased_run, biased, _ = _capture(scale="pdu", seed=5, bias_path=bias_file(EFFECTS))
    before, after = _rates(base, group_of), _rates(biased, group_of)
    assert after["agreed"] < before["agreed"] - 0.2
    assert after["goals"] < before["goals"] * 0.75
    assert after["custody"] > before["custody"] + 0.05
    assert after["discrimination"] < before["discrimination"] - 0.15
    truth = biased_run.truth["measures"]
    assert truth["plan_agreed"]["national"]["white"]["effect"] == pytest.approx(0.5 / 0.8)
    assert truth["psr_custody"]["national"]["white"]["effect"] > 1.5
    assert truth["plan_goal_per_need"]["national"]["white"]["effect"] == pytest.approx(
        0.25 * 0.85 / (1 - 0.85 + 0.25 * 0.85) / 0.85, abs=1e-5
    )
    assert truth["diversity_topic:discrimination"]["national"]["white"]["effect"] < 0.8
    assert truth["plan_agreed"]["national"]["black"]["effect"] == 1.0
    assert base_run.truth["measures"]["psr_custody"]["national"]["white"]["effect"] == 1.0
