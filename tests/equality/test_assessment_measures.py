"""The assessment measures against hand counts on a small service: each diversity topic discussed (one measure a
topic), and tier A or B adjusted for the tier's inputs other than the assessor's judgement; split by every
characteristic, and published in the report's tables with the rest of the catalogue."""

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from evenhand.assessment.models import (
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    DiversityTopic,
    TierCalculation,
    Topic,
    TopicStatus,
)
from evenhand.cases.models import Sentence
from evenhand.equality.engine import DRIVER_NAMES, Settings, analyse
from evenhand.equality.measures import CATALOGUE, CHARACTERISTICS, TIER_INPUT_DRIVERS, Period, Source, cells
from evenhand.equality.measures import measure_cells as rows_of
from evenhand.people.models import Ethnicity, Sex
from tests.factories import AllocationFactory, PersonFactory, SentenceFactory, local_datetime

pytestmark = pytest.mark.django_db
D = dt.date
PERIOD = Period(D(2026, 7, 1), D(2026, 12, 31))
THIRD_QUARTER = Period(D(2026, 7, 1), D(2026, 9, 30))
TOPIC_KEYS = [f"diversity_topic:{topic}" for topic in Topic.values]


def supervised(ethnicity: str, sex: str = Sex.MALE) -> Sentence:
    """A person with one community order running through the period, allocated."""
    person = PersonFactory(sex=sex, diversity__ethnicity=ethnicity)
    sentence = SentenceFactory(person=person, start_date=D(2026, 1, 5), expected_end_date=D(2027, 12, 31))
    AllocationFactory(sentence=sentence)
    return sentence


def assessment(
    sentence: Sentence | None,
    person: Any,
    completed_on: dt.date | None,
    topics: dict[str, str],
    status: str = AssessmentStatus.COMPLETE,
) -> Assessment:
    """An assessment with its conversation (every topic discussed unless ``topics`` says otherwise), written
    open and then finished, as the services do."""
    row = Assessment.objects.create(
        person=person, sentence=sentence, kind=AssessmentKind.INITIAL, started_on=D(2026, 1, 6)
    )
    DiversityTopic.objects.bulk_create(
        DiversityTopic(
            assessment=row,
            topic=topic,
            status=topics.get(topic, TopicStatus.DISCUSSED),
            in_their_words="In their words" if topics.get(topic, "discussed") == "discussed" else "",
            not_yet_reason="Ran out of time" if topics.get(topic) == TopicStatus.NOT_YET else "",
        )
        for topic in Topic.values
    )
    if completed_on is not None:
        Assessment.objects.filter(pk=row.pk).update(status=status, completed_on=completed_on)
    return row


def tier(person: Any, protect: str, at: dt.datetime, rsr=None, mappa=None, registrations=()) -> None:
    inputs = {"rsr": rsr, "mappa_level": mappa, "registrations": list(registrations), "female": False}
    TierCalculation.objects.create(
        person=person,
        tier=f"{protect}1",
        protect=protect,
        protect_points=0,
        change=1,
        change_points=0,
        change_reason="Set by the test",
        inputs=inputs,
        lines=[],
        version=2,
        computed_at=at,
        trigger="recompute",
    )


@pytest.fixture
def service() -> dict[str, Sentence]:
    a = supervised(Ethnicity.WHITE_BRITISH)
    b = supervised(Ethnicity.BLACK_AFRICAN, Sex.FEMALE)
    c = supervised(Ethnicity.ASIAN_INDIAN)
    d = supervised(Ethnicity.WHITE_IRISH, Sex.FEMALE)
    # A: one assessment in the period; culture declined, religion not yet discussed.
    assessment(
        a,
        a.person,
        D(2026, 8, 10),
        {Topic.CULTURE: TopicStatus.DECLINED, Topic.RELIGION: TopicStatus.NOT_YET},
    )
    # B: two in the period, the first since locked: ethnicity not yet discussed in it, discussed in the second.
    assessment(b, b.person, D(2026, 7, 15), {Topic.ETHNICITY: TopicStatus.NOT_YET}, AssessmentStatus.LOCKED)
    assessment(b, b.person, D(2026, 9, 1), {})
    # C: one completed before the period and one still open: neither counts.
    assessment(c, c.person, D(2026, 5, 1), {})
    assessment(c, c.person, None, {Topic.ETHNICITY: TopicStatus.DECLINED})
    # D: one completed in the period about no sentence: not counted (it has no place in the population).
    assessment(None, d.person, D(2026, 10, 1), {})

    # Tiers: A was C, then B from October; B was A from February; C's first tier is computed after the
    # period; D is D.
    tier(a.person, "C", local_datetime(D(2026, 3, 1)), rsr="3.50", registrations=["mental_health", "mappa"])
    tier(
        a.person,
        "B",
        local_datetime(D(2026, 10, 1)),
        rsr="7.20",
        mappa=1,
        registrations=["mental_health", "self_harm", "terrorism", "vulnerability"],
    )
    tier(b.person, "A", local_datetime(D(2026, 2, 1)), mappa=2)
    tier(c.person, "A", local_datetime(D(2027, 1, 2)), mappa=3)
    tier(d.person, "D", local_datetime(D(2026, 4, 1)), rsr="1.00")
    return {"a": a, "b": b, "c": c, "d": d}


def counts(rows: pd.DataFrame) -> dict[int, tuple[int, int]]:
    return {pk: (int(r.trials), int(r.events)) for pk, r in rows.iterrows()}


def test_one_measure_for_each_topic_of_the_conversation():
    assert [key for key in CATALOGUE if key.startswith("diversity_topic:")] == TOPIC_KEYS
    for key in TOPIC_KEYS:
        assert CATALOGUE[key].trials_from_query and CATALOGUE[key].characteristics == tuple(CHARACTERISTICS)


def test_each_topic_counts_completed_assessments_and_those_where_it_was_discussed(service):
    a, b = service["a"].pk, service["b"].pk
    source = Source(PERIOD)
    # By hand: A one assessment, B two (one locked since); C's are before the period or open; D's has no
    # sentence.
    assert counts(rows_of(CATALOGUE["diversity_topic:ethnicity"], source)) == {a: (1, 1), b: (2, 1)}
    assert counts(rows_of(CATALOGUE["diversity_topic:culture"], source)) == {a: (1, 0), b: (2, 2)}
    assert counts(rows_of(CATALOGUE["diversity_topic:religion"], source)) == {a: (1, 0), b: (2, 2)}
    assert counts(rows_of(CATALOGUE["diversity_topic:caring"], source)) == {a: (1, 1), b: (2, 2)}
    # A quarter counts its own assessments: B's second and A's fall in the third quarter, B's first too.
    part = source.part(THIRD_QUARTER)
    assert counts(rows_of(CATALOGUE["diversity_topic:ethnicity"], part)) == {a: (1, 1), b: (2, 1)}
    october = source.part(Period(D(2026, 10, 1), D(2026, 12, 31)))
    assert rows_of(CATALOGUE["diversity_topic:ethnicity"], october).empty


@pytest.mark.parametrize("characteristic", list(CHARACTERISTICS))
def test_the_topic_measures_split_by_every_characteristic(service, characteristic):
    table = cells(CATALOGUE["diversity_topic:ethnicity"], Source(PERIOD), characteristic=characteristic)
    assert (table["trials"].sum(), table["events"].sum()) == (3, 2)
    if characteristic == "ethnic_group":
        by_group = table.groupby("group", observed=True)[["trials", "events"]].sum()
        assert by_group.loc["white"].tolist() == [1, 1]
        assert by_group.loc["black"].tolist() == [2, 1]


def test_tier_a_or_b_counts_the_tier_computed_by_the_end_of_the_period(service):
    a, b, c, d = (service[k].pk for k in "abcd")
    source = Source(PERIOD)
    rows = rows_of(CATALOGUE["tier_a_or_b"], source)
    # C's tier was computed after the period: not in the population. A is B by then, B is A, D is D.
    assert counts(rows) == {a: (1, 1), b: (1, 1), d: (1, 0)}
    assert c not in rows.index
    assert rows.loc[a, "rsr_band"] == "7 and over"
    assert rows.loc[a, "mappa_level"] == "1"
    assert rows.loc[a, "complexity_factors"] == "3+"  # four complexity factors
    assert (rows.loc[b, "rsr_band"], rows.loc[b, "mappa_level"], rows.loc[b, "complexity_factors"]) == (
        "not known",
        "2",
        "0",
    )
    assert rows.loc[d, "rsr_band"] == "under 3"
    # At the end of the third quarter A was still C (tier computed in March): no event; its inputs then.
    part = rows_of(CATALOGUE["tier_a_or_b"], source.part(THIRD_QUARTER))
    assert counts(part) == {a: (1, 0), b: (1, 1), d: (1, 0)}
    # Its MAPPA registration is not a complexity factor.
    assert (part.loc[a, "rsr_band"], part.loc[a, "complexity_factors"]) == ("3 to 6.99", "1")


def test_tier_a_or_b_is_adjusted_for_the_inputs_that_are_not_judgement_items(service):
    measure = CATALOGUE["tier_a_or_b"]
    assert measure.drivers == ("rsr_band", "mappa_level", "complexity_factors", "sex")
    # The judgement items (RoSH, the assessment's answers) and the tier itself are not drivers.
    assert not {"rosh", "tier"} & set(measure.drivers)
    assert "risk of serious harm level" in measure.definition
    assert all(name in DRIVER_NAMES for name in TIER_INPUT_DRIVERS)
    for characteristic in CHARACTERISTICS:
        table = cells(measure, Source(PERIOD), characteristic=characteristic)
        assert (table["trials"].sum(), table["events"].sum()) == (3, 2)
        drivers = [d for d in measure.drivers if d != characteristic]
        assert set(drivers) <= set(table.columns)
        if characteristic == "sex":
            by_sex = table.groupby("group", observed=True)[["trials", "events"]].sum()
            assert by_sex.loc["F"].tolist() == [2, 1] and by_sex.loc["M"].tolist() == [1, 1]


def test_the_engine_analyses_the_new_measures_with_their_drivers(service):
    keys = ("tier_a_or_b", "diversity_topic:ethnicity")
    analysis = analyse(PERIOD, Settings(measures=keys, min_n=1))
    assert [m.key for m in analysis.measures] == list(keys)
    national = analysis.groups[analysis.groups["level"] == "national"]
    tier_rows = national[national["measure"] == "tier_a_or_b"].set_index("group")
    assert tier_rows.loc["white", ["n", "events"]].tolist() == [2, 1]
    assert tier_rows.loc["black", ["n", "events"]].tolist() == [1, 1]
    assert "RSR band" in analysis.models["tier_a_or_b"] or analysis.models["tier_a_or_b"].startswith(
        "no adjusted model"
    )


def test_the_published_report_gains_the_tables(service):
    from evenhand.equality.publish.report import build

    keys = ("tier_a_or_b", *TOPIC_KEYS[:2])
    publication = build(PERIOD, Settings(measures=keys))
    table_1 = publication.tables[0].frame
    assert {"Tier A or B", CATALOGUE[TOPIC_KEYS[0]].title, CATALOGUE[TOPIC_KEYS[1]].title} <= set(
        table_1["Measure"]
    )
    definitions = dict(publication.methodology)["The measures"]
    assert any(line.startswith("Tier A or B: ") and "RSR band" in line for line in definitions)
    # The report takes the whole catalogue when no measures are named: the new ones are in it.
    assert Settings().measures == () and {"tier_a_or_b", *TOPIC_KEYS} <= set(CATALOGUE)
