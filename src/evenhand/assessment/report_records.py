"""Pre-sentence reports shaped for the viewer's role (``evenhand.people.records.Lens``): for analysts a token
instead of ids, no free text (nothing the author wrote, no court, no offence descriptions), no staff names,
dates to the month. The proposal, the format and the counts stay: they are what is measured."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from evenhand.cases.models import RequirementType
from evenhand.cases.records import OffenceRecord, RiskRecord
from evenhand.people.records import Addressed, Lens

from .models import (
    FACTOR_PROMPTS,
    TOPIC_OF_FACTOR,
    DiversityFactor,
    DiversityTopic,
    InformationSource,
    PreSentenceReport,
    ReportSection,
    TopicStatus,
)

REQUIREMENT_LABELS = dict(RequirementType.choices)
SOURCE_LABELS = dict(InformationSource.choices)


@dataclass(frozen=True)
class FactorRecord:
    """One factor of the diversity section: its prompt, what the diversity conversation recorded of it, and
    what the author says of it."""

    key: str
    label: str
    prompt: str
    topic_status: str | None  # discussed, declined, not_yet; None where no conversation covers it
    topic_status_label: str | None
    in_their_words: str | None
    text: str | None
    prefilled: bool  # the author's words are still as prefilled


@dataclass(frozen=True)
class SectionState:
    key: str
    title: str
    complete: bool
    started: bool


@dataclass(frozen=True)
class ReportRecord(Addressed):
    id: int | None
    token: str | None
    person_id: int | None
    person_token: str | None
    version: int
    corrects_id: int | None
    corrects_token: str | None
    corrected: bool  # a later version has been started
    court: str | None
    hearing_date: dt.date
    offences: list[OffenceRecord]
    format: str
    format_label: str
    status: str
    status_label: str
    author: str | None  # staff code; None for analysts
    author_name: str | None
    author_grade: str
    started_on: dt.date
    submitted_on: dt.date | None
    delivered_on: dt.date | None
    dangerousness: bool
    named_spo_name: str | None
    signed_off_by_name: str | None
    sections: list[SectionState]
    sources: list[str]
    source_labels: list[str]
    sources_other: str | None
    offence_analysis: str | None
    circumstances: str | None
    factors: list[FactorRecord]
    risk: RiskRecord | None
    ogrs: int | None
    rsr: Decimal | None
    assessment_id: int | None
    assessment_token: str | None
    protective_factors: str | None
    risk_analysis: str | None
    proposal: str
    proposal_label: str
    requirements: list[str]
    requirement_labels: list[str]
    rationale: str | None
    alternatives: str | None
    previous_convictions: int | None
    prefilled_fields: int
    typed_fields: int

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def is_delivered(self) -> bool:
        return self.status in ("delivered", "superseded")

    @property
    def sections_done(self) -> int:
        return sum(1 for s in self.sections if s.complete)

    @property
    def corrects_ref(self) -> str | None:
        if self.corrects_id is None and self.corrects_token is None:
            return None
        return self.corrects_token if self.corrects_token is not None else str(self.corrects_id)

    @classmethod
    def shape(
        cls, report: PreSentenceReport, lens: Lens, *, with_parts: bool = True, convictions: int | None = None
    ) -> "ReportRecord":
        """``convictions``: the previous convictions the record holds now, for a report not yet delivered
        (a delivered one shows those it was delivered with)."""
        topics: dict[str, DiversityTopic] = (
            {t.topic: t for t in report.assessment.topics.all()}
            if with_parts and report.assessment is not None
            else {}
        )
        carried = report.carried or {}
        factors = []
        for factor in DiversityFactor if with_parts else ():
            topic = topics.get(TOPIC_OF_FACTOR.get(factor, ""))
            text = (report.diversity or {}).get(factor.value, "")
            factors.append(
                FactorRecord(
                    key=factor.value,
                    label=factor.label,
                    prompt=FACTOR_PROMPTS[factor],
                    topic_status=topic.status if topic is not None else None,
                    topic_status_label=TopicStatus(topic.status).label if topic is not None else None,
                    in_their_words=lens.text(topic.in_their_words) if topic is not None else None,
                    text=lens.text(text),
                    prefilled=bool(text) and carried.get(f"diversity:{factor.value}") == text,
                )
            )
        done = set(report.sections_done or [])
        started = {
            ReportSection.SOURCES: bool(report.sources or report.sources_other),
            ReportSection.OFFENCE: bool(report.offence_analysis),
            ReportSection.CIRCUMSTANCES: bool(report.circumstances),
            ReportSection.DIVERSITY: bool(report.diversity),
            ReportSection.RISK: bool(report.risk_analysis or report.protective_factors),
            ReportSection.PROPOSAL: bool(report.proposal or report.rationale),
        }
        offences = (
            [report.main_offence, *report.other_offences.all()] if with_parts else [report.main_offence]
        )
        author, spo, signer = report.author, report.named_spo, report.signed_off_by
        assessment = report.assessment
        corrects = report.corrects_id
        return cls(
            id=lens.id(report.pk),
            token=lens.token("report", report.pk),
            person_id=lens.id(report.person_id),
            person_token=lens.token("person", report.person_id),
            version=report.version,
            corrects_id=lens.id(corrects) if corrects is not None else None,
            corrects_token=lens.token("report", corrects) if corrects is not None else None,
            corrected=hasattr(report, "correction") if with_parts else False,
            court=lens.text(report.court),
            hearing_date=lens.date(report.hearing_date),
            offences=[OffenceRecord.shape(o, lens) for o in offences],
            format=report.format,
            format_label=report.get_format_display(),
            status=report.status,
            status_label=report.get_status_display(),
            author=author.staff_code if lens.identity else None,
            author_name=author.full_name if lens.identity else None,
            author_grade=author.grade,
            started_on=lens.date(report.started_on),
            submitted_on=lens.date(report.submitted_at.date()) if report.submitted_at else None,
            delivered_on=lens.date(report.delivered_on),
            dangerousness=report.dangerousness,
            named_spo_name=spo.full_name if spo is not None and lens.identity else None,
            signed_off_by_name=signer.full_name if signer is not None and lens.identity else None,
            sections=[
                SectionState(key=s.value, title=s.label, complete=s.value in done, started=started[s])
                for s in ReportSection
            ],
            sources=list(report.sources or []),
            source_labels=[SOURCE_LABELS.get(s, s) for s in report.sources or []],
            sources_other=lens.text(report.sources_other),
            offence_analysis=lens.text(report.offence_analysis),
            circumstances=lens.text(report.circumstances),
            factors=factors,
            risk=RiskRecord.shape(report.risk_review, lens) if report.risk_review is not None else None,
            ogrs=assessment.ogrs if assessment is not None else None,
            rsr=assessment.rsr if assessment is not None else None,
            assessment_id=lens.id(assessment.pk) if assessment is not None else None,
            assessment_token=lens.token("assessment", assessment.pk) if assessment is not None else None,
            protective_factors=lens.text(report.protective_factors),
            risk_analysis=lens.text(report.risk_analysis),
            proposal=report.proposal,
            proposal_label=report.get_proposal_display() if report.proposal else "",
            requirements=list(report.requirements or []),
            requirement_labels=[REQUIREMENT_LABELS.get(r, r) for r in report.requirements or []],
            rationale=lens.text(report.rationale),
            alternatives=lens.text(report.alternatives),
            previous_convictions=report.previous_convictions
            if report.previous_convictions is not None
            else convictions,
            prefilled_fields=report.prefilled_fields,
            typed_fields=report.typed_fields,
        )
