"""The one door to assessments and tiers: every page and API operation loads them here.

Built on ``evenhand.people.door``: each assessment is loaded with its person checked against the viewer
(``admit``: role, scope, restriction and exclusion lists), the view or refusal logged, and the result shaped
for the viewer's role (``records``): analysts get tokens, no free text, no staff names. Pages that change an
assessment open it for casework (a casework role with access), and the assessment pages show what the case
record already holds (record once), shaped by the cases records.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from evenhand.audit.models import Channel
from evenhand.audit.services import log_export
from evenhand.cases import selectors as case_selectors
from evenhand.cases.models import Offence, Sentence
from evenhand.cases.records import ReferralRecord, RegistrationRecord, RiskRecord, SentenceRecord
from evenhand.org.models import StaffMember
from evenhand.people.access import visible_people
from evenhand.people.door import (
    RecordNotFound,
    admit,
    by_ref,
    open_person_and_model,
    person_for_casework,
    record_id,
    refuse,
    shaped_slice,
)
from evenhand.people.models import Person
from evenhand.people.records import Lens, PersonRecord

from . import selectors
from .models import Assessment, PreSentenceReport, ReportStatus
from .records import AssessmentRecord, TierRecord
from .report_records import ReportRecord
from .services import can_countersign, completion_problems, identity_choices, last_finished, reports


@dataclass(frozen=True)
class RecordFacts:
    """What the case record already holds, shown on the assessment pages and never typed again."""

    sentences: list[SentenceRecord]
    risk: RiskRecord | None
    registrations: list[RegistrationRecord]
    referrals: list[ReferralRecord]
    attendance: list[tuple[str, int]]


@dataclass(frozen=True)
class AssessmentsPage:
    person: PersonRecord
    lens: Lens
    assessments: list[AssessmentRecord]
    open_one: AssessmentRecord | None
    can_start: bool
    last_finished: AssessmentRecord | None
    sentences: QuerySet[Sentence]
    tier: TierRecord | None


@dataclass(frozen=True)
class AssessmentPage:
    person: PersonRecord
    lens: Lens
    assessment: AssessmentRecord
    facts: RecordFacts
    can_edit: bool
    can_countersign: bool
    problems: dict[str, list[str]]


@dataclass(frozen=True)
class AssessmentWork:
    """An assessment opened for casework: the model the services take, and what the form page shows."""

    model: Assessment
    page: AssessmentPage


@dataclass(frozen=True)
class TierPage:
    person: PersonRecord
    lens: Lens
    current: TierRecord | None
    history: list[TierRecord]


def _facts(person: Person, lens: Lens) -> RecordFacts:
    risk = case_selectors.current_risk(person)
    return RecordFacts(
        sentences=[SentenceRecord.shape(s, lens) for s in case_selectors.sentences_of(person)[:10]],
        risk=RiskRecord.shape(risk, lens) if risk is not None else None,
        registrations=[
            RegistrationRecord.shape(r, lens)
            for r in case_selectors.registrations_of(person).filter(end_date__isnull=True)[:20]
        ],
        referrals=[ReferralRecord.shape(r, lens) for r in case_selectors.referrals_of(person)[:20]],
        attendance=selectors.attendance(person),
    )


def _load(viewer: StaffMember, ref: str | int) -> Assessment:
    lens = Lens.of(viewer)
    found = selectors.with_parts().filter(pk=record_id(lens, "assessment", ref)).first()
    if found is None:
        raise RecordNotFound("No such assessment.")
    return found


def _page(viewer: StaffMember, assessment: Assessment) -> AssessmentPage:
    lens = Lens.of(viewer)
    person = assessment.person
    # The addresses and the diversity profile in force are shown as the record holds them, never retyped.
    addresses = list(person.addresses.filter(end_date__isnull=True)) if lens.identity else None
    return AssessmentPage(
        person=PersonRecord.shape(person, lens, with_diversity=True, addresses=addresses),
        lens=lens,
        assessment=AssessmentRecord.shape(assessment, lens),
        facts=_facts(person, lens),
        can_edit=lens.casework and assessment.status == "in_progress",
        can_countersign=lens.casework and can_countersign(viewer, assessment),
        problems=completion_problems(assessment) if assessment.status == "in_progress" else {},
    )


def open_assessment(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> AssessmentPage:
    """One assessment, with what the record holds, shaped for the viewer; the view or refusal is logged."""
    assessment = _load(viewer, ref)
    admit(viewer=viewer, person_id=assessment.person_id, channel=channel, purpose=purpose)
    return _page(viewer, assessment)


def assessment_for_work(
    *, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str
) -> AssessmentWork:
    """An assessment opened to change it (a casework role with access to the person only; the view or the
    refusal logged)."""
    assessment = _load(viewer, ref)
    admit(viewer=viewer, person_id=assessment.person_id, channel=channel, purpose=purpose, casework=True)
    return AssessmentWork(model=assessment, page=_page(viewer, assessment))


def open_assessments(
    *, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str
) -> AssessmentsPage:
    """A person's assessments and current tier, and whether the viewer may start one; one view row."""
    person, record = open_person_and_model(viewer=viewer, ref=ref, channel=channel, purpose=purpose)
    lens = Lens.of(viewer)
    rows = list(selectors.assessments_of(person)[:50])
    open_one = next((a for a in rows if a.status in ("in_progress", "awaiting_countersignature")), None)
    finished = next((a for a in rows if a.status in ("complete", "locked") and a.summary_id is None), None)
    tier = selectors.current_tier(person)
    return AssessmentsPage(
        person=record,
        lens=lens,
        assessments=[AssessmentRecord.shape(a, lens, with_parts=False) for a in rows],
        open_one=AssessmentRecord.shape(open_one, lens, with_parts=False) if open_one else None,
        can_start=lens.casework and open_one is None,
        last_finished=AssessmentRecord.shape(finished, lens, with_parts=False) if finished else None,
        sentences=case_selectors.active_sentences(person),
        tier=TierRecord.shape(tier, lens) if tier is not None else None,
    )


@dataclass(frozen=True)
class PersonForAssessment:
    model: Person
    person: PersonRecord
    sentences: QuerySet[Sentence]
    open_one: AssessmentRecord | None  # one in progress: continue it rather than start another
    last_finished: AssessmentRecord | None  # what a review would start from


def person_for_assessment(
    *, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str
) -> PersonForAssessment:
    """The person, for starting an assessment (casework roles with access; the view or refusal logged)."""
    person = person_for_casework(
        viewer=viewer,
        person_id=ref,  # type: ignore[arg-type]  # an id or an analyst's token, as record_id takes
        channel=channel,
        purpose=purpose,
    )
    lens = Lens.of(viewer)
    open_one = selectors.open_assessment_of(person)
    last = last_finished(person)
    return PersonForAssessment(
        model=person,
        person=PersonRecord.shape(person, lens),
        sentences=case_selectors.active_sentences(person),
        open_one=AssessmentRecord.shape(open_one, lens, with_parts=False) if open_one else None,
        last_finished=AssessmentRecord.shape(last, lens, with_parts=False) if last else None,
    )


def sentence_of(*, person: Person, sentence_id: int | None) -> Sentence | None:
    """One of a person already admitted for casework's sentences, by id (None for none); a sentence that is
    not theirs is refused on ``sentence_id``."""
    if sentence_id is None:
        return None
    found = Sentence.objects.filter(person=person, pk=sentence_id).first()
    if found is None:
        raise ValidationError({"sentence_id": "Choose one of the person's sentences"})
    return found


def open_tier(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> TierPage:
    """A person's computed tier with its working, and every change to it; one view row."""
    person, record = open_person_and_model(viewer=viewer, ref=ref, channel=channel, purpose=purpose)
    lens = Lens.of(viewer)
    history = [TierRecord.shape(t, lens) for t in selectors.tier_history(person)[:50]]
    return TierPage(person=record, lens=lens, current=history[0] if history else None, history=history)


def written_assessment(*, viewer: StaffMember, assessment_id: int) -> AssessmentRecord:
    """An assessment the viewer has just changed (its loading logged the view), shaped for them."""
    return AssessmentRecord.shape(selectors.with_parts().get(pk=assessment_id), Lens.of(viewer))


def list_assessments(
    *,
    viewer: StaffMember,
    person: str | None = None,
    status: str | None = None,
    offset: int,
    limit: int,
    channel: Channel,
    purpose: str,
) -> tuple[int, list[AssessmentRecord]]:
    """Assessments the viewer may see, latest first, shaped; the page is logged as an export."""
    lens = Lens.of(viewer)
    return _listed(
        viewer,
        selectors.with_parts().order_by("-started_on", "-id"),
        person=person,
        status=status,
        shape=lambda a: AssessmentRecord.shape(a, lens),
        offset=offset,
        limit=limit,
        channel=channel,
        purpose=purpose,
    )


def _listed(
    viewer: StaffMember,
    rows: QuerySet[Any],
    *,
    person: str | None,
    status: str | None,
    shape: Callable[[Any], Any],
    offset: int,
    limit: int,
    channel: Channel,
    purpose: str,
) -> tuple[int, list[Any]]:
    """A page of ``rows`` (records of one person each) about the people the viewer may see, of one person
    and status when asked, shaped; the page is logged as an export."""
    lens = Lens.of(viewer)
    rows = by_ref(rows.filter(person__in=visible_people(viewer)), "person_id", lens, "person", person)
    if status:
        rows = rows.filter(status=status)
    return shaped_slice(
        viewer=viewer,
        rows=rows,
        offset=offset,
        limit=limit,
        person_of=lambda row: row.person_id,
        shape=shape,
        channel=channel,
        purpose=purpose,
    )


# --- pre-sentence reports -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportsPage:
    person: PersonRecord
    lens: Lens
    reports: list[ReportRecord]
    can_start: bool


@dataclass(frozen=True)
class ReportPage:
    person: PersonRecord
    lens: Lens
    report: ReportRecord
    can_edit: bool  # the author, while it is a draft
    can_submit: bool
    can_sign_off: bool
    can_return: bool
    can_correct: bool
    needs_sign_off: bool
    problems: dict[str, list[str]]
    spo_choices: list[tuple[int, str]]


@dataclass(frozen=True)
class ReportWork:
    """A report opened for casework: the model the services take, and what the page shows."""

    model: PreSentenceReport
    page: ReportPage


@dataclass(frozen=True)
class PersonForReport:
    model: Person
    person: PersonRecord
    offences: QuerySet[Offence]
    has_offences: bool  # a report's offences are chosen from the record: none recorded, none to choose


def _load_report(viewer: StaffMember, ref: str | int) -> PreSentenceReport:
    lens = Lens.of(viewer)
    found = selectors.reports_with_parts().filter(pk=record_id(lens, "report", ref)).first()
    if found is None:
        raise RecordNotFound("No such report.")
    return found


def _shape_report(report: PreSentenceReport, lens: Lens) -> ReportRecord:
    convictions = None
    if report.previous_convictions is None:
        convictions = reports.previous_convictions(
            report.person_id, report.hearing_date, excluding=report.main_offence.sentence_id
        )
    return ReportRecord.shape(report, lens, convictions=convictions)


def _report_page(viewer: StaffMember, report: PreSentenceReport) -> ReportPage:
    lens = Lens.of(viewer)
    draft = report.status == ReportStatus.DRAFT
    author = viewer.pk == report.author_id
    shaped = _shape_report(report, lens)
    return ReportPage(
        person=PersonRecord.shape(report.person, lens, with_diversity=True),
        lens=lens,
        report=shaped,
        can_edit=lens.casework and draft and author,
        can_submit=lens.casework and draft and author,
        can_sign_off=lens.casework and reports.can_sign_off(viewer, report),
        can_return=lens.casework
        and report.status == ReportStatus.AWAITING_SIGN_OFF
        and (author or reports.can_sign_off(viewer, report)),
        can_correct=lens.casework and report.status == ReportStatus.DELIVERED and not shaped.corrected,
        needs_sign_off=draft and reports.needs_sign_off(report),
        problems=reports.report_problems(report) if draft else {},
        spo_choices=[(s.pk, s.full_name) for s in reports.spo_choices(report)] if draft and author else [],
    )


def open_report(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> ReportPage:
    """One pre-sentence report, shaped for the viewer; the view or refusal is logged."""
    report = _load_report(viewer, ref)
    admit(viewer=viewer, person_id=report.person_id, channel=channel, purpose=purpose)
    return _report_page(viewer, report)


def report_for_work(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> ReportWork:
    """A report opened to change, submit, sign off or correct it (a casework role with access to the person;
    the view or the refusal logged)."""
    report = _load_report(viewer, ref)
    admit(viewer=viewer, person_id=report.person_id, channel=channel, purpose=purpose, casework=True)
    return ReportWork(model=report, page=_report_page(viewer, report))


def report_document(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> ReportPage:
    """A report as a document (the HTML page to print, the PDF): for staff who see identities, since the
    report is the author's words; the view and the export are both logged."""
    report = _load_report(viewer, ref)
    if not Lens.of(viewer).identity:
        refuse(
            viewer=viewer,
            person_id=report.person_id,
            channel=channel,
            message="The report's text is not shown to your role.",
            role_only=True,
        )
    admit(viewer=viewer, person_id=report.person_id, channel=channel, purpose=purpose)
    log_export(staff=viewer, channel=channel, detail=purpose, person_ids=[report.person_id])
    return _report_page(viewer, report)


def open_reports(*, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str) -> ReportsPage:
    """A person's pre-sentence reports, and whether the viewer may start one; one view row."""
    person, record = open_person_and_model(viewer=viewer, ref=ref, channel=channel, purpose=purpose)
    lens = Lens.of(viewer)
    return ReportsPage(
        person=record,
        lens=lens,
        reports=[ReportRecord.shape(r, lens, with_parts=False) for r in selectors.reports_of(person)[:50]],
        can_start=lens.casework,
    )


def person_for_report(
    *, viewer: StaffMember, ref: str | int, channel: Channel, purpose: str
) -> PersonForReport:
    """The person, for starting a report (casework roles with access; the view or refusal logged), with the
    offences their record holds to choose from."""
    person = person_for_casework(
        viewer=viewer,
        person_id=ref,  # type: ignore[arg-type]  # an id or an analyst's token, as record_id takes
        channel=channel,
        purpose=purpose,
    )
    offences = selectors.offences_of(person)
    return PersonForReport(
        model=person,
        person=PersonRecord.shape(person, Lens.of(viewer)),
        offences=offences,
        has_offences=offences.exists(),
    )


def written_report(*, viewer: StaffMember, report_id: int) -> ReportRecord:
    """A report the viewer has just changed (its loading logged the view), shaped for them."""
    return _shape_report(selectors.reports_with_parts().get(pk=report_id), Lens.of(viewer))


def list_reports(
    *,
    viewer: StaffMember,
    person: str | None = None,
    status: str | None = None,
    offset: int,
    limit: int,
    channel: Channel,
    purpose: str,
) -> tuple[int, list[ReportRecord]]:
    """Pre-sentence reports the viewer may see, latest hearing first, shaped; the page is logged as an
    export."""
    lens = Lens.of(viewer)
    return _listed(
        viewer,
        selectors.reports_with_parts().order_by("-hearing_date", "-id"),
        person=person,
        status=status,
        shape=lambda r: _shape_report(r, lens),
        offset=offset,
        limit=limit,
        channel=channel,
        purpose=purpose,
    )


__all__ = [
    "AssessmentPage",
    "AssessmentWork",
    "AssessmentsPage",
    "PersonForReport",
    "RecordFacts",
    "ReportPage",
    "ReportWork",
    "ReportsPage",
    "TierPage",
    "assessment_for_work",
    "identity_choices",
    "list_assessments",
    "list_reports",
    "open_assessment",
    "open_assessments",
    "open_report",
    "open_reports",
    "open_tier",
    "person_for_assessment",
    "person_for_report",
    "report_document",
    "report_for_work",
    "sentence_of",
    "written_assessment",
    "written_report",
]
