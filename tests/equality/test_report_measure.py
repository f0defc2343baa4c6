"""The pre-sentence report measure against hand counts: delivered reports in the period (a corrected report
counts as its correction), the share proposing custody, adjusted for offence, previous convictions (banded)
and risk of serious harm; split by characteristic like every measure."""

import datetime as dt

import pytest

from evenhand.assessment.models import PreSentenceReport, Proposal, ReportFormat, ReportStatus
from evenhand.cases.models import Sentence
from evenhand.equality.measures import CATALOGUE, Period, Source, cells, measure_cells
from evenhand.people.models import Ethnicity
from tests.factories import AllocationFactory, PersonFactory, SentenceFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db
D = dt.date
PERIOD = Period(D(2026, 7, 1), D(2026, 11, 30))
MEASURE = CATALOGUE["psr_custody"]


def supervised(ethnicity: str) -> Sentence:
    person = PersonFactory(diversity__ethnicity=ethnicity)
    sentence = SentenceFactory(person=person, start_date=D(2026, 1, 5), expected_end_date=D(2027, 12, 31))
    AllocationFactory(sentence=sentence)
    return sentence


def report(
    sentence: Sentence,
    proposal: str,
    delivered: dt.date | None,
    convictions: int = 0,
    *,
    status: str = ReportStatus.DELIVERED,
    corrects: PreSentenceReport | None = None,
) -> PreSentenceReport:
    return PreSentenceReport.objects.create(
        person=sentence.person,
        court="Leeds Crown Court",
        hearing_date=delivered or D(2026, 12, 20),
        main_offence=sentence.offences.get(is_main=True),
        format=ReportFormat.STANDARD,
        author=StaffMemberFactory(),
        status=status,
        version=2 if corrects else 1,
        corrects=corrects,
        started_on=D(2026, 6, 1),
        delivered_on=delivered if status != ReportStatus.DRAFT else None,
        proposal=proposal,
        rationale="Why",
        previous_convictions=convictions if status != ReportStatus.DRAFT else None,
    )


@pytest.fixture
def service():
    white = [supervised(Ethnicity.WHITE_BRITISH) for _ in range(3)]
    black = [supervised(Ethnicity.BLACK_CARIBBEAN) for _ in range(2)]
    asian = supervised(Ethnicity.ASIAN_PAKISTANI)
    report(white[0], Proposal.CUSTODY, D(2026, 7, 10), 9)
    report(white[1], Proposal.COMMUNITY, D(2026, 8, 10), 2)
    report(white[2], Proposal.SUSPENDED, D(2026, 9, 10), 0)
    report(black[0], Proposal.CUSTODY, D(2026, 7, 20), 5)
    report(black[1], Proposal.CUSTODY, D(2026, 10, 1), 0)
    # Not counted: delivered before the period, still a draft, or since corrected (its correction counts).
    report(black[1], Proposal.COMMUNITY, D(2026, 6, 15), 0)
    report(white[1], Proposal.CUSTODY, None, status=ReportStatus.DRAFT)
    first = report(asian, Proposal.CUSTODY, D(2026, 8, 1), 1, status=ReportStatus.SUPERSEDED)
    report(asian, Proposal.COMMUNITY, D(2026, 8, 20), 1, corrects=first)
    return white, black, asian


def test_custody_proposals_against_hand_counts(service):
    white, black, asian = service
    rows = measure_cells(MEASURE, Source(PERIOD))
    assert len(rows) == 6
    got = {pk: (row.trials, row.events, row.convictions) for pk, row in rows.iterrows()}
    assert got == {
        white[0].pk: (1, 1, "7 or more"),
        white[1].pk: (1, 0, "1 or 2"),
        white[2].pk: (1, 0, "none"),
        black[0].pk: (1, 1, "3 to 6"),
        black[1].pk: (1, 1, "none"),
        asian.pk: (1, 0, "1 or 2"),
    }
    table = cells(MEASURE, Source(PERIOD), characteristic="ethnic_group")
    by_group = table.groupby("group", observed=True)[["trials", "events"]].sum()
    assert by_group.loc["white"].tolist() == [3, 1]
    assert by_group.loc["black"].tolist() == [2, 2]
    assert by_group.loc["asian"].tolist() == [1, 0]
    # Adjusted for offence, previous convictions and risk of serious harm: each a column of the cells.
    assert MEASURE.drivers == ("offence", "convictions", "rosh")
    assert {"offence", "convictions", "rosh"} <= set(table.columns)


def test_a_quarter_counts_the_reports_delivered_in_it(service):
    _, black, _ = service
    source = Source(PERIOD)
    quarter = measure_cells(MEASURE, source.part(Period(D(2026, 7, 1), D(2026, 9, 30))))
    assert int(quarter["trials"].sum()) == 5 and int(quarter["events"].sum()) == 2
    last = measure_cells(MEASURE, source.part(Period(D(2026, 10, 1), D(2026, 11, 30))))
    assert list(last.index) == [black[1].pk] and int(last["events"].sum()) == 1
