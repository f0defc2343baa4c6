"""The measures catalogue against direct counts on a generated service."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from evenhand.cases.models import (
    RECALLS,
    Allocation,
    Contact,
    Decision,
    EnforcementDecision,
    Referral,
    RiskSummary,
    Sentence,
    ServiceArea,
)
from evenhand.equality.measures import (
    CATALOGUE,
    CHARACTERISTICS,
    Period,
    Source,
    cells,
    measure_cells,
    population_frame,
)
from evenhand.synth.generator import Result
from tests.synth.conftest import load_for_module

PERIOD = Period(dt.date(2025, 11, 1), dt.date(2026, 10, 31))


@pytest.fixture(scope="module")
def service(django_db_setup: None, django_db_blocker: Any) -> Iterator[Result]:
    yield from load_for_module(django_db_blocker, scale="tiny", seed=5)


@pytest.fixture(scope="module")
def source(service: Result, django_db_blocker: Any) -> Source:
    with django_db_blocker.unblock():
        source = Source(PERIOD)
        source.population  # noqa: B018 (read once, inside the unblocked database)
        source.decisions  # noqa: B018
        source.referrals  # noqa: B018
        return source


@pytest.fixture(scope="module")
def population(source: Source) -> pd.DataFrame:
    return source.population


pytestmark = pytest.mark.django_db


def in_period(qs: Any, field: str = "decided_at") -> Any:
    return qs.filter(**{f"{field}__gte": PERIOD.start_at, f"{field}__lt": PERIOD.end_at})


def test_population_is_every_sentence_under_supervision_in_the_period(
    source: Source, population: pd.DataFrame
) -> None:
    expected = (
        Sentence.objects.filter(start_date__lte=PERIOD.end)
        .exclude(termination_date__lt=PERIOD.start)
        .exclude(termination_date__isnull=True, expected_end_date__lt=PERIOD.start)
    )
    assert set(population.index) == set(expected.values_list("pk", flat=True))
    assert population.index.is_unique
    assert set(population["age_band"]) <= {"18-24", "25-29", "30-39", "40-49", "50-59", "60+"}


def test_recall_counts_licences_with_a_standing_recall_in_the_period(
    source: Source, population: pd.DataFrame
) -> None:
    rows = measure_cells(CATALOGUE["recall"], source)
    licences = population[population["type"] == "LIC"]
    recalled = set(
        in_period(
            EnforcementDecision.objects.filter(decision__in=RECALLS, corrected_by__isnull=True)
        ).values_list("sentence_id", flat=True)
    ) & set(licences.index)
    assert len(rows) == len(licences)
    assert set(rows.index[rows["events"] == 1]) == recalled
    assert rows["trials"].eq(1).all()
    assert recalled, "the dataset should hold some recalls for this test to mean anything"


def test_escalation_counts_every_decision_once(source: Source, population: pd.DataFrame) -> None:
    rows = measure_cells(CATALOGUE["escalation"], source)
    decisions = in_period(
        EnforcementDecision.objects.filter(corrected_by__isnull=True, risk_information__isnull=True)
    ).filter(sentence_id__in=population.index)
    assert rows["trials"].sum() == decisions.count()
    assert rows["events"].sum() == decisions.filter(decision__in=[Decision.BREACH, *RECALLS]).count()


def test_a_person_with_two_referrals_counts_once_and_womens_services_count_women(
    source: Source,
    population: pd.DataFrame,
) -> None:
    rows = measure_cells(CATALOGUE["referral_any"], source)
    referred = set(
        Referral.objects.filter(made_on__gte=PERIOD.start, made_on__lte=PERIOD.end).values_list(
            "sentence_id", flat=True
        )
    ) & set(population.index)
    assert len(rows) == len(population)
    assert rows["events"].sum() == len(referred)
    womens = measure_cells(CATALOGUE[f"referral:{ServiceArea.WOMENS_SERVICES}"], source)
    assert (womens["sex"] == "F").all()


@pytest.mark.parametrize("characteristic", list(CHARACTERISTICS))
def test_cells_add_up_to_the_measure(source: Source, population: pd.DataFrame, characteristic: str) -> None:
    measure = CATALOGUE["breach"]
    rows = measure_cells(measure, source)
    table = cells(measure, source, characteristic=characteristic, unit_level="pdu")
    assert table["trials"].sum() == rows["trials"].sum()
    assert table["events"].sum() == rows["events"].sum()
    drivers = set(measure.drivers) - {characteristic, "pdu"}
    assert {"unit", "group", *drivers} <= set(table.columns)


def test_unknown_characteristic_or_unit_is_refused(source: Source, population: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="Unknown characteristic"):
        cells(CATALOGUE["recall"], source, characteristic="shoe size")
    with pytest.raises(ValueError, match="Unknown unit level"):
        cells(CATALOGUE["recall"], source, characteristic="sex", unit_level="galaxy")
    with pytest.raises(ValueError, match="ends before it starts"):
        Period(dt.date(2026, 1, 2), dt.date(2026, 1, 1))


def test_every_measure_has_a_written_definition() -> None:
    for measure in CATALOGUE.values():
        assert len(measure.definition) > 40, measure.key


def test_unacceptable_absence_counts_each_missed_appointment(
    source: Source, population: pd.DataFrame
) -> None:
    rows = measure_cells(CATALOGUE["unacceptable_absence"], source)
    missed = in_period(
        Contact.objects.filter(
            outcome__in=["fta_acceptable", "fta_unacceptable"], sentence__in=list(population.index)
        ),
        "starts_at",
    )
    assert rows["trials"].sum() == missed.count() > 0
    assert rows["events"].sum() == missed.filter(outcome="fta_unacceptable").count() > 0


def test_population_takes_the_latest_risk_and_the_current_holder(population: pd.DataFrame) -> None:
    for sentence in Sentence.objects.filter(pk__in=list(population.index[:25])).select_related("person"):
        risk = RiskSummary.objects.filter(person=sentence.person).order_by("-assessed_on", "-id").first()
        holder = Allocation.objects.filter(sentence=sentence).order_by("-start_date", "-id").first()
        row = population.loc[sentence.pk]
        assert row["tier"] == (risk.tier if risk else "unknown")
        assert row["team"] == (
            holder.practitioner.team.code if holder and holder.practitioner.team else "unknown"
        )


def test_a_part_of_the_period_counts_people_supervised_in_it_and_its_trials_on_the_whole_periods_rows(
    source: Source,
) -> None:
    quarter = Period(dt.date(2026, 2, 1), dt.date(2026, 4, 30))
    part = source.part(quarter)
    assert set(part.population.index) == set(population_frame(quarter).index)
    whole = Source(quarter)
    got, expected = measure_cells(CATALOGUE["recall"], part), measure_cells(CATALOGUE["recall"], whole)
    assert got[["trials", "events"]].sum().tolist() == expected[["trials", "events"]].sum().tolist()
    for key in ("escalation", "referral_completed"):
        # The quarter's own trials, on every sentence of the whole period (some ended before the quarter).
        count = CATALOGUE[key].count
        assert count is not None
        counted = count(whole)
        on_the_rows = counted[counted.index.isin(source.population.index)]
        got = measure_cells(CATALOGUE[key], part)
        assert got[["trials", "events"]].sum().tolist() == on_the_rows[["trials", "events"]].sum().tolist()
        assert got["trials"].sum() > 0
    with pytest.raises(ValueError, match="not within"):
        source.part(Period(dt.date(2024, 1, 1), dt.date(2024, 3, 31)))
