"""Assessments and tiers shaped for the viewer's role (``evenhand.people.records.Lens``): for analysts a token
instead of ids, no free text (the analysis, the person's words, reasons), no staff names, dates to the month."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from evenhand.people.records import Addressed, Lens

from . import sections as S
from .models import Assessment, DiversityTopic, SectionAnswer, TierCalculation, Topic, TopicStatus
from .services.conversation import identity_choices


@dataclass(frozen=True)
class ItemRecord:
    code: str
    key: str
    question: str
    value: int | None
    label: str | None
    carried: int | None  # the previous assessment's answer, on a review
    changed: bool


@dataclass(frozen=True)
class SectionRecord:
    key: str
    number: int
    title: str
    has_items: bool
    scored: bool
    started: bool
    complete: bool
    items: list[ItemRecord]
    score: int | None
    maximum: int
    threshold: int | None
    severity: str | None
    severity_label: str | None
    linked_to_harm: bool | None
    linked_to_reoffending: bool | None
    analysis: str | None
    source: str | None
    source_label: str | None
    carried: bool  # held something from the previous assessment
    changed: list[str]  # what differs from the previous assessment (item codes, "analysis" …)
    prefilled_fields: int
    typed_fields: int

    @property
    def status_text(self) -> str:
        if self.complete:
            return "Completed"
        if self.carried and self.source == "prefilled":
            return "From the last assessment: check it"
        return "In progress" if self.started else "Not yet started"

    @classmethod
    def shape(cls, sec: S.Section, row: SectionAnswer | None, lens: Lens) -> "SectionRecord":
        answers: dict[str, Any] = (row.answers if row is not None else {}) or {}
        carried: dict[str, Any] = (row.carried if row is not None else {}) or {}
        items = []
        for item in sec.items:
            value = answers.get(item.code)
            before = carried.get(item.code)
            items.append(
                ItemRecord(
                    code=item.code,
                    key=item.key,
                    question=item.question,
                    value=value,
                    label=item.labels.get(value) if value is not None else None,
                    carried=before,
                    changed=bool(carried) and before != value,
                )
            )
        changed = [i.code for i in items if i.changed]
        if row is not None and carried:
            for name, now in (
                ("analysis", row.analysis or None),
                ("harm", row.linked_to_harm),
                ("reoffending", row.linked_to_reoffending),
            ):
                if carried.get(name) != now:
                    changed.append(name)
        return cls(
            key=sec.key,
            number=sec.number,
            title=sec.title,
            has_items=bool(sec.items),
            scored=sec.scored,
            started=row is not None,
            complete=bool(row and row.complete),
            items=items,
            score=row.score if row is not None else None,
            maximum=sec.maximum,
            threshold=sec.threshold,
            severity=row.severity if row is not None and sec.items else None,
            severity_label=S.SEVERITY_LABELS[S.Severity(row.severity)]
            if row is not None and sec.items
            else None,
            linked_to_harm=row.linked_to_harm if row is not None else None,
            linked_to_reoffending=row.linked_to_reoffending if row is not None else None,
            analysis=lens.text(row.analysis) if row is not None else None,
            source=row.source if row is not None else None,
            source_label=row.get_source_display() if row is not None else None,
            carried=bool(carried),
            changed=changed if lens.identity else [c for c in changed if c != "analysis"],
            prefilled_fields=row.prefilled_fields if row is not None else 0,
            typed_fields=row.typed_fields if row is not None else 0,
        )


@dataclass(frozen=True)
class TopicRecord:
    topic: str
    label: str
    status: str
    status_label: str
    not_yet_reason: str | None
    in_their_words: str | None
    bearing_on_plan: str | None
    identified_label: str | None  # what the person self-identified, recorded in their profile
    carried: bool
    held: bool  # saved at all

    @property
    def unresolved(self) -> bool:
        """Not yet discussed, and no reason given: the assessment cannot be completed so."""
        return self.status == TopicStatus.NOT_YET and not self.not_yet_reason_given

    not_yet_reason_given: bool = False

    @classmethod
    def shape(cls, topic: Topic, row: DiversityTopic | None, lens: Lens) -> "TopicRecord":
        identified = None
        if row is not None and row.profile_entry_id is not None and lens.diversity:
            entry = row.profile_entry
            labels = dict(identity_choices(topic))
            identified = labels.get(entry.value, entry.value) if entry is not None else None
        status = row.status if row is not None else TopicStatus.NOT_YET
        return cls(
            topic=topic.value,
            label=topic.label,
            status=status,
            status_label=TopicStatus(status).label,
            not_yet_reason=lens.text(row.not_yet_reason) if row is not None else None,
            in_their_words=lens.text(row.in_their_words) if row is not None else None,
            bearing_on_plan=lens.text(row.bearing_on_plan) if row is not None else None,
            identified_label=identified,
            carried=bool(row and row.carried),
            held=row is not None,
            not_yet_reason_given=bool(row and row.not_yet_reason),
        )


@dataclass(frozen=True)
class AssessmentRecord(Addressed):
    id: int | None
    token: str | None
    person_id: int | None
    person_token: str | None
    kind: str
    kind_label: str
    status: str
    status_label: str
    assessor: str | None  # staff code; None for analysts
    assessor_name: str | None
    assessor_grade: str | None
    started_on: dt.date
    completed_on: dt.date | None
    countersigned_by_name: str | None
    countersigned_on: dt.date | None
    previous_id: int | None
    previous_token: str | None
    previous_completed_on: dt.date | None
    ogrs: int | None
    rsr: Decimal | None
    prefilled_fields: int
    typed_fields: int
    copied_from_summary: bool
    sections: list[SectionRecord]
    topics: list[TopicRecord]

    @property
    def is_open(self) -> bool:
        return self.status == "in_progress"

    @property
    def sections_done(self) -> int:
        return sum(1 for s in self.sections if s.complete)

    @property
    def topics_resolved(self) -> int:
        return sum(1 for t in self.topics if t.held and not t.unresolved)

    @classmethod
    def shape(cls, assessment: Assessment, lens: Lens, *, with_parts: bool = True) -> "AssessmentRecord":
        rows = {r.section: r for r in assessment.sections.all()} if with_parts else {}
        topics = {t.topic: t for t in assessment.topics.all()} if with_parts else {}
        previous = assessment.previous
        assessor = assessment.assessor
        countersigner = assessment.countersigned_by
        return cls(
            id=lens.id(assessment.pk),
            token=lens.token("assessment", assessment.pk),
            person_id=lens.id(assessment.person_id),
            person_token=lens.token("person", assessment.person_id),
            kind=assessment.kind,
            kind_label=assessment.get_kind_display(),
            status=assessment.status,
            status_label=assessment.get_status_display(),
            assessor=assessor.staff_code if assessor is not None and lens.identity else None,
            assessor_name=assessor.full_name if assessor is not None and lens.identity else None,
            assessor_grade=assessor.grade if assessor is not None else None,
            started_on=lens.date(assessment.started_on),
            completed_on=lens.date(assessment.completed_on),
            countersigned_by_name=countersigner.full_name if countersigner and lens.identity else None,
            countersigned_on=lens.date(assessment.countersigned_at.date())
            if assessment.countersigned_at
            else None,
            previous_id=lens.id(previous.pk) if previous is not None else None,
            previous_token=lens.token("assessment", previous.pk) if previous is not None else None,
            previous_completed_on=lens.date(previous.completed_on) if previous is not None else None,
            ogrs=assessment.ogrs,
            rsr=assessment.rsr,
            prefilled_fields=assessment.prefilled_fields,
            typed_fields=assessment.typed_fields,
            copied_from_summary=assessment.summary_id is not None,
            sections=[SectionRecord.shape(sec, rows.get(sec.key), lens) for sec in S.SECTIONS]
            if with_parts
            else [],
            topics=[TopicRecord.shape(t, topics.get(t.value), lens) for t in Topic] if with_parts else [],
        )

    @property
    def previous_ref(self) -> str | None:
        if self.previous_id is None and self.previous_token is None:
            return None
        return self.previous_token if self.previous_token is not None else str(self.previous_id)


@dataclass(frozen=True)
class TierLine:
    level: str
    label: str
    points: int
    counted: bool
    note: str


@dataclass(frozen=True)
class TierRecord:
    tier: str
    protect: str
    protect_points: int
    change: int
    change_points: int | None
    change_reason: str
    lines: list[TierLine]
    inputs: dict[str, Any]
    version: int
    computed_at: dt.datetime
    trigger: str
    trigger_label: str
    reason: str

    @property
    def protect_lines(self) -> list[TierLine]:
        return [line for line in self.lines if line.level == "protect"]

    @property
    def change_lines(self) -> list[TierLine]:
        return [line for line in self.lines if line.level == "change"]

    @classmethod
    def shape(cls, row: TierCalculation, lens: Lens) -> "TierRecord":
        return cls(
            tier=row.tier,
            protect=row.protect,
            protect_points=row.protect_points,
            change=row.change,
            change_points=row.change_points,
            change_reason=row.change_reason,
            lines=[TierLine(**line) for line in row.lines],
            inputs=row.inputs,
            version=row.version,
            computed_at=lens.date(row.computed_at),
            trigger=row.trigger,
            trigger_label=row.get_trigger_display(),
            reason=row.reason,
        )
