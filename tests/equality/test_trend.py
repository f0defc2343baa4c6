"""The quarterly trend on a few constructed cases, each trial placed in a known quarter: for measures of
trials the quarters add up to the year exactly, group by group, which the disclosure control of the
publication relies on; for measures of people a quarter is everyone under supervision in it, and the
quarters do not add up.

A generated service rarely holds the awkward cases (a referral that ends after its sentence has, a case
allocated before the licence starts, two new-case allocations on one sentence), so they are built here."""

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import pytest

from evenhand.assessment.models import (
    Assessment,
    PlanAgreement,
    PlanGoal,
    PreSentenceReport,
    Proposal,
    ReportFormat,
    ReportStatus,
    SectionAnswer,
    SentencePlan,
    Topic,
)
from evenhand.cases.models import (
    AllocationReason,
    ContactOutcome,
    Decision,
    EnforcementDecision,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Reliability,
    RiskInformation,
    Sentence,
    SentenceType,
    ServiceArea,
    TerminationReason,
)
from evenhand.equality.engine import BadRequest, Settings, trend
from evenhand.equality.measures import CATALOGUE, Period, Source, measure_cells
from evenhand.org.models import Grade, StaffMember
from evenhand.people.models import Ethnicity, Person
from tests.factories import (
    AllocationFactory,
    AssessmentFactory,
    ContactFactory,
    PDUFactory,
    PersonFactory,
    RiskSummaryFactory,
    SentenceFactory,
    StaffMemberFactory,
    local_datetime,
)

pytestmark = pytest.mark.django_db

YEAR = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
SETTINGS = Settings(characteristic="ethnic_group", min_n=1)
TRIALS = [key for key, measure in CATALOGUE.items() if measure.quarters_add_up]
# The year's trials and events of each measure of trials in the cases below, counted by hand.
YEAR_COUNTS = {
    "escalation": (7, 5),
    "unacceptable_absence": (7, 4),
    "referral_completed": (4, 3),
    "assessment_timely": (2, 1),
    "diversity_discussed": (5, 3),
    "allocation_po": (4, 2),
    "allocation_late": (4, 3),
    "completion": (3, 2),
    "recall_after_information": (3, 1),
    "plan_goal_per_need": (3, 2),
    # Each topic of the diversity conversation: the fixture's assessments hold all or none of them.
    **{f"diversity_topic:{topic}": (5, 3) for topic in Topic.values},
    "psr_custody": (2, 1),
}


@dataclass
class Cases:
    ongoing: Sentence  # a licence supervised all year (White)
    ended_q1: Sentence  # an order that ended in February, with trials recorded in Q3 (Black)
    ended_q2: Sentence  # an order ended early for good progress in May (White)
    starts_q2: Sentence  # a licence from April, allocated before release in March (Black)
    starts_q3: Sentence  # an order from August, revoked in November (White)


def _decide(sentence: Sentence, decision: str, at: dt.datetime, by: StaffMember) -> None:
    EnforcementDecision.objects.create(
        sentence=sentence, decision=decision, rationale="Recorded for the test.", decided_by=by, decided_at=at
    )


def _informed(sentence: Sentence, at: dt.datetime, decision: str, by: StaffMember) -> None:
    """Risk information received at ``at`` and answered with ``decision`` a day later."""
    information = RiskInformation.objects.create(
        person=sentence.person,
        sentence=sentence,
        source="police",
        summary="Recorded for the test.",
        received_at=at,
        reliability=Reliability.LIKELY,
        recall_considered=True,
        decision_due_at=at + dt.timedelta(days=1),
        recorded_by=by,
    )
    EnforcementDecision.objects.create(
        sentence=sentence,
        decision=decision,
        rationale="Recorded for the test.",
        decided_by=by,
        decided_at=at + dt.timedelta(hours=20),
        risk_information=information,
    )


def _missed(sentence: Sentence, at: dt.datetime, *, acceptable: bool) -> None:
    outcome = ContactOutcome.FAILED_ACCEPTABLE if acceptable else ContactOutcome.FAILED_UNACCEPTABLE
    ContactFactory(sentence=sentence, starts_at=at, outcome=outcome)


def _referral_ended(sentence: Sentence, status: str, on: dt.date, by: StaffMember, *, started: bool) -> None:
    referral = Referral.objects.create(
        person=sentence.person,
        sentence=sentence,
        service_area=ServiceArea.ACCOMMODATION,
        reason="Recorded for the test.",
        made_on=on - dt.timedelta(days=60),
        made_by=by,
        status=status,
        status_changed_on=on,
    )
    if started:
        ReferralStatusChange.objects.create(
            referral=referral,
            status=ReferralStatus.STARTED,
            changed_on=on - dt.timedelta(days=30),
            changed_by=by,
        )
    ReferralStatusChange.objects.create(referral=referral, status=status, changed_on=on, changed_by=by)


# Whether diversity factors were discussed, as the conversation's topics say it: all discussed, all declined,
# or all not yet.
TOPICS_WHEN = {"yes": "discussed", "declined": "declined", "no": "not_yet"}


def _assessed(sentence: Sentence, completed: dt.date, discussed: str) -> None:
    AssessmentFactory(
        sentence=sentence,
        started_on=completed - dt.timedelta(days=3),
        completed_on=completed,
        topics=TOPICS_WHEN[discussed],
    )


def _planned(
    sentence: Sentence, made: dt.date, by: StaffMember, needs: dict[str, bool], *, agreed: bool
) -> None:
    """A sentence plan for ``sentence`` made on ``made``, answering an assessment (about no sentence, so the
    assessment measures do not count it) whose ``needs`` (section → whether the plan has a goal for it) are
    standard needs; agreed by the person the same day, or not asked."""
    assessment = Assessment.objects.create(
        person=sentence.person, kind="initial", started_on=made - dt.timedelta(days=5)
    )
    SectionAnswer.objects.bulk_create(
        SectionAnswer(assessment=assessment, section=key, severity="standard", complete=True) for key in needs
    )
    Assessment.objects.filter(pk=assessment.pk).update(status="complete", completed_on=made)
    at = local_datetime(made)
    plan = SentencePlan.objects.create(
        person=sentence.person, assessment=assessment, sentence=sentence, made_by=by, made_at=at
    )
    for key in (key for key, has_goal in needs.items() if has_goal):
        PlanGoal.objects.create(
            plan=plan,
            title="A goal",
            need=key,
            target_date=made + dt.timedelta(days=90),
            created_by=by,
            created_at=at,
            changed_by=by,
            changed_at=at,
        )
    if agreed:
        PlanAgreement.objects.create(
            plan=plan, version=1, answer="agreed", recorded_by=by, recorded_at=at, snapshot={}
        )


def _sentence(person: Person, type: str, start: dt.date, end: dt.date, **ended: object) -> Sentence:
    return SentenceFactory(person=person, type=type, start_date=start, expected_end_date=end, **ended)


@pytest.fixture
def cases() -> Cases:
    pdu = PDUFactory()
    po = StaffMemberFactory(grade=Grade.PO, pdu=pdu)
    pso = StaffMemberFactory(grade=Grade.PSO, pdu=pdu)
    white = PersonFactory(pdu=pdu, diversity__ethnicity=Ethnicity.WHITE_BRITISH)
    black = PersonFactory(pdu=pdu, diversity__ethnicity=Ethnicity.BLACK_AFRICAN)
    for person in (white, black):
        RiskSummaryFactory(person=person)  # low risk of serious harm: cases a PSO could hold
    d = dt.date
    ongoing = _sentence(white, SentenceType.LICENCE, d(2024, 6, 3), d(2026, 6, 1))
    ended_q1 = _sentence(
        black,
        SentenceType.COMMUNITY_ORDER,
        d(2024, 9, 2),
        d(2025, 9, 1),
        termination_date=d(2025, 2, 14),
        termination_reason=TerminationReason.COMPLETED,
    )
    ended_q2 = _sentence(
        white,
        SentenceType.COMMUNITY_ORDER,
        d(2024, 3, 1),
        d(2026, 3, 1),
        termination_date=d(2025, 5, 5),
        termination_reason=TerminationReason.EARLY_GOOD_PROGRESS,
    )
    starts_q2 = _sentence(black, SentenceType.LICENCE, d(2025, 4, 10), d(2026, 4, 9))
    starts_q3 = _sentence(
        white,
        SentenceType.COMMUNITY_ORDER,
        d(2025, 8, 4),
        d(2027, 8, 3),
        termination_date=d(2025, 11, 20),
        termination_reason=TerminationReason.REVOKED_BREACH,
    )

    at = local_datetime
    # Escalation: 7 decisions, 5 of them breach or recall; one at half past midnight on 1 July (Q3).
    _decide(ongoing, Decision.WARNING, at(d(2025, 2, 3)), po)
    _decide(ongoing, Decision.RECALL_STANDARD, at(d(2025, 7, 1), 0, 30), po)
    _decide(ended_q1, Decision.BREACH, at(d(2025, 1, 20)), po)
    _decide(ended_q1, Decision.BREACH, at(d(2025, 8, 11)), po)  # recorded after the order ended
    _decide(starts_q2, Decision.NO_FURTHER_ACTION, at(d(2025, 5, 12)), po)
    _decide(starts_q2, Decision.RECALL_FIXED_TERM, at(d(2025, 10, 6)), po)
    _decide(starts_q3, Decision.BREACH, at(d(2025, 11, 3)), po)
    # Recall following risk information: 3 pieces answered in the year, one with recall; they are not
    # answers to failures, so escalation leaves them out. The one received in December 2024 is no trial.
    _informed(ongoing, at(d(2024, 12, 2)), Decision.RECALL_STANDARD, po)
    _informed(ongoing, at(d(2025, 2, 20)), Decision.RECALL_EMERGENCY, po)
    _informed(ongoing, at(d(2025, 9, 8)), Decision.NO_FURTHER_ACTION, po)
    _informed(starts_q2, at(d(2025, 5, 20)), Decision.INCREASED_CONTACT, po)
    # Unacceptable absence: 7 missed appointments, 4 judged unacceptable.
    _missed(ongoing, at(d(2025, 3, 31), 23, 30), acceptable=False)
    _missed(ongoing, at(d(2025, 6, 2)), acceptable=True)
    _missed(ended_q1, at(d(2025, 2, 3)), acceptable=False)
    _missed(ended_q1, at(d(2025, 7, 14)), acceptable=True)  # after the order ended
    _missed(starts_q2, at(d(2025, 9, 15)), acceptable=False)
    _missed(starts_q2, at(d(2025, 12, 1)), acceptable=True)
    _missed(starts_q3, at(d(2025, 10, 20)), acceptable=False)
    # Referrals completed: 4 that started and ended, 3 completed; one withdrawn before it started is no trial.
    _referral_ended(ongoing, ReferralStatus.COMPLETED, d(2025, 3, 10), po, started=True)
    _referral_ended(
        ended_q1, ReferralStatus.COMPLETED, d(2025, 8, 20), po, started=True
    )  # Q3, order ended Q1
    _referral_ended(starts_q2, ReferralStatus.WITHDRAWN, d(2025, 11, 12), po, started=True)
    _referral_ended(starts_q3, ReferralStatus.COMPLETED, d(2025, 12, 15), po, started=True)
    _referral_ended(ended_q2, ReferralStatus.WITHDRAWN, d(2025, 4, 20), po, started=False)
    # Assessments: two sentences start in the year (one assessed within 15 working days, with a review
    # later, one not); 5 assessments completed in the year, 3 with diversity factors discussed.
    _assessed(ongoing, d(2025, 1, 15), "yes")
    _assessed(starts_q2, d(2025, 4, 24), "yes")
    _assessed(starts_q2, d(2025, 10, 1), "no")
    _assessed(starts_q3, d(2025, 9, 10), "declined")
    _assessed(ended_q1, d(2025, 7, 8), "yes")  # completed after the order ended
    # New-case allocations: 4, 2 to a PO and 3 more than 5 days after the sentence started. The licence
    # supervised all year has one in Q1 and one in Q3; the licence from April was allocated in March.
    new_case = {"reason": AllocationReason.NEW_CASE}
    AllocationFactory(
        sentence=ongoing, practitioner=pso, start_date=d(2025, 2, 10), end_date=d(2025, 7, 31), **new_case
    )
    AllocationFactory(sentence=ongoing, practitioner=po, start_date=d(2025, 8, 1), **new_case)
    AllocationFactory(sentence=starts_q2, practitioner=po, start_date=d(2025, 3, 28), **new_case)
    AllocationFactory(sentence=starts_q3, practitioner=pso, start_date=d(2025, 8, 12), **new_case)
    # Sentence plans: 2 made in the year (Q1 agreed, Q3 not), answering 3 needs, 2 of them with a goal.
    _planned(ongoing, d(2025, 2, 12), po, {"accommodation": True, "thinking": False}, agreed=True)
    _planned(starts_q2, d(2025, 8, 19), po, {"drugs": True}, agreed=False)
    # Pre-sentence reports: 2 delivered in the year, custody proposed in Q1 (White), community in Q2 (Black).
    _reported(ongoing, d(2025, 2, 20), po, Proposal.CUSTODY)
    _reported(starts_q2, d(2025, 5, 6), po, Proposal.COMMUNITY)
    # Completion: 3 sentences ended in the year (ended_q1, ended_q2, starts_q3), 2 successfully.
    return Cases(ongoing, ended_q1, ended_q2, starts_q2, starts_q3)


def _reported(sentence: Sentence, delivered: dt.date, by: StaffMember, proposal: str) -> None:
    PreSentenceReport.objects.create(
        person=sentence.person,
        court="Leeds Crown Court",
        hearing_date=delivered,
        main_offence=sentence.offences.get(is_main=True),
        format=ReportFormat.STANDARD,
        author=by,
        status=ReportStatus.DELIVERED,
        started_on=delivered - dt.timedelta(days=14),
        delivered_on=delivered,
        proposal=proposal,
        rationale="Recorded for the test.",
        previous_convictions=0,
    )


def _by_group(rows: pd.DataFrame, columns: list[str]) -> dict[str, tuple[int, ...]]:
    summed = rows.groupby("group", observed=True)[columns].sum()
    return {str(group): tuple(int(v) for v in values) for group, values in summed.iterrows()}


def _year(key: str) -> pd.DataFrame:
    rows = measure_cells(CATALOGUE[key], Source(YEAR))
    return rows.rename(columns={"ethnic_group": "group"})


def test_the_measures_whose_quarters_add_up_are_the_measures_of_trials() -> None:
    adding = {key for key, measure in CATALOGUE.items() if measure.quarters_add_up}
    assert adding == set(YEAR_COUNTS)
    assert not CATALOGUE["recall"].quarters_add_up
    assert not CATALOGUE["not_recorded:ethnicity"].quarters_add_up
    # Agreed by the end of the window: a plan agreed in the quarter after it was made counts in the year only.
    assert not CATALOGUE["plan_agreed"].quarters_add_up


@pytest.mark.parametrize("key", TRIALS)
def test_the_quarters_of_a_measure_of_trials_add_up_to_the_year_group_by_group(
    cases: Cases, key: str
) -> None:
    year = _year(key)
    assert (int(year["trials"].sum()), int(year["events"].sum())) == YEAR_COUNTS[key]
    table = trend(YEAR, SETTINGS, [key])
    assert table["quarter"].nunique() >= 2  # the trials are spread over the year
    assert _by_group(table, ["n", "events"]) == _by_group(year, ["trials", "events"])
    assert set(_by_group(year, ["trials"])) == {"white", "black"}


def test_a_referral_ending_after_its_sentence_counts_in_its_quarter(cases: Cases) -> None:
    """The auditor's case: a referral that ends in Q3 on an order that ended in Q1."""
    table = trend(YEAR, SETTINGS, ["referral_completed"]).set_index(["quarter", "group"])
    assert table.loc[("2025 Q3", "black"), ["n", "events"]].tolist() == [1, 1]


def test_each_new_case_allocation_is_one_trial(cases: Cases) -> None:
    """The licence supervised all year, allocated late in Q1 and again in Q3, is two trials in the year as
    in the quarters (counted once per sentence it would be one in the year and two in the quarters)."""
    rows = measure_cells(CATALOGUE["allocation_late"], Source(YEAR))
    assert rows.loc[cases.ongoing.pk, ["trials", "events"]].tolist() == [2, 2]
    table = trend(YEAR, SETTINGS, ["allocation_late"]).set_index(["quarter", "group"])
    assert table.loc[("2025 Q1", "white"), ["n", "events"]].tolist() == [1, 1]
    assert table.loc[("2025 Q3", "white"), ["n", "events"]].tolist() == [2, 2]  # with the order from August


def test_a_quarter_of_a_measure_of_people_is_everyone_supervised_in_it(cases: Cases) -> None:
    """Documented: the quarters of a measure of people overlap and their n exceed the year's. The licence
    supervised all year is in all four quarters, the licence from April in three; each once in the year."""
    assert not CATALOGUE["recall"].quarters_add_up
    year = _year("recall")
    assert _by_group(year, ["trials"]) == {"white": (1,), "black": (1,)}
    table = trend(YEAR, SETTINGS, ["recall"])
    assert _by_group(table, ["n"]) == {"white": (4,), "black": (3,)}
    assert set(table.loc[table["group"] == "black", "quarter"]) == {"2025 Q2", "2025 Q3", "2025 Q4"}


def test_the_quarters_of_one_unit_count_its_cases_only(cases: Cases) -> None:
    """The dashboard's quarterly section for a PDU was the nation's: a missed appointment in another PDU
    counts nationally and not in the PDU."""
    elsewhere = PDUFactory()
    other = _sentence(
        PersonFactory(pdu=elsewhere), SentenceType.COMMUNITY_ORDER, dt.date(2025, 1, 6), dt.date(2026, 1, 5)
    )
    AllocationFactory(sentence=other, practitioner=StaffMemberFactory(grade=Grade.PO, pdu=elsewhere))
    _missed(other, local_datetime(dt.date(2025, 5, 6)), acceptable=False)
    pdu = cases.ongoing.person.pdu.code
    national = trend(YEAR, SETTINGS, ["unacceptable_absence"])
    local = trend(YEAR, SETTINGS, ["unacceptable_absence"], unit_level="pdu", unit_code=pdu)
    assert (int(national["n"].sum()), int(national["events"].sum())) == (8, 5)
    assert (int(local["n"].sum()), int(local["events"].sum())) == YEAR_COUNTS["unacceptable_absence"]
    with pytest.raises(BadRequest):
        trend(YEAR, SETTINGS, ["unacceptable_absence"], unit_level="pdu")
