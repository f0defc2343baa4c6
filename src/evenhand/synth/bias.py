"""Declared bias: a TOML file of effects the generator applies on the odds scale, and how it is checked.

A bias file is a list of effects::

    [[effect]]
    measure = "recall"            # what the effect changes (see MEASURES)
    group = "black"               # an ethnic group, an ONS 2021 category code (B2), or "minority"; for a
                                  # staff measure (STAFF_MEASURES), of the staff member's declared ethnicity
    unit = "LON03"                # "national", a region code or a PDU code
    from_month = 4                # optional: first month (1-12) of the period it applies in
    to_month = 12                 # optional: last month
    multiplier = 1.5              # odds multiplier (> 0); for allocation_days, a multiplier of the mean

Every problem is reported with the line of the file it is on, before anything is generated or written.
"""

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from evenhand.assessment.models import Topic
from evenhand.cases.models import ServiceArea
from evenhand.people.models import GROUP_OF_ETHNICITY, EthnicGroup, Ethnicity
from evenhand.review.questions import QUESTION_SETS

# The current version of each kind's question set: each key question is a measure a bias can act on.
CURRENT_SETS = [
    max((s for s in QUESTION_SETS if s.kind == kind), key=lambda s: s.version)
    for kind in dict.fromkeys(s.kind for s in QUESTION_SETS)
]
KIND_LABELS = {
    "case": "case",
    "enforcement": "enforcement decision",
    "recall": "recall decision",
    "allocation": "allocation",
    "report": "pre-sentence report",
}

# The decisions the generator makes with a probability, and so the places bias can act.
MEASURES: dict[str, str] = {
    "recall": "a recall is requested after an unacceptable failure on licence, or after risk information",
    "breach": "breach action is taken after a further failure within 12 months of a warning",
    "unacceptable_absence": "a missed appointment is judged unacceptable rather than acceptable",
    "allocation_po": "a case that a PSO could hold is allocated to a PO",
    "allocation_days": "days from sentence to allocation (multiplier of the mean, not of the odds)",
    "assessment_timely": "the assessment is completed within 15 working days of sentence start",
    "diversity_discussed": "the diversity conversation is held in full (every topic discussed)",
    **{
        f"diversity_topic:{topic}": f"the diversity conversation's topic {label.lower()} is discussed"
        for topic, label in Topic.choices
    },
    "plan_agreed": "the person agrees their sentence plan",
    "plan_goal_per_need": "an identified need has a goal of the sentence plan",
    "psr_custody": "a pre-sentence report proposes custody",
    "referral_completed": "a referral that has started is completed",
    "completion": "an order or licence that reaches its end is completed successfully",
    "promotion": "a member of staff in post at the start of the period is promoted in it (by their declared "
    "ethnicity)",
    "temporary_promotion": "a member of staff below the top grade is temporarily promoted on allowance in the "
    "period (by their declared ethnicity)",
    "pqip_offered": "a PSO or administrator who applies to qualify as a probation officer (PQiP) in the period "
    "is offered a place (by their declared ethnicity)",
    "grievance_upheld": "a grievance raised in the period and decided is upheld in full or in part (by the "
    "declared ethnicity of the member of staff who raised it)",
    "sensitive_allocation": "a racially or religiously aggravated or hate-crime case is allocated to a "
    "practitioner (PSO or PO) of the group, among those of the grade it needs in the PDU (by the practitioner's "
    "declared ethnicity)",
    "review_sufficient": "a key question of a reviewed case is judged sufficient (every key question)",
    **{
        f"review:{key.number}": f"key question {key.number} of a reviewed {KIND_LABELS[spec.kind]} is judged "
        "sufficient"
        for spec in CURRENT_SETS
        for key in spec.key_questions
    },
    **{
        f"referral:{area}": f"a referral is made to {label.lower()} services"
        for area, label in ServiceArea.choices
    },
}
# Measured by the workforce app (staff, by their declared ethnicity) and by case review rounds (their own
# design-weighted estimates), not by the equality engine's catalogue of casework measures.
STAFF_MEASURES = frozenset(
    {"promotion", "temporary_promotion", "pqip_offered", "grievance_upheld", "sensitive_allocation"}
)
REVIEW_MEASURES = frozenset(
    {"review_sufficient", *(f"review:{key.number}" for spec in CURRENT_SETS for key in spec.key_questions)}
)
MINORITY = "minority"
RECORDED_GROUPS = (
    EthnicGroup.ASIAN,
    EthnicGroup.BLACK,
    EthnicGroup.MIXED,
    EthnicGroup.OTHER,
    EthnicGroup.WHITE,
)
KEYS = {"measure", "group", "unit", "from_month", "to_month", "multiplier"}


class BiasFileError(ValueError):
    """A bias file that cannot be used, with the file, line and what is wrong."""


@dataclass(frozen=True)
class Effect:
    measure: str
    group: str  # as written: an ethnic group, an ethnicity code or "minority"
    unit: str  # "national", a region code or a PDU code
    multiplier: float
    from_month: int = 1
    to_month: int = 12
    line: int = 0

    def ethnicity_codes(self) -> tuple[str, ...]:
        """The ONS categories this effect applies to."""
        if self.group == MINORITY:
            return tuple(
                c for c, g in GROUP_OF_ETHNICITY.items() if g in RECORDED_GROUPS and g != EthnicGroup.WHITE
            )
        if self.group in Ethnicity.values:
            return (self.group,)
        return tuple(c for c, g in GROUP_OF_ETHNICITY.items() if g == self.group)


@dataclass
class BiasSpec:
    effects: list[Effect] = field(default_factory=list)
    source: str = ""

    def for_measure(self, measure: str) -> list[Effect]:
        return [e for e in self.effects if e.measure == measure]

    def multipliers(
        self,
        measure: str,
        *,
        ethnicity: np.ndarray,
        region: np.ndarray,
        pdu: np.ndarray,
        month: np.ndarray | int,
    ) -> np.ndarray:
        """The product of the multipliers that apply to each row (1 where none does).

        ``ethnicity``, ``region`` and ``pdu`` are arrays of codes, one per row; ``month`` is the month of the
        period (1-12) in which each decision falls.
        """
        result = np.ones(len(ethnicity), dtype=np.float64)
        for effect in self.for_measure(measure):
            applies = np.isin(ethnicity, effect.ethnicity_codes())
            if effect.unit != "national":
                applies &= (region == effect.unit) | (pdu == effect.unit)
            applies &= (np.asarray(month) >= effect.from_month) & (np.asarray(month) <= effect.to_month)
            result[applies] *= effect.multiplier
        return result


def _line_of_effects(text: str) -> list[int]:
    """The line number of each [[effect]] header, in order, so errors can point at the file."""
    return [
        i for i, line in enumerate(text.splitlines(), start=1) if re.match(r"^\s*\[\[\s*effect\s*\]\]", line)
    ]


def _key_line(text: str, start: int, key: str) -> int:
    lines = text.splitlines()
    for i in range(start, len(lines) + 1):
        if i > start and re.match(r"^\s*\[", lines[i - 1]):
            break
        if re.match(rf"^\s*{re.escape(key)}\s*=", lines[i - 1]):
            return i
    return start


def load_bias(path: str | Path, *, regions: set[str], pdus: set[str]) -> BiasSpec:
    """Read and check a bias file against the units of the organisation being generated."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise BiasFileError(f"{path}: cannot read the bias file ({error.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise BiasFileError(f"{path}: not valid TOML: {error}") from None
    unknown_tables = set(data) - {"effect"}
    if unknown_tables:
        name = sorted(unknown_tables)[0]
        line = next((i for i, t in enumerate(text.splitlines(), 1) if name in t), 1)
        raise BiasFileError(
            f"{path}, line {line}: unknown section '{name}'; a bias file holds [[effect]] entries"
        )
    raw = data.get("effect", [])
    lines = _line_of_effects(text)
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        line = next((i for i, t in enumerate(text.splitlines(), 1) if re.match(r"^\s*\[?\s*effect\b", t)), 1)
        raise BiasFileError(
            f"{path}, line {line}: write each effect as an [[effect]] table of keys and values"
        )
    effects = []
    groups = {*EthnicGroup.values, *Ethnicity.values, MINORITY} - {
        "not_recorded",
        "prefer_not_to_say",
        "NR",
        "PNS",
    }
    for n, entry in enumerate(raw):
        start = lines[n] if n < len(lines) else 1

        def fail(key: str, message: str, start: int = start) -> BiasFileError:
            return BiasFileError(f"{path}, line {_key_line(text, start, key)}: {message}")

        for key in entry:
            if key not in KEYS:
                raise fail(key, f"unknown key '{key}' (expected {', '.join(sorted(KEYS))})")
        for key in ("measure", "group", "unit", "multiplier"):
            if key not in entry:
                raise BiasFileError(f"{path}, line {start}: this effect has no '{key}'")
        for key in ("measure", "group", "unit"):
            if not isinstance(entry[key], str):
                raise fail(key, f"{key} must be text in quotes, not {entry[key]!r}")
        measure, group, unit = entry["measure"], entry["group"], entry["unit"]
        if measure not in MEASURES:
            raise fail("measure", f"unknown measure '{measure}' (known: {', '.join(MEASURES)})")
        if group not in groups:
            whose = "staff's declared " if measure in STAFF_MEASURES else ""
            raise fail(
                "group",
                f"unknown group '{group}' for {measure} (a {whose}ethnic group such as 'black', a code such as "
                "'B2', or 'minority')",
            )
        if unit != "national" and unit not in regions and unit not in pdus:
            raise fail(
                "unit", f"unknown unit '{unit}': not 'national', a region code or a PDU code of this scale"
            )
        multiplier = entry["multiplier"]
        if (
            isinstance(multiplier, bool)
            or not isinstance(multiplier, int | float)
            or not math.isfinite(multiplier)
            or not multiplier > 0
        ):
            raise fail(
                "multiplier",
                f"the multiplier of {measure} must be a finite number greater than 0, not {multiplier!r}",
            )
        months = {}
        for key, default in (("from_month", 1), ("to_month", 12)):
            value = entry.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
                raise fail(key, f"{key} must be a whole month from 1 to 12, not {value!r}")
            months[key] = value
        if months["from_month"] > months["to_month"]:
            raise fail("to_month", "to_month comes before from_month")
        effects.append(Effect(measure, group, unit, float(multiplier), line=start, **months))
    return BiasSpec(effects, source=text)
