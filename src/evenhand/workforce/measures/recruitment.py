"""Routes into and up the service: each recruitment conversion among a unit's applicants, and PQiP access
(applications from PSO and administrative grades, and places offered to the applicants)."""

import datetime as dt

import numpy as np
import pandas as pd

from evenhand.org.models import Grade

from ..models import STAGE_ORDER, ApplicantStage, EventKind, PqipStage
from .common import MeasureTable, _declared, _proportion, _with_group, _withheld

# The grades PQiP access is measured from: staff who could qualify as probation officers from within.
PQIP_ELIGIBLE = (Grade.PSO, Grade.ADMIN)
PQIP_SUCCESS = (PqipStage.OFFERED, PqipStage.STARTED, PqipStage.COMPLETED)
# The recruitment conversions: from the applicants who reached one stage, the share who reached another.
CONVERSIONS = [
    *((STAGE_ORDER[i], STAGE_ORDER[i + 1]) for i in range(len(STAGE_ORDER) - 1)),
    (ApplicantStage.APPLIED.value, ApplicantStage.APPOINTED.value),
]


def _recruitment(
    applicants: pd.DataFrame, *, level: str, context: dict[str, object], threshold: float
) -> list[MeasureTable]:
    """Each recruitment conversion by group, among the unit's applicants (campaigns are national or
    regional, so a PDU has none of its own)."""
    unit, characteristic = str(context["unit"]), str(context["characteristic"])
    if level == "pdu":
        rows = applicants.iloc[0:0]
        withheld = f"Recruitment campaigns are run nationally or for a region, not for a PDU such as {unit}"
    else:
        rows = applicants if level == "national" else applicants[applicants["region"] == unit]
        withheld = (
            f"No one applied to a campaign for {unit} in the period"
            if rows.empty
            else _withheld(
                rows, unit=unit, characteristic=characteristic, threshold=threshold, who="applicants"
            )
        )
    share = float((rows["group"] != "").mean()) if len(rows) else 0.0
    declared = rows[rows["group"] != ""]
    groups = sorted(set(declared["group"]))
    tables = []
    for before, after in CONVERSIONS:
        n = declared.groupby("group")[before].sum().reindex(groups, fill_value=0)
        reached = declared[declared[before] == 1].groupby("group")[after].sum()
        labels = dict(ApplicantStage.choices)
        tables.append(
            _proportion(
                (f"recruitment_{before}_{after}", f"{labels[before]} to {labels[after].lower()}"),
                n,
                reached,
                context={**context, "share": share},
                withheld=withheld,
                counted=labels[before],
                with_event=labels[after],
                section="Recruitment",
            )
        )
    return tables


def _pqip_access(
    rows: pd.DataFrame, events: pd.DataFrame, context: dict[str, object], withheld: str
) -> list[MeasureTable]:
    """PQiP applications from the unit's eligible staff, and places offered to those who applied, by group."""
    declared, groups = _declared(rows)
    applications = events[(events["kind"] == EventKind.PQIP) & (events["pqip_stage"] == PqipStage.APPLIED)]
    events = _with_group(events, declared)
    tables = []
    eligible = declared[declared["grade_at_start"].isin(PQIP_ELIGIBLE)]
    pqip = events[(events["kind"] == EventKind.PQIP) & events["staff_id"].isin(eligible.index)]
    applied = pqip[pqip["pqip_stage"] == PqipStage.APPLIED]
    first_applied = applied.groupby("staff_id")["occurred_on"].min()
    succeeded = pqip[pqip["pqip_stage"].isin(PQIP_SUCCESS)]
    succeeded = succeeded[
        succeeded["occurred_on"] >= succeeded["staff_id"].map(first_applied).fillna(dt.date.max)
    ]
    eligible_n = eligible.groupby("group").size().reindex(groups, fill_value=0)
    eligible_all = rows[rows["grade_at_start"].isin(PQIP_ELIGIBLE)]
    all_applications = int(applications["staff_id"].isin(eligible_all.index).sum())
    access = _proportion(
        ("pqip_applied", "PQiP applications from PSO and administrative grades"),
        eligible_n,
        applied.groupby("group")["staff_id"].nunique(),
        context=context,
        withheld=withheld,
        counted="Eligible staff",
        with_event="Applied",
        section="PQiP access",
        per_100=100 * all_applications / len(eligible_all) if len(eligible_all) else None,
        per_100_label="PQiP applications per 100 eligible staff",
    )
    if access.table is not None:
        per_group = applied.groupby("group").size().reindex(groups, fill_value=0)
        access.table["per_100"] = 100 * per_group / eligible_n.replace(0, np.nan)
    tables.append(access)
    tables.append(
        _proportion(
            ("pqip_success", "PQiP applicants offered a place"),
            applied.groupby("group")["staff_id"].nunique().reindex(groups, fill_value=0),
            succeeded.groupby("group")["staff_id"].nunique(),
            context=context,
            withheld=withheld,
            counted="Applicants",
            with_event="Offered a place",
            section="PQiP access",
        )
    )
    return tables
