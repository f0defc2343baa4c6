"""The comparisons adjusted for what legitimately drives them (grade, length of service, region) by the
equality engine's logistic regression with marginal standardisation (``ADJUSTMENTS`` says why)."""

from dataclasses import dataclass

import pandas as pd

from evenhand.equality.stats import adjusted_comparison

from ..models import UPHELD, EventKind, Outcome
from .common import REFERENCE, MeasureTable

ADJUSTED_FOR = "grade and length of service at the start of the period"


@dataclass(frozen=True)
class Adjustment:
    """What a measure is adjusted for: columns of the staff frame (the grade and length-of-service band at the
    start of the period, the region), in words, and why these drive the measure legitimately."""

    covariates: tuple[str, ...]
    words: str
    why: str


GRADE_AND_SERVICE = ("grade_at_start", "service_band")
# The measures adjusted, and for what. Conduct, performance, PQiP access, recruitment and sensitive
# allocations are not: nothing legitimate should explain a group's difference in them.
ADJUSTMENTS = {
    "promotion": Adjustment(
        GRADE_AND_SERVICE,
        ADJUSTED_FOR,
        "posts are fewer the higher the grade, and promotion needs experience in the grade below",
    ),
    "temporary_promotion": Adjustment(
        GRADE_AND_SERVICE,
        ADJUSTED_FOR,
        "acting up is into the grade above, and needs experience in one's own",
    ),
    "leaving": Adjustment(
        GRADE_AND_SERVICE,
        ADJUSTED_FOR,
        "leaving is highest in the first years of service (trainees, new PSOs) and at the length of service "
        "retirement comes after, and differs by grade",
    ),
    # Length of service does not bear on whether a complaint is well founded.
    "grievance_upheld": Adjustment(
        ("region", "grade_at_start"),
        "region and grade at the start of the period",
        "grievances are decided by each region's managers and HR, whose practice differs, and what is "
        "complained of differs by grade",
    ),
}


def _adjust_promotion(table: MeasureTable, rows: pd.DataFrame, characteristic: str, min_n: int) -> None:
    """The promotion comparison adjusted for grade and length of service by the engine's logistic model."""
    declared = rows[rows["group"] != ""]
    _adjust(table, _people(declared, (declared["promotion"] > 0)), characteristic, min_n)


def _people(rows: pd.DataFrame, outcome: "pd.Series[bool]") -> pd.DataFrame:
    """Per declared row (a staff member, a grievance): group, the outcome (0 or 1) and every covariate."""
    return pd.DataFrame(
        {
            "group": rows["group"].to_numpy(),
            "outcome": outcome.astype(int).to_numpy(),
            "grade_at_start": rows["grade_at_start"].astype(str).to_numpy(),
            "service_band": rows["service_band"].to_numpy(),
            "region": rows["region"].fillna("unknown").astype(str).to_numpy(),
        }
    )


def _adjust(table: MeasureTable, people: pd.DataFrame, characteristic: str, min_n: int) -> None:
    """The measure's comparison adjusted for its covariates (``ADJUSTMENTS``) by the engine's logistic model
    with marginal standardisation; ``people`` from :func:`_people`."""
    adjustment = ADJUSTMENTS[table.measure]
    table.adjusted_for = adjustment.words
    if table.table is None:
        return
    result = adjusted_comparison(
        people,
        outcome="outcome",
        group="group",
        reference=REFERENCE[characteristic],
        covariates=list(adjustment.covariates),
        min_n=min_n,
    )
    table.adjusted = result.table.reindex(table.table.index)
    if not result.fitted:
        table.adjustment_note = f"No adjusted figures: {result.reason}"


def _adjust_more(
    measures: list[MeasureTable], rows: pd.DataFrame, events: pd.DataFrame, characteristic: str, min_n: int
) -> None:
    """Temporary promotion, leaving and grievances upheld adjusted as promotion is (``ADJUSTMENTS``)."""
    declared = rows[rows["group"] != ""]
    by_key = {m.measure: m for m in measures}
    for key in ("temporary_promotion", "leaving"):
        _adjust(by_key[key], _people(declared, declared[key] > 0), characteristic, min_n)
    grievances = events[
        (events["kind"] == EventKind.GRIEVANCE)
        & events["outcome"].isin([o for o in Outcome if o != Outcome.WITHDRAWN])
        & events["staff_id"].isin(declared.index)
    ]
    raisers = declared.loc[grievances["staff_id"].to_numpy()]
    upheld = grievances["outcome"].isin(UPHELD).reset_index(drop=True)
    _adjust(by_key["grievance_upheld"], _people(raisers, upheld), characteristic, min_n)
