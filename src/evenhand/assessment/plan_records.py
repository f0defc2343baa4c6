"""Sentence plans shaped for the viewer's role (``evenhand.people.records.Lens``): for analysts no ids, no
free text (goals, steps, details, what the person said), no staff names, dates to the month."""

import datetime as dt
from dataclasses import dataclass

from evenhand.people.records import Addressed, Lens

from . import sections as S
from .models import (
    FINISHED_STEPS,
    STEP_STATUS_OF_REFERRAL,
    AgreementAnswer,
    Assessment,
    DiversityTopic,
    GoalStatus,
    PlanAgreement,
    PlanChange,
    PlanGoal,
    PlanStep,
    SectionAnswer,
    SentencePlan,
    StepStatus,
    Topic,
    TopicStatus,
)

NEED_SEVERITIES = ("standard", "severe")


def _name(staff: object, lens: Lens) -> str | None:
    return getattr(staff, "full_name", None) if lens.identity and staff is not None else None


@dataclass(frozen=True)
class StepRecord:
    id: int | None
    description: str | None
    actor: str
    actor_label: str
    status: str
    status_label: str
    finished: bool
    # A service's step is a referral: its reference and status, read from it.
    referral_id: int | None
    referral_token: str | None
    referral_status_label: str | None
    service_area_label: str | None
    provider: str | None

    @property
    def referral_ref(self) -> str | None:
        if self.referral_id is None and self.referral_token is None:
            return None
        return self.referral_token if self.referral_token is not None else str(self.referral_id)

    @classmethod
    def shape(cls, step: PlanStep, lens: Lens) -> "StepRecord":
        referral = step.referral
        status = STEP_STATUS_OF_REFERRAL[referral.status] if referral is not None else step.status
        return cls(
            id=lens.id(step.pk),
            description=lens.text(step.description),
            actor=step.actor,
            actor_label=step.get_actor_display(),
            status=status,
            status_label=StepStatus(status).label,
            finished=status in FINISHED_STEPS,
            referral_id=lens.id(referral.pk) if referral is not None else None,
            referral_token=lens.token("referral", referral.pk) if referral is not None else None,
            referral_status_label=referral.get_status_display() if referral is not None else None,
            service_area_label=referral.get_service_area_display() if referral is not None else None,
            provider=lens.text(referral.provider) if referral is not None else None,
        )


@dataclass(frozen=True)
class GoalRecord:
    id: int | None
    title: str | None
    need: str
    need_title: str
    related_needs: list[str]
    related_titles: list[str]
    status: str
    status_label: str
    status_note: str | None
    target_date: dt.date | None
    topic: str | None  # the diversity conversation's topic the goal responds to
    topic_label: str | None
    topic_finding: str | None  # what the conversation found: how it bears on the plan, or the person's words
    closed: bool
    steps: list[StepRecord]

    @classmethod
    def shape(cls, goal: PlanGoal, lens: Lens) -> "GoalRecord":
        topic = goal.topic
        return cls(
            id=lens.id(goal.pk),
            title=lens.text(goal.title),
            need=goal.need,
            need_title=S.BY_KEY[goal.need].title,
            related_needs=list(goal.related_needs),
            related_titles=[S.BY_KEY[k].title for k in goal.related_needs if k in S.BY_KEY],
            status=goal.status,
            status_label=goal.get_status_display(),
            status_note=lens.text(goal.status_note) or None,
            target_date=lens.date(goal.target_date),
            topic=topic.topic if topic is not None else None,
            topic_label=Topic(topic.topic).label if topic is not None else None,
            topic_finding=lens.text(topic.bearing_on_plan or topic.in_their_words)
            if topic is not None
            else None,
            closed=goal.closed,
            steps=[StepRecord.shape(s, lens) for s in goal.steps.all()],
        )


@dataclass(frozen=True)
class AgreementRecord:
    answer: str
    answer_label: str
    details: str | None
    version: int
    recorded_by_name: str | None
    recorded_on: dt.date

    @property
    def agreed(self) -> bool:
        return self.answer == AgreementAnswer.AGREED

    @classmethod
    def shape(cls, row: PlanAgreement, lens: Lens) -> "AgreementRecord":
        return cls(
            answer=row.answer,
            answer_label=row.get_answer_display(),
            details=lens.text(row.details) or None,
            version=row.version,
            recorded_by_name=_name(row.recorded_by, lens),
            recorded_on=lens.date(row.recorded_at.date()),
        )


@dataclass(frozen=True)
class ChangeRecord:
    kind: str
    kind_label: str
    summary: str | None
    version: int
    by_name: str | None
    on: dt.date

    @classmethod
    def shape(cls, row: PlanChange, lens: Lens) -> "ChangeRecord":
        return cls(
            kind=row.kind,
            kind_label=row.get_kind_display(),
            summary=lens.text(row.summary),
            version=row.version,
            by_name=_name(row.by, lens),
            on=lens.date(row.at.date()),
        )


@dataclass(frozen=True)
class NeedRecord:
    """A criminogenic need the assessment identified, and whether a goal of the plan works on it."""

    key: str
    title: str
    severity_label: str
    has_goal: bool


@dataclass(frozen=True)
class FindingRecord:
    """A topic the diversity conversation discussed, which a goal can cite."""

    topic: str
    label: str
    finding: str | None


def needs_of(sections: list[SectionAnswer]) -> list[tuple[str, str]]:
    """(section key, severity label) of each identified criminogenic need, in the sections' order."""
    held = {s.section: s for s in sections}
    return [
        (sec.key, S.SEVERITY_LABELS[S.Severity(held[sec.key].severity)])
        for sec in S.SECTIONS
        if sec.key in held and held[sec.key].severity in NEED_SEVERITIES
    ]


def findings_of(topics: list[DiversityTopic], lens: Lens) -> list[FindingRecord]:
    return [
        FindingRecord(
            topic=t.topic,
            label=Topic(t.topic).label,
            finding=lens.text(t.bearing_on_plan or t.in_their_words),
        )
        for t in sorted(topics, key=lambda t: list(Topic.values).index(t.topic))
        if t.status == TopicStatus.DISCUSSED
    ]


@dataclass(frozen=True)
class PlanRecord(Addressed):
    """A plan, addressed by the assessment it answers (``ref``: the assessment's id or token)."""

    id: int | None  # the assessment's id
    token: str | None  # the assessment's token, for analysts
    person_id: int | None
    person_token: str | None
    assessment_kind_label: str
    assessment_completed_on: dt.date | None
    made_on: dt.date
    made_by_name: str | None
    version: int
    review_on: dt.date | None
    current: bool  # not replaced by a later plan
    sentence_label: str | None
    goals: list[GoalRecord]
    needs: list[NeedRecord]
    findings: list[FindingRecord]
    agreement: AgreementRecord | None  # the latest answer
    agreements: list[AgreementRecord]
    changes: list[ChangeRecord]

    @property
    def agreed(self) -> bool:
        """Agreed by the person as it stands now (the latest answer is agreement to this version)."""
        return self.agreement is not None and self.agreement.agreed and self.agreement.version == self.version

    @property
    def changed_since_answer(self) -> bool:
        return self.agreement is not None and self.agreement.version != self.version

    @property
    def open_goals(self) -> list[GoalRecord]:
        return [g for g in self.goals if not g.closed]

    @property
    def needs_without_goal(self) -> list[NeedRecord]:
        return [n for n in self.needs if not n.has_goal]

    @classmethod
    def shape(cls, plan: SentencePlan, lens: Lens) -> "PlanRecord":
        """``plan`` with its assessment (sections, topics), goals, steps, referrals, agreements and changes
        loaded (``selectors.plan_with_parts``)."""
        assessment: Assessment = plan.assessment
        goals = list(plan.goals.all())
        covered = {g.need for g in goals if g.status != GoalStatus.REMOVED}
        agreements = [AgreementRecord.shape(a, lens) for a in plan.agreements.all()]
        sentence = plan.sentence
        return cls(
            id=lens.id(assessment.pk),
            token=lens.token("assessment", assessment.pk),
            person_id=lens.id(plan.person_id),
            person_token=lens.token("person", plan.person_id),
            assessment_kind_label=assessment.get_kind_display(),
            assessment_completed_on=lens.date(assessment.completed_on),
            made_on=lens.date(plan.made_at.date()),
            made_by_name=_name(plan.made_by, lens),
            version=plan.version,
            review_on=lens.date(plan.review_on),
            current=plan.replaced_at is None,
            sentence_label=(
                f"{sentence.get_type_display()} from {lens.date(sentence.start_date):%B %Y}"
                if sentence is not None
                else None
            ),
            goals=[GoalRecord.shape(g, lens) for g in goals],
            needs=[
                NeedRecord(key=key, title=S.BY_KEY[key].title, severity_label=label, has_goal=key in covered)
                for key, label in needs_of(list(assessment.sections.all()))
            ],
            findings=findings_of(list(assessment.topics.all()), lens),
            agreement=agreements[0] if agreements else None,
            agreements=agreements,
            changes=[ChangeRecord.shape(c, lens) for c in plan.changes.all()[:100]],
        )
