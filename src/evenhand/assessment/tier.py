"""The tier calculation, version 2: protect level (A to D) by change level (0 to 3), worked line by line.

Pure: no database. It follows the published calculation (hmpps-tier, service/calculation/ProtectLevelCalculator.kt,
ChangeLevelCalculator.kt, AdditionalFactorsForWomen.kt, MandateForChange.kt; ``../shared/ANCHORS.md`` (a)):

Protect points
    the higher of RSR (7 and over: 20; 3 to 6.99: 10) and RoSH (very high 150, high 20, medium 10); MAPPA level
    2 or 3: 150, level 1: 5; 2 for each complexity factor registration; for women, 2 each for parenting
    responsibilities, impulsivity or temper control (counted once) and any previous breach or recall.
    A at 150 and over, B at 20 to 149, C at 10 to 19, D below 10.
Change points
    each criminogenic need scores its section's weight times its severity (standard 1, severe 2; thinking and
    behaviour and attitudes weigh 2, financial management and emotional wellbeing 0, the rest 1); plus OGRS
    divided by 10 (whole points, as the calculation divides integers); plus 2 for an integrated offender
    management nominal. 3 at 20 and over, 2 at 10 to 19, otherwise 1. No mandate for change (no custody, and only
    restrictive requirements or unpaid work): 0. No assessment: 2.

Every result keeps its lines (what scored, how many points, whether it counted), its inputs and the version, so a
stored tier can be shown with its working and recomputed when an input changes.
"""

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from evenhand.cases.models import (
    COMPLEXITY_FACTORS,
    RegistrationType,
    RequirementType,
    RoshLevel,
    SentenceType,
)

from .sections import BY_KEY, Severity

VERSION = 2

RSR_HIGH = Decimal("7")  # 7 and over
RSR_MEDIUM = Decimal("3")  # 3 to 6.99
RSR_POINTS = {"high": 20, "medium": 10}
ROSH_POINTS = {RoshLevel.VERY_HIGH: 150, RoshLevel.HIGH: 20, RoshLevel.MEDIUM: 10, RoshLevel.LOW: 0}
MAPPA_POINTS = {1: 5, 2: 150, 3: 150}
COMPLEXITY_POINTS = 2
WOMEN_FACTOR_POINTS = 2
PROTECT_BANDS = (("A", 150), ("B", 20), ("C", 10), ("D", 0))

SEVERITY_MULTIPLIER = {Severity.STANDARD: 1, Severity.SEVERE: 2}
IOM_POINTS = 2
CHANGE_BANDS = ((3, 20), (2, 10), (1, 0))
NO_MANDATE_LEVEL = 0
NO_ASSESSMENT_LEVEL = 2

# Requirements that restrict rather than change: with nothing else, a community sentence gives no mandate.
RESTRICTIVE_REQUIREMENTS = frozenset(
    {
        RequirementType.CURFEW,
        RequirementType.EXCLUSION,
        RequirementType.RESIDENCE,
        RequirementType.UNPAID_WORK,
    }
)
CUSTODIAL_SENTENCES = frozenset(
    {SentenceType.CUSTODY, SentenceType.LICENCE, SentenceType.POST_SENTENCE_SUPERVISION}
)


class TierInputError(ValueError):
    """An input the calculation cannot use; ``field`` names it and ``message`` says what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class TierInputs:
    """Everything the calculation reads, as recorded elsewhere in the case (each fact in its own record)."""

    rosh: str | None = None  # the current review's overall level
    rsr: Decimal | None = None  # risk of serious recidivism, 0 to 100
    mappa_level: int | None = None
    registrations: tuple[str, ...] = ()  # the types of the person's open registrations
    female: bool = False
    # From the latest complete assessment; None when there is none.
    needs: Mapping[str, str] | None = None  # section key -> Severity
    ogrs: int | None = None  # OGRS, 0 to 100
    parenting_responsibilities: bool = False
    impulsivity_or_temper: bool = False
    previous_breach_or_recall: bool = False
    iom_nominal: bool = False
    mandate_for_change: bool = True

    def as_record(self) -> dict[str, Any]:
        """The inputs as stored with a tier (JSON)."""
        stored = asdict(self)
        stored["rsr"] = None if self.rsr is None else str(self.rsr)
        stored["registrations"] = sorted(self.registrations)
        stored["needs"] = None if self.needs is None else dict(sorted(self.needs.items()))
        return stored

    @classmethod
    def from_record(cls, stored: Mapping[str, Any]) -> "TierInputs":
        values = dict(stored)
        values["rsr"] = None if values.get("rsr") is None else Decimal(values["rsr"])
        values["registrations"] = tuple(values.get("registrations") or ())
        return cls(**values)


@dataclass(frozen=True)
class Line:
    """One step of the working: what scored, its points, and whether they counted toward the total."""

    level: str  # "protect" or "change"
    label: str
    points: int
    counted: bool = True
    note: str = ""


@dataclass(frozen=True)
class TierResult:
    tier: str  # e.g. "B2"
    protect: str
    protect_points: int
    change: int
    change_points: int | None  # None when the change level is set without points (no mandate, no assessment)
    change_reason: str
    lines: tuple[Line, ...] = field(default_factory=tuple)
    version: int = VERSION


# What ``_check`` accepts, worked out once (a national recompute checks hundreds of thousands of inputs).
ROSH_LEVELS = frozenset(RoshLevel.values)
REGISTRATION_TYPES = frozenset(RegistrationType.values)
SEVERITIES = frozenset(s.value for s in Severity)


def _check(inputs: TierInputs) -> None:
    if inputs.rosh is not None and inputs.rosh not in ROSH_LEVELS:
        raise TierInputError("rosh", f"Unknown risk of serious harm level {inputs.rosh!r}")
    for name in ("rsr", "ogrs"):
        value = getattr(inputs, name)
        if value is not None and not Decimal(0) <= Decimal(value) <= Decimal(100):
            raise TierInputError(name, f"The {name.upper()} score must be between 0 and 100, not {value}")
    if inputs.mappa_level is not None and inputs.mappa_level not in MAPPA_POINTS:
        raise TierInputError("mappa_level", f"Unknown MAPPA level {inputs.mappa_level!r}: 1, 2 or 3")
    for code in inputs.registrations:
        if code not in REGISTRATION_TYPES:
            raise TierInputError("registrations", f"Unknown registration type {code!r}")
    for key, value in (inputs.needs or {}).items():
        if key not in BY_KEY:
            raise TierInputError("needs", f"Unknown assessment section {key!r}")
        if value not in SEVERITIES:
            raise TierInputError("needs", f"Unknown need severity {value!r} for {BY_KEY[key].title.lower()}")


def _rsr_points(rsr: Decimal | None) -> int:
    if rsr is None:
        return 0
    if rsr >= RSR_HIGH:
        return RSR_POINTS["high"]
    return RSR_POINTS["medium"] if rsr >= RSR_MEDIUM else 0


def _protect(inputs: TierInputs) -> tuple[int, list[Line]]:
    lines: list[Line] = []
    rsr = _rsr_points(inputs.rsr)
    rosh = ROSH_POINTS[RoshLevel(inputs.rosh)] if inputs.rosh else 0
    rosh_label = RoshLevel(inputs.rosh).label.lower() if inputs.rosh else "not assessed"
    # Only the higher of RSR and RoSH counts (RoSH when they are equal).
    lines.append(Line("protect", f"Risk of serious harm: {rosh_label}", rosh, counted=rosh >= rsr))
    rsr_label = "not known" if inputs.rsr is None else f"{inputs.rsr}"
    lines.append(
        Line(
            "protect",
            f"RSR: {rsr_label}",
            rsr,
            counted=rsr > rosh,
            note="" if rsr > rosh else "only the higher of RSR and RoSH counts",
        )
    )
    total = max(rsr, rosh)
    if inputs.mappa_level is not None:
        points = MAPPA_POINTS[inputs.mappa_level]
        lines.append(Line("protect", f"MAPPA level {inputs.mappa_level}", points))
        total += points
    for code in sorted(set(inputs.registrations)):
        if code in COMPLEXITY_FACTORS:
            label = RegistrationType(code).label
            lines.append(Line("protect", f"Complexity factor: {label.lower()}", COMPLEXITY_POINTS))
            total += COMPLEXITY_POINTS
    if inputs.female:
        for applies, label in (
            (inputs.parenting_responsibilities, "parenting responsibilities"),
            (inputs.impulsivity_or_temper, "impulsivity or temper control"),
            (inputs.previous_breach_or_recall, "a previous breach or recall"),
        ):
            if applies:
                lines.append(Line("protect", f"Additional factor for women: {label}", WOMEN_FACTOR_POINTS))
                total += WOMEN_FACTOR_POINTS
    return total, lines


def _change(inputs: TierInputs) -> tuple[int, int | None, str, list[Line]]:
    if not inputs.mandate_for_change:
        reason = "No mandate for change: no custody, and only restrictive requirements or unpaid work"
        return NO_MANDATE_LEVEL, None, reason, []
    if inputs.needs is None:
        return NO_ASSESSMENT_LEVEL, None, "No assessment: the change level is 2 until one is completed", []
    lines: list[Line] = []
    total = 0
    for key, value in inputs.needs.items():
        sec = BY_KEY[key]
        multiplier = SEVERITY_MULTIPLIER.get(Severity(value), 0)
        if multiplier:
            points = sec.change_weight * multiplier
            label = f"{'Severe need' if multiplier == 2 else 'Need'}: {sec.title.lower()}"
            note = f"weight {sec.change_weight} times {multiplier}"
            lines.append(Line("change", label, points, note=note))
            total += points
    if inputs.ogrs is not None:
        points = int(inputs.ogrs) // 10
        lines.append(Line("change", f"OGRS: {inputs.ogrs}", points, note="OGRS ÷ 10, whole points"))
        total += points
    if inputs.iom_nominal:
        lines.append(Line("change", "Integrated offender management nominal", IOM_POINTS))
        total += IOM_POINTS
    level = next(level for level, floor in CHANGE_BANDS if total >= floor)
    return level, total, f"{total} change points", lines


def calculate(inputs: TierInputs) -> TierResult:
    """The tier for these inputs with its working; ``TierInputError`` for an input it cannot use."""
    _check(inputs)
    protect_points, protect_lines = _protect(inputs)
    protect = next(letter for letter, floor in PROTECT_BANDS if protect_points >= floor)
    change, change_points, reason, change_lines = _change(inputs)
    return TierResult(
        tier=f"{protect}{change}",
        protect=protect,
        protect_points=protect_points,
        change=change,
        change_points=change_points,
        change_reason=reason,
        lines=tuple(protect_lines + change_lines),
    )


def mandate_for_change(sentences: Iterable[tuple[str, Iterable[str]]]) -> bool:
    """Whether the person's current sentences give a mandate for change: any custodial sentence (custody,
    licence, post-sentence supervision), or a community sentence with a requirement that is neither restrictive
    nor unpaid work. ``sentences`` is (sentence type, its requirement types) for each current sentence."""
    for sentence_type, requirements in sentences:
        if sentence_type in CUSTODIAL_SENTENCES:
            return True
        if any(r not in RESTRICTIVE_REQUIREMENTS for r in requirements):
            return True
    return False
