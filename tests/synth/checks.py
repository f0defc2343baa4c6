"""Checks that a loaded synthetic dataset obeys the rules the services enforce.

Each function returns a list of problems (empty when all is well) so a test can show the first few. They read the
database in a handful of queries and check in Python, so they run at ``pdu`` scale in seconds; ``full_clean_all``
is the slow one (several queries a row) and is meant for ``tiny``.
"""

import bisect
import datetime as dt
import itertools
from collections import defaultdict

import numpy as np
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from evenhand.cases import rules
from evenhand.cases.models import (
    COURT_ORDERS,
    NEXT_STATUSES,
    Allocation,
    AssessmentSummary,
    Contact,
    Decision,
    EnforcementDecision,
    EnforcementOutcome,
    Offence,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Requirement,
    RiskSummary,
    Sentence,
    SentenceType,
    needs_probation_officer,
)
from evenhand.cases.services import ALLOWED_DECISIONS, propose_enforcement
from evenhand.cases.services.enforcement import OUTCOMES_OF, RATIONALE_MIN_LENGTH
from evenhand.org.models import Grade, StaffMember
from evenhand.people.models import Person

CASEWORK_GRADES = (Grade.PSO, Grade.PO, Grade.SPO, Grade.HEAD_OF_PDU)


def full_clean_all(labels: tuple[str, ...] = ("org", "people", "cases")) -> list[str]:
    """``full_clean()`` on every row of every model of these apps: fields, choices, uniques, constraints."""
    problems = []
    for label in labels:
        for model in apps.get_app_config(label).get_models():
            for row in model._default_manager.order_by("pk").iterator(chunk_size=2000):
                try:
                    row.full_clean()
                except ValidationError as error:
                    problems.append(f"{model.__name__} {row.pk}: {error.message_dict}")
    return problems


class Staff:
    """Grade and PDU of every member of staff, loaded once."""

    def __init__(self) -> None:
        self.grade: dict[int, str] = {}
        self.pdu: dict[int, int | None] = {}
        for pk, grade, pdu in StaffMember.objects.values_list("pk", "grade", "team__pdu_id"):
            self.grade[pk], self.pdu[pk] = grade, pdu

    def can_record(self, staff_id: int | None, pdu_id: int) -> bool:
        """A casework grade in the person's PDU (``ensure_can_record`` for a record without access lists)."""
        return self.grade.get(staff_id) in CASEWORK_GRADES and self.pdu.get(staff_id) == pdu_id


def _sentences() -> dict[int, dict]:
    return {
        s["pk"]: s
        for s in Sentence.objects.values(
            "pk", "type", "start_date", "expected_end_date", "termination_date", "person_id", "person__pdu_id"
        )
    }


def _last_day(sentence: dict) -> dt.date:
    return sentence["termination_date"] or sentence["expected_end_date"]


def sentence_problems() -> list[str]:
    """One main offence each; requirements on court orders only, and at least one on a community order."""
    problems = []
    sentences = _sentences()
    main = defaultdict(int)
    for sentence_id, is_main in Offence.objects.values_list("sentence_id", "is_main"):
        main[sentence_id] += is_main
    requirements = defaultdict(int)
    for (sentence_id,) in Requirement.objects.values_list("sentence_id"):
        requirements[sentence_id] += 1
    for pk, s in sentences.items():
        if main[pk] != 1:
            problems.append(f"sentence {pk}: {main[pk]} main offences")
        if requirements[pk] and s["type"] not in COURT_ORDERS:
            problems.append(f"sentence {pk}: requirements on a {s['type']}")
        if s["type"] == SentenceType.COMMUNITY_ORDER and not requirements[pk]:
            problems.append(f"sentence {pk}: a community order with no requirement")
    return problems


def contact_window_problems() -> list[str]:
    """Every contact falls inside its sentence, in local dates, as ``record_contact`` requires."""
    problems = []
    sentences = _sentences()
    for pk, sentence_id, starts_at in Contact.objects.values_list("pk", "sentence_id", "starts_at").iterator(
        5000
    ):
        s = sentences[sentence_id]
        day = timezone.localdate(starts_at)
        if not s["start_date"] <= day <= _last_day(s):
            problems.append(
                f"contact {pk} on {day} outside sentence {sentence_id} ({s['start_date']} to {_last_day(s)})"
            )
    return problems


def contact_problems() -> list[str]:
    """Contacts are the sentence's person's; outcomes only in the past, recorded by someone who may record."""
    problems = []
    sentences, staff, now = _sentences(), Staff(), timezone.now()
    rows = Contact.objects.values_list(
        "pk", "sentence_id", "person_id", "starts_at", "outcome", "recorded_by_id", "outcome_recorded_by_id"
    )
    for pk, sentence_id, person_id, starts_at, outcome, recorded_by, outcome_by in rows.iterator(5000):
        s = sentences[sentence_id]
        if person_id != s["person_id"]:
            problems.append(f"contact {pk}: person is not the sentence's")
        if outcome and starts_at > now:
            problems.append(f"contact {pk}: an outcome for a future contact")
        for who in (recorded_by, outcome_by if outcome else recorded_by):
            if not staff.can_record(who, s["person__pdu_id"]):
                problems.append(f"contact {pk}: recorded by staff {who}, who cannot record for this person")
    return problems


def decision_problems() -> list[str]:
    """Each decision: the proposal the rules give for its failure, allowed for the sentence type, dated between
    the failure and the end of the sentence, with a rationale, by someone who may record; outcomes that fit."""
    problems = []
    staff = Staff()
    decisions = EnforcementDecision.objects.select_related("sentence__person").prefetch_related(
        "triggering_contacts"
    )
    for d in decisions.order_by("decided_at", "pk").iterator(500):
        contacts = list(d.triggering_contacts.all())
        if len(contacts) != 1:
            problems.append(f"decision {d.pk}: {len(contacts)} triggering contacts")
            continue
        contact = contacts[0]
        sentence = d.sentence
        proposal = propose_enforcement(contact)
        if proposal is None or proposal.decision != d.proposed:
            problems.append(
                f"decision {d.pk}: proposed {d.proposed!r}, the rules propose "
                f"{proposal.decision if proposal else None!r}"
            )
        if d.decision not in ALLOWED_DECISIONS[sentence.type]:
            problems.append(f"decision {d.pk}: {d.decision} is not allowed on a {sentence.type}")
        if contact.sentence_id != sentence.pk:
            problems.append(f"decision {d.pk}: its failure is on another sentence")
        if d.decided_at < contact.starts_at:
            problems.append(f"decision {d.pk}: decided before the failure it answers")
        if d.decided_at > timezone.now():
            problems.append(f"decision {d.pk}: decided in the future")
        if sentence.termination_date and timezone.localdate(d.decided_at) > sentence.termination_date:
            problems.append(
                f"decision {d.pk}: decided after the sentence ended ({sentence.termination_date})"
            )
        if len(d.rationale.strip()) < RATIONALE_MIN_LENGTH:
            problems.append(f"decision {d.pk}: rationale too short")
        if not staff.can_record(d.decided_by_id, sentence.person.pdu_id):
            problems.append(f"decision {d.pk}: decided by staff {d.decided_by_id}, who cannot record")
    for o in EnforcementOutcome.objects.select_related("decision"):
        if o.outcome not in OUTCOMES_OF.get(o.decision.decision, ()):
            problems.append(f"outcome {o.pk}: {o.outcome} does not apply to a {o.decision.decision}")
        if o.outcome_date < timezone.localdate(o.decision.decided_at):
            problems.append(f"outcome {o.pk}: before its decision")
        if o.outcome_date > timezone.localdate():
            problems.append(f"outcome {o.pk}: in the future")
    return problems


def proposal_problems() -> list[str]:
    """Every decision's proposal is what :mod:`evenhand.cases.rules` calls for, worked out from plain values
    (the sentence type, the failure's local date and the local date of the latest warning standing at it) in
    one call to the rules' array form, and every decision is one its sentence allows. ``decision_problems``
    checks the same through the service, one failure at a time."""
    problems = []
    warnings: dict[int, list[dt.datetime]] = defaultdict(list)
    for sentence_id, decided_at in (
        EnforcementDecision.objects.filter(decision=Decision.WARNING, corrected_by__isnull=True)
        .order_by("decided_at")
        .values_list("sentence_id", "decided_at")
    ):
        warnings[sentence_id].append(decided_at)
    rows = list(
        EnforcementDecision.objects.order_by("pk").values_list(
            "pk", "sentence_id", "sentence__type", "triggering_contacts__starts_at", "proposed", "decision"
        )
    )
    if not rows:
        return []
    last_warning_on = []
    for _, sentence_id, _, failure_at, _, _ in rows:
        given = warnings[sentence_id]
        standing = bisect.bisect_left(given, failure_at)  # warnings given before the failure
        last_warning_on.append(timezone.localdate(given[standing - 1]) if standing else None)
    expected = rules.proposed_decisions_many(
        np.array([row[2] for row in rows]),
        np.array([timezone.localdate(row[3]) for row in rows], dtype="datetime64[D]"),
        np.array(["NaT" if day is None else day for day in last_warning_on], dtype="datetime64[D]"),
    )
    for (pk, _, sentence_type, _, proposed, decision), due in zip(rows, expected.tolist(), strict=True):
        if proposed != due:
            problems.append(
                f"decision {pk}: proposed {proposed!r} on a {sentence_type}, the rules call for {due!r}"
            )
        if not rules.is_allowed(sentence_type, decision):
            problems.append(f"decision {pk}: {decision} is not allowed on a {sentence_type}")
    return problems


def allocation_problems() -> list[str]:
    """The grade rule, the person's PDU, one open allocation a sentence, consecutive allocations, allocated by a
    manager, within the sentence."""
    problems = []
    sentences, staff = _sentences(), Staff()
    risk: dict[int, tuple[str, int | None]] = {}
    # The latest summary by assessment date (then id) is the current one, as ``current_risk`` says.
    for person_id, rosh, mappa_level in RiskSummary.objects.order_by("assessed_on", "pk").values_list(
        "person_id", "rosh", "mappa_level"
    ):
        risk[person_id] = (rosh, mappa_level)
    by_sentence = defaultdict(list)
    for a in Allocation.objects.order_by("start_date", "pk").values():
        by_sentence[a["sentence_id"]].append(a)
    for sentence_id, allocations in by_sentence.items():
        s = sentences[sentence_id]
        rosh, mappa_level = risk.get(s["person_id"], (None, None))
        open_ones = [a for a in allocations if a["end_date"] is None]
        if len(open_ones) > 1:
            problems.append(f"sentence {sentence_id}: {len(open_ones)} open allocations")
        for a, after in zip(allocations, [*allocations[1:], None], strict=True):
            who = a["practitioner_id"]
            if staff.grade[who] not in (Grade.PSO, Grade.PO):
                problems.append(f"allocation {a['id']}: held by a {staff.grade[who]}")
            if needs_probation_officer(rosh, mappa_level) and staff.grade[who] != Grade.PO:
                problems.append(f"allocation {a['id']}: RoSH {rosh}, MAPPA {mappa_level} held by a PSO")
            if staff.pdu[who] != s["person__pdu_id"]:
                problems.append(f"allocation {a['id']}: practitioner outside the person's PDU")
            if staff.grade[a["allocated_by_id"]] not in (Grade.SPO, Grade.HEAD_OF_PDU):
                problems.append(f"allocation {a['id']}: allocated by a {staff.grade[a['allocated_by_id']]}")
            if a["start_date"] < s["start_date"]:
                problems.append(f"allocation {a['id']}: starts before the sentence")
            if s["termination_date"] and a["start_date"] > s["termination_date"]:
                problems.append(f"allocation {a['id']}: starts after the sentence ended")
            if after is not None:
                if a["end_date"] != after["start_date"] - dt.timedelta(days=1):
                    problems.append(f"allocation {a['id']}: does not end the day before the next one starts")
                if after["practitioner_id"] == who:
                    problems.append(f"allocation {after['id']}: reallocated to the same practitioner")
            elif s["termination_date"] != a["end_date"]:
                problems.append(
                    f"allocation {a['id']}: ends {a['end_date']}, the sentence {s['termination_date']}"
                )
    return problems


def referral_problems() -> list[str]:
    """Status histories that start at 'made' and follow NEXT_STATUSES, in date order, ending at the status."""
    problems = []
    sentences, staff, today = _sentences(), Staff(), timezone.localdate()
    history = defaultdict(list)
    for referral_id, status, day, by in ReferralStatusChange.objects.order_by("pk").values_list(
        "referral_id", "status", "changed_on", "changed_by_id"
    ):
        history[referral_id].append((status, day, by))
    for r in Referral.objects.values():
        steps = history[r["id"]]
        statuses = [status for status, _, _ in steps]
        s = sentences[r["sentence_id"]]
        if not statuses or statuses[0] != ReferralStatus.MADE:
            problems.append(f"referral {r['id']}: history {statuses} does not start at 'made'")
            continue
        for before, after in itertools.pairwise(statuses):
            if after not in NEXT_STATUSES[before]:
                problems.append(f"referral {r['id']}: {before} → {after} in {statuses}")
        days = [day for _, day, _ in steps]
        if days != sorted(days) or days[0] != r["made_on"]:
            problems.append(f"referral {r['id']}: changes out of date order {days}")
        if statuses[-1] != r["status"] or days[-1] != r["status_changed_on"]:
            problems.append(f"referral {r['id']}: status {r['status']} but history ends {statuses[-1]}")
        if r["made_on"] < s["start_date"] or r["made_on"] > today:
            problems.append(f"referral {r['id']}: made on {r['made_on']}, sentence from {s['start_date']}")
        if r["person_id"] != s["person_id"]:
            problems.append(f"referral {r['id']}: person is not the sentence's")
        for who in [r["made_by_id"], *(by for _, _, by in steps)]:
            if not staff.can_record(who, s["person__pdu_id"]):
                problems.append(f"referral {r['id']}: recorded by staff {who}, who cannot record")
    return problems


def assessment_problems() -> list[str]:
    """A completed assessment says whether diversity factors were discussed; an open one does not yet."""
    problems = []
    sentences, staff = _sentences(), Staff()
    for a in AssessmentSummary.objects.values():
        if a["completed_on"] is not None and not a["diversity_factors_discussed"]:
            problems.append(f"assessment {a['id']}: completed with no answer on diversity factors")
        if a["completed_on"] is None and a["diversity_factors_discussed"]:
            problems.append(f"assessment {a['id']}: diversity answer on an assessment not completed")
        if a["completed_on"] is not None and a["completed_on"] > timezone.localdate():
            problems.append(f"assessment {a['id']}: completed in the future")
        s = sentences.get(a["sentence_id"])
        if s is None or s["person_id"] != a["person_id"]:
            problems.append(f"assessment {a['id']}: the sentence belongs to someone else")
        elif not staff.can_record(a["assessor_id"], s["person__pdu_id"]):
            problems.append(f"assessment {a['id']}: assessor {a['assessor_id']} cannot record")
    return problems


def people_problems() -> list[str]:
    """Each person has one diversity profile, one sentence and one risk summary (what the generator builds)."""
    problems = []
    people = set(Person.objects.values_list("pk", flat=True))
    for label, person_ids in (
        (
            "diversity profile",
            list(Person.objects.filter(diversity__isnull=False).values_list("pk", flat=True)),
        ),
        ("sentence", list(Sentence.objects.values_list("person_id", flat=True))),
        ("risk summary", list(RiskSummary.objects.values_list("person_id", flat=True))),
    ):
        if sorted(person_ids) != sorted(people):
            problems.append(f"not exactly one {label} per person")
    return problems


RULES = {
    "sentences": sentence_problems,
    "contact_window": contact_window_problems,
    "contacts": contact_problems,
    "decisions": decision_problems,
    "proposals": proposal_problems,
    "allocations": allocation_problems,
    "referrals": referral_problems,
    "assessments": assessment_problems,
    "people": people_problems,
}


def service_rule_problems() -> dict[str, list[str]]:
    """Every rule above, by name."""
    return {name: check() for name, check in RULES.items()}
