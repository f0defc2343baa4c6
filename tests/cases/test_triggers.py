"""Decisions, the failures each answered, what became of them and a referral's history refuse UPDATE and DELETE
in the database itself (ADR 0003): QuerySet.update(), QuerySet.delete() and raw SQL are refused and the rows
stay as they were; recording new ones still works."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from evenhand.cases.models import (
    Decision,
    DecisionOutcome,
    EnforcementDecision,
    EnforcementOutcome,
    ReferralStatus,
    ReferralStatusChange,
    ServiceArea,
)
from evenhand.cases.services import make_referral, record_enforcement_outcome, update_referral_status
from evenhand.org.models import Grade
from tests.factories import PersonFactory, StaffMemberFactory, local_datetime
from tests.refusals import Target

from .helpers import contact_on, decide, long_sentence

pytestmark = pytest.mark.django_db

D = dt.date
TriggeringContact = EnforcementDecision.triggering_contacts.through


def record_casework(person, po) -> dict[str, Target]:
    """A warning on a failure, a breach with no failures named, a proven breach and a referral's history."""
    sentence = long_sentence(person)
    failure = contact_on(sentence, po, D(2024, 5, 1)).contact
    unanswered = contact_on(sentence, po, D(2024, 5, 20)).contact
    warning = decide(sentence, po, Decision.WARNING, [failure])
    breach = decide(sentence, po, Decision.BREACH, at=local_datetime(D(2024, 6, 3)))
    proven = decide(sentence, po, Decision.BREACH, at=local_datetime(D(2024, 6, 10)))
    outcome = record_enforcement_outcome(
        by=po, decision=proven, outcome=DecisionOutcome.BREACH_PROVEN, outcome_date=D(2024, 7, 1)
    )
    referral = make_referral(
        by=po,
        sentence=sentence,
        service_area=ServiceArea.ACCOMMODATION,
        reason="No fixed address since the tenancy ended.",
        made_on=D(2024, 5, 2),
    )
    update_referral_status(by=po, referral=referral, status=ReferralStatus.ACCEPTED, changed_on=D(2024, 5, 9))
    rewritten = "Rewritten after the event to say something else entirely."
    return {
        "decision": Target(
            EnforcementDecision.objects.filter(pk=breach.pk),
            {"rationale": rewritten},
            "rationale",
            rewritten,
            "An enforcement decision",
        ),
        "triggering contact": Target(
            TriggeringContact.objects.filter(enforcementdecision=warning),
            {"contact": unanswered},
            "contact_id",
            unanswered.pk,
            "The failures an enforcement decision answered",
        ),
        "outcome": Target(
            EnforcementOutcome.objects.filter(pk=outcome.pk),
            {"outcome": DecisionOutcome.BREACH_WITHDRAWN},
            "outcome",
            DecisionOutcome.BREACH_WITHDRAWN.value,
            "The outcome of an enforcement decision",
        ),
        "referral history": Target(
            ReferralStatusChange.objects.filter(referral=referral, status=ReferralStatus.ACCEPTED),
            {"note": rewritten},
            "note",
            rewritten,
            "An entry in a referral's history",
        ),
    }


@pytest.fixture
def recorded(person, po) -> dict[str, Target]:
    return record_casework(person, po)


PROTECTED = ["decision", "triggering contact", "outcome", "referral history"]


@pytest.mark.parametrize("name", PROTECTED)
def test_a_queryset_update_is_refused(recorded, name):
    recorded[name].refuses_queryset_update()


@pytest.mark.parametrize("name", PROTECTED)
def test_a_queryset_delete_is_refused(recorded, name):
    recorded[name].refuses_queryset_delete()


@pytest.mark.parametrize("name", PROTECTED)
def test_a_raw_sql_update_is_refused(recorded, name):
    recorded[name].refuses_raw_update()


@pytest.mark.parametrize("name", PROTECTED)
@pytest.mark.parametrize("where", ["one row", "every row"])
def test_a_raw_sql_delete_is_refused(recorded, name, where):
    recorded[name].refuses_raw_delete(where)


@pytest.mark.parametrize(
    "change",
    [
        lambda decision: decision.triggering_contacts.clear(),
        lambda decision: decision.triggering_contacts.remove(*decision.triggering_contacts.all()),
        lambda decision: decision.triggering_contacts.set([]),
    ],
    ids=["clear", "remove", "set"],
)
def test_the_failures_a_decision_answered_cannot_be_taken_away(recorded, change):
    target = recorded["triggering contact"]
    decision = EnforcementDecision.objects.get(pk=target.rows.get().enforcementdecision_id)
    before = target.stored()
    with pytest.raises(IntegrityError, match=target.refusal("deleted")), transaction.atomic():
        change(decision)
    assert target.stored() == before


def test_recording_still_works(recorded, po):
    # The fixture recorded everything through the services; a correction adds a decision and copies the
    # failures it answers, and leaves the corrected decision as it was.
    target = recorded["triggering contact"]
    warning = EnforcementDecision.objects.get(pk=target.rows.get().enforcementdecision_id)
    before = list(EnforcementDecision.objects.filter(pk=warning.pk).values())
    correction = decide(
        warning.sentence,
        po,
        Decision.NO_FURTHER_ACTION,
        at=warning.decided_at + dt.timedelta(days=1),
        corrects=warning,
    )
    assert EnforcementDecision.objects.get(pk=correction.pk).corrects == warning
    assert list(correction.triggering_contacts.all()) == list(warning.triggering_contacts.all())
    assert list(EnforcementDecision.objects.filter(pk=warning.pk).values()) == before
    assert EnforcementDecision.objects.count() == 4
    assert EnforcementOutcome.objects.count() == 1
    assert list(ReferralStatusChange.objects.values_list("status", flat=True)) == [
        ReferralStatus.MADE,
        ReferralStatus.ACCEPTED,
    ]


@pytest.mark.django_db(transaction=True)
def test_the_test_databases_flush_empties_the_tables_and_keeps_the_refusals():
    # Transactional tests end with this flush: on SQLite tests/flush.py lifts the refusal of DELETE for it.
    person = PersonFactory()
    record_casework(person, StaffMemberFactory(grade=Grade.PO, pdu=person.pdu))
    call_command("flush", interactive=False, verbosity=0)
    for model in (EnforcementDecision, TriggeringContact, EnforcementOutcome, ReferralStatusChange):
        assert not model.objects.exists()

    person = PersonFactory()
    target = record_casework(person, StaffMemberFactory(grade=Grade.PO, pdu=person.pdu))["decision"]
    with pytest.raises(IntegrityError, match=target.refusal("deleted")), connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{target.table}"')
    assert target.rows.exists()


@pytest.mark.django_db(transaction=True)
def test_reversing_the_migration_drops_the_triggers():
    person = PersonFactory()
    target = record_casework(person, StaffMemberFactory(grade=Grade.PO, pdu=person.pdu))["decision"]
    call_command("migrate", "cases", "0003", verbosity=0)
    try:
        target.rows.update(**target.changes)
        # Read the one column: the decisions of 0003 have none of the columns added since.
        assert target.rows.values_list("rationale", flat=True).get() == target.value
    finally:
        # Every app forward again: going back unapplied the migrations of the apps that depend on this one.
        call_command("migrate", verbosity=0)
    with pytest.raises(IntegrityError, match=target.refusal("changed")):
        target.rows.update(rationale="Rewritten once more.")
    assert target.rows.get().rationale == target.value
