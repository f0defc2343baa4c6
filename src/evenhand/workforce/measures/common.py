"""What every workforce measure shares: the characteristics and their reference groups, the declaration
rule, the tables a report is made of, and the helpers that turn per-group counts into a comparison by the
equality engine's statistics."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.conf import settings

from evenhand.equality.engine import Settings as EngineSettings
from evenhand.equality.stats import compare_groups
from evenhand.people.models import GROUP_OF_ETHNICITY, EthnicGroup

from ..census import Population
from ..models import DECLINED, EventKind, StaffCharacteristic

DEFAULT_THRESHOLD = 0.6
# The smallest group the equality engine compares (its default): a group under it has no ratio, and an HR
# analyst or a head of PDU sees no count or figure of it either (``suppress_small_cells``).
SMALLEST_GROUP = EngineSettings.min_n
# The characteristics a measure can be split by: the 5 ethnic groups (from the 19 declared categories), sex,
# disability.
CHARACTERISTICS = {"ethnic_group": "Ethnic group", "sex": "Sex", "disability": "Disability"}
REFERENCE = {"ethnic_group": EthnicGroup.WHITE.value, "sex": "M", "disability": "no"}
_DECLARED_AS = {"ethnic_group": StaffCharacteristic.ETHNICITY, "sex": "sex", "disability": "disability"}
# Length of service at the start of the period, in whole years: the bands promotion is adjusted by.
SERVICE_BANDS = ((0, "under 2 years"), (2, "2 to 5 years"), (5, "5 to 10 years"), (10, "10 years or more"))


def threshold_setting() -> float:
    return float(getattr(settings, "EVENHAND_WORKFORCE_DECLARATION_THRESHOLD", DEFAULT_THRESHOLD))


@dataclass(frozen=True)
class MeasureSpec:
    key: str
    title: str
    # The kind of HR event that counts.
    kind: str
    # When set, the report also gives every such event per 100 staff, named so ("Grievances").
    per_100_of: str = ""


# Measures of staff: the share of a group's staff with at least one such event in the period.
MEASURES = {
    "promotion": MeasureSpec("promotion", "Promotion rate", EventKind.PROMOTED),
    "temporary_promotion": MeasureSpec(
        "temporary_promotion", "Temporary promotion rate", EventKind.TEMPORARY_PROMOTION
    ),
    "leaving": MeasureSpec("leaving", "Leaving rate", EventKind.LEFT),
    "grievance": MeasureSpec("grievance", "Staff raising a grievance", EventKind.GRIEVANCE, "Grievances"),
    "conduct": MeasureSpec(
        "conduct", "Staff in a conduct and discipline case", EventKind.CONDUCT, "Conduct and discipline cases"
    ),
    "performance": MeasureSpec(
        "performance",
        "Staff in a performance improvement procedure",
        EventKind.PERFORMANCE,
        "Performance improvement procedures",
    ),
}


@dataclass
class MeasureTable:
    measure: str
    title: str
    unit: str
    declared_share: float
    table: pd.DataFrame | None  # compare_groups' columns plus q_value and flagged; None when withheld
    withheld: str = ""  # why there is no breakdown
    per_100: float | None = None  # every such event per 100 of the unit's staff (or eligible staff)
    # What per_100 is ("Grievances per 100 staff"); when set, the table has a per_100 column per group too.
    per_100_label: str = ""
    counted: str = "Staff"  # who n counts
    with_event: str = "With the event"  # who events counts
    section: str = "Staff"
    # Promotion: the crude and adjusted comparison (adjust.AdjustedComparison's table with adjusted q-values,
    # ``crude_flagged``, ``adjusted_flagged`` and ``explained``), what it is adjusted for, and why it is not.
    adjusted: pd.DataFrame | None = None
    adjusted_for: str = ""
    adjustment_note: str = ""


@dataclass
class SummaryTable:
    """A figure per group that is not a proportion (a median, days per FTE), with its ratio to the reference
    group's: ``table`` indexed by group with ``n``, ``value``, ``low`` and ``high`` (quartiles, for a median),
    ``ratio`` and ``note``."""

    measure: str
    title: str
    unit: str
    table: pd.DataFrame | None
    withheld: str = ""
    value_label: str = ""
    counted: str = "Staff"
    spread: str = ""  # what low and high are ("Quartiles"), or "" when there are none


@dataclass
class WorkforceReport:
    characteristic: str
    start: dt.date
    end: dt.date
    unit: str
    threshold: float
    staff: int
    measures: list[MeasureTable] = field(default_factory=list)
    summaries: list[SummaryTable] = field(default_factory=list)
    representation: pd.DataFrame | None = None  # grade by group: n (in grade), events (in group), rate …
    representation_withheld: str = ""
    # By ethnic group: the census population the representation is compared with (its rows then have
    # ``population_share`` and ``outside``), or why there is none.
    population: Population | None = None
    population_missing: str = ""
    min_n: int = 30
    suppressed: bool = False  # small cells hidden (the head of PDU's view)

    def section(self, name: str) -> list[MeasureTable]:
        return [m for m in self.measures if m.section == name]


def _group_of(characteristic: str) -> Callable[[object], str]:
    declined = DECLINED[_DECLARED_AS[characteristic]]

    def group(value: object) -> str:
        # No declaration reads as None, or NaN once in a frame.
        if not isinstance(value, str) or not value or value == declined:
            return ""
        return GROUP_OF_ETHNICITY[value].value if characteristic == "ethnic_group" else value

    return group


def _service_band(years: float) -> str:
    label = SERVICE_BANDS[0][1]
    for low, name in SERVICE_BANDS:
        if years >= low:
            label = name
    return label


def _unit_rows(frame: pd.DataFrame, unit: str) -> tuple[pd.DataFrame, str, str]:
    """The unit's staff, its name and its level (national, region or pdu)."""
    if unit == "national":
        return frame, "England and Wales", "national"
    for level in ("region", "pdu"):
        if (frame[level] == unit).any():
            return frame[frame[level] == unit], unit, level
    raise ValueError(f"There is no region or PDU with staff and the code {unit}")


def _withheld(rows: pd.DataFrame, *, unit: str, characteristic: str, threshold: float, who: str) -> str:
    """Why the unit's breakdown cannot be shown (the declaration rule, or no reference group), or ''."""
    total = len(rows)
    share = float((rows["group"] != "").sum()) / total if total else 0.0
    label = CHARACTERISTICS[characteristic].lower()
    if share < threshold:
        return (
            f"Only {share:.0%} of the {total} {who} in {unit} have declared their {label}; a breakdown is "
            f"shown only where at least {threshold:.0%} have, so that it describes the unit's {who}"
        )
    if REFERENCE[characteristic] not in set(rows["group"]):
        return f"No {who} in {unit} are in the reference group, so nothing can be compared with it"
    return ""


def _compare(n: pd.Series, events: pd.Series, *, characteristic: str, min_n: int) -> pd.DataFrame:
    """compare_groups on per-group counts (the groups of ``n``, with no events where ``events`` has none)."""
    events = events.reindex(n.index, fill_value=0)
    return compare_groups(
        n.to_numpy(dtype=np.int64),
        events.to_numpy(dtype=np.int64),
        groups=list(n.index),
        reference=REFERENCE[characteristic],
        min_n=min_n,
    )


def _proportion(
    spec: tuple[str, str],
    n: pd.Series,
    events: pd.Series,
    *,
    context: dict[str, object],
    withheld: str,
    **extra: object,
) -> MeasureTable:
    """A MeasureTable of the share of each group's n with the event; withheld when the reference group has
    none in the denominator (nothing to compare with)."""
    key, title = spec
    characteristic = str(context["characteristic"])
    table = None
    if not withheld and n.get(REFERENCE[characteristic], 0) == 0:
        counted = str(extra.get("counted", "Staff")).lower()
        withheld = f"There are no {counted} in the reference group, so nothing can be compared with it"
    if not withheld:
        table = _compare(n, events, characteristic=characteristic, min_n=int(str(context["min_n"])))
    return MeasureTable(
        key,
        title,
        str(context["unit"]),
        float(str(context["share"])),
        table,
        withheld,
        **extra,  # type: ignore[arg-type]
    )


def _summary(
    key: str,
    title: str,
    values: pd.DataFrame,
    *,
    groups: list[str],
    context: dict[str, object],
    withheld: str,
    **extra: str,
) -> SummaryTable:
    """Per group: n, the median of ``values['value']`` with its quartiles, and the ratio to the reference
    group's median (only where both have at least min_n)."""
    unit, min_n = str(context["unit"]), int(str(context["min_n"]))
    if withheld:
        return SummaryTable(key, title, unit, None, withheld, **extra)
    grouped = values.groupby("group")["value"]
    table = pd.DataFrame(
        {
            "n": grouped.size(),
            "value": grouped.median(),
            "low": grouped.quantile(0.25),
            "high": grouped.quantile(0.75),
        }
    ).reindex(groups)
    table["n"] = table["n"].fillna(0).astype(int)
    return SummaryTable(key, title, unit, _with_ratio(table, context, min_n), "", **extra)


def _with_ratio(table: pd.DataFrame, context: dict[str, object], min_n: int) -> pd.DataFrame:
    reference = REFERENCE[str(context["characteristic"])]
    table.index.name = "group"
    base = float(table.loc[reference, "value"]) if reference in table.index else np.nan
    small = table["n"] < min_n
    table["ratio"] = np.where(small | (table.loc[reference, "n"] < min_n), np.nan, table["value"] / base)
    table["note"] = np.where(
        table["n"] == 0,
        "no one in the group",
        np.where(small, f"fewer than {min_n}, so no ratio", ""),
    )
    table.loc[reference, "note"] = "reference group"
    return table


def _declared(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The rows of those in a group (who declared), and the groups they are in, in order."""
    declared = rows[rows["group"] != ""]
    return declared, sorted(set(declared["group"]))


def _with_group(events: pd.DataFrame, declared: pd.DataFrame) -> pd.DataFrame:
    """The events of those who declared, each with its staff member's group."""
    return events[events["staff_id"].isin(declared.index)].assign(
        group=lambda e: e["staff_id"].map(declared["group"])
    )
