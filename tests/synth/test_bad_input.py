"""Bad bias files and arguments: a clear error naming the line, before anything is written."""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from evenhand.cases.models import Contact
from evenhand.org.models import Region, StaffMember
from evenhand.people.models import Person
from evenhand.synth.bias import BiasFileError, load_bias
from evenhand.synth.generator import SynthError, generate
from evenhand.synth.load import BulkWriter
from evenhand.synth.scales import MAX_SEED
from evenhand.synth.tables import Table

from .conftest import loaded

pytestmark = pytest.mark.django_db

# A good effect on lines 2-6, then the effect under test from line 8.
GOOD = """# declared effects
[[effect]]
measure = "recall"
group = "black"
unit = "national"
multiplier = 1.5

[[effect]]
"""
LINES = {"measure": 9, "group": 10, "unit": 11, "multiplier": 12}


def second_effect(**changes: str) -> str:
    values = {"measure": '"breach"', "group": '"asian"', "unit": '"YH01"', "multiplier": "0.7", **changes}
    return GOOD + "".join(f"{key} = {value}\n" for key, value in values.items() if value is not None)


# (bias file text, the line the error must name, words the message must contain)
BAD_FILES = {
    "unknown measure": (second_effect(measure='"arrest"'), 9, "unknown measure 'arrest'"),
    "unknown group": (second_effect(group='"purple"'), 10, "unknown group 'purple'"),
    "group not recorded": (second_effect(group='"not_recorded"'), 10, "unknown group"),
    "unknown unit": (second_effect(unit='"XX99"'), 11, "unknown unit 'XX99'"),
    "a PDU of another scale": (second_effect(unit='"LN01"'), 11, "unknown unit 'LN01'"),
    "multiplier 0": (second_effect(multiplier="0"), 12, "greater than 0"),
    "negative multiplier": (second_effect(multiplier="-1.5"), 12, "greater than 0"),
    "multiplier as a string": (second_effect(multiplier='"1.5"'), 12, "must be a finite number"),
    "from month 13": (
        second_effect() + "from_month = 13\n",
        13,
        "from_month must be a whole month from 1 to 12",
    ),
    "to month 0": (second_effect() + "to_month = 0\n", 13, "to_month must be a whole month"),
    "to month before from month": (
        second_effect() + "from_month = 6\nto_month = 3\n",
        14,
        "to_month comes before from_month",
    ),
    "unknown key": (second_effect() + 'colour = "red"\n', 13, "unknown key 'colour'"),
    "missing multiplier": (second_effect(multiplier=None), 8, "no 'multiplier'"),
    "malformed TOML": (second_effect(group="asian"), 10, "not valid TOML"),
    "unknown section": (GOOD.replace("# declared", "title = 'x'\n# declared"), 1, "unknown section 'title'"),
}


@pytest.fixture(autouse=True)
def written(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tables the generator starts to write. A rolled-back write would leave no rows either, so this is
    what shows that the errors come *before* anything is written."""
    tables: list[str] = []
    write = BulkWriter.write

    def record(self: BulkWriter, table: Table) -> int:
        tables.append(table.name)
        return write(self, table)

    monkeypatch.setattr(BulkWriter, "write", record)
    return tables


@pytest.fixture
def assert_nothing_written(written: list[str]) -> Callable[[], None]:
    def check() -> None:
        assert written == []
        assert (Region.objects.count(), StaffMember.objects.count(), Person.objects.count()) == (0, 0, 0)
        assert Contact.objects.count() == 0

    return check


def test_a_good_run_is_seen_writing(written: list[str]) -> None:
    # The spy above works: a run that is not refused writes the organisation first.
    with loaded(scale="tiny", seed=1):
        pass
    assert written[:2] == ["org_region", "org_pdu"]


@pytest.mark.parametrize(("text", "line", "words"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_bias_file_is_refused_naming_the_line(
    bias_file: Callable[[str], Path],
    assert_nothing_written: Callable[[], None],
    text: str,
    line: int,
    words: str,
) -> None:
    path = bias_file(text)
    with pytest.raises(BiasFileError) as error:
        generate(scale="tiny", seed=1, bias_path=path)
    assert f"line {line}" in str(error.value)
    assert words in str(error.value)
    assert str(path) in str(error.value)
    assert_nothing_written()


@pytest.mark.parametrize(("text", "line", "words"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_the_command_reports_a_bad_bias_file_naming_the_line(
    bias_file: Callable[[str], Path],
    assert_nothing_written: Callable[[], None],
    text: str,
    line: int,
    words: str,
) -> None:
    with pytest.raises(CommandError, match=f"line {line}"):
        call_command("synth", "--scale", "tiny", "--seed", "1", "--bias", str(bias_file(text)), verbosity=0)
    assert_nothing_written()


def test_the_good_effects_above_are_accepted(bias_file: Callable[[str], Path]) -> None:
    # So the failures above come from the one thing each case changes.
    spec = load_bias(bias_file(second_effect()), regions={"YH"}, pdus={"YH01", "YH02"})
    assert [(e.measure, e.group, e.unit, e.multiplier, e.line) for e in spec.effects] == [
        ("recall", "black", "national", 1.5, 2),
        ("breach", "asian", "YH01", 0.7, 8),
    ]


def test_a_missing_bias_file_is_refused(tmp_path: Path, assert_nothing_written: Callable[[], None]) -> None:
    with pytest.raises(BiasFileError, match="cannot read the bias file"):
        generate(scale="tiny", seed=1, bias_path=tmp_path / "absent.toml")
    assert_nothing_written()


BAD_ARGUMENTS = {
    "unknown scale": ({"scale": "county", "seed": 1}, "Unknown scale 'county'"),
    "negative seed": ({"scale": "tiny", "seed": -1}, "seed must be a whole number from 0"),
    "seed too large": ({"scale": "tiny", "seed": MAX_SEED + 1}, "seed must be a whole number from 0"),
}


@pytest.mark.parametrize(("arguments", "words"), BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS.keys())
def test_bad_arguments_are_refused_before_anything_is_written(
    assert_nothing_written: Callable[[], None], arguments: dict, words: str
) -> None:
    with pytest.raises(SynthError, match=words):
        generate(**arguments)
    assert_nothing_written()


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--scale", "county", "--seed", "1"], "invalid choice: 'county'"),
        (["--scale", "tiny", "--seed", "-1"], "seed must be a whole number from 0"),
        (["--scale", "tiny", "--seed", str(MAX_SEED + 1)], "seed must be a whole number from 0"),
        (["--scale", "tiny", "--seed", "one"], "invalid int value"),
        (["--scale", "tiny", "--seed", "1", "--end-date", "2999-01-31"], "is in the future"),
        (["--scale", "tiny", "--seed", "1", "--end-date", "2014-12-31"], "2015 or later"),
        (["--scale", "tiny", "--seed", "1", "--truth", "/no/such/folder/truth.json"], "does not exist"),
    ],
    ids=[
        "unknown scale",
        "negative seed",
        "seed too large",
        "seed not a number",
        "future",
        "too early",
        "truth",
    ],
)
def test_the_command_refuses_bad_arguments(
    assert_nothing_written: Callable[[], None], arguments: list[str], words: str
) -> None:
    with pytest.raises(CommandError, match=words):
        call_command("synth", *arguments, verbosity=0)
    assert_nothing_written()


# Known gaps ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["effect = [1]\n", second_effect(measure='["breach"]')], ids=["entry", "value"]
)
def test_a_bias_file_of_the_wrong_shape_is_refused_naming_the_line(
    bias_file: Callable[[str], Path], text: str
) -> None:
    with pytest.raises(BiasFileError, match="line"):
        load_bias(bias_file(text), regions={"YH"}, pdus={"YH01"})


def test_an_infinite_multiplier_is_refused(bias_file: Callable[[str], Path]) -> None:
    path = bias_file(second_effect(measure='"allocation_days"', multiplier="inf"))
    try:
        load_bias(path, regions={"YH"}, pdus={"YH01"})
    except BiasFileError as error:
        assert "line 12" in str(error)
    else:
        raise AssertionError("an infinite multiplier was accepted")
