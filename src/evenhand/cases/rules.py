"""The enforcement rules: what is proposed after an unacceptable failure to comply, and which decisions and
outcomes each kind of sentence allows.

Plain functions over plain values (a sentence type, local calendar dates), with no database: the services in
:mod:`evenhand.cases.services.enforcement` read the records and ask these functions, and the synthetic
generator asks the same ones, so the data it makes follows the rules the service applies.

The rules (after the probation national standards and the Sentencing Act 2020, schedule 10):

* community and suspended sentence orders: the first unacceptable failure to comply is met with a warning; a
  further unacceptable failure within 12 months of a warning calls for breach action in court;
* post-sentence supervision is enforced the same way, through the magistrates' court (it cannot be recalled);
* licences: an unacceptable failure calls for recall to be considered.

"Within 12 months" is counted in local calendar dates: a warning given on 1 June 2023 counts for a failure on
31 May 2024 but not for one on 1 June 2024. A warning counts only if it was given before the failure (a
"standing" warning) and has not been corrected into something else; finding it is the caller's part.

Each rule that the generator applies to many failures at once has a NumPy companion over arrays
(``…_many``), tested to agree with the scalar rule.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from evenhand.core.dates import years_after
from evenhand.core.formatting import date_text

from .models import RECALLS, Decision, DecisionOutcome, SentenceType

ALLOWED_DECISIONS: dict[str, tuple[Decision, ...]] = {
    SentenceType.COMMUNITY_ORDER: (Decision.WARNING, Decision.BREACH, Decision.NO_FURTHER_ACTION),
    SentenceType.SUSPENDED_SENTENCE_ORDER: (Decision.WARNING, Decision.BREACH, Decision.NO_FURTHER_ACTION),
    SentenceType.POST_SENTENCE_SUPERVISION: (Decision.WARNING, Decision.BREACH, Decision.NO_FURTHER_ACTION),
    SentenceType.LICENCE: (
        Decision.WARNING,
        *RECALLS,
        Decision.INCREASED_CONTACT,
        Decision.LICENCE_VARIATION,
        Decision.NO_FURTHER_ACTION,
    ),
    # Before release the prison enforces; probation records no enforcement decision on a custody sentence.
    SentenceType.CUSTODY: (),
}
# Sentences on which a failure calls for recall to be considered rather than a warning or breach.
RECALLABLE: tuple[SentenceType, ...] = (SentenceType.LICENCE,)
# A warning, an increase in contact, a licence variation or "no further action" answers a particular failure
# (or risk information), so it must name what it answers. Breach and recall may also follow something else (a
# further offence, rising risk), explained in the rationale.
NEEDS_TRIGGER: tuple[Decision, ...] = (
    Decision.WARNING,
    Decision.INCREASED_CONTACT,
    Decision.LICENCE_VARIATION,
    Decision.NO_FURTHER_ACTION,
)
OUTCOMES_OF: dict[str, tuple[DecisionOutcome, ...]] = {
    Decision.BREACH: (
        DecisionOutcome.BREACH_PROVEN,
        DecisionOutcome.BREACH_NOT_PROVEN,
        DecisionOutcome.BREACH_WITHDRAWN,
    ),
    **{recall: (DecisionOutcome.RECALL_APPROVED, DecisionOutcome.RECALL_REJECTED) for recall in RECALLS},
}


@dataclass(frozen=True)
class Proposal:
    """The decision the rules call for, and the reason in words a practitioner would use."""

    decision: Decision
    reason: str


# --- the decisions a sentence allows ---------------------------------------------------------------------


def is_allowed(sentence_type: str, decision: str) -> bool:
    """Whether ``decision`` may be recorded on a sentence of ``sentence_type``."""
    return decision in ALLOWED_DECISIONS[sentence_type]


def needs_trigger(decision: str) -> bool:
    """Whether ``decision`` must name the failure (or failures) it answers."""
    return decision in NEEDS_TRIGGER


def outcome_applies(decision: str, outcome: str) -> bool:
    """Whether ``outcome`` can be what became of ``decision`` (breach proven, recall approved and so on)."""
    return outcome in OUTCOMES_OF.get(decision, ())


# --- the 12-month window -----------------------------------------------------------------------------------


def one_year_before(day: dt.date) -> dt.date:
    """The same date a year earlier; 29 February goes back to 28 February."""
    return years_after(day, -1)


def warning_window_opens_on(failure_on: dt.date) -> dt.date:
    """The first local date on which a warning still counts for a failure on ``failure_on``: the day after the
    same date a year earlier (1 June 2023 for a failure on 31 May 2024)."""
    return one_year_before(failure_on) + dt.timedelta(days=1)


def warning_counts(warning_on: dt.date | None, failure_on: dt.date) -> bool:
    """Whether a warning given (before the failure) on ``warning_on`` is within 12 months of a failure on
    ``failure_on``; ``None`` (no warning) never counts."""
    return warning_on is not None and warning_on >= warning_window_opens_on(failure_on)


# --- the proposal ------------------------------------------------------------------------------------------


def proposed_decision(
    sentence_type: str, *, failure_on: dt.date, last_warning_on: dt.date | None
) -> Decision:
    """The decision due after an unacceptable failure on ``failure_on`` (a local date) on a sentence of
    ``sentence_type``, given the local date of the latest standing warning on that sentence (``None`` if
    there is none): recall on a licence, breach after a warning within 12 months, otherwise a warning."""
    if not ALLOWED_DECISIONS.get(sentence_type):
        raise ValueError(f"not a sentence type with enforcement decisions: {sentence_type!r}")
    if sentence_type in RECALLABLE:
        return Decision.RECALL_STANDARD
    if warning_counts(last_warning_on, failure_on):
        return Decision.BREACH
    return Decision.WARNING


def propose(sentence_type: str, *, failure_on: dt.date, last_warning_on: dt.date | None) -> Proposal:
    """:func:`proposed_decision` with the reason a practitioner reads beside it."""
    decision = proposed_decision(sentence_type, failure_on=failure_on, last_warning_on=last_warning_on)
    if decision in RECALLS:
        return Proposal(
            decision,
            "An unacceptable failure to comply with licence conditions: consider whether recall is needed "
            "to manage risk, or record why a warning or no further action is enough.",
        )
    if decision == Decision.BREACH:
        assert last_warning_on is not None
        return Proposal(
            decision,
            f"A further unacceptable failure within 12 months of the warning given on "
            f"{date_text(last_warning_on)}: breach action is due unless there are exceptional reasons, which "
            f"the rationale must give.",
        )
    return Proposal(decision, "The first unacceptable failure to comply in 12 months: a warning is due.")


# --- the same, over arrays (for the synthetic generator) ------------------------------------------------


def one_year_before_many(days: NDArray[np.datetime64]) -> NDArray[np.datetime64]:
    """:func:`one_year_before` of each date (``datetime64[D]``)."""
    days = np.asarray(days, dtype="datetime64[D]")
    month = days.astype("datetime64[M]")
    day_of_month = days - month.astype("datetime64[D]")
    earlier = month - 12
    # 29 February in a year without one: the last day of that February.
    last_day = (earlier + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    return np.minimum(earlier.astype("datetime64[D]") + day_of_month, last_day)


def warning_window_opens_on_many(failure_on: NDArray[np.datetime64]) -> NDArray[np.datetime64]:
    """:func:`warning_window_opens_on` of each failure date (``datetime64[D]``)."""
    return one_year_before_many(failure_on) + np.timedelta64(1, "D")


def warning_counts_many(
    warning_on: NDArray[np.datetime64], failure_on: NDArray[np.datetime64]
) -> NDArray[np.bool_]:
    """:func:`warning_counts` of each pair; a ``NaT`` warning date is no warning."""
    warning_on = np.asarray(warning_on, dtype="datetime64[D]")
    return ~np.isnat(warning_on) & (warning_on >= warning_window_opens_on_many(failure_on))


def proposed_decisions_many(
    sentence_types: NDArray[np.str_],
    failure_on: NDArray[np.datetime64],
    last_warning_on: NDArray[np.datetime64],
) -> NDArray[np.str_]:
    """:func:`proposed_decision` of each failure, as an array of decision values."""
    sentence_types = np.asarray(sentence_types)
    unknown = ~np.isin(sentence_types, list(ALLOWED_DECISIONS))
    if unknown.any():
        raise ValueError(f"not a sentence type: {str(sentence_types[unknown][0])!r}")
    return np.select(
        [np.isin(sentence_types, RECALLABLE), warning_counts_many(last_warning_on, failure_on)],
        [Decision.RECALL_STANDARD.value, Decision.BREACH.value],
        default=Decision.WARNING.value,
    )
