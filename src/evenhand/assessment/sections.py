"""The sections of the layered assessment, their scored items and when a section is a criminogenic need.

Pure: no database. The sections are OASys's 2 to 13 (oasys-cypress-test, pages/Assessment/section*.ts); items
are answered 0 (no problems), 1 (some problems) or 2 (significant problems), and a yes/no item scores 0 or 2
(hmpps-tier, client/arns/SectionAnswer.kt). A section's score is the sum of its scored items; it is a need at
the standard threshold and a severe need at the upper threshold (hmpps-tier, client/arns/NeedSection.kt).
Financial management and emotional wellbeing are unscored needs: answered, never scored as a need
(hmpps-assess-risks-and-needs, AssessmentNeedsDetailsDto.kt).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

SCALE = (0, 1, 2)  # none, some, significant problems
SCALE_LABELS = {0: "No problems", 1: "Some problems", 2: "Significant problems"}
YES_NO = (0, 2)  # a yes/no item scores 0 or 2
YES_NO_LABELS = {0: "No", 2: "Yes"}


class ItemKind(StrEnum):
    SCALE = "scale"
    YES_NO = "yes_no"


class Severity(StrEnum):
    """A section's need: none, standard or severe; unscored for the two sections that are never a need."""

    NO_NEED = "no_need"
    STANDARD = "standard"
    SEVERE = "severe"
    UNSCORED = "unscored"


SEVERITY_LABELS = {
    Severity.NO_NEED: "Not a need",
    Severity.STANDARD: "Need",
    Severity.SEVERE: "Severe need",
    Severity.UNSCORED: "Not scored",
}


@dataclass(frozen=True)
class Item:
    code: str  # the OASys question number, e.g. "3.4"
    question: str
    kind: ItemKind = ItemKind.SCALE
    # An item answered for what it tells (the tier's women's factors read 6.9) but not part of the section score.
    scored: bool = True

    @property
    def key(self) -> str:
        return "q" + self.code.replace(".", "_")

    @property
    def values(self) -> tuple[int, ...]:
        return SCALE if self.kind == ItemKind.SCALE else YES_NO

    @property
    def labels(self) -> dict[int, str]:
        return SCALE_LABELS if self.kind == ItemKind.SCALE else YES_NO_LABELS


@dataclass(frozen=True)
class Section:
    key: str
    number: int
    title: str
    items: tuple[Item, ...]
    # The score at which the section is a need and a severe need; None for a section never scored as a need.
    threshold: int | None = None
    severe_threshold: int | None = None
    # The change points a standard need scores in the tier calculation (a severe one scores twice as many).
    change_weight: int = 1

    @property
    def scored(self) -> bool:
        return self.threshold is not None

    @property
    def maximum(self) -> int:
        return sum(max(item.values) for item in self.items if item.scored)


OFFENCE_ANALYSIS = Section(
    key="offence_analysis", number=2, title="Offence analysis", items=(), change_weight=0
)
HEALTH = Section(key="health", number=13, title="Health and other considerations", items=(), change_weight=0)

SECTIONS: tuple[Section, ...] = (
    OFFENCE_ANALYSIS,
    Section(
        key="accommodation",
        number=3,
        title="Accommodation",
        items=(
            Item("3.3", "Currently of no fixed abode or in transient accommodation", ItemKind.YES_NO),
            Item("3.4", "Suitability of accommodation"),
            Item("3.5", "Permanence of accommodation"),
            Item("3.6", "Suitability of the location of the accommodation"),
        ),
        threshold=2,
        severe_threshold=7,
    ),
    Section(
        key="ete",
        number=4,
        title="Education, training and employability",
        items=(
            Item("4.2", "Unemployed, or will be on release", ItemKind.YES_NO),
            Item("4.3", "Employment history"),
            Item("4.4", "Work-related skills"),
            Item("4.5", "Attitude to employment"),
            Item("4.7", "Problems with reading, writing or numeracy"),
            Item("4.10", "Attitude to education and training"),
        ),
        threshold=3,
        severe_threshold=7,
    ),
    Section(
        key="finance",
        number=5,
        title="Financial management and income",
        items=(
            Item("5.2", "Financial situation"),
            Item("5.3", "Relies on others or on illegitimate income"),
            Item("5.5", "Manages money"),
        ),
        change_weight=0,
    ),
    Section(
        key="relationships",
        number=6,
        title="Relationships",
        items=(
            Item("6.1", "Current relationship with close family"),
            Item("6.3", "Experience of childhood"),
            Item("6.4", "Current relationship with a partner"),
            Item("6.7", "Perpetrator of domestic abuse", ItemKind.YES_NO),
            Item("6.9", "Has parenting responsibilities", ItemKind.YES_NO, scored=False),
        ),
        threshold=2,
        severe_threshold=5,
    ),
    Section(
        key="lifestyle",
        number=7,
        title="Lifestyle and associates",
        items=(
            Item("7.2", "Regular activities encourage offending"),
            Item("7.3", "Easily influenced by criminal associates"),
            Item("7.4", "Manipulative or predatory lifestyle"),
            Item("7.5", "Reckless and risk-taking behaviour"),
        ),
        threshold=2,
        severe_threshold=5,
    ),
    Section(
        key="drugs",
        number=8,
        title="Drug misuse",
        items=(
            Item("8.4", "Current drug use"),
            Item("8.5", "Level of use of the main drug"),
            Item("8.6", "Has ever injected drugs", ItemKind.YES_NO),
            Item("8.8", "Motivation to tackle drug misuse"),
            Item("8.9", "Drug use and obtaining drugs a major activity"),
        ),
        threshold=2,
        severe_threshold=8,
    ),
    Section(
        key="alcohol",
        number=9,
        title="Alcohol misuse",
        items=(
            Item("9.1", "Current use of alcohol a problem"),
            Item("9.2", "Binge drinking or excessive use in the last six months"),
            Item("9.3", "Frequency and level of alcohol misuse in the past"),
            Item("9.5", "Violent behaviour related to alcohol use"),
            Item("9.6", "Motivation to tackle alcohol misuse"),
        ),
        threshold=4,
        severe_threshold=7,
    ),
    Section(
        key="wellbeing",
        number=10,
        title="Emotional wellbeing",
        items=(
            Item("10.1", "Difficulties coping"),
            Item("10.2", "Current psychological problems or depression"),
            Item("10.3", "Social isolation"),
            Item("10.6", "Current psychiatric treatment or treatment pending", ItemKind.YES_NO),
        ),
        change_weight=0,
    ),
    Section(
        key="thinking",
        number=11,
        title="Thinking and behaviour",
        items=(
            Item("11.2", "Impulsivity"),
            Item("11.3", "Aggressive or controlling behaviour"),
            Item("11.4", "Temper control"),
            Item("11.5", "Ability to recognise problems"),
            Item("11.6", "Problem-solving skills"),
            Item("11.7", "Awareness of consequences"),
        ),
        threshold=4,
        severe_threshold=7,
        change_weight=2,
    ),
    Section(
        key="attitudes",
        number=12,
        title="Attitudes",
        items=(
            Item("12.1", "Pro-criminal attitudes"),
            Item("12.3", "Attitude towards supervision or licence"),
            Item("12.4", "Attitude towards the community or society"),
            Item("12.5", "Understands their motivation for offending"),
            Item("12.8", "Motivation to address offending behaviour"),
        ),
        threshold=2,
        severe_threshold=7,
        change_weight=2,
    ),
    HEALTH,
)

BY_KEY: dict[str, Section] = {section.key: section for section in SECTIONS}
NEED_SECTIONS = tuple(s for s in SECTIONS if s.items)  # the sections whose items are answered

# Items the tier calculation reads for the women's additional factors.
PARENTING_ITEM = "6.9"
IMPULSIVITY_ITEM = "11.2"
TEMPER_ITEM = "11.4"


class AnswerError(ValueError):
    """An answer the section cannot score; ``field`` names the item (its form field), ``message`` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def section(key: str) -> Section:
    """The section called ``key``; ``AnswerError`` for one that does not exist."""
    try:
        return BY_KEY[key]
    except KeyError:
        raise AnswerError("section", f"There is no assessment section called {key!r}") from None


def check_answers(sec: Section, answers: Mapping[str, int | None], *, complete: bool) -> dict[str, int]:
    """The answers of one section, checked: each on its item's scale, and (``complete``) every item answered.

    ``answers`` is keyed by item code; an unknown code or a value off the scale raises ``AnswerError`` naming
    the item. Unanswered items are left out of the result.
    """
    known = {item.code: item for item in sec.items}
    for code in answers:
        if code not in known:
            raise AnswerError("q" + code.replace(".", "_"), f"{sec.title} has no question {code}")
    checked: dict[str, int] = {}
    for code, item in known.items():
        value = answers.get(code)
        if value is None:
            if complete:
                raise AnswerError(item.key, f"Answer {item.code}: {item.question.lower()}")
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value not in item.values:
            allowed = " or ".join(f"{v} ({item.labels[v].lower()})" for v in item.values)
            raise AnswerError(item.key, f"{item.code} {item.question.lower()}: the answer must be {allowed}")
        checked[code] = value
    return checked


def section_score(sec: Section, answers: Mapping[str, int | None]) -> int:
    """The section's score: the sum of its answered scored items (each checked against its scale)."""
    scored = {item.code for item in sec.items if item.scored}
    return sum(v for code, v in check_answers(sec, answers, complete=False).items() if code in scored)


def severity(sec: Section, score: int) -> Severity:
    """Whether a section with this score is a criminogenic need, and how severe."""
    if sec.threshold is None or sec.severe_threshold is None:
        return Severity.UNSCORED
    if score >= sec.severe_threshold:
        return Severity.SEVERE
    if score >= sec.threshold:
        return Severity.STANDARD
    return Severity.NO_NEED
