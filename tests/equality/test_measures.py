"""The measures catalogue against direct counts on a generated service."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from evenhand.cases.models import RECALLS, Decision, EnforcementDecision, Referral, Sentence, ServiceArea
from evenhand.equality.measures import (
    CATALOGUE,
    CHARACTERISTICS,
    Period,
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
def population(service: Result, django_db_blocker: Any) -> pd.DataFrame:
    with django_db_blocker.unblock():
        return population_frame(PERIOD)


pytestmark = pytest.mark.django_db


def in_period(qs: Any, field: str = "decided_at") -> Any:
    return qs.filter(**{f"{field}__gte": PERIOD.start_at, f"{field}__lt": PERIOD.end_at})


def test_population_is_every_sentence_under_supervision_in_the_period(population: pd.DataFrame) -> None:
    expected = (
        Sentence.objects.filter(start_date__lte=PERIOD.end)
        .exclude(termination_date__lt=PERIOD.start)
        .exclude(termination_date__isnull=True, expected_end_date__lt=PERIOD.start)
    )
    assert set(population.index) == set(expected.values_list("pk", flat=True))
    assert population.index.is_unique
    assert set(population["age_band"]) <= {"18-24", "25-29", "30-39", "40-49", "50-59", "60+"}


def test_recall_counts_licences_with_a_standing_recall_in_the_period(population: pd.DataFrame) -> None:
    rows = measure_cells(CATALOGUE["recall"], PERIOD, population)
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


def test_escalation_counts_every_decision_once(population: pd.DataFrame) -> None:
    rows = measure_cells(CATALOGUE["escalation"], PERIOD, population)
    decisions = in_period(EnforcementDecision.objects.filter(corrected_by__isnull=True)).filter(
        sentence_id__in=population.index
    )
    assert rows["trials"].sum() == decisions.count()
    assert rows["events"].sum() == decisions.filter(decision__in=[Decision.BREACH, *RECALLS]).count()


def test_a_person_with_two_referrals_counts_once_and_womens_services_count_women(
    population: pd.DataFrame,
) -> None:
    rows = measure_cells(CATALOGUE["referral_any"], PERIOD, population)
    referred = set(
        Referral.objects.filter(made_on__gte=PERIOD.start, made_on__lte=PERIOD.end).values_list(
            "sentence_id", flat=True
        )
    ) & set(population.index)
    assert len(rows) == len(population)
    assert rows["events"].sum() == len(referred)
    womens = measure_cells(CATALOGUE[f"referral:{ServiceArea.WOMENS_SERVICES}"], PERIOD, population)
    assert (womens["sex"] == "F").all()


@pytest.mark.parametrize("characteristic", list(CHARACTERISTICS))
def test_cells_add_up_to_the_measure(population: pd.DataFrame, characteristic: str) -> None:
    measure = CATALOGUE["breach"]
    rows = measure_cells(measure, PERIOD, population)
    table = cells(measure, PERIOD, characteristic=characteristic, unit_level="pdu", population=population)
    assert table["trials"].sum() == rows["trials"].sum()
    assert table["events"].sum() == rows["events"].sum()
    drivers = set(measure.drivers) - {characteristic, "pdu"}
    assert {"unit", "group", *drivers} <= set(table.columns)


def test_unknown_characteristic_or_unit_is_refused(population: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="Unknown characteristic"):
        cells(CATALOGUE["recall"], PERIOD, characteristic="shoe size", population=population)
    with pytest.raises(ValueError, match="Unknown unit level"):
        cells(CATALOGUE["recall"], PERIOD, characteristic="sex", unit_level="galaxy", population=population)
    with pytest.raises(ValueError, match="ends before it starts"):
        Period(dt.date(2026, 1, 2), dt.date(2026, 1, 1))


def test_every_measure_has_a_written_definition() -> None:
    for measure in CATALOGUE.values():
        assert len(measure.definition) > 40, measure.key
