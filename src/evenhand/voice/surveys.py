"""The anonymous staff survey: one response per person, never linked to the person (ADR 0008).

A signed-in member of staff takes a one-time token for a survey, once. Two rows are written apart: who has
taken a token (``SurveyTokenIssue``: survey and staff member, nothing else) and the token's keyed hash
(``SurveyToken``: survey, hash, spent or not). The token is shown once and never stored. The respondent
answers on a page under ``/voice/`` (no session, no log line), giving the token; the response is written and
the token spent in one transaction. The response row holds the answers, the survey and the respondent's own
optional ethnic group, grade and region: no staff member, session, token, date or time.

Results are published only once the survey has closed, by ethnic group, grade and region, through the shared
disclosure machinery: counts of 1 to 9 are suppressed with secondary suppression, and the auditor attacks the
table before it is shown.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from statsmodels.stats.proportion import proportion_confint

from evenhand.disclosure import CellSystem, Key, Protection, Rules, protect
from evenhand.disclosure.rules import SUPPRESSED as SUPPRESSED_TEXT
from evenhand.org.models import Grade, Region, StaffMember

from . import crypto
from .models import (
    AGREES_FROM,
    Survey,
    SurveyEthnicGroup,
    SurveyResponse,
    SurveyToken,
    SurveyTokenIssue,
)

# The minimum cell: counts of 1 to 9 are never published, and stay open 10 either side (ADR 0006's rules).
RULES = Rules(threshold=10, lower=10, upper=10)
NOT_GIVEN = "not_given"

# A token: 20 characters from 32 that cannot be mistaken for one another (no 0, O, 1, I), so 100 bits.
TOKEN_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TOKEN_LENGTH = 20
TOKEN_REFUSED = "This token is not valid for this survey, or it has already been used"
TOKEN_MALFORMED = (
    "Enter your token as it was shown to you: 20 letters and numbers, like ABCDE-FGHJK-LMNPQ-RSTUV"
)


def today() -> dt.date:
    return timezone.localdate()


def is_open(survey: Survey, on: dt.date | None = None) -> bool:
    day = on or today()
    return survey.opens_on <= day <= survey.closes_on


def is_closed(survey: Survey, on: dt.date | None = None) -> bool:
    return (on or today()) > survey.closes_on


def new_token() -> str:
    raw = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
    return "-".join(raw[i : i + 5] for i in range(0, TOKEN_LENGTH, 5))


def normalise_token(token: str) -> str | None:
    """The token in its canonical form (upper case, groups of 5), or None when it cannot be one."""
    raw = "".join(token.split()).replace("-", "").upper()
    if len(raw) != TOKEN_LENGTH or any(c not in TOKEN_ALPHABET for c in raw):
        return None
    return "-".join(raw[i : i + 5] for i in range(0, TOKEN_LENGTH, 5))


# --- services -----------------------------------------------------------------------------------------------


@transaction.atomic
def create_survey(*, title: str, opens_on: dt.date, closes_on: dt.date) -> Survey:
    """A new survey with the standard questions, open from ``opens_on`` to ``closes_on``."""
    survey = Survey(title=title.strip(), opens_on=opens_on, closes_on=closes_on, created_on=today())
    survey.full_clean()
    survey.save()
    return survey


# Who answers: the probation service's own staff. Inspectors (HM Inspectorate of Probation) are outside the
# service: the survey asks the inspectorate's questions of the service's staff, and an inspector's answers
# would be counted as the staff's. They read the results when a survey closes, like everyone else.
NOT_RESPONDENTS = (Grade.INSPECTOR,)
NOT_A_RESPONDENT = (
    "The staff survey is for the probation service's own staff, so inspectors do not take part. You can read"
    " the results when the survey closes."
)


def may_take_part(staff: StaffMember) -> bool:
    return staff.grade not in NOT_RESPONDENTS


@transaction.atomic
def issue_token(*, survey: Survey, staff: StaffMember) -> str:
    """A one-time token for ``staff`` to answer ``survey`` with, once per person per survey. The token is
    returned to be shown once; only its keyed hash is stored, in a row that does not name the staff member.
    Refused to inspectors (``NOT_RESPONDENTS``)."""
    if not may_take_part(staff):
        raise ValidationError(NOT_A_RESPONDENT)
    if not is_open(survey):
        raise ValidationError("This survey is not open")
    try:
        with transaction.atomic():
            SurveyTokenIssue.objects.create(survey=survey, staff=staff)
    except IntegrityError:
        raise ValidationError(
            "You have already taken your token for this survey. Each person can answer once; a lost token "
            "cannot be replaced, because nobody knows which token was yours."
        ) from None
    token = new_token()
    SurveyToken.objects.create(survey=survey, tag=crypto.survey_token_tag(token))
    return token


def _agreement(name: str, value: object, *, optional: bool) -> int | None:
    if value in (None, ""):
        if optional:
            return None
        raise ValidationError({name: "Choose an answer from strongly disagree to strongly agree"})
    try:
        number = int(str(value))
    except ValueError:
        number = 0
    if not 1 <= number <= 5:
        raise ValidationError({name: "Choose an answer from strongly disagree to strongly agree"})
    return number


@transaction.atomic
def submit_response(
    *,
    survey: Survey,
    token: str,
    answers: Mapping[str, object],
    ethnic_group: str = "",
    grade: str = "",
    region: Region | None = None,
) -> None:
    """Record one response and spend its token, together or not at all. Refused, with nothing written, for a
    closed survey, an answer out of range, or a token that is not valid for the survey or already spent (one
    message for both: it says nothing about other people's tokens). Returns nothing: the response's id is not
    for the respondent to keep."""
    if not is_open(survey):
        raise ValidationError("This survey is not open")
    canonical = normalise_token(token)
    if canonical is None:
        raise ValidationError({"token": TOKEN_MALFORMED})
    values = {
        name: _agreement(name, answers.get(name), optional=name in SurveyResponse.OPTIONAL)
        for name in SurveyResponse.QUESTIONS
    }
    if ethnic_group not in ("", *SurveyEthnicGroup.values):
        raise ValidationError({"ethnic_group": "Choose an ethnic group from the list, or leave it out"})
    if grade not in ("", *Grade.values):
        raise ValidationError({"grade": "Choose a grade from the list, or leave it out"})
    response = SurveyResponse(survey=survey, ethnic_group=ethnic_group, grade=grade, region=region, **values)
    response.full_clean()
    # Spending is one conditional update: two submissions racing with one token cannot both spend it.
    spent = SurveyToken.objects.filter(
        survey=survey, tag=crypto.survey_token_tag(canonical), spent=False
    ).update(spent=True)
    if spent != 1:
        raise ValidationError({"token": TOKEN_REFUSED})
    response.save()


# --- selectors ----------------------------------------------------------------------------------------------


def surveys() -> list[Survey]:
    """Every survey, newest first."""
    return list(Survey.objects.all())


def survey_by_id(survey_id: int) -> Survey | None:
    return Survey.objects.filter(pk=survey_id).first()


def has_token(survey: Survey, staff: StaffMember) -> bool:
    """Whether ``staff`` has taken their token for ``survey`` (not whether they answered: nobody knows that)."""
    return SurveyTokenIssue.objects.filter(survey=survey, staff=staff).exists()


def regions() -> list[Region]:
    return list(Region.objects.order_by("name"))


def region_by_code(code: str) -> Region | None:
    return Region.objects.filter(code=code).first() if code else None


QUESTION_LABELS: dict[str, str] = {
    name: str(getattr(SurveyResponse._meta.get_field(name), "verbose_name", name))
    for name in SurveyResponse.QUESTIONS
}


@dataclass(frozen=True)
class ResultRow:
    label: str
    responses: str
    agreeing: str
    percent: str
    interval: str


@dataclass(frozen=True)
class Breakdown:
    title: str
    rows: tuple[ResultRow, ...]


@dataclass(frozen=True)
class QuestionResult:
    name: str
    question: str
    breakdowns: tuple[Breakdown, ...]


@dataclass(frozen=True)
class SurveyResults:
    survey: Survey
    responses: str
    questions: tuple[QuestionResult, ...]
    protection: Protection
    method: str


def dimensions(region_list: list[Region]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(name, title, [(level, label)]) for each breakdown; every level is shown, zeros too."""
    return [
        ("all", "All respondents", [("all", "All respondents")]),
        (
            "ethnic_group",
            "By ethnic group",
            [*SurveyEthnicGroup.choices, (NOT_GIVEN, "Not given")],
        ),
        ("grade", "By grade", [*Grade.choices, (NOT_GIVEN, "Not given")]),
        ("region", "By region", [*((r.code, r.name) for r in region_list), (NOT_GIVEN, "Not given")]),
    ]


def _count_key(question: str, dimension: str, level: str) -> Key:
    # A question everyone answers counts the respondents: one cell shared by those questions' tables.
    if question in SurveyResponse.OPTIONAL:
        return ("n", question, dimension, level)
    return ("responses", dimension, level)


def survey_cells(
    rows: list[dict[str, object]], region_list: list[Region]
) -> tuple[CellSystem, list[tuple[str, str, list[tuple[str, str]]]]]:
    """The results as one system of cells: per question and breakdown level, the people answering, those
    agreeing, and (implied, never published) those not agreeing; with the levels of each breakdown adding up
    to the whole."""
    dims = dimensions(region_list)
    system = CellSystem()
    added: set[tuple[Key, str]] = set()

    def level_of(row: dict[str, object], dimension: str) -> str:
        if dimension == "all":
            return "all"
        value = row[dimension]
        return str(value) if value not in (None, "") else NOT_GIVEN

    for question in SurveyResponse.QUESTIONS:
        counts: dict[tuple[str, str], list[int]] = {}
        for row in rows:
            answer = row[question]
            if answer is None:
                continue
            agrees = int(str(answer)) >= AGREES_FROM
            for dimension, _, _ in dims:
                tally = counts.setdefault((dimension, level_of(row, dimension)), [0, 0])
                tally[0] += 1
                tally[1] += int(agrees)
        for dimension, _, levels in dims:
            for level, _ in levels:
                n, agree = counts.get((dimension, level), [0, 0])
                count = _count_key(question, dimension, level)
                system.cell(count, n)
                system.cell(("agree", question, dimension, level), agree)
                system.cell(("not_agree", question, dimension, level), n - agree, implied=True)
                system.add(
                    count,
                    [("agree", question, dimension, level), ("not_agree", question, dimension, level)],
                    name=f"{question} {dimension} {level}: agreeing and not",
                )
            if dimension == "all":
                continue
            whole = _count_key(question, "all", "all")
            if (whole, dimension) not in added:
                added.add((whole, dimension))
                system.add(whole, [_count_key(question, dimension, level) for level, _ in levels])
            system.add(
                ("agree", question, "all", "all"),
                [("agree", question, dimension, level) for level, _ in levels],
            )
    return system, dims


def _shown(protection: Protection, key: Key) -> str | None:
    if protection.is_hidden(key):
        return None
    return str(protection.cells.values[protection.cells.index[key]])


def survey_results(survey: Survey) -> SurveyResults | None:
    """The results of a closed survey, protected and audited; None while it is open (see ``Survey``).
    Raises ``disclosure.DisclosureError`` rather than show a table the auditor could break."""
    if not is_closed(survey):
        return None
    rows = list(
        SurveyResponse.objects.filter(survey=survey).values(
            *SurveyResponse.QUESTIONS, "ethnic_group", "grade", "region__code"
        )
    )
    for row in rows:
        row["region"] = row.pop("region__code")
    region_list = regions()
    system, dims = survey_cells(rows, region_list)
    protection = protect(system.freeze(), RULES)
    questions = []
    for question in SurveyResponse.QUESTIONS:
        breakdowns = []
        for dimension, title, levels in dims:
            result_rows = []
            for level, label in levels:
                n = _shown(protection, _count_key(question, dimension, level))
                agree = _shown(protection, ("agree", question, dimension, level))
                percent = interval = SUPPRESSED_TEXT
                if n is not None and agree is not None:
                    if int(n) == 0:
                        percent = interval = "no answers"
                    else:
                        low, high = proportion_confint(int(agree), int(n), alpha=0.05, method="wilson")
                        percent = f"{100 * int(agree) / int(n):.0f}%"
                        interval = f"{100 * low:.0f}% to {100 * high:.0f}%"
                result_rows.append(
                    ResultRow(
                        label=label,
                        responses=n if n is not None else SUPPRESSED_TEXT,
                        agreeing=agree if agree is not None else SUPPRESSED_TEXT,
                        percent=percent,
                        interval=interval,
                    )
                )
            breakdowns.append(Breakdown(title=title, rows=tuple(result_rows)))
        questions.append(
            QuestionResult(name=question, question=QUESTION_LABELS[question], breakdowns=tuple(breakdowns))
        )
    total = _shown(protection, ("responses", "all", "all"))
    return SurveyResults(
        survey=survey,
        responses=total if total is not None else SUPPRESSED_TEXT,
        questions=tuple(questions),
        protection=protection,
        method=protection.audit.summary(),
    )
