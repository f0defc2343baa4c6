"""The workforce rate measures, registered with the equality engine (ADR 14) so that the HR analyst's
workforce dashboard has the engine's drill-down (England and Wales, region, PDU), funnel plots, relative rates
against White staff, adjustment and one Benjamini-Hochberg family.

Each measure gives the engine one row per trial subject (a staff member, a grievance decided, an applicant)
from the same frames and definitions as :mod:`.measures` (``staff_frame``, ``period_events``,
``applicant_frame``, ``sensitive_allocations``), so a figure here equals the workforce report's for the same
unit. People who have not declared, or preferred not to say, have the group ``""``: counted for the
declaration rule, compared in no group.

**Covariates.** A measure is adjusted only for what legitimately drives it, the same as in the workforce
report (``measures.ADJUSTMENTS``, which says why for each): promotion, temporary promotion and leaving for
grade and length of service at the start of the period, grievances upheld for region and grade. The other
measures are not adjusted: nothing legitimate should explain a group's difference in conduct cases,
performance procedures, PQiP access from eligible grades, appointment from application, or being given a
racially or religiously aggravated or hate-crime case.
"""

from typing import Any

import numpy as np
import pandas as pd

from evenhand.equality.measures import Period
from evenhand.equality.registry import Cells, Population, RegisteredMeasure, register

from .measures import (
    ADJUSTMENTS,
    CHARACTERISTICS,
    PQIP_ELIGIBLE,
    PRACTITIONER_GRADES,
    applicant_frame,
    period_events,
    sensitive_allocations,
    staff_frame,
    threshold_setting,
)
from .models import UPHELD, ApplicantStage, EventKind, Outcome, PqipStage

UNKNOWN = "unknown"  # the engine's code for a unit a row has none of
COVARIATE_NAMES = {"grade_at_start": "grade", "service_band": "length of service", "region": "region"}


def _adjusted(key: str) -> dict[str, Any]:
    """A registered measure's covariates and why, from the workforce report's adjustment of the measure."""
    adjustment = ADJUSTMENTS[key]
    return {"covariates": adjustment.covariates, "why_adjusted": adjustment.why}


def _staff(period: Period, characteristic: str) -> pd.DataFrame:
    """The staff in post in the period, one row each, with the units and covariates the engine reads."""
    frame = staff_frame(start=period.start, end=period.end, characteristic=characteristic)
    return frame.assign(
        national="national",
        region=frame["region"].fillna(UNKNOWN).astype(str),
        pdu=frame["pdu"].fillna(UNKNOWN).astype(str),
        team=UNKNOWN,
        grade_at_start=frame["grade_at_start"].astype(str),
    )


def _cells(rows: pd.DataFrame, events: "pd.Series[bool] | np.ndarray") -> pd.DataFrame:
    """Each row one trial, with the event where ``events`` is true."""
    return rows.assign(trials=1, events=np.asarray(events, dtype=bool).astype(int))


def _had(column: str) -> Cells:
    """Staff in post with at least one such event in the period."""

    def cells(period: Period, characteristic: str) -> pd.DataFrame:
        staff = _staff(period, characteristic)
        return _cells(staff, staff[column] > 0)

    return cells


def _staff_basis(period: Period, characteristic: str) -> pd.DataFrame:
    """The declaration rule of a staff measure is counted over the unit's staff, as the workforce report's."""
    return _staff(period, characteristic)


def _grievances_upheld(period: Period, characteristic: str) -> pd.DataFrame:
    """Grievances raised in the period and decided (any outcome but withdrawn), one row each, the raiser's
    units and group; upheld in full or in part: events."""
    staff = _staff(period, characteristic)
    events = period_events(staff.index.tolist(), start=period.start, end=period.end)
    decided = events[
        (events["kind"] == EventKind.GRIEVANCE)
        & events["outcome"].isin([o for o in Outcome if o != Outcome.WITHDRAWN])
    ]
    rows = staff.loc[decided["staff_id"].to_numpy()].reset_index(drop=True)
    return _cells(rows, decided["outcome"].isin(UPHELD).reset_index(drop=True))


def _pqip_applied(period: Period, characteristic: str) -> pd.DataFrame:
    """Staff whose grade at the start of the period was PSO or administrator; those applying to PQiP in the
    period: events."""
    staff = _staff(period, characteristic)
    staff = staff[staff["grade_at_start"].isin(PQIP_ELIGIBLE)]
    events = period_events(staff.index.tolist(), start=period.start, end=period.end)
    applied = events[(events["kind"] == EventKind.PQIP) & (events["pqip_stage"] == PqipStage.APPLIED)]
    return _cells(staff, staff.index.isin(applied["staff_id"]))


def _appointed(period: Period, characteristic: str) -> pd.DataFrame:
    """Applicants who applied in the period, by what they declared on the application; appointed: events.
    A national campaign's applicants count nationally only (no region or PDU runs it)."""
    applicants = applicant_frame(start=period.start, end=period.end, characteristic=characteristic)
    region = applicants["region"].replace("", UNKNOWN).astype(str)
    rows = applicants.assign(national="national", region=region, pdu=UNKNOWN, team=UNKNOWN)
    return _cells(rows, rows[ApplicantStage.APPOINTED.value] > 0)


def _sensitive_given(period: Period, characteristic: str) -> pd.DataFrame:
    """Practitioners (PSO and PO) in post in the period; those given a case with a racially or religiously
    aggravated or hate-crime offence: events."""
    staff = _staff(period, characteristic)
    practitioners = staff[staff["grade"].isin(PRACTITIONER_GRADES)]
    given = sensitive_allocations(practitioners.index.tolist(), start=period.start, end=period.end)
    return _cells(practitioners, practitioners.index.isin(given["staff_id"]))


MEASURES = [
    RegisteredMeasure(
        "promotion",
        "Promotion rate",
        "Staff in post at some time in the period who were promoted (substantively) at least once in it, as "
        "a share of all staff in post.",
        _had("promotion"),
        **_adjusted("promotion"),
        declared_among=_staff_basis,
    ),
    RegisteredMeasure(
        "temporary_promotion",
        "Temporary promotion rate",
        "Staff in post at some time in the period given a temporary promotion on allowance at least once in "
        "it, as a share of all staff in post.",
        _had("temporary_promotion"),
        **_adjusted("temporary_promotion"),
        declared_among=_staff_basis,
    ),
    RegisteredMeasure(
        "leaving",
        "Leaving rate",
        "Staff in post at some time in the period who left in it, as a share of all staff in post.",
        _had("leaving"),
        **_adjusted("leaving"),
        declared_among=_staff_basis,
    ),
    RegisteredMeasure(
        "grievance_upheld",
        "Grievances upheld (in full or in part)",
        "Grievances raised in the period by staff in post and decided (any outcome but withdrawn): the share "
        "upheld in full or in part. Each grievance is one trial, in the raiser's region and PDU.",
        _grievances_upheld,
        **_adjusted("grievance_upheld"),
        declared_among=_staff_basis,
    ),
    RegisteredMeasure(
        "conduct",
        "Staff in a conduct and discipline case",
        "Staff in post at some time in the period with a conduct and discipline case in it, as a share of all "
        "staff in post.",
        _had("conduct"),
        declared_among=_staff_basis,
    ),
    RegisteredMeasure(
        "performance",
        "Staff in a performance improvement procedure",
        "Staff in post at some time in the period with a performance improvement procedure in it, as a share "
        "of all staff in post.",
        _had("performance"),
        declared_among=_staff_basis,
    ),
    RegisteredMeasure(
        "pqip_applied",
        "PQiP applications from PSO and administrative grades",
        "Staff whose grade at the start of the period was PSO or administrator who applied to qualify as a "
        "probation officer (PQiP) in the period, as a share of those staff.",
        _pqip_applied,
        declared_among=_staff_basis,
    ),
    RegisteredMeasure(
        "recruitment_appointed",
        "Recruitment: applied to appointed",
        "Applicants to a recruitment campaign who applied in the period and were appointed, as a share of "
        "those applicants, by what they declared on the application. Campaigns are national or regional: a "
        "national campaign's applicants count in England and Wales only, and no PDU runs a campaign.",
        _appointed,
    ),
    RegisteredMeasure(
        "sensitive_given",
        "Practitioners given a racially or religiously aggravated or hate-crime case",
        "PSOs and POs in post at some time in the period who were allocated, in the period, a case with an "
        "offence the sensitive-case protocol always covers (racially or religiously aggravated, hate crime), "
        "as a share of all PSOs and POs in post.",
        _sensitive_given,
        declared_among=_staff_basis,
    ),
]

STAFF = Population(
    key="staff",
    name="staff",
    characteristics=CHARACTERISTICS,
    covariate_names=COVARIATE_NAMES,
    measures={measure.key: measure for measure in MEASURES},
    threshold=threshold_setting,
)


def register_measures() -> None:
    """Called when the app is ready."""
    register(STAFF)
