"""Workforce equality measures by a staff characteristic, with the equality engine's statistics
(``equality.stats``: Wilson intervals, relative rates against the reference group, logistic adjustment,
Benjamini-Hochberg across the report) and the declaration rule.

The population of a period is the staff in post at some time in it (``StaffMember`` start and end dates);
the events are their standing HR events dated in the period. Each staff member is in the group of their
latest declaration made by the end of the period; those who have not declared, or preferred not to say, are
in no group. **The declaration rule** (HMPPS workforce statistics guide): a unit's breakdown by a
characteristic is shown only where at least ``threshold`` (60% unless configured) of its staff declared it;
below that the report says why and shows no group. Applicants to recruitment campaigns are held to the same
rule among the unit's applicants. Aggregates only: no name, no staff code.

Measures of people (promotion, leaving, raising a grievance, a conduct case, a performance procedure) count a
person once however many events they had, so that rates are proportions with intervals; the per-100 figures
count every event. Shares of other things are proportions of those things: a leaving reason among leavers,
grievances upheld among those decided, each recruitment stage among the applicants who reached the one
before, PQiP applicants among eligible staff and places offered among applicants. Medians (years in grade,
days to a grievance's outcome) and sickness days per FTE are shown per group with their ratio to the
reference group, without a test (they are not proportions).

**Adjustment.** Promotion, temporary promotion and leaving depend on grade and length of service, grievances
upheld on the region that decides them and the grade raised from (``ADJUSTMENTS`` says why); their crude
relative rate is shown beside one adjusted for these by the engine's logistic regression
(``equality.stats.adjusted_comparison``, marginal standardisation). A crude gap that is flagged while the
adjusted one is not is marked as explained by them.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Subquery

from evenhand.cases.models import Allocation
from evenhand.equality.stats import adjusted_comparison, bh_qvalues, compare_groups, flag
from evenhand.equality.stats.rates import group_rates
from evenhand.org.models import Grade, StaffMember
from evenhand.people.models import GROUP_OF_ETHNICITY, EthnicGroup
from evenhand.workload.models import Consultation
from evenhand.workload.rules import PROTOCOL_FLAGS

from .access import ensure_can_see_aggregates, ensure_can_see_pdu_figures
from .census import Population, compare_with_population, population_of_unit
from .models import (
    DECLINED,
    GRADED,
    STAGE_ORDER,
    UPHELD,
    ApplicantProgress,
    ApplicantStage,
    Declaration,
    EventKind,
    HrEvent,
    LeavingReason,
    Outcome,
    PqipStage,
    StaffCharacteristic,
)

DEFAULT_THRESHOLD = 0.6
# The characteristics a measure can be split by: the 5 ethnic groups (from the 19 declared categories), sex,
# disability.
CHARACTERISTICS = {"ethnic_group": "Ethnic group", "sex": "Sex", "disability": "Disability"}
REFERENCE = {"ethnic_group": EthnicGroup.WHITE.value, "sex": "M", "disability": "no"}
_DECLARED_AS = {"ethnic_group": StaffCharacteristic.ETHNICITY, "sex": "sex", "disability": "disability"}
# Full-time hours a week, for full-time equivalents (the civil service's standard week).
FULL_TIME_HOURS = 37.0
# The grades PQiP access is measured from: staff who could qualify as probation officers from within.
PQIP_ELIGIBLE = (Grade.PSO, Grade.ADMIN)
PQIP_SUCCESS = (PqipStage.OFFERED, PqipStage.STARTED, PqipStage.COMPLETED)
# Length of service at the start of the period, in whole years: the bands promotion is adjusted by.
SERVICE_BANDS = ((0, "under 2 years"), (2, "2 to 5 years"), (5, "5 to 10 years"), (10, "10 years or more"))
ADJUSTED_FOR = "grade and length of service at the start of the period"
# The practitioners a case can be allocated to: those eligible for a sensitive case.
PRACTITIONER_GRADES = (Grade.PSO, Grade.PO)


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
# The recruitment conversions: from the applicants who reached one stage, the share who reached another.
CONVERSIONS = [
    *((STAGE_ORDER[i], STAGE_ORDER[i + 1]) for i in range(len(STAGE_ORDER) - 1)),
    (ApplicantStage.APPLIED.value, ApplicantStage.APPOINTED.value),
]


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


def staff_frame(*, start: dt.date, end: dt.date, characteristic: str) -> pd.DataFrame:
    """One row per staff member in post at some time in the period: grade, region and PDU codes, the group
    of their latest declaration by the end of the period ('' when none or declined), their dates and hours,
    their grade at the start of the period and since when they have held the grade at its end (from their
    joining, promotion and demotion events, else the staff record), and per measure how many of the events
    they had in the period."""
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    declared = Subquery(
        Declaration.objects.filter(
            staff=OuterRef("pk"), characteristic=_DECLARED_AS[characteristic], declared_at__lt=until
        )
        .order_by("-declared_at", "-id")
        .values("value")[:1]
    )
    staff = StaffMember.objects.filter(
        Q(start_date__lte=end) & (Q(end_date__isnull=True) | Q(end_date__gte=start))
    )
    columns = ["pk", "grade", "team__pdu__region__code", "team__pdu__code", "declared"]
    columns += ["start_date", "end_date", "contracted_hours"]
    rows = list(staff.annotate(declared=declared).values_list(*columns))
    names = ["staff_id", "grade", "region", "pdu", "declared", "start_date", "end_date", "hours"]
    frame = pd.DataFrame(rows, columns=names).set_index("staff_id")
    frame["group"] = frame["declared"].map(_group_of(characteristic))
    frame["hours"] = frame["hours"].astype(float)
    events = period_events(frame.index.tolist(), start=start, end=end)
    for spec in MEASURES.values():
        counts = events[events["kind"] == spec.kind].groupby("staff_id").size()
        frame[spec.key] = counts.reindex(frame.index, fill_value=0).astype(int)
    graded = pd.DataFrame(
        list(
            HrEvent.objects.filter(
                staff_id__in=frame.index.tolist(),
                corrected_by__isnull=True,
                kind__in=[kind for kind in GRADED if kind != EventKind.TEMPORARY_PROMOTION],
                occurred_on__lte=end,
            )
            .order_by("occurred_on", "id")
            .values_list("staff_id", "occurred_on", "grade")
        ),
        columns=["staff_id", "occurred_on", "grade"],
    )
    before = graded[graded["occurred_on"] < start].groupby("staff_id")["grade"].last()
    frame["grade_at_start"] = before.reindex(frame.index).fillna(frame["grade"])
    since = graded.groupby("staff_id")["occurred_on"].last()
    frame["in_grade_since"] = since.reindex(frame.index).fillna(frame["start_date"])
    years = frame["start_date"].map(lambda day: max((start - day).days, 0) / 365.25)
    frame["service_band"] = years.map(_service_band)
    return frame


def period_events(staff_ids: Iterable[int], *, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The standing HR events of these staff dated in the period, one row each, with the columns the
    measures read."""
    columns = ["staff_id", "kind", "occurred_on", "pqip_stage", "outcome", "days", "leaving_reason"]
    frame = pd.DataFrame(
        list(
            HrEvent.objects.filter(
                staff_id__in=list(staff_ids),
                corrected_by__isnull=True,
                occurred_on__gte=start,
                occurred_on__lte=end,
            )
            .order_by("occurred_on", "id")
            .values_list(*columns)
        ),
        columns=columns,
    )
    frame["days"] = pd.to_numeric(frame["days"]).astype(float)
    return frame


def applicant_frame(*, start: dt.date, end: dt.date, characteristic: str) -> pd.DataFrame:
    """One row per applicant who applied in the period: the campaign's region code ('' for a national
    campaign), their group from what they declared on the application ('' when not declared or declined),
    and whether they reached each stage (one 0/1 column per stage)."""
    applied = ApplicantProgress.objects.filter(
        stage=ApplicantStage.APPLIED, reached_on__gte=start, reached_on__lte=end
    )
    field_name = "ethnicity" if characteristic == "ethnic_group" else characteristic
    rows = list(
        applied.values_list("applicant_id", "applicant__campaign__region__code", f"applicant__{field_name}")
    )
    frame = pd.DataFrame(rows, columns=["applicant_id", "region", "declared"]).set_index("applicant_id")
    frame["region"] = frame["region"].fillna("")
    frame["group"] = frame["declared"].map(_group_of(characteristic))
    stages = pd.DataFrame(
        list(
            ApplicantProgress.objects.filter(applicant_id__in=frame.index.tolist()).values_list(
                "applicant_id", "stage"
            )
        ),
        columns=["applicant_id", "stage"],
    )
    for stage in STAGE_ORDER:
        reached = set(stages.loc[stages["stage"] == stage, "applicant_id"])
        frame[stage] = [int(pk in reached) for pk in frame.index]
    return frame


def sensitive_allocations(staff_ids: Iterable[int], *, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The allocations made in the period to these staff of a case whose offences include one the
    sensitive-case protocol always covers (racially or religiously aggravated, hate crime): one row each,
    with the practitioner and whether a consultation the practitioner agreed to cleared it."""
    flagged = Q()
    for offence_flag in PROTOCOL_FLAGS:
        flagged |= Q(**{f"sentence__offences__{offence_flag.value}": True})
    rows = list(
        Allocation.objects.filter(
            flagged, practitioner_id__in=list(staff_ids), start_date__gte=start, start_date__lte=end
        )
        .distinct()
        .annotate(consulted=Exists(Consultation.objects.filter(allocation=OuterRef("pk"))))
        .values_list("pk", "practitioner_id", "consulted")
    )
    return pd.DataFrame(rows, columns=["allocation_id", "staff_id", "consulted"])


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


def _staff_measures(
    rows: pd.DataFrame, events: pd.DataFrame, context: dict[str, object], withheld: str
) -> list[MeasureTable]:
    """The staff measures, leaving reasons, grievances upheld and PQiP access of the unit's staff."""
    declared = rows[rows["group"] != ""]
    groups = sorted(set(declared["group"]))
    staff_in = declared.groupby("group").size().reindex(groups, fill_value=0)
    staff_n = len(rows)
    tables = []
    for spec in MEASURES.values():
        per_100 = 100 * rows[spec.key].sum() / staff_n if spec.per_100_of and staff_n else None
        table = _proportion(
            (spec.key, spec.title),
            staff_in,
            declared.groupby("group")[spec.key].apply(lambda s: int((s > 0).sum())),
            context=context,
            withheld=withheld,
            per_100=per_100,
            per_100_label=f"{spec.per_100_of} per 100 staff" if spec.per_100_of else "",
        )
        if table.table is not None and spec.per_100_of:
            all_events = declared.groupby("group")[spec.key].sum().reindex(groups, fill_value=0)
            table.table["per_100"] = 100 * all_events / staff_in.replace(0, np.nan)
        tables.append(table)
    applications = events[(events["kind"] == EventKind.PQIP) & (events["pqip_stage"] == PqipStage.APPLIED)]
    events = events[events["staff_id"].isin(declared.index)].assign(
        group=lambda e: e["staff_id"].map(declared["group"])
    )
    leavers = events[events["kind"] == EventKind.LEFT]
    left_n = leavers.groupby("group").size().reindex(groups, fill_value=0)
    for reason in LeavingReason:
        tables.append(
            _proportion(
                (f"leaving_{reason.value}", f"Leavers who left by {reason.label.lower()}"),
                left_n,
                leavers[leavers["leaving_reason"] == reason].groupby("group").size(),
                context=context,
                withheld=withheld,
                counted="Leavers",
                with_event=reason.label,
                section="Leaving reasons",
            )
        )
    # A grievance decided: with an outcome other than withdrawn.
    grievances = events[events["kind"] == EventKind.GRIEVANCE]
    decided = grievances[grievances["outcome"].isin([o for o in Outcome if o != Outcome.WITHDRAWN])]
    tables.append(
        _proportion(
            ("grievance_upheld", "Grievances upheld (in full or in part)"),
            decided.groupby("group").size().reindex(groups, fill_value=0),
            decided[decided["outcome"].isin(UPHELD)].groupby("group").size(),
            context=context,
            withheld=withheld,
            counted="Grievances decided",
            with_event="Upheld",
            section="Grievances",
        )
    )
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


def _summaries(
    rows: pd.DataFrame, events: pd.DataFrame, context: dict[str, object], withheld: str
) -> list[SummaryTable]:
    """Years in the current grade, days to a grievance's outcome and sickness days per FTE, per group."""
    start, end = context["start"], context["end"]
    assert isinstance(start, dt.date) and isinstance(end, dt.date)
    unit = str(context["unit"])
    if withheld:
        return [
            SummaryTable("time_in_grade", "Time in the current grade", unit, None, withheld),
            SummaryTable("grievance_days", "Days from a grievance to its outcome", unit, None, withheld),
            SummaryTable("sickness", "Sickness days per FTE", unit, None, withheld),
        ]
    declared = rows[rows["group"] != ""]
    groups = sorted(set(declared["group"]))
    # The day each left (the staff record, or a leaving event in the period, whichever is first).
    left_on = events[events["kind"] == EventKind.LEFT].groupby("staff_id")["occurred_on"].min()
    last = [
        min(d for d in (end, recorded, left_on.get(pk)) if isinstance(d, dt.date))
        for pk, recorded in zip(declared.index, declared["end_date"], strict=True)
    ]
    in_post = declared[[day >= end for day in last]]
    years = pd.DataFrame(
        {
            "group": in_post["group"],
            "value": [(end - since).days / 365.25 for since in in_post["in_grade_since"]],
        }
    )
    summaries = [
        _summary(
            "time_in_grade",
            "Time in the current grade",
            years,
            groups=groups,
            context=context,
            withheld=withheld,
            value_label="Median years",
            counted="Staff in post at the end",
            spread="Quartiles",
        )
    ]
    mine = events[events["staff_id"].isin(declared.index)]
    grievances = mine[(mine["kind"] == EventKind.GRIEVANCE) & mine["days"].notna()]
    days = pd.DataFrame(
        {"group": grievances["staff_id"].map(declared["group"]), "value": grievances["days"].astype(float)}
    )
    summaries.append(
        _summary(
            "grievance_days",
            "Days from a grievance to its outcome",
            days,
            groups=groups,
            context=context,
            withheld=withheld,
            value_label="Median days",
            counted="Grievances with an outcome",
            spread="Quartiles",
        )
    )
    period_days = (end - start).days + 1
    first = declared["start_date"].map(lambda d: max(d, start))
    share = [max((b - a).days + 1, 0) / period_days for a, b in zip(first, last, strict=True)]
    fte = pd.Series(share, index=declared.index) * declared["hours"] / FULL_TIME_HOURS
    sick = mine[mine["kind"] == EventKind.SICKNESS].groupby("staff_id")["days"].sum()
    by_group = pd.DataFrame(
        {
            "n": declared.groupby("group").size(),
            "fte": fte.groupby(declared["group"]).sum(),
            "days": sick.reindex(declared.index, fill_value=0).groupby(declared["group"]).sum(),
        }
    ).reindex(groups)
    by_group["value"] = by_group["days"] / by_group["fte"].replace(0, np.nan)
    by_group["low"] = by_group["high"] = np.nan
    summaries.append(
        SummaryTable(
            "sickness",
            "Sickness days per FTE",
            str(context["unit"]),
            _with_ratio(by_group, context, int(str(context["min_n"]))),
            value_label="Days lost per FTE",
        )
    )
    return summaries


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


def _sensitive(
    rows: pd.DataFrame, allocations: pd.DataFrame, context: dict[str, object], withheld: str
) -> list[MeasureTable]:
    """Which groups of the unit's practitioners are given racially or religiously aggravated and hate-crime
    cases (the share of each group's practitioners given one, and each group's share of the allocations
    against its share of the practitioners), and how often the consultation protocol cleared the allocation."""
    declared = rows[(rows["group"] != "") & rows["grade"].isin(PRACTITIONER_GRADES)]
    groups = sorted(set(declared["group"]))
    mine = allocations[allocations["staff_id"].isin(declared.index)].assign(
        group=lambda a: a["staff_id"].map(declared["group"])
    )
    practitioners = declared.groupby("group").size().reindex(groups, fill_value=0)
    given = _proportion(
        ("sensitive_given", "Practitioners given a racially or religiously aggravated or hate-crime case"),
        practitioners,
        mine.groupby("group")["staff_id"].nunique(),
        context=context,
        withheld=withheld,
        counted="Practitioners",
        with_event="Given one",
        section="Sensitive allocations",
    )
    if given.table is not None:
        count = mine.groupby("group").size().reindex(groups, fill_value=0)
        given.table["allocations"] = count
        given.table["share_of_allocations"] = count / count.sum() if count.sum() else np.nan
        given.table["share_of_practitioners"] = practitioners / practitioners.sum()
    consulted = _proportion(
        ("sensitive_consulted", "Sensitive allocations cleared by a consultation first"),
        mine.groupby("group").size().reindex(groups, fill_value=0),
        mine[mine["consulted"].astype(bool)].groupby("group").size(),
        context=context,
        withheld=withheld,
        counted="Allocations",
        with_event="Consulted and agreed",
        section="Sensitive allocations",
    )
    return [given, consulted]


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


def _control_false_discoveries(report: WorkforceReport) -> None:
    """One Benjamini-Hochberg family for every test of the report (crude and adjusted), then the flag rule
    on each comparison's own ratio; a promotion gap flagged crude but not adjusted is marked explained."""
    tables = [m.table for m in report.measures if m.table is not None]
    adjusted = [m.adjusted for m in report.measures if m.adjusted is not None]
    pvalues = np.concatenate(
        [t["p_value"].to_numpy(dtype=float) for t in tables]
        + [a["adjusted_p_value"].to_numpy(dtype=float) for a in adjusted]
        + [np.zeros(0)]
    )
    if not len(pvalues):
        return
    qvalues = bh_qvalues(np.where(np.isnan(pvalues), 1.0, pvalues))
    qvalues = np.where(np.isnan(pvalues), np.nan, qvalues)
    at = 0
    for table in tables:
        q = qvalues[at : at + len(table)]
        table["q_value"] = q
        table["flagged"] = flag(q, table["relative_rate"].to_numpy(dtype=float))
        at += len(table)
    for measure in report.measures:
        if measure.adjusted is None or measure.table is None:
            continue
        frame = measure.adjusted
        q = qvalues[at : at + len(frame)]
        at += len(frame)
        frame["adjusted_q_value"] = q
        frame["crude_flagged"] = measure.table["flagged"].to_numpy(dtype=bool)
        frame["adjusted_flagged"] = flag(q, frame["adjusted_relative_rate"].to_numpy(dtype=float))
        frame["explained"] = (
            frame["crude_flagged"]
            & ~frame["adjusted_flagged"]
            & frame["adjusted_relative_rate"].notna().to_numpy()
        )


def _representation(declared: pd.DataFrame) -> pd.DataFrame | None:
    by_grade = declared.groupby(["grade", "group"]).size().unstack(fill_value=0)
    rows = []
    for grade, counts in by_grade.iterrows():
        rates = group_rates(np.full(len(counts), counts.sum()), counts.to_numpy(), groups=list(counts.index))
        rates.insert(0, "grade", grade)
        rows.append(rates.reset_index())
    return pd.concat(rows, ignore_index=True) if rows else None


def workforce_report(
    viewer: StaffMember,
    *,
    start: dt.date,
    end: dt.date,
    characteristic: str = "ethnic_group",
    unit: str = "national",
    threshold: float | None = None,
    min_n: int = 30,
) -> WorkforceReport:
    """The workforce measures of a period for one unit (``national``, a region code or a PDU code), split by
    ``characteristic``; for HR analysts. Every comparison's p-value goes into one Benjamini-Hochberg family."""
    ensure_can_see_aggregates(viewer)
    return _report(
        start=start, end=end, characteristic=characteristic, unit=unit, threshold=threshold, min_n=min_n
    )


def pdu_workforce_report(
    viewer: StaffMember,
    *,
    start: dt.date,
    end: dt.date,
    characteristic: str = "ethnic_group",
    threshold: float | None = None,
    min_n: int = 30,
) -> WorkforceReport:
    """The same measures for a head of PDU, of their own PDU's staff only (the declaration rule applied to the
    PDU), with every group of fewer than ``min_n`` shown without its counts (``suppress_small_cells``).
    Refuses anyone but a head of PDU with a PDU (``PermissionDenied``)."""
    ensure_can_see_pdu_figures(viewer)
    code = StaffMember.objects.filter(pk=viewer.pk).values_list("team__pdu__code", flat=True).get()
    report = _report(
        start=start, end=end, characteristic=characteristic, unit=code, threshold=threshold, min_n=min_n
    )
    return suppress_small_cells(report)


def _report(
    *,
    start: dt.date,
    end: dt.date,
    characteristic: str,
    unit: str,
    threshold: float | None,
    min_n: int,
) -> WorkforceReport:
    if characteristic not in CHARACTERISTICS:
        raise ValueError(
            f"Unknown characteristic '{characteristic}': choose one of {', '.join(CHARACTERISTICS)}"
        )
    if end < start:
        raise ValueError("The period ends before it starts")
    threshold = threshold_setting() if threshold is None else threshold
    if not 0 <= threshold <= 1:
        raise ValueError("The declaration threshold is a share from 0 to 1")
    rows, unit_name, level = _unit_rows(
        staff_frame(start=start, end=end, characteristic=characteristic), unit
    )
    report = WorkforceReport(characteristic, start, end, unit_name, threshold, len(rows), min_n=min_n)
    withheld = _withheld(
        rows, unit=unit_name, characteristic=characteristic, threshold=threshold, who="staff"
    )
    events = period_events(rows.index.tolist(), start=start, end=end)
    share = float((rows["group"] != "").sum()) / len(rows) if len(rows) else 0.0
    context: dict[str, object] = {
        "characteristic": characteristic,
        "unit": unit_name,
        "share": share,
        "min_n": min_n,
        "start": start,
        "end": end,
    }
    report.measures = _staff_measures(rows, events, context, withheld)
    _adjust_promotion(report.measures[0], rows, characteristic, min_n)
    _adjust_more(report.measures, rows, events, characteristic, min_n)
    applicants = applicant_frame(start=start, end=end, characteristic=characteristic)
    report.measures += _recruitment(applicants, level=level, context=context, threshold=threshold)
    allocations = sensitive_allocations(rows.index.tolist(), start=start, end=end)
    report.measures += _sensitive(rows, allocations, context, withheld)
    report.summaries = _summaries(rows, events, context, withheld)
    _control_false_discoveries(report)
    if withheld:
        report.representation_withheld = withheld
    else:
        report.representation = _representation(rows[rows["group"] != ""])
        _against_population(report, unit, level)
    return report


def _against_population(report: WorkforceReport, unit: str, level: str) -> None:
    """By ethnic group, each grade's share of staff in each group against the unit's census population."""
    if report.characteristic != "ethnic_group" or report.representation is None:
        return
    population = population_of_unit(unit, level)
    if population is None:
        report.population_missing = f"The census figures shipped with Evenhand have no population for {unit}"
        return
    report.population = population
    report.representation = compare_with_population(report.representation, population)


_HIDDEN = [
    "n",
    "events",
    "rate",
    "rate_low",
    "rate_high",
    "per_100",
    "allocations",
    "share_of_allocations",
    "share_of_practitioners",
]


def suppress_small_cells(report: WorkforceReport) -> WorkforceReport:
    """Hide the counts and figures of every group with fewer than the report's ``min_n`` in a table's
    denominator (and of every grade-and-group cell of fewer than ``min_n`` staff), so that a small PDU's
    figures cannot single anyone out; the row's note says why."""
    small = f"fewer than {report.min_n}: not shown"
    for measure in report.measures:
        for frame in (measure.table, measure.adjusted):
            if frame is None:
                continue
            hide = frame["n"] < report.min_n
            frame.loc[hide, [c for c in _HIDDEN if c in frame.columns]] = np.nan
            frame["note"] = frame["note"].astype(object)
            frame.loc[hide, "note"] = small
    for summary in report.summaries:
        if summary.table is not None:
            hide = summary.table["n"] < report.min_n
            summary.table.loc[hide, ["value", "low", "high", "ratio"]] = np.nan
            summary.table["n"] = summary.table["n"].astype(float)
            summary.table.loc[hide, "n"] = np.nan
            summary.table.loc[hide, "note"] = small
    if report.representation is not None:
        frame = report.representation
        hide = frame["events"] < report.min_n
        frame.loc[hide, ["events", "rate", "rate_low", "rate_high"]] = np.nan
        if "outside" in frame.columns:
            frame["outside"] = frame["outside"].astype(object)
            frame.loc[hide, "outside"] = None
        frame["note"] = frame["note"].astype(object)
        frame.loc[hide, "note"] = small
    report.suppressed = True
    return report
