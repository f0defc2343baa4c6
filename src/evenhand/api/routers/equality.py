"""Equality figures: the dashboard's analysis of one measure for one unit, as JSON.

The same question, checks, cached figures and permissions as the dashboard at ``/equality/`` (analysts,
inspectors and heads of PDU; 403 for anyone else). Only aggregates: no person, CRN or pseudonym appears.

JSON has no NaN or infinity, so a figure that does not exist, or is infinite (a group with events against a
reference group with none), is ``null``; its row's ``note`` says why ("fewer than 30 people", "no events in
the reference group: ratios are infinite …", and for any infinite figure "infinite figures are given as
null").
"""

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

import pandas as pd
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from evenhand.equality import selectors, services
from evenhand.equality.access import ensure_can_see_equality
from evenhand.equality.engine import BadRequest, group_label
from evenhand.jobs.models import Job

from ..auth import staff_of
from ..schemas import ErrorOut

router = Router(tags=["equality"])

INFINITE_NOTE = "infinite figures are given as null"


# --- schemas ----------------------------------------------------------------------------------------------


class AnalysisQuery(Schema):
    measure: str = Field(description="A measure of the catalogue: recall, breach, referral:ete, …")
    characteristic: str = Field(
        selectors.DEFAULT_CHARACTERISTIC,
        description="ethnic_group, ethnicity, sex, age_band, religion, disability or ethnic_group_sex",
    )
    start: dt.date | None = Field(
        None, alias="from", description="First day of the period; default: the 12 months before this one"
    )
    end: dt.date | None = Field(None, alias="to", description="Last day of the period (included)")
    reference: str | None = Field(
        None,
        description="The group every other is compared with (a group code); default: the largest usual one",
    )
    unit: str = Field(selectors.NATIONAL, description="national, a region code or a PDU code")


class EqualityErrorOut(ErrorOut):
    """The API's error shape, and the parameter at fault on its own as well."""

    field: str | None = Field(None, description="The query parameter at fault, when there is one")


class SettingsOut(Schema):
    measure: str
    characteristic: str
    reference: str = Field(description="The reference group's code")
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    unit: str
    min_n: int = Field(description="Groups with fewer people get counts and a rate but no ratio or test")
    materiality_band: tuple[float, float] = Field(description="A ratio inside it is never flagged")
    q_threshold: float = Field(description="A comparison is flagged when q is below this, outside the band")
    alpha: float = Field(description="Intervals are at level 1 - alpha")


class MeasureOut(Schema):
    key: str
    title: str
    definition: str


class UnitOut(Schema):
    code: str
    name: str
    level: str = Field(description="national, region, pdu or team")
    parent: str | None = Field(description="The code of the unit it is part of")


class GroupOut(Schema):
    """The unit's people of one group against the reference group (crude)."""

    group: str
    label: str
    n: int
    events: int
    rate: float | None
    rate_low: float | None
    rate_high: float | None
    is_reference: bool
    relative_rate: float | None
    relative_rate_low: float | None
    relative_rate_high: float | None
    odds_ratio: float | None
    odds_ratio_low: float | None
    odds_ratio_high: float | None
    test: str | None
    p_value: float | None
    q_value: float | None
    flagged: bool
    note: str


class AdjustedOut(Schema):
    """Nationally, one group's crude and adjusted comparison with the reference group."""

    group: str
    label: str
    n: int
    events: int
    rate: float | None
    is_reference: bool
    crude_relative_rate: float | None
    crude_relative_rate_low: float | None
    crude_relative_rate_high: float | None
    crude_odds_ratio: float | None
    crude_odds_ratio_low: float | None
    crude_odds_ratio_high: float | None
    crude_p_value: float | None
    crude_q_value: float | None
    crude_flagged: bool
    adjusted_odds_ratio: float | None
    adjusted_odds_ratio_low: float | None
    adjusted_odds_ratio_high: float | None
    adjusted_relative_rate: float | None
    adjusted_relative_rate_low: float | None
    adjusted_relative_rate_high: float | None
    adjusted_p_value: float | None
    adjusted_q_value: float | None
    adjusted_flagged: bool
    note: str


class UnitGroupOut(Schema):
    """One unit's people of one group against similar people nationally: observed against expected events."""

    unit: str
    name: str
    parent: str
    group: str
    label: str
    n: int
    observed: int
    expected: float | None
    variance: float | None
    ratio: float | None = Field(description="Observed / expected")
    ratio_low: float | None
    ratio_high: float | None
    odds_ratio: float | None = Field(description="One-step odds ratio: what the flag is decided on")
    odds_ratio_low: float | None
    odds_ratio_high: float | None
    p_value: float | None
    q_value: float | None
    lower_95: float | None
    upper_95: float | None
    outside_95: bool
    lower_99_8: float | None
    upper_99_8: float | None
    outside_99_8: bool
    direction: str = Field(description='"above" or "below" when outside the 95% limits, else ""')
    flagged: bool
    note: str


class AnalysisOut(Schema):
    settings: SettingsOut
    measure: MeasureOut
    unit: UnitOut
    computed_at: dt.datetime = Field(description="When the stored analysis was computed")
    stale_since: dt.datetime | None = Field(
        None, description="When a decision in the period was recorded after the figures were computed"
    )
    missing: str | None = Field(description="Why the measure has no figures, when it has none")
    model: str = Field(description="What the adjusted model adjusted for, or why there is none")
    groups: list[GroupOut] = Field(description="The unit's groups against the reference group")
    adjusted: list[AdjustedOut] = Field(description="Crude and adjusted comparison (national only)")
    compared: list[UnitGroupOut] = Field(
        description="The unit's groups against similar people nationally (not for national)"
    )
    units_level: str = Field(description="The level of the units below: region, pdu or team")
    units: list[UnitGroupOut] = Field(description="Every unit one level down, each group, with the flags")


class ComputingOut(Schema):
    """The figures asked for are being computed by a job; ask again."""

    detail: str
    job: int = Field(description="The job computing them")
    status: str = Field(description="queued or running")
    progress: float = Field(description="How far through the job is, from 0 to 1")
    step: str = Field(description="What the job is doing now")
    url: str = Field(description="The job's status page")


# --- the operation ----------------------------------------------------------------------------------------


@router.get(
    "/analysis",
    response={
        200: AnalysisOut,
        202: ComputingOut,
        400: EqualityErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        422: ErrorOut,
    },
    by_alias=True,
    summary="Analyse a measure",
)
def analysis(request: HttpRequest, query: Query[AnalysisQuery]) -> Any:
    """One measure split by one characteristic for a unit, its groups, the adjusted comparison (nationally)
    and the units one level down, with q-values and flags: what the dashboard shows. A bad value answers
    400 naming the parameter; a malformed date 422. Figures that do not exist or are infinite are null
    and the row's note says why. Figures no one has asked for yet are computed by a job: the answer is then
    202 with the job's progress, and the same request answers 200 once they are ready."""
    staff = staff_of(request)
    ensure_can_see_equality(staff)
    units = selectors.organisation()
    period = selectors.default_period(timezone.localdate())
    try:
        checked = selectors.check_query(
            measure=query.measure,
            characteristic=query.characteristic,
            start=query.start or period.start,
            end=query.end or period.end,
            reference=query.reference,
            unit=query.unit,
            units=units,
        )
        figures = selectors.figures(checked.period, checked.settings)
        if figures is None:
            job = services.request_analysis(checked.period, checked.settings, by=staff)
            if job.active:
                return Status(202, _computing(job))
            figures = selectors.figures(checked.period, checked.settings)
            if figures is None:
                return Status(202, _computing(job))
    except BadRequest as error:
        field = selectors.problem_field(error)
        errors = {field: [str(error)]} if field else {}
        return Status(400, {"detail": str(error), "field": field, "errors": errors})
    return _analysis(selectors.unit_figures(figures, checked), figures, units)


def _computing(job: Job) -> dict[str, Any]:
    return {
        "detail": "The figures are being calculated: ask again in a few seconds.",
        "job": job.pk,
        "status": job.status,
        "progress": job.progress,
        "step": job.step,
        "url": reverse("job", kwargs={"job_id": job.pk}),
    }


def _analysis(
    found: selectors.UnitFigures, figures: selectors.Figures, units: selectors.Organisation
) -> dict[str, Any]:
    query = found.query
    settings = query.settings
    label = lambda code: group_label(settings.characteristic, str(code))  # noqa: E731
    unit = query.unit
    return {
        "settings": {
            "measure": query.measure.key,
            "characteristic": settings.characteristic,
            "reference": query.reference,
            "from": query.period.start,
            "to": query.period.end,
            "unit": unit.code,
            "min_n": settings.min_n,
            "materiality_band": settings.band,
            "q_threshold": settings.q_threshold,
            "alpha": settings.alpha,
        },
        "measure": {
            "key": query.measure.key,
            "title": query.measure.title,
            "definition": query.measure.definition,
        },
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level, "parent": unit.parent},
        "computed_at": figures.computed_at,
        "stale_since": figures.stale_since,
        "missing": found.missing,
        "model": found.model,
        "groups": [_row(record, GroupOut, label) for record in _records(found.groups)],
        "adjusted": [_row(record, AdjustedOut, label) for record in _records(found.adjusted)],
        "compared": [_row(record, UnitGroupOut, label, units) for record in _records(found.compared)],
        "units_level": found.child_level,
        "units": [_row(record, UnitGroupOut, label, units) for record in _records(found.children)],
    }


def _records(frame: pd.DataFrame) -> Iterable[dict[str, Any]]:
    renamed = frame.rename(
        columns={"lower_99.8": "lower_99_8", "upper_99.8": "upper_99_8", "outside_99.8": "outside_99_8"}
    )
    return renamed.to_dict("records")


def _row(
    record: dict[str, Any],
    schema: type[Schema],
    label: Any,
    units: selectors.Organisation | None = None,
) -> dict[str, Any]:
    """A frame row as the schema's fields, with NaN and infinity as None (and said so in the note)."""
    row: dict[str, Any] = {}
    infinite = False
    for name, field in schema.model_fields.items():
        raw = record.get(name)
        value: Any = None if _absent(raw) else raw
        kind = field.annotation
        if name == "label":
            row[name] = label(record["group"])
        elif name == "name" and units is not None:
            row[name] = units.name(str(record["unit"]))
        elif kind is bool:
            row[name] = bool(value)
        elif kind is int:
            row[name] = 0 if value is None else int(value)
        elif kind == float | None:
            number = None if value is None else float(value)
            if number is not None and math.isinf(number):
                infinite = True
            row[name] = number if number is not None and math.isfinite(number) else None
        elif kind is str:
            row[name] = "" if value is None else str(value)
        else:
            row[name] = None if value is None else str(value)
    if "note" in row:
        note = row["note"] or ""
        if infinite and INFINITE_NOTE not in note:
            note = f"{note}; {INFINITE_NOTE}" if note else INFINITE_NOTE
        row["note"] = note
    return row


def _absent(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)
