"""The measures catalogue: what each equality measure counts, in words and as one aggregate query.

Every measure is a population (who could have the outcome) and an event (who had it), over a period. The
population comes from one query over sentences that yields, per sentence, the person's protected
characteristics, the units that hold the case and the legitimate drivers of the outcome; each measure then
adds its own aggregate query, counting trials and events per sentence. The statistics in ``stats`` take the
resulting cells. Nothing here loops over rows in Python, and nothing writes.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from django.db import connections
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from evenhand.assessment.models import (
    FINISHED,
    AgreementAnswer,
    Assessment,
    AssessmentKind,
    DiversityTopic,
    GoalStatus,
    PlanAgreement,
    PlanGoal,
    PreSentenceReport,
    Proposal,
    ReportStatus,
    SectionAnswer,
    SentencePlan,
    TierCalculation,
    Topic,
    TopicStatus,
)
from evenhand.cases.models import (
    COMPLEXITY_FACTORS,
    RECALLS,
    Allocation,
    Contact,
    ContactOutcome,
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
from evenhand.core.db import analytics_reads
from evenhand.org.models import Grade
from evenhand.people.models import GROUP_OF_ETHNICITY, Disability, EthnicGroup, Ethnicity, Person, Religion
from evenhand.people.selectors import histories_in_force

# The legitimate drivers a measure can be adjusted for (columns of the population frame).
DRIVERS = ("tier", "rosh", "offence", "age_band", "sex", "region")
# Drivers a measure brings with its own inputs (``Measure.inputs``), with their names in words: the tier
# measure's inputs other than the assessor's judgement.
TIER_INPUT_DRIVERS = {
    "rsr_band": "RSR band",
    "mappa_level": "MAPPA level",
    "complexity_factors": "complexity factor registrations",
}
# The pre-sentence report measure's own driver: the person's previous convictions, banded.
REPORT_DRIVERS = {"convictions": "previous convictions"}
MEASURE_DRIVERS = {**TIER_INPUT_DRIVERS, **REPORT_DRIVERS}
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
# The code of "not recorded" for each diversity column (a person with no diversity profile has these), and
# the columns whose recording is itself measured, with their names in words.
NOT_RECORDED = {
    "ethnicity": Ethnicity.NOT_RECORDED.value,
    "ethnic_group": EthnicGroup.NOT_RECORDED.value,
    "religion": Religion.NOT_RECORDED.value,
    "disability": Disability.NOT_RECORDED.value,
}
# The characteristics the population frame reads as in force at the end of the period (people.selectors).
HISTORY_COLUMNS = ("ethnicity", "religion", "disability")
RECORDED = (("ethnicity", "Ethnicity"), ("religion", "Religion or belief"), ("disability", "Disability"))
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


class Source:
    """What the measures of one period read, each table fetched once: a report reads the population and the
    decisions for many measures. Built per analysis, never shared between requests.

    A source can be part of a longer one (:meth:`part`, a quarter of a trend): the measures' own queries are
    then run for the part, and ``whole`` is the source of the whole period, whose rows the trials of the part
    are counted on."""

    def __init__(self, period: Period) -> None:
        self.period = period
        self.whole: Source = self

    @cached_property
    def population(self) -> pd.DataFrame:
        """One row per sentence under supervision at some time in the period (:func:`population_frame`). For
        a part, the whole period's rows of the sentences under supervision in the part (characteristics,
        units and drivers as at the end of the whole period)."""
        if self.whole is self:
            return population_frame(self.period)
        frame = self.whole.population
        return frame[_supervised(frame, self.period)]

    def part(self, period: Period) -> "Source":
        """The same data for part of the period (a quarter of a trend). Measures of people count the sentences
        under supervision in the part; measures of trials count the part's trials on the whole period's rows
        (see :func:`measure_cells`), so that their parts add up to the whole."""
        if period.start < self.period.start or period.end > self.period.end:
            raise ValueError(f"{period} is not within {self.period}")
        part = Source(period)
        part.whole = self.whole
        return part

    @cached_property
    def decisions(self) -> pd.DataFrame:
        """Standing enforcement decisions (not corrected) made in the period, with their outcome if any and
        the risk information they answered (None for a decision on a failure to comply)."""
        return read_frame(
            STANDING.filter(**_in_period(self.period)).values_list(
                "sentence_id", "decision", "outcome__outcome", "risk_information_id"
            ),
            ["sentence_id", "decision", "outcome", "risk_information"],
        )

    @cached_property
    def new_allocations(self) -> pd.DataFrame:
        """New-case allocations in the period (read once for the two allocation measures)."""
        return _new_allocations(self.period)

    @cached_property
    def diversity_topics(self) -> pd.DataFrame:
        """Each topic of the diversity conversation of the assessments completed in the period (complete, or
        since locked by a later one), with the sentence assessed and whether it was discussed."""
        period = self.period
        return read_frame(
            DiversityTopic.objects.filter(
                assessment__status__in=FINISHED,
                assessment__completed_on__gte=period.start,
                assessment__completed_on__lte=period.end,
                assessment__sentence__isnull=False,
            ).values_list("assessment__sentence_id", "topic", "status"),
            ["sentence_id", "topic", "status"],
        )

    @cached_property
    def tier_inputs(self) -> pd.DataFrame:
        """Per sentence under supervision in the period (:func:`tier_inputs`): the person's tier as computed by
        the end of the period, and the inputs the tier measure is adjusted for."""
        return tier_inputs(self.period, self.population.index)

    @cached_property
    def referrals(self) -> pd.DataFrame:
        """Referrals made in the period."""
        period = self.period
        return read_frame(
            Referral.objects.filter(made_on__gte=period.start, made_on__lte=period.end).values_list(
                "sentence_id", "service_area"
            ),
            ["sentence_id", "service_area"],
        )


def as_text(field: str) -> Cast:
    """A date column read as ISO text: the database's own format, parsed by pandas in one call rather than
    by Django one value at a time (ISO dates also sort correctly as text)."""
    return Cast(field, CharField())


def read_frame(queryset: QuerySet, columns: list[str]) -> pd.DataFrame:
    """The rows of a ``values_list`` query as a frame, read straight from the database cursor.

    Django's per-value conversion and the models' default ordering cost seconds over a national table and
    buy nothing here: the ordering is dropped, and dates are parsed by pandas afterwards where needed.

    An analytical read: from the analytics replica when one is configured (ADR 15)."""
    sql, params = queryset.order_by().query.sql_with_params()
    with analytics_reads():
        alias = queryset.db
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pd.DataFrame.from_records(rows, columns=columns)


# Each measure's own query: per sentence id, the number of trials and of events in the period.
Counter = Callable[[Source], pd.DataFrame]


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
    # The outcome as it stands at the end of the window asked for (a plan made in one quarter and agreed in the
    # next is agreed in the year but not in its quarter), so the quarters do not add up to the year.
    outcome_at_window_end: bool = False
    event: Callable[[pd.DataFrame], pd.Series] | None = None
    drivers: tuple[str, ...] = DRIVERS
    characteristics: tuple[str, ...] = tuple(CHARACTERISTICS)
    completeness: bool = False  # a measure of recording rather than of treatment
    by_team: bool = True  # False where the team is decided by the outcome (allocation), so not a fair unit
    # Columns per sentence the measure adds to the population frame before its population is chosen (drivers
    # of its own, named in ``MEASURE_DRIVERS``); None for a measure that reads the frame as it is.
    inputs: Callable[["Source"], pd.DataFrame] | None = None

    @property
    def quarters_add_up(self) -> bool:
        """Whether the quarters of a period add up to it, group by group, in trials and events: true of the
        measures of trials, each of which is an event in time that falls in one quarter and is counted on
        the same row as in the whole period. A measure of people counts everyone under supervision in each
        quarter, and a person supervised in several quarters is in each of them."""
        return self.trials_from_query and not self.outcome_at_window_end


def _per_sentence(frame: pd.DataFrame, events: pd.Series) -> pd.DataFrame:
    """Trials and events per sentence from one row per trial."""
    counted = pd.DataFrame(
        {
            "sentence_id": frame["sentence_id"].to_numpy(),
            "trials": 1,
            "events": events.astype(int).to_numpy(),
        }
    )
    return counted.groupby("sentence_id")[["trials", "events"]].sum()


def _in_period(period: Period) -> dict[str, dt.datetime]:
    return {"decided_at__gte": period.start_at, "decided_at__lt": period.end_at}


STANDING = EnforcementDecision.objects.filter(corrected_by__isnull=True)


def _events_only(ids: pd.Series) -> pd.DataFrame:
    index = pd.Index(pd.unique(ids), name="sentence_id")
    return pd.DataFrame({"events": 1}, index=index)


def _recall(source: Source) -> pd.DataFrame:
    decisions = source.decisions
    return _events_only(decisions.loc[decisions["decision"].isin(RECALLS), "sentence_id"])


def _recall_approved(source: Source) -> pd.DataFrame:
    decisions = source.decisions
    approved = decisions["decision"].isin(RECALLS) & (decisions["outcome"] == DecisionOutcome.RECALL_APPROVED)
    return _events_only(decisions.loc[approved, "sentence_id"])


def _breach(source: Source) -> pd.DataFrame:
    decisions = source.decisions
    return _events_only(decisions.loc[decisions["decision"] == Decision.BREACH, "sentence_id"])


def _escalation(source: Source) -> pd.DataFrame:
    """Decisions on unacceptable failures: trials are all of them, events those that were breach or recall.
    Decisions on risk information are measured by :func:`_recall_after_information` instead."""
    decisions = source.decisions
    decisions = decisions[decisions["risk_information"].isna()]
    return _per_sentence(decisions, decisions["decision"].isin([Decision.BREACH, *RECALLS]))


def _recall_after_information(source: Source) -> pd.DataFrame:
    """Risk information received in the period and answered by a standing decision (one per information):
    trials; those answered with recall: events. A decision not to recall counts as made whether or not a
    manager has endorsed it yet; information still waiting for a decision is not a trial."""
    period = source.period
    answered = STANDING.filter(
        risk_information__isnull=False,
        risk_information__received_at__gte=period.start_at,
        risk_information__received_at__lt=period.end_at,
    )
    rows = read_frame(answered.values_list("sentence_id", "decision"), ["sentence_id", "decision"])
    return _per_sentence(rows, rows["decision"].isin(RECALLS))


def _unacceptable_absence(source: Source) -> pd.DataFrame:
    """Failures to attend in the period: trials; those judged unacceptable: events. One aggregate query."""
    period = source.period
    absences = Contact.objects.filter(
        starts_at__gte=period.start_at,
        starts_at__lt=period.end_at,
        outcome__in=[ContactOutcome.FAILED_ACCEPTABLE, ContactOutcome.FAILED_UNACCEPTABLE],
    )
    rows = read_frame(absences.values_list("sentence_id", "outcome"), ["sentence_id", "outcome"])
    return _per_sentence(rows, rows["outcome"] == ContactOutcome.FAILED_UNACCEPTABLE)


def _referral(area: str | None) -> Counter:
    def count(source: Source) -> pd.DataFrame:
        referrals = source.referrals
        if area is not None:
            referrals = referrals[referrals["service_area"] == area]
        return _events_only(referrals["sentence_id"])

    return count


def _referral_completed(source: Source) -> pd.DataFrame:
    """Referrals that ended in the period after starting: trials; completed: events."""
    period = source.period
    ended = Referral.objects.filter(
        status__in=[ReferralStatus.COMPLETED, ReferralStatus.WITHDRAWN],
        status_changed_on__gte=period.start,
        status_changed_on__lte=period.end,
        status_changes__status=ReferralStatus.STARTED,
    ).distinct()
    rows = read_frame(ended.values_list("pk", "sentence_id", "status"), ["id", "sentence_id", "status"])
    return _per_sentence(rows, rows["status"] == ReferralStatus.COMPLETED)


def _assessment_timely(source: Source) -> pd.DataFrame:
    """Completed within 15 working days of the start of the sentence (working days counted in NumPy). One
    trial per sentence, chosen by the sentence's start: all of a sentence's rows fall in the same part of a
    period, so the parts still add up to the whole."""
    period = source.period
    rows = read_frame(
        Assessment.objects.filter(
            sentence__start_date__gte=period.start, sentence__start_date__lte=period.end
        )
        .exclude(kind=AssessmentKind.PSR)
        .values_list("sentence_id", "sentence__start_date", "completed_on"),
        ["sentence_id", "start", "completed"],
    )
    start = pd.to_datetime(rows["start"]).to_numpy(dtype="datetime64[D]")
    completed = pd.to_datetime(rows["completed"]).to_numpy(dtype="datetime64[D]")
    done = ~np.isnat(completed)
    working = np.full(len(rows), 10_000)
    working[done] = np.busday_count(start[done], completed[done])
    timely = pd.Series(working <= 15)
    return _per_sentence(rows, timely).clip(upper=1)


def _diversity_discussed(source: Source) -> pd.DataFrame:
    """Assessments completed in the period: trials; those whose diversity conversation was held in full (every
    topic discussed, none declined or not yet): events."""
    period = source.period
    topics = DiversityTopic.objects.filter(assessment=OuterRef("pk"))
    rows = read_frame(
        Assessment.objects.filter(
            status__in=FINISHED,
            completed_on__gte=period.start,
            completed_on__lte=period.end,
            sentence__isnull=False,
        )
        .annotate(held=Exists(topics), left=Exists(topics.exclude(status=TopicStatus.DISCUSSED)))
        .values_list("sentence_id", "held", "left"),
        ["sentence_id", "held", "left"],
    )
    return _per_sentence(rows, rows["held"].astype(bool) & ~rows["left"].astype(bool))


def _topic_discussed(topic: str) -> Counter:
    """Completed assessments' conversations on ``topic``: trials; those where it was discussed (not declined
    by the person, not "not yet discussed"): events."""

    def count(source: Source) -> pd.DataFrame:
        rows = source.diversity_topics
        rows = rows[rows["topic"] == topic]
        return _per_sentence(rows, rows["status"] == TopicStatus.DISCUSSED)

    return count


# What each topic is called in a measure's title.
TOPIC_WORDS: dict[str, str] = {
    Topic.ETHNICITY: "ethnicity",
    Topic.CULTURE: "culture",
    Topic.RELIGION: "religion or belief",
    Topic.DISCRIMINATION: "experience of discrimination or racism",
    Topic.LANGUAGE: "language and interpreter need",
    Topic.NEURODIVERSITY: "neurodiversity and learning needs",
    Topic.CARING: "caring responsibilities",
    Topic.GENDER_IDENTITY: "gender identity",
}
# The bands of the tier's inputs (``assessment.tier``: RSR scores 10 points from 3, 20 from 7).
RSR_BANDS = ((7.0, "7 and over"), (3.0, "3 to 6.99"), (0.0, "under 3"))
NOT_KNOWN = "not known"
PROTECT_A_OR_B = ("A", "B")


def _complexity_factors(registrations: str | list[str] | None) -> int:
    """How many complexity factor registrations a stored tier's inputs list (JSON text, or a list; nothing
    stored: none)."""
    if not isinstance(registrations, str | list):
        return 0
    codes = json.loads(registrations) if isinstance(registrations, str) else registrations
    return len(set(codes) & set(COMPLEXITY_FACTORS))


def tier_inputs(period: Period, sentences: pd.Index) -> pd.DataFrame:
    """For each of ``sentences`` whose person has a tier computed by the end of the period (the latest such
    ``assessment.TierCalculation``): its protect level, and as categories the inputs it is adjusted for:
    ``rsr_band`` (not known, under 3, 3 to 6.99, 7 and over), ``mappa_level`` (none, 1, 2, 3) and
    ``complexity_factors`` (0, 1, 2, 3+). Two plain queries, the latest tier picked here."""
    tiers = read_frame(
        TierCalculation.objects.filter(computed_at__lt=period.end_at).values_list(
            "person_id",
            as_text("computed_at"),
            "pk",
            "protect",
            KT("inputs__rsr"),
            KT("inputs__mappa_level"),
            KT("inputs__registrations"),
        ),
        ["person_id", "computed_at", "id", "protect", "rsr", "mappa", "registrations"],
    )
    latest = tiers.sort_values(["person_id", "computed_at", "id"]).drop_duplicates("person_id", keep="last")
    rsr = pd.to_numeric(latest["rsr"], errors="coerce").to_numpy(dtype=float)
    band = np.full(len(latest), NOT_KNOWN, dtype=object)
    for floor, label in reversed(RSR_BANDS):
        band[rsr >= floor] = label
    mappa = pd.to_numeric(latest["mappa"], errors="coerce")
    factors = latest["registrations"].map(_complexity_factors).to_numpy()
    per_person = pd.DataFrame(
        {
            "protect": latest["protect"].to_numpy(),
            "rsr_band": band,
            "mappa_level": np.where(mappa.isna(), "none", mappa.fillna(0).astype(int).astype(str)),
            "complexity_factors": np.where(factors >= 3, "3+", factors.astype(str)),
        },
        index=pd.Index(latest["person_id"].to_numpy(), name="person_id"),
    )
    # Every sentence's person (the population frame keeps none), the population's picked here: a list of its
    # ids would pass SQLite's limit of bound parameters on a national database.
    owners = read_frame(Sentence.objects.values_list("pk", "person_id"), ["sentence_id", "person_id"])
    owners = owners[owners["sentence_id"].isin(sentences)]
    frame = owners.join(per_person, on="person_id", how="inner").set_index("sentence_id")
    for column in TIER_INPUT_DRIVERS:
        frame[column] = _categorical(frame[column], None)
    return frame[["protect", *TIER_INPUT_DRIVERS]]


def _tier_a_or_b(source: Source) -> pd.DataFrame:
    inputs = source.tier_inputs
    return pd.DataFrame({"events": inputs["protect"].isin(PROTECT_A_OR_B).astype(int)}, index=inputs.index)


def _with_tier(frame: pd.DataFrame, period: Period) -> pd.Series:
    """Sentences whose person has a tier computed by the end of the period."""
    return frame["protect"].notna()


def _plan_agreed(source: Source) -> pd.DataFrame:
    """Sentence plans made in the period (one trial each, by the sentence they are for): agreed by the person
    by the end of the period (an answer of "agreed" to any version)."""
    period = source.period
    agreed = PlanAgreement.objects.filter(
        plan=OuterRef("pk"), answer=AgreementAnswer.AGREED, recorded_at__lt=period.end_at
    )
    plans = SentencePlan.objects.filter(
        made_at__gte=period.start_at, made_at__lt=period.end_at, sentence__isnull=False
    ).annotate(agreed=Exists(agreed))
    rows = read_frame(plans.values_list("sentence_id", "agreed"), ["sentence_id", "agreed"])
    return _per_sentence(rows, rows["agreed"].astype(bool))


def _plan_goal_per_need(source: Source) -> pd.DataFrame:
    """The criminogenic needs (standard or severe) identified by the assessments that plans made in the period
    answer, one trial each: those the plan has a goal for (main need area; a removed goal does not count)."""
    period = source.period
    goal = PlanGoal.objects.filter(plan__assessment=OuterRef("assessment"), need=OuterRef("section")).exclude(
        status=GoalStatus.REMOVED
    )
    needs = SectionAnswer.objects.filter(
        severity__in=("standard", "severe"),
        assessment__plan__made_at__gte=period.start_at,
        assessment__plan__made_at__lt=period.end_at,
        assessment__plan__sentence__isnull=False,
    ).annotate(covered=Exists(goal))
    rows = read_frame(
        needs.values_list("assessment__plan__sentence_id", "covered"), ["sentence_id", "covered"]
    )
    return _per_sentence(rows, rows["covered"].astype(bool))


# Bands of previous convictions (the report's count as the record held it when it was delivered).
CONVICTION_BANDS = ((7, "7 or more"), (3, "3 to 6"), (1, "1 or 2"), (0, "none"))


def _delivered_reports(period: Period) -> pd.DataFrame:
    """Pre-sentence reports delivered in the period (not those since corrected: the correction counts, when it
    is delivered), by the sentence their main offence is recorded on: the proposal and previous convictions."""
    return read_frame(
        PreSentenceReport.objects.filter(
            status=ReportStatus.DELIVERED, delivered_on__gte=period.start, delivered_on__lte=period.end
        ).values_list("main_offence__sentence_id", "proposal", "previous_convictions"),
        ["sentence_id", "proposal", "convictions"],
    )


def report_inputs(source: "Source") -> pd.DataFrame:
    """Per sentence with a report delivered in the period: the previous convictions band (the most the
    sentence's reports give), the report measure's own driver."""
    rows = _delivered_reports(source.period)
    most = rows.groupby("sentence_id")["convictions"].max()
    counts = pd.to_numeric(most, errors="coerce").fillna(0).to_numpy(dtype=int)
    band = np.full(len(most), CONVICTION_BANDS[-1][1], dtype=object)
    for floor, label in reversed(CONVICTION_BANDS):
        band[counts >= floor] = label
    frame = pd.DataFrame({"convictions": band}, index=pd.Index(most.index, name="sentence_id"))
    frame["convictions"] = _categorical(frame["convictions"], None)
    return frame


def _custody_proposed(source: Source) -> pd.DataFrame:
    """Reports delivered in the period (one trial each): those proposing custody rather than a community or
    suspended sentence order (events)."""
    rows = _delivered_reports(source.period)
    return _per_sentence(rows, rows["proposal"] == Proposal.CUSTODY)


def _with_report(frame: pd.DataFrame, period: Period) -> pd.Series:
    """Sentences whose offence a report delivered in the period was written about."""
    return frame["convictions"].notna()


def _new_allocations(period: Period) -> pd.DataFrame:
    """New-case allocations in the period, with the practitioner's grade and the days since sentence."""
    allocations = Allocation.objects.filter(
        reason="new_case", start_date__gte=period.start, start_date__lte=period.end
    )
    return read_frame(
        allocations.values_list("sentence_id", "practitioner__grade", "start_date", "sentence__start_date"),
        ["sentence_id", "grade", "allocated", "sentenced"],
    )


def _allocation_po(source: Source) -> pd.DataFrame:
    """New-case allocations in the period (the population mask keeps cases a PSO could hold)."""
    rows = source.new_allocations
    return _per_sentence(rows, rows["grade"] == Grade.PO)


def _allocation_late(source: Source) -> pd.DataFrame:
    """Each new-case allocation one trial, as in :func:`_allocation_po`: counted per sentence, a sentence with
    new allocations in two quarters would be one trial in the year and one in each quarter."""
    rows = source.new_allocations
    days = (pd.to_datetime(rows["allocated"]) - pd.to_datetime(rows["sentenced"])).dt.days
    return _per_sentence(rows, days > 5)


def _completion(source: Source) -> pd.DataFrame:
    period = source.period
    rows = read_frame(
        # A release ends the custody sentence but not the supervision: the licence that follows it completes.
        Sentence.objects.filter(termination_date__gte=period.start, termination_date__lte=period.end)
        .exclude(termination_reason="released")
        .values_list("pk", "termination_reason"),
        ["sentence_id", "reason"],
    )
    return _per_sentence(rows, rows["reason"].isin(["completed", "early_good_progress"]))


def _not_recorded(field: str, code: str) -> Callable[[pd.DataFrame], pd.Series]:
    def event(frame: pd.DataFrame) -> pd.Series:
        return frame[field] == code

    return event


def _services(label: str) -> str:
    """ "accommodation services", "women's services" (a label that already says services keeps its word)."""
    words = label[0].lower() + label[1:]
    return words if words.endswith("services") else f"{words} services"


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
            "recall_after_information",
            "Recall following risk information",
            "Risk information about people on licence (from the police, a partner agency, the person or the "
            "public) received in the period and answered by a decision: the share answered with recall "
            "(standard, fixed-term or emergency) rather than a warning, more contact, a licence variation or no "
            "recall. Each piece of information is one trial; a corrected decision counts as its correction.",
            LICENCES,
            _recall_after_information,
            trials_from_query=True,
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
            "unacceptable_absence",
            "Absence judged unacceptable",
            "Missed appointments in the period (failures to attend) that the practitioner judged unacceptable "
            "rather than acceptable, as a share of all missed appointments: the judgement that starts "
            "enforcement. Each missed appointment is one trial.",
            active,
            _unacceptable_absence,
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
                f"Referred to {_services(label)}",
                f"People under supervision in the period with a referral to {_services(label)} made in the period.",
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
            "Assessments completed in the period (complete, or since locked by a later one) whose diversity "
            "conversation was held in full: every topic discussed with the person, none declined or not yet.",
            active,
            _diversity_discussed,
            trials_from_query=True,
        ),
        *[
            Measure(
                f"diversity_topic:{topic}",
                f"Diversity conversation: {TOPIC_WORDS[topic]} discussed",
                f"Assessments completed in the period (complete, or since locked by a later one): the share in "
                f"which {TOPIC_WORDS[topic]} was discussed with the person, rather than declined by them or not "
                "yet discussed. Each completed assessment of a sentence is one trial.",
                active,
                _topic_discussed(topic),
                trials_from_query=True,
            )
            for topic in Topic.values
        ],
        Measure(
            "tier_a_or_b",
            "Tier A or B",
            "Sentences under supervision in the period whose person had a tier computed by Evenhand by its end: "
            "the share whose latest tier then was A or B (protect level 20 points or more). Adjusted for the "
            "tier's inputs other than the assessor's judgement: RSR band, MAPPA level, the number of complexity "
            "factor registrations, and sex. The judgement items are left out of the adjustment, so that a "
            "difference they make is seen: the risk of serious harm level, and the assessment's answers that "
            "score as the women's factors (parenting responsibilities, impulsivity or temper control); so is a "
            "previous breach or recall, itself a decision these measures compare.",
            _with_tier,
            _tier_a_or_b,
            drivers=(*TIER_INPUT_DRIVERS, "sex"),
            inputs=lambda source: source.tier_inputs,
        ),
        Measure(
            "plan_agreed",
            "Plan agreed by the person",
            "Sentence plans made in the period: the share the person agreed (by the end of the period), rather "
            "than not agreeing, not being able to answer, or not yet being asked. Each plan is one trial.",
            active,
            _plan_agreed,
            trials_from_query=True,
            outcome_at_window_end=True,
        ),
        Measure(
            "plan_goal_per_need",
            "Plan goal for each identified need",
            "Criminogenic needs identified by the assessments that sentence plans made in the period answer: the "
            "share with a goal of the plan whose main need area it is (a removed goal does not count). Each "
            "need is one trial.",
            active,
            _plan_goal_per_need,
            trials_from_query=True,
        ),
        Measure(
            "psr_custody",
            "Custody proposed in a pre-sentence report",
            "Pre-sentence reports delivered in the period: the share proposing custody rather than a community "
            "order or a suspended sentence order. Each delivered report is one trial (a corrected report counts "
            "as its correction), on the sentence its main offence is recorded on. Adjusted for the offence group, "
            "the person's previous convictions (none, 1 or 2, 3 to 6, 7 or more, as the record held them at "
            "delivery) and risk of serious harm.",
            _with_report,
            _custody_proposed,
            trials_from_query=True,
            drivers=("offence", "convictions", "rosh"),
            inputs=report_inputs,
        ),
        Measure(
            "allocation_po",
            "Allocated to a PO rather than a PSO",
            "New cases allocated in the period that a PSO could hold (low or medium risk of serious harm, no "
            "MAPPA level 2 or 3): the share allocated to a probation officer, at the same tier after adjustment.",
            psos_may_hold,
            _allocation_po,
            trials_from_query=True,
            by_team=False,
        ),
        Measure(
            "allocation_late",
            "Allocated more than 5 days after sentence",
            "New-case allocations made in the period: the share made more than 5 calendar days after the "
            "sentence started (days from sentence to allocation). Each allocation is one trial.",
            active,
            _allocation_late,
            trials_from_query=True,
            by_team=False,
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
                event=_not_recorded(field, NOT_RECORDED[field]),
                characteristics=("sex", "age_band"),
                completeness=True,
            )
            for field, label in RECORDED
        ],
    ]
}


SENTENCE_DATES = ["start_date", "termination_date", "expected_end_date"]


def _supervised(frame: pd.DataFrame, period: Period) -> pd.Series:
    """Sentences under supervision at some time in the period (the rule of :func:`population_frame`)."""
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    ended = frame["termination_date"]
    return (
        (frame["start_date"] <= end)
        & (ended.isna() | (ended >= start))
        & ((frame["expected_end_date"] >= start) | (ended >= start))
    )


def population_frame(period: Period) -> pd.DataFrame:
    """One row per sentence under supervision at some time in the period: the person's characteristics, the
    units holding the case and the legitimate drivers.

    Six plain queries (sentences, people with their diversity profile and units, the latest risk summary per
    person, main offences, the latest allocation per sentence), joined here: on a national database that is
    several times faster than one query with correlated subqueries, on SQLite and on PostgreSQL. Read from
    the analytics replica when one is configured (ADR 15)."""
    with analytics_reads():
        return _population_frame(period)


def _population_frame(period: Period) -> pd.DataFrame:
    sentences = read_frame(
        Sentence.objects.filter(start_date__lte=period.end)
        .filter(Q(termination_date__isnull=True) | Q(termination_date__gte=period.start))
        .filter(Q(expected_end_date__gte=period.start) | Q(termination_date__gte=period.start))
        .values_list(
            "pk",
            "type",
            "person_id",
            as_text("start_date"),
            as_text("termination_date"),
            as_text("expected_end_date"),
        ),
        ["sentence_id", "type", "person_id", *SENTENCE_DATES],
    )
    for column in SENTENCE_DATES:
        sentences[column] = pd.to_datetime(sentences[column], format="ISO8601")
    people = read_frame(
        Person.objects.values_list(
            "pk",
            "sex",
            as_text("date_of_birth"),
            "diversity__ethnicity",
            "diversity__ethnic_group",
            "diversity__religion",
            "diversity__disability",
            "pdu__code",
            "pdu__region__code",
        ),
        [
            "person_id",
            "sex",
            "date_of_birth",
            "ethnicity",
            "ethnic_group",
            "religion",
            "disability",
            "pdu",
            "region",
        ],
    )
    people = _diversity_in_force(people, period.end)
    risks = read_frame(
        RiskSummary.objects.values_list(
            "person_id", as_text("assessed_on"), "pk", "tier", "rosh", "mappa_level"
        ),
        ["person_id", "assessed_on", "id", "tier", "rosh", "mappa"],
    )
    latest_risk = (
        risks.sort_values(["person_id", "assessed_on", "id"])
        .drop_duplicates("person_id", keep="last")
        .set_index("person_id")[["tier", "rosh", "mappa"]]
    )
    offences = read_frame(
        Offence.objects.filter(is_main=True).values_list("sentence_id", "category"),
        ["sentence_id", "offence"],
    ).drop_duplicates("sentence_id")
    allocations = read_frame(
        Allocation.objects.values_list(
            "sentence_id", as_text("start_date"), "pk", "practitioner__team__code"
        ),
        ["sentence_id", "start_date", "id", "team"],
    )
    holder = (
        allocations.sort_values(["sentence_id", "start_date", "id"])
        .drop_duplicates("sentence_id", keep="last")
        .set_index("sentence_id")["team"]
    )
    frame = (
        sentences.merge(people, on="person_id", how="left")
        .join(latest_risk, on="person_id")
        .join(offences.set_index("sentence_id"), on="sentence_id")
        .join(holder, on="sentence_id")
        .set_index("sentence_id")
        .drop(columns="person_id")
    )
    born = pd.to_datetime(frame["date_of_birth"], format="ISO8601")
    end = pd.Timestamp(period.end)
    birthday_to_come = (born.dt.month > end.month) | ((born.dt.month == end.month) & (born.dt.day > end.day))
    age = end.year - born.dt.year - birthday_to_come.astype(int)
    bands = [f"{lo}-{hi}" if hi < 200 else f"{lo}+" for lo, hi in AGE_BANDS]
    edges = [lo for lo, _ in AGE_BANDS] + [1000]
    frame["age_band"] = pd.cut(age, bins=edges, right=False, labels=bands).astype(str)
    # Categories: every report groups by these columns many times, and grouping by codes is far cheaper.
    # Missing values are filled after the conversion, in the categories rather than in every row.
    missing = {"tier": "unknown", "rosh": "unknown", "offence": "unknown", "team": "unknown"}
    # A person with no diversity profile has nothing recorded.
    missing.update(NOT_RECORDED)
    for column in ["type", "sex", "pdu", "region", "age_band", *missing]:
        frame[column] = _categorical(frame[column], missing.get(column))
    frame["ethnic_group_sex"] = _crossed(frame["ethnic_group"], frame["sex"])
    frame["national"] = pd.Categorical.from_codes(np.zeros(len(frame), dtype=np.int8), ["national"])
    frame["mappa"] = pd.to_numeric(frame["mappa"])
    return frame.drop(columns=["date_of_birth"])


def _diversity_in_force(people: pd.DataFrame, on: dt.date) -> pd.DataFrame:
    """The people's ethnicity, religion and disability in force on ``on`` where their profile has a history
    (``people.selectors.histories_in_force``); the profile's own values for people without one."""
    rows, has_history = histories_in_force(on, HISTORY_COLUMNS)
    if not has_history:
        return people
    people = people.set_index("person_id")
    for column in HISTORY_COLUMNS:
        # Before the first row of a history nothing was recorded.
        started = [p for p, c in has_history if c == column and p in people.index]
        people.loc[started, column] = NOT_RECORDED.get(column, Ethnicity.NOT_RECORDED.value)
        values = {p: v for p, c, v in rows if c == column and p in people.index}
        if values:
            people.loc[list(values), column] = list(values.values())
    changed = [p for p, c in has_history if c == "ethnicity" and p in people.index]
    people.loc[changed, "ethnic_group"] = [
        GROUP_OF_ETHNICITY.get(e, EthnicGroup.NOT_RECORDED).value for e in people.loc[changed, "ethnicity"]
    ]
    return people.reset_index()


def _categorical(values: pd.Series, missing: str | None) -> pd.Series:
    """The column as a categorical with its categories in sort order, missing values as ``missing`` (or left
    missing when it is None). Factorising the plain values is twice as fast as ``astype("category")``."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))
    categories = set(uniques)
    if missing is not None and (codes < 0).any():
        categories.add(missing)
    order = sorted(categories)
    position = {category: i for i, category in enumerate(order)}
    lookup = np.array([position[value] for value in uniques] + [position.get(missing, -1)], dtype=np.int64)
    return pd.Series(pd.Categorical.from_codes(lookup[codes], order), index=values.index)


def _crossed(first: pd.Series, second: pd.Series) -> pd.Series:
    """Two categorical columns crossed: "white, F" for ``white`` and ``F``, computed on the codes."""
    width = len(second.cat.categories)
    a, b = first.cat.codes.to_numpy(dtype=np.int64), second.cat.codes.to_numpy(dtype=np.int64)
    codes = np.where((a < 0) | (b < 0), -1, a * width + b)  # missing if either is
    names = [f"{x}, {y}" for x in first.cat.categories for y in second.cat.categories]
    crossed = pd.Series(pd.Categorical.from_codes(codes, names), index=first.index)
    crossed = crossed.cat.remove_unused_categories()
    return crossed.cat.set_categories(sorted(crossed.cat.categories))


def _with_inputs(measure: Measure, source: Source) -> pd.DataFrame:
    """The population frame with the columns the measure adds (``Measure.inputs``), missing where a sentence
    has none."""
    if measure.inputs is None:
        return source.population
    return source.population.join(measure.inputs(source), how="left")


def measure_cells(measure: Measure, source: Source) -> pd.DataFrame:
    """The population of a measure with its trials and events per sentence, ready to aggregate by
    characteristic, unit and drivers. For a part of a period (:meth:`Source.part`), a measure of trials has
    the whole period's rows with the part's trials, so the parts' trials and events add up to the whole's
    sentence by sentence; a measure of people has the sentences under supervision in the part."""
    if measure.trials_from_query:
        # A part's trials are counted on the whole period's rows, as the whole period's are, so that the
        # parts add up to it: a referral that ends in a quarter after its sentence has ended is still counted.
        whole = source.whole
        frame = _with_inputs(measure, whole)
        frame = frame[measure.population(frame, whole.period)]
    else:
        frame = _with_inputs(measure, source)
        frame = frame[measure.population(frame, source.period)]
    if measure.event is not None:
        return frame.assign(trials=1, events=measure.event(frame).astype(int))
    assert measure.count is not None
    counted = measure.count(source)
    if measure.trials_from_query:
        joined = frame.join(counted[["trials", "events"]], how="inner")
    else:
        joined = frame.join(counted[["events"]], how="left").assign(trials=1)
        joined["events"] = joined["events"].fillna(0).clip(upper=1)
    return joined.astype({"trials": int, "events": int})


def cells(
    measure: Measure, source: Source, *, characteristic: str, unit_level: str = "national"
) -> pd.DataFrame:
    """Trials and events aggregated by unit, group and the measure's drivers: the table the statistics take."""
    if characteristic not in measure.characteristics:
        raise ValueError(f"Unknown characteristic '{characteristic}' for {measure.title}")
    if unit_level not in UNIT_LEVELS:
        raise ValueError(f"Unknown unit level '{unit_level}': choose one of {', '.join(UNIT_LEVELS)}")
    frame = measure_cells(measure, source)
    # A driver that is the characteristic itself, or the unit, is not also a driver of the same comparison.
    drivers = [d for d in measure.drivers if d not in (characteristic, unit_level)]
    keys = [unit_level, characteristic, *drivers]
    grouped = frame.groupby(keys, observed=True, dropna=False)[["trials", "events"]].sum().reset_index()
    return grouped.rename(columns={unit_level: "unit", characteristic: "group"})
