"""Workforce equality (issue 17) through the API: the HR analyst's measures and published reports, and every
member of staff's own equality profile.

The same selectors, services and rules as the pages (``evenhand.workforce``): the measures are the HR
analyst's figures at ``/workforce/`` (counts and rates of groups, never a name; a breakdown withheld, with
the reason, where fewer than 60% of the unit's staff declared the characteristic), and a head of PDU's are
their own PDU's with every group of fewer than 30 shown without its figures, as on ``/workforce/my-pdu/``;
anyone else is refused (403). A staff member's profile is only ever their own (there is no operation that
names anyone else's), read and updated through the same form and service as ``/my-equality-profile/``.

JSON has no NaN or infinity: a figure that does not exist, is infinite or is hidden is ``null`` and the row's
``note`` says why.
"""

import datetime as dt
import math
from typing import Any, Literal

import pandas as pd
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from evenhand.workforce.access import ensure_can_see_aggregates
from evenhand.workforce.forms import ProfileForm
from evenhand.workforce.measures import (
    MeasureTable,
    SummaryTable,
    WorkforceReport,
    analyst_workforce_report,
    pdu_workforce_report,
)
from evenhand.workforce.publication import FILES
from evenhand.workforce.selectors import my_profile, releases
from evenhand.workforce.services import declare

from ..auth import staff_of
from ..schemas import ErrorOut, PageQuery

router = Router(tags=["workforce equality"])

MEASURE_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
Characteristic = Literal["ethnic_group", "sex", "disability"]


def _number(value: Any) -> float | None:
    """A figure JSON can carry: missing, hidden, undefined or infinite is null."""
    if value is None or isinstance(value, str) or pd.isna(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _count(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else round(number)


# --- the measures -------------------------------------------------------------------------------------------


class MeasuresQuery(Schema):
    characteristic: Characteristic = Field("ethnic_group", description="What the groups are")
    unit: str = Field("national", max_length=12, description="national, a region code or a PDU code")
    start: dt.date | None = Field(None, alias="from", description="First day; default: a year before `to`")
    end: dt.date | None = Field(None, alias="to", description="Last day (included); default: today")


class PduMeasuresQuery(Schema):
    characteristic: Characteristic = Field("ethnic_group", description="What the groups are")


class GroupFigureOut(Schema):
    """One group of a measure: its people (or things) counted, those with the event, the rate with its 95%
    interval, and the comparison with the reference group (q-value across the report, flag)."""

    group: str
    n: int | None = Field(description="Null when hidden (a small group, for a head of PDU)")
    events: int | None
    rate: float | None
    rate_low: float | None
    rate_high: float | None
    relative_rate: float | None
    relative_rate_low: float | None
    relative_rate_high: float | None
    q_value: float | None
    flagged: bool
    per_100: float | None = Field(
        description="Every such event per 100 of the group, where the measure has it"
    )
    note: str


class AdjustedFigureOut(Schema):
    group: str
    crude_relative_rate: float | None
    adjusted_relative_rate: float | None
    adjusted_relative_rate_low: float | None
    adjusted_relative_rate_high: float | None
    adjusted_q_value: float | None
    adjusted_flagged: bool
    explained: bool = Field(description="A crude gap flagged that the adjustment explains")
    note: str


class WorkforceMeasureOut(Schema):
    key: str
    title: str
    section: str
    counted: str = Field(description="Who n counts")
    with_event: str = Field(description="Who events counts")
    declared_share: float = Field(description="The share of the unit's staff who declared the characteristic")
    withheld: str | None = Field(description="Why there is no breakdown (the declaration rule …), or null")
    per_100: float | None
    per_100_label: str
    groups: list[GroupFigureOut]
    adjusted_for: str
    adjustment_note: str
    adjusted: list[AdjustedFigureOut]


class SummaryFigureOut(Schema):
    group: str
    n: int | None
    value: float | None
    low: float | None
    high: float | None
    ratio: float | None = Field(description="To the reference group's value")
    note: str


class SummaryOut(Schema):
    key: str
    title: str
    withheld: str | None
    value_label: str
    counted: str
    spread: str = Field(description='What low and high are ("Quartiles"), or ""')
    groups: list[SummaryFigureOut]


class PopulationOut(Schema):
    area: str
    description: str
    source: str
    note: str


class RepresentationOut(Schema):
    """One grade's staff of one group: their share of the grade's declared staff with its 95% interval,
    against the census population's share (by ethnic group)."""

    grade: str
    group: str
    grade_staff: int | None = Field(description="The grade's declared staff")
    staff: int | None = Field(description="Of them, in the group; null when hidden")
    share: float | None
    share_low: float | None
    share_high: float | None
    population_share: float | None
    outside: bool | None = Field(description="The population share lies outside the interval; null if hidden")
    note: str


class MeasuresOut(Schema):
    characteristic: str
    unit: str
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    threshold: float = Field(description="The declaration rule: the share of staff who must have declared")
    staff: int
    min_n: int
    suppressed: bool = Field(description="Groups of fewer than min_n are shown without their figures")
    representation_withheld: str | None
    population: PopulationOut | None
    population_missing: str | None
    representation: list[RepresentationOut]
    measures: list[WorkforceMeasureOut]
    summaries: list[SummaryOut]


def _groups(table: pd.DataFrame | None) -> list[dict[str, Any]]:
    if table is None:
        return []
    return [
        {
            "group": str(group),
            "n": _count(row.get("n")),
            "events": _count(row.get("events")),
            **{
                name: _number(row.get(name))
                for name in (
                    "rate",
                    "rate_low",
                    "rate_high",
                    "relative_rate",
                    "relative_rate_low",
                    "relative_rate_high",
                    "q_value",
                    "per_100",
                )
            },
            "flagged": bool(row.get("flagged", False)),
            "note": str(row.get("note") or ""),
        }
        for group, row in table.iterrows()
    ]


def _adjusted(table: pd.DataFrame | None) -> list[dict[str, Any]]:
    if table is None:
        return []
    names = (
        "crude_relative_rate",
        "adjusted_relative_rate",
        "adjusted_relative_rate_low",
        "adjusted_relative_rate_high",
        "adjusted_q_value",
    )
    return [
        {
            "group": str(group),
            **{name: _number(row.get(name)) for name in names},
            "adjusted_flagged": bool(row.get("adjusted_flagged", False)),
            "explained": bool(row.get("explained", False)),
            "note": str(row.get("note") or ""),
        }
        for group, row in table.iterrows()
    ]


def _measure(measure: MeasureTable) -> dict[str, Any]:
    return {
        "key": measure.measure,
        "title": measure.title,
        "section": measure.section,
        "counted": measure.counted,
        "with_event": measure.with_event,
        "declared_share": measure.declared_share,
        "withheld": measure.withheld or None,
        "per_100": _number(measure.per_100),
        "per_100_label": measure.per_100_label,
        "groups": _groups(measure.table),
        "adjusted_for": measure.adjusted_for,
        "adjustment_note": measure.adjustment_note,
        "adjusted": _adjusted(measure.adjusted),
    }


def _summary(summary: SummaryTable) -> dict[str, Any]:
    rows = summary.table.iterrows() if summary.table is not None else iter(())
    return {
        "key": summary.measure,
        "title": summary.title,
        "withheld": summary.withheld or None,
        "value_label": summary.value_label,
        "counted": summary.counted,
        "spread": summary.spread,
        "groups": [
            {
                "group": str(group),
                "n": _count(row.get("n")),
                **{name: _number(row.get(name)) for name in ("value", "low", "high", "ratio")},
                "note": str(row.get("note") or ""),
            }
            for group, row in rows
        ],
    }


def _representation(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    if frame is None:
        return []
    return [
        {
            "grade": str(row["grade"]),
            "group": str(row["group"]),
            "grade_staff": _count(row["n"]),
            "staff": _count(row["events"]),
            "share": _number(row["rate"]),
            "share_low": _number(row["rate_low"]),
            "share_high": _number(row["rate_high"]),
            "population_share": _number(row.get("population_share")),
            "outside": None if row.get("outside") is None else bool(row.get("outside")),
            "note": str(row.get("note") or ""),
        }
        for _, row in frame.iterrows()
    ]


def _report(report: WorkforceReport) -> dict[str, Any]:
    population = report.population
    return {
        "characteristic": report.characteristic,
        "unit": report.unit,
        "from": report.start,
        "to": report.end,
        "threshold": report.threshold,
        "staff": report.staff,
        "min_n": report.min_n,
        "suppressed": report.suppressed,
        "representation_withheld": report.representation_withheld or None,
        "population": None
        if population is None
        else {
            "area": population.area,
            "description": population.description,
            "source": population.source,
            "note": population.note,
        },
        "population_missing": report.population_missing or None,
        "representation": _representation(report.representation),
        "measures": [_measure(m) for m in report.measures],
        "summaries": [_summary(s) for s in report.summaries],
    }


@router.get("/measures", response={200: MeasuresOut, **MEASURE_ERRORS}, by_alias=True, summary="Measures")
def measures(request: HttpRequest, query: Query[MeasuresQuery]) -> Any:
    """The workforce measures of a period (the last 12 months unless given) for a unit, split by a
    characteristic: what the HR analyst's page shows, with the declaration rule applied and every group of
    fewer than ``min_n`` without its counts or figures. For HR analysts (403 otherwise); an unknown unit or a
    period that ends before it starts answers 422 naming it."""
    staff = staff_of(request)
    ensure_can_see_aggregates(staff)
    end = query.end or timezone.localdate()
    start = query.start or end - dt.timedelta(days=365)
    if end < start:
        raise ValidationError({"to": "The period ends before it starts"})
    try:
        report = analyst_workforce_report(
            staff,
            start=start,
            end=end,
            characteristic=query.characteristic,
            unit=query.unit.strip().upper() or "national",
        )
    except ValueError as error:
        raise ValidationError({"unit": str(error)}) from None
    return _report(report)


@router.get(
    "/my-pdu/measures", response={200: MeasuresOut, **MEASURE_ERRORS}, by_alias=True, summary="My PDU"
)
def pdu_measures(request: HttpRequest, query: Query[PduMeasuresQuery]) -> Any:
    """A head of PDU's workforce measures of the last 12 months: their own PDU's staff only, every group of
    fewer than ``min_n`` without its figures, as ``/workforce/my-pdu/`` shows them. For heads of PDU placed in
    a PDU (403 otherwise)."""
    staff = staff_of(request)
    end = timezone.localdate()
    report = pdu_workforce_report(
        staff, start=end - dt.timedelta(days=365), end=end, characteristic=query.characteristic
    )
    return _report(report)


# --- the published reports ----------------------------------------------------------------------------------


class WorkforceReleaseOut(Schema):
    id: int
    period: str
    unit: str
    starts_on: dt.date
    ends_on: dt.date
    published_on: dt.date
    published_by: str = Field(description="The staff code of the HR analyst who published it")
    sha256: str
    audit_passed: bool
    audit_summary: str
    files: dict[str, str] = Field(description="Each file's download (html, ods, cells): the page's")

    @staticmethod
    def resolve_published_by(release: Any) -> str:
        return str(release.published_by.staff_code)

    @staticmethod
    def resolve_audit_passed(release: Any) -> bool:
        return bool(release.audit.get("passed"))

    @staticmethod
    def resolve_audit_summary(release: Any) -> str:
        return str(release.audit.get("summary", ""))

    @staticmethod
    def resolve_files(release: Any) -> dict[str, str]:
        return {kind: reverse("workforce-release-file", args=[release.pk, kind]) for kind in FILES}


class WorkforceReleasePage(Schema):
    items: list[WorkforceReleaseOut]
    count: int


@router.get("/releases", response={200: WorkforceReleasePage, **MEASURE_ERRORS}, summary="Published reports")
def release_list(request: HttpRequest, page: Query[PageQuery]) -> Any:
    """Every published workforce report, newest first, with who published it, its checksum, the disclosure
    audit's result and where to download its files. For HR analysts (403 otherwise)."""
    found = releases(staff_of(request))
    return {"items": found[page.offset : page.offset + page.limit], "count": len(found)}


# --- one's own profile --------------------------------------------------------------------------------------


class ProfileAnswerOut(Schema):
    characteristic: str
    question: str
    value: str = Field(description='The answer\'s code, or "" when not declared')
    label: str
    declared_at: dt.datetime | None


class ProfileOut(Schema):
    answers: list[ProfileAnswerOut] = Field(description="The answer that stands to each question")
    history: list[ProfileAnswerOut] = Field(description="Every answer given, newest first")


class ProfileIn(Schema):
    """New answers, by question; a question left out (or empty) keeps its answer. The codes are the web
    form's choices (the ethnicity codes of the 2021 census, "prefer_not_to_say" …)."""

    model_config = {"extra": "forbid"}

    ethnicity: str | None = Field(None, max_length=20)
    sex: str | None = Field(None, max_length=20)
    gender_identity: str | None = Field(None, max_length=20)
    disability: str | None = Field(None, max_length=20)
    religion: str | None = Field(None, max_length=20)
    sexual_orientation: str | None = Field(None, max_length=20)
    age_band: str | None = Field(None, max_length=20)
    caring: str | None = Field(None, max_length=20)


class ProfileChangedOut(ProfileOut):
    changed: int = Field(description="How many answers were new (the same answer again is not recorded)")


PROFILE_ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 422: ErrorOut}


@router.get("/my-profile", response={200: ProfileOut, 401: ErrorOut}, summary="My equality profile")
def profile(request: HttpRequest) -> Any:
    """The caller's own equality profile: the answer standing to each question and every answer given.
    Nobody else's profile can be read, by anyone."""
    return my_profile(staff_of(request))


@router.patch("/my-profile", response={200: ProfileChangedOut, **PROFILE_ERRORS}, summary="Update my profile")
def update_profile(request: HttpRequest, payload: ProfileIn) -> Any:
    """Give new answers to some of the questions of one's own profile, checked by the web form's rules (an
    answer not among a question's choices answers 422 naming the question, and nothing is recorded); an
    answer the same as the one standing is not recorded again."""
    staff = staff_of(request)
    given = {key: value for key, value in payload.dict().items() if value}
    form = ProfileForm(data=given)
    if not form.is_valid():
        raise ValidationError({field: list(messages) for field, messages in form.errors.items()})
    made = declare(by=staff, staff=staff, answers={k: v for k, v in form.cleaned_data.items() if v})
    shown = my_profile(staff)
    return {"answers": shown.answers, "history": shown.history, "changed": len(made)}
