"""Recall on risk information, and rescheduled appointments with who asked and why, for the synthetic service
(issue 13).

Risk information: people on licence are the subject of information from outside their appointments (the
police, a partner agency, their own disclosure, the public) at about ``INFORMATION_PER_LICENCE_YEAR`` pieces a
licence-year of supervision in the period. Each is recorded with its source, reliability and urgency (about
``EMERGENCY_SHARE`` of them an emergency) and the deadline the service sets (the end of the day for an
emergency, ``RECALL_DECISION_HOURS`` otherwise; ``decision_deadline``). Most are decided on time, some late,
and some of those received in the last four weeks of the period still wait for a decision. The decision is recall (about
40%, more for an emergency or a high risk of serious harm, moved by any declared ``recall`` bias like the
decisions after failures) or not: a warning, more contact, a licence variation or no further action, each of
which a senior probation officer (or, where the SPO decided, the head of PDU) endorses with their own reasons
within a few days, some endorsements still pending at the end. An approved recall ends the licence, as a
recall after a failure does, and nothing more is learned about that licence after a recall.

Rescheduled appointments: the generator's rescheduled outcomes are given who asked (the person, the
practitioner or the service) and why, recorded before the appointment, and an appointment booked in their
place a few working days later (pointing back at them), as ``reschedule_appointment`` books one; where no
working day is left in the sentence, the appointment is cancelled instead.

``draw`` runs inside ``CaseloadBuilder.build`` after the enforcement decisions (an approved recall ends the
licence before the contacts, allocations and referrals are cut to it); ``tables`` runs after ``build`` and
returns the rows. Both draw from a random stream of their own, derived from the PDU's, so the rest of the
PDU's data is drawn as it was.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings

from evenhand.cases.models import RECALLS, Decision, DecisionOutcome, TerminationReason

from . import params
from .tables import Table, as_dates, as_datetimes

DAY = 86_400
HOUR = 3600

INFORMATION_PER_LICENCE_YEAR = 0.45
EMERGENCY_SHARE = 0.15
# The chance the information is answered with recall, before a high risk of serious harm and any bias.
RECALL_IF_EMERGENCY = 0.68
RECALL_IF_STANDARD = 0.33
RECALL_ROSH_HIGH_BONUS = 0.5  # on the logit scale
LATE_DECISION_SHARE = 0.08
AWAITING_DAYS, AWAITING_SHARE = 28, 0.3
ENDORSEMENT_PENDING_SHARE = 0.05
ENDORSEMENT_DAYS = (0, 4)
# A standard recall is standard or fixed-term; an emergency is decided as an emergency recall.
STANDARD_RECALL_TYPES = {Decision.RECALL_STANDARD: 0.65, Decision.RECALL_FIXED_TERM: 0.35}
NOT_RECALL = {
    Decision.WARNING: 0.35,
    Decision.INCREASED_CONTACT: 0.35,
    Decision.LICENCE_VARIATION: 0.10,
    Decision.NO_FURTHER_ACTION: 0.20,
}
SOURCES: dict[str, tuple[float, list[str]]] = {
    "police": (
        0.45,
        ["Local police neighbourhood team", "Police domestic abuse unit", "Police intelligence"],
    ),
    "partner_agency": (0.25, ["Children's social care", "Housing provider", "Drug and alcohol service"]),
    "self_disclosure": (0.10, [""]),
    "public": (0.08, [""]),
    "other": (0.12, ["Approved premises staff", "Hospital ward staff", "Victim liaison officer"]),
}
SUMMARIES = {
    "police": [
        "Arrested on suspicion of a further offence; released under investigation.",
        "Seen with a co-defendant the licence forbids contact with.",
        "Police called to the address after a reported argument with a partner.",
    ],
    "partner_agency": [
        "Missed two key-work sessions and reported to be using again.",
        "Reported to have had contact with a child against the licence conditions.",
        "Lost the tenancy after rent arrears; whereabouts not confirmed.",
    ],
    "self_disclosure": [
        "Disclosed a relapse into drug use over the weekend.",
        "Said they had been in the exclusion zone to visit family.",
    ],
    "public": [
        "A neighbour reported threats made to them in the street.",
        "A caller reported seeing them near the victim's home.",
    ],
    "other": [
        "Returned to the approved premises after curfew, intoxicated.",
        "Reported making threats to staff while in hospital.",
    ],
}
RELIABILITY = {"confirmed": 0.35, "likely": 0.35, "not_confirmed": 0.22, "doubtful": 0.08}
RATIONALES = {
    "recall": "The information shows the risk can no longer be safely managed in the community under the licence "
    "conditions; recall requested.",
    Decision.WARNING: "The information is of concern but the risk can be managed in the community; a formal warning "
    "is given and the licence conditions explained again.",
    Decision.INCREASED_CONTACT: "Risk raised but manageable: reporting increased to twice weekly and a home visit "
    "booked, with police liaison.",
    Decision.LICENCE_VARIATION: "A licence variation is requested to add a condition that addresses the risk "
    "the information shows.",
    Decision.NO_FURTHER_ACTION: "The information could not be substantiated and nothing else points to rising "
    "risk; no further action, reviewed at supervision.",
}
ENDORSEMENTS = [
    "Agree that the risk can be managed in the community on the plan recorded; reviewed with the practitioner.",
    "Endorsed: the information was checked with the police and the risk management plan covers it.",
]

CHANGE_REQUESTED = {"person": 0.55, "practitioner": 0.25, "service": 0.20}
CHANGE_REASONS = {
    "person": [
        "Has a hospital appointment at that time.",
        "Starting a new job that week and asked for a later time.",
        "Childcare fell through; asked to come in later in the week.",
        "Attending a job interview arranged through the employment service.",
    ],
    "practitioner": [
        "Practitioner on a training course that day.",
        "Practitioner at court for another case.",
        "Moved to join the drug treatment key worker's session.",
    ],
    "service": [
        "Office closed for building works.",
        "Staff absence: no cover for the appointment.",
        "The unpaid work project was closed for the day by the provider.",
    ],
}
RESCHEDULE_DAYS = (2, 9)  # how many days later the new appointment is booked


def _choice(rng: np.random.Generator, shares: dict[Any, float], size: int) -> np.ndarray:
    keys = list(shares)
    weights = np.array([shares[k] for k in keys], dtype=float)
    return np.array([str(k) for k in keys])[rng.choice(len(keys), size=size, p=weights / weights.sum())]


def _own_rng(rng: np.random.Generator, key: int) -> np.random.Generator:
    """A stream of its own, from the PDU's seed and ``key``, that leaves the PDU's stream as it was."""
    seq = rng.bit_generator.seed_seq
    assert isinstance(seq, np.random.SeedSequence)  # a generator made from a seed, as the generator's are
    return np.random.default_rng(
        np.random.SeedSequence(entropy=seq.entropy, spawn_key=(*seq.spawn_key, 0x5EC0, key))
    )


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


@dataclass
class Drawn:
    """The risk information of one PDU and what was decided on it, by row (the sentence's row in the PDU)."""

    row: np.ndarray
    day: np.ndarray
    received_at: np.ndarray  # UTC seconds
    emergency: np.ndarray
    decided: np.ndarray  # whether a decision was made by the end
    decided_day: np.ndarray
    decided_at: np.ndarray
    decision: np.ndarray
    outcome: np.ndarray  # "" for none
    outcome_day: np.ndarray
    allocated: np.ndarray
    allocated_from: np.ndarray
    practitioner: np.ndarray
    termination: np.ndarray  # the PDU's, shared: final when the tables are written
    rng: np.random.Generator


def draw(
    builder: Any,
    *,
    kind: np.ndarray,
    rosh: np.ndarray,
    allocated: np.ndarray,
    allocated_from: np.ndarray,
    practitioner: np.ndarray,
    termination: np.ndarray,
    reason: np.ndarray,
) -> None:
    """Draw the risk information on the PDU's licences and the decisions on it; an approved recall ends the
    licence (``termination`` and ``reason``, as the enforcement on failures does). Kept on ``builder``."""
    rng = _own_rng(builder.rng, 1)
    period, s = builder.period, builder.sentence
    last_day = builder.last_outcome_day
    licences = np.flatnonzero(kind == "LIC")
    first = np.maximum(s["start"][licences], period.start_day)
    ends = np.where(termination[licences] >= 0, termination[licences], s["expected_end"][licences])
    # A licence that ends before the period does leaves a few days for the decision on its last information.
    last = np.where(ends < last_day, ends - 4, last_day)
    exposure = np.maximum(last - first + 1, 0)
    count = rng.poisson(INFORMATION_PER_LICENCE_YEAR * exposure / 365.25)
    row = np.repeat(licences, count)
    n = len(row)
    day = np.repeat(first, count) + (rng.random(n) * np.repeat(exposure, count)).astype(np.int64)
    seconds = rng.integers(9 * HOUR, 17 * HOUR, n)
    order = np.lexsort((seconds, day, row))
    row, day, seconds = row[order], day[order], seconds[order]
    received_at = builder.local.utc(day, seconds)
    emergency = rng.random(n) < EMERGENCY_SHARE

    # When it was decided: an emergency the same day, a standard one within the deadline, some late.
    late = rng.random(n) < LATE_DECISION_SHARE
    same_day = emergency | (rng.random(n) < 0.5)
    decided_day = np.where(same_day, day, day + 1)
    decided_seconds = np.where(
        same_day,
        np.minimum(seconds + rng.integers(HOUR // 2, 6 * HOUR, n), 23 * HOUR),
        rng.integers(9 * HOUR, seconds + 1),  # the next day, by the time it came in
    )
    decided_day = np.where(late, day + rng.integers(2, 5, n), decided_day)
    decided_seconds = np.where(late, rng.integers(9 * HOUR, 17 * HOUR, n), decided_seconds)
    decided_at = builder.local.utc(decided_day, decided_seconds)
    # Some of the last weeks' information still waits for a decision at the end (overdue on the manager's list).
    awaiting = (day > last_day - AWAITING_DAYS) & (rng.random(n) < AWAITING_SHARE)
    decided = (decided_day <= last_day) & ~awaiting

    # Recall or not: the baseline with the risk of serious harm, moved by any declared recall bias.
    high = np.isin(rosh[row], ["H", "V"])
    p0 = _expit(
        _logit(np.where(emergency, RECALL_IF_EMERGENCY, RECALL_IF_STANDARD)) + RECALL_ROSH_HIGH_BONUS * high
    )
    month = period.month(decided_day)
    p1 = _expit(_logit(p0) + np.log(builder.bias_for("recall", month, row)))
    recall = rng.random(n) < p1
    decision = np.where(
        emergency,
        Decision.RECALL_EMERGENCY.value,
        _choice(rng, STANDARD_RECALL_TYPES, n),
    )
    decision = np.where(recall, decision, _choice(rng, NOT_RECALL, n))
    approved = rng.random(n) < params.RECALL_APPROVED

    # Nothing more is learned on a licence after a recall is decided on it.
    keep = np.ones(n, bool)
    outcome = np.full(n, "", dtype="<U20")
    outcome_day = decided_day + 1
    recalled: set[int] = set()
    # The latest decision on each licence's information so far (a late one can come after a later piece's).
    latest: dict[int, int] = {}
    for i in range(n):
        r = int(row[i])
        if r in recalled:
            keep[i] = False
            continue
        if not decided[i]:
            continue
        latest[r] = max(latest.get(r, -1), int(decided_day[i]))
        if not recall[i]:
            continue
        recalled.add(r)
        if outcome_day[i] > last_day:
            continue
        if not approved[i]:
            outcome[i] = DecisionOutcome.RECALL_REJECTED.value
            continue
        # An approved recall ends the licence, unless it has already ended or another decision (on a failure,
        # or late on earlier information) came after it (then the outcome is left to be recorded).
        if termination[r] >= 0 or outcome_day[i] <= max(builder.last_decision[r], latest[r]):
            continue
        if outcome_day[i] > s["expected_end"][r]:
            continue
        outcome[i] = DecisionOutcome.RECALL_APPROVED.value
        termination[r], reason[r] = int(outcome_day[i]), TerminationReason.RECALLED.value

    counted = keep & decided & (decided_day >= period.start_day)
    builder.truth.add("recall", builder.p, builder.person["group"][row[counted]], p0[counted], p1[counted])
    builder.information = Drawn(
        row=row[keep],
        day=day[keep],
        received_at=received_at[keep],
        emergency=emergency[keep],
        decided=decided[keep],
        decided_day=decided_day[keep],
        decided_at=decided_at[keep],
        decision=decision[keep],
        outcome=outcome[keep],
        outcome_day=outcome_day[keep],
        allocated=allocated,
        allocated_from=allocated_from,
        practitioner=practitioner,
        termination=termination,
        rng=rng,
    )


def _staff_on(builder: Any, drawn: Drawn, row: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Who recorded or decided on a day: the practitioner holding the case, the SPO before it was allocated."""
    if len(row) == 0:
        return np.zeros(0, dtype=np.int64)
    held = drawn.allocated[row] & (day >= drawn.allocated_from[row])
    who = builder.org.spo_of(drawn.practitioner[row])
    if held.any():
        who[held] = builder.holder_at(row[held], day[held])
    return who


def tables(builder: Any, built: list[Table]) -> list[Table]:
    """The PDU's risk information, its decisions, endorsements and outcomes, and the appointments booked in place
    of the rescheduled ones (whose reasons are filled in on ``built``'s contacts)."""
    drawn: Drawn = builder.information
    return [*_information_tables(builder, drawn), *_rescheduled(builder, drawn.rng, built)]


def _information_tables(builder: Any, drawn: Drawn) -> list[Table]:
    rng, org, p = drawn.rng, builder.org, builder.p
    n = len(drawn.row)
    if n == 0:
        return []
    person_id, sentence_id = builder.person["id"][drawn.row], builder.sentence["id"][drawn.row]
    source = _choice(rng, {k: v[0] for k, v in SOURCES.items()}, n)
    detail = np.array(
        [SOURCES[s][1][k % len(SOURCES[s][1])] for s, k in zip(source, rng.integers(0, 6, n), strict=True)]
    )
    summary = np.array(
        [SUMMARIES[s][k % len(SUMMARIES[s])] for s, k in zip(source, rng.integers(0, 6, n), strict=True)]
    )
    hours = settings.RECALL_DECISION_HOURS
    # An emergency: the local midnight that ends the day (at the day's own offset: clocks change at 1am).
    due = np.where(
        drawn.emergency,
        builder.local.utc(drawn.day, np.zeros(n, dtype=np.int64)) + DAY,
        drawn.received_at + hours * HOUR,
    )
    recorder = _staff_on(builder, drawn, drawn.row, drawn.day)
    information_id = builder.ids.take("cases_riskinformation", n)
    out = [
        Table(
            "cases_riskinformation",
            {
                "id": information_id,
                "person_id": person_id,
                "sentence_id": sentence_id,
                "source": source,
                "source_detail": detail,
                "summary": summary,
                "received_at": as_datetimes(drawn.received_at),
                "reliability": _choice(rng, RELIABILITY, n),
                "urgency": np.where(drawn.emergency, "emergency", "standard"),
                "recall_considered": np.ones(n, bool),
                "decision_due_at": as_datetimes(due),
                "recorded_by_id": recorder,
                "recorded_at": as_datetimes(drawn.received_at + rng.integers(10 * 60, 2 * HOUR, n)),
            },
        )
    ]
    made = np.flatnonzero(drawn.decided)
    m = len(made)
    if m == 0:
        return out
    row, day = drawn.row[made], drawn.decided_day[made]
    decision = drawn.decision[made]
    decider = _staff_on(builder, drawn, row, day)
    decision_id = builder.ids.take("cases_enforcementdecision", m)
    is_recall = np.isin(decision, [d.value for d in RECALLS])
    out.append(
        Table(
            "cases_enforcementdecision",
            {
                "id": decision_id,
                "sentence_id": sentence_id[made],
                "decision": decision,
                "proposed": np.where(
                    drawn.emergency[made], Decision.RECALL_EMERGENCY.value, Decision.RECALL_STANDARD.value
                ),
                "rationale": np.array(
                    [RATIONALES["recall" if r else d] for d, r in zip(decision, is_recall, strict=True)]
                ),
                "decided_by_id": decider,
                "decided_at": as_datetimes(drawn.decided_at[made]),
                "corrects_id": np.zeros(m, dtype=np.int64),
                "risk_information_id": information_id[made],
            },
            nulls={"corrects_id": np.ones(m, bool)},
        )
    )
    # Endorsements of the decisions not to recall: the decider's SPO, or the head of PDU where the SPO decided.
    spo = org.spo_of(decider)
    heads = org.staff_ids[(org.staff_pdu == p) & (org.staff_grade == "HOPDU")]
    endorser = np.where(spo == decider, heads[0] if len(heads) else spo, spo)
    endorsed_day = day + rng.integers(ENDORSEMENT_DAYS[0], ENDORSEMENT_DAYS[1] + 1, m)
    endorsed_at = np.maximum(
        builder.local.utc(endorsed_day, rng.integers(9 * HOUR, 17 * HOUR, m)),
        drawn.decided_at[made] + rng.integers(HOUR // 2, 3 * HOUR, m),
    )
    end_of_last_day = (
        builder.local.utc(np.full(m, builder.last_outcome_day), np.zeros(m, dtype=np.int64)) + DAY
    )
    endorse = (
        ~is_recall
        & (endorsed_at < end_of_last_day)
        & (rng.random(m) >= ENDORSEMENT_PENDING_SHARE)
        & (endorser != decider)
    )
    k = int(endorse.sum())
    if k:
        out.append(
            Table(
                "cases_decisionendorsement",
                {
                    "id": builder.ids.take("cases_decisionendorsement", k),
                    "decision_id": decision_id[endorse],
                    "endorsed_by_id": endorser[endorse],
                    "endorsed_at": as_datetimes(endorsed_at[endorse]),
                    "rationale": np.array(ENDORSEMENTS)[rng.integers(0, len(ENDORSEMENTS), k)],
                },
            )
        )
    has_outcome = drawn.outcome[made] != ""
    k = int(has_outcome.sum())
    if k:
        outcome_day = drawn.outcome_day[made][has_outcome]
        out.append(
            Table(
                "cases_enforcementoutcome",
                {
                    "id": builder.ids.take("cases_enforcementoutcome", k),
                    "decision_id": decision_id[has_outcome],
                    "outcome": drawn.outcome[made][has_outcome],
                    "outcome_date": as_dates(outcome_day),
                    "recorded_by_id": _staff_on(builder, drawn, row[has_outcome], outcome_day),
                    "recorded_at": as_datetimes(builder.local.utc(outcome_day, np.full(k, 12 * HOUR))),
                },
            )
        )
    return out


def _rescheduled(builder: Any, rng: np.random.Generator, built: list[Table]) -> list[Table]:
    """Who asked for each rescheduled appointment and why (on the contacts as built), and the appointment
    booked in its place; cancelled instead where the sentence has no working day left for it."""
    contacts = next((t for t in built if t.name == "cases_contact"), None)
    if contacts is None or len(contacts) == 0:
        return []
    columns = contacts.columns
    outcome = np.asarray(columns["outcome"]).astype("<U20")
    n = len(outcome)
    moved = np.flatnonzero(outcome == "rescheduled")
    who = np.full(n, "", dtype="<U12")
    why = np.full(n, "", dtype=object)
    columns["change_requested_by"], columns["change_reason"] = who, why
    if len(moved) == 0:
        return []
    m = len(moved)
    who[moved] = _choice(rng, CHANGE_REQUESTED, m)
    why[moved] = [
        CHANGE_REASONS[w][k % len(CHANGE_REASONS[w])]
        for w, k in zip(who[moved], rng.integers(0, 12, m), strict=True)
    ]
    starts = np.asarray(columns["starts_at"]).astype("datetime64[s]").astype(np.int64)[moved]
    day = (starts + HOUR) // DAY  # appointments are in the working day, so this is the local date
    time_of_day = starts - builder.local.utc(day, np.zeros(m, dtype=np.int64))
    # Recorded a day or a few before the appointment, as rescheduling must be.
    changed_at = builder.local.utc(day - rng.integers(1, 6, m), rng.integers(9 * HOUR, 17 * HOUR, m))
    recorded = np.asarray(columns["outcome_recorded_at"]).copy()
    recorded[moved] = as_datetimes(changed_at)
    columns["outcome_recorded_at"] = recorded
    for name in ("created_at", "modified_at"):
        values = np.asarray(columns[name]).copy()
        values[moved] = as_datetimes(changed_at - 7 * DAY)
        columns[name] = values
    # The appointment booked in its place: a few days later, on a working day within the sentence.
    sentence_ids = builder.sentence["id"]
    row = np.searchsorted(sentence_ids, np.asarray(columns["sentence_id"])[moved])
    termination = builder.information.termination[row]
    last = np.where(termination >= 0, termination, builder.sentence["expected_end"][row])
    wanted = (day + rng.integers(*RESCHEDULE_DAYS, m)).astype("datetime64[D]")
    new_day = np.busday_offset(wanted, 0, roll="forward", holidays=builder.holidays).astype(np.int64)
    fits = new_day <= last
    outcome[moved[~fits]] = "cancelled"
    columns["outcome"] = outcome
    booked = moved[fits]
    k = len(booked)
    if k == 0:
        return []
    new_day, time_of_day, changed_at = new_day[fits], time_of_day[fits], changed_at[fits]
    new_starts = builder.local.utc(new_day, time_of_day)
    done = new_day <= builder.last_outcome_day
    outcome_at = new_starts + rng.integers(HOUR, 4 * HOUR, k)
    staff = builder.holder_at(row[fits], new_day)

    def same(name: str) -> np.ndarray:
        return np.asarray(columns[name])[booked]

    return [
        Table(
            "cases_contact",
            {
                "id": builder.ids.take("cases_contact", k),
                "created_at": as_datetimes(changed_at),
                "modified_at": as_datetimes(np.where(done, outcome_at, changed_at)),
                "person_id": same("person_id"),
                "sentence_id": same("sentence_id"),
                "type": same("type"),
                "starts_at": as_datetimes(new_starts),
                "location": same("location"),
                "outcome": np.where(done, "attended_complied", ""),
                "notes": np.where(done, "Rescheduled appointment: reviewed progress.", ""),
                "recorded_by_id": staff,
                "outcome_recorded_at": as_datetimes(outcome_at),
                "outcome_recorded_by_id": staff,
                "with_staff_id": staff,
                "mode": same("mode"),
                "duration_minutes": same("duration_minutes"),
                "change_requested_by": np.full(k, ""),
                "change_reason": np.full(k, ""),
                "rescheduled_from_id": same("id"),
            },
            nulls={"outcome_recorded_at": ~done, "outcome_recorded_by_id": ~done},
        )
    ]
