"""`evenhand synth` end to end at tiny scale."""

import json
import re
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from evenhand.people.models import Person
from evenhand.synth.bias import MEASURES
from evenhand.synth.caseload import GROUPS
from evenhand.synth.generator import generate

pytestmark = pytest.mark.django_db

FINGERPRINT_LINE = re.compile(r"^fingerprint: ([0-9a-f]{64})$", re.MULTILINE)


def test_synth_loads_prints_the_fingerprint_and_writes_the_truth(tmp_path: Path) -> None:
    truth_path, out = tmp_path / "truth.json", StringIO()
    call_command(
        "synth", "--scale", "tiny", "--seed", "3", "--truth", str(truth_path), "--fingerprint", stdout=out
    )

    printed = FINGERPRINT_LINE.findall(out.getvalue())
    assert printed == [generate(scale="tiny", seed=3, write=False).fingerprint]
    assert Person.objects.count() == 240
    assert "people_person" in out.getvalue()  # the summary of rows per table

    truth = json.loads(truth_path.read_text())
    assert truth["effects"] == []
    assert set(truth["measures"]) == set(MEASURES)
    assert (truth["scale"], truth["seed"], truth["period"]) == (
        "tiny",
        3,
        {"start": "2025-11-01", "end": "2026-10-31"},
    )
    assert truth["groups"] == list(GROUPS)
    recall = truth["measures"]["recall"]
    assert set(recall) == {"national", "regions", "pdus"}
    assert set(recall["pdus"]) == {"YH01", "YH02"} and set(recall["regions"]) == {"YH"}
    assert set(recall["national"]) == set(GROUPS)
    assert set(recall["national"]["white"]) == {
        "n",
        "expected_events_without_bias",
        "expected_events",
        "effect",
        "declared_multiplier",
    }


def test_synth_records_the_declared_effects_in_the_truth(
    tmp_path: Path, bias_file: Callable[[str], Path]
) -> None:
    path = bias_file(
        '# recall\n[[effect]]\nmeasure = "recall"\ngroup = "minority"\nunit = "YH"\nmultiplier = 1.5\n'
        "from_month = 4\n"
    )
    truth_path = tmp_path / "truth.json"
    call_command(
        "synth",
        "--scale",
        "tiny",
        "--seed",
        "3",
        "--bias",
        str(path),
        "--truth",
        str(truth_path),
        verbosity=0,
    )
    truth = json.loads(truth_path.read_text())
    assert truth["effects"] == [
        {
            "measure": "recall",
            "group": "minority",
            "unit": "YH",
            "multiplier": 1.5,
            "from_month": 4,
            "to_month": 12,
            "line": 2,
        }
    ]
    # Declared for the region: its cells (and its PDUs') carry the multiplier, the nation's do not.
    recall = truth["measures"]["recall"]
    assert recall["regions"]["YH"]["black"]["declared_multiplier"] == 1.5
    assert recall["pdus"]["YH01"]["asian"]["declared_multiplier"] == 1.5
    assert recall["regions"]["YH"]["white"]["declared_multiplier"] == 1.0
    assert recall["national"]["black"]["declared_multiplier"] == 1.0


def test_a_dry_run_writes_nothing_and_prints_the_same_fingerprint() -> None:
    out = StringIO()
    call_command(
        "synth", "--scale", "tiny", "--seed", "3", "--dry-run", "--fingerprint", stdout=out, verbosity=0
    )
    assert FINGERPRINT_LINE.findall(out.getvalue()) == [
        generate(scale="tiny", seed=3, write=False).fingerprint
    ]
    assert Person.objects.count() == 0
