"""A declared effect shows up in the generated data at its unit and for its group, and nowhere else; the ground
truth reports it there and exactly 1.0 elsewhere.

The same seed gives the same baseline draws, so a run with a bias file and one without differ only where the
bias acts (and, within the biased PDU, wherever a changed decision leads): a crude comparison of counts is
enough here. The equality engine's own tests measure detection properly.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.db.models import Count

from evenhand.cases.models import Contact, ContactOutcome
from evenhand.people.models import GROUP_OF_ETHNICITY
from evenhand.synth.bias import MEASURES
from evenhand.synth.caseload import GROUPS, CaseloadBuilder, with_odds
from evenhand.synth.generator import Result, generate
from evenhand.synth.tables import Table

from .conftest import loaded

pytestmark = pytest.mark.django_db

MISSED = [ContactOutcome.FAILED_UNACCEPTABLE, ContactOutcome.FAILED_ACCEPTABLE]


def effect(measure: str, group: str, unit: str, multiplier: float) -> str:
    return (
        f'[[effect]]\nmeasure = "{measure}"\ngroup = "{group}"\nunit = "{unit}"\nmultiplier = {multiplier}\n'
    )


def cells_other_than(truth: dict[str, Any], keep: Callable[[str, str, str], bool]) -> Iterator[tuple]:
    """(measure, unit, group, cell) for every cell of the truth that ``keep(measure, unit, group)`` rejects."""
    for measure, levels in truth["measures"].items():
        units = {"national": levels["national"], **levels["regions"], **levels["pdus"]}
        for unit, groups in units.items():
            for group, cell in groups.items():
                if not keep(measure, unit, group):
                    yield measure, unit, group, cell


# In the database ----------------------------------------------------------------------------------------------


def missed_appointments() -> dict[tuple[str, str], Counter]:
    """Missed appointments by PDU and ethnic group: how many, and how many judged unacceptable."""
    counts: dict[tuple[str, str], Counter] = {}
    rows = (
        Contact.objects.filter(outcome__in=MISSED)
        .values_list("person__pdu__code", "person__diversity__ethnic_group", "outcome")
        .annotate(n=Count("id"))
    )
    for pdu, group, outcome, n in rows:
        cell = counts.setdefault((pdu, group), Counter())
        cell["missed"] += n
        cell["unacceptable"] += n if outcome == ContactOutcome.FAILED_UNACCEPTABLE else 0
    return counts


def test_odds_of_an_unacceptable_absence_tripled_for_one_group_in_one_pdu(
    bias_file: Callable[[str], Path],
) -> None:
    # White people are the group with enough missed appointments at tiny scale (about 110 in a PDU for seed 10;
    # custody cases have no appointments).
    path = bias_file(effect("unacceptable_absence", "white", "YH02", 3))
    with loaded(scale="tiny", seed=10) as baseline_run:
        baseline = missed_appointments()
    with loaded(scale="tiny", seed=10, bias_path=path) as biased_run:
        biased = missed_appointments()
    assert baseline_run.pdu_codes == biased_run.pdu_codes == ["YH01", "YH02"]

    before, after = baseline["YH02", "white"], biased["YH02", "white"]
    # Baseline 30% of missed appointments judged unacceptable; odds times 3 makes it 56%.
    assert before["unacceptable"] / before["missed"] == pytest.approx(0.30, abs=0.08)
    assert after["unacceptable"] / after["missed"] == pytest.approx(0.5625, abs=0.08)
    assert after["unacceptable"] >= 1.4 * before["unacceptable"]

    # The PDU built before the biased one is untouched, to the row.
    assert {k: v for k, v in biased.items() if k[0] == "YH01"} == {
        k: v for k, v in baseline.items() if k[0] == "YH01"
    }
    # Other groups in the biased PDU keep their rate (their appointments can move a little when an enforcement
    # decision on someone else changes the random stream after the outcomes are drawn).
    for (pdu, group), cell in biased.items():
        if pdu == "YH02" and group != "white" and baseline[pdu, group]["missed"] >= 20:
            assert cell["unacceptable"] / cell["missed"] == pytest.approx(
                baseline[pdu, group]["unacceptable"] / baseline[pdu, group]["missed"], abs=0.1
            )


def test_the_truth_reports_the_effect_in_its_cell_and_one_elsewhere(bias_file: Callable[[str], Path]) -> None:
    path = bias_file(effect("unacceptable_absence", "white", "YH02", 3))
    truth = generate(scale="tiny", seed=7, bias_path=path, write=False).truth
    cells = truth["measures"]["unacceptable_absence"]
    target = cells["pdus"]["YH02"]["white"]
    # Every missed appointment has the same baseline chance, so the effect is exactly p' / p with
    # p' = expit(logit(0.3) + log 3) = 0.5625.
    assert target["effect"] == pytest.approx(0.5625 / 0.30, abs=1e-6)
    assert target["declared_multiplier"] == 3.0
    assert target["n"] > 100
    # The region (and here the nation) holds YH02's white people and YH01's: a diluted effect, not a declared one.
    for wider in (cells["regions"]["YH"]["white"], cells["national"]["white"]):
        assert 1.0 < wider["effect"] < target["effect"]
        assert wider["declared_multiplier"] == 1.0
    assert truth["effects"] == [
        {
            "measure": "unacceptable_absence",
            "group": "white",
            "unit": "YH02",
            "multiplier": 3.0,
            "from_month": 1,
            "to_month": 12,
            "line": 1,
        }
    ]

    def in_the_effect(measure: str, unit: str, group: str) -> bool:
        return measure == "unacceptable_absence" and group == "white" and unit in ("YH02", "YH", "national")

    elsewhere = list(cells_other_than(truth, in_the_effect))
    assert len(elsewhere) == len(MEASURES) * (2 + 1 + 1) * len(GROUPS) - 3  # 2 PDUs, a region, the nation
    assert {cell["effect"] for *_, cell in elsewhere} <= {1.0, None}
    assert {cell["declared_multiplier"] for *_, cell in elsewhere} == {1.0}
    assert all(cell["effect"] is None for *_, cell in elsewhere if cell["n"] == 0)


def test_without_a_bias_file_every_effect_is_one() -> None:
    truth = generate(scale="tiny", seed=5, write=False).truth
    assert truth["effects"] == []
    cells = list(cells_other_than(truth, lambda *_: False))
    assert {cell["effect"] for *_, cell in cells} <= {1.0, None}
    assert {cell["effect"] for *_, cell in cells} != {None}


def test_an_effect_from_a_month_applies_to_the_decisions_from_that_month(
    bias_file: Callable[[str], Path],
) -> None:
    # Months 7-12 of 12: about half the missed appointments; the effect is diluted accordingly.
    text = effect("unacceptable_absence", "white", "YH02", 3) + "from_month = 7\n"
    truth = generate(scale="tiny", seed=5, bias_path=bias_file(text), write=False).truth
    diluted = truth["measures"]["unacceptable_absence"]["pdus"]["YH02"]["white"]["effect"]
    assert 1.25 < diluted < 1.65


# At region scale, without the database ------------------------------------------------------------------------


@pytest.fixture
def run_and_capture(
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., tuple[Result, dict[int, dict[str, Table]]]]:
    """Generate without writing, keeping the tables each PDU's builder returns (the builder is unchanged)."""
    build = CaseloadBuilder.build

    def run(**arguments: Any) -> tuple[Result, dict[int, dict[str, Table]]]:
        captured: dict[int, dict[str, Table]] = {}

        def capture(self: CaseloadBuilder, p: int, rng: np.random.Generator) -> list[Table]:
            tables = build(self, p, rng)
            captured[p] = {table.name: table for table in tables}
            return tables

        monkeypatch.setattr(CaseloadBuilder, "build", capture)
        try:
            return generate(**arguments, write=False), captured
        finally:
            monkeypatch.setattr(CaseloadBuilder, "build", build)

    return run


def diversity_discussed(tables: dict[str, Table]) -> dict[str, Counter]:
    """Completed assessments by ethnic group, and whether their diversity conversation was held in full ("yes":
    every topic discussed) or not ("no")."""
    profiles = tables["people_diversityprofile"].columns
    group_of = {
        person: str(GROUP_OF_ETHNICITY[code])
        for person, code in zip(profiles["person_id"].tolist(), profiles["ethnicity"].tolist(), strict=True)
    }
    assessments = tables["assessment_assessment"].columns
    topics = tables["assessment_diversitytopic"].columns
    left: Counter = Counter(
        a
        for a, status in zip(topics["assessment_id"].tolist(), topics["status"].tolist(), strict=True)
        if status != "discussed"
    )
    counts: dict[str, Counter] = {}
    for pk, person, status in zip(
        assessments["id"].tolist(),
        assessments["person_id"].tolist(),
        assessments["status"].tolist(),
        strict=True,
    ):
        if status in ("complete", "locked"):
            counts.setdefault(group_of[person], Counter())["no" if left[pk] else "yes"] += 1
    return counts


def test_odds_that_diversity_is_discussed_halved_for_black_people_in_one_pdu(
    run_and_capture: Callable[..., tuple[Result, dict[int, dict[str, Table]]]],
    bias_file: Callable[[str], Path],
) -> None:
    baseline_run, baseline = run_and_capture(scale="region", seed=7)
    biased_run, biased = run_and_capture(
        scale="region", seed=7, bias_path=bias_file(effect("diversity_discussed", "black", "YH04", 0.5))
    )
    target = biased_run.pdu_codes.index("YH04")
    for p, code in enumerate(biased_run.pdu_codes):
        before, after = diversity_discussed(baseline[p]), diversity_discussed(biased[p])
        if p != target:
            assert after == before, code  # other PDUs: not a single answer changes
            continue
        black_before, black_after = before.pop("black"), after.pop("black")
        assert after == before  # other groups in the PDU: unchanged
        completed = black_before.total()
        assert completed == black_after.total() >= 50
        # p = 0.58 → expit(logit(0.58) + log 0.5) = 0.41, drawn with the same random numbers as before.
        assert black_before["yes"] / completed == pytest.approx(0.58, abs=0.15)
        assert black_after["yes"] / completed == pytest.approx(
            float(with_odds(np.array(0.58), 0.5)), abs=0.15
        )
        assert black_after["yes"] < black_before["yes"]

    cells = biased_run.truth["measures"]["diversity_discussed"]
    assert cells["pdus"]["YH04"]["black"]["effect"] == pytest.approx(
        float(with_odds(np.array(0.58), 0.5)) / 0.58, abs=1e-6
    )
    assert cells["regions"]["YH"]["black"]["effect"] < 1.0
    elsewhere = cells_other_than(
        biased_run.truth,
        # Holding the conversation in full less often also leaves each topic undiscussed more often.
        lambda m, u, g: (
            (m == "diversity_discussed" or m.startswith("diversity_topic:"))
            and g == "black"
            and u in ("YH04", "YH", "national")
        ),
    )
    assert {cell["effect"] for *_, cell in elsewhere} <= {1.0, None}
    topic = cells_other_than(biased_run.truth, lambda m, u, g: m != "diversity_topic:discrimination")
    assert {round(cell["effect"], 6) for m, u, g, cell in topic if (u, g) == ("YH04", "black")} == {
        round(float(with_odds(np.array(0.58), 0.5) * 0.6 + 0.4) / (0.58 * 0.6 + 0.4), 6)
    }
    assert baseline_run.fingerprint != biased_run.fingerprint
