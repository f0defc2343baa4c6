"""A declared ``sensitive_allocation`` effect: racially or religiously aggravated and hate-crime cases go to the
group's practitioners more often in its unit and exactly as before elsewhere; the truth records it; a bad
effect is refused naming the measure.

The generator's own tables are read as it emits them (not written: loading a few thousand people twice would
take minutes), at a scale of two PDUs with enough people for 50 to 100 sensitive allocations each in the year.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evenhand.people.models import GROUP_OF_ETHNICITY
from evenhand.synth.bias import STAFF_MEASURES, BiasFileError, load_bias
from evenhand.synth.generator import Result, generate
from evenhand.synth.scales import SCALES, Scale
from evenhand.synth.tables import Table
from evenhand.workload.rules import PROTOCOL_FLAGS

from . import checks
from .conftest import loaded

pytestmark = pytest.mark.django_db

TWO_PDUS = Scale("two_pdus", regions=1, pdus=2, people=12_000)
SEED = 1
MINORITY = ("asian", "black", "mixed", "other")
KEPT = (
    "org_pdu",
    "org_team",
    "org_staffmember",
    "workforce_declaration",
    "cases_offence",
    "cases_allocation",
)


def effect(group: str = "minority", unit: str = "YH02", multiplier: object = 4) -> str:
    return (
        f'[[effect]]\nmeasure = "sensitive_allocation"\ngroup = "{group}"\nunit = "{unit}"\n'
        f"multiplier = {multiplier}\n"
    )


@pytest.fixture
def emitted(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[Table]]]:
    """The scale of two PDUs, and the tables the generator emits (each is hashed into the fingerprint)."""
    monkeypatch.setitem(SCALES, TWO_PDUS.name, TWO_PDUS)
    tables: dict[str, list[Table]] = {}
    digest_into = Table.digest_into

    def keep(self: Table, digest: object) -> None:
        if self.name in KEPT:
            tables.setdefault(self.name, []).append(self)
        digest_into(self, digest)  # type: ignore[arg-type]

    monkeypatch.setattr(Table, "digest_into", keep)
    yield tables


def frame(tables: dict[str, list[Table]], name: str, columns: list[str]) -> pd.DataFrame:
    return pd.concat(
        [pd.DataFrame({c: np.asarray(t.columns[c]) for c in columns}) for t in tables.pop(name, [])],
        ignore_index=True,
    )


def sensitive_given(result: Result, tables: dict[str, list[Table]]) -> pd.DataFrame:
    """The allocations starting in the period of a case with an offence the protocol covers (as the workforce
    measure counts them), with the practitioner's PDU and declared ethnic group ('' when not declared)."""
    flags = [flag.value for flag in PROTOCOL_FLAGS]
    offences = frame(tables, "cases_offence", ["sentence_id", *flags])
    flagged = set(offences.loc[offences[flags].any(axis=1), "sentence_id"])
    allocations = frame(tables, "cases_allocation", ["id", "sentence_id", "practitioner_id", "start_date"])
    start = result.truth["period"]["start"]
    given = allocations[
        allocations["sentence_id"].isin(flagged) & (allocations["start_date"] >= start)
    ].reset_index(drop=True)
    pdus = frame(tables, "org_pdu", ["id", "code"]).set_index("id")["code"]
    teams = frame(tables, "org_team", ["id", "pdu_id"]).set_index("id")["pdu_id"]
    staff = frame(tables, "org_staffmember", ["id", "team_id"]).set_index("id")["team_id"]
    declared = frame(tables, "workforce_declaration", ["staff_id", "characteristic", "value"])
    ethnicity = declared[declared["characteristic"] == "ethnicity"].set_index("staff_id")["value"]
    code = given["practitioner_id"].map(ethnicity).fillna("NR")
    return given.assign(
        pdu=given["practitioner_id"].map(staff).map(teams).map(pdus),
        group=[str(GROUP_OF_ETHNICITY[c]) for c in code],
    )


def minority_share(given: pd.DataFrame, pdu: str) -> tuple[float, int]:
    """The share of the PDU's sensitive allocations (to practitioners who declared) given to minority ethnic
    practitioners, and how many there are."""
    here = given[(given["pdu"] == pdu) & given["group"].isin([*MINORITY, "white"])]
    return float(here["group"].isin(MINORITY).mean()), len(here)


def test_a_declared_effect_gives_the_group_more_sensitive_cases_in_its_unit_only(
    emitted: dict[str, list[Table]], bias_file: Callable[[str], Path]
) -> None:
    plain_run = generate(scale=TWO_PDUS.name, seed=SEED, write=False)
    plain = sensitive_given(plain_run, emitted)
    biased_run = generate(scale=TWO_PDUS.name, seed=SEED, bias_path=bias_file(effect()), write=False)
    biased = sensitive_given(biased_run, emitted)
    assert plain_run.pdu_codes == biased_run.pdu_codes == ["YH01", "YH02"]

    # Elsewhere, the same allocations to the same practitioners: the effect draws nothing outside its unit.
    assert (plain["pdu"] == "YH01").sum() > 40
    pd.testing.assert_frame_equal(plain[plain["pdu"] == "YH01"], biased[biased["pdu"] == "YH01"])
    # In YH02 the same cases, about as many given to practitioners who declared, and many more of them given
    # to minority ethnic practitioners.
    before, n_before = minority_share(plain, "YH02")
    after, n_after = minority_share(biased, "YH02")
    print(f"\nYH02 minority share of {n_before}: {before:.1%} -> {after:.1%} of {n_after}")
    assert n_before > 60 and abs(n_after - n_before) <= 0.1 * n_before
    assert before > 0.05 and after > 1.5 * before and after - before > 0.1

    # The truth: expected allocations to the minority groups more than double in YH02 (declared 4 times the
    # odds), white practitioners are given fewer, and nothing moves in YH01 or in the run without the effect.
    truth = biased_run.truth["measures"]["sensitive_allocation"]["pdus"]
    assert truth["YH02"]["black"]["declared_multiplier"] == 4.0
    assert truth["YH02"]["white"]["declared_multiplier"] == 1.0
    expected = sum(truth["YH02"][g]["expected_events"] for g in MINORITY)
    without = sum(truth["YH02"][g]["expected_events_without_bias"] for g in MINORITY)
    assert expected > 1.8 * without > 0
    assert truth["YH02"]["white"]["effect"] < 1.0
    assert all(cell["effect"] in (1.0, None) for cell in truth["YH01"].values())
    plain_truth = plain_run.truth["measures"]["sensitive_allocation"]["regions"]["YH"]
    assert all(cell["effect"] in (1.0, None) for cell in plain_truth.values())
    assert plain_truth["white"]["n"] > 100


def test_the_moved_allocations_still_pass_the_service_rules(bias_file: Callable[[str], Path]) -> None:
    # Nearly every sensitive case away from white practitioners, everywhere: each moved case still goes to a
    # practitioner of its grade, in its PDU and in post on the day, and everything written from it follows.
    path = bias_file(effect(group="white", unit="national", multiplier=0.01))
    with loaded(scale="pdu", seed=1, bias_path=path) as result:
        problems = {rule: check() for rule, check in checks.RULES.items()}
    cells = result.truth["measures"]["sensitive_allocation"]["national"]
    assert cells["white"]["n"] >= 10
    assert cells["white"]["expected_events"] < 0.5 * cells["white"]["expected_events_without_bias"]
    assert {rule: found[:3] for rule, found in problems.items() if found} == {}


def test_sensitive_allocation_is_a_staff_measure() -> None:
    assert "sensitive_allocation" in STAFF_MEASURES


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (
            effect(multiplier=0),
            5,
            "the multiplier of sensitive_allocation must be a finite number greater than 0",
        ),
        (effect(multiplier='"4"'), 5, "the multiplier of sensitive_allocation must be a finite number"),
        (effect(multiplier="nan"), 5, "the multiplier of sensitive_allocation must be a finite number"),
        (effect(group="purple"), 3, "unknown group 'purple' for sensitive_allocation (a staff's declared"),
        (effect(group="not_recorded"), 3, "unknown group 'not_recorded' for sensitive_allocation"),
    ],
    ids=["multiplier 0", "multiplier as text", "multiplier NaN", "unknown group", "group not recorded"],
)
def test_a_bad_sensitive_allocation_effect_is_refused_naming_the_measure(
    bias_file: Callable[[str], Path], text: str, line: int, words: str
) -> None:
    path = bias_file(text)
    with pytest.raises(BiasFileError) as raised:
        load_bias(path, regions={"YH"}, pdus={"YH01", "YH02"})
    assert f"line {line}: {words}" in str(raised.value)
