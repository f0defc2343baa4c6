"""The measures catalogue: what each equality measure counts, in words and as one aggregate query.

Every measure is a population (who could have the outcome) and an event (who had it), over a period. The
population comes from one query over sentences that yields, per sentence, the person's protected
characteristics, the units that hold the case and the legitimate drivers of the outcome; each measure then
adds its own aggregate query, counting trials and events per sentence. The statistics in ``stats`` take the
resulting cells. Nothing here loops over rows in Python, and nothing writes.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from evenhand.cases.models import (
    RECALLS,
    Allocation,
    AssessmentSummary,
    Decision,
    DecisionOutcome,
    EnforcementDecision,
    Offence,
    Referral,
    ReferralStatus,
    RiskSummary,
    Sentence,
    SentenceType,
    ServiceArea,
)
from evenhand.org.models import Grade

# The legitimate drivers a measure can be adjusted for (columns of the population frame).
DRIVERS = ("tier", "rosh", "offence", "age_band", "sex", "region")
# The protected characteristics a measure can be split by.
CHARACTERISTICS = {
    "ethnic_group": "Ethnic group (5 groups)",
    "ethnicity": "Ethnicity (19 categories)",
    "sex": "Sex",
    "age_band": "Age band",
    "religion": "Religion or belief",
    "disability": "Disability",
    "ethnic_group_sex": "Ethnic group and sex",
}
UNIT_LEVELS = ("national", "region", "pdu", "team")
AGE_BANDS = [(18, 24), (25, 29), (30, 39), (40, 49), (50, 59), (60, 200)]


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("The period ends before it starts")

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=timezone.get_current_timezone())

    @property
    def end_at(self) -> dt.datetime:
        return dt.datetime.combine(
            self.end + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone()
        )


# Each measure's own query: per sentence id, the number of trials and of events in the period.
Counter = Callable[[Period], pd.DataFrame]


@dataclass(frozen=True)
class Measure:
    """An equality measure. Either every sentence in the population is one trial and ``count`` finds the
    sentences with the event, or (``trials_from_query``) ``count`` gives trials and events per sentence and
    only sentences with trials are in. Data-completeness measures read their event off the population frame."""

    key: str
    title: str
    definition: str
    population: Callable[[pd.DataFrame, Period], pd.Series]  # a mask over the population frame
    count: Counter | None = None
    trials_from_query: bool = False
    event: Callable[[pd.DataFrame], pd.Series] | None = None
    drivers: tuple[str, ...] = DRIVERS
    characteristics: tuple[str, ...] = tuple(CHARACTERISTICS)


def _per_sentence(queryset: QuerySet, *, trials: Q | None = None, events: Q) -> pd.DataFrame:
    """One aggregate query: trials and events per sentence."""
    rows = (
        queryset.order_by()
        .values("sentence_id")
        .annotate(
            trials=Count("pk", filter=trials) if trials is not None else Count("pk"),
            events=Count("pk", filter=events),
        )
    )
    frame = pd.DataFrame.from_records(list(rows), columns=["sentence_id", "trials", "events"])
    return frame.set_index("sentence_id")


def _in_period(period: Period) -> dict[str, dt.datetime]:
    return {"decided_at__gte": period.start_at, "decided_at__lt": period.end_at}


STANDING = EnforcementDecision.objects.filter(corrected_by__isnull=True)


def _recall(period: Period) -> pd.DataFrame:
    ids = STANDING.filter(decision__in=RECALLS, **_in_period(period)).values_list("sentence_id", flat=True)
    return _events_only(ids)


def _recall_approved(period: Period) -> pd.DataFrame:
    ids = STANDING.filter(
        decision__in=RECALLS, outcome__outcome=DecisionOutcome.RECALL_APPROVED, **_in_period(period)
    ).values_list("sentence_id", flat=True)
    return _events_only(ids)


def _breach(period: Period) -> pd.DataFrame:
    ids = STANDING.filter(decision=Decision.BREACH, **_in_period(period)).values_list(
        "sentence_id", flat=True
    )
    return _events_only(ids)


def _events_only(ids: QuerySet) -> pd.DataFrame:
    # order_by() first: a model's default ordering would otherwise join the DISTINCT and repeat ids.
    index = pd.Index(list(ids.order_by().distinct()), name="sentence_id")
    return pd.DataFrame({"events": 1}, index=index)


def _escalation(period: Period) -> pd.DataFrame:
    """Decisions on unacceptable failures: trials are all of them, events those that were breach or recall."""
    return _per_sentence(
        STANDING.filter(**_in_period(period)), events=Q(decision__in=[Decision.BREACH, *RECALLS])
    )


def _referral(area: str | None) -> Counter:
    def count(period: Period) -> pd.DataFrame:
        referrals = Referral.objects.filter(made_on__gte=period.start, made_on__lte=period.end)
        if area is not None:
            referrals = referrals.filter(service_area=area)
        return _events_only(referrals.values_list("sentence_id", flat=True))

    return count


def _referral_completed(period: Period) -> pd.DataFrame:
    """Referrals that ended in the period after starting: trials; completed: events."""
    ended = Referral.objects.filter(
        status__in=[ReferralStatus.COMPLETED, ReferralStatus.WITHDRAWN],
        status_changed_on__gte=period.start,
        status_changed_on__lte=period.end,
        status_changes__status=ReferralStatus.STARTED,
    )
    return _per_sentence(ended, events=Q(status=ReferralStatus.COMPLETED))


def _assessment_timely(period: Period) -> pd.DataFrame:
    """Completed within 15 working days of the start of the sentence (working days counted in NumPy)."""
    rows = pd.DataFrame.from_records(
        list(
            AssessmentSummary.objects.filter(
                sentence__start_date__gte=period.start, sentence__start_date__lte=period.end
            ).values_list("sentence_id", "sentence__start_date", "completed_on")
        ),
        columns=["sentence_id", "start", "completed"],
    )
    if rows.empty:
        return pd.DataFrame({"trials": [], "events": []}, index=pd.Index([], name="sentence_id"))
    start = rows["start"].to_numpy(dtype="datetime64[D]")
    completed = pd.to_datetime(rows["completed"]).to_numpy(dtype="datetime64[D]")
    done = ~np.isnat(completed)
    working = np.full(len(rows), 10_000)
    working[done] = np.busday_count(start[done], completed[done])
    rows["trials"] = 1
    rows["events"] = (working <= 15).astype(int)
    return rows.groupby("sentence_id")[["trials", "events"]].max()


def _diversity_discussed(period: Period) -> pd.DataFrame:
    completed = AssessmentSummary.objects.filter(completed_on__gte=period.start, completed_on__lte=period.end)
    return _per_sentence(completed.exclude(sentence=None), events=Q(diversity_factors_discussed="yes"))


def _allocation_po(period: Period) -> pd.DataFrame:
    """New-case allocations in the period (the population mask keeps cases a PSO could hold)."""
    allocations = Allocation.objects.filter(
        reason="new_case", start_date__gte=period.start, start_date__lte=period.end
    )
    return _per_sentence(allocations, events=Q(practitioner__grade=Grade.PO))


def _allocation_late(period: Period) -> pd.DataFrame:
    allocations = Allocation.objects.filter(
        reason="new_case", start_date__gte=period.start, start_date__lte=period.end
    )
    frame = pd.DataFrame.from_records(
        list(allocations.values_list("sentence_id", "start_date", "sentence__start_date")),
        columns=["sentence_id", "allocated", "sentenced"],
    )
    if frame.empty:
        return pd.DataFrame({"trials": [], "events": []}, index=pd.Index([], name="sentence_id"))
    days = (pd.to_datetime(frame["allocated"]) - pd.to_datetime(frame["sentenced"])).dt.days
    frame["trials"] = 1
    frame["events"] = (days > 5).astype(int)
    return frame.groupby("sentence_id")[["trials", "events"]].max()


def _completion(period: Period) -> pd.DataFrame:
    ended = Sentence.objects.filter(termination_date__gte=period.start, termination_date__lte=period.end)
    return _per_sentence(
        ended.annotate(sentence_id=F("pk")),
        events=Q(termination_reason__in=["completed", "early_good_progress"]),
    )


def _not_recorded(field: str, code: str) -> Callable[[pd.DataFrame], pd.Series]:
    def event(frame: pd.DataFrame) -> pd.Series:
        return frame[field] == code

    return event


def active(frame: pd.DataFrame, period: Period) -> pd.Series:
    """Sentences under supervision at some time in the period."""
    return pd.Series(True, index=frame.index)


def of_type(*types: str) -> Callable[[pd.DataFrame, Period], pd.Series]:
    def mask(frame: pd.DataFrame, period: Period) -> pd.Series:
        return frame["type"].isin(types)

    return mask


def women(frame: pd.DataFrame, period: Period) -> pd.Series:
    """Women's services are for women: their population is women under supervision."""
    return frame["sex"] == "F"


def psos_may_hold(frame: pd.DataFrame, period: Period) -> pd.Series:
    """Cases a PSO could hold: low or medium risk of serious harm and no MAPPA level 2 or 3."""
    return frame["rosh"].isin(["L", "M"]) & ~(frame["mappa"].fillna(0) >= 2)


LICENCES = of_type(SentenceType.LICENCE)
ORDERS = of_type(SentenceType.COMMUNITY_ORDER, SentenceType.SUSPENDED_SENTENCE_ORDER)

CATALOGUE: dict[str, Measure] = {
    m.key: m
    for m in [
        Measure(
            "recall",
            "Recall requested",
            "Licences under supervision in the period with at least one recall requested (standard, fixed-term "
            "or emergency) in the period, as a share of all licences under supervision. A corrected decision "
            "counts as its correction.",
            LICENCES,
            _recall,
        ),
        Measure(
            "recall_approved",
            "Recall approved",
            "Licences with a recall requested in the period that was approved, as a share of all licences under "
            "supervision in the period.",
            LICENCES,
            _recall_approved,
        ),
        Measure(
            "breach",
            "Breach action",
            "Community and suspended sentence orders under supervision in the period with breach action "
            "initiated in the period, as a share of all such orders.",
            ORDERS,
            _breach,
        ),
        Measure(
            "escalation",
            "Escalation after an unacceptable failure",
            "Enforcement decisions in the period that answered an unacceptable failure with breach or recall "
            "rather than a warning or no further action, as a share of all those decisions: the use of "
            "discretion.",
            active,
            _escalation,
            trials_from_query=True,
        ),
        Measure(
            "referral_any",
            "Referred to any service",
            "People under supervision in the period with at least one referral to a service made in the period.",
            active,
            _referral(None),
        ),
        *[
            Measure(
                f"referral:{area}",
                f"Referred to {label.lower()} services",
                f"People under supervision in the period with a referral to {label.lower()} services made in "
                "the period.",
                women if area == ServiceArea.WOMENS_SERVICES else active,
                _referral(area),
            )
            for area, label in ServiceArea.choices
        ],
        Measure(
            "referral_completed",
            "Referrals completed",
            "Referrals that had started and ended in the period: the share completed (rather than withdrawn).",
            active,
            _referral_completed,
            trials_from_query=True,
        ),
        Measure(
            "assessment_timely",
            "Assessment within 15 working days",
            "Sentences starting in the period whose assessment was completed within 15 working days (Monday to "
            "Friday) of the sentence start.",
            active,
            _assessment_timely,
            trials_from_query=True,
        ),
        Measure(
            "diversity_discussed",
            "Diversity factors discussed",
            "Assessments completed in the period in which diversity factors were discussed with the person.",
            active,
            _diversity_discussed,
            trials_from_query=True,
        ),
        Measure(
            "allocation_po",
            "Allocated to a PO rather than a PSO",
            "New cases allocated in the period that a PSO could hold (low or medium risk of serious harm, no "
            "MAPPA level 2 or 3): the share allocated to a probation officer, at the same tier after adjustment.",
            psos_may_hold,
            _allocation_po,
            trials_from_query=True,
        ),
        Measure(
            "allocation_late",
            "Allocated more than 5 days after sentence",
            "New cases allocated in the period: the share allocated more than 5 calendar days after the sentence "
            "started (days from sentence to allocation).",
            active,
            _allocation_late,
            trials_from_query=True,
        ),
        Measure(
            "completion",
            "Successful completion",
            "Orders and licences that ended in the period: the share that completed successfully (including "
            "early termination for good progress).",
            active,
            _completion,
            trials_from_query=True,
        ),
        *[
            Measure(
                f"not_recorded:{field}",
                f"{label} not recorded",
                f"People under supervision in the period whose {label.lower()} is not recorded (a measure of "
                "recording, reported per unit; 'prefer not to say' counts as recorded).",
                active,
                event=_not_recorded(field, code),
                characteristics=("sex", "age_band"),
            )
            for field, label, code in (
                ("ethnicity", "Ethnicity", "NR"),
                ("religion", "Religion or belief", "not_recorded"),
                ("disability", "Disability", "not_recorded"),
            )
        ],
    ]
}


def population_frame(period: Period) -> pd.DataFrame:
    """One row per sentence under supervision at some time in the period: the person's characteristics, the
    units holding the case and the legitimate drivers. One query (with correlated subqueries for the latest
    risk summary, the main offence and the current allocation)."""
    latest_risk = RiskSummary.objects.filter(person=OuterRef("person")).order_by("-assessed_on", "-id")
    main_offence = Offence.objects.filter(sentence=OuterRef("pk"), is_main=True)
    holder = Allocation.objects.filter(sentence=OuterRef("pk")).order_by("-start_date", "-id")
    sentences = (
        Sentence.objects.filter(start_date__lte=period.end)
        .filter(Q(termination_date__isnull=True) | Q(termination_date__gte=period.start))
        .filter(Q(expected_end_date__gte=period.start) | Q(termination_date__gte=period.start))
        .annotate(
            tier=Subquery(latest_risk.values("tier")[:1]),
            rosh=Subquery(latest_risk.values("rosh")[:1]),
            mappa=Subquery(latest_risk.values("mappa_level")[:1], output_field=IntegerField()),
            offence=Subquery(main_offence.values("category")[:1]),
            team=Subquery(holder.values("practitioner__team__code")[:1]),
        )
        .values_list(
            "pk",
            "type",
            "person__sex",
            "person__date_of_birth",
            "person__diversity__ethnicity",
            "person__diversity__ethnic_group",
            "person__diversity__religion",
            "person__diversity__disability",
            "person__pdu__code",
            "person__pdu__region__code",
            "team",
            "tier",
            "rosh",
            "mappa",
            "offence",
        )
    )
    columns = [
        "sentence_id",
        "type",
        "sex",
        "date_of_birth",
        "ethnicity",
        "ethnic_group",
        "religion",
        "disability",
        "pdu",
        "region",
        "team",
        "tier",
        "rosh",
        "mappa",
        "offence",
    ]
    frame = pd.DataFrame.from_records(list(sentences), columns=columns).set_index("sentence_id")
    born = pd.to_datetime(frame["date_of_birth"])
    end = pd.Timestamp(period.end)
    birthday_to_come = (born.dt.month > end.month) | ((born.dt.month == end.month) & (born.dt.day > end.day))
    age = end.year - born.dt.year - birthday_to_come.astype(int)
    bands = [f"{lo}-{hi}" if hi < 200 else f"{lo}+" for lo, hi in AGE_BANDS]
    edges = [lo for lo, _ in AGE_BANDS] + [1000]
    frame["age_band"] = pd.cut(age, bins=edges, right=False, labels=bands).astype(str)
    frame["ethnic_group_sex"] = frame["ethnic_group"].astype(str) + ", " + frame["sex"].astype(str)
    frame["national"] = "national"
    for column in ("tier", "rosh", "offence", "team"):
        frame[column] = frame[column].fillna("unknown")
    return frame.drop(columns=["date_of_birth"])


def measure_cells(measure: Measure, period: Period, population: pd.DataFrame | None = None) -> pd.DataFrame:
    """The population of a measure with its trials and events per sentence, ready to aggregate by
    characteristic, unit and drivers."""
    frame = population if population is not None else population_frame(period)
    frame = frame[measure.population(frame, period)]
    if measure.event is not None:
        return frame.assign(trials=1, events=measure.event(frame).astype(int))
    assert measure.count is not None
    counted = measure.count(period)
    if measure.trials_from_query:
        joined = frame.join(counted[["trials", "events"]], how="inner")
    else:
        joined = frame.join(counted[["events"]], how="left").assign(trials=1)
        joined["events"] = joined["events"].fillna(0).clip(upper=1)
    return joined.astype({"trials": int, "events": int})


def cells(
    measure: Measure,
    period: Period,
    *,
    characteristic: str,
    unit_level: str = "national",
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Trials and events aggregated by unit, group and the measure's drivers: the table the statistics take."""
    if characteristic not in measure.characteristics:
        raise ValueError(f"Unknown characteristic '{characteristic}' for {measure.title}")
    if unit_level not in UNIT_LEVELS:
        raise ValueError(f"Unknown unit level '{unit_level}': choose one of {', '.join(UNIT_LEVELS)}")
    frame = measure_cells(measure, period, population)
    # A driver that is the characteristic itself, or the unit, is not also a driver of the same comparison.
    drivers = [d for d in measure.drivers if d not in (characteristic, unit_level)]
    keys = [unit_level, characteristic, *drivers]
    grouped = frame.groupby(keys, observed=True, dropna=False)[["trials", "events"]].sum().reset_index()
    return grouped.rename(columns={unit_level: "unit", characteristic: "group"})
