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

from evenhand.assessment import sections as S
from evenhand.assessment.models import (
    FINISHED,
    Assessment,
    AssessmentStatus,
    DiversityTopic,
    SectionAnswer,
    Topic,
    TopicStatus,
)
from evenhand.cases import rules
from evenhand.cases.models import (
    COURT_ORDERS,
    NEXT_STATUSES,
    Allocation,
    Contact,
    Decision,
    DecisionEndorsement,
    EnforcementDecision,
    EnforcementOutcome,
    Offence,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    Registration,
    RegistrationReview,
    RegistrationType,
    Requirement,
    RiskInformation,
    RiskSummary,
    Sentence,
    SentenceType,
    TerminationReason,
    add_length,
    needs_probation_officer,
)
from evenhand.cases.models.contact import CHANGE_OUTCOMES, ChangeRequestedBy
from evenhand.cases.services import ALLOWED_DECISIONS, propose_enforcement
from evenhand.cases.services.appointments import REASON_MIN_LENGTH
from evenhand.cases.services.enforcement import OUTCOMES_OF, RATIONALE_MIN_LENGTH
from evenhand.cases.services.risk_information import (
    DECISIONS_ON_INFORMATION,
    ENDORSEMENT_MIN_LENGTH,
    decision_deadline,
    needs_endorsement,
    proposed_recall,
)
from evenhand.core.calendar import is_working_day
from evenhand.org.models import Grade, StaffMember
from evenhand.people.models import Address, DiversityEntry, DiversityProfile, IdentifiedBy, Person

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
            "pk",
            "type",
            "start_date",
            "expected_end_date",
            "termination_date",
            "termination_reason",
            "person_id",
            "person__pdu_id",
            "custody_id",
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
    decisions = (
        EnforcementDecision.objects.filter(risk_information__isnull=True)
        .select_related("sentence__person")
        .prefetch_related("triggering_contacts")
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
        EnforcementDecision.objects.filter(risk_information__isnull=True)
        .order_by("pk")
        .values_list(
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
            elif s["termination_reason"] == TerminationReason.RELEASED:
                # record_release ends the custody case's allocation the day before release.
                if a["end_date"] != s["termination_date"] - dt.timedelta(days=1):
                    problems.append(f"allocation {a['id']}: custody case held past the day before release")
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
    """Assessments as the services leave them: finished exactly when completed (not in the future), on the
    person's own sentence, by someone who may record; a finished one has every section complete, scored as
    ``assessment.sections`` scores it, and every topic of the conversation discussed (in the person's words),
    declined or not yet with the reason; a review follows a finished assessment of the same person; each
    person's latest finished one is complete and the earlier ones locked; a countersignature is an SPO's, not the
    assessor's."""
    problems = []
    sentences, staff = _sentences(), Staff()
    sections: dict[int, dict[str, dict]] = defaultdict(dict)
    for row in SectionAnswer.objects.values():
        sections[row["assessment_id"]][row["section"]] = row
    topics: dict[int, list[dict]] = defaultdict(list)
    for row in DiversityTopic.objects.values():
        topics[row["assessment_id"]].append(row)
    rows = {a["id"]: a for a in Assessment.objects.values()}
    latest: dict[int, tuple] = {}
    for a in rows.values():
        pk, finished = a["id"], a["status"] in FINISHED
        if finished != (a["completed_on"] is not None):
            problems.append(f"assessment {pk}: status {a['status']} with completion {a['completed_on']}")
        if finished:
            latest[a["person_id"]] = max(latest.get(a["person_id"], ()), (a["completed_on"], pk))
            if a["completed_on"] > timezone.localdate():
                problems.append(f"assessment {pk}: completed in the future")
            if set(sections[pk]) != {sec.key for sec in S.SECTIONS}:
                problems.append(f"assessment {pk}: sections {sorted(sections[pk])}")
            if {t["topic"] for t in topics[pk]} != set(Topic.values):
                problems.append(f"assessment {pk}: topics {sorted(t['topic'] for t in topics[pk])}")
        for key, answer in sections[pk].items():
            sec = S.BY_KEY[key]
            if finished and not answer["complete"]:
                problems.append(f"assessment {pk}: {key} not complete")
            if sec.items:
                checked = S.check_answers(sec, answer["answers"], complete=True)
                score = S.section_score(sec, checked)
                if (answer["score"], answer["severity"]) != (score, S.severity(sec, score)):
                    problems.append(f"assessment {pk}: {key} scored {answer['score']} {answer['severity']}")
            elif not answer["analysis"]:
                problems.append(f"assessment {pk}: {key} has no analysis")
        for t in topics[pk]:
            if t["status"] == TopicStatus.NOT_YET and not t["not_yet_reason"]:
                problems.append(f"assessment {pk}: {t['topic']} not yet discussed, no reason")
            if t["status"] == TopicStatus.DISCUSSED and not t["in_their_words"]:
                problems.append(f"assessment {pk}: {t['topic']} discussed, no words")
        s = sentences.get(a["sentence_id"])
        if s is None or s["person_id"] != a["person_id"]:
            problems.append(f"assessment {pk}: the sentence belongs to someone else")
        elif not staff.can_record(a["assessor_id"], s["person__pdu_id"]):
            problems.append(f"assessment {pk}: assessor {a['assessor_id']} cannot record")
        if a["previous_id"] is not None:
            before = rows[a["previous_id"]]
            if (
                before["person_id"] != a["person_id"]
                or before["status"] not in FINISHED
                or before["completed_on"] > a["started_on"]
            ):
                problems.append(f"assessment {pk}: reviews {before['id']}, not a finished earlier one")
        if a["countersigned_by_id"] is not None and (
            staff.grade.get(a["countersigned_by_id"]) != Grade.SPO
            or a["countersigned_by_id"] == a["assessor_id"]
        ):
            problems.append(f"assessment {pk}: countersigned by {a['countersigned_by_id']}")
    current = {pk for _, pk in latest.values()}
    for a in rows.values():
        if a["status"] in FINISHED and (a["status"] == AssessmentStatus.COMPLETE) != (a["id"] in current):
            problems.append(f"assessment {a['id']}: {a['status']}, latest finished: {a['id'] in current}")
    return problems


def people_problems() -> list[str]:
    """Each person has one diversity profile, one current sentence (the latest; earlier ones ended before it
    or, for custody, on the day the licence began) and at least one risk summary."""
    problems = []
    people = set(Person.objects.values_list("pk", flat=True))
    profiles = list(Person.objects.filter(diversity__isnull=False).values_list("pk", flat=True))
    if sorted(profiles) != sorted(people):
        problems.append("not exactly one diversity profile per person")
    for label, person_ids in (
        ("sentence", set(Sentence.objects.values_list("person_id", flat=True))),
        ("risk summary", set(RiskSummary.objects.values_list("person_id", flat=True))),
    ):
        if person_ids != people:
            problems.append(f"not at least one {label} per person")
    by_person = defaultdict(list)
    for s in _sentences().values():
        by_person[s["person_id"]].append(s)
    for person_id, sentences in by_person.items():
        sentences.sort(key=lambda s: (s["start_date"], s["pk"]))
        for before, after in itertools.pairwise(sentences):
            if before["termination_date"] is None or before["termination_date"] > after["start_date"]:
                problems.append(
                    f"person {person_id}: sentence {before['pk']} still runs when {after['pk']} starts"
                )
    return problems


def custody_problems() -> list[str]:
    """A licence or PSS follows the same person's custody sentence, as ``record_release`` records it: the
    custody released on the licence's first day (before the sentence expired); PSS from the end of the licence
    to 12 months after release, after a custody sentence of under two years with dated offences."""
    problems = []
    sentences = _sentences()
    lengths = dict(Sentence.objects.filter(type=SentenceType.CUSTODY).values_list("pk", "length"))
    dated = defaultdict(list)
    for sentence_id, committed_on in Offence.objects.values_list("sentence_id", "committed_on"):
        dated[sentence_id].append(committed_on)
    for pk, s in sentences.items():
        if s["type"] == SentenceType.CUSTODY:
            if any(day is None or day > s["start_date"] for day in dated[pk]):
                problems.append(f"custody {pk}: an offence without a date, or after the date of sentence")
            continue
        if s["type"] not in (SentenceType.LICENCE, SentenceType.POST_SENTENCE_SUPERVISION):
            if s["custody_id"] is not None:
                problems.append(f"sentence {pk}: a {s['type']} pointing at a custody sentence")
            continue
        custody = sentences.get(s["custody_id"])
        if custody is None:
            problems.append(f"sentence {pk}: a {s['type']} with no custody sentence")
            continue
        if custody["person_id"] != s["person_id"]:
            problems.append(f"sentence {pk}: follows another person's custody")
        if custody["termination_reason"] != TerminationReason.RELEASED:
            problems.append(f"sentence {pk}: its custody sentence was not ended by a release")
        released = custody["termination_date"]
        expiry = add_length(custody["start_date"], lengths[custody["pk"]], "months")
        if s["type"] == SentenceType.LICENCE:
            if s["start_date"] != released:
                problems.append(f"licence {pk}: starts {s['start_date']}, release on {released}")
            if not released < expiry:
                problems.append(f"licence {pk}: released on or after the sentence expired")
        else:
            if s["expected_end_date"] != add_length(released, 12, "months"):
                problems.append(f"PSS {pk}: does not end 12 months after release")
            if lengths[custody["pk"]] >= 24:
                problems.append(f"PSS {pk}: after a custody sentence of two years or more")
    return problems


def risk_review_problems() -> list[str]:
    """Reviews at most six months apart: each next review due within six months of the review, and the next
    review done by then."""
    problems = []
    by_person = defaultdict(list)
    for pk, person_id, assessed_on, due in RiskSummary.objects.order_by("assessed_on", "pk").values_list(
        "pk", "person_id", "assessed_on", "next_review_due"
    ):
        by_person[person_id].append((pk, assessed_on, due))
    for person_id, reviews in by_person.items():
        for pk, assessed_on, due in reviews:
            if due is None or not assessed_on < due <= add_length(assessed_on, 6, "months"):
                problems.append(f"review {pk}: next due {due}, assessed {assessed_on}")
        for (pk, _, due), (_, later, _) in itertools.pairwise(reviews):
            if due is not None and later > due:
                problems.append(f"person {person_id}: review after {pk} done {later}, due {due}")
    return problems


def registration_problems() -> list[str]:
    """No two registrations of a type overlap; the next review within 12 months of the start; MAPPA
    registrations exactly for people whose current risk summary has a MAPPA category."""
    problems = []
    by_key = defaultdict(list)
    mappa_open = set()
    reviewed = defaultdict(list)
    for registration_id, on, next_on in RegistrationReview.objects.order_by("reviewed_on").values_list(
        "registration_id", "reviewed_on", "next_review_date"
    ):
        reviewed[registration_id].append((on, next_on))
    for r in Registration.objects.order_by("start_date", "pk").values():
        by_key[(r["person_id"], r["type"])].append(r)
        if r["type"] == RegistrationType.MAPPA:
            mappa_open.add(r["person_id"])
        reviews = reviewed[r["id"]]
        latest = reviews[-1][0] if reviews else r["start_date"]
        if reviews and reviews[-1][1] != r["next_review_date"]:
            problems.append(f"registration {r['id']}: the next review is not the one its last review set")
        if not latest < r["next_review_date"] <= add_length(latest, 12, "months"):
            problems.append(f"registration {r['id']}: next review {r['next_review_date']}, last {latest}")
        if any(on < r["start_date"] or (r["end_date"] and on > r["end_date"]) for on, _ in reviews):
            problems.append(f"registration {r['id']}: reviewed while not open")
    for key, rows in by_key.items():
        for before, after in itertools.pairwise(rows):
            if before["end_date"] is None or before["end_date"] >= after["start_date"]:
                problems.append(f"registrations {before['id']} and {after['id']} of {key} overlap")
    current = {}
    for person_id, category in RiskSummary.objects.order_by("assessed_on", "pk").values_list(
        "person_id", "mappa_category"
    ):
        current[person_id] = category
    under_mappa = {p for p, category in current.items() if category is not None}
    if mappa_open != under_mappa:
        problems.append(
            f"MAPPA registrations for {len(mappa_open)} people, MAPPA in the risk summary for {len(under_mappa)}"
        )
    return problems


def diversity_history_problems() -> list[str]:
    """Histories in date order whose value in force today is the profile's; "prefer not to say" given by the
    person; religion never observed."""
    problems = []
    history = defaultdict(list)
    for e in DiversityEntry.objects.order_by("person_id", "characteristic", "identified_on", "pk").values():
        history[(e["person_id"], e["characteristic"])].append(e)
        if e["value"] in ("PNS", "prefer_not_to_say") and e["identified_by"] != IdentifiedBy.SELF:
            problems.append(f"entry {e['id']}: prefer not to say, identified by {e['identified_by']!r}")
        if e["characteristic"] == "religion" and e["identified_by"] == IdentifiedBy.STAFF:
            problems.append(f"entry {e['id']}: religion observed by staff")
    profiles = {p["person_id"]: p for p in DiversityProfile.objects.values()}
    for (person_id, characteristic), rows in history.items():
        days = [row["identified_on"] for row in rows]
        if days != sorted(days) or len(set(days)) != len(days):
            problems.append(f"person {person_id}: {characteristic} history out of order {days}")
        if rows[-1]["value"] != profiles[person_id][characteristic]:
            problems.append(f"person {person_id}: {characteristic} in force is not the profile's")
        if (
            characteristic == "ethnicity"
            and rows[-1]["identified_on"] != profiles[person_id]["ethnicity_identified_on"]
        ):
            problems.append(f"person {person_id}: ethnicity identified on differs from the profile")
    return problems


def address_problems() -> list[str]:
    """Each person's addresses one after another, the last current."""
    problems = []
    by_person = defaultdict(list)
    for a in Address.objects.order_by("start_date", "pk").values():
        by_person[a["person_id"]].append(a)
    for person_id, rows in by_person.items():
        if rows[-1]["end_date"] is not None:
            problems.append(f"person {person_id}: no current address")
        for before, after in itertools.pairwise(rows):
            if before["end_date"] is None or before["end_date"] >= after["start_date"]:
                problems.append(f"person {person_id}: addresses {before['id']} and {after['id']} overlap")
    return problems


def bank_holiday_problems() -> list[str]:
    """No appointment on a weekend or bank holiday."""
    problems = []
    for pk, starts_at in Contact.objects.values_list("pk", "starts_at").iterator(5000):
        day = timezone.localdate(starts_at)
        if not is_working_day(day):
            problems.append(f"contact {pk} on {day}, not a working day")
    return problems


def risk_information_problems() -> list[str]:
    """Risk information on licences only, within the sentence, recorded by someone who may record, with the
    deadline the service sets; each decision on it one that may answer it (``DECISIONS_ON_INFORMATION``), the
    proposal the service makes, dated between the information and the sentence's end, no trigger; an
    endorsement only of a decision not to recall, by an SPO or head of PDU who did not decide, after it."""
    problems = []
    sentences, staff = _sentences(), Staff()
    for info in RiskInformation.objects.order_by("pk").iterator(2000):
        s = sentences[info.sentence_id]
        day = timezone.localdate(info.received_at)
        if s["type"] != SentenceType.LICENCE or info.person_id != s["person_id"]:
            problems.append(f"information {info.pk}: not on its person's licence")
        if not s["start_date"] <= day <= _last_day(s):
            problems.append(f"information {info.pk}: received on {day}, outside its sentence")
        if not info.recall_considered or info.decision_due_at != decision_deadline(
            info.received_at, info.urgency
        ):
            problems.append(f"information {info.pk}: deadline {info.decision_due_at} is not the service's")
        if not staff.can_record(info.recorded_by_id, s["person__pdu_id"]):
            problems.append(
                f"information {info.pk}: recorded by staff {info.recorded_by_id}, who cannot record"
            )
        if info.source in ("partner_agency", "other") and not info.source_detail:
            problems.append(f"information {info.pk}: no detail of the source")
    decisions = EnforcementDecision.objects.filter(risk_information__isnull=False).select_related(
        "risk_information", "sentence__person"
    )
    answered: set[int] = set()
    for d in decisions.prefetch_related("triggering_contacts").iterator(500):
        info, s = d.risk_information, sentences[d.sentence_id]
        if d.risk_information_id in answered:
            problems.append(f"decision {d.pk}: a second decision on information {d.risk_information_id}")
        answered.add(d.risk_information_id)
        if d.decision not in DECISIONS_ON_INFORMATION or d.proposed != proposed_recall(info):
            problems.append(f"decision {d.pk}: {d.decision} (proposed {d.proposed}) on risk information")
        if info.sentence_id != d.sentence_id or list(d.triggering_contacts.all()):
            problems.append(f"decision {d.pk}: not on its information's sentence alone")
        if not info.received_at <= d.decided_at <= timezone.now():
            problems.append(f"decision {d.pk}: decided outside the information's time")
        if s["termination_date"] and timezone.localdate(d.decided_at) > s["termination_date"]:
            problems.append(f"decision {d.pk}: decided after the sentence ended")
        if len(d.rationale.strip()) < RATIONALE_MIN_LENGTH:
            problems.append(f"decision {d.pk}: rationale too short")
        if not staff.can_record(d.decided_by_id, s["person__pdu_id"]):
            problems.append(f"decision {d.pk}: decided by staff {d.decided_by_id}, who cannot record")
    for e in DecisionEndorsement.objects.select_related("decision"):
        d = e.decision
        if not needs_endorsement(d):
            problems.append(f"endorsement {e.pk}: of a decision that needs none")
        if (
            staff.grade.get(e.endorsed_by_id) not in (Grade.SPO, Grade.HEAD_OF_PDU)
            or e.endorsed_by_id == d.decided_by_id
        ):
            problems.append(f"endorsement {e.pk}: by staff {e.endorsed_by_id}, who cannot endorse it")
        if not d.decided_at <= e.endorsed_at <= timezone.now():
            problems.append(f"endorsement {e.pk}: dated outside the decision's time")
        if len(e.rationale.strip()) < ENDORSEMENT_MIN_LENGTH:
            problems.append(f"endorsement {e.pk}: rationale too short")
    return problems


def rescheduled_problems() -> list[str]:
    """A rescheduled or cancelled appointment says who asked and why, and was changed before it started; an
    appointment booked in place of another is the same person's, later, and only of a rescheduled one."""
    problems = []
    changed = Contact.objects.filter(outcome__in=CHANGE_OUTCOMES).select_related("rescheduled_to")
    for c in changed.iterator(2000):
        if c.change_requested_by not in ChangeRequestedBy.values or len(c.change_reason) < REASON_MIN_LENGTH:
            problems.append(f"contact {c.pk}: {c.outcome} without who asked and why")
        if c.outcome_recorded_at is None or c.outcome_recorded_at >= c.starts_at:
            problems.append(f"contact {c.pk}: {c.outcome} after it started")
    for new in Contact.objects.filter(rescheduled_from__isnull=False).select_related("rescheduled_from"):
        old = new.rescheduled_from
        if old.outcome != "rescheduled" or old.person_id != new.person_id or new.starts_at <= old.starts_at:
            problems.append(f"contact {new.pk}: booked in place of contact {old.pk}, which it cannot replace")
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
    "custody": custody_problems,
    "risk_reviews": risk_review_problems,
    "registrations": registration_problems,
    "diversity_history": diversity_history_problems,
    "addresses": address_problems,
    "bank_holidays": bank_holiday_problems,
    "risk_information": risk_information_problems,
    "rescheduled": rescheduled_problems,
}


def service_rule_problems() -> dict[str, list[str]]:
    """Every rule above, by name."""
    return {name: check() for name, check in RULES.items()}
