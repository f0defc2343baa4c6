"""The engine on a generated service: its tables agree with the statistics run by hand, the false-discovery
control covers the report, and bad requests are refused with the reason."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from evenhand.equality.engine import (
    Analysis,
    BadRequest,
    Settings,
    analyse,
    completeness,
    group_label,
    quarters,
    trend,
)
from evenhand.equality.measures import CATALOGUE, Period, Source, measure_cells
from evenhand.equality.stats import bh_qvalues, compare_groups, flag
from evenhand.synth.generator import Result
from tests.synth.conftest import load_for_module

PERIOD = Period(dt.date(2025, 11, 1), dt.date(2026, 10, 31))

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def service(django_db_setup: None, django_db_blocker: Any) -> Iterator[Result]:
    yield from load_for_module(django_db_blocker, scale="pdu", seed=8)


@pytest.fixture(scope="module")
def analysis(service: Result, django_db_blocker: Any) -> Analysis:
    with django_db_blocker.unblock():
        return analyse(PERIOD, Settings())


@pytest.fixture(scope="module")
def source(service: Result, django_db_blocker: Any) -> Source:
    with django_db_blocker.unblock():
        source = Source(PERIOD)
        for measure in CATALOGUE.values():
            measure_cells(measure, source)
        return source


def test_national_groups_equal_compare_groups_on_the_measure_rows(analysis: Analysis, source: Source) -> None:
    for key in ("recall", "breach", "referral_any", "unacceptable_absence"):
        rows = measure_cells(CATALOGUE[key], source)
        counts = rows.groupby("ethnic_group", observed=True)[["trials", "events"]].sum()
        expected = compare_groups(counts["trials"], counts["events"], groups=counts.index, reference="white")
        got = analysis.groups.query("measure == @key and level == 'national'").set_index("group")
        for column in ("n", "events", "rate", "relative_rate", "odds_ratio", "p_value"):
            np.testing.assert_allclose(
                got.loc[expected.index, column].to_numpy(float), expected[column].to_numpy(float), rtol=1e-12
            )


def test_units_add_up_to_the_nation_and_expected_matches_observed_overall(analysis: Analysis) -> None:
    for key in ("recall", "referral_any"):
        groups, all_units = analysis.groups, analysis.units
        national = groups[(groups["measure"] == key) & (groups["level"] == "national")]
        for level in ("region", "pdu"):
            units = all_units[(all_units["measure"] == key) & (all_units["level"] == level)]
            assert units["observed"].sum() == national["events"].sum()
            # The national model reproduces the national total (a property of maximum likelihood with an
            # intercept), so the units' expected events add up to the observed ones.
            assert units["expected"].sum() == pytest.approx(units["observed"].sum(), rel=1e-6)
        teams = all_units[(all_units["measure"] == key) & (all_units["level"] == "team")]
        assert 0 < teams["observed"].sum() <= national["events"].sum()


def test_one_false_discovery_family_for_the_report_and_one_per_measure_for_teams(analysis: Analysis) -> None:
    units = analysis.units
    reported = units[units["level"] != "team"]
    family = np.concatenate(
        [
            analysis.groups["p_value"].to_numpy(float),
            analysis.adjusted["adjusted_p_value"].to_numpy(float),
            reported["p_value"].to_numpy(float),
        ]
    )
    q = bh_qvalues(family)
    np.testing.assert_allclose(analysis.groups["q_value"].to_numpy(float), q[: len(analysis.groups)])
    np.testing.assert_allclose(reported["q_value"].to_numpy(float), q[len(family) - len(reported) :])
    teams = units[(units["level"] == "team") & (units["measure"] == "referral_any")]
    for _, rows in teams.groupby("measure"):
        np.testing.assert_allclose(
            rows["q_value"].to_numpy(float), bh_qvalues(rows["p_value"].to_numpy(float))
        )
    assert not ((units["level"] == "team") & (units["measure"] == "allocation_po")).any()
    expected_flags = flag(units["q_value"].to_numpy(float), units["odds_ratio"].to_numpy(float))
    assert (units["flagged"].to_numpy(bool) == expected_flags).all()


def test_adjusted_table_sits_beside_the_crude_one(analysis: Analysis) -> None:
    recall = analysis.adjusted.query("measure == 'recall'").set_index("group")
    national = analysis.groups.query("measure == 'recall' and level == 'national'").set_index("group")
    np.testing.assert_allclose(
        recall.loc[national.index, "crude_relative_rate"].to_numpy(float),
        national["relative_rate"].to_numpy(float),
    )
    assert recall.loc["white", "adjusted_relative_rate"] == 1.0
    assert "tier" in analysis.models["recall"]


def test_flagged_lists_only_flagged_comparisons_most_certain_first(analysis: Analysis) -> None:
    flagged = analysis.flagged()
    assert flagged["q_value"].is_monotonic_increasing
    assert (flagged["q_value"] < 0.05).all()
    assert ((flagged["ratio"] < 0.8) | (flagged["ratio"] > 1.25)).all()


def test_measures_not_split_by_the_characteristic_are_skipped_with_the_reason(analysis: Analysis) -> None:
    assert "not_recorded:ethnicity" in analysis.skipped
    assert "not_recorded:ethnicity" not in set(analysis.groups["measure"])


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        (Settings(characteristic="shoe size"), "Unknown characteristic 'shoe size'"),
        (Settings(measures=("recall", "happiness")), "Unknown measure 'happiness'"),
        (Settings(reference="martian"), "reference group 'martian' has no people"),
        (Settings(band=(1.2, 0.8)), "materiality band"),
        (Settings(min_n=0), "at least 1 person"),
    ],
)
def test_bad_requests_are_refused_with_the_reason(service: Result, asked: Settings, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        analyse(PERIOD, asked)


def test_an_empty_period_is_refused(service: Result) -> None:
    with pytest.raises(BadRequest, match="Nobody was under supervision"):
        analyse(Period(dt.date(2001, 1, 1), dt.date(2001, 3, 31)))


def test_trend_has_every_quarter_and_group(service: Result) -> None:
    parts = quarters(PERIOD)
    assert [p.start for p in parts][:2] == [dt.date(2025, 11, 1), dt.date(2026, 1, 1)]
    assert parts[-1].end == PERIOD.end and len(parts) == 5
    table = trend(PERIOD, Settings(), ["recall"])
    assert set(table["quarter"]) == {"2025 Q4", "2026 Q1", "2026 Q2", "2026 Q3", "2026 Q4"}
    assert (table.loc[table["group"] == "white", "relative_rate"].dropna() == 1.0).all()


def test_the_quarters_of_every_measure_of_trials_add_up_to_the_period(source: Source) -> None:
    trials = [key for key, measure in CATALOGUE.items() if measure.quarters_add_up]
    table = trend(PERIOD, Settings(min_n=1), trials, source=source)
    for key in trials:
        rows = measure_cells(CATALOGUE[key], source)
        year = rows.groupby("ethnic_group", observed=True)[["trials", "events"]].sum()
        quarters = table[table["measure"] == key].groupby("group")[["n", "events"]].sum()
        assert quarters.to_numpy().tolist() == year.loc[quarters.index].to_numpy().tolist(), key
        assert set(quarters.index) == set(year.index), key
    # People are counted in every quarter they are supervised in: those quarters overlap.
    recall = trend(PERIOD, Settings(), ["recall"], source=source)
    assert recall["n"].sum() > len(measure_cells(CATALOGUE["recall"], source))


def test_completeness_counts_not_recorded_and_keeps_prefer_not_to_say_as_an_answer(source: Source) -> None:
    table = completeness(source, "pdu").set_index("unit")
    population = source.population
    assert table.loc["national", "n"] == len(population)
    assert table.loc["national", "ethnicity_not_recorded"] == (population["ethnicity"] == "NR").sum()
    assert table.loc["national", "religion_rate"] == pytest.approx(
        (population["religion"] == "not_recorded").mean()
    )
    with pytest.raises(BadRequest):
        completeness(source, "galaxy")


def test_group_labels_are_words() -> None:
    assert group_label("ethnic_group", "black").startswith("Black")
    assert group_label("ethnic_group_sex", "white, F") == "White, Female"
    assert group_label("age_band", "30-39") == "30-39"


def test_analysis_frames_hold_no_person_identifiers(analysis: Analysis) -> None:
    for frame in (analysis.groups, analysis.adjusted, analysis.units):
        assert not {"crn", "name", "person_id", "sentence_id"} & set(frame.columns)
        assert isinstance(frame, pd.DataFrame)
