"""The door to case records: the caseload "My cases" lists, and the casework pages (what a form that
records casework shows, with the view or the refusal logged)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evenhand.audit.models import AccessLogEntry, Action, Channel
from evenhand.cases import door
from evenhand.cases import services as cases
from evenhand.cases.models import ContactOutcome, Decision, RoshLevel, Tier
from evenhand.cases.selectors import unanswered_failures
from evenhand.org.models import Grade
from evenhand.people.models import Exclusion, Restriction
from tests.factories import (
    AllocationFactory,
    ContactFactory,
    PDUFactory,
    PersonFactory,
    RiskSummaryFactory,
    SentenceFactory,
    StaffMemberFactory,
    local_datetime,
    today,
)

from .helpers import contact_on, decide, long_sentence

pytestmark = pytest.mark.django_db

D = dt.date


def caseload(viewer):
    """The people "My cases" lists for the viewer, with their case summary."""
    return door.caseload_of(viewer)[1]


def allocated(person, practitioner, **kwargs):
    sentence = SentenceFactory(person=person)
    AllocationFactory(sentence=sentence, practitioner=practitioner, **kwargs)
    return sentence


def outstanding(practitioner, person) -> int:
    """The caseload figure for a person, reading a missing count as none (see test_none_outstanding_is_zero)."""
    return next(p for p in caseload(practitioner) if p.pk == person.pk).outstanding_enforcement or 0


class TestCaseloadMembership:
    def test_only_people_with_an_open_allocation_to_the_practitioner(self, pdu, po):
        colleague = StaffMemberFactory(grade=Grade.PO, pdu=pdu)
        mine = PersonFactory(pdu=pdu, last_name="Adams")
        allocated(mine, po)
        handed_on = PersonFactory(pdu=pdu, last_name="Baker")
        sentence = allocated(handed_on, po, start_date=D(2025, 1, 6), end_date=D(2025, 3, 1))
        AllocationFactory(sentence=sentence, practitioner=colleague, start_date=D(2025, 3, 2))
        theirs = PersonFactory(pdu=pdu, last_name="Clarke")
        allocated(theirs, colleague)
        two_sentences = PersonFactory(pdu=pdu, last_name="Davies")
        allocated(two_sentences, po)
        allocated(two_sentences, po)
        shared = PersonFactory(pdu=pdu, last_name="Evans")
        allocated(shared, po)
        allocated(shared, colleague)
        PersonFactory(pdu=pdu, last_name="Fox")  # in the PDU, allocated to nobody
        assert list(caseload(po)) == [mine, two_sentences, shared]
        assert list(caseload(colleague)) == [handed_on, theirs, shared]

    def test_ordered_by_name(self, pdu, po):
        people = [
            PersonFactory(pdu=pdu, first_name=first, last_name=last)
            for first, last in [("Zoe", "Brown"), ("Amy", "Brown"), ("Bob", "Adams")]
        ]
        for person in people:
            allocated(person, po)
        assert [p.full_name for p in caseload(po)] == ["Bob Adams", "Amy Brown", "Zoe Brown"]

    def test_hides_a_record_the_practitioner_is_excluded_from(self, pdu, po):
        person = PersonFactory(pdu=pdu)
        allocated(person, po)
        assert list(caseload(po)) == [person]
        Exclusion.objects.create(
            person=person, staff=po, reason="Conflict of interest found after allocation"
        )
        assert list(caseload(po)) == []

    def test_hides_a_record_restricted_to_others(self, pdu, po):
        person = PersonFactory(pdu=pdu)
        allocated(person, po)
        Restriction.objects.create(person=person, staff=StaffMemberFactory(pdu=pdu), reason="Named worker")
        assert list(caseload(po)) == []
        Restriction.objects.create(person=person, staff=po, reason="Named worker")
        assert list(caseload(po)) == [person]


class TestCaseloadSummary:
    def test_tier_and_rosh_from_the_latest_risk_summary(self, pdu, po):
        person = PersonFactory(pdu=pdu)
        allocated(person, po)
        RiskSummaryFactory(person=person, tier=Tier.B2, rosh=RoshLevel.MEDIUM, assessed_on=D(2025, 6, 1))
        # Recorded later but assessed earlier: not the current one.
        RiskSummaryFactory(person=person, tier=Tier.A3, rosh=RoshLevel.VERY_HIGH, assessed_on=D(2025, 1, 1))
        (row,) = caseload(po)
        assert (row.tier, row.rosh) == ("B2", "M")
        # Two on the same day: the later record wins.
        RiskSummaryFactory(person=person, tier=Tier.C1, rosh=RoshLevel.LOW, assessed_on=D(2025, 7, 1))
        RiskSummaryFactory(person=person, tier=Tier.A1, rosh=RoshLevel.HIGH, assessed_on=D(2025, 7, 1))
        (row,) = caseload(po)
        assert (row.tier, row.rosh) == ("A1", "H")

    def test_no_risk_summary_yet(self, pdu, po):
        allocated(PersonFactory(pdu=pdu), po)
        (row,) = caseload(po)
        assert (row.tier, row.rosh) == (None, None)

    def test_next_appointment_is_the_earliest_future_one_without_an_outcome(self, pdu, po):
        person = PersonFactory(pdu=pdu)
        sentence = allocated(person, po)
        other_sentence = SentenceFactory(person=person)
        now = timezone.now()
        ContactFactory(sentence=sentence, starts_at=now - dt.timedelta(hours=2))  # overdue, not next
        ContactFactory(sentence=sentence, starts_at=now + dt.timedelta(days=9))
        soonest = now + dt.timedelta(days=2, hours=3)
        ContactFactory(sentence=other_sentence, starts_at=soonest)  # any of the person's sentences
        ContactFactory(
            sentence=SentenceFactory(person=PersonFactory(pdu=pdu)), starts_at=now + dt.timedelta(hours=1)
        )
        (row,) = caseload(po)
        assert row.next_appointment == soonest

    def test_no_next_appointment(self, pdu, po):
        sentence = allocated(PersonFactory(pdu=pdu), po)
        ContactFactory(sentence=sentence, outcome=ContactOutcome.ATTENDED_COMPLIED)
        (row,) = caseload(po)
        assert row.next_appointment is None


class TestOutstandingEnforcement:
    @pytest.fixture
    def case(self, pdu, po):
        person = PersonFactory(pdu=pdu)
        sentence = long_sentence(person)
        AllocationFactory(sentence=sentence, practitioner=po)
        return person, sentence

    def test_counts_unanswered_unacceptable_failures_only(self, case, po):
        person, sentence = case
        for day, outcome in [
            (D(2024, 5, 1), ContactOutcome.FAILED_UNACCEPTABLE),
            (D(2024, 5, 8), ContactOutcome.ATTENDED_FAILED_TO_COMPLY),
            (D(2024, 5, 15), ContactOutcome.ATTENDED_COMPLIED),
            (D(2024, 5, 22), ContactOutcome.FAILED_ACCEPTABLE),
            (D(2024, 5, 29), ContactOutcome.RESCHEDULED),
        ]:
            contact_on(sentence, po, day, outcome)
        assert outstanding(po, person) == 2

    def test_an_answered_failure_no_longer_counts(self, case, po):
        person, sentence = case
        first = contact_on(sentence, po, D(2024, 5, 1)).contact
        contact_on(sentence, po, D(2024, 5, 8))
        decide(sentence, po, Decision.WARNING, [first])
        assert outstanding(po, person) == 1

    def test_still_answered_after_its_decision_is_corrected(self, case, po):
        person, sentence = case
        failure = contact_on(sentence, po, D(2024, 5, 1)).contact
        original = decide(sentence, po, Decision.WARNING, [failure])
        decide(sentence, po, Decision.NO_FURTHER_ACTION, corrects=original, at=local_datetime(D(2024, 5, 9)))
        assert outstanding(po, person) == 0

    def test_answered_only_by_a_corrected_decision_counts_again(self, case, po):
        person, sentence = case
        wrong = contact_on(sentence, po, D(2024, 5, 1)).contact
        right = contact_on(sentence, po, D(2024, 5, 8)).contact
        original = decide(sentence, po, Decision.WARNING, [wrong])
        decide(sentence, po, Decision.WARNING, [right], corrects=original)
        assert list(unanswered_failures().filter(person=person)) == [wrong]
        assert outstanding(po, person) == 1

    def test_counts_every_sentence_of_the_person(self, case, po):
        person, sentence = case
        contact_on(sentence, po, D(2024, 5, 1))
        other = long_sentence(person, "LIC")
        contact_on(other, po, D(2024, 5, 2))
        assert outstanding(po, person) == 2

    def test_none_outstanding_is_zero(self, case, po):
        (row,) = caseload(po)
        assert row.outstanding_enforcement == 0


def test_caseload_is_a_fixed_number_of_queries(pdu, po):
    def populate(n: int) -> None:
        for i in range(n):
            person = PersonFactory(pdu=pdu)
            sentence = long_sentence(person)
            AllocationFactory(sentence=sentence, practitioner=po)
            RiskSummaryFactory(person=person, recorded_by=po)
            RiskSummaryFactory(person=person, recorded_by=po, assessed_on=today())
            ContactFactory(
                sentence=sentence, recorded_by=po, starts_at=timezone.now() + dt.timedelta(days=i + 1)
            )
            contact_on(sentence, po, D(2024, 5, 1))

    def read() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            rows = [
                (p.crn, p.tier, p.rosh, p.next_appointment, p.outstanding_enforcement) for p in caseload(po)
            ]
        return len(rows), len(queries)

    populate(5)
    five, queries_for_five = read()
    populate(25)
    thirty, queries_for_thirty = read()
    assert (five, thirty) == (5, 30)
    assert queries_for_thirty == queries_for_five <= 2


def test_caseload_for_30_people_within_the_query_budget(pdu, po, django_assert_max_num_queries):
    for _ in range(30):
        person = PersonFactory(pdu=pdu)
        sentence = SentenceFactory(person=person)
        AllocationFactory(sentence=sentence, practitioner=po)
        RiskSummaryFactory(person=person, recorded_by=po)
        ContactFactory(sentence=sentence, recorded_by=po, outcome=ContactOutcome.FAILED_UNACCEPTABLE)
    with django_assert_max_num_queries(1):
        rows = list(caseload(po))
        assert all(row.outstanding_enforcement == 1 and row.tier == "C2" for row in rows)
    assert len(rows) == 30


# --- casework pages ----------------------------------------------------------------------------------------


def log() -> list[tuple[int, int | None, str, str]]:
    return list(
        AccessLogEntry.objects.order_by("pk").values_list("staff_id", "person_id", "action", "detail")
    )


class TestCaseworkPages:
    @pytest.fixture
    def sentence(self, person, po):
        sentence = long_sentence(person)
        AllocationFactory(sentence=sentence, practitioner=po)
        return sentence

    def test_a_person_page_shows_the_record_and_offers_the_running_sentences(self, person, po, sentence):
        ended = SentenceFactory(
            person=person, termination_date=today() - dt.timedelta(days=1), termination_reason="completed"
        )
        page = door.person_casework(
            viewer=po, ref=str(person.pk), channel=Channel.UI, purpose="Make a referral"
        )
        assert (page.person.id, page.person.crn, page.person.display_name) == (
            person.pk,
            person.crn,
            f"{person.first_name} {person.last_name}",
        )
        assert page.model == person
        assert list(page.sentences) == [sentence] and ended not in page.sentences
        assert page.has_sentences
        assert log() == [(po.pk, person.pk, Action.VIEW, "Make a referral")]

    def test_no_running_sentence(self, person, po):
        page = door.person_casework(viewer=po, ref=person.pk, channel=Channel.UI, purpose="Record a contact")
        assert not page.has_sentences

    def test_a_contact_page_shows_the_contact_and_the_person(self, person, po, sentence):
        contact = ContactFactory(sentence=sentence, recorded_by=po, location="Leeds office")
        page = door.contact_casework(
            viewer=po, ref=contact.pk, channel=Channel.UI, purpose="Record the outcome"
        )
        assert (page.contact.id, page.contact.location, page.person.crn) == (
            contact.pk,
            "Leeds office",
            person.crn,
        )
        assert page.model == contact
        assert log() == [(po.pk, person.pk, Action.VIEW, "Record the outcome")]

    def test_a_referral_page_shows_the_referral_and_the_person(self, person, po, sentence):
        referral = cases.make_referral(
            by=po, sentence=sentence, service_area="ete", reason="Work", made_on=D(2024, 5, 1)
        )
        page = door.referral_casework(
            viewer=po, ref=referral.pk, channel=Channel.UI, purpose="Update a referral"
        )
        assert (page.referral.id, page.referral.status, page.person.id) == (referral.pk, "made", person.pk)
        assert log() == [(po.pk, person.pk, Action.VIEW, "Update a referral")]

    def test_the_decision_page_proposes_for_the_failure_asked_about(self, person, po, sentence):
        older = contact_on(sentence, po, D(2024, 5, 1)).contact
        newer = contact_on(sentence, po, D(2024, 6, 1), ContactOutcome.ATTENDED_FAILED_TO_COMPLY).contact
        contact_on(sentence, po, D(2024, 6, 2), ContactOutcome.ATTENDED_COMPLIED)
        page = door.decision_casework(
            viewer=po, sentence_ref=sentence.pk, channel=Channel.UI, contact_ref=str(newer.pk)
        )
        assert list(page.failures) == [older, newer]
        assert page.ticked == [newer.pk]
        assert page.proposal is not None and page.proposal.decision == Decision.WARNING
        assert (page.sentence.id, page.person.id, page.corrects) == (sentence.pk, person.pk, None)
        # Without ?contact= (or with one that is not offered) every failure is ticked.
        for asked in (None, "nonsense", str(older.pk + newer.pk + 100)):
            page = door.decision_casework(
                viewer=po, sentence_ref=sentence.pk, channel=Channel.UI, contact_ref=asked
            )
            assert page.ticked == [older.pk, newer.pk]
        assert [row[3] for row in log()] == ["Record an enforcement decision"] * 4

    def test_a_correction_offers_the_failures_the_corrected_decision_answered(self, person, po, sentence):
        failure = contact_on(sentence, po, D(2024, 5, 1)).contact
        contact_on(sentence, po, D(2024, 6, 1))  # outstanding, but not what the original answered
        original = decide(sentence, po, Decision.WARNING, [failure])
        page = door.decision_casework(
            viewer=po, sentence_ref=sentence.pk, channel=Channel.UI, corrects_ref=str(original.pk)
        )
        assert list(page.failures) == [failure]
        assert page.corrects is not None and page.corrects.id == original.pk
        assert page.corrects.decision_label == "Warning"
        assert page.corrects_model == original
        assert log() == [(po.pk, person.pk, Action.VIEW, "Correct an enforcement decision")]

    @pytest.mark.parametrize("corrects", ["", "abc", "0", "99999999999999999999", "9999999999999999999"])
    def test_a_correction_of_no_decision_is_not_found(self, po, sentence, corrects):
        with pytest.raises(Http404):
            door.decision_casework(
                viewer=po, sentence_ref=sentence.pk, channel=Channel.UI, corrects_ref=corrects
            )

    def test_a_correction_of_another_sentences_decision_is_not_found(self, person, po, sentence):
        other = long_sentence(person, "LIC")
        original = decide(other, po, Decision.RECALL_STANDARD, at=local_datetime(D(2024, 5, 1)))
        with pytest.raises(Http404):
            door.decision_casework(
                viewer=po, sentence_ref=sentence.pk, channel=Channel.UI, corrects_ref=str(original.pk)
            )

    @pytest.mark.parametrize("role", ["other_pdu_po", "inspector", "admin"])
    def test_refused_viewers_are_logged_and_see_nothing(self, person, po, sentence, role):
        viewer = {
            "other_pdu_po": lambda: StaffMemberFactory(grade=Grade.PO, pdu=PDUFactory()),
            "inspector": lambda: StaffMemberFactory(grade=Grade.INSPECTOR),
            "admin": lambda: StaffMemberFactory(grade=Grade.ADMIN),
        }[role]()
        opens = [
            lambda: door.person_casework(viewer=viewer, ref=person.pk, channel=Channel.UI, purpose="p"),
            lambda: door.decision_casework(viewer=viewer, sentence_ref=sentence.pk, channel=Channel.UI),
        ]
        for open_page in opens:
            with pytest.raises(PermissionDenied):
                open_page()
        assert log() == [(viewer.pk, person.pk, Action.REFUSED, "")] * 2

    def test_an_excluded_practitioner_is_refused_their_own_case(self, person, po, sentence):
        Exclusion.objects.create(person=person, staff=po, reason="Conflict of interest")
        with pytest.raises(PermissionDenied):
            door.decision_casework(viewer=po, sentence_ref=sentence.pk, channel=Channel.UI)
        assert [row[2] for row in log()] == [Action.REFUSED]
