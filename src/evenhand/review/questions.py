"""The published question sets, as data: what a reviewer answers, version by version.

The case set follows the inspectorate's ASPIRE cycle as its 2025 dynamic inspection asks it (HMIP "inspection
questions" page): numbered key questions for assessment, planning, implementation and delivery, and reviewing,
each with prompts, including the prompts on diversity the 2019 refresh added. The decision sets (enforcement,
recall, allocation, pre-sentence report) are Evenhand's own, written in the same shape.

A published version is never changed: a change is a new entry with the next version number (the loader in
``services.load_question_sets`` refuses a version whose text differs from the one stored). Plain Python with
no Django import, so the data migration that loads it reads exactly this module.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PromptSpec:
    letter: str
    text: str
    diversity: bool = False


@dataclass(frozen=True)
class KeyQuestionSpec:
    number: str
    stage: str  # a models.Stage value
    text: str
    prompts: tuple[PromptSpec, ...]


@dataclass(frozen=True)
class Bands:
    """Rating bands as the lowest share (%) of sufficient answers each rating needs; below the last, inadequate.

    The inspectorate's bands are stated here as the anchor gives them (unverified: 80% and over outstanding,
    65-79% good, 50-64% requires improvement, under 50% inadequate). A set may state its own.
    """

    outstanding: float = 80.0
    good: float = 65.0
    requires_improvement: float = 50.0


@dataclass(frozen=True)
class QuestionSetSpec:
    kind: str  # a models.SetKind value
    version: int
    title: str
    published_on: str  # ISO date
    key_questions: tuple[KeyQuestionSpec, ...]
    bands: Bands = field(default_factory=Bands)


def _p(letter: str, text: str, diversity: bool = False) -> PromptSpec:
    return PromptSpec(letter=letter, text=text, diversity=diversity)


DIVERSITY_ANALYSIS = "Does it analyse the person's diversity factors and their experience of discrimination?"

CASE_V1 = QuestionSetSpec(
    kind="case",
    version=1,
    title="Case supervision (ASPIRE), version 1",
    published_on="2026-12-01",
    key_questions=(
        KeyQuestionSpec(
            "C1",
            "assessment",
            "Does assessment focus sufficiently on engaging the person on probation?",
            (
                _p("a", "Does it involve the person meaningfully and take their views into account?"),
                _p("b", "Does it analyse the person's motivation and readiness to engage and comply?"),
                _p("c", DIVERSITY_ANALYSIS, diversity=True),
                _p(
                    "d",
                    "Does it consider the person's personal circumstances, including family and social context?",
                ),
            ),
        ),
        KeyQuestionSpec(
            "C2",
            "assessment",
            "Does assessment focus sufficiently on the factors linked to offending and desistance?",
            (
                _p("a", "Does it identify and analyse the factors linked to offending?"),
                _p("b", "Does it identify the person's strengths and protective factors?"),
                _p("c", "Does it draw on the available sources of information?"),
                _p(
                    "d",
                    "Does it consider how the person's diversity and experience of discrimination bear on "
                    "offending and desistance?",
                    diversity=True,
                ),
            ),
        ),
        KeyQuestionSpec(
            "C3",
            "assessment",
            "Does assessment focus sufficiently on keeping other people safe?",
            (
                _p("a", "Does it identify and analyse the risk of harm to others?"),
                _p("b", "Does it draw on sources including past behaviour and other agencies?"),
                _p("c", "Does it analyse the risks to actual and potential victims?"),
            ),
        ),
        KeyQuestionSpec(
            "C4",
            "planning",
            "Does planning focus sufficiently on engaging the person on probation?",
            (
                _p("a", "Does it involve the person meaningfully in planning?"),
                _p(
                    "b",
                    "Does it take the person's diversity factors, experience of discrimination and "
                    "circumstances into account?",
                    diversity=True,
                ),
                _p("c", "Does it set a sequence and timescales that suit the person?"),
            ),
        ),
        KeyQuestionSpec(
            "C5",
            "planning",
            "Does planning focus sufficiently on reducing reoffending and supporting desistance?",
            (
                _p("a", "Does it set out the services most likely to reduce reoffending?"),
                _p("b", "Does it build on the person's strengths and protective factors?"),
                _p("c", "Does it take account of the person's readiness and motivation to change?"),
            ),
        ),
        KeyQuestionSpec(
            "C6",
            "planning",
            "Does planning focus sufficiently on keeping other people safe?",
            (
                _p("a", "Does it prioritise the critical factors for risk of harm?"),
                _p("b", "Does it set out constructive and restrictive interventions?"),
                _p("c", "Does it link to the work of other agencies?"),
                _p("d", "Does it set out contingency plans?"),
            ),
        ),
        KeyQuestionSpec(
            "C7",
            "delivery",
            "Is the sentence implemented effectively with a focus on engaging the person on probation?",
            (
                _p("a", "Is a good working relationship built with the person?"),
                _p(
                    "b",
                    "Is delivery adapted to the person's diversity factors and circumstances, with reasonable "
                    "adjustments made?",
                    diversity=True,
                ),
                _p(
                    "c", "Is non-compliance responded to appropriately, and enforcement used proportionately?"
                ),
            ),
        ),
        KeyQuestionSpec(
            "C8",
            "delivery",
            "Does implementation and delivery effectively support desistance?",
            (
                _p("a", "Are the services most likely to reduce reoffending delivered?"),
                _p("b", "Is delivery coordinated with other agencies?"),
                _p("c", "Does delivery build on the person's strengths and links to the community?"),
            ),
        ),
        KeyQuestionSpec(
            "C9",
            "delivery",
            "Does implementation and delivery effectively support the safety of other people?",
            (
                _p("a", "Are the level and nature of contact enough to manage the risk of harm?"),
                _p("b", "Are home visits made where they should be?"),
                _p("c", "Is information shared with other agencies where it should be?"),
            ),
        ),
        KeyQuestionSpec(
            "C10",
            "reviewing",
            "Does reviewing focus sufficiently on supporting compliance and engagement?",
            (
                _p("a", "Does it identify and address changes in the factors linked to compliance?"),
                _p("b", "Does it involve the person meaningfully?"),
                _p(
                    "c",
                    "Does it reconsider the person's diversity factors and any experience of discrimination?",
                    diversity=True,
                ),
            ),
        ),
        KeyQuestionSpec(
            "C11",
            "reviewing",
            "Does reviewing focus sufficiently on supporting desistance?",
            (
                _p("a", "Does it identify and address changes in the factors linked to offending?"),
                _p("b", "Does it lead to changes to the plan where progress calls for them?"),
            ),
        ),
        KeyQuestionSpec(
            "C12",
            "reviewing",
            "Does reviewing focus sufficiently on keeping other people safe?",
            (
                _p("a", "Are changes in the risk of harm identified and responded to?"),
                _p("b", "Does it use information from other agencies?"),
                _p("c", "Is there a written review where one is required?"),
            ),
        ),
    ),
)

ENFORCEMENT_V1 = QuestionSetSpec(
    kind="enforcement",
    version=1,
    title="Enforcement decision, version 1",
    published_on="2026-12-01",
    key_questions=(
        KeyQuestionSpec(
            "E1",
            "decision",
            "Was the rule's proposal followed, or a departure from it well reasoned?",
            (
                _p("a", "Was the rule's proposal followed, or the departure reasoned and recorded?"),
                _p("b", "Did the person deciding have the authority to decide?"),
            ),
        ),
        KeyQuestionSpec(
            "E2",
            "decision",
            "Were the person's circumstances considered?",
            (
                _p("a", "Was the reason the person gave considered?"),
                _p(
                    "b",
                    "Were the person's diversity factors, caring responsibilities, disability and experience "
                    "of discrimination considered?",
                    diversity=True,
                ),
                _p("c", "Was the likely effect on the person's engagement considered?"),
            ),
        ),
        KeyQuestionSpec(
            "E3",
            "decision",
            "Was the decision timely?",
            (
                _p("a", "Was it made within the time the standard allows?"),
                _p("b", "Was the person told of the outcome?"),
            ),
        ),
    ),
)

RECALL_V1 = QuestionSetSpec(
    kind="recall",
    version=1,
    title="Recall decision, version 1",
    published_on="2026-12-01",
    key_questions=(
        KeyQuestionSpec(
            "R1",
            "decision",
            "Was the decision to recall, or not to recall, defensible?",
            (
                _p("a", "Was the risk information analysed?"),
                _p("b", "Were alternatives to recall considered?"),
                _p(
                    "c",
                    "Where the decision after risk information was not to recall, was it reasoned and endorsed "
                    "by a manager?",
                ),
            ),
        ),
        KeyQuestionSpec(
            "R2",
            "decision",
            "Were the person's circumstances considered?",
            (
                _p("a", DIVERSITY_ANALYSIS, diversity=True),
                _p("b", "Was the effect on accommodation, work and family considered?"),
            ),
        ),
        KeyQuestionSpec(
            "R3",
            "decision",
            "Was the decision timely for the urgency of the risk?",
            (_p("a", "Was it made within the time the recall's urgency allows?"),),
        ),
    ),
)

ALLOCATION_V1 = QuestionSetSpec(
    kind="allocation",
    version=1,
    title="Allocation, version 1",
    published_on="2026-12-01",
    key_questions=(
        KeyQuestionSpec(
            "A1",
            "decision",
            "Did the allocation follow the grade rule?",
            (_p("a", "Was the case allocated to a grade that may hold it, or the exception reasoned?"),),
        ),
        KeyQuestionSpec(
            "A2",
            "decision",
            "Was the practitioner's capacity considered?",
            (
                _p("a", "Was the practitioner's capacity at the time shown and considered?"),
                _p("b", "Was continuity with a previous practitioner considered?"),
            ),
        ),
        KeyQuestionSpec(
            "A3",
            "decision",
            "For a sensitive case, was there a recorded consultation before allocation?",
            (
                _p(
                    "a",
                    "For a racially motivated or otherwise sensitive case, was the practitioner consulted and "
                    "the discussion recorded before the case was allocated?",
                    diversity=True,
                ),
            ),
        ),
    ),
)

REPORT_V1 = QuestionSetSpec(
    kind="report",
    version=1,
    title="Pre-sentence report, version 1",
    published_on="2026-12-01",
    key_questions=(
        KeyQuestionSpec(
            "P1",
            "assessment",
            "Does the report consider the person's diversity sufficiently?",
            (
                _p("a", "Does it analyse the person's diversity factors?", diversity=True),
                _p(
                    "b",
                    "Does it consider the person's experience of discrimination, including by the justice system?",
                    diversity=True,
                ),
                _p("c", "Does it draw on the person's own account and the equality information form?"),
            ),
        ),
        KeyQuestionSpec(
            "P2",
            "assessment",
            "Does the report analyse the risk of harm sufficiently?",
            (
                _p("a", "Does it analyse the risk of harm to children, the public, known adults and staff?"),
                _p("b", "Does it draw on sources including past behaviour and other agencies?"),
            ),
        ),
        KeyQuestionSpec(
            "P3",
            "planning",
            "Is the proposal reasoned?",
            (
                _p("a", "Does the proposal follow from the analysis of the offence, needs and risk?"),
                _p("b", "Are alternatives considered?"),
                _p(
                    "c", "Where custody is possible, is its impact on the person and their family considered?"
                ),
            ),
        ),
    ),
)

QUESTION_SETS: tuple[QuestionSetSpec, ...] = (CASE_V1, ENFORCEMENT_V1, RECALL_V1, ALLOCATION_V1, REPORT_V1)
