"""Pre-sentence reports: write one section by section, submit, sign off, correct, and download the PDF. The
same services and rules as the web pages, through the same door."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema, Status

from evenhand.assessment import door
from evenhand.assessment import report_document as document
from evenhand.assessment.models import (
    DiversityFactor,
    InformationSource,
    Proposal,
    ReportFormat,
    ReportSection,
    ReportStatus,
)
from evenhand.assessment.report_records import ReportRecord
from evenhand.assessment.services import reports as services
from evenhand.audit.models import Channel
from evenhand.cases.models import RequirementType
from evenhand.people.door import require_casework

from ..auth import staff_of
from ..schemas import (
    LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ErrorOut,
    FilterRef,
    Id,
    OffenceOut,
    PageQuery,
    Ref,
    Text,
)
from .common import api_field_names, listed, loaded_for_casework, purpose, read, refused_as_missing

router = Router(tags=["pre-sentence reports"])

ANALYSTS = "Null for analysts"


class FactorOut(Schema):
    key: DiversityFactor
    label: str
    prompt: str
    topic_status: str | None = Field(
        description="What the diversity conversation recorded: discussed, declined …"
    )
    in_their_words: str | None = Field(description=ANALYSTS)
    text: str | None = Field(description="What the author says of it; null for analysts")
    prefilled: bool = Field(description="Still as prefilled from the conversation and the record")


class SectionStateOut(Schema):
    key: ReportSection
    title: str
    complete: bool
    started: bool


class ReportRiskOut(Schema):
    rosh: str
    rosh_children: str | None
    rosh_public: str | None
    rosh_known_adult: str | None
    rosh_staff: str | None
    mappa_level: int | None
    assessed_on: dt.date


class ReportOut(Schema):
    id: int | None = Field(description=ANALYSTS)
    token: str | None = Field(description="Analysts only: an opaque reference to the report")
    person_id: int | None = Field(description=ANALYSTS)
    person_token: str | None = Field(description="Analysts only")
    version: int
    corrects_id: int | None = Field(description="The delivered version this one corrects; null for analysts")
    corrects_token: str | None
    court: str | None = Field(description=ANALYSTS)
    hearing_date: dt.date
    offences: list[OffenceOut] = Field(description="From the record: the main offence first")
    format: ReportFormat
    status: ReportStatus
    author: str | None = Field(description="Staff code; null for analysts")
    author_grade: str
    started_on: dt.date
    delivered_on: dt.date | None
    dangerousness: bool
    named_spo_name: str | None = Field(description=ANALYSTS)
    signed_off_by_name: str | None = Field(description=ANALYSTS)
    sections: list[SectionStateOut]
    sources: list[InformationSource]
    sources_other: str | None = Field(description=ANALYSTS)
    offence_analysis: str | None = Field(description=ANALYSTS)
    circumstances: str | None = Field(description=ANALYSTS)
    factors: list[FactorOut] = Field(description="The diversity section, factor by factor")
    risk: ReportRiskOut | None = Field(description="The risk of serious harm review the report shows")
    ogrs: int | None
    rsr: Decimal | None
    protective_factors: str | None = Field(description=ANALYSTS)
    risk_analysis: str | None = Field(description=ANALYSTS)
    proposal: Proposal | None
    requirements: list[RequirementType]
    rationale: str | None = Field(description=ANALYSTS)
    alternatives: str | None = Field(description=ANALYSTS)
    previous_convictions: int | None = Field(description="From the record; as at delivery once delivered")
    prefilled_fields: int
    typed_fields: int

    @staticmethod
    def resolve_proposal(obj: ReportRecord) -> str | None:
        return obj.proposal or None

    @staticmethod
    def resolve_risk(obj: ReportRecord) -> dict[str, Any] | None:
        risk = obj.risk
        if risk is None:
            return None
        return {
            "rosh": risk.rosh,
            "rosh_children": risk.rosh_children,
            "rosh_public": risk.rosh_public,
            "rosh_known_adult": risk.rosh_known_adult,
            "rosh_staff": risk.rosh_staff,
            "mappa_level": risk.mappa_level,
            "assessed_on": risk.assessed_on,
        }


class PagedReportOut(Schema):
    items: list[ReportOut]
    count: int


class ReportFilter(Schema):
    person: FilterRef = Field(None, description="The person's id (analysts: their token)")
    status: ReportStatus | None = None


class ReportIn(Schema):
    person_id: Id
    court: Text = Field(max_length=120)
    hearing_date: dt.date
    format: ReportFormat
    main_offence_id: Id = Field(description="One of the person's recorded offences")
    other_offence_ids: list[Id] = Field(default_factory=list, max_length=20)


class ReportSectionIn(Schema):
    section: ReportSection
    complete: bool = Field(False, description="Save as complete: what the section needs is checked")
    sources: list[InformationSource] = Field(default_factory=list, max_length=20)
    sources_other: Text = Field("", max_length=200)
    offence_analysis: Text = Field("", max_length=5000)
    circumstances: Text = Field("", max_length=5000)
    diversity: dict[DiversityFactor, Text] = Field(
        default_factory=dict,
        description="Factor to the author's words: how it bears on the offence and proposal",
    )
    risk_analysis: Text = Field("", max_length=5000)
    protective_factors: Text = Field("", max_length=5000)
    proposal: Proposal | None = None
    requirements: list[RequirementType] = Field(default_factory=list, max_length=20)
    rationale: Text = Field("", max_length=5000, description="Required with a proposal")
    alternatives: Text = Field("", max_length=5000)


class SubmitIn(Schema):
    dangerousness: bool = False
    named_spo_id: Id | None = Field(
        None, description="The SPO who signs off a report that addresses dangerousness"
    )


@router.get("", response={200: PagedReportOut, **LIST_ERRORS}, summary="List pre-sentence reports")
def list_reports(
    request: HttpRequest, filters: Query[ReportFilter], page: Query[PageQuery]
) -> dict[str, Any]:
    """Reports the caller may see, latest hearing first. Each page is logged as an export."""
    return listed(request, door.list_reports, page, person=filters.person, status=filters.status)


@router.get("/{ref:ref}", response={200: ReportOut, **READ_ERRORS}, summary="Read a pre-sentence report")
def read_report(request: HttpRequest, ref: Path[Ref]) -> ReportRecord:
    return read(request, lambda **kw: door.open_report(**kw).report, ref)


@router.post("", response={201: ReportOut, **WRITE_ERRORS}, summary="Start a pre-sentence report")
def start_report(request: HttpRequest, payload: ReportIn) -> Status:
    """Start a report for a court case; the offences are chosen from the person's record by id, and the
    diversity section is prefilled from the latest diversity conversation."""
    staff = staff_of(request)
    require_casework(staff)
    with loaded_for_casework("person_id", "person"):
        work = door.person_for_report(
            viewer=staff, ref=payload.person_id, channel=Channel.API, purpose=purpose(request)
        )
    with api_field_names(main_offence="main_offence_id", other_offences="other_offence_ids"):
        started = services.start_report(
            by=staff,
            person=work.model,
            court=payload.court,
            hearing_date=payload.hearing_date,
            format=payload.format,
            main_offence=payload.main_offence_id,
            other_offences=payload.other_offence_ids,
        )
    return Status(201, door.written_report(viewer=staff, report_id=started.pk))


def _for_work(request: HttpRequest, ref: str) -> door.ReportWork:
    staff = staff_of(request)
    with loaded_for_casework(None, "report"):
        return door.report_for_work(viewer=staff, ref=ref, channel=Channel.API, purpose=purpose(request))


@router.post("/{ref:ref}/sections", response={200: ReportOut, **WRITE_ERRORS}, summary="Save a section")
def save_section(request: HttpRequest, ref: Path[Ref], payload: ReportSectionIn) -> ReportRecord:
    """Save one section (only its fields are read) as far as it goes, or as complete. A proposal is never
    saved without its rationale. The diversity section's errors are named ``diversity_<factor>``."""
    work = _for_work(request, ref)
    staff = staff_of(request)
    data: dict[str, Any] = payload.model_dump(exclude={"section", "complete"})
    data["proposal"] = str(payload.proposal or "")
    data["sources"] = [str(s) for s in payload.sources]
    data["requirements"] = [str(r) for r in payload.requirements]
    data["diversity"] = {str(k): v for k, v in payload.diversity.items()}
    services.save_report_section(
        by=staff, report=work.model, section=payload.section, data=data, complete=payload.complete
    )
    return door.written_report(viewer=staff, report_id=work.model.pk)


@router.post("/{ref:ref}/submit", response={200: ReportOut, **WRITE_ERRORS}, summary="Submit a report")
def submit_report(request: HttpRequest, ref: Path[Ref], payload: SubmitIn) -> ReportRecord:
    """Submit it for sign-off, or deliver it when none is needed; what stops it is named by section key."""
    work = _for_work(request, ref)
    staff = staff_of(request)
    with api_field_names(named_spo="named_spo_id"):
        services.submit_report(
            by=staff, report=work.model, dangerousness=payload.dangerousness, named_spo=payload.named_spo_id
        )
    return door.written_report(viewer=staff, report_id=work.model.pk)


@router.post(
    "/{ref:ref}/sign-off",
    response={200: ReportOut, **WRITE_ERRORS},
    summary="Sign off a report (an SPO, never the author)",
)
def sign_off_report(request: HttpRequest, ref: Path[Ref]) -> ReportRecord:
    work = _for_work(request, ref)
    staff = staff_of(request)
    services.sign_off_report(by=staff, report=work.model)
    return door.written_report(viewer=staff, report_id=work.model.pk)


@router.post(
    "/{ref:ref}/return", response={200: ReportOut, **WRITE_ERRORS}, summary="Return a report to draft"
)
def return_report(request: HttpRequest, ref: Path[Ref]) -> ReportRecord:
    work = _for_work(request, ref)
    staff = staff_of(request)
    services.return_report(by=staff, report=work.model)
    return door.written_report(viewer=staff, report_id=work.model.pk)


@router.post(
    "/{ref:ref}/corrections", response={201: ReportOut, **WRITE_ERRORS}, summary="Correct a delivered report"
)
def correct_report(request: HttpRequest, ref: Path[Ref]) -> Status:
    """A new version of a delivered report, prefilled with everything it said, to change and submit again."""
    work = _for_work(request, ref)
    staff = staff_of(request)
    version = services.correct_report(by=staff, report=work.model)
    return Status(201, door.written_report(viewer=staff, report_id=version.pk))


@router.get(
    "/{ref:ref}/pdf",
    response={200: None, 403: ErrorOut, **READ_ERRORS},
    summary="Download a report as a PDF",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The report as an accessible (tagged) PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def report_pdf(request: HttpRequest, ref: Path[Ref]) -> HttpResponse:
    """The report as a PDF, for staff who see identities; the view and the export are logged."""
    staff = staff_of(request)
    with refused_as_missing():
        page = door.report_document(viewer=staff, ref=ref, channel=Channel.API, purpose=purpose(request))
    response = HttpResponse(document.render_pdf(page), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.file_name(page)}"'
    return response
