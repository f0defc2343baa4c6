"""The enforcement rules as plain functions: no database, no records, only sentence types and local dates.

The services' use of them (finding the standing warning, corrections, time zones) is tested in
test_enforcement.py; here are the rules themselves, their 12-month window to the day, and the NumPy companions
agreeing with them.
"""

import ast
import datetime as dt
import inspect

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from evenhand.cases import rules
from evenhand.cases.models import RECALLS, Decision, DecisionOutcome, SentenceType
from evenhand.cases.services import enforcement
from evenhand.core import dates as core_dates
from evenhand.core import formatting as core_formatting

D = dt.date
OUT_OF_COURT = [
    SentenceType.COMMUNITY_ORDER,
    SentenceType.SUSPENDED_SENTENCE_ORDER,
    SentenceType.POST_SENTENCE_SUPERVISION,
]
DATES = st.dates(min_value=D(1999, 1, 1), max_value=D(2101, 12, 31))


def day64(day: dt.date | None) -> np.datetime64:
    return np.datetime64("NaT", "D") if day is None else np.datetime64(day, "D")


# --- the 12-month window -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "before"),
    [
        (D(2024, 5, 31), D(2023, 5, 31)),
        (D(2024, 1, 1), D(2023, 1, 1)),
        (D(2024, 12, 31), D(2023, 12, 31)),
        (D(2024, 2, 29), D(2023, 2, 28)),  # no 29 February in 2023
        (D(2024, 2, 28), D(2023, 2, 28)),
        (D(2024, 3, 1), D(2023, 3, 1)),
        (D(2025, 2, 28), D(2024, 2, 28)),
        (D(2025, 3, 1), D(2024, 3, 1)),
        (D(2000, 2, 29), D(1999, 2, 28)),
    ],
)
def test_one_year_before(day: dt.date, before: dt.date) -> None:
    assert rules.one_year_before(day) == before


@pytest.mark.parametrize(
    ("failure_on", "opens_on"),
    [
        (D(2024, 5, 31), D(2023, 6, 1)),
        (D(2024, 6, 1), D(2023, 6, 2)),
        (D(2024, 1, 1), D(2023, 1, 2)),
        (D(2024, 2, 29), D(2023, 3, 1)),  # 28 February 2023, the day after
        (D(2024, 3, 1), D(2023, 3, 2)),
        (D(2025, 2, 28), D(2024, 2, 29)),  # the window can open on a 29 February
        (D(2025, 3, 1), D(2024, 3, 2)),
        (D(2023, 12, 31), D(2023, 1, 1)),
    ],
)
def test_the_window_opens_the_day_after_the_same_date_a_year_before(
    failure_on: dt.date, opens_on: dt.date
) -> None:
    assert rules.warning_window_opens_on(failure_on) == opens_on


@pytest.mark.parametrize(
    ("warning_on", "failure_on", "counts"),
    [
        (D(2023, 6, 1), D(2024, 5, 31), True),  # the example the rules give
        (D(2023, 6, 1), D(2024, 6, 1), False),
        (D(2023, 5, 31), D(2024, 5, 31), False),
        (D(2024, 5, 31), D(2024, 5, 31), True),  # earlier the same day
        (D(2024, 2, 29), D(2025, 2, 28), True),
        (D(2024, 2, 29), D(2025, 3, 1), False),
        (D(2024, 2, 28), D(2025, 2, 28), False),
        (D(2023, 3, 1), D(2024, 2, 29), True),
        (D(2023, 2, 28), D(2024, 2, 29), False),
        (D(2024, 3, 1), D(2025, 2, 28), True),
        (None, D(2024, 5, 31), False),
    ],
)
def test_a_warning_counts_for_12_months_in_calendar_dates(
    warning_on: dt.date | None, failure_on: dt.date, counts: bool
) -> None:
    assert rules.warning_counts(warning_on, failure_on) is counts


@given(failure_on=DATES)
def test_the_window_holds_365_or_366_days(failure_on: dt.date) -> None:
    days = (failure_on - rules.warning_window_opens_on(failure_on)).days + 1
    assert days in (365, 366)


# --- the proposal, for each kind of sentence ---------------------------------------------------------------


@pytest.mark.parametrize("sentence_type", OUT_OF_COURT)
def test_on_an_order_or_pss_a_first_failure_calls_for_a_warning(sentence_type: str) -> None:
    proposal = rules.propose(sentence_type, failure_on=D(2024, 5, 1), last_warning_on=None)
    assert proposal.decision == Decision.WARNING
    assert "a warning is due" in proposal.reason


@pytest.mark.parametrize("sentence_type", OUT_OF_COURT)
def test_on_an_order_or_pss_a_failure_within_12_months_of_a_warning_calls_for_breach(
    sentence_type: str,
) -> None:
    proposal = rules.propose(sentence_type, failure_on=D(2025, 5, 1), last_warning_on=D(2024, 5, 2))
    assert proposal.decision == Decision.BREACH
    # The warning it relies on, written the GOV.UK way.
    assert "within 12 months of the warning given on 2 May 2024:" in proposal.reason


@pytest.mark.parametrize("sentence_type", OUT_OF_COURT)
def test_on_an_order_or_pss_a_warning_more_than_12_months_before_calls_for_a_warning_again(
    sentence_type: str,
) -> None:
    assert (
        rules.proposed_decision(sentence_type, failure_on=D(2025, 5, 2), last_warning_on=D(2024, 5, 2))
        == Decision.WARNING
    )
    assert (
        rules.proposed_decision(sentence_type, failure_on=D(2025, 5, 1), last_warning_on=D(2024, 5, 2))
        == Decision.BREACH
    )


@pytest.mark.parametrize("last_warning_on", [None, D(2024, 4, 1), D(2020, 1, 1)])
def test_on_licence_recall_is_considered_whatever_the_warnings(last_warning_on: dt.date | None) -> None:
    proposal = rules.propose(SentenceType.LICENCE, failure_on=D(2024, 5, 1), last_warning_on=last_warning_on)
    assert proposal.decision == Decision.RECALL_STANDARD
    assert "consider whether recall is needed" in proposal.reason


@pytest.mark.parametrize("sentence_type", ["XX", "CUS"])
def test_an_unknown_sentence_type_or_custody_is_refused(sentence_type: str) -> None:
    """Custody has no enforcement decisions (the prison enforces before release)."""
    with pytest.raises(
        ValueError, match=f"not a sentence type with enforcement decisions: '{sentence_type}'"
    ):
        rules.proposed_decision(sentence_type, failure_on=D(2024, 5, 1), last_warning_on=None)


@given(
    sentence_type=st.sampled_from([t for t in SentenceType if rules.ALLOWED_DECISIONS[t]]),
    failure_on=DATES,
    last_warning_on=st.none() | DATES,
)
def test_the_proposal_is_always_a_decision_the_sentence_allows(
    sentence_type: str, failure_on: dt.date, last_warning_on: dt.date | None
) -> None:
    proposal = rules.propose(sentence_type, failure_on=failure_on, last_warning_on=last_warning_on)
    assert rules.is_allowed(sentence_type, proposal.decision)
    assert proposal.reason


# --- what each sentence allows, and what needs a trigger or an outcome ---------------------------------


@pytest.mark.parametrize(
    ("sentence_type", "allowed"),
    [
        (SentenceType.COMMUNITY_ORDER, {Decision.WARNING, Decision.BREACH, Decision.NO_FURTHER_ACTION}),
        (
            SentenceType.SUSPENDED_SENTENCE_ORDER,
            {Decision.WARNING, Decision.BREACH, Decision.NO_FURTHER_ACTION},
        ),
        # Post-sentence supervision is enforced in the magistrates' court: it cannot be recalled.
        (
            SentenceType.POST_SENTENCE_SUPERVISION,
            {Decision.WARNING, Decision.BREACH, Decision.NO_FURTHER_ACTION},
        ),
        (
            SentenceType.LICENCE,
            {
                Decision.WARNING,
                *RECALLS,
                Decision.INCREASED_CONTACT,
                Decision.LICENCE_VARIATION,
                Decision.NO_FURTHER_ACTION,
            },
        ),
    ],
)
def test_the_decisions_each_sentence_allows(sentence_type: str, allowed: set[str]) -> None:
    assert {d for d in Decision if rules.is_allowed(sentence_type, d)} == allowed
    assert set(rules.ALLOWED_DECISIONS[sentence_type]) == allowed


def test_every_sentence_type_has_its_rules() -> None:
    assert set(rules.ALLOWED_DECISIONS) == set(SentenceType)


def test_a_warning_or_no_further_action_must_name_the_failure_it_answers() -> None:
    # More contact and a licence variation answer something too (a failure, or risk information).
    assert {d for d in Decision if rules.needs_trigger(d)} == {
        Decision.WARNING,
        Decision.INCREASED_CONTACT,
        Decision.LICENCE_VARIATION,
        Decision.NO_FURTHER_ACTION,
    }


@pytest.mark.parametrize(
    ("decision", "outcomes"),
    [
        (
            Decision.BREACH,
            {
                DecisionOutcome.BREACH_PROVEN,
                DecisionOutcome.BREACH_NOT_PROVEN,
                DecisionOutcome.BREACH_WITHDRAWN,
            },
        ),
        *[(recall, {DecisionOutcome.RECALL_APPROVED, DecisionOutcome.RECALL_REJECTED}) for recall in RECALLS],
        (Decision.WARNING, set()),
        (Decision.NO_FURTHER_ACTION, set()),
    ],
)
def test_the_outcomes_each_decision_can_have(decision: str, outcomes: set[str]) -> None:
    assert {o for o in DecisionOutcome if rules.outcome_applies(decision, o)} == outcomes


# --- the NumPy companions agree with the rules ------------------------------------------------------------


def test_one_year_before_many_agrees_on_every_day_of_three_decades() -> None:
    days = [D(2000, 1, 1) + dt.timedelta(days=k) for k in range(366 * 30)]
    expected = np.array([rules.one_year_before(day) for day in days], dtype="datetime64[D]")
    assert (rules.one_year_before_many(np.array(days, dtype="datetime64[D]")) == expected).all()


@given(failure_on=st.lists(DATES, min_size=1, max_size=50))
def test_the_window_many_agrees(failure_on: list[dt.date]) -> None:
    expected = np.array([rules.warning_window_opens_on(day) for day in failure_on], dtype="datetime64[D]")
    opens = rules.warning_window_opens_on_many(np.array(failure_on, dtype="datetime64[D]"))
    assert (opens == expected).all()


CASES = st.lists(
    st.tuples(
        st.sampled_from([t.value for t in SentenceType if rules.ALLOWED_DECISIONS[t]]),
        DATES,
        st.none() | DATES,
    ),
    min_size=1,
    max_size=50,
)


@given(cases=CASES)
def test_the_proposals_many_agree(cases: list[tuple[str, dt.date, dt.date | None]]) -> None:
    types = np.array([t for t, _, _ in cases])
    failures = np.array([day64(f) for _, f, _ in cases])
    warnings = np.array([day64(w) for _, _, w in cases])
    expected = [rules.proposed_decision(t, failure_on=f, last_warning_on=w) for t, f, w in cases]
    assert rules.proposed_decisions_many(types, failures, warnings).tolist() == [d.value for d in expected]
    assert rules.warning_counts_many(warnings, failures).tolist() == [
        rules.warning_counts(w, f) for _, f, w in cases
    ]


def test_the_many_proposals_at_the_window_edges() -> None:
    cases = [
        (SentenceType.COMMUNITY_ORDER, D(2024, 5, 31), D(2023, 6, 1), Decision.BREACH),
        (SentenceType.COMMUNITY_ORDER, D(2024, 6, 1), D(2023, 6, 1), Decision.WARNING),
        (SentenceType.SUSPENDED_SENTENCE_ORDER, D(2025, 2, 28), D(2024, 2, 29), Decision.BREACH),
        (SentenceType.POST_SENTENCE_SUPERVISION, D(2024, 2, 29), D(2023, 2, 28), Decision.WARNING),
        (SentenceType.POST_SENTENCE_SUPERVISION, D(2024, 2, 29), None, Decision.WARNING),
        (SentenceType.LICENCE, D(2024, 2, 29), None, Decision.RECALL_STANDARD),
    ]
    proposed = rules.proposed_decisions_many(
        np.array([c[0] for c in cases]),
        np.array([day64(c[1]) for c in cases]),
        np.array([day64(c[2]) for c in cases]),
    )
    assert proposed.tolist() == [c[3].value for c in cases]


def test_the_many_proposals_refuse_an_unknown_sentence_type() -> None:
    with pytest.raises(ValueError, match="not a sentence type: 'XX'"):
        rules.proposed_decisions_many(
            np.array(["CO", "XX"]), np.array([day64(D(2024, 1, 1))] * 2), np.array([day64(None)] * 2)
        )


# --- a module of plain rules ---------------------------------------------------------------------------------


def test_the_rules_module_reads_no_database() -> None:
    tree = ast.parse(inspect.getsource(rules))
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    assert not any(name.startswith("django") for name in imported), imported
    assert imported <= {
        "datetime",
        "dataclasses",
        "numpy",
        "numpy.typing",
        "evenhand.core.dates",
        "evenhand.core.formatting",
        "models",
    }
    # The two core modules it uses are plain Python too.
    for module in (core_dates, core_formatting):
        assert "django" not in inspect.getsource(module)


def test_the_service_module_still_offers_the_rules_under_their_old_names() -> None:
    assert enforcement.ALLOWED_DECISIONS is rules.ALLOWED_DECISIONS
    assert enforcement.OUTCOMES_OF is rules.OUTCOMES_OF
    assert enforcement.NEEDS_TRIGGER is rules.NEEDS_TRIGGER
    assert enforcement.Proposal is rules.Proposal
    assert enforcement.one_year_before is rules.one_year_before
